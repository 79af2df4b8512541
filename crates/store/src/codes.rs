//! Codes given by human coders (the coding workflow): imported from sheets in one transaction,
//! read back for agreement statistics and category counts.

use std::collections::HashSet;

use rusqlite::{OptionalExtension, params};

use crate::db::Store;
use crate::error::StoreError;

/// The coder name under which adjudicated codes are stored.
pub const RESOLVED_CODER: &str = "(resolved)";

/// The prefix of the coders under which `hubscope classify` stores its predictions
/// (`hubscope:embedding`, `hubscope:lexical`): machine codes, kept apart from human ones.
pub const MACHINE_CODER_PREFIX: &str = "hubscope:";

/// One coder's code for one item.
#[derive(Debug, Clone, PartialEq)]
pub struct Code {
    /// `forum` or `discussions`.
    pub source: String,
    pub item_id: i64,
    pub coder: String,
    pub category_id: u16,
    pub subcategory: Option<String>,
    pub benefit_id: Option<u16>,
    pub note: Option<String>,
    /// The classifier's confidence in a machine code (0–1); `None` for people's codes.
    pub confidence: Option<f64>,
}

/// The parts of a code an import compares: category, subcategory, benefit, note, confidence.
type CodeValue = (
    u16,
    Option<String>,
    Option<u16>,
    Option<String>,
    Option<f64>,
);

/// A run of the classifier over the store: whose codes it made and how far they can be
/// trusted (the classifier's measured agreement with people, as JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    pub coder: String,
    pub method: String,
    /// `built-in`, or the weights file.
    pub classifier: String,
    pub classified_at: String,
    pub items: u64,
    /// The classifier's measured agreement (JSON), when it was measured.
    pub agreement: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeImport {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl Store {
    /// The ids of `ids` that exist in `source` (forum topics or discussions).
    pub fn existing_items(&self, source: &str, ids: &[i64]) -> Result<HashSet<i64>, StoreError> {
        let sql = match source {
            "forum" => "SELECT 1 FROM forum_topics WHERE id = ?1",
            _ => "SELECT 1 FROM discussions WHERE id = ?1",
        };
        let mut statement = self.conn.prepare_cached(sql)?;
        let mut found = HashSet::new();
        for &id in ids {
            if statement.query_row([id], |_| Ok(())).optional()?.is_some() {
                found.insert(id);
            }
        }
        Ok(found)
    }

    /// Stores codes from `sheet`, all or none: a coder's new code for an item replaces the old.
    pub fn import_codes(&mut self, sheet: &str, codes: &[Code]) -> Result<CodeImport, StoreError> {
        let now = crate::time::now();
        let tx = self.conn.transaction()?;
        let mut result = CodeImport::default();
        {
            let mut current = tx.prepare_cached(
                "SELECT category_id, subcategory, benefit_id, note, confidence FROM codes
                 WHERE source = ?1 AND item_id = ?2 AND coder = ?3",
            )?;
            let mut upsert = tx.prepare_cached(
                "INSERT INTO codes (source, item_id, coder, category_id, subcategory, benefit_id, note, sheet, imported_at, confidence)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT (source, item_id, coder) DO UPDATE SET
                   category_id = excluded.category_id, subcategory = excluded.subcategory,
                   benefit_id = excluded.benefit_id, note = excluded.note,
                   sheet = excluded.sheet, imported_at = excluded.imported_at,
                   confidence = excluded.confidence",
            )?;
            for c in codes {
                let old: Option<CodeValue> = current
                    .query_row(params![c.source, c.item_id, c.coder], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                    })
                    .optional()?;
                let new = (
                    c.category_id,
                    c.subcategory.clone(),
                    c.benefit_id,
                    c.note.clone(),
                    c.confidence,
                );
                match old {
                    Some(old) if old == new => {
                        result.unchanged += 1;
                        continue;
                    }
                    Some(_) => result.updated += 1,
                    None => result.inserted += 1,
                }
                upsert.execute(params![
                    c.source,
                    c.item_id,
                    c.coder,
                    c.category_id,
                    c.subcategory,
                    c.benefit_id,
                    c.note,
                    sheet,
                    now,
                    c.confidence
                ])?;
            }
        }
        tx.commit()?;
        Ok(result)
    }

    /// Every stored code, by item then coder.
    pub fn codes(&self) -> Result<Vec<Code>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT source, item_id, coder, category_id, subcategory, benefit_id, note, confidence
             FROM codes ORDER BY source, item_id, coder",
        )?;
        let rows = statement.query_map([], |r| {
            Ok(Code {
                source: r.get(0)?,
                item_id: r.get(1)?,
                coder: r.get(2)?,
                category_id: r.get(3)?,
                subcategory: r.get(4)?,
                benefit_id: r.get(5)?,
                note: r.get(6)?,
                confidence: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records a run of the classifier over the store.
    pub fn record_classification(&mut self, run: &Classification) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO classifications (coder, method, classifier, classified_at, items, agreement)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                run.coder,
                run.method,
                run.classifier,
                run.classified_at,
                run.items as i64,
                run.agreement
            ],
        )?;
        Ok(())
    }

    /// The latest run of the classifier that made `coder`'s codes.
    pub fn latest_classification(&self, coder: &str) -> Result<Option<Classification>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT coder, method, classifier, classified_at, items, agreement
                 FROM classifications WHERE coder = ?1 ORDER BY id DESC LIMIT 1",
                [coder],
                |r| {
                    Ok(Classification {
                        coder: r.get(0)?,
                        method: r.get(1)?,
                        classifier: r.get(2)?,
                        classified_at: r.get(3)?,
                        items: r.get::<_, i64>(4)?.max(0) as u64,
                        agreement: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn imports_are_upserts_and_all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path().join("c.db")).unwrap();
        let code = |id: i64, cat: u16| Code {
            source: "forum".into(),
            item_id: id,
            coder: "ana".into(),
            category_id: cat,
            subcategory: None,
            benefit_id: None,
            note: None,
            confidence: None,
        };
        let r = store
            .import_codes("a.csv", &[code(1, 3), code(2, 12)])
            .unwrap();
        assert_eq!((r.inserted, r.updated, r.unchanged), (2, 0, 0));
        let r = store
            .import_codes("a.csv", &[code(1, 3), code(2, 5)])
            .unwrap();
        assert_eq!((r.inserted, r.updated, r.unchanged), (0, 1, 1));
        // A bad row (a source the schema refuses) rolls the whole sheet back.
        let mut bad = code(3, 1);
        bad.source = "web".into();
        assert!(store.import_codes("b.csv", &[code(4, 1), bad]).is_err());
        let codes = store.codes().unwrap();
        assert_eq!(codes.len(), 2);
        assert_eq!(codes[1].category_id, 5);
    }
}
