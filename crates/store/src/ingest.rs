//! Ingesting records: an [`IngestSession`] writes batches, one transaction each, and keeps the
//! ingest log (`ingest_runs`, `ingest_issues`) current inside the same transactions. Killed
//! between batches, the database holds whole batches and a run marked `running`; the next ingest
//! marks that run `interrupted`, and re-running the same input converges because every write is
//! an upsert.
//!
//! One ingest at a time writes to a database: a session holds an advisory lock on
//! `<database>.ingest.lock` (released when the process ends, however it ends).

use std::fs::File;
use std::path::PathBuf;

use hubscope_card::{CanonicalSection, ModelCard};
use rusqlite::{Connection, OptionalExtension, ToSql, params};
use serde::Serialize;

use crate::db::Store;
use crate::discussion::DiscussionThread;
use crate::error::StoreError;
use crate::forum::{self, ForumCategory, ForumThread, StoredTopic};
use crate::frame::{self as frames, Declared, FrameDeclaration, StoredSource};
use crate::record::{LineageEdge, LineageSource, ModelRecord, Relation, push_edge};
use crate::snapshot::LiftedTriggers;
use crate::time;

/// What is being ingested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestKind {
    Models,
    Cards,
    Discussions,
    Forum,
}

impl IngestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IngestKind::Models => "models",
            IngestKind::Cards => "cards",
            IngestKind::Discussions => "discussions",
            IngestKind::Forum => "forum",
        }
    }
}

/// Where an ingest reads from, for the log, and what that source is a record of.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// The path (or URL) read.
    pub source: String,
    /// `jsonl`, `parquet`, `csv`, `dir`, `api`.
    pub format: String,
    pub bytes: Option<u64>,
    /// What identifies the source across runs (a file's canonical path, a crawl's listing);
    /// `None`: `source` itself.
    pub key: Option<String>,
    /// Its sampling frame, as declared (by default: undeclared, a sample).
    pub frame: FrameDeclaration,
}

impl SourceInfo {
    /// A source read from `source` (a path or URL) in `format`, frame undeclared.
    pub fn new(source: impl Into<String>, format: impl Into<String>) -> SourceInfo {
        SourceInfo {
            source: source.into(),
            format: format.into(),
            bytes: None,
            key: None,
            frame: FrameDeclaration::undeclared(),
        }
    }

    /// The source's size in bytes.
    pub fn bytes(mut self, bytes: Option<u64>) -> SourceInfo {
        self.bytes = bytes;
        self
    }

    /// What identifies the source across runs.
    pub fn key(mut self, key: impl Into<String>) -> SourceInfo {
        self.key = Some(key.into());
        self
    }

    /// Its declared frame.
    pub fn frame(mut self, frame: FrameDeclaration) -> SourceInfo {
        self.frame = frame;
        self
    }
}

/// How bad an issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The record was not stored.
    Skipped,
    /// The record was stored without one of its fields.
    FieldDropped,
}

impl Severity {
    fn as_str(self) -> &'static str {
        match self {
            Severity::Skipped => "skipped",
            Severity::FieldDropped => "field_dropped",
        }
    }
}

/// A record that was skipped, or a field that was dropped, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// The record's id, or `FILE:LINE` when it has none.
    pub record: String,
    pub severity: Severity,
    pub reason: String,
}

/// Records read from a source, with the issues met reading them.
#[derive(Debug, Clone)]
pub struct Batch<T> {
    pub records: Vec<T>,
    pub issues: Vec<Issue>,
    /// Input records consumed (stored or skipped).
    pub read: u64,
}

impl<T> Default for Batch<T> {
    fn default() -> Self {
        Batch {
            records: Vec::new(),
            issues: Vec::new(),
            read: 0,
        }
    }
}

/// Counts of an ingest (or of one batch).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct IngestCounts {
    /// Input records read.
    pub read: u64,
    /// New records (a new model, a model's first card revision, a new thread).
    pub stored: u64,
    /// Records that changed what was stored (a card's new revision is an update).
    pub updated: u64,
    /// Records identical to what was stored.
    pub unchanged: u64,
    /// Records not stored.
    pub skipped: u64,
    /// Fields dropped from stored records (a date in an unexpected format, a wrong type).
    pub field_issues: u64,
}

impl IngestCounts {
    /// Adds another count to this one.
    pub fn add(&mut self, other: IngestCounts) {
        self.read += other.read;
        self.stored += other.stored;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.skipped += other.skipped;
        self.field_issues += other.field_issues;
    }
}

/// The outcome of an ingest.
#[derive(Debug, Clone, Serialize)]
pub struct IngestReport {
    pub run_id: i64,
    pub counts: IngestCounts,
    /// Issues grouped by reason (the text before the first `:`), most frequent first.
    pub reasons: Vec<(String, u64)>,
    /// The source read, with its frame as it stands after the run.
    pub source: StoredSource,
    /// What the run did to the source's declaration.
    #[serde(skip)]
    pub declared: Declared,
}

/// At most this many issues are kept per run in `ingest_issues`; the counts stay exact.
pub const MAX_STORED_ISSUES: u64 = 10_000;

/// A revision of a model's card, analysed, ready to store.
#[derive(Debug, Clone)]
pub struct CardRevision {
    pub model_id: String,
    /// Git blob id of the text (`git hash-object`), as the Hub reports file ids.
    pub content_sha1: String,
    pub bytes: u64,
    pub revision: Option<String>,
    pub fetched_at: String,
    pub analysis: ModelCard,
    /// The text, zstd-compressed, when it is to be kept.
    pub raw_zstd: Option<Vec<u8>>,
}

impl CardRevision {
    /// A revision of `model_id`'s card with text `text`, analysed as `analysis`.
    pub fn new(model_id: String, text: &str, analysis: ModelCard, keep_text: bool) -> Self {
        CardRevision {
            model_id,
            content_sha1: git_blob_sha1(text.as_bytes()),
            bytes: text.len() as u64,
            revision: None,
            fetched_at: time::now(),
            analysis,
            raw_zstd: keep_text
                .then(|| zstd::bulk::compress(text.as_bytes(), 3).ok())
                .flatten(),
        }
    }
}

/// The id git gives a blob with this content.
pub fn git_blob_sha1(content: &[u8]) -> String {
    let mut h = sha1_smol::Sha1::new();
    h.update(format!("blob {}\0", content.len()).as_bytes());
    h.update(content);
    h.digest().to_string()
}

/// An ingest in progress. Drop it without [`IngestSession::finish`] and the run stays `running`
/// until the next ingest marks it `interrupted`.
pub struct IngestSession<'s> {
    store: &'s mut Store,
    log: RunLog,
    source_id: i64,
    declared: Declared,
    /// The ingest lock, whose file also holds [`RESERVE_BYTES`] of reserve space.
    lock: File,
}

/// Space set aside in the lock file while an ingest runs. A disk that fills mid-ingest leaves
/// no room to write that the run failed; freeing the reserve first gives that small update
/// (a few pages of the log) room, whatever the page size.
pub const RESERVE_BYTES: usize = 1 << 20;

/// Writes [`RESERVE_BYTES`] of zeros to the lock file (a sparse length would set nothing
/// aside), or leaves it empty and fails.
fn reserve(lock: &mut File) -> std::io::Result<()> {
    use std::io::Write;
    let written = lock
        .write_all(&vec![0u8; RESERVE_BYTES])
        .and_then(|()| lock.flush());
    if written.is_err() {
        let _ = lock.set_len(0);
    }
    written
}

/// The running totals of a session, kept apart from the store so a batch's transaction (which
/// borrows the store) can update them.
struct RunLog {
    run_id: i64,
    /// Totals, including what is written but not committed.
    counts: IngestCounts,
    /// Totals as last committed.
    committed: IngestCounts,
    stored_issues: u64,
    committed_issues: u64,
    reasons: Vec<(String, u64)>,
    /// A transaction is open.
    open: bool,
    /// Input records written since the last commit.
    pending: u64,
    commit_every: u64,
    /// The generation triggers, lifted for the open transaction's bulk writes.
    triggers: LiftedTriggers,
}

impl Store {
    /// Starts an ingest: takes the database's ingest lock, marks runs left `running` by a killed
    /// process as `interrupted`, and logs the new run.
    pub fn begin_ingest(
        &mut self,
        kind: IngestKind,
        source: &SourceInfo,
    ) -> Result<IngestSession<'_>, StoreError> {
        let lock_path = lock_path(self.path());
        let mut lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| StoreError::io(&lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let running: Option<(i64, String, String, String)> = self
                    .conn
                    .query_row(
                        "SELECT id, kind, source, started_at FROM ingest_runs \
                         WHERE status = 'running' ORDER BY id DESC LIMIT 1",
                        [],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )
                    .optional()?;
                return Err(StoreError::Busy {
                    db: self.path().to_path_buf(),
                    lock: lock_path,
                    running: running.map_or(String::new(), |(id, kind, src, at)| {
                        format!(" (run {id}: {kind} from {src}, started {at})")
                    }),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(StoreError::io(&lock_path, e)),
        }
        // Holding the lock, this process alone writes the file.
        let _ = lock.set_len(0);
        if let Err(e) = reserve(&mut lock) {
            return Err(match e.kind() {
                std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
                    StoreError::NoRoom {
                        db: self.path().to_path_buf(),
                        reason: e.to_string(),
                    }
                }
                _ => StoreError::io(&lock_path, e),
            });
        }
        let (run_id, source_id, declared) = match self.log_run(kind, source) {
            Ok(begun) => begun,
            Err(error) => {
                let _ = lock.set_len(0);
                return Err(match error {
                    StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, reason))
                        if e.code == rusqlite::ErrorCode::DiskFull =>
                    {
                        StoreError::NoRoom {
                            db: self.path().to_path_buf(),
                            reason: reason.unwrap_or_else(|| e.to_string()),
                        }
                    }
                    other => other,
                });
            }
        };
        // A hint: a session that cannot enlarge the cache writes slower, not wrongly.
        let _ = self
            .conn
            .pragma_update(None, "cache_size", -crate::db::INGEST_CACHE_KIB);
        Ok(IngestSession {
            source_id,
            declared,
            store: self,
            log: RunLog {
                run_id,
                counts: IngestCounts::default(),
                committed: IngestCounts::default(),
                stored_issues: 0,
                committed_issues: 0,
                reasons: Vec::new(),
                open: false,
                pending: 0,
                commit_every: 10_000,
                triggers: LiftedTriggers::default(),
            },
            lock,
        })
    }

    /// Marks runs left `running` as `interrupted` and logs a new run: its id, its source's id
    /// and what that source was declared to be.
    fn log_run(
        &mut self,
        kind: IngestKind,
        source: &SourceInfo,
    ) -> Result<(i64, i64, Declared), StoreError> {
        // Holding the lock, any run still marked running belongs to a process that is gone.
        self.conn.execute(
            "UPDATE ingest_runs SET status = 'interrupted', \
             message = 'the process stopped before finishing (killed or crashed); \
             re-run the ingest to complete it' WHERE status = 'running'",
            [],
        )?;
        let key = source.key.as_deref().unwrap_or(&source.source);
        let (source_id, declared) = frames::upsert_source(
            &self.conn,
            kind.as_str(),
            &source.source,
            key,
            &source.frame,
        )?;
        self.conn.execute(
            "INSERT INTO ingest_runs (kind, source, format, source_bytes, started_at, status, \
             source_id) VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6)",
            params![
                kind.as_str(),
                source.source,
                source.format,
                source.bytes.map(|b| b as i64),
                time::now(),
                source_id
            ],
        )?;
        let run_id = self.conn.last_insert_rowid();
        Ok((run_id, source_id, declared))
    }
}

fn lock_path(db: &std::path::Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".ingest.lock");
    PathBuf::from(name)
}

/// Where a crawl stands (table `crawl_state`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrawlCheckpoint {
    pub name: String,
    /// The next page to fetch; `None` when the crawl has no more pages.
    pub next_url: Option<String>,
    pub since: Option<String>,
    pub pages: u64,
    pub models: u64,
    pub started_at: String,
    pub finished_at: Option<String>,
}

impl Store {
    /// The checkpoint of a crawl, if one was recorded.
    pub fn crawl_state(&self, name: &str) -> Result<Option<CrawlCheckpoint>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT name, next_url, since, pages, models, started_at, finished_at \
                 FROM crawl_state WHERE name = ?1",
                [name],
                |r| {
                    Ok(CrawlCheckpoint {
                        name: r.get(0)?,
                        next_url: r.get(1)?,
                        since: r.get(2)?,
                        pages: r.get::<_, i64>(3)? as u64,
                        models: r.get::<_, i64>(4)? as u64,
                        started_at: r.get(5)?,
                        finished_at: r.get(6)?,
                    })
                },
            )
            .optional()?)
    }
}

/// The model columns written from a [`ModelRecord`], in parameter order (`?2` onwards; `?1` is
/// the id).
const MODEL_COLUMNS: [&str; 30] = [
    "hub_object_id",
    "author",
    "sha",
    "created_at",
    "last_modified",
    "downloads",
    "downloads_all_time",
    "likes",
    "library",
    "pipeline_tag",
    "model_type",
    "architectures",
    "gated",
    "private",
    "disabled",
    "tags",
    "siblings",
    "safetensors_params",
    "safetensors_dtypes",
    "used_storage",
    "card_data",
    "has_card",
    "task_domain",
    "variant",
    "config",
    "model_index",
    "base_models",
    "transformers_info",
    "spaces",
    "inference",
];

fn insert_model_sql() -> String {
    let n = MODEL_COLUMNS.len();
    let placeholders: Vec<String> = (2..=n + 1).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO models (id, {}, first_seen_at, updated_at, last_run_id, source_id) \
         VALUES (?1, {}, ?{t}, ?{t}, ?{r}, ?{s}) ON CONFLICT (id) DO NOTHING",
        MODEL_COLUMNS.join(", "),
        placeholders.join(", "),
        t = n + 2,
        r = n + 3,
        s = n + 4
    )
}

/// Updates only the fields the record gives (`COALESCE`), and only when one of them differs from
/// what is stored, so `changes()` says whether anything changed.
fn update_model_sql() -> String {
    let n = MODEL_COLUMNS.len();
    let sets: Vec<String> = MODEL_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = COALESCE(?{}, {c})", i + 2))
        .collect();
    let differs: Vec<String> = MODEL_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| format!("(?{p} IS NOT NULL AND {c} IS NOT ?{p})", p = i + 2))
        .collect();
    format!(
        "UPDATE models SET {}, updated_at = ?{t}, last_run_id = ?{r} WHERE id = ?1 AND ({})",
        sets.join(", "),
        differs.join(" OR "),
        t = n + 2,
        r = n + 3
    )
}

/// A record's column values, as SQL parameters.
struct ModelParams {
    architectures: Option<String>,
    tags: Option<String>,
    siblings: Option<String>,
    spaces: Option<String>,
}

impl ModelParams {
    fn of(r: &ModelRecord) -> Self {
        let json = |v: &Option<Vec<String>>| v.as_ref().and_then(|v| serde_json::to_string(v).ok());
        ModelParams {
            architectures: json(&r.architectures),
            tags: json(&r.tags),
            siblings: json(&r.siblings),
            spaces: json(&r.spaces),
        }
    }

    fn bind<'a>(
        &'a self,
        r: &'a ModelRecord,
        gated: &'a Option<&'static str>,
    ) -> [&'a dyn ToSql; 31] {
        [
            &r.id,
            &r.hub_object_id,
            &r.author,
            &r.sha,
            &r.created_at,
            &r.last_modified,
            &r.downloads,
            &r.downloads_all_time,
            &r.likes,
            &r.library,
            &r.pipeline_tag,
            &r.model_type,
            &self.architectures,
            gated,
            &r.private,
            &r.disabled,
            &self.tags,
            &self.siblings,
            &r.safetensors_params,
            &r.safetensors_dtypes,
            &r.used_storage,
            &r.card_data,
            &r.has_card,
            &r.task_domain,
            &r.variant,
            &r.config,
            &r.model_index,
            &r.base_models,
            &r.transformers_info,
            &self.spaces,
            &r.inference,
        ]
    }
}

impl IngestSession<'_> {
    pub fn run_id(&self) -> i64 {
        self.log.run_id
    }

    /// Counts so far (including rows not committed yet).
    pub fn counts(&self) -> IngestCounts {
        self.log.counts
    }

    /// Commits when this many input records have been written since the last commit (default
    /// 10,000). Large transactions write much faster; the records themselves are not held in
    /// memory, only SQLite's pages.
    pub fn set_commit_every(&mut self, records: u64) {
        self.log.commit_every = records.max(1);
    }

    /// Stores a batch of models: new models are inserted, known ones updated with the fields this
    /// source gives.
    pub fn write_models(&mut self, batch: Batch<ModelRecord>) -> Result<IngestCounts, StoreError> {
        // In id order, consecutive inserts land on neighbouring index pages; the sort is stable
        // so a model given twice keeps its input order. The records' positions are sorted, not
        // the records: moving 100,000 records of ~700 bytes took a seventh of an ingest.
        let mut order: Vec<&ModelRecord> = batch.records.iter().collect();
        order.sort_by(|a, b| a.id.cmp(&b.id));
        self.begin()?;
        self.log.triggers.lift(&self.store.conn)?;
        let result = write_model_rows(&self.store.conn, self.log.run_id, self.source_id, &order);
        self.end_batch(result, batch.read, &batch.issues)
    }

    /// Stores a batch of card revisions. A text equal to the model's latest revision changes
    /// nothing; a different text is a new revision (the old ones are kept). A model not yet in
    /// the store is created with its id only.
    pub fn write_cards(&mut self, batch: Batch<CardRevision>) -> Result<IngestCounts, StoreError> {
        self.begin()?;
        self.log.triggers.lift(&self.store.conn)?;
        let result = write_card_rows(&self.store.conn, self.log.run_id, &batch.records);
        self.end_batch(result, batch.read, &batch.issues)
    }

    /// Stores a batch of discussion threads; a changed thread replaces its stored comments.
    pub fn write_discussions(
        &mut self,
        batch: Batch<DiscussionThread>,
    ) -> Result<IngestCounts, StoreError> {
        self.begin()?;
        let result = write_discussion_rows(&self.store.conn, self.log.run_id, &batch.records);
        self.end_batch(result, batch.read, &batch.issues)
    }

    /// Records issues that belong to no batch of records (a model's first commit or discussions
    /// that could not be fetched), with the run.
    pub fn record_issues(&mut self, issues: &[Issue]) -> Result<(), StoreError> {
        if issues.is_empty() {
            return Ok(());
        }
        self.begin()?;
        self.end_batch(Ok(IngestCounts::default()), 0, issues)
            .map(drop)
    }

    /// Stores forum categories (merged: a field a source does not give is kept).
    pub fn write_forum_categories(
        &mut self,
        batch: Batch<ForumCategory>,
    ) -> Result<IngestCounts, StoreError> {
        self.begin()?;
        let result = forum::write_category_rows(&self.store.conn, &batch.records);
        self.end_batch(result, batch.read, &batch.issues)
    }

    /// Stores forum topics with their posts: a changed topic is updated, edited posts replace
    /// their text, and a complete thread drops the stored posts that are no longer in it.
    pub fn write_forum_threads(
        &mut self,
        batch: Batch<ForumThread>,
    ) -> Result<IngestCounts, StoreError> {
        self.begin()?;
        let result = forum::write_thread_rows(&self.store.conn, self.log.run_id, &batch.records);
        self.end_batch(result, batch.read, &batch.issues)
    }

    /// The checkpoint of a crawl, if one was recorded (as [`Store::crawl_state`]).
    pub fn crawl_state(&self, name: &str) -> Result<Option<CrawlCheckpoint>, StoreError> {
        self.store.crawl_state(name)
    }

    /// What is stored of these topics (`None`: not stored).
    pub fn stored_topics(&self, ids: &[i64]) -> Result<Vec<Option<StoredTopic>>, StoreError> {
        forum::stored_topics(&self.store.conn, ids)
    }

    /// Records where a crawl stands and commits it together with everything written since the
    /// last commit: a crawl resumed from this checkpoint neither skips nor repeats a page.
    pub fn checkpoint(&mut self, checkpoint: &CrawlCheckpoint) -> Result<(), StoreError> {
        self.begin()?;
        let result = self.store.conn.execute(
            "INSERT INTO crawl_state (name, next_url, since, pages, models, started_at, \
             updated_at, finished_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
             ON CONFLICT (name) DO UPDATE SET next_url = excluded.next_url, \
             since = excluded.since, pages = excluded.pages, models = excluded.models, \
             started_at = excluded.started_at, updated_at = excluded.updated_at, \
             finished_at = excluded.finished_at",
            params![
                checkpoint.name,
                checkpoint.next_url,
                checkpoint.since,
                checkpoint.pages as i64,
                checkpoint.models as i64,
                checkpoint.started_at,
                time::now(),
                checkpoint.finished_at,
            ],
        );
        if let Err(err) = result {
            self.rollback();
            return Err(err.into());
        }
        self.commit()
    }

    /// The source this session reads, as stored now.
    pub fn source(&self) -> Result<StoredSource, StoreError> {
        frames::read_source(&self.store.conn, self.source_id)
    }

    /// Declares the frame of the source this session reads (a crawl knows its frame once it
    /// has run), in the open transaction.
    pub fn declare_frame(&mut self, declaration: &FrameDeclaration) -> Result<(), StoreError> {
        self.begin()?;
        frames::declare(&self.store.conn, self.source_id, declaration)
    }

    /// Sets the date of a model's first commit (its true creation date).
    pub fn set_first_commit(&mut self, model_id: &str, date: &str) -> Result<(), StoreError> {
        self.begin()?;
        self.store.conn.execute(
            "UPDATE models SET first_commit_at = ?2 WHERE id = ?1",
            params![model_id, date],
        )?;
        Ok(())
    }

    /// Sets whether a model has a card (README).
    pub fn set_has_card(&mut self, model_id: &str, has_card: bool) -> Result<(), StoreError> {
        self.begin()?;
        self.store.conn.execute(
            "UPDATE models SET has_card = ?2 WHERE id = ?1",
            params![model_id, has_card],
        )?;
        Ok(())
    }

    /// Records that `alias` (an old repository id) now redirects to `model_id`.
    pub fn record_alias(&mut self, alias: &str, model_id: &str) -> Result<(), StoreError> {
        self.begin()?;
        self.store.conn.execute(
            "INSERT INTO model_aliases (alias, model_id, seen_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (alias) DO UPDATE SET model_id = excluded.model_id, seen_at = excluded.seen_at",
            params![alias, model_id, time::now()],
        )?;
        Ok(())
    }

    /// The repository revision of the latest stored card of each model (`None`: no card yet, or
    /// a card read without a revision).
    pub fn latest_card_revisions(
        &self,
        model_ids: &[String],
    ) -> Result<Vec<Option<String>>, StoreError> {
        let mut stmt = self.store.conn.prepare_cached(
            "SELECT revision FROM cards WHERE model_id = ?1 ORDER BY id DESC LIMIT 1",
        )?;
        model_ids
            .iter()
            .map(|id| {
                Ok(stmt
                    .query_row([id], |r| r.get::<_, Option<String>>(0))
                    .optional()?
                    .flatten())
            })
            .collect()
    }

    /// Which of these models have no first-commit date yet.
    pub fn missing_first_commits(&self, model_ids: &[String]) -> Result<Vec<String>, StoreError> {
        let mut stmt = self
            .store
            .conn
            .prepare_cached("SELECT 1 FROM models WHERE id = ?1 AND first_commit_at IS NULL")?;
        let mut missing = Vec::new();
        for id in model_ids {
            if stmt.exists([id])? {
                missing.push(id.clone());
            }
        }
        Ok(missing)
    }

    fn begin(&mut self) -> Result<(), StoreError> {
        if !self.log.open {
            self.store.conn.execute_batch("BEGIN IMMEDIATE")?;
            self.log.open = true;
        }
        Ok(())
    }

    /// Logs a written batch (or rolls back the open transaction if writing failed: nothing
    /// half-written is ever committed), and commits when enough records are pending.
    fn end_batch(
        &mut self,
        result: Result<IngestCounts, StoreError>,
        read: u64,
        issues: &[Issue],
    ) -> Result<IngestCounts, StoreError> {
        let logged =
            result.and_then(|counts| self.log.record(&self.store.conn, counts, read, issues));
        match logged {
            Ok(counts) => {
                if self.log.pending >= self.log.commit_every {
                    self.commit()?;
                }
                Ok(counts)
            }
            Err(err) => {
                self.rollback();
                Err(err)
            }
        }
    }

    /// Commits what was written so far, with the run's counts.
    pub fn commit(&mut self) -> Result<(), StoreError> {
        if !self.log.open {
            return Ok(());
        }
        let t = self.log.counts;
        self.store.conn.execute(
            "UPDATE ingest_runs SET read = ?2, stored = ?3, updated = ?4, unchanged = ?5, \
             skipped = ?6, field_issues = ?7 WHERE id = ?1",
            params![
                self.log.run_id,
                t.read as i64,
                t.stored as i64,
                t.updated as i64,
                t.unchanged as i64,
                t.skipped as i64,
                t.field_issues as i64
            ],
        )?;
        self.log.triggers.restore(&self.store.conn)?;
        self.store.conn.execute_batch("COMMIT")?;
        self.log.open = false;
        self.log.pending = 0;
        self.log.committed = self.log.counts;
        self.log.committed_issues = self.log.stored_issues;
        Ok(())
    }

    fn rollback(&mut self) {
        if self.log.open {
            let _ = self.store.conn.execute_batch("ROLLBACK");
            self.log.triggers.forget();
            self.log.open = false;
            self.log.pending = 0;
            self.log.counts = self.log.committed;
            self.log.stored_issues = self.log.committed_issues;
        }
    }

    /// Commits what is pending and marks the run completed.
    ///
    /// Where the last batch cannot be committed (the disk is full), it is rolled back, the run
    /// is marked failed, and the error is returned.
    pub fn finish(mut self) -> Result<IngestReport, StoreError> {
        if let Err(err) = self.commit() {
            self.rollback();
            let _ = self.mark_failed(&format!("its last batch could not be stored ({err})"));
            return Err(err);
        }
        self.store.conn.execute(
            "UPDATE ingest_runs SET status = 'completed', finished_at = ?2 WHERE id = ?1",
            params![self.log.run_id, time::now()],
        )?;
        let mut reasons = std::mem::take(&mut self.log.reasons);
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(IngestReport {
            run_id: self.log.run_id,
            counts: self.log.counts,
            reasons,
            source: frames::read_source(&self.store.conn, self.source_id)?,
            declared: self.declared.clone(),
        })
    }

    /// Commits what was written (whole records only) and marks the run failed, with the reason.
    ///
    /// Where the pending batch cannot be committed (the disk is full), it is rolled back and
    /// the run is still marked failed: the session's reserve ([`RESERVE_BYTES`]) is freed to
    /// give that small update room. Only where even that cannot be written does the run stay
    /// `running`, for the next ingest to mark `interrupted`.
    pub fn fail(mut self, message: &str) -> Result<(), StoreError> {
        let message = match self.commit() {
            Ok(()) => message.to_string(),
            Err(err) => {
                self.rollback();
                format!("{message}; its last batch was not stored either ({err})")
            }
        };
        self.mark_failed(&message)
    }

    fn mark_failed(&mut self, message: &str) -> Result<(), StoreError> {
        // The disk may be full: the reserve makes room for this update.
        let _ = self.lock.set_len(0);
        self.store.conn.execute(
            "UPDATE ingest_runs SET status = 'failed', finished_at = ?2, message = ?3 WHERE id = ?1",
            params![self.log.run_id, time::now(), message],
        )?;
        Ok(())
    }
}

impl Drop for IngestSession<'_> {
    /// Dropped without `finish` or `fail` (an error, a panic): what is not committed is rolled
    /// back, as a killed process would lose it, and the run stays `running` until the next
    /// ingest marks it `interrupted`.
    fn drop(&mut self) {
        self.rollback();
        let _ = self
            .store
            .conn
            .pragma_update(None, "cache_size", -crate::db::CACHE_KIB);
        let _ = self.lock.set_len(0);
    }
}

impl RunLog {
    /// Logs a batch's issues in the open transaction and adds its counts.
    fn record(
        &mut self,
        conn: &Connection,
        mut counts: IngestCounts,
        read: u64,
        issues: &[Issue],
    ) -> Result<IngestCounts, StoreError> {
        counts.read = read;
        for issue in issues {
            match issue.severity {
                Severity::Skipped => counts.skipped += 1,
                Severity::FieldDropped => counts.field_issues += 1,
            }
        }
        let mut log = conn.prepare_cached(
            "INSERT INTO ingest_issues (run_id, record, severity, reason) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for issue in issues {
            if self.stored_issues >= MAX_STORED_ISSUES {
                break;
            }
            log.execute(params![
                self.run_id,
                issue.record,
                issue.severity.as_str(),
                issue.reason
            ])?;
            self.stored_issues += 1;
        }
        self.counts.add(counts);
        self.pending += read;
        for issue in issues {
            let key = reason_key(&issue.reason);
            match self.reasons.iter().position(|(k, _)| *k == key) {
                Some(i) => self.reasons[i].1 += 1,
                None if self.reasons.len() < 1_000 => self.reasons.push((key, 1)),
                None => {}
            }
        }
        Ok(counts)
    }
}

/// The kind of an issue, for the summary's `why:` line: its reason without what varies from
/// record to record. A leading location (`line 10`, `row 3`) goes, as do words holding digits
/// (dates, sizes, offsets), anything after `(`, and all but the first two `:` parts:
/// `line 10: not JSON: expected value at line 1` is `not JSON: expected value at line`, and
/// `createdAt: implausible date 9999-12-31T… (before …)` is `createdAt: implausible date`.
pub fn reason_key(reason: &str) -> String {
    let reason = reason.split('(').next().unwrap_or(reason);
    // A word that varies: it holds a digit and fewer than two letters (`9`, `2016-01-01`,
    // `23:59`, but not `UTF-8` or `sha1`), unless it is an HTTP status.
    let words = |part: &str| -> String {
        let mut kept: Vec<&str> = Vec::new();
        let mut after_http = false;
        for w in part.split_whitespace() {
            let letters = w.chars().filter(char::is_ascii_alphabetic).count();
            let varies = w.chars().any(|c| c.is_ascii_digit()) && letters < 2;
            if !varies || after_http {
                kept.push(w);
            }
            after_http = w == "HTTP";
        }
        kept.join(" ")
    };
    let mut parts: Vec<String> = reason.split(':').map(words).collect();
    if parts.len() > 1 && matches!(parts[0].as_str(), "" | "line" | "row" | "record" | "post") {
        parts.remove(0);
    }
    let key = parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .take(2)
        .collect::<Vec<_>>()
        .join(": ");
    let key: String = key.chars().take(80).collect();
    if key.is_empty() {
        "other".to_string()
    } else {
        key
    }
}

fn write_model_rows(
    conn: &Connection,
    run_id: i64,
    source_id: i64,
    records: &[&ModelRecord],
) -> Result<IngestCounts, StoreError> {
    let now = time::now();
    let mut counts = IngestCounts::default();
    {
        let mut insert = conn.prepare_cached(&insert_model_sql())?;
        let mut update = conn.prepare_cached(&update_model_sql())?;
        // A model already stored (by another source, or created by its card) joins this
        // source too: as its first source when it had none, else as a further one.
        let mut first_source = conn.prepare_cached(
            "UPDATE models SET source_id = ?2 WHERE id = ?1 AND source_id IS NULL",
        )?;
        let mut other_source = conn.prepare_cached(
            "INSERT OR IGNORE INTO model_other_sources (model_id, source_id) \
             SELECT id, ?2 FROM models WHERE id = ?1 AND source_id <> ?2",
        )?;
        for record in records {
            let params = ModelParams::of(record);
            let gated = record.gated.map(|g| g.as_str());
            let bound = params.bind(record, &gated);
            // The insert's parameters end with the source; the update's do not.
            let mut values: [&dyn ToSql; 34] = [&now; 34];
            values[..31].copy_from_slice(&bound);
            values[32] = &run_id;
            values[33] = &source_id;
            let inserted = insert.execute(&values[..])? == 1;
            if !inserted && first_source.execute(params![record.id, source_id])? == 0 {
                other_source.execute(params![record.id, source_id])?;
            }
            if inserted {
                counts.stored += 1;
                if let Some(edges) = &record.lineage {
                    write_lineage(
                        conn,
                        &record.id,
                        edges,
                        &[LineageSource::Tags, LineageSource::CardData],
                    )?;
                }
            } else if update.execute(&values[..33])? == 1 {
                counts.updated += 1;
                let mut sources = Vec::new();
                if record.tags.is_some() {
                    sources.push(LineageSource::Tags);
                }
                if record.card_data.is_some() {
                    sources.push(LineageSource::CardData);
                }
                if let Some(edges) = &record.lineage {
                    replace_lineage(conn, &record.id, edges, &sources)?;
                }
            } else {
                counts.unchanged += 1;
            }
        }
    }
    Ok(counts)
}

fn write_card_rows(
    conn: &Connection,
    run_id: i64,
    records: &[CardRevision],
) -> Result<IngestCounts, StoreError> {
    let now = time::now();
    let mut counts = IngestCounts::default();
    {
        let mut latest = conn.prepare_cached(
            "SELECT content_sha1 FROM cards WHERE model_id = ?1 ORDER BY id DESC LIMIT 1",
        )?;
        let mut stub = conn.prepare_cached(
            "INSERT INTO models (id, author, first_seen_at, updated_at, last_run_id) \
             VALUES (?1, ?2, ?3, ?3, ?4) ON CONFLICT (id) DO NOTHING",
        )?;
        let mut insert = conn.prepare_cached(
            "INSERT INTO cards (model_id, content_sha1, revision, fetched_at, run_id, bytes, \
             front_matter, yaml_error, license_id, license_spdx, generator, \
             unedited_auto_generated, unedited_template, words, real_words, placeholders, \
             sections_filled, score, analysis, raw_zstd) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, \
             ?17, ?18, ?19, ?20)",
        )?;
        let mut section = conn.prepare_cached(
            "INSERT INTO card_sections (card_id, section, present, filled, words, \
             code_blocks, tables) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for rev in records {
            let previous: Option<String> =
                latest.query_row([&rev.model_id], |r| r.get(0)).optional()?;
            if previous.as_deref() == Some(rev.content_sha1.as_str()) {
                counts.unchanged += 1;
                continue;
            }
            let author = rev.model_id.split_once('/').map(|(a, _)| a);
            stub.execute(params![rev.model_id, author, now, run_id])?;
            let a = &rev.analysis;
            let fm = match (a.front_matter.present, a.front_matter.parsed) {
                (false, _) => "absent",
                (true, true) => "parsed",
                (true, false) => "invalid",
            };
            let license = a.metadata.license.as_ref();
            let analysis = serde_json::to_string(a).unwrap_or_default();
            insert.execute(params![
                rev.model_id,
                rev.content_sha1,
                rev.revision,
                rev.fetched_at,
                run_id,
                rev.bytes as i64,
                fm,
                a.front_matter.error.as_ref().map(|e| e.message.as_str()),
                license.and_then(|l| l.id.as_deref()),
                license.and_then(|l| l.spdx.as_deref()),
                a.signals.generator.map(|g| g.as_str()),
                a.signals.unedited_auto_generated,
                a.signals.unedited_template,
                a.signals.words,
                a.signals.real_words,
                a.signals.placeholders,
                a.sections.filled_count() as i64,
                a.score.total,
                analysis,
                rev.raw_zstd,
            ])?;
            let card_id = conn.last_insert_rowid();
            for (name, coverage) in a.sections.iter() {
                section.execute(params![
                    card_id,
                    CanonicalSection::as_str(name),
                    coverage.present,
                    coverage.filled,
                    coverage.words,
                    coverage.code_blocks,
                    coverage.tables,
                ])?;
            }
            let mut edges = Vec::new();
            for parent in &a.metadata.base_models {
                push_edge(
                    &mut edges,
                    parent,
                    Relation::Unspecified,
                    LineageSource::Card,
                );
            }
            replace_lineage(conn, &rev.model_id, &edges, &[LineageSource::Card])?;
            if previous.is_some() {
                counts.updated += 1;
            } else {
                counts.stored += 1;
            }
        }
    }
    Ok(counts)
}

fn write_discussion_rows(
    conn: &Connection,
    run_id: i64,
    records: &[DiscussionThread],
) -> Result<IngestCounts, StoreError> {
    let mut counts = IngestCounts::default();
    {
        let mut find = conn.prepare_cached(
            "SELECT id, content_sha1 FROM discussions WHERE repo_id = ?1 AND num = ?2",
        )?;
        let mut insert = conn.prepare_cached(
            "INSERT INTO discussions (repo_id, num, title, status, author, created_at, \
             is_pull_request, comments, content_sha1, run_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        let mut update = conn.prepare_cached(
            "UPDATE discussions SET title = ?2, status = ?3, author = ?4, created_at = ?5, \
             is_pull_request = ?6, comments = ?7, content_sha1 = ?8, run_id = ?9 \
             WHERE id = ?1",
        )?;
        let mut clear =
            conn.prepare_cached("DELETE FROM discussion_comments WHERE discussion_id = ?1")?;
        let mut comment = conn.prepare_cached(
            "INSERT INTO discussion_comments (discussion_id, position, author, created_at, \
             text, hidden) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for t in records {
            let sha = t.content_sha1();
            let existing: Option<(i64, String)> = find
                .query_row(params![t.repo_id, t.num], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let id = match existing {
                Some((_, stored)) if stored == sha => {
                    counts.unchanged += 1;
                    continue;
                }
                Some((id, _)) => {
                    update.execute(params![
                        id,
                        t.title,
                        t.status,
                        t.author,
                        t.created_at,
                        t.is_pull_request,
                        t.comments.len() as i64,
                        sha,
                        run_id
                    ])?;
                    clear.execute([id])?;
                    counts.updated += 1;
                    id
                }
                None => {
                    insert.execute(params![
                        t.repo_id,
                        t.num,
                        t.title,
                        t.status,
                        t.author,
                        t.created_at,
                        t.is_pull_request,
                        t.comments.len() as i64,
                        sha,
                        run_id
                    ])?;
                    counts.stored += 1;
                    conn.last_insert_rowid()
                }
            };
            for (position, c) in t.comments.iter().enumerate() {
                comment.execute(params![
                    id,
                    position as i64,
                    c.author,
                    c.created_at,
                    c.text,
                    c.hidden
                ])?;
            }
        }
    }
    Ok(counts)
}

fn write_lineage(
    tx: &Connection,
    child: &str,
    edges: &[LineageEdge],
    sources: &[LineageSource],
) -> Result<(), StoreError> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO lineage (child_id, parent_id, relation, source) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT DO UPDATE SET relation = excluded.relation",
    )?;
    for e in edges.iter().filter(|e| sources.contains(&e.source)) {
        insert.execute(params![
            child,
            e.parent,
            e.relation.as_str(),
            e.source.as_str()
        ])?;
    }
    Ok(())
}

fn replace_lineage(
    tx: &Connection,
    child: &str,
    edges: &[LineageEdge],
    sources: &[LineageSource],
) -> Result<(), StoreError> {
    let mut delete =
        tx.prepare_cached("DELETE FROM lineage WHERE child_id = ?1 AND source = ?2")?;
    for source in sources {
        delete.execute(params![child, source.as_str()])?;
    }
    write_lineage(tx, child, edges, sources)
}

impl IngestReport {
    /// The summary of an ingest of `what` into `db` that took `seconds`: what was read,
    /// stored, updated, left unchanged and skipped, the commonest reasons, and the source's
    /// frame (outside text escaped for a terminal).
    pub fn summary(&self, what: &str, db: &str, seconds: f64) -> String {
        let report = self;
        let c = &report.counts;
        let mut line = format!(
            "hubscope ingest {what}: read {}, stored {}, updated {}, unchanged {}, skipped {}, fields \
         dropped {} (run {} into {}; {seconds:.2} s, {:.0} records/s)",
            c.read,
            c.stored,
            c.updated,
            c.unchanged,
            c.skipped,
            c.field_issues,
            report.run_id,
            db,
            c.read as f64 / seconds.max(1e-9),
        );
        if !report.reasons.is_empty() {
            let why: Vec<String> = report
                .reasons
                .iter()
                .take(8)
                .map(|(reason, n)| format!("{reason} ({n})"))
                .collect();
            let more = report.reasons.len().saturating_sub(why.len());
            line.push_str("\n  why: ");
            line.push_str(&crate::text::escape_controls(&why.join("; ")));
            if more > 0 {
                line.push_str(&format!("; and {more} more kinds"));
            }
            line.push_str(&format!(
                "\n  every issue: SELECT * FROM ingest_issues WHERE run_id = {}",
                report.run_id
            ));
        }
        if what != "cards" {
            line.push('\n');
            line.push_str(&report.source.frame_line(&report.declared));
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::reason_key;

    #[test]
    fn issues_are_grouped_by_what_went_wrong_not_where() {
        assert_eq!(
            reason_key("line 10: not JSON: expected value at line 1 column 1"),
            reason_key("line 11: not JSON: expected value at line 1 column 1")
        );
        assert_eq!(
            reason_key("line 10: not JSON: expected value at line 1 column 1"),
            "not JSON: expected value at line column"
        );
        assert_eq!(
            reason_key(
                "createdAt: implausible date 9999-12-31T23:59:59.000Z (before 2016-01-01 or after \
                 now + 2 days), dropped"
            ),
            "createdAt: implausible date"
        );
        assert_eq!(
            reason_key("card is 17000000 bytes, over the limit of 16777216 bytes"),
            "card is bytes, over the limit of bytes"
        );
        assert_eq!(reason_key("12345"), "other");
        assert_eq!(
            reason_key("not UTF-8: invalid byte at offset 9"),
            "not UTF-8: invalid byte at offset"
        );
        assert_eq!(reason_key("topic 7: HTTP 404: gone"), "topic: HTTP 404");
    }
}
