//! A model's facts as governance reads them: from the store (its row and latest card analysis,
//! [`subjects_of`], [`for_each_subject`]) or from a card ([`Subject::of_card`]); base models and
//! their licences through the stored lineage ([`Bases`]).

use std::collections::HashMap;
use std::ops::ControlFlow;

use hubscope_card::{CanonicalSection, LicenseStatus, ModelCard};
use hubscope_store::{ModelFacts, Store, StoreError};
use serde_json::Value;

use crate::{CardFacts, LicenseFacts, Subject};

pub use hubscope_store::lineage::MAX_LINEAGE_DEPTH;

impl Subject {
    /// The facts a card gives (for a README audited on its own: no repository facts).
    pub fn of_card(id: String, card: &ModelCard) -> Subject {
        Subject {
            id,
            card: Some(CardFacts::of(card)),
            license: LicenseFacts::of(card),
            pipeline_tag: card.metadata.pipeline_tag.clone(),
            library_name: card.metadata.library_name.clone(),
            languages: card.metadata.languages.clone(),
            datasets: card.metadata.datasets.clone(),
            base_models: card.metadata.base_models.clone(),
            ..Subject::default()
        }
    }

    /// A stored model's facts, its staleness measured at `now`; the card's come from its stored
    /// analysis, or from the Hub's `cardData` when no README was stored.
    pub fn of_stored(row: ModelFacts, now: chrono::DateTime<chrono::Utc>) -> Subject {
        let mut subject = Subject {
            id: row.id,
            revision: row.sha,
            gated: row.gated.map(|g| g != "no"),
            private: row.private,
            files: row
                .siblings
                .and_then(|s| serde_json::from_str::<Vec<String>>(&s).ok()),
            downloads: row.downloads.map(|d| d.max(0) as u64),
            likes: row.likes.map(|d| d.max(0) as u64),
            parameters: row.safetensors_params.map(|p| p.max(0) as u64),
            stale_days: row
                .last_modified
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| {
                    let days = (now - t.with_timezone(&chrono::Utc)).num_days().max(0);
                    u32::try_from(days).unwrap_or(u32::MAX)
                }),
            pipeline_tag: row.pipeline_tag,
            library_name: row.library,
            ..Subject::default()
        };
        let analysis = row
            .card_analysis
            .and_then(|a| serde_json::from_str::<Value>(&a).ok());
        match &analysis {
            Some(a) => {
                subject.card = Some(card_facts(a));
                metadata_facts(a, &mut subject);
            }
            None => {
                if let Some(data) = row.card_data.as_deref() {
                    card_data_facts(data, &mut subject);
                }
            }
        }
        subject
    }
}

/// The stored models `ids` (all when `None`), with their facts at `now`.
pub fn subjects_of(
    store: &Store,
    ids: Option<&[String]>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Subject>, StoreError> {
    let mut out = Vec::new();
    for_each_subject(store, ids, now, |subject| {
        out.push(subject);
        ControlFlow::Continue(())
    })?;
    Ok(out)
}

/// Calls `visit` with each stored model's facts (`ids`, or all), one at a time, until it
/// breaks: memory stays bounded over millions of models.
pub fn for_each_subject(
    store: &Store,
    ids: Option<&[String]>,
    now: chrono::DateTime<chrono::Utc>,
    mut visit: impl FnMut(Subject) -> ControlFlow<()>,
) -> Result<(), StoreError> {
    store.for_each_model_facts(ids, |row| visit(Subject::of_stored(row, now)))
}

/// The licence, languages and other metadata of a card's analysis (the store's JSON).
fn metadata_facts(analysis: &Value, subject: &mut Subject) {
    let m = &analysis["metadata"];
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    subject.license = license_facts(&m["license"]);
    subject.languages = strings(&m["languages"]);
    subject.datasets = strings(&m["datasets"]);
    subject.base_models = strings(&m["base_models"]);
    if subject.pipeline_tag.is_none() {
        subject.pipeline_tag = m["pipeline_tag"].as_str().map(str::to_string);
    }
    if subject.library_name.is_none() {
        subject.library_name = m["library_name"].as_str().map(str::to_string);
    }
}

fn license_facts(l: &Value) -> Option<LicenseFacts> {
    let raw = l["raw"].as_str()?.to_string();
    let status = match l["status"].as_str() {
        Some("known") => LicenseStatus::Known,
        Some("other") => LicenseStatus::Other,
        Some("unknown") => LicenseStatus::Unknown,
        _ => LicenseStatus::Unrecognized,
    };
    Some(LicenseFacts {
        raw,
        id: l["id"].as_str().map(str::to_string),
        spdx: l["spdx"].as_str().map(str::to_string),
        status,
        described: l["name"].is_string() || l["link"].is_string(),
    })
}

fn card_facts(analysis: &Value) -> CardFacts {
    let mut facts = CardFacts {
        score: analysis["score"]["total"]
            .as_u64()
            .and_then(|s| u8::try_from(s).ok())
            .unwrap_or(0),
        eval_results: analysis["metadata"]["eval_results"]["results"]
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(0),
        ..CardFacts::default()
    };
    for section in CanonicalSection::ALL {
        let s = &analysis["sections"][section.as_str()];
        if s["present"].as_bool() == Some(true) {
            facts.present.push(section);
        }
        if s["filled"].as_bool() == Some(true) {
            facts.filled.push(section);
        }
    }
    let evaluation = &analysis["sections"][CanonicalSection::Evaluation.as_str()];
    facts.evaluation_with_numbers = evaluation["filled"].as_bool() == Some(true)
        && evaluation["has_numbers"].as_bool() == Some(true);
    facts
}

/// Licence and metadata from `card_data` (the Hub's parsed front matter, JSON), for models stored
/// without a README: read directly, the licence normalised as the card engine does.
fn card_data_facts(card_data: &str, subject: &mut Subject) {
    let Ok(data) = serde_json::from_str::<Value>(card_data) else {
        return;
    };
    // A field may be a string or a list of strings.
    let list = |key: &str| -> Vec<String> {
        match &data[key] {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    let licences = list("license");
    if !licences.is_empty() {
        let l = hubscope_card::normalize_license(
            &licences.join(", "),
            data["license_name"].as_str().map(str::to_string),
            data["license_link"].as_str().map(str::to_string),
        );
        subject.license = Some(LicenseFacts {
            raw: l.raw,
            id: l.id,
            spdx: l.spdx,
            status: l.status,
            described: l.name.is_some() || l.link.is_some(),
        });
    }
    subject.languages = list("language");
    subject.datasets = list("datasets");
    subject.base_models = list("base_model");
    if subject.pipeline_tag.is_none() {
        subject.pipeline_tag = data["pipeline_tag"].as_str().map(str::to_string);
    }
    if subject.library_name.is_none() {
        subject.library_name = data["library_name"].as_str().map(str::to_string);
    }
}

/// Every ancestor of `id` through `parents`, each once, a first parent's line before the
/// second parent (the store's one lineage walk, guarded against cycles and depth).
pub fn ancestors(parents: &HashMap<String, Vec<String>>, id: &str) -> Vec<String> {
    if !parents.contains_key(id) {
        return Vec::new();
    }
    hubscope_store::lineage::ancestors(id, |node: &str| {
        parents
            .get(node)
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect::<Vec<_>>()
    })
    .into_iter()
    .map(str::to_string)
    .collect()
}

/// Base models through lineage, and the licences of every model that is someone's base: loaded
/// once, so each audited model's bases are a lookup.
pub struct Bases {
    parents: HashMap<String, Vec<String>>,
    licences: HashMap<String, Option<LicenseFacts>>,
}

impl Bases {
    pub fn load(store: &Store) -> Result<Bases, StoreError> {
        let mut parents: HashMap<String, Vec<String>> = HashMap::new();
        for (child, parent) in store.lineage_edges()? {
            parents.entry(child).or_default().push(parent);
        }
        let mut bases: Vec<String> = parents.values().flatten().cloned().collect();
        bases.sort_unstable();
        bases.dedup();
        let mut licences = HashMap::with_capacity(bases.len());
        // Only the licences are kept: the moment does not matter.
        for_each_subject(store, Some(&bases), chrono::Utc::now(), |s| {
            licences.insert(s.id, s.license);
            ControlFlow::Continue(())
        })?;
        Ok(Bases { parents, licences })
    }

    /// The direct parents of each of `ids` that has any, in order (one generation up).
    pub fn parents_of(&self, ids: &[String]) -> Vec<String> {
        ids.iter()
            .flat_map(|id| self.parents.get(id).into_iter().flatten().cloned())
            .collect()
    }

    /// Every ancestor of `id` with its licence (None when not stored or not declared).
    pub fn of(&self, id: &str) -> Vec<(String, Option<LicenseFacts>)> {
        ancestors(&self.parents, id)
            .into_iter()
            .map(|base| {
                let licence = self.licences.get(&base).cloned().flatten();
                (base, licence)
            })
            .collect()
    }

    /// Fills the `bases` of each subject.
    pub fn resolve(&self, subjects: &mut [Subject]) {
        for subject in subjects {
            subject.bases = self.of(&subject.id);
        }
    }
}

/// Why a README cannot be audited on its own.
#[derive(Debug, thiserror::Error)]
pub enum ReadmeError {
    #[error("cannot read {0}")]
    Read(#[from] hubscope_source::SmallFileError),
    #[error("{path}: {error}")]
    Card {
        path: String,
        error: hubscope_card::CardError,
    },
}

impl Subject {
    /// The facts of a README file audited on its own, read up to the card analyser's limit.
    pub fn of_readme(path: &std::path::Path) -> Result<Subject, ReadmeError> {
        let analyzer = hubscope_card::CardAnalyzer::new();
        let limit = hubscope_card::Limits::default().max_card_bytes as u64;
        let text = hubscope_source::read_bounded(path, limit)?;
        let shown = path.display().to_string();
        let card = analyzer
            .analyze_bytes(&text)
            .map_err(|error| ReadmeError::Card {
                path: shown.clone(),
                error,
            })?;
        Ok(Subject::of_card(shown, &card))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_come_once_each_first_line_first_and_a_cycle_ends() {
        let mut parents: HashMap<String, Vec<String>> = HashMap::new();
        for (child, parent) in [("c", "b"), ("b", "a"), ("c", "x"), ("a", "c"), ("x", "a")] {
            parents
                .entry(child.to_string())
                .or_default()
                .push(parent.to_string());
        }
        assert_eq!(ancestors(&parents, "c"), ["b", "a", "x"]);
        assert!(ancestors(&parents, "zz").is_empty());
        // A chain longer than the bound stops there.
        let long: HashMap<String, Vec<String>> = (0..100)
            .map(|i| (format!("m{i}"), vec![format!("m{}", i + 1)]))
            .collect();
        assert_eq!(ancestors(&long, "m0").len(), MAX_LINEAGE_DEPTH);
    }

    #[test]
    fn a_readme_over_the_card_limit_is_refused_without_being_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("README.md");
        let file = std::fs::File::create(&big).unwrap();
        file.set_len(hubscope_card::Limits::default().max_card_bytes as u64 + 1)
            .unwrap();
        let e = Subject::of_readme(&big).unwrap_err().to_string();
        assert!(e.contains("README.md: longer than"), "{e}");
        let small = dir.path().join("ok.md");
        std::fs::write(&small, "---\nlicense: mit\n---\n# A model\n").unwrap();
        assert_eq!(
            Subject::of_readme(&small).unwrap().id,
            small.display().to_string()
        );
    }
}
