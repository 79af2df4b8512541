//! Broken dumps, written here: each gives a clear error (the file cannot be read at all) or a
//! skip or dropped field with the reason (one record is bad), and reading goes on.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{Int64Builder, ListBuilder};
use arrow_array::{ArrayRef, BooleanArray, RecordBatch, StringArray};
use arrow_schema::{Field, Schema};
use hubscope_source::{ModelReader, SourceError};
use hubscope_store::{Batch, ModelRecord, Severity};
use parquet::arrow::ArrowWriter;

fn read(path: &Path) -> Batch<ModelRecord> {
    let mut reader = ModelReader::open(path, 1_000).unwrap();
    let mut all = Batch::default();
    while let Some(batch) = reader.next_batch().unwrap() {
        all.read += batch.read;
        all.records.extend(batch.records);
        all.issues.extend(batch.issues);
    }
    all
}

fn write_parquet(path: &Path, columns: Vec<(&str, ArrayRef)>) {
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|(name, a)| Field::new(*name, a.data_type().clone(), true))
            .collect::<Vec<_>>(),
    ));
    let batch = RecordBatch::try_new(
        schema.clone(),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap();
    let mut w = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema, None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

#[test]
fn jsonl_lines_that_are_not_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("models.jsonl");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(
        f,
        r#"{{"id": "a/ok", "downloads": 5, "createdAt": "2023-01-02T03:04:05.000Z"}}"#
    )
    .unwrap();
    writeln!(f, "not json at all").unwrap();
    writeln!(f).unwrap();
    writeln!(f, "[1, 2]").unwrap();
    writeln!(f, r#"{{"author": "nobody", "downloads": 1}}"#).unwrap();
    writeln!(
        f,
        r#"{{"id": "a/dates", "createdAt": "12/05/2022", "downloads": "lots", "likes": 2}}"#
    )
    .unwrap();
    write!(f, r#"{{"id": "a/truncated", "downl"#).unwrap();
    drop(f);
    let batch = read(&path);
    assert_eq!(batch.read, 6, "the blank line is not a record");
    let ids: Vec<&str> = batch.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["a/ok", "a/dates"]);
    let issues: Vec<(String, Severity, String)> = batch
        .issues
        .iter()
        .map(|i| {
            (
                i.record.rsplit('/').next().unwrap().to_string(),
                i.severity,
                i.reason.clone(),
            )
        })
        .collect();
    assert_eq!(issues[0].0, "models.jsonl:2");
    assert!(issues[0].2.starts_with("not JSON"));
    assert_eq!(
        (issues[1].0.as_str(), issues[1].2.as_str()),
        ("models.jsonl:4", "not a JSON object")
    );
    assert_eq!(issues[2].0, "models.jsonl:5");
    assert!(issues[2].2.starts_with("no model id"));
    assert_eq!(issues[3].1, Severity::FieldDropped);
    assert!(
        issues[3]
            .2
            .starts_with("createdAt: unexpected date format \"12/05/2022\""),
        "{:?}",
        issues[3]
    );
    assert_eq!(issues[4].1, Severity::FieldDropped);
    assert!(issues[4].2.starts_with("downloads: unexpected text value"));
    assert_eq!(issues[5].0, "models.jsonl:7");
    assert!(
        issues[5]
            .2
            .ends_with("(the file ends in the middle of this record: truncated?)")
    );
    let dates = &batch.records[1];
    assert_eq!(
        (dates.created_at.as_deref(), dates.downloads, dates.likes),
        (None, None, Some(2))
    );
}

#[test]
fn parquet_without_an_id_column_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("noid.parquet");
    write_parquet(
        &path,
        vec![("author", Arc::new(StringArray::from(vec!["a"])) as ArrayRef)],
    );
    let err = ModelReader::open(&path, 10).err().unwrap();
    assert!(matches!(err, SourceError::Invalid { .. }));
    let message = err.to_string();
    assert!(
        message
            .contains("no model id column (expected id, modelId or model_name); columns: author"),
        "{message}"
    );
}

#[test]
fn parquet_with_a_column_of_an_unreadable_type_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mistyped.parquet");
    let mut lists = ListBuilder::new(Int64Builder::new());
    lists.values().append_value(1);
    lists.append(true);
    write_parquet(
        &path,
        vec![
            (
                "modelId",
                Arc::new(StringArray::from(vec!["a/b"])) as ArrayRef,
            ),
            ("downloads", Arc::new(lists.finish()) as ArrayRef),
        ],
    );
    let message = ModelReader::open(&path, 10).err().unwrap().to_string();
    assert!(
        message.contains("column downloads has type List"),
        "{message}"
    );
    assert!(message.contains("cannot be read as Downloads"), "{message}");
}

#[test]
fn parquet_values_of_the_wrong_kind_are_dropped_per_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("text-numbers.parquet");
    write_parquet(
        &path,
        vec![
            (
                "modelId",
                Arc::new(StringArray::from(vec![Some("a/one"), Some("a/two"), None])) as ArrayRef,
            ),
            (
                "downloads",
                Arc::new(StringArray::from(vec!["12", "many", "3"])) as ArrayRef,
            ),
            (
                "creation_time",
                Arc::new(StringArray::from(vec!["2022-01-01", "soon", "2022-01-03"])) as ArrayRef,
            ),
            (
                "has_modelcard",
                Arc::new(BooleanArray::from(vec![true, false, true])) as ArrayRef,
            ),
            (
                "unknown_column",
                Arc::new(StringArray::from(vec!["x", "y", "z"])) as ArrayRef,
            ),
        ],
    );
    let batch = read(&path);
    assert_eq!(batch.read, 3);
    assert_eq!(batch.records.len(), 2);
    assert_eq!(batch.records[0].downloads, Some(12));
    assert_eq!(
        batch.records[0].created_at.as_deref(),
        Some("2022-01-01T00:00:00.000Z")
    );
    assert_eq!(
        (
            batch.records[1].downloads,
            batch.records[1].created_at.as_deref()
        ),
        (None, None)
    );
    let reasons: Vec<&str> = batch.issues.iter().map(|i| i.reason.as_str()).collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons[0].starts_with("downloads: unexpected text value"));
    assert!(reasons[1].starts_with("creation_time: unexpected date format \"soon\""));
    assert!(reasons[2].starts_with("no model id"));
    assert!(
        batch.issues[2]
            .record
            .ends_with("text-numbers.parquet:row 3")
    );
}

#[test]
fn a_file_that_is_not_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fake.parquet");
    std::fs::write(&path, b"PAR1 this is not really parquet").unwrap();
    let message = ModelReader::open(&path, 10).err().unwrap().to_string();
    assert!(message.contains("not a readable Parquet file"), "{message}");
}

#[test]
fn csv_ragged_rows_and_bad_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("models.csv");
    std::fs::write(
        &path,
        "owner,model_name,pipeline,created,downloads\n\
         a,a/one,text-generation,2023-01-01,10\n\
         a,a/two,text-generation\n\
         b,three,fill-mask,someday,20\n\
         ,,,,\n\
         c,c/four,,2023-02-03 04:05:06,\n",
    )
    .unwrap();
    let batch = read(&path);
    assert_eq!(batch.read, 5);
    let ids: Vec<&str> = batch.records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["a/one", "b/three", "c/four"]);
    assert_eq!(
        batch.records[2].created_at.as_deref(),
        Some("2023-02-03T04:05:06.000Z")
    );
    assert_eq!(
        batch.records[2].downloads, None,
        "an empty cell is no value"
    );
    let issues: Vec<(&str, &str)> = batch
        .issues
        .iter()
        .map(|i| (i.record.rsplit('/').next().unwrap(), i.reason.as_str()))
        .collect();
    assert_eq!(
        issues[0],
        ("models.csv:3", "ragged row: 3 fields, the header has 5")
    );
    assert!(
        issues[1]
            .1
            .starts_with("created: unexpected date format \"someday\"")
    );
    assert_eq!(issues[2].0, "models.csv:5");
    assert!(issues[2].1.starts_with("no model id"));
}

#[test]
fn csv_without_an_id_column_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("noid.csv");
    std::fs::write(&path, "author,downloads\na,1\n").unwrap();
    let message = ModelReader::open(&path, 10).err().unwrap().to_string();
    assert!(message.contains("no model id column"), "{message}");
}
