//! The crawler against a loopback Hub serving the real data of `../shared/data`:
//! `hub/models.jsonl`, `hub/readmes.jsonl`, `hub/api-recordings.jsonl` and
//! `forum/hub-discussions.jsonl`.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use hubscope_hub::{CrawlOptions, CrawlReport, Crawler, HubClient, HubConfig, HubError, Token};
use hubscope_store::{DeclaredBy, Frame, Store};
use hubscope_testhub::{Fault, HubData, TestHub};

fn data() -> Arc<HubData> {
    static DATA: std::sync::OnceLock<Arc<HubData>> = std::sync::OnceLock::new();
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

fn client(hub: &TestHub, token: Option<&str>) -> HubClient {
    let mut config = HubConfig::new(&hub.url()).unwrap();
    config.token = token.map(Token::new);
    config.max_backoff = Duration::from_millis(50);
    HubClient::new(config, None).unwrap()
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

/// Every model row, without the columns that record when it was written.
fn model_rows(store: &Store) -> Vec<String> {
    let mut stmt = store
        .connection()
        .prepare(
            "SELECT json_array(id, author, sha, created_at, last_modified, downloads, likes, \
             library, pipeline_tag, model_type, gated, private, tags, siblings, card_data, \
             config, safetensors_params, has_card) FROM models ORDER BY id",
        )
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_crawl_stores_every_model_and_readme_with_no_extra_requests() {
    let hub = TestHub::start(data()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("h.db")).unwrap();
    let options = CrawlOptions {
        page_size: 100,
        readmes: true,
        concurrency: 16,
        ..CrawlOptions::default()
    };
    let report = crawl(client(&hub, Some("hf_test")), &mut store, options)
        .await
        .unwrap();
    assert!(report.finished);
    assert_eq!(
        (report.pages, report.models, report.readmes),
        (19, 1820, 1820)
    );
    assert_eq!(report.counts.stored, 1820);
    assert_eq!(count(&store, "SELECT count(*) FROM models"), 1820);
    assert_eq!(count(&store, "SELECT count(*) FROM cards"), 1820);
    assert_eq!(
        count(&store, "SELECT count(*) FROM models WHERE has_card = 1"),
        1820
    );
    // The cards are those of readmes.jsonl, read at the model's commit.
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM cards c JOIN models m ON m.id = c.model_id WHERE c.revision = m.sha"
        ),
        1820
    );
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM cards WHERE generator = 'transformers_trainer' AND unedited_auto_generated = 1"
        ),
        676
    );
    let requests = hub.requests();
    let listing = requests.iter().filter(|r| r.path == "/api/models").count();
    let readmes = requests
        .iter()
        .filter(|r| r.path.ends_with("/README.md"))
        .count();
    assert_eq!(listing, 1820usize.div_ceil(100), "one request per page");
    assert_eq!(readmes, 1820);
    assert_eq!(requests.len(), listing + readmes, "nothing else");
    assert!(
        requests
            .iter()
            .all(|r| r.authorization.as_deref() == Some("Bearer hf_test"))
    );
    // Every documented field was asked for.
    assert!(
        requests[0].query.contains("expand%5B%5D=cardData")
            || requests[0].query.contains("expand[]=cardData")
    );
    let stats = report.client;
    assert_eq!(
        (stats.api_requests, stats.resolver_requests, stats.retries),
        (19, 1820, 0)
    );

    // A second crawl of an unchanged Hub changes nothing and fetches no README again.
    let report = crawl(
        client(&hub, None),
        &mut store,
        CrawlOptions {
            page_size: 100,
            readmes: true,
            ..CrawlOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (
            report.counts.stored,
            report.counts.updated,
            report.counts.unchanged
        ),
        (0, 0, 1820)
    );
    assert_eq!(report.readmes, 0);
    assert_eq!(count(&store, "SELECT count(*) FROM cards"), 1820);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawl_stopped_or_aborted_at_any_page_resumes_to_the_same_database() {
    let hub = TestHub::start(data()).await.unwrap();
    let options = CrawlOptions {
        page_size: 70,
        ..CrawlOptions::default()
    };
    // The reference: one uninterrupted crawl.
    let dir = tempfile::tempdir().unwrap();
    let mut reference = Store::open(dir.path().join("ref.db")).unwrap();
    crawl(client(&hub, None), &mut reference, options.clone())
        .await
        .unwrap();
    let expected = model_rows(&reference);
    assert_eq!(expected.len(), 1820);

    for stop_after in [1u64, 7, 25] {
        // Stopped cleanly after a page (Ctrl-C), then resumed.
        let path = dir.path().join(format!("stop{stop_after}.db"));
        let mut store = Store::open(&path).unwrap();
        let stop = AtomicBool::new(false);
        let first = Crawler::new(client(&hub, None), options.clone())
            .run(&mut store, &stop, &|r| {
                if r.pages == stop_after {
                    stop.store(true, Ordering::Relaxed);
                }
            })
            .await
            .unwrap();
        assert!(!first.finished);
        assert_eq!(first.pages, stop_after);
        let second = crawl(client(&hub, None), &mut store, options.clone())
            .await
            .unwrap();
        assert!(second.resumed_from.is_some());
        assert_eq!(first.models + second.models, 1820, "no gap, no page twice");
        assert_eq!(model_rows(&store), expected);
    }

    // Aborted in the middle of a page (a crash): the page being written is lost, the rest kept.
    let path = dir.path().join("abort.db");
    let pages_seen = Arc::new(AtomicU64::new(0));
    hub.inject(
        "/api/models",
        Fault::Slow {
            pause: Duration::from_millis(5),
        },
        1000,
    );
    let task = {
        let (client, path, pages_seen) =
            (client(&hub, None), path.clone(), Arc::clone(&pages_seen));
        let options = options.clone();
        tokio::spawn(async move {
            let mut store = Store::open(&path).unwrap();
            let _ = Crawler::new(client, options)
                .run(&mut store, &AtomicBool::new(false), &|r| {
                    pages_seen.store(r.pages, Ordering::Relaxed)
                })
                .await;
        })
    };
    while pages_seen.load(Ordering::Relaxed) < 4 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    task.abort();
    let _ = task.await;
    let mut store = Store::open(&path).unwrap();
    let done = count(&store, "SELECT count(*) FROM models");
    assert!(done > 0 && done < 1820, "{done}");
    assert_eq!(done % 70, 0, "whole pages only");
    let resumed = crawl(client(&hub, None), &mut store, options.clone())
        .await
        .unwrap();
    assert!(resumed.resumed_from.is_some());
    assert_eq!(model_rows(&store), expected);
    let check: String = store
        .connection()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_paces_itself_by_the_rate_limit_headers_and_waits_out_429s() {
    let hub = TestHub::start(data()).await.unwrap();
    hub.rate_limit("api", 12, Duration::from_secs(1));
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("h.db")).unwrap();
    let options = CrawlOptions {
        page_size: 60,
        ..CrawlOptions::default()
    };
    let report = crawl(client(&hub, None), &mut store, options)
        .await
        .unwrap();
    assert_eq!(report.models, 1820);
    let requests = hub.requests();
    // The quota was never exceeded, and the client did not need a 429 to slow down.
    assert!(hub.peak("api") <= 12);
    assert_eq!(requests.iter().filter(|r| r.status == 429).count(), 0);
    assert!(report.client.waited_ms > 0, "it paced itself");

    // An injected 429 saying "come back in 2 s": the next request waits at least that long.
    let hub = TestHub::start(data()).await.unwrap();
    hub.inject("/api/models", Fault::TooMany { seconds: 2 }, 1);
    let mut store = Store::open(dir.path().join("h2.db")).unwrap();
    let report = crawl(
        client(&hub, None),
        &mut store,
        CrawlOptions {
            page_size: 1000,
            ..CrawlOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(report.models, 1820);
    assert_eq!(report.client.rate_limited, 1);
    let requests = hub.requests();
    assert_eq!(requests[0].status, 429);
    let gap = requests[1].at.duration_since(requests[0].at);
    assert!(gap >= Duration::from_secs(2), "waited only {gap:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_retried_and_the_crawl_completes() {
    let hub = TestHub::start(data()).await.unwrap();
    hub.inject("/api/models", Fault::Status(503), 2);
    hub.inject("/api/models", Fault::Status(500), 1);
    hub.inject("/api/models", Fault::Reset, 1);
    hub.inject("/api/models", Fault::TruncatedJson, 1);
    hub.inject(
        "/api/models",
        Fault::Slow {
            pause: Duration::from_millis(20),
        },
        2,
    );
    hub.inject("/bigscience/bloom/resolve", Fault::Status(502), 1);
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("h.db")).unwrap();
    let options = CrawlOptions {
        page_size: 500,
        readmes: true,
        ..CrawlOptions::default()
    };
    let report = crawl(client(&hub, None), &mut store, options)
        .await
        .unwrap();
    assert_eq!((report.models, report.readmes), (1820, 1820));
    assert_eq!(count(&store, "SELECT count(*) FROM models"), 1820);
    // 503, 503, 500, the reset and the 502 are retried by the client; the truncated page is
    // fetched again by the crawler. The first page took six requests (503, 503, 500, reset,
    // truncated, slow but whole), the three others one each.
    assert_eq!(report.client.retries, 5);
    assert_eq!(report.client.api_requests, 6 + 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_never_reaches_another_host() {
    let hub = TestHub::start(data()).await.unwrap();
    let other = TestHub::start(data()).await.unwrap();
    // A README that redirects to another host (as to a CDN): followed, without the token.
    hub.inject(
        "/bigscience/bloom/resolve",
        Fault::Redirect(format!(
            "{}/bigscience/bloom/resolve/main/README.md",
            other.url()
        )),
        1,
    );
    // A listing page whose next link points to the other host: not followed at all.
    hub.inject("/api/models", Fault::ForeignLink(other.url()), 1);
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("h.db")).unwrap();
    let options = CrawlOptions {
        page_size: 100,
        readmes: true,
        ..CrawlOptions::default()
    };
    let err = crawl(client(&hub, Some("hf_secret")), &mut store, options)
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("the next-page link points to"),
        "{message}"
    );
    assert!(!message.contains("hf_secret"));
    let elsewhere = other.requests();
    assert_eq!(
        elsewhere.len(),
        1,
        "only the README redirect reached the other host"
    );
    assert!(elsewhere[0].path.ends_with("/README.md"));
    assert!(elsewhere.iter().all(|r| r.authorization.is_none()));
    assert!(
        hub.requests()
            .iter()
            .all(|r| r.authorization.as_deref() == Some("Bearer hf_secret"))
    );
    // The first page (with its READMEs) was stored; the run is marked failed with the reason.
    assert_eq!(count(&store, "SELECT count(*) FROM models"), 100);
    assert_eq!(count(&store, "SELECT count(*) FROM cards"), 100);
    let status: String = store
        .connection()
        .query_row("SELECT status FROM ingest_runs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(status, "failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renamed_repositories_are_followed_and_recorded() {
    let hub = TestHub::start(data()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("h.db")).unwrap();
    let options = CrawlOptions {
        ids: vec![
            "bert-base-uncased".into(),
            "t5-small".into(),
            "no/such-model".into(),
            "../etc/passwd".into(),
        ],
        ..CrawlOptions::default()
    };
    let report = crawl(client(&hub, Some("hf_t")), &mut store, options)
        .await
        .unwrap();
    assert_eq!((report.models, report.aliases, report.issues), (2, 2, 2));
    let aliases: Vec<(String, String)> = store
        .connection()
        .prepare("SELECT alias, model_id FROM model_aliases ORDER BY alias")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        aliases,
        [
            (
                "bert-base-uncased".to_string(),
                "google-bert/bert-base-uncased".to_string()
            ),
            ("t5-small".to_string(), "google-t5/t5-small".to_string()),
        ]
    );
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM models WHERE id = 'google-bert/bert-base-uncased' AND model_type = 'bert'"
        ),
        1
    );
    // The unsafe id never became a request.
    assert!(hub.requests().iter().all(|r| !r.path.contains("..")));
    // Models crawled by id are a sample.
    let sources = store.sources().unwrap();
    assert_eq!(sources.len(), 1);
    assert!(sources[0].key.ends_with("/api/models --id"), "{sources:?}");
    assert_eq!(
        (sources[0].declared.frame, sources[0].declared.declared_by),
        (Frame::Sample, DeclaredBy::Crawl)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_commits_and_discussions() {
    let hub = TestHub::start(data()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("h.db")).unwrap();
    let options = CrawlOptions {
        ids: vec![
            "bigscience/bloom".into(),
            "microsoft/phi-2".into(),
            "prompthero/openjourney".into(),
        ],
        first_commits: true,
        discussions: true,
        ..CrawlOptions::default()
    };
    let report = crawl(client(&hub, None), &mut store, options)
        .await
        .unwrap();
    // 181 + 83 + 51 threads in forum/hub-discussions.jsonl for these three models.
    assert_eq!(report.discussions, 315);
    assert_eq!(count(&store, "SELECT count(*) FROM discussions"), 315);
    let expected_comments: usize = [
        "bigscience/bloom",
        "microsoft/phi-2",
        "prompthero/openjourney",
    ]
    .iter()
    .flat_map(|id| data().discussions.get(*id).cloned().unwrap_or_default())
    .map(|t| t["comments"].as_array().map_or(0, Vec::len))
    .sum();
    assert_eq!(
        count(&store, "SELECT count(*) FROM discussion_comments") as usize,
        expected_comments
    );
    assert_eq!(report.first_commits, 3);
    // The test Hub dates each model's oldest commit at its createdAt.
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM models WHERE first_commit_at = created_at"
        ),
        3
    );
}

#[test]
fn every_recorded_model_response_keeps_its_documented_fields() {
    let text = hubscope_corpus::read_to_string("hub/api-recordings.jsonl");
    let mut checked = 0;
    for line in text.lines() {
        let rec: serde_json::Value = serde_json::from_str(line).unwrap();
        let uri = rec["uri"].as_str().unwrap();
        if rec["status"] != 200 || !uri.contains("/api/models/") {
            continue;
        }
        let body = rec["body"].as_str().unwrap();
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        let mut issues = Vec::new();
        let r = hubscope_store::ModelRecord::from_api_json(body.as_bytes(), &mut issues).unwrap();
        assert!(issues.is_empty(), "{uri}: {issues:?}");
        let s = |k: &str| json.get(k).and_then(|v| v.as_str()).map(str::to_string);
        assert_eq!(Some(r.id.clone()), s("id"), "{uri}");
        assert_eq!(r.author, s("author"));
        assert_eq!(r.sha, s("sha"));
        assert_eq!(r.created_at, s("createdAt"));
        assert_eq!(r.last_modified, s("lastModified"));
        assert_eq!(r.downloads, json["downloads"].as_i64());
        assert_eq!(r.likes, json["likes"].as_i64());
        assert_eq!(r.library, s("library_name"));
        assert_eq!(r.pipeline_tag, s("pipeline_tag"));
        assert_eq!(r.private, json["private"].as_bool());
        assert_eq!(r.used_storage, json["usedStorage"].as_i64());
        assert_eq!(
            r.tags.as_ref().map(Vec::len),
            json["tags"].as_array().map(Vec::len)
        );
        assert_eq!(
            r.siblings.as_ref().map(Vec::len),
            json["siblings"].as_array().map(Vec::len)
        );
        assert_eq!(
            r.spaces.as_ref().map(Vec::len),
            json["spaces"].as_array().map(Vec::len)
        );
        assert_eq!(r.inference, s("inference"));
        assert!(r.gated.is_some(), "{uri}");
        for (key, field) in [
            ("cardData", &r.card_data),
            ("config", &r.config),
            ("transformersInfo", &r.transformers_info),
        ] {
            let stored: Option<serde_json::Value> =
                field.as_deref().map(|t| serde_json::from_str(t).unwrap());
            assert_eq!(stored.as_ref(), json.get(key), "{uri}: {key}");
        }
        let index = json.get("model-index").filter(|v| !v.is_null());
        let stored: Option<serde_json::Value> = r
            .model_index
            .as_deref()
            .map(|t| serde_json::from_str(t).unwrap());
        assert_eq!(stored.as_ref(), index, "{uri}: model-index");
        assert_eq!(r.safetensors_params, json["safetensors"]["total"].as_i64());
        if let Some(model_type) = json["config"]["model_type"].as_str() {
            assert_eq!(r.model_type.as_deref(), Some(model_type));
        }
        checked += 1;
    }
    assert_eq!(checked, 44);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limit_stops_after_whole_pages_and_since_fetches_only_newer_models() {
    let hub = TestHub::start(data()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("limit.db")).unwrap();
    let paged = |limit, since: Option<&str>| CrawlOptions {
        page_size: 100,
        limit,
        since: since.map(str::to_string),
        ..CrawlOptions::default()
    };
    // --limit 250: three whole pages, and not one request more (the next page is not prefetched).
    let report = crawl(client(&hub, None), &mut store, paged(Some(250), None))
        .await
        .unwrap();
    assert_eq!((report.pages, report.models), (3, 300));
    assert!(!report.finished);
    assert!(report.stopped.unwrap().contains("--limit 250"));
    assert_eq!(hub.requests().len(), 3);
    // Stopped by --limit, the listing crawl is a sample until it is read to its end.
    let frame_of = |store: &Store, key_end: &str| {
        let sources = store.sources().unwrap();
        let s = sources
            .iter()
            .find(|s| s.key.ends_with(key_end))
            .unwrap_or_else(|| panic!("{key_end}: {sources:?}"));
        let d = &s.declared;
        (d.frame, d.window.map(|w| w.to_string()), d.declared_by)
    };
    assert_eq!(
        frame_of(&store, "/api/models"),
        (Frame::Sample, None, DeclaredBy::Crawl)
    );
    // Without it, the crawl goes on from page 4: 16 more requests, 1,820 models in all.
    let report = crawl(client(&hub, None), &mut store, paged(None, None))
        .await
        .unwrap();
    assert!(report.finished && report.resumed_from.is_some());
    assert_eq!((report.pages, report.models), (16, 1520));
    assert_eq!(hub.requests().len(), 19);
    assert_eq!(count(&store, "SELECT count(*) FROM models"), 1820);
    // Read to its end: a census of every model up to now, whose models are all its own.
    assert_eq!(
        frame_of(&store, "/api/models"),
        (Frame::Census, None, DeclaredBy::Crawl)
    );
    assert_eq!(count(&store, "SELECT count(*) FROM model_sources"), 1820);

    // --since: newest first, only the models created at or after the date (246 of them in
    // models.jsonl), ending with the page that crosses the date.
    let mut fresh = Store::open(dir.path().join("since.db")).unwrap();
    let report = crawl(
        client(&hub, None),
        &mut fresh,
        paged(None, Some("2025-03-01T00:00:00.000Z")),
    )
    .await
    .unwrap();
    assert!(report.finished);
    assert_eq!((report.pages, report.models), (3, 246));
    assert_eq!(count(&fresh, "SELECT count(*) FROM models"), 246);
    assert_eq!(
        count(
            &fresh,
            "SELECT count(*) FROM models WHERE created_at < '2025-03-01T00:00:00.000Z'"
        ),
        0
    );
    let listing: Vec<_> = hub.requests().into_iter().skip(19).collect();
    assert_eq!(listing.len(), 3);
    assert!(listing.iter().all(|r| r.query.contains("direction=-1")));
    // Read to its date, a --since slice is a census from the first whole month after it.
    let (frame, window, _) = frame_of(&fresh, "--since 2025-03-01T00:00:00.000Z");
    assert_eq!(frame, Frame::Census);
    assert!(window.unwrap().starts_with("2025-03.."));
    // Stopped by --limit before its date, it is a sample.
    let mut partial = Store::open(dir.path().join("partial.db")).unwrap();
    let report = crawl(
        client(&hub, None),
        &mut partial,
        paged(Some(100), Some("2025-01-15")),
    )
    .await
    .unwrap();
    assert!(!report.finished);
    assert_eq!(
        frame_of(&partial, "--since 2025-01-15T00:00:00.000Z").0,
        Frame::Sample
    );
    // A --since crawl into the full database changes nothing and leaves the full crawl's
    // checkpoint alone.
    let before = store.crawl_state("models").unwrap().unwrap();
    let report = crawl(
        client(&hub, None),
        &mut store,
        paged(None, Some("2025-03-01")),
    )
    .await
    .unwrap();
    assert_eq!((report.counts.unchanged, report.counts.stored), (246, 0));
    let after = store.crawl_state("models").unwrap().unwrap();
    assert_eq!(
        (after.pages, after.models, after.next_url, after.finished_at),
        (
            before.pages,
            before.models,
            before.next_url,
            before.finished_at
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_dates_of_first_commits_and_discussions_are_issues() {
    // The test Hub dates a model's oldest commit at its createdAt: 9999 here, refused twice
    // (the listing's createdAt and the first commit), as are the thread's and a comment's dates.
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models.jsonl");
    std::fs::write(
        &models,
        "{\"id\":\"far/future\",\"createdAt\":\"9999-12-31T23:59:59.000Z\"}\n",
    )
    .unwrap();
    let discussions = dir.path().join("discussions.jsonl");
    std::fs::write(
        &discussions,
        "{\"repo_id\":\"far/future\",\"num\":1,\"title\":\"t\",\"status\":\"open\",\
         \"author\":\"u\",\"created_at\":\"9999-01-01 00:00:00+00:00\",\"is_pull_request\":false,\
         \"comments\":[{\"author\":\"u\",\"created_at\":\"3000-01-01 00:00:00+00:00\",\"text\":\"x\"}]}\n",
    )
    .unwrap();
    let data = HubData::load(Some(&models), None, Some(&discussions), None).unwrap();
    let hub = TestHub::start(Arc::new(data)).await.unwrap();
    let mut store = Store::open(dir.path().join("h.db")).unwrap();
    let options = CrawlOptions {
        ids: vec!["far/future".into()],
        first_commits: true,
        discussions: true,
        ..CrawlOptions::default()
    };
    let report = crawl(client(&hub, None), &mut store, options)
        .await
        .unwrap();
    assert_eq!(report.first_commits, 0);
    assert_eq!(report.discussions, 1);
    let dated = count(
        &store,
        "SELECT count(*) FROM models WHERE created_at IS NOT NULL OR first_commit_at IS NOT NULL",
    );
    assert_eq!(dated, 0);
    let reasons: Vec<String> = {
        let mut stmt = store
            .connection()
            .prepare("SELECT record || ' ' || reason FROM ingest_issues ORDER BY rowid")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let has = |what: &str| reasons.iter().any(|r| r.contains(what));
    assert!(has("far/future first commit:"), "{reasons:?}");
    assert!(has("far/future#1 createdAt: "), "{reasons:?}");
    assert!(has("far/future#1 comment 1: createdAt: "), "{reasons:?}");
}
