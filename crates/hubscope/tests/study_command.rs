//! `hubscope study`, the main job: offline on the dumps of `../shared/data` (every hub and forum
//! file there), and crawling a loopback Hub and Discourse built from the same real data.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Stdio};
use std::sync::Arc;

use hubscope_testhub::forum::ForumData;
use hubscope_testhub::{HubData, TestHub};

#[test]
fn study_from_the_shared_data_writes_a_complete_report() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("study.db");
    let out = dir.path().join("report");
    let output = Command::new(env!("CARGO_BIN_EXE_hubscope"))
        .arg("--db")
        .arg(&db)
        .args(["study", "--classify", "lexical", "--from"])
        .arg(hubscope_corpus::data_dir())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    // Where the report is, on stdout.
    let index = out.join("index.html");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        index.to_str().unwrap()
    );
    // Every dump was found and stored; what is not a dump is said so.
    for source in [
        "liang-2022-model-info.parquet",
        "models.jsonl",
        "readmes.jsonl",
        "hub-discussions.jsonl",
        "discourse-real-responses",
    ] {
        assert!(stderr.contains(source), "{source} not ingested: {stderr}");
    }
    assert!(
        stderr.contains("skipping") && stderr.contains("api-recordings.jsonl"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("discourse-api-shapes"),
        "sample shapes must not be ingested: {stderr}"
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    for heading in [
        "## Executive summary",
        "### Before reusing a model, ask",
        "## Data",
        "## Uploads by family",
        "## Documentation over time",
        "## Mentions vs uploads",
    ] {
        assert!(md.contains(heading), "{heading}");
    }
    // 74,970 + 1,820 models, one of them in both dumps.
    assert!(md.contains("| models | 76789 |"), "{md}");
    // The topics were classified (lexical here, for speed: the embedding classifier is tested
    // in classify_command) and the taxonomy is in the report.
    assert!(
        md.contains("22879 topics coded into the study's taxonomy (the codes of hubscope:lexical)"),
        "{md}"
    );
    let html = std::fs::read_to_string(&index).unwrap();
    assert_eq!(
        html.matches("<svg").count(),
        5,
        "four charts and the taxonomy"
    );
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href="));
    for file in [
        "charts/uploads.svg",
        "charts/docs.svg",
        "data/uploads_by_family.csv",
        "data/documentation.csv",
        "data/mentions_vs_uploads.csv",
        "charts/taxonomy.svg",
        "data/taxonomy.csv",
    ] {
        assert!(out.join(file).exists(), "{file}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn study_without_dumps_crawls_a_recent_slice() {
    let data = Arc::new(
        HubData::load(
            Some(&hubscope_corpus::path("hub/models.jsonl")),
            Some(&hubscope_corpus::path("hub/readmes.jsonl")),
            None,
            None,
        )
        .unwrap(),
    );
    let hub = TestHub::start(data).await.unwrap();
    let forum = TestHub::start_forum(ForumData::generate(40, 5))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crawl.db");
    let out = dir.path().join("report");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hubscope"));
    cmd.arg("--db")
        .arg(&db)
        .args([
            "study",
            "--since",
            "2025-01-01",
            "--limit",
            "300",
            "--forum-base",
            &forum.url(),
            "--out",
        ])
        .arg(&out)
        .env("HF_ENDPOINT", hub.url())
        .env_remove("HF_TOKEN")
        .env("HF_HOME", dir.path().join("hf-home"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("hubscope crawl models") || stderr.contains("models"),
        "{stderr}"
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("## Uploads by family"));
    // Models created since 2025-01-01 only, and at most the pages that reach the limit.
    let store = hubscope_store::Store::open_existing(&db).unwrap();
    let (models, oldest): (i64, String) = store
        .connection()
        .query_row("SELECT count(*), min(created_at) FROM models", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert!(models > 0 && models <= 1000, "{models}");
    assert!(oldest.as_str() >= "2025-01-01", "{oldest}");
    let cards: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM cards", [], |r| r.get(0))
        .unwrap();
    assert!(
        cards > 0,
        "READMEs are fetched for the report's documentation section"
    );
}
