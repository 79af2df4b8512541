//! `hubscope card`: analyse model cards from files, directories or `.jsonl` dumps.
//!
//! The streaming, parallel analysis is `hubscope_report::cards::analyse_all`; this module adds
//! the options, the thread pool, progress and the summary line.

use crate::atomic::write_atomically;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use hubscope_card::{CardAnalyzer, Limits};
use hubscope_report::cards::{self as output, CardFormat};
use hubscope_source::cards;

use crate::progress::Progress;

/// The output formats of `hubscope card`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One aligned line per card: score, front matter, licence, filled sections, words, notes.
    Table,
    /// A JSON array of full analyses.
    Json,
    /// One full analysis per line.
    Jsonl,
    /// One row per card, one column per measure.
    Csv,
}

impl From<Format> for CardFormat {
    fn from(f: Format) -> Self {
        match f {
            Format::Table => CardFormat::Table,
            Format::Json => CardFormat::Json,
            Format::Jsonl => CardFormat::Jsonl,
            Format::Csv => CardFormat::Csv,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct CardArgs {
    /// README.md files, directories (every README.md / *.md below), or .jsonl files of
    /// {"id", "readme"} objects.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Refuse cards larger than this many bytes (the record gets an error).
    #[arg(long, default_value_t = Limits::default().max_card_bytes, value_name = "BYTES")]
    max_card_bytes: usize,
    /// Threads used for analysis (default: one per core).
    #[arg(long, short, value_name = "N")]
    jobs: Option<usize>,
}

pub fn run(args: CardArgs) -> anyhow::Result<()> {
    let sources = cards::expand(&args.paths)?;
    let total_bytes: u64 = sources
        .iter()
        .filter_map(|s| std::fs::metadata(s.path()).ok())
        .map(|m| m.len())
        .sum();
    let analyzer = CardAnalyzer::with_limits(Limits {
        max_card_bytes: args.max_card_bytes,
        ..Limits::default()
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs(args.jobs))
        .build()
        .context("cannot start the analysis threads")?;

    // A file is written whole or not at all (a full disk leaves no partial output).
    match &args.out {
        Some(path) => write_atomically(path, |w| {
            analyse_all(&args, sources, total_bytes, &analyzer, &pool, w)
        }),
        None => {
            let mut stdout = std::io::BufWriter::new(std::io::stdout());
            analyse_all(&args, sources, total_bytes, &analyzer, &pool, &mut stdout)
        }
    }
}

/// Analyses every card of `sources` and writes the records to `out`, with progress on the
/// terminal and the summary on stderr.
fn analyse_all(
    args: &CardArgs,
    sources: Vec<cards::CardSource>,
    total_bytes: u64,
    analyzer: &CardAnalyzer,
    pool: &rayon::ThreadPool,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<()> {
    let progress = Progress::new(total_bytes);
    let started = Instant::now();
    let analysed = output::analyse_all(
        sources,
        analyzer,
        args.format.into(),
        pool,
        out,
        &|consumed| progress.advance(consumed),
    )?;
    progress.finish();
    eprintln!(
        "{}",
        analysed.tally.summary(started.elapsed().as_secs_f64())
    );
    match analysed.read_error {
        Some(err) => Err(err.into()),
        None => Ok(()),
    }
}

/// Analysis threads: `--jobs`, at most four per core (more only adds memory: each holds a card
/// in analysis), or one per core by default.
fn jobs(asked: Option<usize>) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    match asked {
        Some(n) if n > 4 * cores => {
            eprintln!(
                "hubscope card: --jobs {n} is more than four per core; using {}",
                4 * cores
            );
            4 * cores
        }
        Some(n) => n.max(1),
        None => cores,
    }
}
