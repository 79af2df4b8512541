//! Model dumps: JSON Lines of `/api/models` objects, Parquet, or CSV. Columns (and JSON keys)
//! are mapped to model fields by name ([`ModelField::from_name`]): the real layouts —
//! `hub/models.jsonl`, Liang et al.'s `modelId, author, creation_time, downloads, has_modelcard,
//! task_category, task_domain`, SAIL's `owner, model_name, pipeline, variants` — all read as
//! they are. Unknown columns are ignored; a record without an id is skipped with the reason.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use hubscope_store::time::from_unix_micros;
use hubscope_store::{Batch, Issue, ModelField, ModelRecord, RecordBuilder, Severity};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use serde_json::Value;

use crate::error::SourceError;
use rayon::prelude::*;

use crate::lines::{JsonLines, RawLine, truncation_hint};

/// The layouts a model dump can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelFormat {
    Jsonl,
    Parquet,
    Csv,
}

impl ModelFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ModelFormat::Jsonl => "jsonl",
            ModelFormat::Parquet => "parquet",
            ModelFormat::Csv => "csv",
        }
    }

    /// The format of a file: by extension, else by its first bytes (`PAR1`, `{`).
    pub fn detect(path: &Path) -> Result<ModelFormat, SourceError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("jsonl" | "ndjson" | "json") => return Ok(ModelFormat::Jsonl),
            Some("parquet" | "pq") => return Ok(ModelFormat::Parquet),
            Some("csv" | "tsv") => return Ok(ModelFormat::Csv),
            _ => {}
        }
        let mut head = [0u8; 4];
        let n = {
            use std::io::Read;
            let mut f = File::open(path).map_err(|e| SourceError::io(path, e))?;
            f.read(&mut head).map_err(|e| SourceError::io(path, e))?
        };
        Ok(match &head[..n] {
            b"PAR1" => ModelFormat::Parquet,
            h if h.first() == Some(&b'{') => ModelFormat::Jsonl,
            _ => ModelFormat::Csv,
        })
    }
}

/// The store fields a model dump's columns map to, found as [`ModelReader`] finds them: a
/// Parquet schema's or a CSV header's columns, or the keys of a JSON Lines file's first object.
/// An error when the file has no model id column (or key), as opening it to ingest would be.
pub fn model_fields(path: &Path) -> Result<Vec<ModelField>, SourceError> {
    Ok(match ModelFormat::detect(path)? {
        ModelFormat::Parquet => ParquetModels::open(path, 1)?
            .columns
            .into_iter()
            .map(|(_, field, _, _)| field)
            .collect(),
        ModelFormat::Csv => CsvModels::open(path)?
            .columns
            .into_iter()
            .map(|(_, field, _)| field)
            .collect(),
        ModelFormat::Jsonl => {
            let mut lines = JsonLines::open(path, MAX_MODEL_LINE)?;
            let object = match lines.next_line()? {
                Some(line) => line
                    .into_object()
                    .map_err(|reason| SourceError::invalid(path, format!("line 1: {reason}")))?,
                None => return Err(SourceError::invalid(path, "no record")),
            };
            let fields: Vec<ModelField> = object
                .keys()
                .filter_map(|k| ModelField::from_name(k))
                .collect();
            if !fields
                .iter()
                .any(|f| matches!(f, ModelField::Id | ModelField::Name))
            {
                return Err(SourceError::invalid(
                    path,
                    format!(
                        "no model id key (expected id, modelId or model_name); the first record has {}",
                        object
                            .keys()
                            .take(6)
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            fields
        }
    })
}

/// Longest JSON line accepted for one model record.
const MAX_MODEL_LINE: usize = 64 << 20;

/// Reads a model dump in batches.
pub struct ModelReader {
    format: ModelFormat,
    inner: Inner,
    batch_size: usize,
}

enum Inner {
    Jsonl(JsonLines),
    Parquet(Box<ParquetModels>),
    Csv(Box<CsvModels>),
}

impl ModelReader {
    /// Opens a dump; errors name the file and what is wrong with it (no id column, a column of
    /// a type that cannot be read, a compression codec that is not supported).
    pub fn open(path: &Path, batch_size: usize) -> Result<ModelReader, SourceError> {
        let format = ModelFormat::detect(path)?;
        let inner = match format {
            ModelFormat::Jsonl => Inner::Jsonl(JsonLines::open(path, MAX_MODEL_LINE)?),
            ModelFormat::Parquet => {
                Inner::Parquet(Box::new(ParquetModels::open(path, batch_size)?))
            }
            ModelFormat::Csv => Inner::Csv(Box::new(CsvModels::open(path)?)),
        };
        Ok(ModelReader {
            format,
            inner,
            batch_size: batch_size.max(1),
        })
    }

    pub fn format(&self) -> ModelFormat {
        self.format
    }

    /// Progress: (done, total), in bytes (JSON Lines, CSV) or rows (Parquet).
    pub fn progress(&self) -> (u64, u64) {
        match &self.inner {
            Inner::Jsonl(lines) => lines.progress(),
            Inner::Parquet(p) => (p.rows_done, p.rows_total),
            Inner::Csv(c) => (c.reader.position().byte(), c.total_bytes),
        }
    }

    /// The next batch of records (with the issues met reading them); `None` at the end.
    pub fn next_batch(&mut self) -> Result<Option<Batch<ModelRecord>>, SourceError> {
        match &mut self.inner {
            Inner::Jsonl(lines) => jsonl_batch(lines, self.batch_size),
            Inner::Parquet(p) => p.next_batch(),
            Inner::Csv(c) => c.next_batch(self.batch_size),
        }
    }
}

/// Adds a record (or the reason there is none) and its dropped fields to a batch.
fn push_record(
    batch: &mut Batch<ModelRecord>,
    built: Result<ModelRecord, String>,
    field_issues: Vec<String>,
    location: impl FnOnce() -> String,
) {
    batch.read += 1;
    match built {
        Ok(record) => {
            for reason in field_issues {
                batch.issues.push(Issue {
                    record: record.id.clone(),
                    severity: Severity::FieldDropped,
                    reason,
                });
            }
            batch.records.push(record);
        }
        Err(reason) => batch.issues.push(Issue {
            record: location(),
            severity: Severity::Skipped,
            reason,
        }),
    }
}

/// Reads up to `size` lines, then parses them in parallel (parsing is most of the work).
fn jsonl_batch(
    lines: &mut JsonLines,
    size: usize,
) -> Result<Option<Batch<ModelRecord>>, SourceError> {
    let mut raw = Vec::with_capacity(size.min(CHUNK_LINES));
    while raw.len() < size {
        let Some(line) = lines.next_raw()? else {
            break;
        };
        raw.push((line, lines.location()));
    }
    if raw.is_empty() {
        return Ok(None);
    }
    let parsed: Vec<_> = raw
        .into_par_iter()
        .map(|(line, location)| {
            let mut field_issues = Vec::new();
            let built = match line {
                RawLine::Line { bytes, terminated } => {
                    ModelRecord::from_api_json(&bytes, &mut field_issues).map_err(|reason| {
                        let eof = reason.starts_with("not JSON") && reason.contains("EOF");
                        format!("{reason}{}", truncation_hint(terminated, eof))
                    })
                }
                RawLine::TooLong { bytes, limit } => Err(format!(
                    "the line is {bytes} bytes, over the limit of {limit} bytes for one record"
                )),
            };
            (built, field_issues, location)
        })
        .collect();
    let mut batch = Batch::default();
    for (built, field_issues, location) in parsed {
        push_record(&mut batch, built, field_issues, || location);
    }
    Ok(Some(batch))
}

/// Preallocation cap for a chunk of lines.
const CHUNK_LINES: usize = 10_000;

/// How a Parquet column is read.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Int,
    Float,
    Bool,
    Timestamp(TimeUnit),
    Date32,
    Date64,
    TextList,
}

fn kind_of(data_type: &DataType) -> Option<Kind> {
    Some(match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Kind::Text,
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => Kind::Int,
        DataType::Float32 | DataType::Float64 => Kind::Float,
        DataType::Boolean => Kind::Bool,
        DataType::Timestamp(unit, _) => Kind::Timestamp(*unit),
        DataType::Date32 => Kind::Date32,
        DataType::Date64 => Kind::Date64,
        DataType::List(item) | DataType::LargeList(item)
            if matches!(item.data_type(), DataType::Utf8 | DataType::LargeUtf8) =>
        {
            Kind::TextList
        }
        _ => return None,
    })
}

/// Whether a field can be read from a column of this kind.
fn fits(field: ModelField, kind: Kind) -> bool {
    use ModelField as F;
    match field {
        F::CreatedAt | F::LastModified => {
            matches!(
                kind,
                Kind::Text | Kind::Timestamp(_) | Kind::Date32 | Kind::Date64
            )
        }
        F::Downloads | F::DownloadsAllTime | F::Likes | F::SafetensorsParams | F::UsedStorage => {
            matches!(kind, Kind::Int | Kind::Float | Kind::Text)
        }
        F::Private | F::Disabled | F::HasCard => {
            matches!(kind, Kind::Bool | Kind::Int | Kind::Text)
        }
        F::Gated => matches!(kind, Kind::Bool | Kind::Text),
        F::Tags | F::Siblings => matches!(kind, Kind::TextList | Kind::Text),
        F::Config | F::Safetensors | F::CardData => matches!(kind, Kind::Text),
        _ => matches!(kind, Kind::Text | Kind::Int),
    }
}

struct ParquetModels {
    path: PathBuf,
    reader: ParquetRecordBatchReader,
    /// (column index in the projected batches, field, column name, kind)
    columns: Vec<(usize, ModelField, String, Kind)>,
    rows_done: u64,
    rows_total: u64,
}

impl ParquetModels {
    fn open(path: &Path, batch_size: usize) -> Result<Self, SourceError> {
        let file = File::open(path).map_err(|e| SourceError::io(path, e))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(|e| SourceError::invalid(path, format!("not a readable Parquet file: {e}")))?;
        let rows_total = builder.metadata().file_metadata().num_rows().max(0) as u64;
        let schema = Arc::clone(builder.schema());
        let mut chosen = Vec::new();
        for (index, field) in schema.fields().iter().enumerate() {
            let Some(model_field) = ModelField::from_name(field.name()) else {
                continue;
            };
            let kind = kind_of(field.data_type())
                .filter(|kind| fits(model_field, *kind))
                .ok_or_else(|| {
                    SourceError::invalid(
                        path,
                        format!(
                            "column {} has type {}, which cannot be read as {model_field:?}",
                            field.name(),
                            field.data_type()
                        ),
                    )
                })?;
            chosen.push((index, model_field, field.name().clone(), kind));
        }
        if !chosen
            .iter()
            .any(|(_, f, _, _)| matches!(f, ModelField::Id | ModelField::Name))
        {
            let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            return Err(SourceError::invalid(
                path,
                format!(
                    "no model id column (expected id, modelId or model_name); columns: {}",
                    names.join(", ")
                ),
            ));
        }
        // Only the columns used are read; in the projected batches they keep schema order.
        let mask = ProjectionMask::roots(
            builder.parquet_schema(),
            chosen.iter().map(|(index, _, _, _)| *index),
        );
        let reader = builder
            .with_projection(mask)
            .with_batch_size(batch_size.max(1))
            .build()
            .map_err(|e| SourceError::invalid(path, e.to_string()))?;
        let columns = chosen
            .into_iter()
            .enumerate()
            .map(|(projected, (_, field, name, kind))| (projected, field, name, kind))
            .collect();
        Ok(ParquetModels {
            path: path.to_path_buf(),
            reader,
            columns,
            rows_done: 0,
            rows_total,
        })
    }

    fn next_batch(&mut self) -> Result<Option<Batch<ModelRecord>>, SourceError> {
        let Some(arrow_batch) = self.reader.next() else {
            return Ok(None);
        };
        let arrow_batch = arrow_batch.map_err(|e| {
            SourceError::invalid(
                &self.path,
                format!("cannot decode rows after row {}: {e}", self.rows_done),
            )
        })?;
        let batch = self.convert(&arrow_batch);
        self.rows_done += arrow_batch.num_rows() as u64;
        Ok(Some(batch))
    }

    fn convert(&self, arrow_batch: &RecordBatch) -> Batch<ModelRecord> {
        let mut batch = Batch::default();
        for row in 0..arrow_batch.num_rows() {
            let mut builder = RecordBuilder::new();
            for (index, field, name, kind) in &self.columns {
                let column = arrow_batch.column(*index);
                if column.is_null(row) {
                    continue;
                }
                match cell(column.as_ref(), *kind, row) {
                    Cell::Value(value) => builder.set(*field, name, &value),
                    Cell::Timestamp(ts)
                        if matches!(field, ModelField::CreatedAt | ModelField::LastModified) =>
                    {
                        builder.set_timestamp(*field, ts)
                    }
                    Cell::Timestamp(ts) => builder.set(*field, name, &Value::String(ts)),
                    Cell::Invalid(reason) => builder.set(*field, name, &Value::String(reason)),
                }
            }
            let mut field_issues = Vec::new();
            let built = builder.finish(&mut field_issues);
            let n = self.rows_done + row as u64 + 1;
            push_record(&mut batch, built, field_issues, || {
                format!("{}:row {n}", self.path.display())
            });
        }
        batch
    }
}

enum Cell {
    Value(Value),
    Timestamp(String),
    Invalid(String),
}

fn cell(array: &dyn Array, kind: Kind, row: usize) -> Cell {
    let micros = |m: Option<i64>| match m.and_then(from_unix_micros) {
        Some(ts) => Cell::Timestamp(ts),
        None => Cell::Invalid("a timestamp out of range".to_string()),
    };
    match kind {
        Kind::Text => Cell::Value(Value::String(text_at(array, row).unwrap_or_default())),
        Kind::Int => Cell::Value(match array.data_type() {
            DataType::Int8 => Value::from(array.as_primitive::<Int8Type>().value(row)),
            DataType::Int16 => Value::from(array.as_primitive::<Int16Type>().value(row)),
            DataType::Int32 => Value::from(array.as_primitive::<Int32Type>().value(row)),
            DataType::Int64 => Value::from(array.as_primitive::<Int64Type>().value(row)),
            DataType::UInt8 => Value::from(array.as_primitive::<UInt8Type>().value(row)),
            DataType::UInt16 => Value::from(array.as_primitive::<UInt16Type>().value(row)),
            DataType::UInt32 => Value::from(array.as_primitive::<UInt32Type>().value(row)),
            _ => Value::from(array.as_primitive::<UInt64Type>().value(row)),
        }),
        Kind::Float => Cell::Value(match array.data_type() {
            DataType::Float32 => {
                Value::from(f64::from(array.as_primitive::<Float32Type>().value(row)))
            }
            _ => Value::from(array.as_primitive::<Float64Type>().value(row)),
        }),
        Kind::Bool => Cell::Value(Value::Bool(array.as_boolean().value(row))),
        Kind::Timestamp(unit) => match unit {
            TimeUnit::Second => micros(
                array
                    .as_primitive::<TimestampSecondType>()
                    .value(row)
                    .checked_mul(1_000_000),
            ),
            TimeUnit::Millisecond => micros(
                array
                    .as_primitive::<TimestampMillisecondType>()
                    .value(row)
                    .checked_mul(1_000),
            ),
            TimeUnit::Microsecond => micros(Some(
                array.as_primitive::<TimestampMicrosecondType>().value(row),
            )),
            TimeUnit::Nanosecond => micros(Some(
                array.as_primitive::<TimestampNanosecondType>().value(row) / 1_000,
            )),
        },
        Kind::Date32 => micros(
            i64::from(array.as_primitive::<Date32Type>().value(row)).checked_mul(86_400_000_000),
        ),
        Kind::Date64 => micros(
            array
                .as_primitive::<Date64Type>()
                .value(row)
                .checked_mul(1_000),
        ),
        Kind::TextList => {
            let items = match array.data_type() {
                DataType::LargeList(_) => array.as_list::<i64>().value(row),
                _ => array.as_list::<i32>().value(row),
            };
            Cell::Value(Value::Array(
                (0..items.len())
                    .filter(|i| !items.is_null(*i))
                    .filter_map(|i| text_at(items.as_ref(), i).map(Value::String))
                    .collect(),
            ))
        }
    }
}

fn text_at(array: &dyn Array, row: usize) -> Option<String> {
    match array.data_type() {
        DataType::Utf8 => Some(array.as_string::<i32>().value(row).to_string()),
        DataType::LargeUtf8 => Some(array.as_string::<i64>().value(row).to_string()),
        DataType::Utf8View => Some(array.as_string_view().value(row).to_string()),
        _ => None,
    }
}

struct CsvModels {
    path: PathBuf,
    reader: csv::Reader<File>,
    width: usize,
    /// (column index, field, column name)
    columns: Vec<(usize, ModelField, String)>,
    record: csv::ByteRecord,
    row_no: u64,
    total_bytes: u64,
}

impl CsvModels {
    fn open(path: &Path) -> Result<Self, SourceError> {
        let file = File::open(path).map_err(|e| SourceError::io(path, e))?;
        let total_bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
        let delimiter = if path.extension().and_then(|e| e.to_str()) == Some("tsv") {
            b'\t'
        } else {
            b','
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(file);
        let header = reader
            .headers()
            .map_err(|e| SourceError::invalid(path, format!("cannot read the CSV header: {e}")))?
            .clone();
        let columns: Vec<(usize, ModelField, String)> = header
            .iter()
            .enumerate()
            .filter_map(|(i, name)| ModelField::from_name(name).map(|f| (i, f, name.to_string())))
            .collect();
        if !columns
            .iter()
            .any(|(_, f, _)| matches!(f, ModelField::Id | ModelField::Name))
        {
            return Err(SourceError::invalid(
                path,
                format!(
                    "no model id column (expected id, modelId or model_name); columns: {}",
                    header.iter().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        Ok(CsvModels {
            path: path.to_path_buf(),
            reader,
            width: header.len(),
            columns,
            record: csv::ByteRecord::new(),
            row_no: 1,
            total_bytes,
        })
    }

    fn next_batch(&mut self, size: usize) -> Result<Option<Batch<ModelRecord>>, SourceError> {
        let mut batch = Batch::default();
        while batch.read < size as u64 {
            let more = match self.reader.read_byte_record(&mut self.record) {
                Ok(more) => more,
                Err(err) if err.is_io_error() => {
                    return Err(SourceError::invalid(&self.path, err.to_string()));
                }
                Err(err) => {
                    self.row_no += 1;
                    let n = self.row_no;
                    push_record(
                        &mut batch,
                        Err(format!("unreadable row: {err}")),
                        Vec::new(),
                        || format!("{}:{n}", self.path.display()),
                    );
                    continue;
                }
            };
            if !more {
                break;
            }
            self.row_no += 1;
            let n = self.row_no;
            let location = || format!("{}:{n}", self.path.display());
            if self.record.len() != self.width {
                let start = self.record.position().map_or(0, csv::Position::line);
                // A quote never closed swallows the lines after it into one field: say so,
                // rather than call the row ragged.
                let unclosed = self.record.iter().any(|f| f.contains(&b'\n'));
                let reason = if unclosed {
                    format!(
                        "unclosed quote at line {start}: the quoted field runs on to line {}",
                        self.reader.position().line()
                    )
                } else {
                    format!(
                        "ragged row: {} fields, the header has {}",
                        self.record.len(),
                        self.width
                    )
                };
                push_record(&mut batch, Err(reason), Vec::new(), location);
                continue;
            }
            let mut builder = RecordBuilder::new();
            let mut field_issues = Vec::new();
            let mut bad_id = None;
            for (index, field, name) in &self.columns {
                let bytes = self.record.get(*index).unwrap_or_default();
                if bytes.is_empty() {
                    continue;
                }
                match std::str::from_utf8(bytes) {
                    Ok(text) => builder.set(*field, name, &Value::String(text.to_string())),
                    // An id read with replacement characters could merge with another
                    // record's: never guess one.
                    Err(e) if matches!(field, ModelField::Id | ModelField::Name) => {
                        bad_id = Some(format!(
                            "{name}: not valid UTF-8 (invalid byte at offset {})",
                            e.valid_up_to()
                        ));
                    }
                    Err(e) => field_issues.push(format!(
                        "{name}: not valid UTF-8 (invalid byte at offset {}), dropped",
                        e.valid_up_to()
                    )),
                }
            }
            if let Some(reason) = bad_id {
                push_record(&mut batch, Err(reason), Vec::new(), location);
                continue;
            }
            let built = builder.finish(&mut field_issues);
            push_record(&mut batch, built, field_issues, location);
        }
        Ok((batch.read > 0).then_some(batch))
    }
}
