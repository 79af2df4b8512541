//! The crawler against a hostile server on loopback (issue 16): every body is bounded on the
//! wire and once decompressed, a listing that loops stops, a malformed link is refused, and a
//! README over the card limit is that model's issue while the crawl goes on.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use hubscope_hub::{Bucket, CrawlOptions, CrawlReport, Crawler, HubClient, HubConfig, HubError};
use hubscope_store::Store;
use hubscope_testhub::raw::{RawServer, Reply};

fn client(server: &RawServer) -> HubClient {
    let mut config = HubConfig::new(&server.url()).unwrap();
    config.max_backoff = Duration::from_millis(20);
    config.max_retries = 2;
    config.timeout = Duration::from_secs(30);
    HubClient::new(config, None).unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

async fn crawl(
    client: HubClient,
    store: &mut Store,
    options: CrawlOptions,
) -> Result<CrawlReport, HubError> {
    Crawler::new(client, options)
        .run(store, &AtomicBool::new(false), &|_| {})
        .await
}

fn count(store: &Store, sql: &str) -> i64 {
    store.connection().query_row(sql, [], |r| r.get(0)).unwrap()
}

const PAGE: &str = r#"[{"id":"a/one","sha":"1111111111111111111111111111111111111111","createdAt":"2023-01-01T00:00:00.000Z"},{"id":"a/two","createdAt":"2023-01-02T00:00:00.000Z"},{"id":"a/three","createdAt":"2023-01-03T00:00:00.000Z"}]"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_body_and_a_gzip_bomb_stop_at_the_bound() {
    // 64 MiB of zeros, about 64 KB on the wire.
    let bomb = gzip(&vec![0u8; 64 << 20]);
    assert!(bomb.len() < 1 << 20);
    let small = gzip(b"[]");
    let server = RawServer::start(move |path| match path {
        "/endless" => Reply::Endless {
            headers: vec![],
            chunk: vec![b' '; 1 << 16],
        },
        "/bomb" => Reply::Full {
            status: 200,
            headers: vec![("Content-Encoding".into(), "gzip".into())],
            body: bomb.clone(),
        },
        "/small" => Reply::Full {
            status: 200,
            headers: vec![("Content-Encoding".into(), "gzip".into())],
            body: small.clone(),
        },
        "/declared" => Reply::Full {
            status: 200,
            headers: vec![],
            body: vec![b' '; 3 << 20],
        },
        "/brotli" => Reply::json("[]").with_header("Content-Encoding", "br"),
        _ => Reply::json("[]"),
    });
    let client = client(&server);
    let limit = 1 << 20;
    let get = |path: &str| {
        let url = client.url(path).unwrap();
        let client = client.clone();
        async move { client.get(Bucket::Api, url, limit).await }
    };
    match get("/endless").await {
        Err(HubError::TooLarge {
            decoded: false,
            limit: l,
            ..
        }) => assert_eq!(l, limit),
        other => panic!("endless: {other:?}"),
    }
    match get("/bomb").await {
        Err(HubError::TooLarge { decoded: true, .. }) => {}
        other => panic!("bomb: {other:?}"),
    }
    match get("/declared").await {
        Err(e @ HubError::TooLarge { decoded: false, .. }) => {
            assert!(e.to_string().contains("over its bound"), "{e}");
        }
        other => panic!("declared: {other:?}"),
    }
    match get("/brotli").await {
        Err(HubError::Protocol { message, .. }) => assert!(message.contains("br"), "{message}"),
        other => panic!("brotli: {other:?}"),
    }
    // A gzip body within the bound is decoded.
    let ok = get("/small").await.unwrap();
    assert_eq!(&ok.body[..], b"[]");
    // Bounds are not retried: one request each.
    assert_eq!(server.requests(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_listing_stops_the_crawl_cleanly() {
    let server = RawServer::start(|_| Reply::Endless {
        headers: vec![("Content-Type".into(), "application/json".into())],
        chunk: b"[{\"id\":\"x/y\"},".repeat(4096),
    });
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("h.db")).unwrap();
    let err = crawl(client(&server), &mut store, CrawlOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, HubError::TooLarge { .. }), "{err}");
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM ingest_runs WHERE status = 'failed'"
        ),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_readmes_are_issues_of_their_models_and_the_crawl_goes_on() {
    let server = RawServer::start(|path| {
        if path.starts_with("/api/models") {
            Reply::json(PAGE)
        } else {
            // Every README never ends.
            Reply::Endless {
                headers: vec![],
                chunk: b"# Heading\n".repeat(6000),
            }
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("h.db")).unwrap();
    let report = crawl(
        client(&server),
        &mut store,
        CrawlOptions {
            readmes: true,
            concurrency: 3,
            ..CrawlOptions::default()
        },
    )
    .await
    .unwrap();
    assert!(report.finished);
    assert_eq!(report.models, 3);
    assert_eq!(report.readmes, 0);
    let over = count(
        &store,
        "SELECT count(*) FROM ingest_issues WHERE reason LIKE 'README:%over its bound%'",
    );
    assert_eq!(over, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_next_link_to_the_same_page_stops_the_crawl() {
    let server = RawServer::start(|path| {
        Reply::json(PAGE).with_header("Link", &format!("<{path}>; rel=\"next\""))
    });
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("h.db")).unwrap();
    let err = crawl(client(&server), &mut store, CrawlOptions::default())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("repeats or does not advance"),
        "{err}"
    );
    // The page was read once, and its models are kept.
    assert_eq!(server.requests(), 1);
    assert_eq!(count(&store, "SELECT count(*) FROM models"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_that_cycles_stops_the_crawl() {
    // Page a links to b, b back to a.
    let server = RawServer::start(|path| {
        let next = if path.contains("cursor=b") { "a" } else { "b" };
        Reply::json(PAGE).with_header(
            "Link",
            &format!("</api/models?cursor={next}>; rel=\"next\""),
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("h.db")).unwrap();
    let err = crawl(client(&server), &mut store, CrawlOptions::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("repeats"), "{err}");
    assert!(server.requests() <= 3, "{}", server.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_link_is_refused() {
    let server = RawServer::start(|_| Reply::json(PAGE).with_header("Link", "<<<>>>; rel=next"));
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("h.db")).unwrap();
    let err = crawl(client(&server), &mut store, CrawlOptions::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("is not a URL; refused"), "{err}");
    assert_eq!(server.requests(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_year_long_retry_after_is_cut_to_the_cap() {
    // The first answer asks for a wait of u64::MAX seconds; the client must neither overflow
    // nor sleep for it: the test asserts only that the request is still pending after a moment
    // (it waits) and that the state shows a capped wait.
    let server = RawServer::start(|_| Reply::Full {
        status: 429,
        headers: vec![("Retry-After".into(), "18446744073709551615".into())],
        body: Vec::new(),
    });
    let client = client(&server);
    let url = client.url("/api/models").unwrap();
    let pending = tokio::spawn({
        let client = client.clone();
        async move { client.get(Bucket::Api, url, 1 << 20).await }
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let state = client.bucket_state(Bucket::Api);
    let blocked = state.blocked.unwrap();
    assert!(blocked <= hubscope_hub::MAX_SERVER_WAIT + Duration::from_secs(100));
    assert!(blocked > Duration::from_secs(60));
    pending.abort();
}
