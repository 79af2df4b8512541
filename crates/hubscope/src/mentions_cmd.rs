//! `hubscope mentions`: per month and family, the topics (forum topics, Hub discussions) whose
//! text mentions the family; `hubscope mentions families`: the family table in effect.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use hubscope_mentions::summary::{ambiguous_text, counted_text, families_text, write_review};
use hubscope_mentions::{CountOptions, Matcher, MentionTable, Selection, count_store};
use hubscope_store::Store;
use hubscope_store::time::Month;

use crate::args::{SourceArg, check_range, family_table_with_store_types, parse_month};
use crate::atomic::write_atomically;
use crate::terminal::eprint_clean;

/// Count, per month and model family, the topics that mention the family.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct MentionsArgs {
    #[command(subcommand)]
    command: Option<MentionsCommand>,
    #[command(flatten)]
    families: FamilyArgs,
    /// Which topics: forum topics, Hub discussions, or both.
    #[arg(long, value_enum, default_value_t = SourceArg::All)]
    source: SourceArg,
    /// First month counted (YYYY-MM or a date), by the month a topic was opened.
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    from: Option<Month>,
    /// Last month counted (inclusive).
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    to: Option<Month>,
    /// long: month,family,topics; wide: one row per family, one column per month, then total.
    #[arg(long, value_enum, default_value_t = Shape::Long)]
    shape: Shape,
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    format: Format,
    /// Write the table to FILE (default: standard output).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Ignore fenced code blocks and inline code.
    #[arg(long)]
    skip_code: bool,
    /// Write every occurrence of an ambiguous name, counted or not, with its context, as CSV.
    #[arg(long, value_name = "FILE")]
    review: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
enum MentionsCommand {
    /// Print the family table in effect (the built-in table or --families FILE, plus the
    /// store's model types) as CSV, ready to edit and pass back with --families.
    Families {
        #[command(flatten)]
        families: FamilyArgs,
    },
}

#[derive(Debug, clap::Args)]
struct FamilyArgs {
    /// A family table (CSV: family,aliases,context) instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    families: Option<PathBuf>,
    /// Add the store's model types that the table does not name when at least N models have
    /// them (0: add none).
    #[arg(long, value_name = "N", default_value_t = 5)]
    min_models: u64,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Shape {
    Long,
    Wide,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Csv,
    Json,
}

pub fn run(db: &Path, args: MentionsArgs) -> anyhow::Result<()> {
    if let Some(MentionsCommand::Families { families }) = args.command {
        let store = Store::open_read_only(db)?;
        let (table, skipped) = family_table_with_store_types(
            &store,
            families.families.as_deref(),
            families.min_models,
        )?;
        // Through a Result, so `| head` is not a panic.
        std::io::Write::write_all(&mut std::io::stdout().lock(), table.to_csv().as_bytes())?;
        eprint_clean(&families_text(&table, &skipped));
        return Ok(());
    }
    check_range(args.from, args.to)?;
    let store = Store::open_read_only(db)?;
    let (table, skipped) = family_table_with_store_types(
        &store,
        args.families.families.as_deref(),
        args.families.min_models,
    )?;
    let matcher = Matcher::new(table.families.clone()).map_err(anyhow::Error::msg)?;
    let selection = Selection {
        sources: args.source.sources(),
        from: args.from,
        to: args.to,
    };
    let options = CountOptions {
        skip_code: args.skip_code,
        review: args.review.is_some(),
    };
    let started = Instant::now();
    let (mut tally, reading) = count_store(&store, &matcher, &selection, options)?;
    let seconds = started.elapsed().as_secs_f64();
    let mentions = MentionTable::new(&tally, &table.families, args.from, args.to);

    let write_table = |out: &mut dyn Write| -> anyhow::Result<()> {
        match (args.shape, args.format) {
            (Shape::Long, Format::Csv) => mentions.write_long_csv(&mut *out)?,
            (Shape::Wide, Format::Csv) => mentions.write_wide_csv(&mut *out)?,
            (Shape::Long, Format::Json) => mentions.write_long_json(&mut *out)?,
            (Shape::Wide, Format::Json) => mentions.write_wide_json(&mut *out)?,
        }
        if matches!(args.format, Format::Json) {
            writeln!(out)?;
        }
        Ok(())
    };
    match &args.out {
        Some(path) => write_atomically(path, |out| write_table(out))?,
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            write_table(&mut lock)?;
            lock.flush()?;
        }
    }
    if let Some(path) = &args.review {
        tally.sort_review();
        write_atomically(path, |out| Ok(write_review(out, &tally, &table)?))
            .with_context(|| format!("writing the review file {}", path.display()))?;
    }

    let mut summary = counted_text(&tally, &reading, &table, &mentions, seconds);
    summary += &families_text(&table, &skipped);
    summary += &ambiguous_text(&tally, &table, args.review.is_some());
    eprint_clean(&summary);
    if let Some(path) = &args.out {
        eprintln!("  wrote {}", path.display());
    }
    Ok(())
}
