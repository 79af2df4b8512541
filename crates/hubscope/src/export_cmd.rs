//! `hubscope export`: every table (or the ones named) as a Parquet or CSV dataset.

use std::path::{Path, PathBuf};
use std::time::Instant;

use hubscope_store::{ExportFormat, ExportOptions, Store};

/// Export tables for DuckDB, Spark or pandas: one folder per table; models partitioned by
/// creation month (created_month=YYYY-MM/part-0.parquet).
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The folder to write the datasets into.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Parquet)]
    format: Format,
    /// Tables to export (default: all). See `hubscope db stats` for the list.
    #[arg(long = "table", value_name = "NAME")]
    tables: Vec<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Parquet,
    Csv,
}

pub fn run(db: &Path, args: ExportArgs) -> anyhow::Result<()> {
    let store = Store::open_read_only(db)?;
    let started = Instant::now();
    let options = ExportOptions {
        dir: args.out.clone(),
        format: match args.format {
            Format::Parquet => ExportFormat::Parquet,
            Format::Csv => ExportFormat::Csv,
        },
        tables: args.tables,
    };
    let written = store.export(&options)?;
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
