//! What the command tests share: running the binary on a database and checking it succeeded.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

/// `hubscope --db DB ARGS…`, waited for.
pub fn hubscope(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hubscope"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

/// Asserts the command succeeded; returns its standard error (the summary).
pub fn ok(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    stderr
}

/// `hubscope ingest KIND ../shared/data/RELATIVE`.
pub fn ingest(db: &Path, kind: &str, relative: &str) {
    ingest_with(db, kind, relative, &[]);
}

/// `hubscope ingest KIND ../shared/data/RELATIVE ARGS…` (e.g. `--frame census`).
pub fn ingest_with(db: &Path, kind: &str, relative: &str, args: &[&str]) {
    let path = hubscope_corpus::path(relative);
    let mut all = vec!["ingest", kind, path.to_str().unwrap()];
    all.extend_from_slice(args);
    ok(&hubscope(db, &all));
}

/// Liang et al.'s file, a census of every Hub model created up to Sep 2022.
pub fn ingest_liang(db: &Path) {
    ingest_with(
        db,
        "models",
        "hub/liang-2022-model-info.parquet",
        &["--frame", "census"],
    );
}

/// The hand-coded threads: `(id, final code, text code, replies)`.
pub fn labels() -> Vec<(String, u16, u16, u64)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../taxonomy/labels/hub-discussions.csv"
    );
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (
                r[0].to_string(),
                r[1].parse().unwrap(),
                r[2].parse().unwrap(),
                r[4].parse().unwrap(),
            )
        })
        .collect()
}

/// Title and first visible comment of every thread of the dump, by `repo_id#num`.
pub fn thread_texts() -> std::collections::HashMap<String, (String, String)> {
    hubscope_corpus::read_to_string("forum/hub-discussions.jsonl")
        .lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let first = v["comments"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["hidden"] != true)
                .and_then(|c| c["text"].as_str())
                .unwrap_or("")
                .to_string();
            let id = format!("{}#{}", v["repo_id"].as_str().unwrap(), v["num"]);
            (id, (v["title"].as_str().unwrap_or("").to_string(), first))
        })
        .collect()
}

/// The rows of a Parquet file as CSV would write them (text as it is, numbers in Rust's
/// shortest form, booleans as `true`/`false`, nulls empty), header first: to compare a command's
/// Parquet output with its CSV output cell by cell.
#[allow(dead_code)]
pub fn parquet_as_csv_rows(path: &std::path::Path) -> Vec<Vec<String>> {
    use arrow_array::Array as _;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float64Type, Int64Type};
    use arrow_schema::DataType;
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(path).unwrap(),
    )
    .unwrap()
    .build()
    .unwrap();
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        if rows.is_empty() {
            rows.push(
                batch
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect(),
            );
        }
        for row in 0..batch.num_rows() {
            let cells = batch
                .columns()
                .iter()
                .map(|column| {
                    if column.is_null(row) {
                        return String::new();
                    }
                    match column.data_type() {
                        DataType::Utf8 => column.as_string::<i32>().value(row).to_string(),
                        DataType::Int64 => {
                            column.as_primitive::<Int64Type>().value(row).to_string()
                        }
                        DataType::Float64 => {
                            column.as_primitive::<Float64Type>().value(row).to_string()
                        }
                        DataType::Boolean => column.as_boolean().value(row).to_string(),
                        other => panic!("{}: a column of type {other}", path.display()),
                    }
                })
                .collect();
            rows.push(cells);
        }
    }
    rows
}
