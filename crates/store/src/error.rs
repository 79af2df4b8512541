//! Errors of the store. Each names the file, table or record it is about.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the database schema is version {found}, newer than this hubscope supports ({supported}): \
         upgrade hubscope"
    )]
    NewerSchema { found: i64, supported: i64 },
    #[error("no database at {0}: ingest something first (hubscope ingest …), or pass --db")]
    Missing(PathBuf),
    #[error(
        "{path} is read-only ({reason}): this command writes to the database. Commands that \
         only read it (db stats, trends, report, audit, export, …) work on it as it is"
    )]
    ReadOnly { path: PathBuf, reason: String },
    #[error(
        "{path} is schema version {found}, older than this hubscope's ({supported}), and can \
         only be read here: run any command that writes (an ingest) once where it is writable, \
         to upgrade it"
    )]
    OlderSchemaReadOnly {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error(
        "another ingest is writing to {db}{running}; wait for it to finish (the lock is {lock})"
    )]
    Busy {
        db: PathBuf,
        lock: PathBuf,
        running: String,
    },
    #[error(
        "the disk holding {db} is full ({reason}): an ingest sets 1 MiB aside to record how it \
         ends, and there is less than that free; free some space and run it again"
    )]
    NoRoom { db: PathBuf, reason: String },
    #[error("unknown table {0:?}; tables: {1}")]
    UnknownTable(String, String),
    #[error("cannot write Parquet {path}: {message}")]
    Parquet { path: PathBuf, message: String },
    #[error("cannot write CSV {path}: {message}")]
    Csv { path: PathBuf, message: String },
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        StoreError::Io {
            path: path.into(),
            source,
        }
    }
}
