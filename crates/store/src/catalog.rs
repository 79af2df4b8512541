//! The internal catalog of approved models: an append-only log of decisions (proposed,
//! approved, rejected, deprecated), each with who, when, why, the policy and the audit. The
//! database refuses to change or delete a decision (triggers of migration 5).

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::db::Store;
use crate::error::StoreError;

/// What a decision does to a model's entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Proposed,
    Approved,
    Rejected,
    Deprecated,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Proposed => "proposed",
            Action::Approved => "approved",
            Action::Rejected => "rejected",
            Action::Deprecated => "deprecated",
        }
    }

    pub fn parse(text: &str) -> Option<Action> {
        [
            Action::Proposed,
            Action::Approved,
            Action::Rejected,
            Action::Deprecated,
        ]
        .into_iter()
        .find(|a| a.as_str() == text)
    }
}

/// One decision of the log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Its place in the log (assigned when recorded).
    pub id: i64,
    pub model_id: String,
    pub revision: Option<String>,
    pub card_sha1: Option<String>,
    pub action: Action,
    pub decided_by: String,
    pub decided_at: String,
    pub reason: Option<String>,
    /// Approved although the audit failed.
    pub overridden: bool,
    pub policy_name: Option<String>,
    pub policy_version: Option<String>,
    pub policy_hash: Option<String>,
    pub passed: Option<bool>,
    /// The audit's findings as JSON.
    pub findings: Option<String>,
}

/// A stored model's repository sha and its latest card's content hash (either may be unknown).
pub type Revision = (Option<String>, Option<String>);

const COLUMNS: &str =
    "id, model_id, revision, card_sha1, action, decided_by, decided_at, reason, override,
     policy_name, policy_version, policy_hash, passed, findings";

fn decision(r: &rusqlite::Row<'_>) -> rusqlite::Result<Decision> {
    let action: String = r.get(4)?;
    Ok(Decision {
        id: r.get(0)?,
        model_id: r.get(1)?,
        revision: r.get(2)?,
        card_sha1: r.get(3)?,
        action: Action::parse(&action).unwrap_or(Action::Proposed),
        decided_by: r.get(5)?,
        decided_at: r.get(6)?,
        reason: r.get(7)?,
        overridden: r.get::<_, i64>(8)? != 0,
        policy_name: r.get(9)?,
        policy_version: r.get(10)?,
        policy_hash: r.get(11)?,
        passed: r.get::<_, Option<i64>>(12)?.map(|p| p != 0),
        findings: r.get(13)?,
    })
}

impl Store {
    /// Appends `decision` to the log (its `id` and `decided_at` are set here) and returns it.
    pub fn record_decision(&mut self, mut decision: Decision) -> Result<Decision, StoreError> {
        decision.decided_at = crate::time::now();
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO catalog_decisions (model_id, revision, card_sha1, action, decided_by,
                 decided_at, reason, override, policy_name, policy_version, policy_hash, passed, findings)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                decision.model_id,
                decision.revision,
                decision.card_sha1,
                decision.action.as_str(),
                decision.decided_by,
                decision.decided_at,
                decision.reason,
                i64::from(decision.overridden),
                decision.policy_name,
                decision.policy_version,
                decision.policy_hash,
                decision.passed.map(i64::from),
                decision.findings,
            ],
        )?;
        decision.id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(decision)
    }

    /// Every decision about `model_id`, oldest first.
    pub fn decisions(&self, model_id: &str) -> Result<Vec<Decision>, StoreError> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM catalog_decisions WHERE model_id = ?1 ORDER BY id"
        ))?;
        let rows = statement.query_map([model_id], decision)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Each catalogued model's latest decision (its current state), by model id.
    pub fn catalog(&self) -> Result<Vec<Decision>, StoreError> {
        let mut statement = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM catalog_decisions d
             WHERE id = (SELECT max(id) FROM catalog_decisions WHERE model_id = d.model_id)
             ORDER BY model_id"
        ))?;
        let rows = statement.query_map([], decision)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The latest decision about `model_id`, if it is catalogued.
    pub fn current_decision(&self, model_id: &str) -> Result<Option<Decision>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM catalog_decisions WHERE model_id = ?1
                     ORDER BY id DESC LIMIT 1"
                ),
                [model_id],
                decision,
            )
            .optional()?)
    }

    /// The stored model's sha and its latest card's content hash, when stored.
    pub fn model_revision(&self, model_id: &str) -> Result<Option<Revision>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT m.sha, (SELECT c.content_sha1 FROM cards c WHERE c.model_id = m.id
                                ORDER BY c.id DESC LIMIT 1)
                 FROM models m WHERE m.id = ?1",
                [model_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn proposed(model: &str) -> Decision {
        Decision {
            id: 0,
            model_id: model.into(),
            revision: Some("abc".into()),
            card_sha1: None,
            action: Action::Proposed,
            decided_by: "ana".into(),
            decided_at: String::new(),
            reason: Some("for the search team".into()),
            overridden: false,
            policy_name: None,
            policy_version: None,
            policy_hash: None,
            passed: None,
            findings: None,
        }
    }

    #[test]
    fn the_log_is_append_only_and_the_latest_decision_is_the_state() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("c.db")).unwrap();
        let first = store.record_decision(proposed("org/a")).unwrap();
        let mut approve = proposed("org/a");
        approve.action = Action::Approved;
        store.record_decision(approve).unwrap();
        store.record_decision(proposed("org/b")).unwrap();
        let history = store.decisions("org/a").unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0], first);
        let catalog = store.catalog().unwrap();
        assert_eq!(
            catalog
                .iter()
                .map(|d| (d.model_id.as_str(), d.action))
                .collect::<Vec<_>>(),
            vec![("org/a", Action::Approved), ("org/b", Action::Proposed)]
        );
        for sql in [
            "UPDATE catalog_decisions SET action = 'rejected'",
            "UPDATE catalog_decisions SET reason = NULL WHERE id = 1",
            "DELETE FROM catalog_decisions WHERE id = 1",
            "DELETE FROM catalog_decisions",
        ] {
            let e = store.connection().execute(sql, []).unwrap_err().to_string();
            assert!(e.contains("append-only"), "{sql}: {e}");
        }
        assert_eq!(
            store.decisions("org/a").unwrap().len(),
            2,
            "nothing changed"
        );
    }
}
