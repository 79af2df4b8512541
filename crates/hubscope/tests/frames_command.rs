//! Sampling frames end to end, on small dumps written here: a trend never runs from a census
//! into a sample's months, a sample is analysed only on its own and says so, overlapping
//! censuses are compared, a window too short for a correlation is said to be, and a sources
//! manifest declares frames (or is refused with its line).
#![allow(clippy::unwrap_used)]

mod common;

use std::fmt::Write as _;
use std::path::Path;

use common::{hubscope, ok};

/// A `/api/models` line: `cardData` present when the model has a card.
fn model(id: &str, created: &str, model_type: &str, card: bool) -> String {
    let mut line = format!(
        r#"{{"id":"{id}","createdAt":"{created}T10:00:00.000Z","config":{{"model_type":"{model_type}"}}"#
    );
    if card {
        line.push_str(r#","cardData":{"license":"mit"}"#);
    }
    line.push_str("}\n");
    line
}

/// Months `YYYY-MM` from `first` (year, month), `n` of them.
fn months(year: u16, month: u8, n: usize) -> Vec<String> {
    let (mut y, mut m) = (year, month);
    (0..n)
        .map(|_| {
            let s = format!("{y:04}-{m:02}");
            m += 1;
            if m > 12 {
                m = 1;
                y += 1;
            }
            s
        })
        .collect()
}

/// A census of 2021-01..2022-06 (bert and gpt2; the share with a card falls from 90 % to
/// about 30 %) and a sample of llama fine-tunes in 2022-07..2023-06, every one with a card.
fn write_census_and_sample(dir: &Path) -> (String, String) {
    let mut census = String::new();
    for (k, month) in months(2021, 1, 18).iter().enumerate() {
        for i in 0..10 {
            let card = i < 9 - (k * 6 / 17);
            let family = if i % 2 == 0 { "bert" } else { "gpt2" };
            census.push_str(&model(
                &format!("org/{family}-{month}-{i}"),
                &format!("{month}-1{}", i % 9),
                family,
                card,
            ));
        }
    }
    let mut sample = String::new();
    for month in months(2022, 7, 12) {
        for i in 0..30 {
            sample.push_str(&model(
                &format!("fans/llama-{month}-{i}"),
                &format!("{month}-05"),
                "llama",
                true,
            ));
        }
    }
    let (c, s) = (dir.join("census.jsonl"), dir.join("sample.jsonl"));
    std::fs::write(&c, census).unwrap();
    std::fs::write(&s, sample).unwrap();
    (
        c.to_str().unwrap().to_string(),
        s.to_str().unwrap().to_string(),
    )
}

/// The report's `data/summary.json`.
fn summary_of(report: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(report.join("data/summary.json")).unwrap())
        .unwrap()
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn a_trend_never_crosses_from_a_census_into_a_sample() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    let (census, sample) = write_census_and_sample(dir.path());
    let e = ok(&hubscope(
        &db,
        &["ingest", "models", &census, "--frame", "census"],
    ));
    assert!(
        e.contains("frame: census of the months of its data, declared on the command line"),
        "{e}"
    );
    // Nothing declared: a sample, and the output says it is the default.
    let e = ok(&hubscope(&db, &["ingest", "models", &sample]));
    assert!(
        e.contains("frame: sample, not declared: a sample by default"),
        "{e}"
    );

    // Documentation: the census months only, tested over the complete ones.
    let out = hubscope(
        &db,
        &[
            "trends",
            "docs",
            "--stats",
            dir.path().join("s.csv").to_str().unwrap(),
        ],
    );
    let e = ok(&out);
    let rows = csv_rows(&String::from_utf8_lossy(&out.stdout));
    let months: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(months.first(), Some(&"2021-01"));
    assert_eq!(months[months.len() - 2], "2022-06", "{months:?}");
    assert_eq!(months.last(), Some(&"all"));
    assert!(
        e.contains("left out: 2022-07..2023-06 (360 models): no census covers it"),
        "{e}"
    );
    // The census's last month holds its latest date: it is incomplete, not tested.
    assert!(e.contains("(2022-06 incomplete)"), "{e}");
    let stats = std::fs::read_to_string(dir.path().join("s.csv")).unwrap();
    let card_ratio = &csv_rows(&stats)[0];
    assert_eq!(card_ratio[0], "card_ratio");
    assert_eq!(card_ratio[1], "17", "17 complete census months: {stats}");
    assert!(card_ratio[2].parse::<f64>().unwrap() < -0.9, "{stats}");
    // Every llama (sample) is out of the census's uploads.
    let out = hubscope(&db, &["trends", "uploads", "--by", "family"]);
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("llama"), "{text}");
    assert!(text.contains("bert") && text.contains("gpt2"));

    // The sample on its own, labelled as such.
    let out = hubscope(&db, &["trends", "uploads", "--source", "sample.jsonl"]);
    let e = ok(&out);
    assert!(
        e.contains("a SAMPLE on its own (it describes only itself, not the Hub)"),
        "{e}"
    );
    assert!(e.contains("trend tests of the sample"), "{e}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("llama") && !text.contains("bert"), "{text}");
    let out = hubscope(&db, &["trends", "uploads", "--source", "nothing.jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such source"));

    // `sources` lists both, with what they cover.
    let out = hubscope(&db, &["sources"]);
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("covers 2021-01..2022-05 wholly, 2022-06 in part"),
        "{text}"
    );
    assert!(
        text.contains("a sample: no trend is drawn from it"),
        "{text}"
    );

    // The report: the documentation trend falls over the census window; the sample's months
    // are named as left out; the coverage chart marks where the census ends.
    let report = dir.path().join("report");
    ok(&hubscope(
        &db,
        &["report", "--out", report.to_str().unwrap()],
    ));
    let summary = summary_of(&report);
    let d = &summary["documentation"];
    assert_eq!(d["direction"], "falls", "{d}");
    assert_eq!(d["window"]["first"], "2021-01");
    assert_eq!(d["window"]["last"], "2022-05");
    assert_eq!(summary["data"]["left_out"][0]["window"]["first"], "2022-07");
    assert!(
        summary["uploads"]["families"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["family"] != "llama")
    );
    let coverage = std::fs::read_to_string(report.join("charts/coverage.svg")).unwrap();
    assert!(
        coverage.contains("2022-07: no census: left out"),
        "{coverage}"
    );
}

#[test]
fn a_declared_frame_is_kept_until_declared_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    let (census, _) = write_census_and_sample(dir.path());
    ok(&hubscope(&db, &["ingest", "models", &census]));
    let out = hubscope(&db, &["trends", "docs"]);
    let e = ok(&out);
    assert!(e.contains("no source is a census"), "{e}");
    let e = ok(&hubscope(
        &db,
        &[
            "sources",
            "declare",
            "census.jsonl",
            "--frame",
            "census",
            "--window",
            "2021-01..2022-03",
            "--describes",
            "every model of the fixture",
        ],
    ));
    assert!(
        e.contains("is now a census of 2021-01..2022-03 (was a sample)"),
        "{e}"
    );
    // Re-ingested without --frame, the declaration stays.
    let e = ok(&hubscope(&db, &["ingest", "models", &census]));
    assert!(
        e.contains("frame: census of 2021-01..2022-03 (as before)"),
        "{e}"
    );
    // A declared window ends the trends there, wholly covered (its end is before the data's
    // last date).
    let out = hubscope(&db, &["trends", "docs"]);
    let e = ok(&out);
    assert!(
        e.contains("census: 2021-01..2022-03, from census.jsonl"),
        "{e}"
    );
    assert!(
        e.contains("left out: 2022-04..2022-06 (30 models): no census covers it"),
        "{e}"
    );
    // A window on a sample, a backwards window, a declaration without a frame: refused.
    for (args, message) in [
        (
            vec![
                "ingest",
                "models",
                &census,
                "--frame",
                "sample",
                "--window",
                "2021-01..2021-02",
            ],
            "a sample has none",
        ),
        (
            vec![
                "ingest",
                "models",
                &census,
                "--frame",
                "census",
                "--window",
                "2022-01..2021-01",
            ],
            "before it starts",
        ),
        (vec!["sources", "declare", "census.jsonl"], "needs --frame"),
    ] {
        let out = hubscope(&db, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let e = String::from_utf8_lossy(&out.stderr);
        assert!(e.contains(message), "{args:?}: {e}");
    }
}

#[test]
fn overlapping_censuses_are_compared() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    // Two snapshots of the Hub: A covers 2021-01..2021-12, B 2021-07..2022-06; in the months
    // they share, B also lists models A missed (one in ten).
    let (mut a, mut b) = (String::new(), String::new());
    for (k, month) in months(2021, 1, 18).iter().enumerate() {
        for i in 0..10 {
            let line = model(
                &format!("org/m-{month}-{i}"),
                &format!("{month}-10"),
                "bert",
                i < 5,
            );
            if k < 12 && i < 9 {
                a.push_str(&line);
            }
            if k >= 6 {
                b.push_str(&line);
            }
        }
    }
    let (pa, pb) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    std::fs::write(&pa, a).unwrap();
    std::fs::write(&pb, b).unwrap();
    for p in [&pa, &pb] {
        ok(&hubscope(
            &db,
            &["ingest", "models", p.to_str().unwrap(), "--frame", "census"],
        ));
    }
    let report = dir.path().join("report");
    ok(&hubscope(
        &db,
        &["report", "--out", report.to_str().unwrap()],
    ));
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    assert!(
        md.contains(
            "In 2021-07..2021-12 (6 months), a.jsonl holds 54 models and b.jsonl 60; 54 are in both. Both are censuses: their monthly counts differ by 10.0 % on average"
        ),
        "{md}"
    );
    let overlaps = std::fs::read_to_string(report.join("data/source_overlaps.csv")).unwrap();
    assert_eq!(overlaps.lines().count(), 7, "{overlaps}");
    assert!(
        overlaps.contains("a.jsonl,b.jsonl,2021-07,9,10,"),
        "{overlaps}"
    );
    // Together they cover 2021-01..2022-06 (B's last month in part): one window.
    let summary = summary_of(&report);
    assert_eq!(summary["documentation"]["window"]["first"], "2021-01");
    assert_eq!(summary["documentation"]["window"]["last"], "2022-05");
}

#[test]
fn a_window_too_short_for_a_correlation_is_said_to_be() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("f.db");
    // A census of 2021-01..2021-08 and discussions of 2021-03..2021-12 that mention bert.
    let mut census = String::new();
    for month in months(2021, 1, 8) {
        for i in 0..4 {
            census.push_str(&model(
                &format!("org/b-{month}-{i}"),
                &format!("{month}-02"),
                "bert",
                true,
            ));
        }
    }
    let mut discussions = String::new();
    for (k, month) in months(2021, 3, 10).iter().enumerate() {
        let _ = writeln!(
            discussions,
            r#"{{"repo_id":"org/b-{k}","num":1,"title":"BERT fails to load","status":"open","author":"u","created_at":"{month}-04T00:00:00Z","is_pull_request":false,"comments":[{{"author":"u","created_at":"{month}-04T00:00:00Z","text":"my BertModel crashes","hidden":false}}]}}"#
        );
    }
    let (pc, pd) = (dir.path().join("c.jsonl"), dir.path().join("d.jsonl"));
    std::fs::write(&pc, census).unwrap();
    std::fs::write(&pd, discussions).unwrap();
    ok(&hubscope(
        &db,
        &[
            "ingest",
            "models",
            pc.to_str().unwrap(),
            "--frame",
            "census",
        ],
    ));
    ok(&hubscope(
        &db,
        &["ingest", "discussions", pd.to_str().unwrap()],
    ));
    let out = hubscope(&db, &["correlate", "--source", "discussions"]);
    let e = ok(&out);
    assert!(
        e.contains("not correlated: 5 common months (2021-03..2021-07): at least 12 are needed"),
        "{e}"
    );
    assert!(
        e.contains("mentions: Hub discussions (d.jsonl: sample)"),
        "{e}"
    );
    let report = dir.path().join("report");
    ok(&hubscope(
        &db,
        &["report", "--out", report.to_str().unwrap()],
    ));
    let summary = summary_of(&report);
    let m = &summary["mentions_vs_uploads"];
    assert_eq!(m["months"], 5);
    assert!(m["across_families_rho"].is_null());
    assert!(
        m["not_computed"]
            .as_str()
            .unwrap()
            .contains("at least 12 are needed"),
        "{m}"
    );
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    assert!(
        md.contains("Mentions in Hub discussions are not correlated with uploads: 5 common months"),
        "{md}"
    );
    assert!(
        !report
            .join("charts/correlations_hub_discussions.svg")
            .exists()
    );
}

#[test]
fn a_manifest_declares_the_frames_of_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("hub")).unwrap();
    let (census, sample) = write_census_and_sample(&data.join("hub"));
    let _ = (census, sample);
    let manifest = data.join("hubscope-sources.toml");
    std::fs::write(
        &manifest,
        "version = 1\n[[source]]\npath = \"hub/census.jsonl\"\nframe = \"census\"\ndescribes = \"every fixture model\"\n",
    )
    .unwrap();
    let db = dir.path().join("f.db");
    let report = dir.path().join("report");
    let out = hubscope(
        &db,
        &[
            "study",
            "--classify",
            "none",
            "--from",
            data.to_str().unwrap(),
            "--out",
            report.to_str().unwrap(),
        ],
    );
    let e = ok(&out);
    assert!(e.contains("sampling frames from"), "{e}");
    assert!(
        e.contains("frame: census of the months of its data, declared by the manifest"),
        "{e}"
    );
    assert!(e.contains("frame: sample, not declared"), "{e}");
    let summary = summary_of(&report);
    assert_eq!(
        summary["data"]["sources"][0]["describes"],
        "every fixture model"
    );
    assert_eq!(summary["documentation"]["direction"], "falls");

    // A manifest naming a file that is not a dump of the folder, or with an unknown key, is
    // refused with its line, before anything is stored.
    for (text, message) in [
        (
            "version = 1\n[[source]]\npath = \"hub/census.jsonl\"\nframe = \"census\"\n[[source]]\npath = \"hub/gone.jsonl\"\nframe = \"sample\"\n",
            "line 6: \"hub/gone.jsonl\" is not a dump found in",
        ),
        (
            "version = 1\n[[source]]\npath = \"hub/census.jsonl\"\nframe = \"census\"\nwindow = \"2021\"\n",
            "line 5: window",
        ),
        (
            "version = 1\n[[source]]\npath = \"hub/census.jsonl\"\nframes = \"census\"\n",
            "line 4",
        ),
    ] {
        std::fs::write(&manifest, text).unwrap();
        let fresh = dir.path().join("fresh.db");
        let out = hubscope(
            &fresh,
            &[
                "study",
                "--classify",
                "none",
                "--from",
                data.to_str().unwrap(),
                "--out",
                report.to_str().unwrap(),
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{text}");
        let e = String::from_utf8_lossy(&out.stderr);
        assert!(e.contains(message), "{message}: {e}");
        assert!(!fresh.exists(), "nothing stored");
    }
}
