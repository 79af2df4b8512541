//! `hubscope mentions`: per month and family, the topics (forum topics, Hub discussions) whose
//! text mentions the family; `hubscope mentions families`: the family table in effect.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use hubscope_mentions::{
    CountOptions, FamilyTable, Matcher, MentionTable, Origin, Selection, SkippedType, Tally,
    Verdict, count_store,
};
use hubscope_store::Store;
use hubscope_store::time::Month;

use crate::args::{SourceArg, check_range, family_table_with_store_types, parse_month};
use crate::atomic::write_atomically;

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
        print!("{}", table.to_csv());
        report_families(&table, &skipped);
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
        write_atomically(path, |out| write_review(out, &tally, &table))
            .with_context(|| format!("writing the review file {}", path.display()))?;
    }

    let per_source: Vec<String> = reading
        .topics
        .iter()
        .map(|(s, n)| format!("{} {n}", s.as_str()))
        .collect();
    eprintln!(
        "hubscope mentions: {} topics ({}), {:.1} MB in {seconds:.2} s ({:.0} MB/s); {} mention at least one of {} families; {} families found; months {}",
        tally.documents,
        per_source.join(", "),
        tally.bytes as f64 / 1e6,
        tally.bytes as f64 / 1e6 / seconds.max(1e-9),
        tally.with_mention,
        table.families.len(),
        mentions.families.len(),
        match (mentions.months.first(), mentions.months.last()) {
            (Some(a), Some(b)) => format!("{a}..{b}"),
            _ => "none".into(),
        }
    );
    let in_lists: u64 = tally.names.iter().map(|n| n.in_lists).sum();
    if in_lists > 0 {
        eprintln!(
            "  {in_lists} class names inside enumerations of many models' classes (such as \"Model type should be one of …\" errors) not counted"
        );
    }
    for (source, n) in &reading.undated {
        if *n > 0 {
            eprintln!(
                "  {n} {} topic(s) have no valid creation date and were left out",
                source.as_str()
            );
        }
    }
    report_families(&table, &skipped);
    report_ambiguous(&tally, &table, args.review.is_some());
    if let Some(path) = &args.out {
        eprintln!("  wrote {}", path.display());
    }
    Ok(())
}

/// The built-in table (or the user's) plus the store's model types.
fn report_families(table: &FamilyTable, skipped: &[SkippedType]) {
    let from_store: Vec<&str> = table
        .families
        .iter()
        .zip(&table.origins)
        .filter(|(_, o)| **o == Origin::Store)
        .map(|(f, _)| f.name.as_str())
        .collect();
    let listed = table.families.len() - from_store.len();
    if from_store.is_empty() {
        eprintln!("  families: {listed} from the table");
    } else {
        eprintln!(
            "  families: {listed} from the table + {} model type(s) of the store not in it (review them): {}",
            from_store.len(),
            from_store.join(", ")
        );
    }
    if !skipped.is_empty() {
        let shown: Vec<String> = skipped
            .iter()
            .take(12)
            .map(|s| format!("{} ({} models: {})", s.model_type, s.models, s.reason))
            .collect();
        eprintln!(
            "  {} stored model type(s) left out: {}{}",
            skipped.len(),
            shown.join("; "),
            if skipped.len() > 12 { "; …" } else { "" }
        );
    }
}

/// The ambiguous names with what the model-context rule did, for a researcher to review.
fn report_ambiguous(tally: &Tally, table: &FamilyTable, review_written: bool) {
    let mut rows: Vec<usize> = (0..table.families.len())
        .filter(|&f| table.families[f].context.is_ambiguous())
        .filter(|&f| tally.names[f].accepted + tally.names[f].rejected > 0)
        .collect();
    rows.sort_by_key(|&f| {
        std::cmp::Reverse(tally.names[f].topics + tally.names[f].topics_word_only)
    });
    let ambiguous = table
        .families
        .iter()
        .filter(|f| f.context.is_ambiguous())
        .count();
    eprintln!(
        "  ambiguous names ({ambiguous} families count their name only in a model context; {} occur):",
        rows.len()
    );
    if rows.is_empty() {
        return;
    }
    eprintln!(
        "    {:<16} {:<6} {:>6} {:>12} {:>16} {:>12}",
        "family", "rule", "topics", "occurrences", "word-only topics", "not counted"
    );
    for f in rows {
        let n = &tally.names[f];
        let family = &table.families[f];
        eprintln!(
            "    {:<16} {:<6} {:>6} {:>12} {:>16} {:>12}",
            family.name,
            family.context.as_str(),
            n.topics,
            n.accepted,
            n.topics_word_only,
            n.rejected,
        );
    }
    eprintln!(
        "    topics: counted for the family; occurrences: counted; word-only topics: topics that use the name only as an ordinary word (not counted); not counted: such occurrences"
    );
    if !review_written {
        eprintln!("    (write every occurrence with its context with --review FILE)");
    }
}

fn write_review(out: &mut dyn Write, tally: &Tally, table: &FamilyTable) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "family", "counted", "source", "topic", "month", "matched", "context",
    ])?;
    for line in &tally.review {
        w.write_record([
            table.families[line.family].name.as_str(),
            match line.verdict {
                Verdict::Counted => "yes",
                Verdict::NoModelContext => "no: no model context",
                Verdict::InList => "no: in a list of classes",
            },
            line.source.as_str(),
            &line.id.to_string(),
            &line.month.to_string(),
            &line.matched,
            &line.snippet,
        ])?;
    }
    w.flush()?;
    Ok(())
}
