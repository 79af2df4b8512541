//! `hubscope ingest models|cards|discussions|forum`: read a dump, store it, say what happened.
//!
//! The ingests are [`hubscope_source::ingest`]'s; this module gives them a command line, a
//! progress bar and the summary (what was read, stored, updated, left unchanged and skipped,
//! and why).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use hubscope_card::Limits;
use hubscope_source::ingest::{self, CardsIngest, DiscussionsIngest, ModelsIngest, Unit, Watch};
use hubscope_store::{FrameDeclaration, IngestReport, Store};

use crate::progress::Progress;
use crate::sources_cmd::FrameArgs;

/// Store a dump of models, model cards or Hub discussions.
#[derive(Debug, clap::Subcommand)]
pub enum IngestCommand {
    /// Models: a .jsonl of /api/models objects, a Parquet file or a CSV file; columns are mapped
    /// by name (id/modelId/model_name, createdAt/creation_time, downloads, pipeline_tag, …).
    Models {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Records per transaction (a killed ingest loses at most the last, uncommitted one).
        #[arg(long, default_value_t = ModelsIngest::BATCH_SIZE)]
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
        #[arg(long, default_value_t = DiscussionsIngest::BATCH_SIZE)]
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
    let mut store = Store::open(db).with_context(|| format!("cannot open {}", db.display()))?;
    let bar = Bar::default();
    let (what, report) = match command {
        IngestCommand::Models {
            file,
            batch_size,
            frame,
        } => {
            let job = ModelsIngest {
                file,
                batch_size,
                frame: frame.declaration()?,
            };
            ("models", ingest::ingest_models(&mut store, &job, &bar))
        }
        IngestCommand::Cards {
            paths,
            keep_text,
            model_id,
            max_card_bytes,
        } => {
            let job = CardsIngest {
                paths,
                keep_text,
                model_id,
                max_card_bytes,
            };
            ("cards", ingest::ingest_cards(&mut store, &job, &bar))
        }
        IngestCommand::Discussions {
            file,
            batch_size,
            frame,
        } => {
            let job = DiscussionsIngest {
                file,
                batch_size,
                frame: frame.declaration()?,
            };
            (
                "discussions",
                ingest::ingest_discussions(&mut store, &job, &bar),
            )
        }
        IngestCommand::Forum { dir } => (
            "forum",
            ingest::ingest_forum(&mut store, &dir, FrameDeclaration::undeclared()),
        ),
    };
    print_summary(what, db, &report?, started);
    Ok(())
}

/// An ingest's progress bar, drawn on a terminal once the ingest knows its total.
#[derive(Default)]
pub struct Bar(std::sync::OnceLock<Progress>);

impl Watch for Bar {
    fn begin(&self, total: u64, unit: Unit) {
        let _ = self.0.set(match unit {
            Unit::Rows => Progress::rows(total),
            Unit::Bytes => Progress::new(total),
        });
    }

    fn at(&self, position: u64) {
        if let Some(bar) = self.0.get() {
            bar.set(position);
        }
    }

    fn end(&self) {
        if let Some(bar) = self.0.get() {
            bar.finish();
        }
    }
}

/// Prints the summary of an ingest that began at `started`.
pub fn print_summary(what: &str, db: &Path, report: &IngestReport, started: Instant) {
    eprintln!(
        "{}",
        report.summary(
            what,
            &db.display().to_string(),
            started.elapsed().as_secs_f64()
        )
    );
}
