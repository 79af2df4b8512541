//! `hubscope study`, the main job: offline on the dumps of `../shared/data` (every hub and forum
//! file there), and crawling a loopback Hub and Discourse built from the same real data.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Stdio};
use std::sync::Arc;

use hubscope_testhub::forum::ForumData;
use hubscope_testhub::{HubData, TestHub};

/// The manifest the README's quick start names: the frames of `../shared/data`'s dumps.
const MANIFEST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../manifests/shared-data.toml"
);

/// Reads every dump of `../shared/data` (`hub/liang-2022-model-info.parquet`, `hub/models.jsonl`,
/// `hub/readmes.jsonl`, `forum/hub-discussions.jsonl`, `forum/discourse-real-responses`) with the
/// shipped manifest, as the quick start does.
#[test]
fn study_from_the_shared_data_writes_a_complete_report() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("study.db");
    let out = dir.path().join("report");
    let output = Command::new(env!("CARGO_BIN_EXE_hubscope"))
        .arg("--db")
        .arg(&db)
        .args([
            "study",
            "--classify",
            "lexical",
            "--manifest",
            MANIFEST,
            "--from",
        ])
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
    // Every dump was found and stored, with the frame the manifest declares; what is not a
    // dump is said so.
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
        stderr.contains("frame: census of 2018-11..2022-09, declared by the manifest"),
        "{stderr}"
    );
    assert!(
        stderr.contains("skipping") && stderr.contains("api-recordings.jsonl"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("discourse-api-shapes"),
        "sample shapes must not be ingested: {stderr}"
    );

    // The headline figures, each with its window and sources.
    let summary_text = std::fs::read_to_string(out.join("data/summary.json")).unwrap();
    let summary: hubscope_report::Summary = serde_json::from_str(&summary_text).unwrap();
    let v: serde_json::Value = serde_json::from_str(&summary_text).unwrap();
    // Documentation: tested over Liang's census months only — and the share falls, as the
    // paper found ("not rising"), where the mixed store said it rises.
    let d = &v["documentation"];
    assert_eq!(d["direction"], "falls", "{d}");
    assert_eq!(
        (d["window"]["first"].as_str(), d["window"]["last"].as_str()),
        (Some("2018-11"), Some("2022-08"))
    );
    assert_eq!(d["months"], 43);
    assert!(d["spearman_rho"].as_f64().unwrap() < -0.7, "{d}");
    assert!(d["spearman_p"].as_f64().unwrap() < 0.001, "{d}");
    assert!(d["mann_kendall_p"].as_f64().unwrap() < 0.001, "{d}");
    assert_eq!(d["models"], 74_797);
    assert_eq!(
        d["sources"][0],
        "liang-2022-model-info.parquet (census, 2018-11..2022-09)"
    );
    // The sample's months are left out, with the reason.
    let left = &v["data"]["left_out"];
    assert_eq!(left.as_array().unwrap().len(), 1, "{left}");
    assert_eq!(left[0]["window"]["first"], "2022-11");
    assert_eq!(left[0]["window"]["last"], "2025-04");
    assert_eq!(left[0]["models"], 1819);
    assert_eq!(left[0]["reason"], "no census covers it");
    // Uploads by family over the census window; unknown is not a family.
    let u = &v["uploads"];
    assert_eq!(u["window"]["last"], "2022-08");
    assert_eq!(u["families"][0]["family"], "bert");
    assert!(
        u["families"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["family"] != "unknown")
    );
    // Mentions vs uploads: Hub discussions and the census share 4 months, too few.
    let m = &v["mentions_vs_uploads"];
    assert_eq!(m["mentions"], "Hub discussions");
    assert_eq!(m["months"], 4);
    assert!(m["across_families_rho"].is_null());
    assert!(
        m["not_computed"]
            .as_str()
            .unwrap()
            .contains("4 common months (2022-05..2022-08)"),
        "{m}"
    );
    // The taxonomy: the lexical classifier's codes, its measured agreement, corrected shares
    // with intervals.
    let t = &v["taxonomy"];
    assert_eq!(t["coder"], "hubscope:lexical");
    assert_eq!(t["items"], 22_879);
    assert!(t["kappa"].as_f64().unwrap() > 0.0, "{t}");
    assert!(t["accuracy"].as_f64().unwrap() > 0.0, "{t}");
    let shares = t["shares"].as_array().unwrap();
    assert!(shares.iter().all(
        |s| s["ci_low"].as_f64().unwrap() <= s["share"].as_f64().unwrap()
            && s["share"].as_f64().unwrap() <= s["ci_high"].as_f64().unwrap()
    ));
    let total: f64 = shares.iter().map(|s| s["share"].as_f64().unwrap()).sum();
    assert!((total - 1.0).abs() < 1e-6, "{total}");

    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    for heading in [
        "## Executive summary",
        "### Before reusing a model, ask",
        "## Data and coverage",
        "### Sources and their sampling frames",
        "### Models per month, by source",
        "### The window of each analysis",
        "### Where sources overlap",
        "## Uploads by family",
        "## Documentation over time",
        "## Mentions vs uploads",
        "## Taxonomy of challenges",
    ] {
        assert!(md.contains(heading), "{heading}");
    }
    // The executive summary is made from summary.json: every sentence is there, as it is.
    let sentences = hubscope_report::executive_summary(&summary);
    for s in &sentences {
        assert!(
            md.contains(&format!("- {}", hubscope_report::study::escape_markdown(s))),
            "{s}"
        );
    }
    assert!(
        sentences
            .iter()
            .any(|s| s.contains("the share of new models with a model card falls"))
    );
    assert!(!md.contains("rises over"), "{md}");
    // 74,970 + 1,820 models, one of them in both dumps.
    assert!(md.contains("| models | 76789 |"), "{md}");
    assert!(
        md.contains("22879 Hub discussions and forum topics coded into the study's taxonomy (the codes of hubscope:lexical)"),
        "{md}"
    );
    let html = std::fs::read_to_string(&index).unwrap();
    assert_eq!(
        html.matches("<svg").count(),
        5,
        "uploads, family resolution, coverage, documentation, taxonomy"
    );
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href="));
    for file in [
        "charts/uploads.svg",
        "charts/docs.svg",
        "charts/coverage.svg",
        "charts/family_resolution.svg",
        "data/uploads_by_family.csv",
        "data/documentation.csv",
        "data/coverage_by_source.csv",
        "data/source_overlaps.csv",
        "data/mentions_vs_uploads_hub_discussions.csv",
        "data/summary.json",
        "charts/taxonomy.svg",
        "data/taxonomy.csv",
    ] {
        assert!(out.join(file).exists(), "{file}");
    }
    // The coverage chart marks where the census ends.
    let coverage = std::fs::read_to_string(out.join("charts/coverage.svg")).unwrap();
    assert!(
        coverage.contains("2022-10: no census: left out"),
        "{coverage}"
    );
    // The uploads chart draws families, not `unknown`, and says so.
    let uploads = std::fs::read_to_string(out.join("charts/uploads.svg")).unwrap();
    assert!(uploads.contains("not drawn: unknown (53.5 %)"), "{uploads}");
    assert!(!uploads.contains("<title>unknown</title>"));
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
        // No model, whatever this machine has installed: a test of the lexical path.
        .env("HUBSCOPE_MODEL_DIR", dir.path().join("no-model"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let crawled = stderr
        .lines()
        .find(|l| l.contains("hubscope crawl models: "))
        .unwrap_or_else(|| panic!("no crawl summary: {stderr}"));
    assert!(crawled.contains(" models (stored "), "{crawled}");
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
