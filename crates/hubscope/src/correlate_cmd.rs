//! `hubscope correlate`: per family, Spearman between monthly forum mentions and monthly
//! uploads; across families, Spearman between their totals. From the store, or from two
//! published wide tables (`--a FILE --b FILE`).

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use hubscope_report::study::correlation_chart;
use hubscope_store::Store;
use hubscope_store::time::Month;
use hubscope_trends::against::{mention_frames, mention_table, mention_words, upload_table};
use hubscope_trends::{
    CorrelateOptions, Keep, MIN_CORRELATION_MONTHS, Totals, Window, correlate, load_with_families,
};

use crate::args::{SourceArg, check_range, family_table, parse_month};
use crate::atomic::write_atomically;
use crate::terminal::{clean, eprint_clean};

use crate::trends_cmd::{FormatArg, write_frame};

/// Spearman between monthly mentions and uploads, per family and across families.
#[derive(Debug, clap::Args)]
pub struct CorrelateArgs {
    /// First month (YYYY-MM).
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    from: Option<Month>,
    /// Last month (inclusive).
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    to: Option<Month>,
    /// A published wide table (rows: names; columns: months, other columns ignored) …
    #[arg(long, value_name = "FILE", requires = "b")]
    a: Option<PathBuf>,
    /// … correlated with this one, instead of the store.
    #[arg(long, value_name = "FILE", requires = "a")]
    b: Option<PathBuf>,
    /// Which topics count as mentions (store mode): forum topics and Hub discussions are not
    /// the same population (the study counted forum topics).
    #[arg(long, value_enum, default_value_t = SourceArg::All)]
    source: SourceArg,
    /// The months the families' totals are summed over for the across-family Spearman: the
    /// months both tables share, or each table's own months (what a published total column
    /// holds).
    #[arg(long, value_enum, default_value_t = TotalsArg::Shared)]
    totals: TotalsArg,
    /// Fewer common months than this and no correlation is computed.
    #[arg(long, value_name = "N", default_value_t = MIN_CORRELATION_MONTHS)]
    min_months: usize,
    /// Uploads of one source on its own (store mode; its id, path or file name, as `hubscope
    /// sources` lists them) instead of the census months — a sample then describes only itself.
    #[arg(long, value_name = "SOURCE")]
    uploads_from: Option<String>,
    /// A family table instead of the built-in one (store mode).
    #[arg(long, value_name = "FILE")]
    families: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = FormatArg::Csv)]
    format: FormatArg,
    /// Write the table to FILE (default: standard output); the chart goes beside it as .svg.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    #[arg(long, value_name = "FILE")]
    chart: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum TotalsArg {
    Shared,
    Own,
}

pub fn run(db: &Path, args: CorrelateArgs) -> anyhow::Result<()> {
    check_range(args.from, args.to)?;
    let options = CorrelateOptions {
        from: args.from,
        to: args.to,
        totals: match args.totals {
            TotalsArg::Shared => Totals::Shared,
            TotalsArg::Own => Totals::Own,
        },
        min_months: args.min_months,
    };
    let (a, b, names) = match (&args.a, &args.b) {
        (Some(a), Some(b)) => (
            crate::trends_cmd::read_wide_table(a)?,
            crate::trends_cmd::read_wide_table(b)?,
            (a.display().to_string(), b.display().to_string()),
        ),
        _ => {
            let store = Store::open_read_only(db)?;
            let mentions = mention_table(
                &store,
                family_table(args.families.as_deref())?,
                args.source.sources(),
            )?;
            let (models, resolution) = load_with_families(
                &store,
                family_table(args.families.as_deref())?,
                Keep::IfWritable,
            )?;
            let population = hubscope_trends::population(
                &store,
                &models,
                &Window::default(),
                args.uploads_from.as_deref(),
            )?;
            let uploads = upload_table(&models, &resolution, &population);
            eprintln!(
                "  mentions: {} ({}); uploads: {}",
                mention_words(&args.source.sources()),
                mention_frames(&store, &args.source.sources())?,
                clean(&population.describe())
            );
            (
                mentions,
                uploads,
                (mention_words(&args.source.sources()), "uploads".into()),
            )
        }
    };
    let result = correlate(&a, &b, &options);
    write_frame(
        &hubscope_report::tables::correlations_frame(&result),
        args.format,
        args.out.as_deref(),
    )?;
    let chart = args
        .chart
        .clone()
        .or_else(|| args.out.as_ref().map(|p| p.with_extension("svg")));
    if let Some(path) = chart {
        let svg = correlation_chart(&result, &names.0).to_svg();
        write_atomically(&path, |w| Ok(w.write_all(svg.as_bytes())?))
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("  chart: {}", path.display());
    }
    eprint_clean(&result.summary(&names.0, &names.1));
    Ok(())
}
