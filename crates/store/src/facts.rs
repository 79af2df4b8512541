//! What governance reads of a stored model: its row's facts and its latest card analysis, one
//! model at a time (memory stays bounded over millions of models), and the lineage edges.

use std::ops::ControlFlow;

use crate::{Store, StoreError};

/// A stored model's columns that audits, shortlists and comparisons use, as stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelFacts {
    pub id: String,
    pub sha: Option<String>,
    /// `no`, `yes`, `auto` or `manual`.
    pub gated: Option<String>,
    pub private: Option<bool>,
    /// The repository's file names (JSON list as stored).
    pub siblings: Option<String>,
    pub downloads: Option<i64>,
    pub likes: Option<i64>,
    /// RFC 3339.
    pub last_modified: Option<String>,
    pub pipeline_tag: Option<String>,
    pub library: Option<String>,
    /// The Hub's parsed front matter (JSON as stored).
    pub card_data: Option<String>,
    pub safetensors_params: Option<i64>,
    /// The latest stored card analysis (JSON as stored).
    pub card_analysis: Option<String>,
}

const SELECT: &str = "SELECT m.id, m.sha, m.gated, m.private, m.siblings, m.downloads, m.likes,
                  m.last_modified, m.pipeline_tag, m.library, m.card_data, m.safetensors_params,
                  (SELECT c.analysis FROM cards c WHERE c.model_id = m.id ORDER BY c.id DESC LIMIT 1)
           FROM models m";

fn facts(row: &rusqlite::Row<'_>) -> rusqlite::Result<ModelFacts> {
    Ok(ModelFacts {
        id: row.get(0)?,
        sha: row.get(1)?,
        gated: row.get(2)?,
        private: row.get::<_, Option<i64>>(3)?.map(|p| p != 0),
        siblings: row.get(4)?,
        downloads: row.get(5)?,
        likes: row.get(6)?,
        last_modified: row.get(7)?,
        pipeline_tag: row.get(8)?,
        library: row.get(9)?,
        card_data: row.get(10)?,
        safetensors_params: row.get(11)?,
        card_analysis: row.get(12)?,
    })
}

impl Store {
    /// Calls `visit` with the facts of each stored model (`ids`, in their order, those stored;
    /// or every model), one at a time, until it breaks.
    pub fn for_each_model_facts(
        &self,
        ids: Option<&[String]>,
        mut visit: impl FnMut(ModelFacts) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        match ids {
            None => {
                let mut statement = self.conn.prepare(SELECT)?;
                let mut rows = statement.query([])?;
                while let Some(row) = rows.next()? {
                    if visit(facts(row)?).is_break() {
                        break;
                    }
                }
            }
            Some(ids) => {
                let mut statement = self.conn.prepare(&format!("{SELECT} WHERE m.id = ?1"))?;
                for id in ids {
                    let mut rows = statement.query([id])?;
                    if let Some(row) = rows.next()?
                        && visit(facts(row)?).is_break()
                    {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// Every distinct `(child, parent)` edge of the lineage table.
    pub fn lineage_edges(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT DISTINCT child_id, parent_id FROM lineage")?;
        let edges = statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(edges)
    }
}
