//! The forum miner against a loopback Discourse: generated topics plus the real responses of
//! `../shared/data/forum/discourse-real-responses`.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use hubscope_forum::{ForumMiner, ForumOptions, ForumReport};
use hubscope_hub::HubError;
use hubscope_store::Store;
use hubscope_testhub::TestHub;
use hubscope_testhub::forum::{ForumData, TopicStatus};

const TOPICS: usize = 300;

fn forum() -> ForumData {
    ForumData::generate(TOPICS, 7)
        .with_real_responses(&hubscope_corpus::path("forum/discourse-real-responses"))
        .unwrap()
}

fn fast() -> ForumOptions {
    ForumOptions {
        rate: 10_000.0,
        concurrency: 8,
        ..ForumOptions::default()
    }
}

async fn mine(
    server: &TestHub,
    store: &mut Store,
    options: ForumOptions,
) -> Result<ForumReport, HubError> {
    ForumMiner::new(&server.url(), options, None)
        .unwrap()
        .run(store, &AtomicBool::new(false), &|_| {})
        .await
}

fn count(store: &Store, sql: &str) -> i64 {
    store.connection().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn rows(store: &Store) -> Vec<String> {
    let mut stmt = store
        .connection()
        .prepare(
            "SELECT json_array(t.id, t.category_id, t.title, t.tags, t.created_at, t.bumped_at, \
             t.posts_count, t.accepted_answer_post_id, p.id, p.post_number, p.author, p.raw, \
             p.text_source, p.is_accepted_answer, p.author_is_staff, p.author_group) \
             FROM forum_topics t LEFT JOIN forum_posts p ON p.topic_id = t.id ORDER BY t.id, p.id",
        )
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_crawl_stores_every_readable_topic_and_post() {
    let data = forum();
    let expected_posts = data.visible_posts() as i64;
    let unreadable = data
        .topics
        .iter()
        .filter(|t| t.status != TopicStatus::Normal)
        .count() as i64;
    let server = TestHub::start_forum(data).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("f.db")).unwrap();
    let report = mine(&server, &mut store, fast()).await.unwrap();

    assert!(report.finished);
    let listed = (TOPICS + 2) as i64;
    assert_eq!(report.topics_listed as i64, listed);
    assert_eq!(report.pages as i64, (listed + 29) / 30);
    assert_eq!(
        count(&store, "SELECT count(*) FROM forum_topics"),
        listed - unreadable
    );
    assert_eq!(
        count(&store, "SELECT count(*) FROM forum_posts"),
        expected_posts
    );
    assert_eq!(report.posts as i64, expected_posts);
    // Categories with the subcategory under its parent, and the private one flagged.
    assert_eq!(count(&store, "SELECT count(*) FROM forum_categories"), 5);
    assert_eq!(
        count(
            &store,
            "SELECT parent_id FROM forum_categories WHERE slug = 'course'"
        ),
        5
    );
    assert_eq!(
        count(
            &store,
            "SELECT read_restricted FROM forum_categories WHERE id = 8"
        ),
        1
    );
    // The unreadable topics are issues with their reason, not failures.
    let reasons: Vec<String> = {
        let mut stmt = store
            .connection()
            .prepare("SELECT reason FROM ingest_issues WHERE severity = 'skipped' ORDER BY reason")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(reasons.len() as i64, unreadable, "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("HTTP 403")));
    assert!(reasons.iter().any(|r| r.contains("HTTP 404")));
    assert!(reasons.iter().any(|r| r.contains("HTML page")));
    // The 1 MB post is kept, cut, and reported.
    assert_eq!(
        count(&store, "SELECT max(length(raw)) FROM forum_posts"),
        256 * 1024
    );
    assert!(
        count(
            &store,
            "SELECT count(*) FROM ingest_issues WHERE reason LIKE 'text cut%'"
        ) == 1
    );
    // Real topic 2108: 446 posts in its stream, 40 served; the others are gaps.
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM forum_posts WHERE topic_id = 2108"
        ),
        40
    );
    assert_eq!(
        count(
            &store,
            "SELECT posts_count FROM forum_topics WHERE id = 2108"
        ),
        446
    );
    assert!(report.gaps >= 406);
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM forum_posts WHERE topic_id = 2108 AND text_source = 'cooked' AND raw LIKE '%towards her%'"
        ),
        1
    );
    // Markdown where the forum gives it, HTML text otherwise; accepted answers and staff.
    assert!(
        count(
            &store,
            "SELECT count(*) FROM forum_posts WHERE text_source = 'raw'"
        ) > 500
    );
    assert!(
        count(
            &store,
            "SELECT count(*) FROM forum_posts WHERE text_source = 'cooked'"
        ) > 100
    );
    assert!(
        count(
            &store,
            "SELECT count(*) FROM forum_topics WHERE accepted_answer_post_id IS NOT NULL"
        ) > 10
    );
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM forum_topics t JOIN forum_posts p ON p.id = t.accepted_answer_post_id WHERE p.is_accepted_answer = 1"
        ),
        count(
            &store,
            "SELECT count(*) FROM forum_topics WHERE accepted_answer_post_id IS NOT NULL"
        )
    );
    assert!(
        count(
            &store,
            "SELECT count(*) FROM forum_posts WHERE author_is_staff = 1"
        ) > 0
    );
    assert!(
        count(
            &store,
            "SELECT count(*) FROM forum_posts WHERE author_group = 'huggingface'"
        ) > 0
    );

    // Run again: everything is current, only the lists are read.
    let requests = server.requests().len();
    let again = mine(&server, &mut store, fast()).await.unwrap();
    assert_eq!(again.topics_fetched, 0);
    assert_eq!(
        again.issues as i64, unreadable,
        "only the unreadable are tried again"
    );
    assert_eq!(
        server.requests().len() - requests,
        1 + again.pages as usize + unreadable as usize
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawl_killed_in_the_middle_resumes_to_the_same_database() {
    let server = TestHub::start_forum(forum()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut reference = Store::open(dir.path().join("ref.db")).unwrap();
    mine(&server, &mut reference, fast()).await.unwrap();
    let expected = rows(&reference);

    for kill_after in [1u64, 4, 9] {
        let path = dir.path().join(format!("kill{kill_after}.db"));
        let pages = Arc::new(AtomicU64::new(0));
        let task = {
            let (url, path, pages) = (server.url(), path.clone(), Arc::clone(&pages));
            tokio::spawn(async move {
                let mut store = Store::open(&path).unwrap();
                let miner = ForumMiner::new(
                    &url,
                    ForumOptions {
                        concurrency: 2,
                        ..fast()
                    },
                    None,
                )
                .unwrap();
                let _ = miner
                    .run(&mut store, &AtomicBool::new(false), &|r| {
                        pages.store(r.pages, Ordering::Relaxed)
                    })
                    .await;
            })
        };
        while pages.load(Ordering::Relaxed) < kill_after {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        task.abort();
        let _ = task.await;
        let mut store = Store::open(&path).unwrap();
        let report = mine(&server, &mut store, fast()).await.unwrap();
        assert!(
            report.resumed_from.is_some(),
            "kill after page {kill_after}"
        );
        assert!(report.finished);
        assert_eq!(rows(&store), expected, "kill after page {kill_after}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn since_fetches_only_bumped_topics_with_their_edits_and_new_posts() {
    let server = TestHub::start_forum(forum()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("inc.db")).unwrap();
    mine(&server, &mut store, fast()).await.unwrap();

    let (edited_post, topic) = {
        let mut found = (0, 0);
        server.with_forum(|f| {
            let t = &f.topics[50];
            found = (t.posts[0].id, t.id);
        });
        found
    };
    let mut new_post = None;
    server.with_forum(|f| {
        assert!(f.edit_post(edited_post, "Edited: now about xlm-roberta."));
        new_post = f.reply(topic, "A new reply about whisper.");
    });
    let new_post = new_post.unwrap();
    let before = server.requests().len();
    let report = mine(
        &server,
        &mut store,
        ForumOptions {
            since: Some("2023-07-01".into()),
            ..fast()
        },
    )
    .await
    .unwrap();
    assert!(report.finished);
    assert_eq!(report.topics_fetched, 1, "{report:?}");
    assert_eq!((report.counts.updated, report.counts.stored), (1, 0));
    // One list page (the bumped topic comes first, then older ones end the walk) and the topic.
    assert_eq!(server.requests().len() - before, 1 + 1 + 1);
    let text: String = store
        .connection()
        .query_row(
            "SELECT raw FROM forum_posts WHERE id = ?1",
            [edited_post],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(text, "Edited: now about xlm-roberta.");
    assert_eq!(
        count(
            &store,
            &format!("SELECT count(*) FROM forum_posts WHERE id = {new_post}")
        ),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_is_waited_out_and_the_rate_cap_holds() {
    let server = TestHub::start_forum(ForumData::generate(40, 3))
        .await
        .unwrap();
    server.inject("/t/", hubscope_testhub::Fault::TooMany { seconds: 1 }, 6);
    server.inject("/latest.json", hubscope_testhub::Fault::Status(503), 2);
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("storm.db")).unwrap();
    let started = std::time::Instant::now();
    let report = mine(&server, &mut store, fast()).await.unwrap();
    assert!(report.finished);
    assert_eq!(report.client.rate_limited, 6);
    assert_eq!(report.client.retries, 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    // Topics 13 and 29 of a generated forum answer 403 and 404.
    assert_eq!(count(&store, "SELECT count(*) FROM forum_topics"), 38);

    // The default politeness: at most 4 requests a second.
    let server = TestHub::start_forum(ForumData::generate(8, 4))
        .await
        .unwrap();
    let mut store = Store::open(dir.path().join("polite.db")).unwrap();
    mine(&server, &mut store, ForumOptions::default())
        .await
        .unwrap();
    let log = server.requests();
    assert!(log.len() >= 10);
    for pair in log.windows(2) {
        let gap = pair[1].at.duration_since(pair[0].at);
        assert!(
            gap >= Duration::from_millis(240),
            "{gap:?} between requests"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_category_filter_reads_only_those_categories() {
    let server = TestHub::start_forum(ForumData::generate(120, 5))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("cat.db")).unwrap();
    let report = mine(
        &server,
        &mut store,
        ForumOptions {
            categories: vec!["beginners".into()],
            ..fast()
        },
    )
    .await
    .unwrap();
    assert!(report.finished);
    // Beginners (5) and its subcategory Course (9).
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM forum_topics WHERE category_id NOT IN (5, 9)"
        ),
        0
    );
    assert!(
        count(
            &store,
            "SELECT count(*) FROM forum_topics WHERE category_id = 9"
        ) > 0
    );
    let err = mine(
        &server,
        &mut store,
        ForumOptions {
            categories: vec!["nope".into()],
            ..fast()
        },
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("no category \"nope\""), "{err}");
}
