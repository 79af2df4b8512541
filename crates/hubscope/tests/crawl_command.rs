//! `hubscope crawl models` as a user runs it: the binary against a loopback Hub that serves the
//! real data of `../shared/data` (hub/models.jsonl, hub/readmes.jsonl, hub/api-recordings.jsonl,
//! forum/hub-discussions.jsonl), killed with SIGKILL or interrupted with SIGINT and resumed.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use hubscope_store::Store;
use hubscope_testhub::{HubData, TestHub};

fn data() -> Arc<HubData> {
    static DATA: OnceLock<Arc<HubData>> = OnceLock::new();
    Arc::clone(DATA.get_or_init(|| {
        Arc::new(
            HubData::load(
                Some(&hubscope_corpus::path("hub/models.jsonl")),
                Some(&hubscope_corpus::path("hub/readmes.jsonl")),
                Some(&hubscope_corpus::path("forum/hub-discussions.jsonl")),
                Some(&hubscope_corpus::path("hub/api-recordings.jsonl")),
            )
            .unwrap(),
        )
    }))
}

/// `hubscope --db DB crawl models ARGS` pointed at `hub`, with no token and an empty HF_HOME.
fn crawl_command(hub: &TestHub, db: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hubscope"));
    cmd.arg("--db").arg(db).args(["crawl", "models"]).args(args);
    cmd.env("HF_ENDPOINT", hub.url())
        .env_remove("HF_TOKEN")
        .env("HF_HOME", db.parent().unwrap().join("hf-home"))
        .env_remove("HF_HUB_OFFLINE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

async fn wait(child: Child) -> Output {
    tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap()
}

/// Every model row and every card, without the columns that record when they were written.
fn contents(db: &Path) -> (Vec<String>, Vec<String>) {
    let store = Store::open_existing(db).unwrap();
    let rows = |sql: &str| -> Vec<String> {
        let mut stmt = store.connection().prepare(sql).unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    (
        rows(
            "SELECT json_array(id, author, sha, created_at, last_modified, downloads, likes, \
             library, pipeline_tag, model_type, tags, siblings, card_data, config, has_card) \
             FROM models ORDER BY id",
        ),
        rows(
            "SELECT json_array(model_id, content_sha1, revision, bytes, words, score) FROM cards ORDER BY model_id",
        ),
    )
}

fn pages_stored(db: &Path) -> u64 {
    // The crawl holds the file open: read with a fresh read-only connection, retrying while it
    // writes.
    Store::open_read_only(db)
        .ok()
        .and_then(|s| s.crawl_state("models").ok().flatten())
        .map_or(0, |c| c.pages)
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawl_killed_at_a_random_page_resumes_to_the_same_database() {
    let hub = TestHub::start(data()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let args = ["--page-size", "100", "--readmes", "--concurrency", "16"];

    let reference = dir.path().join("reference.db");
    let out = run(crawl_command(&hub, &reference, &args)).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("19 pages, 1820 models (stored 1820"),
        "{stderr}"
    );
    assert!(stderr.contains("finished"), "{stderr}");
    // Read to its end, the listing is a census, and the summary says so.
    assert!(
        stderr.contains(
            "frame: census of the months of its data, known from the crawl (the Hub's whole model listing, read to its end)"
        ),
        "{stderr}"
    );
    let expected = contents(&reference);
    assert_eq!(expected.0.len(), 1820);
    assert!(
        expected.1.len() > 1000,
        "READMEs stored: {}",
        expected.1.len()
    );

    // Slow the listing down (a paced quota of 20 requests a second) so that the kill lands in
    // the middle of the crawl, at a page chosen at random.
    hub.rate_limit("api", 20, Duration::from_secs(1));
    let seed = fastrand::u64(..);
    let kill_at = std::env::var("HUBSCOPE_TEST_KILL_AT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| fastrand::Rng::with_seed(seed).u64(1..=15));
    let db = dir.path().join("killed.db");
    let mut child = crawl_command(&hub, &db, &args).spawn().unwrap();
    let started = Instant::now();
    while pages_stored(&db) < kill_at {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "page {kill_at} never stored (seed {seed})"
        );
        if child.try_wait().unwrap().is_some() {
            let out = wait(child).await;
            panic!(
                "the crawl ended before page {kill_at} (seed {seed}): {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    signal(&child, "KILL");
    let killed = wait(child).await;
    assert!(!killed.status.success());
    let (models, _) = contents(&db);
    assert!(
        models.len() >= (kill_at * 100) as usize && models.len() < 1820,
        "{} models after a kill at page {kill_at} (seed {seed})",
        models.len()
    );

    let out = run(crawl_command(&hub, &db, &args)).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "seed {seed}: {stderr}");
    assert!(stderr.contains("resumed from"), "{stderr}");
    assert_eq!(
        contents(&db),
        expected,
        "kill at page {kill_at} (seed {seed})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_saves_the_page_in_hand_and_exits_130() {
    let hub = TestHub::start(data()).await.unwrap();
    hub.rate_limit("api", 10, Duration::from_secs(1));
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("interrupted.db");
    let args = ["--page-size", "50"];
    let child = crawl_command(&hub, &db, &args).spawn().unwrap();
    let started = Instant::now();
    while pages_stored(&db) < 2 {
        assert!(started.elapsed() < Duration::from_secs(60));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    signal(&child, "INT");
    let out = wait(child).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("stopped: interrupted"), "{stderr}");
    let pages = pages_stored(&db);
    let (models, _) = contents(&db);
    assert_eq!(models.len() as u64, pages * 50, "whole pages, checkpointed");

    let out = run(crawl_command(&hub, &db, &args)).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(contents(&db).0.len(), 1820);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_arguments_and_an_unreachable_hub_are_clear_errors() {
    let hub = TestHub::start(data()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("x.db");

    let out = run(crawl_command(&hub, &db, &["--since", "last tuesday"])).await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--since \"last tuesday\""), "{stderr}");

    let mut cmd = crawl_command(&hub, &db, &["--limit", "10"]);
    cmd.env("HF_ENDPOINT", "ftp://example.invalid");
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid Hub endpoint"));

    // A port nothing listens on: the retries run out and the error names the URL.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let mut cmd = crawl_command(&hub, &db, &["--limit", "10"]);
    cmd.env("HF_ENDPOINT", format!("http://127.0.0.1:{port}"));
    let out = run(cmd).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("127.0.0.1:{port}/api/models")),
        "{stderr}"
    );
    assert!(stderr.contains("run again to resume"), "{stderr}");
}
