//! The forum miner against a hostile server on loopback (issue 16): a gzip bomb for
//! `categories.json`, a topic that never ends, and a topic list that links to itself.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::sync::atomic::AtomicBool;

use hubscope_forum::{ForumMiner, ForumOptions, ForumReport};
use hubscope_hub::{HubError, MAX_API_BODY};
use hubscope_store::Store;
use hubscope_testhub::raw::{RawServer, Reply};

async fn mine(server: &RawServer, store: &mut Store) -> Result<ForumReport, HubError> {
    let options = ForumOptions {
        rate: 10_000.0,
        ..ForumOptions::default()
    };
    ForumMiner::new(&server.url(), options, None)
        .unwrap()
        .run(store, &AtomicBool::new(false), &|_| {})
        .await
}

const CATEGORIES: &str =
    r#"{"category_list":{"categories":[{"id":5,"name":"Models","slug":"models"}]}}"#;

fn topic_list(more: Option<&str>) -> String {
    let more = more.map_or("null".to_string(), |m| format!("\"{m}\""));
    format!(
        r#"{{"topic_list":{{"more_topics_url":{more},"topics":[{{"id":11,"title":"t","category_id":5,"created_at":"2023-01-01T00:00:00.000Z","bumped_at":"2023-01-01T00:00:00.000Z","posts_count":1}}]}}}}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gzip_bomb_for_the_categories_stops_the_run_cleanly() {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&vec![b' '; MAX_API_BODY + (1 << 20)]).unwrap();
    let bomb = e.finish().unwrap();
    let server = RawServer::start(move |_| Reply::Full {
        status: 200,
        headers: vec![("Content-Encoding".into(), "gzip".into())],
        body: bomb.clone(),
    });
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("f.db")).unwrap();
    let err = mine(&server, &mut store).await.unwrap_err();
    assert!(
        matches!(err, HubError::TooLarge { decoded: true, .. }),
        "{err}"
    );
    assert_eq!(server.requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_topic_is_its_issue_and_a_looping_list_stops() {
    let server = RawServer::start(|path| {
        if path.starts_with("/categories.json") {
            Reply::json(CATEGORIES)
        } else if path.starts_with("/t/11") {
            Reply::Endless {
                headers: vec![],
                chunk: vec![b' '; 1 << 16],
            }
        } else {
            // Every page of the list says the next page is the latest one again.
            Reply::json(&topic_list(Some("/latest?page=1")))
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("f.db")).unwrap();
    let err = mine(&server, &mut store).await.unwrap_err();
    assert!(
        err.to_string().contains("repeats or does not advance"),
        "{err}"
    );
    let conn = store.connection();
    let over: i64 = conn
        .query_row(
            "SELECT count(*) FROM ingest_issues WHERE record = 'topic 11' \
             AND reason LIKE '%over its bound%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(over >= 1, "the endless topic is recorded as an issue");
}
