//! What the store holds: rows per table, date ranges, size on disk, recent ingests.

use serde::Serialize;

use crate::db::Store;
use crate::error::StoreError;
use crate::export::table_names;

/// A summary of the store.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub path: String,
    pub schema_version: i64,
    /// The database file plus its write-ahead log.
    pub bytes_on_disk: u64,
    pub tables: Vec<TableRows>,
    pub date_ranges: Vec<DateRange>,
    pub recent_runs: Vec<RunSummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableRows {
    pub table: String,
    pub rows: u64,
}

/// The earliest and latest value of a date column.
#[derive(Debug, Clone, Serialize)]
pub struct DateRange {
    pub column: String,
    pub min: Option<String>,
    pub max: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub id: i64,
    pub kind: String,
    pub source: String,
    pub status: String,
    pub started_at: String,
    pub read: i64,
    pub stored: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub skipped: i64,
}

const DATE_COLUMNS: &[(&str, &str)] = &[
    ("models", "created_at"),
    ("models", "last_modified"),
    ("cards", "fetched_at"),
    ("discussions", "created_at"),
    ("forum_topics", "created_at"),
];

impl Store {
    /// Whether the store holds any forum topic or Hub discussion (something to classify).
    pub fn has_topics(&self) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM forum_topics) OR EXISTS (SELECT 1 FROM discussions)",
            [],
            |r| r.get(0),
        )?)
    }

    /// Rows per table, date ranges, size on disk and the last ten ingests.
    pub fn stats(&self) -> Result<Stats, StoreError> {
        let mut tables = Vec::new();
        for table in table_names() {
            let rows: i64 =
                self.conn
                    .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
            tables.push(TableRows {
                table: table.to_string(),
                rows: rows as u64,
            });
        }
        let mut date_ranges = Vec::new();
        for (table, column) in DATE_COLUMNS {
            let (min, max): (Option<String>, Option<String>) = self.conn.query_row(
                &format!("SELECT min({column}), max({column}) FROM {table}"),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            date_ranges.push(DateRange {
                column: format!("{table}.{column}"),
                min,
                max,
            });
        }
        let mut stmt = self.conn.prepare(
            "SELECT id, kind, source, status, started_at, read, stored, updated, unchanged, \
             skipped FROM ingest_runs ORDER BY id DESC LIMIT 10",
        )?;
        let recent_runs = stmt
            .query_map([], |r| {
                Ok(RunSummary {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    source: r.get(2)?,
                    status: r.get(3)?,
                    started_at: r.get(4)?,
                    read: r.get(5)?,
                    stored: r.get(6)?,
                    updated: r.get(7)?,
                    unchanged: r.get(8)?,
                    skipped: r.get(9)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let file_size = |suffix: &str| {
            let mut p = self.path().as_os_str().to_owned();
            p.push(suffix);
            std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
        };
        Ok(Stats {
            path: self.path().display().to_string(),
            schema_version: self.schema_version()?,
            bytes_on_disk: file_size("") + file_size("-wal"),
            tables,
            date_ranges,
            recent_runs,
        })
    }
}
