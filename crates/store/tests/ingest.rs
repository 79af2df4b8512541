//! Ingest semantics on small records written here: merging, re-ingesting, card revisions,
//! discussions, the ingest log, the lock, interrupted and failed runs.
#![allow(clippy::unwrap_used)]

use hubscope_card::CardAnalyzer;
use hubscope_store::{
    Batch, CardRevision, Comment, DiscussionThread, IngestKind, Issue, ModelRecord, Severity,
    SourceInfo, Store, StoreError, derive_lineage,
};

fn source(name: &str) -> SourceInfo {
    SourceInfo::new(name, "test")
}

fn model(id: &str) -> ModelRecord {
    ModelRecord {
        id: id.into(),
        ..ModelRecord::default()
    }
}

fn batch<T>(records: Vec<T>) -> Batch<T> {
    let read = records.len() as u64;
    Batch {
        records,
        issues: Vec::new(),
        read,
    }
}

fn ingest_models(store: &mut Store, records: Vec<ModelRecord>) -> hubscope_store::IngestCounts {
    let mut s = store
        .begin_ingest(IngestKind::Models, &source("test"))
        .unwrap();
    s.write_models(batch(records)).unwrap();
    s.finish().unwrap().counts
}

fn count(store: &Store, sql: &str) -> i64 {
    store.connection().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn text(store: &Store, sql: &str) -> Option<String> {
    store.connection().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_second_source_fills_in_without_erasing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("h.db")).unwrap();
    let mut hub = model("org/m");
    hub.downloads = Some(10);
    hub.tags = Some(vec![
        "transformers".into(),
        "base_model:finetune:org/base".into(),
    ]);
    hub.lineage = derive_lineage(hub.tags.as_deref(), None);
    let c = ingest_models(&mut store, vec![hub.clone()]);
    assert_eq!((c.stored, c.updated, c.unchanged), (1, 0, 0));

    // A dataset that knows only the variant and the pipeline: it adds, it does not erase.
    let mut sail = model("org/m");
    sail.variant = Some("finetuned".into());
    sail.pipeline_tag = Some("text-generation".into());
    let c = ingest_models(&mut store, vec![sail.clone()]);
    assert_eq!((c.stored, c.updated, c.unchanged), (0, 1, 0));
    assert_eq!(
        count(&store, "SELECT downloads FROM models WHERE id = 'org/m'"),
        10
    );
    assert_eq!(
        text(&store, "SELECT variant FROM models").as_deref(),
        Some("finetuned")
    );
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM lineage WHERE parent_id = 'org/base'"
        ),
        1
    );
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM model_tags WHERE model_id = 'org/m'"
        ),
        2
    );

    // Re-ingesting either changes nothing.
    let c = ingest_models(&mut store, vec![hub.clone(), sail]);
    assert_eq!((c.stored, c.updated, c.unchanged), (0, 0, 2));

    // New tags replace the tag lineage.
    hub.tags = Some(vec!["base_model:adapter:org/other".into()]);
    hub.lineage = derive_lineage(hub.tags.as_deref(), None);
    let c = ingest_models(&mut store, vec![hub]);
    assert_eq!(c.updated, 1);
    let lineage: Vec<(String, String)> = store
        .connection()
        .prepare("SELECT parent_id, relation FROM lineage ORDER BY parent_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(lineage, [("org/other".to_string(), "adapter".to_string())]);
}

#[test]
fn card_revisions_keep_history() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("h.db")).unwrap();
    let analyzer = CardAnalyzer::new();
    let rev = |text: &str, keep: bool| {
        CardRevision::new("org/m".into(), text, analyzer.analyze(text).unwrap(), keep)
    };
    let a = "---\nlicense: mit\nbase_model: org/base\n---\n# M\n\n## Uses\n\nFor tests.\n";
    let b = "---\nlicense: apache-2.0\n---\n# M\n\nChanged.\n";
    let mut write = |revs: Vec<CardRevision>| {
        let mut s = store
            .begin_ingest(IngestKind::Cards, &source("cards"))
            .unwrap();
        s.write_cards(batch(revs)).unwrap();
        s.finish().unwrap().counts
    };
    let c = write(vec![rev(a, true)]);
    assert_eq!((c.stored, c.updated, c.unchanged), (1, 0, 0));
    let c = write(vec![rev(a, false)]);
    assert_eq!((c.stored, c.updated, c.unchanged), (0, 0, 1));
    let c = write(vec![rev(b, false), rev(a, false)]);
    assert_eq!((c.stored, c.updated, c.unchanged), (0, 2, 0));
    // A, B, A again: documentation over time keeps all three.
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM cards WHERE model_id = 'org/m'"
        ),
        3
    );
    assert_eq!(count(&store, "SELECT count(*) FROM card_sections"), 3 * 13);
    // The model did not exist: it was created from the card, with its author.
    assert_eq!(
        text(&store, "SELECT author FROM models WHERE id = 'org/m'").as_deref(),
        Some("org")
    );
    // The card's base_model is lineage from the card.
    assert_eq!(
        count(&store, "SELECT count(*) FROM lineage WHERE source = 'card'"),
        1
    );
    // The first revision kept its text, compressed; it is the git blob id of the text.
    let raw: Vec<u8> = store
        .connection()
        .query_row("SELECT raw_zstd FROM cards ORDER BY id LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(zstd::bulk::decompress(&raw, 1 << 20).unwrap(), a.as_bytes());
    assert_eq!(
        hubscope_store::git_blob_sha1(b"hello\n"),
        "ce013625030ba8dba906f756967f9e9ca394464a" // git hash-object of "hello\n"
    );
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM card_sections WHERE section = 'uses' AND filled = 1"
        ),
        2
    );
}

#[test]
fn discussion_threads_are_updated_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("h.db")).unwrap();
    let mut thread = DiscussionThread {
        repo_id: "org/m".into(),
        num: 1,
        title: Some("Question".into()),
        status: Some("open".into()),
        author: Some("u".into()),
        created_at: Some("2023-01-01T00:00:00.000Z".into()),
        is_pull_request: Some(false),
        comments: vec![Comment {
            author: Some("u".into()),
            created_at: None,
            text: Some("Hello?".into()),
            hidden: Some(false),
        }],
    };
    assert!(!store.has_topics().unwrap());
    let mut write = |t: DiscussionThread| {
        let mut s = store
            .begin_ingest(IngestKind::Discussions, &source("d"))
            .unwrap();
        s.write_discussions(batch(vec![t])).unwrap();
        s.finish().unwrap().counts
    };
    assert_eq!(write(thread.clone()).stored, 1);
    assert_eq!(write(thread.clone()).unchanged, 1);
    thread.status = Some("closed".into());
    thread.comments.push(Comment {
        author: Some("owner".into()),
        created_at: None,
        text: Some("Answered.".into()),
        hidden: Some(false),
    });
    assert_eq!(write(thread).updated, 1);
    assert!(store.has_topics().unwrap());
    assert_eq!(count(&store, "SELECT count(*) FROM discussions"), 1);
    assert_eq!(count(&store, "SELECT count(*) FROM discussion_comments"), 2);
    assert_eq!(
        text(&store, "SELECT status FROM discussions").as_deref(),
        Some("closed")
    );
}

#[test]
fn issues_are_logged_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("h.db")).unwrap();
    let mut s = store
        .begin_ingest(IngestKind::Models, &source("bad.jsonl"))
        .unwrap();
    let issues = vec![
        Issue {
            record: "bad.jsonl:2".into(),
            severity: Severity::Skipped,
            reason: "not JSON: expected value".into(),
        },
        Issue {
            record: "bad.jsonl:3".into(),
            severity: Severity::Skipped,
            reason: "not JSON: trailing characters".into(),
        },
        Issue {
            record: "org/m".into(),
            severity: Severity::FieldDropped,
            reason: "createdAt: unexpected date format".into(),
        },
    ];
    s.write_models(Batch {
        records: vec![model("org/m")],
        issues,
        read: 3,
    })
    .unwrap();
    let report = s.finish().unwrap();
    let c = report.counts;
    assert_eq!((c.read, c.stored, c.skipped, c.field_issues), (3, 1, 2, 1));
    // Grouped by kind: what went wrong, without where (see `reason_key`).
    assert_eq!(
        report.reasons,
        [
            ("createdAt: unexpected date format".to_string(), 1),
            ("not JSON: expected value".to_string(), 1),
            ("not JSON: trailing characters".to_string(), 1)
        ]
    );
    assert_eq!(count(&store, "SELECT count(*) FROM ingest_issues"), 3);
    assert_eq!(
        text(&store, "SELECT status FROM ingest_runs").as_deref(),
        Some("completed")
    );
    assert_eq!(count(&store, "SELECT skipped FROM ingest_runs"), 2);
}

#[test]
fn one_ingest_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    let mut first = Store::open(&path).unwrap();
    let mut second = Store::open(&path).unwrap();
    let session = first
        .begin_ingest(IngestKind::Models, &source("one.jsonl"))
        .unwrap();
    let err = second
        .begin_ingest(IngestKind::Models, &source("two.jsonl"))
        .err()
        .unwrap();
    assert!(matches!(err, StoreError::Busy { .. }));
    let message = err.to_string();
    assert!(
        message.contains("another ingest is writing to"),
        "{message}"
    );
    assert!(
        message.contains("(run 1: models from one.jsonl, started"),
        "{message}"
    );
    session.finish().unwrap();
    // Once the first is done, the second may go.
    second
        .begin_ingest(IngestKind::Models, &source("two.jsonl"))
        .unwrap()
        .finish()
        .unwrap();
}

#[test]
fn a_run_left_running_is_marked_interrupted_and_a_failed_run_keeps_its_batches() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("h.db")).unwrap();
    {
        let mut s = store
            .begin_ingest(IngestKind::Models, &source("killed"))
            .unwrap();
        s.write_models(batch(vec![model("a/1"), model("a/2")]))
            .unwrap();
        s.commit().unwrap();
        s.write_models(batch(vec![model("a/9")])).unwrap();
        // Dropped without finish, one batch committed and one not: as if the process had been
        // killed in the middle of its second transaction.
    }
    assert_eq!(
        text(&store, "SELECT status FROM ingest_runs WHERE id = 1").as_deref(),
        Some("running")
    );
    assert_eq!(
        count(&store, "SELECT count(*) FROM models"),
        2,
        "the open transaction is lost"
    );
    assert_eq!(
        count(&store, "SELECT stored FROM ingest_runs WHERE id = 1"),
        2
    );
    let mut s = store
        .begin_ingest(IngestKind::Models, &source("again"))
        .unwrap();
    s.write_models(batch(vec![model("a/1"), model("a/2"), model("a/3")]))
        .unwrap();
    s.fail("the source could not be read past row 3").unwrap();
    assert_eq!(
        text(&store, "SELECT status FROM ingest_runs WHERE id = 1").as_deref(),
        Some("interrupted")
    );
    assert_eq!(
        text(&store, "SELECT status FROM ingest_runs WHERE id = 2").as_deref(),
        Some("failed")
    );
    assert_eq!(
        text(&store, "SELECT message FROM ingest_runs WHERE id = 2").as_deref(),
        Some("the source could not be read past row 3")
    );
    assert_eq!(count(&store, "SELECT count(*) FROM models"), 3);
    assert_eq!(
        count(&store, "SELECT stored FROM ingest_runs WHERE id = 2"),
        1
    );
}

#[test]
fn the_issue_log_is_capped_but_the_counts_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("h.db")).unwrap();
    let mut s = store
        .begin_ingest(IngestKind::Models, &source("junk"))
        .unwrap();
    let n = hubscope_store::MAX_STORED_ISSUES + 5;
    let issues = (0..n)
        .map(|i| Issue {
            record: format!("junk:{i}"),
            severity: Severity::Skipped,
            reason: "not JSON".into(),
        })
        .collect();
    s.write_models(Batch {
        records: Vec::new(),
        issues,
        read: n,
    })
    .unwrap();
    let report = s.finish().unwrap();
    assert_eq!(report.counts.skipped, n);
    assert_eq!(
        count(&store, "SELECT count(*) FROM ingest_issues") as u64,
        hubscope_store::MAX_STORED_ISSUES
    );
}

#[test]
fn sources_keep_their_frames_and_memberships() {
    use hubscope_store::{Declared, DeclaredBy, Frame, FrameDeclaration, MonthSpan};
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("f.db")).unwrap();
    let census = FrameDeclaration::by_user(
        Frame::Census,
        Some(MonthSpan::parse("2021-01..2021-12").unwrap()),
    );
    let mut s = store
        .begin_ingest(IngestKind::Models, &source("a.jsonl").frame(census.clone()))
        .unwrap();
    s.write_models(batch(vec![model("x/1"), model("x/2")]))
        .unwrap();
    let report = s.finish().unwrap();
    assert_eq!(report.declared, Declared::New);
    assert_eq!(report.source.declared.frame, Frame::Census);
    // Another source holding one of the same models: both memberships are kept.
    let mut s = store
        .begin_ingest(IngestKind::Models, &source("b.jsonl"))
        .unwrap();
    s.write_models(batch(vec![model("x/2"), model("x/3")]))
        .unwrap();
    let report = s.finish().unwrap();
    assert_eq!(
        (
            report.source.declared.frame,
            report.source.declared.declared_by
        ),
        (Frame::Sample, DeclaredBy::Default)
    );
    assert_eq!(count(&store, "SELECT count(*) FROM model_sources"), 4);
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM model_sources WHERE model_id = 'x/2'"
        ),
        2
    );
    // Read again without a declaration, a declared source keeps its frame.
    let mut s = store
        .begin_ingest(IngestKind::Models, &source("a.jsonl"))
        .unwrap();
    s.write_models(batch(vec![model("x/1")])).unwrap();
    let report = s.finish().unwrap();
    assert_eq!(report.declared, Declared::Kept);
    assert_eq!(report.source.declared.frame, Frame::Census);
    assert_eq!(count(&store, "SELECT count(*) FROM model_sources"), 4);
    // Declared anew, it changes, and says from what.
    let mut s = store
        .begin_ingest(
            IngestKind::Models,
            &source("a.jsonl").frame(FrameDeclaration::by_user(Frame::Sample, None)),
        )
        .unwrap();
    s.write_models(batch(vec![])).unwrap();
    let report = s.finish().unwrap();
    assert_eq!(
        report.declared,
        Declared::Changed {
            before: Frame::Census
        }
    );
    assert_eq!(store.sources().unwrap().len(), 2);
    assert_eq!(
        store.find_source("b.jsonl").unwrap().unwrap().key,
        "b.jsonl"
    );
    assert!(store.find_source("c.jsonl").unwrap().is_none());
}

#[test]
fn a_database_from_before_frames_gets_its_sources_as_samples() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        // A database at schema version 6, with two ingests of models.
        let conn = rusqlite::Connection::open(&path).unwrap();
        for sql in &hubscope_store::MIGRATIONS[..6] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 6).unwrap();
        conn.execute_batch(
            "INSERT INTO ingest_runs (id, kind, source, format, started_at, status)
               VALUES (1, 'models', 'liang.parquet', 'parquet', '2026-01-01', 'completed'),
                      (2, 'models', 'models.jsonl', 'jsonl', '2026-01-02', 'completed'),
                      (3, 'models', 'liang.parquet', 'parquet', '2026-01-03', 'completed');
             INSERT INTO models (id, first_seen_at, updated_at, last_run_id)
               VALUES ('a/1', 'x', 'x', 1), ('a/2', 'x', 'x', 3), ('b/1', 'x', 'x', 2);",
        )
        .unwrap();
    }
    let store = Store::open(&path).unwrap();
    let sources = store.sources().unwrap();
    let names: Vec<(&str, hubscope_store::Frame)> = sources
        .iter()
        .map(|s| (s.name.as_str(), s.declared.frame))
        .collect();
    assert_eq!(
        names,
        [
            ("liang.parquet", hubscope_store::Frame::Sample),
            ("models.jsonl", hubscope_store::Frame::Sample)
        ]
    );
    assert_eq!(count(&store, "SELECT count(*) FROM model_sources"), 3);
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM ingest_runs WHERE source_id IS NULL"
        ),
        0
    );
}
