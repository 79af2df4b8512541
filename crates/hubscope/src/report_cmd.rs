//! `hubscope report --out DIR`: the study report from the store (`hubscope_report::assemble`):
//! `index.html` (self-contained, offline), `report.md`, the charts as SVG files, the tables
//! behind them as CSV, and the headline figures as `data/summary.json`.

use std::path::{Path, PathBuf};

use hubscope_report::{assemble, study};
use hubscope_store::Store;
use hubscope_store::time::Month;

use crate::args::parse_month;
use crate::terminal::clean;

/// Write the study report (HTML and Markdown, charts, tables) from the database.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The folder to write the report into (created if needed; files in it are replaced).
    #[arg(long, value_name = "DIR", default_value = "hubscope-report")]
    pub out: PathBuf,
    #[command(flatten)]
    pub options: ReportOptions,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ReportOptions {
    /// First month of the trends (YYYY-MM or a date).
    #[arg(long = "from-month", value_name = "YYYY-MM", value_parser = parse_month)]
    pub from: Option<Month>,
    /// Compare documentation before and after this month (e.g. when a model-card tool came).
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    pub split_at: Option<Month>,
    /// Families drawn in the uploads chart and listed in its table.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_TOP)]
    pub top: usize,
    /// A family table (CSV) instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub families: Option<PathBuf>,
}

const DEFAULT_TOP: usize = assemble::DEFAULT_TOP;

/// The same defaults as the command line.
impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            from: None,
            split_at: None,
            top: DEFAULT_TOP,
            families: None,
        }
    }
}

pub fn run(db: &Path, args: ReportArgs) -> anyhow::Result<()> {
    let store = Store::open_read_only(db)?;
    let index = write_report(&store, &args.out, &args.options)?;
    println!("{}", index.display());
    Ok(())
}

/// Writes the report into `out` and says what it holds; returns the path of `index.html`.
pub fn write_report(store: &Store, out: &Path, options: &ReportOptions) -> anyhow::Result<PathBuf> {
    let started = std::time::Instant::now();
    let options = assemble::Options {
        from: options.from,
        split_at: options.split_at,
        top: options.top,
        families: crate::args::family_table(options.families.as_deref())?,
        keep: hubscope_trends::Keep::IfWritable,
    };
    let written = assemble::write_report(store, out, &options)?;
    let line = format!(
        "hubscope report: {} models, trends over {}, {} charts, {} tables and summary.json in {:.2} s → {}",
        written.data.summary.models,
        written
            .data
            .population
            .span()
            .map_or_else(|| "no month (no census)".into(), |s| s.to_string()),
        written.charts,
        written.tables,
        started.elapsed().as_secs_f64(),
        out.display()
    );
    eprintln!("{}", clean(&line));
    for line in study::executive_summary(&written.summary) {
        eprintln!("  - {}", clean(&line));
    }
    Ok(written.index)
}
