//! `hubscope trends uploads|docs|families`: the study's monthly series from the store, as CSV,
//! JSON or Parquet, each with an SVG chart and trend tests.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use hubscope_report::study::{docs_chart, uploads_chart};
use hubscope_report::tables::{
    docs_frame, families_frame, tests_frame, uploads_frame, uploads_stats_frame,
};
use hubscope_report::{Format, Frame};
use hubscope_store::Store;
use hubscope_store::time::Month;
use hubscope_trends::{
    DateBasis, GroupBy, Keep, Models, Population, TrendTests, Window, docs, load_with_families,
    uploads,
};

use crate::args::{check_range, family_table, parse_month};
use crate::atomic::write_atomically;
use crate::terminal::{clean, eprint_clean};

#[derive(Debug, clap::Subcommand)]
pub enum TrendsCommand {
    /// Models created per month, grouped, with sum, cumulative sum and cumulative share.
    Uploads(UploadsArgs),
    /// Documentation per creation month: models with a card, card words, sections, scores.
    Docs(DocsArgs),
    /// Each model's family and how it was resolved, with the coverage.
    Families(FamiliesArgs),
    /// Trend tests on any monthly series: each row of a wide CSV (names, then month columns).
    Test(TestArgs),
}

#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// A wide CSV: one series per row, columns headed YYYY-MM or YYYY-MM-DD (other columns are
    /// ignored; empty cells are 0).
    #[arg(long, value_name = "FILE")]
    input: PathBuf,
    #[command(flatten)]
    window: WindowArgs,
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    format: FormatArg,
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct UploadsArgs {
    #[arg(long, value_enum, default_value_t = By::Family)]
    by: By,
    /// Keep the N largest groups; the rest are summed as "(other)".
    #[arg(long, value_name = "N")]
    top: Option<usize>,
    #[command(flatten)]
    window: WindowArgs,
    #[command(flatten)]
    output: OutputArgs,
    /// A family table (CSV, see `hubscope mentions families`) instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    families: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct DocsArgs {
    #[command(flatten)]
    window: WindowArgs,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Debug, clap::Args)]
pub struct FamiliesArgs {
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    format: FormatArg,
    /// Write the table to FILE (default: standard output).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    #[arg(long, value_name = "FILE")]
    families: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct WindowArgs {
    /// First month (YYYY-MM or a date).
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    from: Option<Month>,
    /// Last month (inclusive).
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    to: Option<Month>,
    /// Compare the months before this one with the months from it on (Mann–Whitney U).
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    split_at: Option<Month>,
    /// Which date makes a model's month.
    #[arg(long, value_enum, default_value_t = DateArg::Created)]
    date: DateArg,
    /// Analyse one source on its own (its id, path or file name, as `hubscope sources` lists
    /// them) — a sample then describes only itself. Default: the months a census covers, with
    /// the models of the censuses that cover them.
    #[arg(long, value_name = "SOURCE")]
    source: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct OutputArgs {
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    format: FormatArg,
    /// Write the table to FILE (default: standard output); the chart goes beside it as .svg.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Write the SVG chart to FILE.
    #[arg(long, value_name = "FILE")]
    chart: Option<PathBuf>,
    /// Write the trend tests (one row per series) to FILE, in the table's format.
    #[arg(long, value_name = "FILE")]
    stats: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum By {
    Family,
    Pipeline,
    Library,
    Author,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum DateArg {
    Created,
    FirstCommit,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    Csv,
    Json,
    Parquet,
}

impl FormatArg {
    pub fn format(self) -> Format {
        match self {
            FormatArg::Csv => Format::Csv,
            FormatArg::Json => Format::Json,
            FormatArg::Parquet => Format::Parquet,
        }
    }
}

impl WindowArgs {
    /// The population these arguments choose: the census one, or `--source` on its own.
    pub fn population(&self, store: &Store, models: &Models) -> anyhow::Result<Population> {
        let window = self.window()?;
        Ok(hubscope_trends::population(
            store,
            models,
            &window,
            self.source.as_deref(),
        )?)
    }

    fn window(&self) -> anyhow::Result<Window> {
        check_range(self.from, self.to)?;
        Ok(Window {
            from: self.from,
            to: self.to,
            split_at: self.split_at,
            basis: match self.date {
                DateArg::Created => DateBasis::Created,
                DateArg::FirstCommit => DateBasis::FirstCommit,
            },
        })
    }
}

/// Writes a frame to `out` (or standard output).
pub fn write_frame(frame: &Frame, format: FormatArg, out: Option<&Path>) -> anyhow::Result<()> {
    match out {
        Some(path) => write_atomically(path, |w| Ok(frame.write(format.format(), w)?))
            .with_context(|| format!("writing {}", path.display())),
        None => {
            if matches!(format, FormatArg::Parquet) {
                bail!("Parquet needs a file: add --out FILE");
            }
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            frame.write(format.format(), &mut lock)?;
            Ok(())
        }
    }
}

/// The chart's path: `--chart`, else beside `--out` as `.svg`, else none.
fn chart_path(output: &OutputArgs) -> Option<PathBuf> {
    output
        .chart
        .clone()
        .or_else(|| output.out.as_ref().map(|p| p.with_extension("svg")))
}

fn write_svg(path: &Path, svg: &str) -> anyhow::Result<()> {
    write_atomically(path, |w| Ok(w.write_all(svg.as_bytes())?))
        .with_context(|| format!("writing {}", path.display()))
}

pub fn run(db: &Path, command: TrendsCommand) -> anyhow::Result<()> {
    if let TrendsCommand::Test(args) = command {
        return test_series(args);
    }
    let store = Store::open_read_only(db)?;
    match command {
        TrendsCommand::Test(_) => unreachable!("handled above"),
        TrendsCommand::Uploads(args) => {
            // Only families need the ids, tags and bases resolved.
            let (models, families) = match args.by {
                By::Family => {
                    let table = family_table(args.families.as_deref())?;
                    let (models, families) = load_with_families(&store, table, Keep::IfWritable)?;
                    (models, Some(families))
                }
                _ => (Models::load(&store, Keep::IfWritable)?, None),
            };
            warn_origin(&models);
            let population = args.window.population(&store, &models)?;
            let by = match (args.by, &families) {
                (By::Family, Some(families)) => GroupBy::Family(families),
                (By::Family, None) => unreachable!("families are resolved for --by family"),
                (By::Pipeline, _) => GroupBy::Pipeline,
                (By::Library, _) => GroupBy::Library,
                (By::Author, _) => GroupBy::Author,
            };
            let result = uploads(&models, by, args.top, &population);
            write_frame(
                &uploads_frame(&result),
                args.output.format,
                args.output.out.as_deref(),
            )?;
            if let Some(path) = chart_path(&args.output) {
                write_svg(&path, &uploads_chart(&result, &population, 10).to_svg())?;
                eprintln!("  chart: {}", path.display());
            }
            if let Some(path) = &args.output.stats {
                write_frame(
                    &uploads_stats_frame(&result),
                    args.output.format,
                    Some(path),
                )?;
            }
            let mut summary = result.summary(&population);
            if let GroupBy::Family(families) = by {
                summary += &families
                    .coverage_of(|i| population.counted_month(&models, i).is_some())
                    .summary("");
            }
            summary += &result.tests_summary(&population);
            eprint_clean(&summary);
        }
        TrendsCommand::Docs(args) => {
            let models = Models::load(&store, Keep::IfWritable)?;
            warn_origin(&models);
            let population = args.window.population(&store, &models)?;
            let result = docs(&models, &population);
            write_frame(
                &docs_frame(&result),
                args.output.format,
                args.output.out.as_deref(),
            )?;
            if let Some(path) = chart_path(&args.output) {
                write_svg(&path, &docs_chart(&result, &population).to_svg())?;
                eprintln!("  chart: {}", path.display());
            }
            if let Some(path) = &args.output.stats {
                let frame = tests_frame(&[
                    ("card_ratio", &result.card_ratio_trend),
                    ("mean_score", &result.score_trend),
                ]);
                write_frame(&frame, args.output.format, Some(path))?;
            }
            eprint_clean(&result.summary(&population));
        }
        TrendsCommand::Families(args) => {
            let table = family_table(args.families.as_deref())?;
            let (models, families) = load_with_families(&store, table, Keep::IfWritable)?;
            let frame = families_frame(&families);
            write_frame(&frame, args.format, args.out.as_deref())?;
            eprint_clean(&families.coverage().summary(""));
            // The share resolved among the models a trend counts, which may differ.
            let census = Population::census(&models, &Window::default());
            if let Some(span) = census.span() {
                eprint_clean(
                    &families
                        .coverage_of(|i| census.counted_month(&models, i).is_some())
                        .summary(&format!(" in the census months {span}")),
                );
            }
        }
    }
    Ok(())
}

/// Says so when the models' snapshot could not be kept (it is rebuilt next time).
fn warn_origin(models: &Models) {
    if let Some(warning) = models.origin.warning() {
        eprint_clean(&warning);
    }
}

/// The largest published wide table read (a table of months per family is kilobytes).
const MAX_WIDE_TABLE_BYTES: u64 = 64 << 20;

/// A published wide table of monthly counts (`trends test`, `correlate --a --b`).
pub fn read_wide_table(path: &Path) -> anyhow::Result<hubscope_trends::MonthlyTable> {
    let bytes = hubscope_source::read_bounded(path, MAX_WIDE_TABLE_BYTES)?;
    Ok(hubscope_trends::MonthlyTable::parse_wide_csv(
        &bytes,
        &path.display().to_string(),
    )?)
}

/// `trends test`: every row of a wide table tested over its months (all of them: a published
/// table says itself which months are complete).
fn test_series(args: TestArgs) -> anyhow::Result<()> {
    let window = args.window.window()?;
    let table = read_wide_table(&args.input)?;
    let (months, tests) = table.trend_tests(&window);
    let refs: Vec<(&str, &TrendTests)> = tests.iter().map(|(n, t)| (n.as_str(), t)).collect();
    write_frame(&tests_frame(&refs), args.format, args.out.as_deref())?;
    eprintln!(
        "hubscope trends test: {} series over {} months of {}",
        tests.len(),
        months.len(),
        args.input.display()
    );
    for (name, t) in tests.iter().take(10) {
        eprintln!("  {:<24} {t}", clean(name));
    }
    Ok(())
}
