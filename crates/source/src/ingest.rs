//! Ingests: a dump read by this crate's readers and written into the store through one ingest
//! session, the typed operations behind `hubscope ingest` and the ingest steps of `study`.
//!
//! A reader thread parses the file into batches while the caller's thread writes them, one
//! transaction every `batch_size` records; what was committed stays when a later batch fails,
//! and the run is marked failed with the reason. Memory is bounded by the batch sizes, not by
//! the file.

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use hubscope_card::{CardAnalyzer, Limits};
use hubscope_store::{
    Batch, CardRevision, FrameDeclaration, IngestKind, IngestReport, IngestSession, Issue,
    Severity, SourceInfo, Store, StoreError,
};
use rayon::prelude::*;

use crate::cards::{self, CardItem, CardItems, CardSource};
use crate::{DiscussionReader, ModelFormat, ModelReader, SourceError};

/// Why an ingest stopped. What was committed before it is stored in every case.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The source could not be opened or read on.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The store could not be opened, or the run could not be begun or ended.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A batch could not be read: the run is marked failed.
    #[error("the ingest stopped; what was read before is stored")]
    Read(#[source] SourceError),
    /// A batch could not be written: the run is marked failed, or (when `marked` is false,
    /// because the store refused that too) the next ingest marks it interrupted.
    #[error("{}", if *.marked {
        "the ingest stopped and is marked failed; what was committed before is stored"
    } else {
        "the ingest stopped; what was committed before is stored, and the next ingest will mark \
         this run interrupted"
    })]
    Write {
        #[source]
        error: StoreError,
        marked: bool,
    },
    /// A reading thread panicked: the run is marked failed, not complete with part of the data.
    #[error("a reading thread failed ({0}); what was read before is stored")]
    Reader(String),
    /// The last batch could not be committed.
    #[error("the ingest's last batch could not be stored; what was committed before is kept")]
    Finish(#[source] StoreError),
}

/// What the reader's position is in, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    Rows,
}

/// Follows an ingest as it goes (a progress bar; nothing, for [`Quiet`]).
pub trait Watch {
    /// The source holds `total` units.
    fn begin(&self, _total: u64, _unit: Unit) {}
    /// The reader is at `position` units.
    fn at(&self, _position: u64) {}
    /// Every batch was written.
    fn end(&self) {}
}

/// A [`Watch`] that shows nothing.
pub struct Quiet;

impl Watch for Quiet {}

/// A dump of models (JSON Lines, Parquet or CSV) and what it is a record of.
#[derive(Debug, Clone)]
pub struct ModelsIngest {
    pub file: PathBuf,
    /// Records per transaction (a killed ingest loses at most the last, uncommitted one).
    pub batch_size: usize,
    pub frame: FrameDeclaration,
}

impl ModelsIngest {
    pub const BATCH_SIZE: usize = 100_000;

    pub fn new(file: impl Into<PathBuf>, frame: FrameDeclaration) -> Self {
        ModelsIngest {
            file: file.into(),
            batch_size: Self::BATCH_SIZE,
            frame,
        }
    }
}

/// A `.jsonl` of Hub discussion threads and what it is a record of.
#[derive(Debug, Clone)]
pub struct DiscussionsIngest {
    pub file: PathBuf,
    /// Threads per transaction.
    pub batch_size: usize,
    pub frame: FrameDeclaration,
}

impl DiscussionsIngest {
    pub const BATCH_SIZE: usize = 20_000;

    pub fn new(file: impl Into<PathBuf>, frame: FrameDeclaration) -> Self {
        DiscussionsIngest {
            file: file.into(),
            batch_size: Self::BATCH_SIZE,
            frame,
        }
    }
}

/// Model cards: README files, folders of them, or `.jsonl` files of `{"id", "readme"}`.
#[derive(Debug, Clone)]
pub struct CardsIngest {
    pub paths: Vec<PathBuf>,
    /// Keep the README text (zstd-compressed) next to the analysis.
    pub keep_text: bool,
    /// The model id for a single README file given directly (default: its folder's name).
    pub model_id: Option<String>,
    /// Larger cards are skipped with the reason.
    pub max_card_bytes: usize,
}

impl CardsIngest {
    pub fn new(paths: Vec<PathBuf>) -> Self {
        CardsIngest {
            paths,
            keep_text: false,
            model_id: None,
            max_card_bytes: Limits::default().max_card_bytes,
        }
    }
}

/// Records handed from a reader to the writer at a time: small, so that few are in memory,
/// whatever the size of a transaction.
const CHUNK: usize = 10_000;

/// Ingests a dump of models into `store`.
pub fn ingest_models(
    store: &mut Store,
    job: &ModelsIngest,
    watch: &dyn Watch,
) -> Result<IngestReport, IngestError> {
    let mut reader = ModelReader::open(&job.file, job.batch_size.min(CHUNK))?;
    let format = reader.format();
    let (_, total) = reader.progress();
    watch.begin(
        total,
        match format {
            ModelFormat::Parquet => Unit::Rows,
            _ => Unit::Bytes,
        },
    );
    let info = source_info(&job.file, format.as_str()).frame(job.frame.clone());
    let next = move || {
        reader
            .next_batch()
            .map(|b| b.map(|b| (b, reader.progress().0)))
    };
    ingest_stream(
        store,
        IngestKind::Models,
        &info,
        job.batch_size,
        watch,
        next,
        |s, batch| s.write_models(batch).map(|_| ()),
    )
}

/// Ingests a `.jsonl` of Hub discussion threads into `store`.
pub fn ingest_discussions(
    store: &mut Store,
    job: &DiscussionsIngest,
    watch: &dyn Watch,
) -> Result<IngestReport, IngestError> {
    let mut reader = DiscussionReader::open(&job.file, job.batch_size.min(CHUNK))?;
    watch.begin(reader.progress().1, Unit::Bytes);
    let info = source_info(&job.file, "jsonl").frame(job.frame.clone());
    let next = move || {
        reader
            .next_batch()
            .map(|b| b.map(|b| (b, reader.progress().0)))
    };
    ingest_stream(
        store,
        IngestKind::Discussions,
        &info,
        job.batch_size,
        watch,
        next,
        |s, batch| s.write_discussions(batch).map(|_| ()),
    )
}

/// Ingests a folder of saved Discourse responses: categories, then topics with their posts, in
/// one transaction (a folder of responses fits in memory; the reader caps each file at 64 MiB).
pub fn ingest_forum(
    store: &mut Store,
    dir: &Path,
    frame: FrameDeclaration,
) -> Result<IngestReport, IngestError> {
    if !dir.is_dir() {
        return Err(SourceError::invalid(dir, "not a folder of Discourse JSON responses").into());
    }
    let dump = crate::discourse::read_dir(dir)?;
    let mut session =
        store.begin_ingest(IngestKind::Forum, &source_info(dir, "dir").frame(frame))?;
    let result = session
        .write_forum_categories(dump.categories)
        .and_then(|_| session.write_forum_threads(dump.threads));
    if let Err(error) = result {
        let marked = session.fail(&error.to_string()).is_ok();
        return Err(IngestError::Write { error, marked });
    }
    session.finish().map_err(IngestError::Finish)
}

/// Ingests model cards: each is analysed on the rayon pool, batch by batch, ahead of the
/// writer, and a changed text is stored as a new revision.
pub fn ingest_cards(
    store: &mut Store,
    job: &CardsIngest,
    watch: &dyn Watch,
) -> Result<IngestReport, IngestError> {
    let paths = &job.paths;
    let sources = cards::expand(paths)?;
    let total: u64 = sources
        .iter()
        .filter_map(|s| std::fs::metadata(s.path()).ok())
        .map(|m| m.len())
        .sum();
    let roots: Vec<PathBuf> = paths.to_vec();
    let single_file = sources.len() == 1 && !paths[0].is_dir();
    let analyzer = CardAnalyzer::with_limits(Limits {
        max_card_bytes: job.max_card_bytes,
        ..Limits::default()
    });
    let format = if paths.iter().all(|p| cards::is_jsonl(p)) {
        "jsonl"
    } else {
        "files"
    };
    let info = SourceInfo::new(
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" "),
        format,
    )
    .bytes(Some(total));
    let info = match paths
        .iter()
        .map(|p| std::fs::canonicalize(p).map(|c| c.display().to_string()))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(keys) => info.key(keys.join(" ")),
        Err(_) => info,
    };
    let session = store.begin_ingest(IngestKind::Cards, &info)?;
    watch.begin(total, Unit::Bytes);
    let (items, reading) = spawn_card_reader(sources, job.max_card_bytes);
    let (tx, rx) = mpsc::sync_channel(1);
    let model_id = job.model_id.clone();
    let keep_text = job.keep_text;
    let analysing = std::thread::spawn(move || {
        let mut position = 0u64;
        for batch in items {
            let batch = batch.map(|items| {
                position += items.iter().map(|i| i.consumed).sum::<u64>();
                let analysed: Vec<Result<CardRevision, Issue>> = items
                    .into_par_iter()
                    .map(|item| {
                        revision(
                            &analyzer,
                            item,
                            keep_text,
                            &roots,
                            single_file,
                            model_id.as_deref(),
                        )
                    })
                    .collect();
                let mut out = Batch {
                    read: analysed.len() as u64,
                    ..Batch::default()
                };
                for a in analysed {
                    match a {
                        Ok(rev) => out.records.push(rev),
                        Err(issue) => out.issues.push(issue),
                    }
                }
                (out, position)
            });
            let stop = batch.is_err();
            if tx.send(batch).is_err() || stop {
                return;
            }
        }
    });
    drive(session, rx, vec![analysing, reading], watch, |s, batch| {
        s.write_cards(batch).map(|_| ())
    })
}

/// Cards per batch, and the most bytes of card text a batch may hold.
pub const BATCH_CARDS: usize = 512;
pub const BATCH_BYTES: usize = 16 << 20;

/// Reads cards on a thread of their own, in batches of at most [`BATCH_CARDS`] cards or
/// [`BATCH_BYTES`] bytes; the reader runs ahead by at most two batches. A read failure ends the
/// stream with an `Err`.
pub fn spawn_card_reader(
    sources: Vec<CardSource>,
    max_card_bytes: usize,
) -> (
    mpsc::Receiver<Result<Vec<CardItem>, SourceError>>,
    std::thread::JoinHandle<()>,
) {
    let (tx, rx) = mpsc::sync_channel(2);
    let reader = std::thread::spawn(move || {
        let mut items = CardItems::new(sources, max_card_bytes);
        loop {
            let mut batch = Vec::new();
            let mut bytes = 0usize;
            while batch.len() < BATCH_CARDS && bytes < BATCH_BYTES {
                match items.next_item() {
                    Ok(Some(item)) => {
                        bytes += item.text.as_ref().map_or(0, Vec::len);
                        batch.push(item);
                    }
                    Ok(None) => break,
                    Err(err) => {
                        if !batch.is_empty() {
                            let _ = tx.send(Ok(std::mem::take(&mut batch)));
                        }
                        let _ = tx.send(Err(err));
                        return;
                    }
                }
            }
            if batch.is_empty() || tx.send(Ok(batch)).is_err() {
                return;
            }
        }
    });
    (rx, reader)
}

/// A batch and the reader's position after it.
type Positioned<T> = Result<(Batch<T>, u64), SourceError>;

/// Starts a session committing every `batch_size` records, reads batches from `next` on a
/// thread of their own and writes each with `write`.
fn ingest_stream<T: Send + 'static>(
    store: &mut Store,
    kind: IngestKind,
    info: &SourceInfo,
    batch_size: usize,
    watch: &dyn Watch,
    next: impl FnMut() -> Result<Option<(Batch<T>, u64)>, SourceError> + Send + 'static,
    write: impl FnMut(&mut IngestSession<'_>, Batch<T>) -> Result<(), StoreError>,
) -> Result<IngestReport, IngestError> {
    let mut session = store.begin_ingest(kind, info)?;
    session.set_commit_every(batch_size as u64);
    let (rx, reading) = spawn_batches(next);
    drive(session, rx, vec![reading], watch, write)
}

/// Runs an ingest: batches arrive from `batches` (a reader thread); each is written in its own
/// transaction. A read failure marks the run failed (what was stored stays) and is returned.
///
/// The run is completed only once every thread that fed it (`feeders`) has ended cleanly: a
/// reader that panicked closes the channel like one that finished, and its run must not be
/// marked complete with part of the data.
fn drive<T: Send + 'static>(
    mut session: IngestSession<'_>,
    batches: mpsc::Receiver<Positioned<T>>,
    feeders: Vec<std::thread::JoinHandle<()>>,
    watch: &dyn Watch,
    mut write: impl FnMut(&mut IngestSession<'_>, Batch<T>) -> Result<(), StoreError>,
) -> Result<IngestReport, IngestError> {
    for batch in batches {
        match batch {
            Ok((batch, position)) => {
                if let Err(error) = write(&mut session, batch) {
                    let marked = session.fail(&error.to_string()).is_ok();
                    return Err(IngestError::Write { error, marked });
                }
                watch.at(position);
            }
            Err(err) => {
                session.fail(&err.to_string())?;
                return Err(IngestError::Read(err));
            }
        }
    }
    watch.end();
    for feeder in feeders {
        if let Err(panic) = feeder.join() {
            let what = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("no message")
                .to_string();
            session.fail(&IngestError::Reader(what.clone()).to_string())?;
            return Err(IngestError::Reader(what));
        }
    }
    session.finish().map_err(IngestError::Finish)
}

/// Runs `next` on a thread of its own until it returns `None` or an error, sending each batch;
/// the reader runs ahead of the writer by at most two batches.
fn spawn_batches<T: Send + 'static>(
    mut next: impl FnMut() -> Result<Option<(Batch<T>, u64)>, SourceError> + Send + 'static,
) -> (mpsc::Receiver<Positioned<T>>, std::thread::JoinHandle<()>) {
    let (tx, rx) = mpsc::sync_channel(2);
    let handle = std::thread::spawn(move || {
        loop {
            let (message, stop) = match next() {
                Ok(Some(batch)) => (Ok(batch), false),
                Ok(None) => return,
                Err(err) => (Err(err), true),
            };
            if tx.send(message).is_err() || stop {
                return;
            }
        }
    });
    (rx, handle)
}

/// The source `path`, known across runs by its canonical path.
fn source_info(path: &Path, format: &str) -> SourceInfo {
    let info = SourceInfo::new(path.display().to_string(), format)
        .bytes(std::fs::metadata(path).ok().map(|m| m.len()));
    match std::fs::canonicalize(path) {
        Ok(canonical) => info.key(canonical.display().to_string()),
        Err(_) => info,
    }
}

/// Analyses one card item into a revision, or the issue that stops it.
fn revision(
    analyzer: &CardAnalyzer,
    item: CardItem,
    keep_text: bool,
    roots: &[PathBuf],
    single_file: bool,
    model_id: Option<&str>,
) -> Result<CardRevision, Issue> {
    let skipped = |record: &str, reason: String| Issue {
        record: record.to_string(),
        severity: Severity::Skipped,
        reason,
    };
    let bytes = item.text.map_err(|reason| skipped(&item.id, reason))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        skipped(
            &item.id,
            format!(
                "not UTF-8: invalid byte at offset {}",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    let analysis = analyzer
        .analyze(&text)
        .map_err(|e| skipped(&item.id, format!("{e} (--max-card-bytes)")))?;
    let id = card_model_id(&item.id, roots, single_file, model_id);
    Ok(CardRevision::new(id, &text, analysis, keep_text))
}

/// The model a card belongs to: the `.jsonl` id; for a file, `--model-id`, else its path below
/// the folder given (`org/model/README.md` → `org/model`; `notes/x.md` → `notes/x`), else the
/// name of the file's folder.
fn card_model_id(
    item_id: &str,
    roots: &[PathBuf],
    single_file: bool,
    model_id: Option<&str>,
) -> String {
    let path = Path::new(item_id);
    if !path.is_file() {
        return item_id.to_string(); // a .jsonl record id
    }
    if single_file && let Some(id) = model_id {
        return id.to_string();
    }
    let relative = roots
        .iter()
        .filter(|root| root.is_dir())
        .find_map(|root| path.strip_prefix(root).ok())
        .map(Path::to_path_buf);
    let is_readme = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.eq_ignore_ascii_case("readme.md"));
    let id_path = match (relative, is_readme) {
        (Some(rel), true) => rel
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty()),
        (Some(rel), false) => Some(rel.with_extension("")),
        (None, _) => None,
    }
    .or_else(|| path.parent().and_then(|p| p.file_name()).map(PathBuf::from));
    id_path
        .map(|p| {
            p.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_else(|| item_id.to_string())
}
