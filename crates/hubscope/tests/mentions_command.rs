//! `hubscope mentions` on a store holding the real Hub discussions, the real saved forum
//! responses and the real models of `../shared/data`.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::Path;

use hubscope_mentions::{
    CountOptions, Document, FamilyTable, Matcher, MentionTable, Tally, discussion_document,
};
use hubscope_source::DiscussionReader;

mod common;

use common::{hubscope, ok};

fn store_with_real_data(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("real.db");
    let data = hubscope_corpus::data_dir();
    for (kind, path) in [
        ("models", "hub/models.jsonl"),
        ("discussions", "forum/hub-discussions.jsonl"),
        ("forum", "forum/discourse-real-responses"),
    ] {
        ok(&hubscope(
            &db,
            &["ingest", kind, data.join(path).to_str().unwrap()],
        ));
    }
    db
}

/// The same counts computed without the store: the JSON Lines reader, the library tally.
fn expected_from_the_dump(table: &FamilyTable) -> MentionTable {
    let mut reader =
        DiscussionReader::open(&hubscope_corpus::path("forum/hub-discussions.jsonl"), 1_000)
            .unwrap();
    let mut docs: Vec<Document> = Vec::new();
    while let Some(batch) = reader.next_batch().unwrap() {
        for thread in batch.records {
            let id = docs.len() as i64;
            docs.extend(discussion_document(&thread, id));
        }
    }
    let matcher = Matcher::new(table.families.clone()).unwrap();
    let mut tally = Tally::new(table.families.len());
    tally.add(&matcher, &docs, CountOptions::default());
    MentionTable::new(&tally, &table.families, None, None)
}

fn read_csv(path: &Path) -> Vec<Vec<String>> {
    csv::Reader::from_path(path)
        .unwrap()
        .into_records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn mentions_of_the_real_discussions_long_and_wide() {
    let dir = tempfile::tempdir().unwrap();
    let db = store_with_real_data(dir.path());
    let wide = dir.path().join("wide.csv");
    let stderr = ok(&hubscope(
        &db,
        &[
            "mentions",
            "--source",
            "discussions",
            "--shape",
            "wide",
            "--out",
            wide.to_str().unwrap(),
        ],
    ));
    assert!(
        stderr.contains("22868 topics (discussions 22868)"),
        "{stderr}"
    );
    // The figures the README quotes for this command.
    assert!(
        stderr.contains(
            "8239 mention at least one of 263 families; 186 families found; months 2022-05..2024-01"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("ambiguous names"), "{stderr}");
    // phi-msft (10 models) is a stored model type the table does not list.
    assert!(stderr.contains("phi-msft"), "{stderr}");
    // Nothing but the table is left in the folder.
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.starts_with("real.db"))
        .collect();
    assert_eq!(files, ["wide.csv"]);

    // The store path and the dump path agree family by family, month by month.
    let mut table = FamilyTable::builtin();
    let out = hubscope(&db, &["mentions", "families"]);
    ok(&out);
    let effective = FamilyTable::parse(&String::from_utf8(out.stdout).unwrap()).unwrap();
    table.families = effective.families;
    let expected = expected_from_the_dump(&table);
    let rows = read_csv(&wide);
    let header: Vec<String> = csv::Reader::from_path(&wide)
        .unwrap()
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header.first().map(String::as_str), Some("family"));
    assert_eq!(header.last().map(String::as_str), Some("total"));
    let months: Vec<String> = expected.months.iter().map(|m| m.to_string()).collect();
    assert_eq!(&header[1..header.len() - 1], months.as_slice());
    assert_eq!(rows.len(), expected.families.len());
    for (row, (family, counts)) in rows
        .iter()
        .zip(expected.families.iter().zip(&expected.counts))
    {
        assert_eq!(&row[0], family);
        let got: Vec<u32> = row[1..row.len() - 1]
            .iter()
            .map(|c| c.parse().unwrap())
            .collect();
        assert_eq!(&got, counts, "{family}");
    }
    assert_eq!(rows[0][0], "llama");

    // Long JSON holds the same numbers.
    let out = hubscope(
        &db,
        &["mentions", "--source", "discussions", "--format", "json"],
    );
    ok(&out);
    let long: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(long.len(), months.len() * rows.len());
    let mut totals: HashMap<String, u64> = HashMap::new();
    for row in &long {
        *totals
            .entry(row["family"].as_str().unwrap().to_string())
            .or_default() += row["topics"].as_u64().unwrap();
    }
    for row in &rows {
        assert_eq!(totals[&row[0]], row.last().unwrap().parse::<u64>().unwrap());
    }
}

#[test]
fn ranges_sources_review_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let db = store_with_real_data(dir.path());

    // A quarter: exactly three month columns.
    let q = dir.path().join("q.csv");
    ok(&hubscope(
        &db,
        &[
            "mentions",
            "--from",
            "2023-01",
            "--to",
            "2023-03-31",
            "--shape",
            "wide",
            "--out",
            q.to_str().unwrap(),
        ],
    ));
    let header = csv::Reader::from_path(&q)
        .unwrap()
        .headers()
        .unwrap()
        .clone();
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        ["family", "2023-01", "2023-02", "2023-03", "total"]
    );

    // The forum alone: the four dated topics of the saved responses.
    let stderr = ok(&hubscope(&db, &["mentions", "--source", "forum"]));
    assert!(stderr.contains("4 topics (forum 4)"), "{stderr}");
    assert!(stderr.contains("have no valid creation date"), "{stderr}");

    // The review file lists ambiguous names with the verdict and the context.
    let review = dir.path().join("review.csv");
    ok(&hubscope(
        &db,
        &[
            "mentions",
            "--review",
            review.to_str().unwrap(),
            "--out",
            dir.path().join("t.csv").to_str().unwrap(),
        ],
    ));
    let rows = read_csv(&review);
    assert!(rows.iter().any(|r| r[0] == "opt" && r[1] == "yes"));
    assert!(
        rows.iter()
            .any(|r| r[0] == "opt" && r[1] == "no: no model context" && r[6].contains("/opt/"))
    );

    // Bad input: a family table with a clash, an inverted range, a bad month.
    let bad = dir.path().join("families.csv");
    std::fs::write(&bad, "family,aliases,context\nbert,,\nroberta,bert,\n").unwrap();
    let out = hubscope(&db, &["mentions", "--families", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("families.csv") && stderr.contains("line 3"),
        "{stderr}"
    );
    let out = hubscope(&db, &["mentions", "--from", "2024-01", "--to", "2023-01"]);
    assert_eq!(out.status.code(), Some(2));
    let out = hubscope(&db, &["mentions", "--from", "2024-13"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a month"));
}
