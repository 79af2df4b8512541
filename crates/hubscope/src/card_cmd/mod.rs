//! `hubscope card`: analyse model cards from files, directories or `.jsonl` dumps.
//!
//! A reader thread streams cards into bounded batches; each batch is analysed in parallel on the
//! rayon pool and written in input order; memory holds at most a few batches whatever the size
//! of the input.

use crate::atomic::write_atomically;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use hubscope_card::{CardAnalyzer, CardError, Limits};
use hubscope_source::cards::{self, CardItem};
use rayon::prelude::*;

use crate::progress::Progress;
use hubscope_source::ingest::spawn_card_reader;

use hubscope_report::cards::{self as output, CardFormat, Record, RecordWriter};

/// Analyse model cards: front matter, sections, signals and a completeness score.
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

/// What one record contributes to the summary line.
#[derive(Debug, Default)]
struct Outcome {
    error: Option<String>,
    bytes: u64,
    front_matter: bool,
    invalid_yaml: bool,
    unedited_auto: bool,
    unedited_template: bool,
    score: u8,
}

impl Outcome {
    fn of(record: &Record) -> Outcome {
        match &record.result {
            Err(error) => Outcome {
                error: Some(format!("{}: {error}", record.id)),
                ..Outcome::default()
            },
            Ok(card) => Outcome {
                error: None,
                bytes: card.bytes,
                front_matter: card.front_matter.present,
                invalid_yaml: card.front_matter.present && !card.front_matter.parsed,
                unedited_auto: card.signals.unedited_auto_generated,
                unedited_template: card.signals.unedited_template,
                score: card.score.total,
            },
        }
    }
}

/// What a run did, for the summary line.
#[derive(Debug, Default)]
struct Tally {
    cards: u64,
    errors: u64,
    bytes: u64,
    front_matter: u64,
    invalid_yaml: u64,
    unedited_auto: u64,
    unedited_template: u64,
    score_sum: u64,
    first_error: Option<String>,
}

impl Tally {
    fn add(&mut self, outcome: Outcome) {
        self.cards += 1;
        if let Some(error) = outcome.error {
            self.errors += 1;
            self.first_error.get_or_insert(error);
            return;
        }
        self.bytes += outcome.bytes;
        self.front_matter += u64::from(outcome.front_matter);
        self.invalid_yaml += u64::from(outcome.invalid_yaml);
        self.unedited_auto += u64::from(outcome.unedited_auto);
        self.unedited_template += u64::from(outcome.unedited_template);
        self.score_sum += u64::from(outcome.score);
    }

    fn summary(&self, seconds: f64) -> String {
        let analysed = self.cards - self.errors;
        let mean = if analysed > 0 {
            self.score_sum as f64 / analysed as f64
        } else {
            0.0
        };
        let mut line = format!(
            "hubscope card: {} cards, {analysed} analysed, {} failed; front matter {} present, {} \
             invalid; unedited: {} auto-generated, {} template; mean score {mean:.1}; {:.1} MB in \
             {seconds:.2} s ({:.0} MB/s)",
            self.cards,
            self.errors,
            self.front_matter,
            self.invalid_yaml,
            self.unedited_auto,
            self.unedited_template,
            self.bytes as f64 / 1e6,
            self.bytes as f64 / 1e6 / seconds.max(1e-9),
        );
        if let Some(first) = &self.first_error {
            line.push_str(&format!("\n  first failure: {first}"));
        }
        line
    }
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

/// Analyses every card of `sources` and writes the records to `out`.
fn analyse_all(
    args: &CardArgs,
    sources: Vec<cards::CardSource>,
    total_bytes: u64,
    analyzer: &CardAnalyzer,
    pool: &rayon::ThreadPool,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<()> {
    let mut writer = RecordWriter::new(args.format.into(), out)?;
    let progress = Progress::new(total_bytes);

    let (batches, reader) = spawn_card_reader(sources, args.max_card_bytes);

    // Each record is analysed and rendered on the pool; while one batch is analysed, the
    // previous one is written, so the workers never wait for the output.
    let started = Instant::now();
    let mut tally = Tally::default();
    let format: CardFormat = args.format.into();
    let mut pending: Vec<(Vec<u8>, Outcome)> = Vec::new();
    let mut read_error = None;
    for batch in batches {
        let batch = match batch {
            Ok(batch) => batch,
            Err(err) => {
                let err = anyhow::Error::from(err);
                // Write what was read before the failure, then report it.
                read_error = Some(err);
                break;
            }
        };
        let consumed: u64 = batch.iter().map(|i| i.consumed).sum();
        let previous = std::mem::take(&mut pending);
        let (rendered, written) = pool.install(|| {
            rayon::join(
                || {
                    batch
                        .into_par_iter()
                        .map(|item| analyse_and_render(analyzer, format, item))
                        .collect::<std::io::Result<Vec<_>>>()
                },
                || write_pending(previous, &mut writer, &mut tally),
            )
        });
        written?;
        pending = rendered.context("cannot render the output")?;
        progress.advance(consumed);
    }
    write_pending(pending, &mut writer, &mut tally)?;
    if reader.join().is_err() {
        anyhow::bail!("the card reader failed; the output is incomplete");
    }
    writer.finish().context("cannot write the output")?;
    progress.finish();
    eprintln!("{}", tally.summary(started.elapsed().as_secs_f64()));
    match read_error {
        Some(err) => Err(err),
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

/// Writes rendered records in order and counts them.
fn write_pending<W: Write>(
    pending: Vec<(Vec<u8>, Outcome)>,
    writer: &mut RecordWriter<W>,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    for (rendered, outcome) in pending {
        writer
            .write_rendered(&rendered)
            .context("cannot write the output")?;
        tally.add(outcome);
    }
    Ok(())
}

/// Analyses one card and renders its record.
fn analyse_and_render(
    analyzer: &CardAnalyzer,
    format: CardFormat,
    item: CardItem,
) -> std::io::Result<(Vec<u8>, Outcome)> {
    let record = Record {
        result: item
            .text
            .and_then(|bytes| analyzer.analyze_bytes(&bytes).map_err(describe)),
        id: item.id,
    };
    Ok((output::render(format, &record)?, Outcome::of(&record)))
}

/// A card error as the user should read it: with the option that changes the limit.
fn describe(err: CardError) -> String {
    match err {
        CardError::TooLarge { .. } => format!("{err} (--max-card-bytes)"),
        CardError::NotUtf8 { .. } => err.to_string(),
    }
}
