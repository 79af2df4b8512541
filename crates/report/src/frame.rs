//! A small column table, written as CSV, JSON (an array of objects) or Parquet (zstd), so every
//! command offers the same three formats with the same columns.

use std::io::Write;
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use hubscope_store::Packing;

/// One column's values.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    Text(Vec<Option<String>>),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
}

impl Column {
    fn len(&self) -> usize {
        match self {
            Column::Text(v) => v.len(),
            Column::Int(v) => v.len(),
            Column::Float(v) => v.len(),
            Column::Bool(v) => v.len(),
        }
    }

    fn csv_cell(&self, row: usize) -> String {
        match self {
            Column::Text(v) => v[row].as_deref().map(spreadsheet_safe).unwrap_or_default(),
            Column::Int(v) => v[row].map(|x| x.to_string()).unwrap_or_default(),
            // Full precision (the shortest text that reads back as the same number): p-values
            // of 1e-7 must not print as 0.
            Column::Float(v) => v[row]
                .filter(|x| x.is_finite())
                .map(|x| x.to_string())
                .unwrap_or_default(),
            Column::Bool(v) => v[row].map(|x| x.to_string()).unwrap_or_default(),
        }
    }

    fn json_cell(&self, row: usize) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Column::Text(v) => v[row].clone().map_or(Value::Null, Value::from),
            Column::Int(v) => v[row].map_or(Value::Null, Value::from),
            Column::Float(v) => v[row]
                .and_then(serde_json::Number::from_f64)
                .map_or(Value::Null, Value::Number),
            Column::Bool(v) => v[row].map_or(Value::Null, Value::from),
        }
    }
}

/// A text cell that no spreadsheet will run as a formula: [`hubscope_store::text::spreadsheet_safe`].
pub use hubscope_store::text::spreadsheet_safe;

/// Floats with up to six decimals, without trailing zeros: [`hubscope_stats::format_float`].
pub use hubscope_stats::format_float;

/// A table: named columns of equal length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Frame {
    pub columns: Vec<(String, Column)>,
}

/// Output formats of a [`Frame`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Parquet,
}

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Csv(#[from] csv::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error("parquet: {0}")]
    Parquet(String),
}

impl Frame {
    pub fn new() -> Frame {
        Frame::default()
    }

    /// Adds a column (builder style).
    pub fn with(mut self, name: &str, column: Column) -> Frame {
        self.columns.push((name.to_string(), column));
        self
    }

    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, c)| c.len())
    }

    pub fn write(&self, format: Format, out: &mut dyn Write) -> Result<(), FrameError> {
        match format {
            Format::Csv => self.write_csv(out),
            Format::Json => self.write_json(out),
            Format::Parquet => self.write_parquet(out),
        }
    }

    pub fn write_csv(&self, out: &mut dyn Write) -> Result<(), FrameError> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(self.columns.iter().map(|(n, _)| n.as_str()))?;
        for row in 0..self.rows() {
            w.write_record(self.columns.iter().map(|(_, c)| c.csv_cell(row)))?;
        }
        w.flush()?;
        Ok(())
    }

    pub fn write_json(&self, out: &mut dyn Write) -> Result<(), FrameError> {
        let rows: Vec<serde_json::Value> = (0..self.rows())
            .map(|row| {
                serde_json::Value::Object(
                    self.columns
                        .iter()
                        .map(|(n, c)| (n.clone(), c.json_cell(row)))
                        .collect(),
                )
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        out.write_all(b"\n")?;
        Ok(())
    }

    pub fn write_parquet(&self, out: &mut dyn Write) -> Result<(), FrameError> {
        let parquet = |e: &dyn std::fmt::Display| FrameError::Parquet(e.to_string());
        let fields: Vec<Field> = self
            .columns
            .iter()
            .map(|(n, c)| {
                let t = match c {
                    Column::Text(_) => DataType::Utf8,
                    Column::Int(_) => DataType::Int64,
                    Column::Float(_) => DataType::Float64,
                    Column::Bool(_) => DataType::Boolean,
                };
                Field::new(n, t, true)
            })
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let arrays: Vec<ArrayRef> = self
            .columns
            .iter()
            .map(|(_, c)| -> ArrayRef {
                match c {
                    Column::Text(v) => Arc::new(StringArray::from(v.clone())),
                    Column::Int(v) => Arc::new(Int64Array::from(v.clone())),
                    Column::Float(v) => Arc::new(Float64Array::from(v.clone())),
                    Column::Bool(v) => Arc::new(BooleanArray::from(v.clone())),
                }
            })
            .collect();
        let batch = RecordBatch::try_new(Arc::clone(&schema), arrays).map_err(|e| parquet(&e))?;
        // The writer needs a `Send` sink; tables are small, so buffer them.
        let mut buffer = Vec::new();
        let mut writer = hubscope_store::parquet_writer(&mut buffer, schema, Packing::Small)
            .map_err(|e| parquet(&e))?;
        writer.write(&batch).map_err(|e| parquet(&e))?;
        writer.close().map_err(|e| parquet(&e))?;
        out.write_all(&buffer)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn csv_text_is_never_a_formula() {
        assert_eq!(
            spreadsheet_safe("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("-1.5"), "-1.5");
        assert_eq!(spreadsheet_safe("bert-base"), "bert-base");
        let mut out = Vec::new();
        Frame::new()
            .with("id", Column::Text(vec![Some("+cmd|' /C calc'!A0".into())]))
            .write_csv(&mut out)
            .unwrap();
        assert!(String::from_utf8(out).unwrap().contains("'+cmd"));
    }

    #[test]
    fn csv_json_and_parquet() {
        let f = Frame::new()
            .with("month", Column::Text(vec![Some("2021-01".into()), None]))
            .with("n", Column::Int(vec![Some(3), None]))
            .with("share", Column::Float(vec![Some(1.0 / 3.0), Some(0.5)]))
            .with("last", Column::Bool(vec![Some(false), Some(true)]));
        let mut csv = Vec::new();
        f.write_csv(&mut csv).unwrap();
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "month,n,share,last\n2021-01,3,0.3333333333333333,false\n,,0.5,true\n"
        );
        let mut json = Vec::new();
        f.write_json(&mut json).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v[1]["share"], 0.5);
        assert!(v[1]["month"].is_null());
        let mut pq = Vec::new();
        f.write_parquet(&mut pq).unwrap();
        // Read back: the same columns, types, values and nulls.
        use arrow_array::Array as _;
        use arrow_array::cast::AsArray;
        use arrow_array::types::{Float64Type, Int64Type};
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("frame.parquet");
        std::fs::write(&file, &pq).unwrap();
        let batches: Vec<_> =
            parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
                std::fs::File::open(&file).unwrap(),
            )
            .unwrap()
            .build()
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(batches.len(), 1);
        let b = &batches[0];
        let schema = b.schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, ["month", "n", "share", "last"]);
        let month = b.column(0).as_string::<i32>();
        assert_eq!((month.value(0), month.is_null(1)), ("2021-01", true));
        let n = b.column(1).as_primitive::<Int64Type>();
        assert_eq!((n.value(0), n.is_null(1)), (3, true));
        let share = b.column(2).as_primitive::<Float64Type>();
        assert_eq!((share.value(0), share.value(1)), (1.0 / 3.0, 0.5));
        let last = b.column(3).as_boolean();
        assert_eq!((last.value(0), last.value(1)), (false, true));
    }
}
