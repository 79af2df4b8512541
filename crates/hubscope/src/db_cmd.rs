//! `hubscope db stats`: what the database holds.

use std::fmt::Write as _;
use std::path::Path;

use hubscope_store::Store;

/// Inspect the database.
#[derive(Debug, clap::Subcommand)]
pub enum DbCommand {
    /// Rows per table, date ranges, size on disk, recent ingests.
    Stats {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(db: &Path, command: DbCommand) -> anyhow::Result<()> {
    match command {
        DbCommand::Stats { json } => {
            let store = Store::open_read_only(db)?;
            let stats = store.stats()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
                return Ok(());
            }
            // Paths and source names come from outside.
            let mut out = String::new();
            let _ = writeln!(
                out,
                "{} (schema version {}, {:.1} MB on disk)",
                stats.path,
                stats.schema_version,
                stats.bytes_on_disk as f64 / 1e6
            );
            let _ = writeln!(out, "\n{:<22} {:>12}", "TABLE", "ROWS");
            for t in &stats.tables {
                let _ = writeln!(out, "{:<22} {:>12}", t.table, t.rows);
            }
            let _ = writeln!(out, "\n{:<26} {:<26} {:<26}", "DATES", "FROM", "TO");
            for d in &stats.date_ranges {
                let _ = writeln!(
                    out,
                    "{:<26} {:<26} {:<26}",
                    d.column,
                    d.min.as_deref().unwrap_or("-"),
                    d.max.as_deref().unwrap_or("-")
                );
            }
            if !stats.recent_runs.is_empty() {
                let _ = writeln!(out, "\nRECENT INGESTS");
                for r in &stats.recent_runs {
                    let _ = writeln!(
                        out,
                        "  run {:>4}  {:<11} {:<11} {}  read {} stored {} updated {} unchanged {} \
                         skipped {}  {}",
                        r.id,
                        r.kind,
                        r.status,
                        r.started_at,
                        r.read,
                        r.stored,
                        r.updated,
                        r.unchanged,
                        r.skipped,
                        r.source
                    );
                }
            }
            crate::terminal::print_clean(&out)
        }
    }
}
