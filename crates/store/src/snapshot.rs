//! Snapshots (migration 9): columns derived from the store, kept in the store beside the tables
//! they come from, so that an analysis reading millions of models reads one blob instead of
//! joining the tables again. A snapshot is current only while its generation is the store's:
//! every change to `models`, `cards`, `card_sections` or `model_other_sources` bumps
//! `model_generation` by trigger, whoever makes it. What a snapshot holds, and how it is
//! encoded, is its owner's business; the store keeps bytes.

use rusqlite::{OptionalExtension as _, params};

use crate::{Store, StoreError};

/// A snapshot is kept in parts of at most this many bytes (SQLite's own limit on one value is
/// 1 GB; smaller parts keep each statement's memory small).
const PART_BYTES: usize = 64 << 20;

/// The most parts read back (16 GiB): a store whose snapshot claims more is not trusted.
const MAX_PARTS: i64 = 256;

/// A read transaction: every read through the store until it is dropped sees the same state of
/// the database, whatever writers commit meanwhile (WAL readers read a fixed snapshot).
#[derive(Debug)]
pub struct ReadTransaction<'a> {
    store: &'a Store,
}

impl Drop for ReadTransaction<'_> {
    fn drop(&mut self) {
        // Ending a read transaction cannot lose anything; a failure leaves nothing to undo.
        let _ = self.store.conn.execute_batch("COMMIT");
    }
}

/// The generation triggers of migration 9, lifted for one bulk write: every row a trigger
/// bumps `model_generation` for makes SQLite keep a statement journal, a copy of each page the
/// statement touches, which made an ingest of 500,000 models four times slower (25 s, not 6 s).
/// Within its own transaction a bulk writer drops the triggers, writes, bumps the generation
/// once and creates the triggers again before it commits; no other connection ever sees the
/// tables without them, and a rolled-back transaction takes the drop back with it.
#[derive(Debug, Default)]
pub(crate) struct LiftedTriggers {
    /// The `CREATE TRIGGER` statements as the schema holds them (one definition: migration 9).
    lifted: Vec<String>,
}

impl LiftedTriggers {
    /// Drops the generation triggers in the open transaction, unless they are lifted already.
    pub(crate) fn lift(&mut self, conn: &rusqlite::Connection) -> Result<(), StoreError> {
        if !self.lifted.is_empty() {
            return Ok(());
        }
        let triggers: Vec<(String, String)> = conn
            .prepare(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' \
                 AND name GLOB '*_generation' ORDER BY name",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (name, _) in &triggers {
            conn.execute_batch(&format!("DROP TRIGGER \"{}\"", name.replace('"', "\"\"")))?;
        }
        self.lifted = triggers.into_iter().map(|(_, sql)| sql).collect();
        Ok(())
    }

    /// Before the commit of a transaction that lifted them: bumps the generation once for
    /// everything written, and puts the triggers back.
    pub(crate) fn restore(&mut self, conn: &rusqlite::Connection) -> Result<(), StoreError> {
        if self.lifted.is_empty() {
            return Ok(());
        }
        conn.execute("UPDATE model_generation SET n = n + 1", [])?;
        for sql in &self.lifted {
            conn.execute_batch(sql)?;
        }
        self.lifted.clear();
        Ok(())
    }

    /// The transaction was rolled back, and the drop with it.
    pub(crate) fn forget(&mut self) {
        self.lifted.clear();
    }
}

impl Store {
    /// Starts a read transaction (see [`ReadTransaction`]). Not nested: the store must not be
    /// in a transaction already.
    pub fn read_transaction(&self) -> Result<ReadTransaction<'_>, StoreError> {
        self.conn.execute_batch("BEGIN DEFERRED")?;
        // The first read fixes the state the transaction sees.
        self.model_generation()?;
        Ok(ReadTransaction { store: self })
    }

    /// How many changes the tables behind model snapshots have seen.
    pub fn model_generation(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT n FROM model_generation", [], |r| r.get(0))?)
    }

    /// The snapshot `name` if it was derived at `generation`, else `None` (there is none, or it is
    /// stale, or its parts do not follow each other, or one does not match its checksum).
    pub fn snapshot(&self, name: &str, generation: i64) -> Result<Option<Vec<u8>>, StoreError> {
        // The parts' facts and their bytes must come from one state of the file.
        if self.conn.is_autocommit() {
            let _read = self.read_transaction()?;
            return self.snapshot_read(name, generation);
        }
        self.snapshot_read(name, generation)
    }

    fn snapshot_read(&self, name: &str, generation: i64) -> Result<Option<Vec<u8>>, StoreError> {
        // The parts' facts first, then their bytes read straight into one buffer of the whole
        // size (through SQLite's blob handles: no second copy of tens of megabytes).
        let mut statement = self.conn.prepare(
            "SELECT part, generation, crc32, rowid, length(bytes), typeof(bytes) = 'blob' \
             FROM snapshots WHERE name = ?1 ORDER BY part",
        )?;
        type Part = (i64, i64, Option<i64>, i64, i64, bool);
        let parts: Vec<Part> = statement
            .query_map([name], |r| Part::try_from(r))?
            .collect::<Result<_, _>>()?;
        let mut total = 0_usize;
        for (expected, &(part, at, crc, _, len, blob)) in parts.iter().enumerate() {
            let len = usize::try_from(len).unwrap_or(usize::MAX);
            if part != expected as i64
                || at != generation
                || part >= MAX_PARTS
                || crc.is_none()
                || !blob
                || len > PART_BYTES
            {
                return Ok(None);
            }
            total += len;
        }
        if parts.is_empty() {
            return Ok(None);
        }
        let mut bytes = vec![0_u8; total];
        let mut at = 0;
        for &(_, _, crc, rowid, len, _) in &parts {
            let len = len as usize;
            let blob = self
                .conn
                .blob_open(rusqlite::MAIN_DB, "snapshots", "bytes", rowid, true)?;
            let read = blob.read_at(&mut bytes[at..at + len], 0)?;
            if read != len || crc != Some(i64::from(crc32fast::hash(&bytes[at..at + len]))) {
                return Ok(None);
            }
            at += len;
        }
        Ok(Some(bytes))
    }

    /// Keeps `bytes` as the snapshot `name` derived at `generation`, replacing any older one, if
    /// the store is still at `generation` (else nothing is written: what was derived is already
    /// stale). Returns whether it was kept. Waits for no writer: a store busy writing keeps no
    /// snapshot this time.
    pub fn keep_snapshot(
        &mut self,
        name: &str,
        generation: i64,
        bytes: &[u8],
    ) -> Result<bool, StoreError> {
        self.conn.busy_timeout(std::time::Duration::ZERO)?;
        let kept = self.keep_snapshot_now(name, generation, bytes);
        self.conn.busy_timeout(crate::db::BUSY_WAIT)?;
        match kept {
            Err(StoreError::Sqlite(e))
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) =>
            {
                Ok(false)
            }
            other => other,
        }
    }

    fn keep_snapshot_now(
        &mut self,
        name: &str,
        generation: i64,
        bytes: &[u8],
    ) -> Result<bool, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let now: Option<i64> = tx
            .query_row("SELECT n FROM model_generation", [], |r| r.get(0))
            .optional()?;
        if now != Some(generation) {
            return Ok(false);
        }
        tx.execute("DELETE FROM snapshots WHERE name = ?1", [name])?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO snapshots (name, part, generation, crc32, bytes) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let parts: Vec<&[u8]> = if bytes.is_empty() {
                vec![bytes]
            } else {
                bytes.chunks(PART_BYTES).collect()
            };
            for (part, chunk) in parts.into_iter().enumerate() {
                let crc = i64::from(crc32fast::hash(chunk));
                insert.execute(params![name, part as i64, generation, crc, chunk])?;
            }
        }
        tx.commit()?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{Batch, IngestKind, ModelRecord, SourceInfo};

    fn add_model(store: &mut Store, id: &str) {
        let source = SourceInfo::new(format!("{id}.jsonl"), "jsonl");
        let mut session = store.begin_ingest(IngestKind::Models, &source).unwrap();
        let record = ModelRecord {
            id: id.into(),
            ..ModelRecord::default()
        };
        session
            .write_models(Batch {
                records: vec![record],
                issues: vec![],
                read: 1,
            })
            .unwrap();
        session.finish().unwrap();
    }

    #[test]
    fn a_snapshot_is_current_until_its_tables_change_by_any_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut store = Store::open(&path).unwrap();
        add_model(&mut store, "a/one");
        let at = store.model_generation().unwrap();
        assert!(store.snapshot("models/1", at).unwrap().is_none());
        // Larger than one part.
        let bytes: Vec<u8> = (0..PART_BYTES + 10).map(|i| (i % 251) as u8).collect();
        assert!(store.keep_snapshot("models/1", at, &bytes).unwrap());
        assert_eq!(store.snapshot("models/1", at).unwrap().unwrap(), bytes);
        // Nothing is kept for a generation the store has left.
        assert!(!store.keep_snapshot("models/1", at - 1, b"old").unwrap());
        // An ingest changes the generation: the snapshot is stale.
        add_model(&mut store, "a/two");
        let later = store.model_generation().unwrap();
        assert!(later > at);
        assert!(store.snapshot("models/1", later).unwrap().is_none());
        // So does a statement from outside hubscope, on every input table.
        for sql in [
            "UPDATE models SET likes = 7 WHERE id = 'a/one'",
            "INSERT INTO model_other_sources (model_id, source_id) \
             SELECT 'a/one', id FROM sources LIMIT 1",
            "DELETE FROM model_other_sources",
            "DELETE FROM models WHERE id = 'a/two'",
        ] {
            let before = store.model_generation().unwrap();
            let changed = store.connection().execute(sql, []).unwrap();
            assert_eq!(changed, 1, "{sql}");
            assert!(store.model_generation().unwrap() > before, "{sql}");
        }
        // A part damaged on disk (or by hand) is no snapshot, whatever its generation says.
        let at = store.model_generation().unwrap();
        assert!(store.keep_snapshot("models/1", at, &bytes).unwrap());
        for damage in [
            "UPDATE snapshots SET bytes = substr(bytes, 1, length(bytes) - 1) WHERE part = 1",
            "UPDATE snapshots SET bytes = zeroblob(length(bytes)) WHERE part = 0",
            "UPDATE snapshots SET crc32 = NULL WHERE part = 0",
        ] {
            assert!(store.keep_snapshot("models/1", at, &bytes).unwrap());
            store.connection().execute(damage, []).unwrap();
            assert!(
                store.snapshot("models/1", at).unwrap().is_none(),
                "{damage}"
            );
        }
        // A snapshot kept at the new generation replaces the old parts.
        let now = store.model_generation().unwrap();
        assert!(store.keep_snapshot("models/1", now, b"small").unwrap());
        assert_eq!(store.snapshot("models/1", now).unwrap().unwrap(), b"small");
        let parts: i64 = store
            .connection()
            .query_row("SELECT count(*) FROM snapshots", [], |r| r.get(0))
            .unwrap();
        assert_eq!(parts, 1);
    }

    fn generation_triggers(store: &Store) -> i64 {
        store
            .connection()
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' \
                 AND name GLOB '*_generation'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    }

    #[test]
    fn a_bulk_write_lifts_the_triggers_only_within_its_own_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut store = Store::open(&path).unwrap();
        let other = Store::open_read_only(&path).unwrap();
        assert_eq!(generation_triggers(&store), 12);
        let batch = |ids: &[&str]| Batch {
            records: ids
                .iter()
                .map(|id| ModelRecord {
                    id: (*id).into(),
                    ..ModelRecord::default()
                })
                .collect(),
            issues: vec![],
            read: ids.len() as u64,
        };
        let before = store.model_generation().unwrap();
        let source = SourceInfo::new("m.jsonl", "jsonl");
        {
            // Dropped before it commits: rolled back, the triggers with it.
            let mut session = store.begin_ingest(IngestKind::Models, &source).unwrap();
            session.write_models(batch(&["a/lost"])).unwrap();
            assert_eq!(generation_triggers(&other), 12);
        }
        assert_eq!(generation_triggers(&store), 12);
        assert_eq!(store.model_generation().unwrap(), before);
        let mut session = store.begin_ingest(IngestKind::Models, &source).unwrap();
        session.set_commit_every(2);
        session.write_models(batch(&["a/1", "a/2", "a/3"])).unwrap();
        session.write_models(batch(&["a/4"])).unwrap();
        // Another connection never sees the tables without their triggers.
        assert_eq!(generation_triggers(&other), 12);
        session.finish().unwrap();
        // One bump per committed transaction that wrote, not one per row.
        assert_eq!(store.model_generation().unwrap(), before + 2);
        assert_eq!(generation_triggers(&store), 12);
        let before = store.model_generation().unwrap();
        store
            .connection()
            .execute("UPDATE models SET likes = 1 WHERE id = 'a/4'", [])
            .unwrap();
        assert_eq!(store.model_generation().unwrap(), before + 1);
    }

    #[test]
    fn a_read_transaction_sees_one_state_while_another_connection_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.db");
        let mut writer = Store::open(&path).unwrap();
        add_model(&mut writer, "a/one");
        let reader = Store::open_read_only(&path).unwrap();
        let count = |s: &Store| -> i64 {
            s.connection()
                .query_row("SELECT count(*) FROM models", [], |r| r.get(0))
                .unwrap()
        };
        {
            let _read = reader.read_transaction().unwrap();
            let at = reader.model_generation().unwrap();
            add_model(&mut writer, "a/two");
            assert_eq!(count(&reader), 1);
            assert_eq!(reader.model_generation().unwrap(), at);
            // The writer cannot keep a snapshot of the state the reader saw.
            assert!(!writer.keep_snapshot("m", at, b"x").unwrap());
        }
        assert_eq!(count(&reader), 2);
    }
}
