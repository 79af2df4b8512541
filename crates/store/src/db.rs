//! Opening the database: one SQLite file, WAL mode, foreign keys on, migrated to the latest
//! schema.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::StoreError;
use crate::schema;

/// The embedded store: one SQLite file.
pub struct Store {
    pub(crate) conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens the database at `path`, creating it if needed, and migrates it to the latest schema.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        }
        let conn = Connection::open(path).map_err(|e| read_only_or(e.into(), path))?;
        Self::configure(conn, path)
    }

    /// Opens an existing database; [`StoreError::Missing`] when there is none (read-only commands
    /// must not leave an empty database behind).
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref();
        if !path.exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| read_only_or(e.into(), path))?;
        Self::configure(conn, path)
    }

    /// Opens an existing database for reading only: it is never written or locked against
    /// writers, so it works on a read-only file system, a read-only mount or a file without
    /// write permission. A database of an older schema is migrated first where it can be
    /// written, and refused where it cannot ([`StoreError::OlderSchemaReadOnly`]).
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref();
        if !path.exists() {
            return Err(StoreError::Missing(path.to_path_buf()));
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        // A read-only open still shares the WAL index with a writer, which needs the `-shm`
        // file; where it cannot be created (a read-only file system), nothing can be writing,
        // and the file is opened as immutable.
        let conn = Connection::open_with_flags(path, flags)?;
        let version = |conn: &Connection| -> rusqlite::Result<i64> {
            conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        };
        let (conn, found) = match version(&conn) {
            Ok(v) => (conn, v),
            Err(first) => {
                drop(conn);
                // Immutable reads only the main file: changes still in a write-ahead log would
                // be silently missing, so that case is refused, not read stale.
                let mut wal = path.as_os_str().to_owned();
                wal.push("-wal");
                if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
                    return Err(StoreError::ReadOnly {
                        path: path.to_path_buf(),
                        reason: format!(
                            "{first}; its write-ahead log holds changes not yet in the file, \
                             which cannot be read without writing: open it once where it is \
                             writable"
                        ),
                    });
                }
                let conn = Connection::open_with_flags(immutable_uri(path), flags)?;
                let v = version(&conn)?;
                (conn, v)
            }
        };
        conn.busy_timeout(BUSY_WAIT)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.pragma_update(None, "cache_size", -65_536)?;
        let supported = schema::MIGRATIONS.len() as i64;
        if found > supported {
            return Err(StoreError::NewerSchema { found, supported });
        }
        if found < supported {
            // An older schema is migrated once where the file can be written; only where it
            // cannot is it refused.
            drop(conn);
            return match Store::open_existing(path) {
                Ok(store) => {
                    drop(store);
                    Store::open_read_only(path)
                }
                Err(StoreError::ReadOnly { .. }) => Err(StoreError::OlderSchemaReadOnly {
                    path: path.to_path_buf(),
                    found,
                    supported,
                }),
                Err(e) => Err(e),
            };
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    fn configure(conn: Connection, path: &Path) -> Result<Store, StoreError> {
        Self::configure_writable(conn, path).map_err(|e| read_only_or(e, path))
    }

    fn configure_writable(mut conn: Connection, path: &Path) -> Result<Store, StoreError> {
        conn.busy_timeout(BUSY_WAIT)?;
        // 64 KiB pages (for a new file; an existing one keeps its own): a study reads whole
        // tables, and bulk ingests of millions of rows run ~2x faster than with 4 KiB pages
        // (measured: 2M rows at ~190k rows/s instead of ~90k).
        conn.pragma_update(None, "page_size", 65_536)?;
        // WAL: readers never block the writer, and a killed writer leaves the file consistent.
        // NORMAL synchronous is durable against process crashes in WAL mode.
        enter_wal(&conn)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
        // Checkpoint the WAL into the database every 256 MiB rather than every 1,000 pages:
        // fewer, larger checkpoints write each hot page once instead of many times.
        let page_size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        conn.pragma_update(None, "wal_autocheckpoint", (256 << 20) / page_size.max(512))?;
        schema::migrate(&mut conn)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The underlying connection, for analyses that read the store with SQL.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The schema version (number of migrations applied).
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }
}

/// The page cache of a connection: 64 MiB.
pub(crate) const CACHE_KIB: i64 = 64 << 10;

/// The page cache while an ingest session writes: 256 MiB. Models go into the id index at
/// random places; once the index outgrows the cache, every transaction reads evicted pages
/// back and writes them again (2,000,000 Liang rows: 14.2 s with 64 MiB, 10.7 s with 256 MiB,
/// 340 MB peak; larger caches gained nothing more). Pages are allocated as they are used, so a
/// small store costs no more.
pub(crate) const INGEST_CACHE_KIB: i64 = 256 << 10;

/// How long opening waits for another process that holds the database while it switches to
/// write-ahead logging; the same as the busy timeout every statement has.
pub(crate) const BUSY_WAIT: Duration = Duration::from_secs(30);

/// Puts the database in WAL mode. Switching needs an exclusive lock, and SQLite takes that lock
/// without its busy handler: a second process opening a new database at the same moment gets
/// `database is locked` at once. That case is waited out here, up to [`BUSY_WAIT`].
fn enter_wal(conn: &Connection) -> Result<(), StoreError> {
    let started = std::time::Instant::now();
    let mut pause = Duration::from_millis(2);
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Ok(()) => return Ok(()),
            Err(e)
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
                    && started.elapsed() < BUSY_WAIT =>
            {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(100));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// `file:PATH?immutable=1`, the path percent-encoded where a URI needs it.
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3f"),
            '#' => uri.push_str("%23"),
            c => uri.push(c),
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// `err`, or [`StoreError::ReadOnly`] when what failed is that the database (or its folder)
/// cannot be written.
fn read_only_or(err: StoreError, path: &Path) -> StoreError {
    let StoreError::Sqlite(e) = &err else {
        return err;
    };
    let code = e.sqlite_error_code();
    if !matches!(
        code,
        Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen)
    ) {
        return err;
    }
    // Can the file (or, for a new one, its folder) be written at all?
    let probe = if path.exists() {
        std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map(drop)
    } else {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        tempfile_in(dir)
    };
    match probe {
        Err(io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied
            ) =>
        {
            StoreError::ReadOnly {
                path: path.to_path_buf(),
                reason: io.to_string(),
            }
        }
        _ => err,
    }
}

/// Creates and removes a file in `dir`, to learn whether it can be written.
fn tempfile_in(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".hubscope-write-probe-{}", std::process::id()));
    std::fs::File::create(&probe)?;
    std::fs::remove_file(&probe)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_database_is_migrated_in_wal_mode_with_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("sub/hubscope.db")).unwrap();
        assert_eq!(
            store.schema_version().unwrap(),
            schema::MIGRATIONS.len() as i64
        );
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = store
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        drop(store);
        // Reopening applies nothing twice.
        let store = Store::open(dir.path().join("sub/hubscope.db")).unwrap();
        assert_eq!(
            store.schema_version().unwrap(),
            schema::MIGRATIONS.len() as i64
        );
    }

    #[test]
    fn two_processes_opening_a_new_database_at_once_both_succeed() {
        let dir = tempfile::tempdir().unwrap();
        for round in 0..100 {
            let path = dir.path().join(format!("race-{round}.db"));
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
            let openers: Vec<_> = (0..2)
                .map(|_| {
                    let (path, barrier) = (path.clone(), std::sync::Arc::clone(&barrier));
                    std::thread::spawn(move || {
                        barrier.wait();
                        Store::open(&path).map(|s| s.schema_version().unwrap())
                    })
                })
                .collect();
            for opener in openers {
                let version = opener.join().unwrap().unwrap();
                assert_eq!(version, schema::MIGRATIONS.len() as i64);
            }
        }
    }

    #[test]
    fn the_gated_constraint_edited_in_place_still_holds_and_keeps_the_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.db");
        {
            // A database at schema version 9, with a model stored.
            let conn = Connection::open(&path).unwrap();
            for sql in &schema::MIGRATIONS[..9] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 9).unwrap();
            conn.execute_batch(
                "INSERT INTO models (id, gated, first_seen_at, updated_at) \
                 VALUES ('a/b', 'manual', 'x', 'x')",
            )
            .unwrap();
        }
        // A connection that read the old definition before the upgrade.
        let before = Connection::open(&path).unwrap();
        let count = |c: &Connection| -> i64 {
            c.query_row("SELECT count(*) FROM models", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(count(&before), 1);
        let store = Store::open(&path).unwrap();
        let definition: String = store
            .conn
            .query_row(
                "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'models'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(
            definition.contains("CHECK (gated = 'no' OR gated = 'yes' OR gated = 'auto'"),
            "{definition}"
        );
        assert!(!definition.contains("gated IN"), "{definition}");
        let integrity: String = store
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
        assert_eq!(count(&store.conn), 1);
        for conn in [&store.conn, &before] {
            let insert = |id: &str, gated: Option<&str>| {
                conn.execute(
                    "INSERT INTO models (id, gated, first_seen_at, updated_at) \
                     VALUES (?1, ?2, 'x', 'x')",
                    rusqlite::params![id, gated],
                )
            };
            let unique = format!("{:p}", conn);
            assert!(insert(&format!("{unique}/none"), None).is_ok());
            assert!(insert(&format!("{unique}/auto"), Some("auto")).is_ok());
            let err = insert(&format!("{unique}/bad"), Some("maybe")).unwrap_err();
            assert!(err.to_string().contains("CHECK"), "{err}");
        }
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.db");
        drop(Store::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        drop(conn);
        let err = Store::open(&path).unwrap_err();
        assert!(err.to_string().contains("schema is version 999"), "{err}");
    }

    #[test]
    fn opening_a_missing_database_for_reading_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("none.db");
        assert!(matches!(
            Store::open_existing(&path),
            Err(StoreError::Missing(_))
        ));
        assert!(!path.exists());
    }
}
