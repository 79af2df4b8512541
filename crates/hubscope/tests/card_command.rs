//! `hubscope card` end to end: the real cards of `../shared/data/hub/readmes.jsonl` and the
//! edge cases of `../shared/data/cards/edge-cases`, plus broken inputs written here.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

fn hubscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hubscope"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn path_arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs `hubscope card <path> --format jsonl <extra…>`, expects success, and parses the records.
fn card_jsonl(path: &Path, extra: &[&str]) -> (Output, Vec<serde_json::Value>) {
    let mut args = vec!["card", path_arg(path), "--format", "jsonl"];
    args.extend_from_slice(extra);
    let out = hubscope(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let records = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out, records)
}

#[test]
fn all_real_cards_as_jsonl_in_input_order() {
    let input = hubscope_corpus::path("hub/readmes.jsonl");
    let (out, records) = card_jsonl(&input, &["--jobs", "2"]);
    let ids: Vec<String> = hubscope_corpus::readmes()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(records.len(), 1820);
    let out_ids: Vec<&str> = records.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(out_ids, ids, "records come out in input order");
    assert!(records.iter().all(|r| r.get("error").is_none()));
    let summary = stderr(&out);
    assert!(
        summary
            .contains("1820 cards, 1820 analysed, 0 failed; front matter 1817 present, 0 invalid"),
        "{summary}"
    );
    // The full analysis is there.
    let bloom = &records[0];
    assert_eq!(bloom["id"], "bigscience/bloom");
    assert_eq!(
        bloom["metadata"]["license"]["id"],
        "bigscience-bloom-rail-1.0"
    );
    assert_eq!(bloom["sections"]["uses"]["filled"], true);
    assert_eq!(bloom["score"]["total"], 95);
}

#[test]
fn csv_has_one_row_per_card_and_a_column_per_measure() {
    let input = hubscope_corpus::path("hub/readmes.jsonl");
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("cards.csv");
    let out = hubscope(&[
        "card",
        path_arg(&input),
        "--format",
        "csv",
        "--out",
        path_arg(&csv_path),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "id");
    assert!(header.iter().any(|h| h == "uses_filled"));
    assert!(header.iter().any(|h| h == "score_evaluation"));
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 1820);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let unedited = rows
        .iter()
        .filter(|r| {
            &r[col("generator")] == "transformers_trainer"
                && &r[col("unedited_auto_generated")] == "1"
        })
        .count();
    assert_eq!(unedited, 676);
}

#[test]
fn a_directory_is_read_in_path_order() {
    let dir = hubscope_corpus::path("cards/edge-cases");
    let out = hubscope(&["card", path_arg(&dir), "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let records: Vec<serde_json::Value> = serde_json::from_str(&stdout(&out)).unwrap();
    let names: Vec<String> = records
        .iter()
        .map(|r| {
            Path::new(r["id"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names.len(), 7);
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    let invalid = records
        .iter()
        .find(|r| {
            r["id"]
                .as_str()
                .unwrap()
                .ends_with("sample_invalid_card_data.md")
        })
        .unwrap();
    assert_eq!(invalid["front_matter"]["parsed"], false);
    assert_eq!(invalid["front_matter"]["error"]["line"], 2);
}

#[test]
fn the_table_names_each_card() {
    let file = hubscope_corpus::path("cards/edge-cases/sample_simple_model_index.md");
    let out = hubscope(&["card", path_arg(&file)]);
    assert!(out.status.success());
    let text = stdout(&out);
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("SCORE  FRONT MATTER  LICENSE")
    );
    let row = lines.next().unwrap();
    assert!(
        row.contains("parsed")
            && row.contains("mit")
            && row.ends_with("sample_simple_model_index.md"),
        "{row}"
    );
}

#[test]
fn bad_records_get_errors_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.jsonl");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(
        f,
        r##"{{"id": "ok/one", "readme": "---\nlicense: mit\n---\n# One\n\nFine."}}"##
    )
    .unwrap();
    writeln!(f, "this is not json").unwrap();
    writeln!(f).unwrap(); // blank lines are skipped, not records
    writeln!(f, r##"{{"id": "no/readme"}}"##).unwrap();
    writeln!(f, r##"{{"id": "null/readme", "readme": null}}"##).unwrap();
    writeln!(f, r##"[1, 2, 3]"##).unwrap();
    writeln!(
        f,
        r##"{{"id": "bad/yaml", "readme": "---\ntags: [a\n---\n# Still read\n"}}"##
    )
    .unwrap();
    // A 150 kB card: a line within the line limit (2 × 100 kB + 64 KiB), a card over
    // --max-card-bytes.
    writeln!(
        f,
        r##"{{"id": "big/one", "readme": "{}"}}"##,
        "x".repeat(150_000)
    )
    .unwrap();
    writeln!(f, r##"{{"id": "ok/two", "readme": "# Two"}}"##).unwrap();
    write!(f, r##"{{"id": "truncated", "readme": "# cut"##).unwrap();
    drop(f);

    let (out, records) = card_jsonl(&path, &["--max-card-bytes", "100000"]);
    let summary: Vec<(String, Option<String>)> = records
        .iter()
        .map(|r| {
            (
                r["id"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
                r.get("error").map(|e| e.as_str().unwrap().to_string()),
            )
        })
        .collect();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(summary.len(), 9);
    assert_eq!(summary[0], ("one".to_string(), None));
    assert_eq!(summary[1].0, format!("{name}:2"));
    assert!(
        summary[1]
            .1
            .as_ref()
            .unwrap()
            .starts_with("line 2: not JSON")
    );
    assert_eq!(
        summary[2],
        ("readme".into(), Some("line 4: no \"readme\" field".into()))
    );
    assert_eq!(
        summary[3],
        (
            "readme".into(),
            Some("line 5: readme is null (no card)".into())
        )
    );
    assert_eq!(summary[4].1.as_deref(), Some("line 6: not a JSON object"));
    // Invalid YAML is not a record error: the card is analysed and the YAML error reported.
    assert_eq!(summary[5], ("yaml".into(), None));
    // Reported on README line 2, where the unclosed `[` is.
    assert_eq!(records[5]["front_matter"]["error"]["line"], 2);
    assert_eq!(records[5]["title"], "Still read");
    assert_eq!(
        summary[6],
        (
            "one".into(),
            Some("card is 150000 bytes, over the limit of 100000 bytes (--max-card-bytes)".into())
        )
    );
    assert_eq!(summary[7], ("two".into(), None));
    assert!(
        summary[8].1.as_ref().unwrap().contains("truncated?"),
        "{:?}",
        summary[8]
    );
    let err = stderr(&out);
    assert!(err.contains("9 cards, 3 analysed, 6 failed"), "{err}");
    assert!(err.contains("first failure"), "{err}");
}

#[test]
fn an_over_long_line_is_skipped_without_holding_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.jsonl");
    let mut f = std::fs::File::create(&path).unwrap();
    // 50 MB on one line; the limit for a line is 2 × 1 MB + 64 KiB.
    let (head, tail) = (r##"{"id": "huge", "readme": ""##, r##""}"##);
    f.write_all(head.as_bytes()).unwrap();
    let chunk = "y".repeat(1 << 20);
    for _ in 0..50 {
        f.write_all(chunk.as_bytes()).unwrap();
    }
    writeln!(f, "{tail}").unwrap();
    let line_len = head.len() + (50 << 20) + tail.len();
    writeln!(f, r##"{{"id": "after", "readme": "# After"}}"##).unwrap();
    drop(f);
    let (_, records) = card_jsonl(&path, &["--max-card-bytes", "1000000"]);
    assert_eq!(records.len(), 2);
    let error = records[0]["error"].as_str().unwrap();
    assert!(
        error.starts_with(&format!("line 1 is {line_len} bytes, over the limit")),
        "{error}"
    );
    assert_eq!(records[1]["id"], "after");
}

#[test]
fn non_utf8_files_are_record_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README.md"), b"# Title\n\xff\xfe").unwrap();
    std::fs::write(dir.path().join("good.md"), b"# Good\n").unwrap();
    let (_, records) = card_jsonl(dir.path(), &[]);
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["error"], "not UTF-8: invalid byte at offset 8");
    assert!(records[1].get("error").is_none());
}

#[test]
fn usage_and_input_errors_exit_with_2() {
    let out = hubscope(&["card", "/definitely/not/here.md"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read /definitely/not/here.md"));
    let out = hubscope(&["card"]);
    assert_eq!(out.status.code(), Some(2));
    let out = hubscope(&["card", "x.md", "--format", "yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let empty = tempfile::tempdir().unwrap();
    let out = hubscope(&["card", path_arg(empty.path())]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no model cards found"));
}
