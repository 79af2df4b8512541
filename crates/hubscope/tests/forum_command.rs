//! `hubscope crawl forum` against a loopback Discourse and `hubscope ingest forum` on the real
//! saved responses of `../shared/data/forum/discourse-real-responses`.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

use hubscope_store::Store;
use hubscope_testhub::TestHub;
use hubscope_testhub::forum::ForumData;

async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn hubscope(db: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hubscope"));
    cmd.arg("--db").arg(db);
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_forum_stores_topics_and_says_what_it_skipped() {
    let data = ForumData::generate(100, 11)
        .with_real_responses(&hubscope_corpus::path("forum/discourse-real-responses"))
        .unwrap();
    let posts = data.visible_posts() as i64;
    let server = TestHub::start_forum(data).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("forum.db");
    let mut cmd = hubscope(&db);
    cmd.args(["crawl", "forum", "--base", &server.url(), "--rate", "1000"]);
    let out = run(cmd).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("5 categories, 4 pages, 102 topics listed"),
        "{stderr}"
    );
    assert!(stderr.contains(&format!("{posts} posts")), "{stderr}");
    assert!(stderr.contains("finished"), "{stderr}");
    // Topic 41 of a generated forum answers an HTML page: skipped, with the reason.
    assert!(stderr.contains("skipped or trimmed"), "{stderr}");
    let store = Store::open_existing(&db).unwrap();
    let n: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM forum_posts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, posts);

    let mut cmd = hubscope(&db);
    cmd.args([
        "crawl",
        "forum",
        "--base",
        &server.url(),
        "--categories",
        "nope",
    ]);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no category \"nope\""));
}

#[test]
fn ingest_forum_reads_a_folder_of_saved_responses() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("saved.db");
    let out = hubscope(&db)
        .args(["ingest", "forum"])
        .arg(hubscope_corpus::path("forum/discourse-real-responses"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.starts_with("hubscope ingest forum: read "),
        "{stderr}"
    );
    let store = Store::open_existing(&db).unwrap();
    let count = |sql: &str| -> i64 { store.connection().query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        count("SELECT count(*) FROM forum_posts WHERE topic_id = 2108"),
        40
    );
    // The distinct post ids of the five files (counted with Python's json module): 99 posts of
    // 11 topics.
    assert_eq!(count("SELECT count(*) FROM forum_posts"), 99);
    assert_eq!(count("SELECT count(*) FROM forum_topics"), 11);
    assert_eq!(
        count("SELECT posts_count FROM forum_topics WHERE id = 2108"),
        446
    );
    // Again: nothing changes.
    let out = hubscope(&db)
        .args(["ingest", "forum"])
        .arg(hubscope_corpus::path("forum/discourse-real-responses"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("stored 0, updated 0"), "{stderr}");
}
