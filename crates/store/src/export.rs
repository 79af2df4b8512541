//! Export: one dataset (folder) per table, in Parquet or CSV, that DuckDB, Spark and pandas read
//! unchanged. `models` is partitioned by creation month, Hive style
//! (`models/created_month=2022-05/part-0.parquet`; no date: `created_month=__HIVE_DEFAULT_PARTITION__`).
//!
//! Each table is written into a temporary folder and renamed into place at the end: an
//! interrupted export leaves the previous dataset, never a half-written one.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
    TimestampMillisecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use rusqlite::types::ValueRef;
use serde::Serialize;

use crate::db::Store;
use crate::error::StoreError;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Parquet,
    Csv,
}

impl ExportFormat {
    fn extension(self) -> &'static str {
        match self {
            ExportFormat::Parquet => "parquet",
            ExportFormat::Csv => "csv",
        }
    }
}

/// What to export.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub dir: PathBuf,
    pub format: ExportFormat,
    /// Tables to export; empty means all.
    pub tables: Vec<String>,
}

/// What was written for one table.
#[derive(Debug, Clone, Serialize)]
pub struct TableExport {
    pub table: String,
    pub rows: u64,
    pub files: u64,
    pub path: PathBuf,
}

/// How a column is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Text,
    Int,
    /// REAL → double.
    Float,
    /// INTEGER 0/1 → boolean.
    Bool,
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` → timestamp (ms, UTC) in Parquet; text in CSV.
    Time,
    /// A JSON list of strings → list<string> in Parquet; JSON text in CSV.
    List,
    /// JSON text, kept as text.
    Json,
}

struct TableSpec {
    name: &'static str,
    columns: &'static [(&'static str, Col)],
    order: &'static str,
}

use Col::*;

const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "models",
        columns: &[
            ("id", Text),
            ("hub_object_id", Text),
            ("author", Text),
            ("sha", Text),
            ("created_at", Time),
            ("last_modified", Time),
            ("downloads", Int),
            ("downloads_all_time", Int),
            ("likes", Int),
            ("library", Text),
            ("pipeline_tag", Text),
            ("model_type", Text),
            ("architectures", List),
            ("gated", Text),
            ("private", Bool),
            ("disabled", Bool),
            ("tags", List),
            ("siblings", List),
            ("safetensors_params", Int),
            ("safetensors_dtypes", Json),
            ("used_storage", Int),
            ("card_data", Json),
            ("has_card", Bool),
            ("task_domain", Text),
            ("variant", Text),
            ("first_seen_at", Time),
            ("updated_at", Time),
            ("last_run_id", Int),
            ("config", Json),
            ("model_index", Json),
            ("base_models", Json),
            ("transformers_info", Json),
            ("spaces", List),
            ("inference", Text),
            ("first_commit_at", Time),
            ("source_id", Int),
        ],
        order: "created_at, id",
    },
    TableSpec {
        name: "cards",
        columns: &[
            ("id", Int),
            ("model_id", Text),
            ("content_sha1", Text),
            ("revision", Text),
            ("fetched_at", Time),
            ("run_id", Int),
            ("bytes", Int),
            ("front_matter", Text),
            ("yaml_error", Text),
            ("license_id", Text),
            ("license_spdx", Text),
            ("generator", Text),
            ("unedited_auto_generated", Bool),
            ("unedited_template", Bool),
            ("words", Int),
            ("real_words", Int),
            ("placeholders", Int),
            ("sections_filled", Int),
            ("score", Int),
            ("analysis", Json),
        ],
        order: "id",
    },
    TableSpec {
        name: "card_sections",
        columns: &[
            ("card_id", Int),
            ("section", Text),
            ("present", Bool),
            ("filled", Bool),
            ("words", Int),
            ("code_blocks", Int),
            ("tables", Int),
        ],
        order: "card_id, section",
    },
    TableSpec {
        name: "lineage",
        columns: &[
            ("child_id", Text),
            ("parent_id", Text),
            ("relation", Text),
            ("source", Text),
        ],
        order: "child_id, source, parent_id",
    },
    TableSpec {
        name: "discussions",
        columns: &[
            ("id", Int),
            ("repo_id", Text),
            ("num", Int),
            ("title", Text),
            ("status", Text),
            ("author", Text),
            ("created_at", Time),
            ("is_pull_request", Bool),
            ("comments", Int),
            ("content_sha1", Text),
            ("run_id", Int),
        ],
        order: "id",
    },
    TableSpec {
        name: "discussion_comments",
        columns: &[
            ("discussion_id", Int),
            ("position", Int),
            ("author", Text),
            ("created_at", Time),
            ("text", Text),
            ("hidden", Bool),
        ],
        order: "discussion_id, position",
    },
    TableSpec {
        name: "forum_categories",
        columns: &[
            ("id", Int),
            ("slug", Text),
            ("name", Text),
            ("parent_id", Int),
            ("description", Text),
            ("topic_count", Int),
            ("post_count", Int),
            ("read_restricted", Bool),
        ],
        order: "id",
    },
    TableSpec {
        name: "forum_topics",
        columns: &[
            ("id", Int),
            ("category_id", Int),
            ("title", Text),
            ("slug", Text),
            ("tags", List),
            ("created_at", Time),
            ("bumped_at", Time),
            ("last_posted_at", Time),
            ("views", Int),
            ("like_count", Int),
            ("posts_count", Int),
            ("reply_count", Int),
            ("accepted_answer_post_id", Int),
            ("closed", Bool),
            ("archived", Bool),
            ("fetched_at", Time),
        ],
        order: "id",
    },
    TableSpec {
        name: "forum_posts",
        columns: &[
            ("id", Int),
            ("topic_id", Int),
            ("post_number", Int),
            ("author", Text),
            ("created_at", Time),
            ("updated_at", Time),
            ("reply_to_post_number", Int),
            ("raw", Text),
            ("text_source", Text),
            ("is_accepted_answer", Bool),
            ("author_is_staff", Bool),
            ("author_group", Text),
            ("fetched_at", Time),
        ],
        order: "id",
    },
    TableSpec {
        name: "codes",
        columns: &[
            ("source", Text),
            ("item_id", Int),
            ("coder", Text),
            ("category_id", Int),
            ("subcategory", Text),
            ("benefit_id", Int),
            ("note", Text),
            ("sheet", Text),
            ("imported_at", Time),
            ("confidence", Float),
        ],
        order: "source, item_id, coder",
    },
    TableSpec {
        name: "sources",
        columns: &[
            ("id", Int),
            ("kind", Text),
            ("name", Text),
            ("key", Text),
            ("frame", Text),
            ("window_from", Text),
            ("window_to", Text),
            ("snapshot", Time),
            ("declared_by", Text),
            ("declared_in", Text),
            ("describes", Text),
            ("declared_at", Time),
        ],
        order: "id",
    },
    TableSpec {
        name: "model_other_sources",
        columns: &[("model_id", Text), ("source_id", Int)],
        order: "model_id, source_id",
    },
    TableSpec {
        name: "classifications",
        columns: &[
            ("id", Int),
            ("coder", Text),
            ("method", Text),
            ("classifier", Text),
            ("classified_at", Time),
            ("items", Int),
            ("agreement", Json),
        ],
        order: "id",
    },
    TableSpec {
        name: "ingest_runs",
        columns: &[
            ("id", Int),
            ("kind", Text),
            ("source", Text),
            ("format", Text),
            ("source_bytes", Int),
            ("started_at", Time),
            ("finished_at", Time),
            ("status", Text),
            ("read", Int),
            ("stored", Int),
            ("updated", Int),
            ("unchanged", Int),
            ("skipped", Int),
            ("field_issues", Int),
            ("message", Text),
            ("source_id", Int),
        ],
        order: "id",
    },
    TableSpec {
        name: "ingest_issues",
        columns: &[
            ("run_id", Int),
            ("record", Text),
            ("severity", Text),
            ("reason", Text),
        ],
        order: "run_id, rowid",
    },
];

/// The names of the exportable tables.
pub fn table_names() -> Vec<&'static str> {
    TABLES.iter().map(|t| t.name).collect()
}

/// Rows per Arrow batch (and CSV flush)...
const CHUNK: usize = 65_536;
/// ...or fewer, once the batch holds this many bytes of text: one repository can list 550 KB of
/// file names, and a batch of such rows must not grow without bound.
const CHUNK_BYTES: usize = 32 << 20;

impl Store {
    /// Exports tables; returns what was written for each.
    pub fn export(&self, options: &ExportOptions) -> Result<Vec<TableExport>, StoreError> {
        let specs: Vec<&TableSpec> = if options.tables.is_empty() {
            TABLES.iter().collect()
        } else {
            options
                .tables
                .iter()
                .map(|name| {
                    TABLES.iter().find(|t| t.name == name).ok_or_else(|| {
                        StoreError::UnknownTable(name.clone(), table_names().join(", "))
                    })
                })
                .collect::<Result<_, _>>()?
        };
        std::fs::create_dir_all(&options.dir).map_err(|e| StoreError::io(&options.dir, e))?;
        // Sorting millions of rows by month must spill to disk, not grow in memory.
        self.conn.pragma_update(None, "temp_store", "FILE")?;
        let mut done = Vec::new();
        for spec in specs {
            done.push(self.export_table(spec, options)?);
        }
        self.conn.pragma_update(None, "temp_store", "MEMORY")?;
        Ok(done)
    }

    /// Exports one table into a temporary folder renamed into place when complete; a failure
    /// (a full disk, say) removes the temporary folder and leaves any earlier export as it was.
    fn export_table(
        &self,
        spec: &TableSpec,
        options: &ExportOptions,
    ) -> Result<TableExport, StoreError> {
        let tmp_dir = options
            .dir
            .join(format!(".{}.tmp-{}", spec.name, std::process::id()));
        let result = self.export_table_via(spec, options, &tmp_dir);
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&tmp_dir);
        }
        result
    }

    fn export_table_via(
        &self,
        spec: &TableSpec,
        options: &ExportOptions,
        tmp_dir: &Path,
    ) -> Result<TableExport, StoreError> {
        let final_dir = options.dir.join(spec.name);
        let tmp_dir = tmp_dir.to_path_buf();
        if tmp_dir.exists() {
            std::fs::remove_dir_all(&tmp_dir).map_err(|e| StoreError::io(&tmp_dir, e))?;
        }
        std::fs::create_dir_all(&tmp_dir).map_err(|e| StoreError::io(&tmp_dir, e))?;

        let partitioned = spec.name == "models";
        let columns: Vec<String> = spec.columns.iter().map(|(c, _)| (*c).to_string()).collect();
        let mut select = columns.join(", ");
        if partitioned {
            select.push_str(", substr(created_at, 1, 7)");
        }
        let sql = format!("SELECT {select} FROM {} ORDER BY {}", spec.name, spec.order);
        let mut stmt = self.conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;

        let mut sink: Option<(Option<String>, PartSink)> = None;
        let (mut rows_written, mut files) = (0u64, 0u64);
        let mut chunk = Chunk::new(spec, options.format);
        while let Some(row) = rows.next()? {
            // Only a month names a folder: a date written by another tool could hold `/` or
            // `..`; any other value goes to the default partition.
            let partition: Option<String> = if partitioned {
                row.get::<_, Option<String>>(spec.columns.len())?
                    .filter(|p| p.len() == 7 && crate::time::Month::parse(p).is_some())
            } else {
                None
            };
            let switch = match &sink {
                None => true,
                Some((current, _)) => partitioned && *current != partition,
            };
            if switch {
                if let Some((_, mut open)) = sink.take() {
                    open.write(&mut chunk)?;
                    open.close()?;
                }
                let dir = if partitioned {
                    let value = partition
                        .clone()
                        .unwrap_or_else(|| "__HIVE_DEFAULT_PARTITION__".into());
                    tmp_dir.join(format!("created_month={value}"))
                } else {
                    tmp_dir.clone()
                };
                std::fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
                // A partition met again (rows without a month before and after the dated
                // ones) gets a file of its own, never overwriting the first.
                let path = (0..)
                    .map(|k| dir.join(format!("part-{k}.{}", options.format.extension())))
                    .find(|p| !p.exists())
                    .unwrap_or_else(|| dir.join("part-x"));
                sink = Some((
                    partition.clone(),
                    PartSink::create(&path, spec, options.format)?,
                ));
                files += 1;
            }
            chunk.push(row)?;
            rows_written += 1;
            if chunk.is_full()
                && let Some((_, open)) = sink.as_mut()
            {
                open.write(&mut chunk)?;
            }
        }
        match sink {
            Some((_, mut open)) => {
                open.write(&mut chunk)?;
                open.close()?;
            }
            None => {
                // An empty table is still a dataset: one file with the schema and no rows.
                let path = tmp_dir.join(format!("part-0.{}", options.format.extension()));
                let mut open = PartSink::create(&path, spec, options.format)?;
                open.write(&mut chunk)?;
                open.close()?;
                files += 1;
            }
        }
        if final_dir.exists() {
            std::fs::remove_dir_all(&final_dir).map_err(|e| StoreError::io(&final_dir, e))?;
        }
        std::fs::rename(&tmp_dir, &final_dir).map_err(|e| StoreError::io(&final_dir, e))?;
        Ok(TableExport {
            table: spec.name.to_string(),
            rows: rows_written,
            files,
            path: final_dir,
        })
    }
}

/// The Arrow schema of a table.
fn arrow_schema(spec: &TableSpec) -> SchemaRef {
    let fields: Vec<Field> = spec
        .columns
        .iter()
        .map(|(name, col)| {
            let data_type = match col {
                Text | Json => DataType::Utf8,
                Int => DataType::Int64,
                Float => DataType::Float64,
                Bool => DataType::Boolean,
                Time => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
                List => DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            };
            Field::new(*name, data_type, true)
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// Rows read but not yet written: Arrow builders for Parquet, text records for CSV.
struct Chunk {
    builders: Vec<Builder>,
    csv_rows: Vec<csv::StringRecord>,
    format: ExportFormat,
    columns: Vec<Col>,
    len: usize,
    /// Bytes of text held.
    bytes: usize,
}

enum Builder {
    Text(StringBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Time(TimestampMillisecondBuilder),
    List(ListBuilder<StringBuilder>),
}

impl Chunk {
    fn new(spec: &TableSpec, format: ExportFormat) -> Self {
        let columns: Vec<Col> = spec.columns.iter().map(|(_, c)| *c).collect();
        Chunk {
            builders: Self::fresh(&columns),
            csv_rows: Vec::new(),
            format,
            columns,
            len: 0,
            bytes: 0,
        }
    }

    fn is_full(&self) -> bool {
        self.len >= CHUNK || self.bytes >= CHUNK_BYTES
    }

    fn fresh(columns: &[Col]) -> Vec<Builder> {
        columns
            .iter()
            .map(|c| match c {
                Text | Json => Builder::Text(StringBuilder::new()),
                Int => Builder::Int(Int64Builder::new()),
                Float => Builder::Float(Float64Builder::new()),
                Bool => Builder::Bool(BooleanBuilder::new()),
                Time => Builder::Time(TimestampMillisecondBuilder::new().with_timezone("UTC")),
                List => Builder::List(ListBuilder::new(StringBuilder::new())),
            })
            .collect()
    }

    fn push(&mut self, row: &rusqlite::Row<'_>) -> Result<(), StoreError> {
        self.len += 1;
        if self.format == ExportFormat::Csv {
            let mut record = csv::StringRecord::with_capacity(256, self.columns.len());
            for i in 0..self.columns.len() {
                let value = row.get_ref(i)?;
                if let ValueRef::Text(t) = value {
                    self.bytes += t.len();
                }
                record.push_field(&csv_text(value));
            }
            self.csv_rows.push(record);
            return Ok(());
        }
        for (i, builder) in self.builders.iter_mut().enumerate() {
            let value = row.get_ref(i)?;
            if let ValueRef::Text(t) = value {
                self.bytes += t.len();
            }
            match builder {
                Builder::Text(b) => b.append_option(text_of(value)),
                Builder::Int(b) => b.append_option(match value {
                    ValueRef::Integer(v) => Some(v),
                    ValueRef::Real(v) => Some(v as i64),
                    _ => None,
                }),
                Builder::Float(b) => b.append_option(match value {
                    ValueRef::Real(v) => Some(v),
                    ValueRef::Integer(v) => Some(v as f64),
                    _ => None,
                }),
                Builder::Bool(b) => b.append_option(match value {
                    ValueRef::Integer(v) => Some(v != 0),
                    _ => None,
                }),
                Builder::Time(b) => b.append_option(text_of(value).and_then(canonical_millis)),
                Builder::List(b) => match text_of(value).map(serde_json::from_str::<Vec<String>>) {
                    Some(Ok(items)) => {
                        for item in items {
                            b.values().append_value(item);
                        }
                        b.append(true);
                    }
                    _ => b.append(false),
                },
            }
        }
        Ok(())
    }

    fn take_batch(&mut self, schema: &SchemaRef, path: &Path) -> Result<RecordBatch, StoreError> {
        let builders = std::mem::replace(&mut self.builders, Self::fresh(&self.columns));
        self.len = 0;
        self.bytes = 0;
        let arrays: Vec<ArrayRef> = builders
            .into_iter()
            .map(|b| -> ArrayRef {
                match b {
                    Builder::Text(mut b) => Arc::new(b.finish()),
                    Builder::Int(mut b) => Arc::new(b.finish()),
                    Builder::Float(mut b) => Arc::new(b.finish()),
                    Builder::Bool(mut b) => Arc::new(b.finish()),
                    Builder::Time(mut b) => Arc::new(b.finish()),
                    Builder::List(mut b) => Arc::new(b.finish()),
                }
            })
            .collect();
        RecordBatch::try_new(Arc::clone(schema), arrays).map_err(|e| StoreError::Parquet {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }
}

fn text_of(value: ValueRef<'_>) -> Option<&str> {
    match value {
        ValueRef::Text(t) => std::str::from_utf8(t).ok(),
        _ => None,
    }
}

fn csv_text(value: ValueRef<'_>) -> String {
    match value {
        ValueRef::Null => String::new(),
        ValueRef::Integer(v) => v.to_string(),
        ValueRef::Real(v) => v.to_string(),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Blob(_) => String::new(),
    }
}

/// Milliseconds since the epoch of a stored timestamp (`YYYY-MM-DDTHH:MM:SS.mmmZ`), without a
/// general date parser: millions of rows carry one.
fn canonical_millis(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 24 {
        return crate::time::normalize_timestamp(text).and_then(|t| canonical_millis_exact(&t));
    }
    canonical_millis_exact(text)
}

fn canonical_millis_exact(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 24 {
        return None;
    }
    let num = |from: usize, len: usize| -> Option<i64> {
        b[from..from + len].iter().try_fold(0i64, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    let (y, m, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (h, mi, s, ms) = (num(11, 2)?, num(14, 2)?, num(17, 2)?, num(20, 3)?);
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + h) * 60 + mi) * 60_000 + s * 1000 + ms)
}

/// One output file being written.
enum PartSink {
    Parquet {
        writer: Box<ArrowWriter<BufWriter<File>>>,
        schema: SchemaRef,
        path: PathBuf,
    },
    Csv {
        writer: Box<csv::Writer<BufWriter<File>>>,
        path: PathBuf,
    },
}

impl PartSink {
    fn create(path: &Path, spec: &TableSpec, format: ExportFormat) -> Result<PartSink, StoreError> {
        let file = BufWriter::with_capacity(
            1 << 20,
            File::create(path).map_err(|e| StoreError::io(path, e))?,
        );
        match format {
            ExportFormat::Parquet => {
                let schema = arrow_schema(spec);
                let writer = crate::parquet_writer(file, Arc::clone(&schema), crate::Packing::Fast)
                    .map_err(|e| parquet_error(path, e))?;
                Ok(PartSink::Parquet {
                    writer: Box::new(writer),
                    schema,
                    path: path.to_path_buf(),
                })
            }
            ExportFormat::Csv => {
                let mut writer = csv::Writer::from_writer(file);
                writer
                    .write_record(spec.columns.iter().map(|(c, _)| *c))
                    .map_err(|e| csv_error(path, e))?;
                Ok(PartSink::Csv {
                    writer: Box::new(writer),
                    path: path.to_path_buf(),
                })
            }
        }
    }

    /// Writes the chunk's rows and empties it.
    fn write(&mut self, chunk: &mut Chunk) -> Result<(), StoreError> {
        match self {
            PartSink::Parquet {
                writer,
                schema,
                path,
            } => {
                if chunk.len == 0 {
                    return Ok(());
                }
                let batch = chunk.take_batch(schema, path)?;
                writer.write(&batch).map_err(|e| parquet_error(path, e))
            }
            PartSink::Csv { writer, path } => {
                for record in chunk.csv_rows.drain(..) {
                    writer
                        .write_record(&record)
                        .map_err(|e| csv_error(path, e))?;
                }
                chunk.len = 0;
                Ok(())
            }
        }
    }

    fn close(self) -> Result<(), StoreError> {
        match self {
            PartSink::Parquet { writer, path, .. } => {
                writer.close().map_err(|e| parquet_error(&path, e))?;
            }
            PartSink::Csv { mut writer, path } => {
                writer.flush().map_err(|e| StoreError::io(&path, e))?;
            }
        }
        Ok(())
    }
}

fn parquet_error(path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn csv_error(path: &Path, e: csv::Error) -> StoreError {
    StoreError::Csv {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_timestamps_to_millis() {
        assert_eq!(canonical_millis("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(
            canonical_millis("2018-11-14T23:35:08.000Z"),
            Some(1_542_238_508_000)
        );
        assert_eq!(
            canonical_millis("2000-02-29T12:00:00.250Z"),
            Some(951_825_600_250)
        );
        assert_eq!(canonical_millis("1969-12-31T23:59:59.999Z"), Some(-1));
        assert_eq!(canonical_millis("garbage"), None);
    }
}
