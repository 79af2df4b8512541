//! The `hubscope` command line. This binary only wires the library crates together: it owns the
//! command line, the terminal (progress bars, tables) and exit codes; every analysis lives in a
//! library crate.
//!
//! Exit codes: 0 success, 1 policy failure (audit), 2 usage or input error, 130 interrupted
//! (Ctrl-C; the work is saved and resumable).
#![forbid(unsafe_code)]

mod args;
mod atomic;
mod audit_cmd;
mod card_cmd;
mod catalog_cmd;
mod classify_cmd;
mod code_cmd;
mod correlate_cmd;
mod crawl_cmd;
mod db_cmd;
mod export_cmd;
mod ingest_cmd;
mod mentions_cmd;
mod poc_cmd;
mod progress;
mod report_cmd;
mod select_cmd;
mod sources_cmd;
mod study_cmd;
mod taxonomy_cmd;
mod terminal;
mod trends_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Study and govern the reuse of pre-trained models from the Hugging Face Hub.
#[derive(Debug, Parser)]
#[command(name = "hubscope", version, about, propagate_version = true)]
struct Cli {
    /// The database file.
    #[arg(
        long,
        global = true,
        env = "HUBSCOPE_DB",
        default_value = "hubscope.db",
        value_name = "PATH"
    )]
    db: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The main job: ingest the dumps of a folder (--from DIR) or crawl a recent slice of the
    /// Hub and the forum, analyse, and write the report.
    Study(study_cmd::StudyArgs),
    /// Write the study report (index.html, report.md, charts, tables) from the database.
    Report(report_cmd::ReportArgs),
    /// Analyse model cards (README.md): front matter, sections, signals, completeness score.
    Card(card_cmd::CardArgs),
    /// Store a dump (models, model cards, Hub discussions) in the database.
    #[command(subcommand)]
    Ingest(ingest_cmd::IngestCommand),
    /// Crawl the Hugging Face Hub into the database (resumable).
    #[command(subcommand)]
    Crawl(crawl_cmd::CrawlCommand),
    /// The sources of the database and their sampling frames (census or sample); `sources
    /// declare` sets a source's frame.
    Sources(sources_cmd::SourcesArgs),
    /// Write the database's tables as Parquet or CSV datasets.
    Export(export_cmd::ExportArgs),
    /// Count, per month and model family, the forum topics and Hub discussions that mention
    /// the family (whole words, aliases, model context for ambiguous names).
    Mentions(mentions_cmd::MentionsArgs),
    /// Monthly series of the study: uploads by family/pipeline/library/author, documentation,
    /// family resolution; CSV, JSON or Parquet plus an SVG chart, with trend tests.
    #[command(subcommand)]
    Trends(trends_cmd::TrendsCommand),
    /// Spearman between monthly mentions and uploads per family and across families (from the
    /// store, or from two published wide tables).
    Correlate(correlate_cmd::CorrelateArgs),
    /// Draw a random sample of forum topics or Hub discussions to code by hand (Cochran's size,
    /// seeded, optionally stratified) and write it as a coding sheet.
    Sample(code_cmd::SampleArgs),
    /// Store coders' filled sheets (`import`) and adjudicated codes (`resolve`).
    #[command(subcommand)]
    Code(code_cmd::CodeCommand),
    /// Agreement between coders: Cohen's κ per pair, Fleiss' κ, Krippendorff's α, and the
    /// disagreements to resolve.
    Agreement(code_cmd::AgreementArgs),
    /// Classify topics into the study's challenge categories; `classify eval` scores
    /// predictions against gold codes.
    Classify(classify_cmd::ClassifyArgs),
    /// The taxonomy of the coded topics: counts and shares per category and subcategory, and
    /// a sunburst chart.
    #[command(subcommand)]
    Taxonomy(taxonomy_cmd::TaxonomyCommand),
    /// Check models (stored, or README files) against a written policy; exit code 1 when any
    /// fails, so it can gate CI.
    Audit(audit_cmd::AuditArgs),
    /// The internal catalog of approved models, with its append-only decision log.
    #[command(subcommand)]
    Catalog(catalog_cmd::CatalogCommand),
    /// Candidates for a task, ranked by a transparent score (documentation, evaluation,
    /// adoption, maintenance, licence fit); models failing a policy set apart.
    Shortlist(select_cmd::ShortlistArgs),
    /// Models side by side: metadata, licence, sections, score, findings.
    Compare(select_cmd::CompareArgs),
    /// Evaluate local encoder models on your own labelled texts (accuracy, macro-F1, latency,
    /// throughput, memory), optionally recorded in the catalog.
    Poc(poc_cmd::PocArgs),
    /// Inspect the database.
    #[command(subcommand)]
    Db(db_cmd::DbCommand),
}

/// The commands that may embed texts (`classify`, `sample`'s suggestions, `study`'s taxonomy,
/// `poc`).
const EMBEDDING_COMMANDS: [&str; 4] = ["classify", "sample", "study", "poc"];

/// candle sizes its pool for element-wise work from `CANDLE_NUM_THREADS` when it is first used;
/// hubscope-embed runs batches side by side on rayon, and that pool then only adds contention
/// (227 vs 170 posts/s at 32 tokens on 2 cores). Setting a variable in-process is unsafe in
/// Rust 2024 (other threads may read the environment), so a command that may embed replaces
/// this process, once, with itself and `CANDLE_NUM_THREADS=1` — before any thread exists. A
/// value the user set wins; if the exec fails the command runs on, only slower.
#[cfg(unix)]
fn with_single_threaded_candle_pool() {
    use std::os::unix::process::CommandExt as _;
    if std::env::var_os("CANDLE_NUM_THREADS").is_some()
        || !std::env::args_os()
            .skip(1)
            .any(|a| EMBEDDING_COMMANDS.iter().any(|c| a == *c))
    {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let _ = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("CANDLE_NUM_THREADS", "1")
        .exec();
}

#[cfg(not(unix))]
fn with_single_threaded_candle_pool() {}

fn main() -> ExitCode {
    with_single_threaded_candle_pool();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match cli.command {
        Command::Study(args) => study_cmd::run(&cli.db, args),
        Command::Report(args) => report_cmd::run(&cli.db, args),
        Command::Card(args) => card_cmd::run(args),
        Command::Ingest(command) => ingest_cmd::run(&cli.db, command),
        Command::Crawl(command) => crawl_cmd::run(&cli.db, command),
        Command::Export(args) => export_cmd::run(&cli.db, args),
        Command::Sources(args) => sources_cmd::run(&cli.db, args),
        Command::Db(command) => db_cmd::run(&cli.db, command),
        Command::Mentions(args) => mentions_cmd::run(&cli.db, args),
        Command::Trends(command) => trends_cmd::run(&cli.db, command),
        Command::Correlate(args) => correlate_cmd::run(&cli.db, args),
        Command::Sample(args) => code_cmd::sample(&cli.db, args),
        Command::Classify(args) => classify_cmd::run(&cli.db, args),
        Command::Code(command) => code_cmd::code(&cli.db, command),
        Command::Agreement(args) => code_cmd::agreement(&cli.db, args),
        Command::Taxonomy(command) => taxonomy_cmd::run(&cli.db, command),
        Command::Audit(args) => audit_cmd::run(&cli.db, args),
        Command::Catalog(command) => catalog_cmd::run(&cli.db, command),
        Command::Shortlist(args) => select_cmd::shortlist(&cli.db, args),
        Command::Compare(args) => select_cmd::compare(&cli.db, args),
        Command::Poc(args) => poc_cmd::run(&cli.db, args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if err.downcast_ref::<crawl_cmd::Interrupted>().is_some() {
                return ExitCode::from(130);
            }
            if err.downcast_ref::<audit_cmd::PolicyFailed>().is_some() {
                return ExitCode::from(1);
            }
            if is_broken_pipe(&err) {
                // `hubscope card … | head` is not an error.
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {}", error_text(&err));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, each said once (a cause whose text the message already holds, as
/// SQLite's does, is not repeated), with control characters from outside text made visible.
fn error_text(err: &anyhow::Error) -> String {
    let mut text = String::new();
    let mut last = String::new();
    for cause in err.chain() {
        let cause = cause.to_string();
        // SQLite's innermost cause restates its message behind a code: "Error code 13: …".
        let repeated = text.contains(&cause) || (!last.is_empty() && cause.ends_with(&last));
        last.clone_from(&cause);
        if repeated {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause);
    }
    terminal::clean_lines(&text).into_owned()
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
