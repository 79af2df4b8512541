//! `hubscope ingest models|cards|discussions|forum`: read a dump, store it, say what happened.
//!
//! A reader thread parses the file into batches while this thread writes them, one
//! transaction per batch; the summary says what was read, stored, updated, left unchanged and
//! skipped, and why.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

use anyhow::Context;
use hubscope_card::{CardAnalyzer, Limits};
use hubscope_source::cards::{self, CardItem};
use hubscope_source::{DiscussionReader, ModelReader, SourceError};
use hubscope_store::{
    Batch, CardRevision, FrameDeclaration, IngestKind, IngestReport, IngestSession, Issue,
    Severity, SourceInfo, Store, StoreError,
};
use rayon::prelude::*;

use crate::card_batches::spawn_card_reader;
use crate::progress::Progress;
use crate::sources_cmd::FrameArgs;
use crate::terminal::clean;

/// Store a dump of models, model cards or Hub discussions.
#[derive(Debug, clap::Subcommand)]
pub enum IngestCommand {
    /// Models: a .jsonl of /api/models objects, a Parquet file or a CSV file; columns are mapped
    /// by name (id/modelId/model_name, createdAt/creation_time, downloads, pipeline_tag, …).
    Models {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Records per transaction (a killed ingest loses at most the last, uncommitted one).
        #[arg(long, default_value_t = 100_000)]
        batch_size: usize,
        #[command(flatten)]
        frame: FrameArgs,
    },
    /// Model cards: README.md files, folders of them, or .jsonl files of {"id", "readme"}; each
    /// is analysed and a changed text stored as a new revision.
    Cards {
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Keep the README text (zstd-compressed) next to the analysis.
        #[arg(long)]
        keep_text: bool,
        /// The model id for a single README file given directly (default: its folder's name).
        #[arg(long, value_name = "ID")]
        model_id: Option<String>,
        /// Refuse cards larger than this many bytes (the record is skipped with the reason).
        #[arg(long, default_value_t = Limits::default().max_card_bytes, value_name = "BYTES")]
        max_card_bytes: usize,
    },
    /// Hub discussion threads: a .jsonl of {repo_id, num, title, status, author, created_at,
    /// is_pull_request, comments: [...]}.
    Discussions {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Threads per transaction.
        #[arg(long, default_value_t = 20_000)]
        batch_size: usize,
        #[command(flatten)]
        frame: FrameArgs,
    },
    /// Forum topics and posts: a folder of saved Discourse JSON responses (/categories.json,
    /// topic lists, /t/{id}.json, /t/{id}/posts.json, /posts.json), recognised by their shape.
    Forum {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

pub fn run(db: &Path, command: IngestCommand) -> anyhow::Result<()> {
    let started = Instant::now();
    let (what, report) = match command {
        IngestCommand::Models {
            file,
            batch_size,
            frame,
        } => (
            "models",
            ingest_models(db, &file, batch_size, frame.declaration()?)?,
        ),
        IngestCommand::Cards {
            paths,
            keep_text,
            model_id,
            max_card_bytes,
        } => (
            "cards",
            ingest_cards(db, &paths, keep_text, model_id.as_deref(), max_card_bytes)?,
        ),
        IngestCommand::Discussions {
            file,
            batch_size,
            frame,
        } => (
            "discussions",
            ingest_discussions(db, &file, batch_size, frame.declaration()?)?,
        ),
        IngestCommand::Forum { dir } => (
            "forum",
            ingest_forum(db, &dir, FrameDeclaration::undeclared())?,
        ),
    };
    print_summary(what, db, &report, started);
    Ok(())
}

/// Prints the summary of an ingest that began at `started`.
pub fn print_summary(what: &str, db: &Path, report: &IngestReport, started: Instant) {
    eprintln!(
        "{}",
        summary(what, db, report, started.elapsed().as_secs_f64())
    );
}

/// The summary line(s) of an ingest.
fn summary(what: &str, db: &Path, report: &IngestReport, seconds: f64) -> String {
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
        db.display(),
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
        line.push_str(&clean(&why.join("; ")));
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
        line.push_str(&crate::sources_cmd::frame_line(
            &report.source,
            &report.declared,
        ));
    }
    line
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
    progress: &Progress,
    mut write: impl FnMut(&mut IngestSession<'_>, Batch<T>) -> Result<(), StoreError>,
) -> anyhow::Result<IngestReport> {
    for batch in batches {
        match batch {
            Ok((batch, position)) => {
                if let Err(err) = write(&mut session, batch) {
                    let message = err.to_string();
                    let marked = session.fail(&message);
                    let err = anyhow::Error::from(err);
                    return Err(match marked {
                        Ok(()) => err.context(
                            "the ingest stopped and is marked failed; what was committed before \
                             is stored",
                        ),
                        Err(_) => err.context(
                            "the ingest stopped; what was committed before is stored, and the \
                             next ingest will mark this run interrupted",
                        ),
                    });
                }
                progress.set(position);
            }
            Err(err) => {
                let message = err.to_string();
                session.fail(&message)?;
                return Err(anyhow::Error::from(err)
                    .context("the ingest stopped; what was read before is stored"));
            }
        }
    }
    progress.finish();
    for feeder in feeders {
        if let Err(panic) = feeder.join() {
            let what = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("no message");
            let message =
                format!("a reading thread failed ({what}); what was read before is stored");
            session.fail(&message)?;
            anyhow::bail!(message);
        }
    }
    session
        .finish()
        .context("the ingest's last batch could not be stored; what was committed before is kept")
}

/// A batch and the reader's position after it.
type Positioned<T> = Result<(Batch<T>, u64), SourceError>;

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

/// A folder of saved Discourse responses: categories, then topics with their posts, in one
/// transaction (a folder of responses fits in memory; the reader caps each file at 64 MiB).
pub fn ingest_forum(
    db: &Path,
    dir: &Path,
    frame: FrameDeclaration,
) -> anyhow::Result<IngestReport> {
    if !dir.is_dir() {
        anyhow::bail!(
            "{} is not a folder of Discourse JSON responses",
            dir.display()
        );
    }
    let dump = hubscope_source::discourse::read_dir(dir)?;
    let mut store = Store::open(db)?;
    let mut session =
        store.begin_ingest(IngestKind::Forum, &source_info(dir, "dir").frame(frame))?;
    let result = session
        .write_forum_categories(dump.categories)
        .and_then(|_| session.write_forum_threads(dump.threads));
    if let Err(err) = result {
        session.fail(&err.to_string())?;
        return Err(err.into());
    }
    session
        .finish()
        .context("the ingest's last batch could not be stored; what was committed before is kept")
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

/// Records handed from a reader to the writer at a time: small, so that few are in memory,
/// whatever the size of a transaction.
const CHUNK: usize = 10_000;

pub fn ingest_models(
    db: &Path,
    file: &Path,
    batch_size: usize,
    frame: FrameDeclaration,
) -> anyhow::Result<IngestReport> {
    let mut reader = ModelReader::open(file, batch_size.min(CHUNK))?;
    let format = reader.format();
    let (_, total) = reader.progress();
    let progress = match format {
        hubscope_source::ModelFormat::Parquet => Progress::rows(total),
        _ => Progress::new(total),
    };
    let info = source_info(file, format.as_str()).frame(frame);
    let next = move || {
        reader
            .next_batch()
            .map(|b| b.map(|b| (b, reader.progress().0)))
    };
    ingest_stream(
        db,
        IngestKind::Models,
        &info,
        batch_size,
        &progress,
        next,
        |s, batch| s.write_models(batch).map(|_| ()),
    )
}

/// Opens the store, starts a session committing every `batch_size` records, reads batches from
/// `next` on a thread of their own and writes each with `write`.
fn ingest_stream<T: Send + 'static>(
    db: &Path,
    kind: IngestKind,
    info: &SourceInfo,
    batch_size: usize,
    progress: &Progress,
    next: impl FnMut() -> Result<Option<(Batch<T>, u64)>, SourceError> + Send + 'static,
    write: impl FnMut(&mut IngestSession<'_>, Batch<T>) -> Result<(), StoreError>,
) -> anyhow::Result<IngestReport> {
    let mut store = Store::open(db).with_context(|| format!("cannot open {}", db.display()))?;
    let mut session = store.begin_ingest(kind, info)?;
    session.set_commit_every(batch_size as u64);
    let (rx, reading) = spawn_batches(next);
    drive(session, rx, vec![reading], progress, write)
}

pub fn ingest_discussions(
    db: &Path,
    file: &Path,
    batch_size: usize,
    frame: FrameDeclaration,
) -> anyhow::Result<IngestReport> {
    let mut reader = DiscussionReader::open(file, batch_size.min(CHUNK))?;
    let progress = Progress::new(reader.progress().1);
    let info = source_info(file, "jsonl").frame(frame);
    let next = move || {
        reader
            .next_batch()
            .map(|b| b.map(|b| (b, reader.progress().0)))
    };
    ingest_stream(
        db,
        IngestKind::Discussions,
        &info,
        batch_size,
        &progress,
        next,
        |s, batch| s.write_discussions(batch).map(|_| ()),
    )
}

pub fn ingest_cards(
    db: &Path,
    paths: &[PathBuf],
    keep_text: bool,
    model_id: Option<&str>,
    max_card_bytes: usize,
) -> anyhow::Result<IngestReport> {
    let sources = cards::expand(paths)?;
    let total: u64 = sources
        .iter()
        .filter_map(|s| std::fs::metadata(s.path()).ok())
        .map(|m| m.len())
        .sum();
    let roots: Vec<PathBuf> = paths.to_vec();
    let single_file = sources.len() == 1 && !paths[0].is_dir();
    let analyzer = CardAnalyzer::with_limits(Limits {
        max_card_bytes,
        ..Limits::default()
    });
    let mut store = Store::open(db).with_context(|| format!("cannot open {}", db.display()))?;
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
    let progress = Progress::new(total);
    let (items, reading) = spawn_card_reader(sources, max_card_bytes);
    // Analysis runs on the rayon pool, batch by batch, ahead of the writer.
    let (tx, rx) = mpsc::sync_channel(1);
    let model_id = model_id.map(str::to_string);
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
    drive(
        session,
        rx,
        vec![analysing, reading],
        &progress,
        |s, batch| s.write_cards(batch).map(|_| ()),
    )
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
