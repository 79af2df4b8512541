//! Proof-of-concept evaluations of local encoders on a team's own labelled texts (`hubscope
//! poc --record`): the catalog's evidence of how a model did on *our* data. Append-only, as the
//! decision log (triggers of migration 6).

use rusqlite::params;
use serde::Serialize;

use crate::db::Store;
use crate::error::StoreError;

/// One recorded evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PocRecord {
    /// Its place in the log (assigned when recorded).
    pub id: i64,
    pub model_id: String,
    pub revision: Option<String>,
    pub weights_sha1: Option<String>,
    pub dataset: String,
    pub dataset_sha1: String,
    pub texts: u64,
    pub labels: u64,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub latency_p50_ms: Option<f64>,
    pub latency_p95_ms: Option<f64>,
    pub texts_per_second: Option<f64>,
    pub peak_memory_mb: Option<f64>,
    pub evaluated_by: String,
    pub evaluated_at: String,
    /// The whole evaluation as JSON (per-label scores, timings, options).
    pub details: String,
}

const COLUMNS: &str = "id, model_id, revision, weights_sha1, dataset, dataset_sha1, texts, labels,
     accuracy, macro_f1, latency_p50_ms, latency_p95_ms, texts_per_second, peak_memory_mb,
     evaluated_by, evaluated_at, details";

fn record(r: &rusqlite::Row<'_>) -> rusqlite::Result<PocRecord> {
    Ok(PocRecord {
        id: r.get(0)?,
        model_id: r.get(1)?,
        revision: r.get(2)?,
        weights_sha1: r.get(3)?,
        dataset: r.get(4)?,
        dataset_sha1: r.get(5)?,
        texts: u64::try_from(r.get::<_, i64>(6)?).unwrap_or(0),
        labels: u64::try_from(r.get::<_, i64>(7)?).unwrap_or(0),
        accuracy: r.get(8)?,
        macro_f1: r.get(9)?,
        latency_p50_ms: r.get(10)?,
        latency_p95_ms: r.get(11)?,
        texts_per_second: r.get(12)?,
        peak_memory_mb: r.get(13)?,
        evaluated_by: r.get(14)?,
        evaluated_at: r.get(15)?,
        details: r.get(16)?,
    })
}

impl Store {
    /// Appends `evaluation` (its `id` and `evaluated_at` are set here) and returns it.
    pub fn record_poc(&mut self, mut evaluation: PocRecord) -> Result<PocRecord, StoreError> {
        evaluation.evaluated_at = crate::time::now();
        let tx = self.conn.transaction()?;
        tx.execute(
            &format!(
                "INSERT INTO poc_evaluations ({})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                COLUMNS.trim_start_matches("id, ")
            ),
            params![
                evaluation.model_id,
                evaluation.revision,
                evaluation.weights_sha1,
                evaluation.dataset,
                evaluation.dataset_sha1,
                i64::try_from(evaluation.texts).unwrap_or(i64::MAX),
                i64::try_from(evaluation.labels).unwrap_or(i64::MAX),
                evaluation.accuracy,
                evaluation.macro_f1,
                evaluation.latency_p50_ms,
                evaluation.latency_p95_ms,
                evaluation.texts_per_second,
                evaluation.peak_memory_mb,
                evaluation.evaluated_by,
                evaluation.evaluated_at,
                evaluation.details,
            ],
        )?;
        evaluation.id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(evaluation)
    }

    /// Every recorded evaluation, oldest first.
    pub fn all_poc_evaluations(&self) -> Result<Vec<PocRecord>, StoreError> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM poc_evaluations ORDER BY id"
        ))?;
        let rows = statement.query_map([], record)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every evaluation of `model_id`, oldest first.
    pub fn poc_evaluations(&self, model_id: &str) -> Result<Vec<PocRecord>, StoreError> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM poc_evaluations WHERE model_id = ?1 ORDER BY id"
        ))?;
        let rows = statement.query_map([model_id], record)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn evaluation(model: &str, accuracy: f64) -> PocRecord {
        PocRecord {
            id: 0,
            model_id: model.into(),
            revision: Some("8b3219a9".into()),
            weights_sha1: None,
            dataset: "tickets.csv".into(),
            dataset_sha1: "da39a3ee".into(),
            texts: 120,
            labels: 3,
            accuracy,
            macro_f1: accuracy - 0.1,
            latency_p50_ms: Some(4.5),
            latency_p95_ms: Some(9.0),
            texts_per_second: Some(210.0),
            peak_memory_mb: None,
            evaluated_by: "ana".into(),
            evaluated_at: String::new(),
            details: "{}".into(),
        }
    }

    #[test]
    fn evaluations_are_kept_in_order_and_cannot_be_altered() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("p.db")).unwrap();
        let first = store.record_poc(evaluation("org/a", 0.8)).unwrap();
        store.record_poc(evaluation("org/b", 0.7)).unwrap();
        let second = store.record_poc(evaluation("org/a", 0.9)).unwrap();
        assert!(first.id < second.id);
        assert!(!first.evaluated_at.is_empty());
        let stored = store.poc_evaluations("org/a").unwrap();
        assert_eq!(stored, vec![first, second]);
        assert!(store.poc_evaluations("org/c").unwrap().is_empty());
        let all = store.all_poc_evaluations().unwrap();
        assert_eq!(all.iter().map(|e| e.id).collect::<Vec<_>>(), [1, 2, 3]);

        let conn = rusqlite::Connection::open(dir.path().join("p.db")).unwrap();
        let update = conn
            .execute("UPDATE poc_evaluations SET accuracy = 1.0", [])
            .unwrap_err();
        assert!(update.to_string().contains("append-only"), "{update}");
        let delete = conn.execute("DELETE FROM poc_evaluations", []).unwrap_err();
        assert!(delete.to_string().contains("append-only"), "{delete}");
        assert_eq!(store.poc_evaluations("org/a").unwrap().len(), 2);
    }
}
