//! `hubscope export`: every table (or the ones named) as a Parquet or CSV dataset.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use hubscope_store::{ExportFormat, ExportOptions, Store, TableExport};

use crate::atomic::write_atomically;

/// Export tables for DuckDB, Spark or pandas: one folder per table; models partitioned by
/// creation month (created_month=YYYY-MM/part-0.parquet).
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The folder to write the datasets into.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Parquet)]
    format: Format,
    /// Tables to export (default: all). See `hubscope db stats` for the list; `model_families`
    /// is each model's family as `trends uploads --by family` resolves it.
    #[arg(long = "table", value_name = "NAME")]
    tables: Vec<String>,
    /// The family table `model_families` resolves with (default: the built-in one).
    #[arg(long, value_name = "FILE")]
    families: Option<PathBuf>,
}

/// The exported table of each model's family, beside the store's own tables.
const FAMILIES_TABLE: &str = "model_families";

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Parquet,
    Csv,
}

pub fn run(db: &Path, args: ExportArgs) -> anyhow::Result<()> {
    let store = Store::open_read_only(db)?;
    let started = Instant::now();
    let with_families = args.tables.is_empty() || args.tables.iter().any(|t| t == FAMILIES_TABLE);
    let tables: Vec<String> = args
        .tables
        .iter()
        .filter(|t| *t != FAMILIES_TABLE)
        .cloned()
        .collect();
    let format = match args.format {
        Format::Parquet => ExportFormat::Parquet,
        Format::Csv => ExportFormat::Csv,
    };
    let options = ExportOptions {
        dir: args.out.clone(),
        format,
        tables,
    };
    let mut written = if args.tables.is_empty() || !options.tables.is_empty() {
        store.export(&options)?
    } else {
        Vec::new()
    };
    if with_families {
        written.push(export_families(&store, &args, format)?);
    }
    let rows: u64 = written.iter().map(|t| t.rows).sum();
    for t in &written {
        println!(
            "{:<20} {:>10} rows  {:>4} file(s)  {}",
            t.table,
            t.rows,
            t.files,
            t.path.display()
        );
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "hubscope export: {} table(s), {rows} rows in {seconds:.2} s ({:.0} rows/s) into {}",
        written.len(),
        rows as f64 / seconds.max(1e-9),
        args.out.display()
    );
    Ok(())
}

/// `model_families/part-0.{parquet,csv}`: model id, family and how it was found, resolved as
/// `trends uploads --by family` resolves it, so a cluster can group uploads by family.
fn export_families(
    store: &Store,
    args: &ExportArgs,
    format: ExportFormat,
) -> anyhow::Result<TableExport> {
    let table = crate::args::family_table(args.families.as_deref())?;
    let (models, families) =
        hubscope_trends::load_with_families(store, table, hubscope_trends::Keep::IfWritable)?;
    let frame = hubscope_report::tables::families_frame(&families);
    let dir = args.out.join(FAMILIES_TABLE);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let (name, frame_format) = match format {
        ExportFormat::Parquet => ("part-0.parquet", hubscope_report::Format::Parquet),
        ExportFormat::Csv => ("part-0.csv", hubscope_report::Format::Csv),
    };
    let path = dir.join(name);
    write_atomically(&path, |w| Ok(frame.write(frame_format, w)?))
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(TableExport {
        table: FAMILIES_TABLE.into(),
        rows: models.models.len() as u64,
        files: 1,
        path: dir,
    })
}
