//! Whose codes count, read from the store: one code per item (people's, adjudicated or agreed,
//! before a classifier's), the agreement among people, and for a classifier's codes its
//! recorded agreement and the shares corrected for its confusion. What `taxonomy stats` and the
//! report count.

use std::collections::{BTreeMap, BTreeSet};

use hubscope_store::{Code, MACHINE_CODER_PREFIX, RESOLVED_CODER, Store, StoreError};

use crate::{Agreement, QuantifyOptions, ShareEstimate, adjusted_shares, fleiss_kappa};

/// Why the codes cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum CodedError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "the recorded agreement of {coder}'s classifier is not readable ({source}); run classify again"
    )]
    Agreement {
        coder: String,
        source: serde_json::Error,
    },
}

/// The codes counted: one per item, and how they were chosen.
pub struct Chosen {
    pub codes: Vec<(u16, Option<String>)>,
    /// Whose codes: a coder's name (`hubscope:embedding`), or `people`.
    pub coder: String,
    /// Whose codes, in words.
    pub label: String,
    /// Items whose human coders disagree and that are not resolved yet.
    pub unresolved: u64,
    /// The kinds of topic coded (`forum`, `discussions`).
    pub sources: BTreeSet<String>,
}

impl Chosen {
    /// The coded topics, in words.
    pub fn topics(&self) -> String {
        let words: Vec<&str> = self
            .sources
            .iter()
            .map(|s| match s.as_str() {
                "forum" => "forum topics",
                _ => "Hub discussions",
            })
            .collect();
        if words.is_empty() {
            "topics".into()
        } else {
            words.join(" and ")
        }
    }
}

/// One code per item: `coder`'s; or, without one, the people's — adjudicated codes first, then
/// codes all coders of an item agree on — or, when no person has coded, the classifier's (the
/// embedding one's when both exist). `source` keeps the codes of one kind of topic.
pub fn choose_codes(
    store: &Store,
    coder: Option<&str>,
    source: Option<&str>,
) -> Result<Chosen, CodedError> {
    let codes: Vec<Code> = store
        .codes()?
        .into_iter()
        .filter(|c| source.is_none_or(|s| c.source == s))
        .collect();
    if let Some(coder) = coder {
        let mine: Vec<Code> = codes.into_iter().filter(|c| c.coder == coder).collect();
        return Ok(Chosen {
            sources: mine.iter().map(|c| c.source.clone()).collect(),
            codes: mine
                .into_iter()
                .map(|c| (c.category_id, c.subcategory))
                .collect(),
            coder: coder.to_string(),
            label: format!("the codes of {coder}"),
            unresolved: 0,
        });
    }
    let is_machine = |c: &Code| c.coder.starts_with(MACHINE_CODER_PREFIX);
    if codes.iter().all(is_machine) {
        // Nobody coded: the classifier's codes, the embedding one's when both exist.
        let machine = ["hubscope:embedding", "hubscope:lexical"]
            .into_iter()
            .find(|m| codes.iter().any(|c| c.coder == *m))
            .or_else(|| codes.first().map(|c| c.coder.as_str()))
            .map(str::to_string);
        return match machine {
            Some(m) => choose_codes(store, Some(&m), source),
            None => Ok(Chosen {
                codes: Vec::new(),
                coder: "none".into(),
                label: "no codes".into(),
                unresolved: 0,
                sources: BTreeSet::new(),
            }),
        };
    }
    let mut items: BTreeMap<(String, i64), Vec<Code>> = BTreeMap::new();
    for c in codes.into_iter().filter(|c| !is_machine(c)) {
        items
            .entry((c.source.clone(), c.item_id))
            .or_default()
            .push(c);
    }
    let mut chosen = Vec::new();
    let mut unresolved = 0;
    let sources: BTreeSet<String> = items.keys().map(|(s, _)| s.clone()).collect();
    for list in items.into_values() {
        if let Some(resolved) = list.iter().find(|c| c.coder == RESOLVED_CODER) {
            chosen.push((resolved.category_id, resolved.subcategory.clone()));
        } else if list.iter().all(|c| c.category_id == list[0].category_id) {
            chosen.push((list[0].category_id, list[0].subcategory.clone()));
        } else {
            unresolved += 1;
        }
    }
    Ok(Chosen {
        codes: chosen,
        coder: "people".into(),
        label: "the coders' codes (adjudicated, or agreed)".into(),
        unresolved,
        sources,
    })
}

/// Agreement among the people who coded, when several did: (coders, items all of them coded,
/// Fleiss' κ).
pub fn people_agreement(store: &Store) -> Result<Option<(usize, u64, f64)>, CodedError> {
    let people: Vec<Code> = store
        .codes()?
        .into_iter()
        .filter(|c| c.coder != RESOLVED_CODER && !c.coder.starts_with(MACHINE_CODER_PREFIX))
        .collect();
    let coders = people
        .iter()
        .map(|c| c.coder.as_str())
        .collect::<BTreeSet<_>>()
        .len();
    Ok(match fleiss_of(&people) {
        (items, Ok(Some(k))) if coders >= 2 => Some((coders, items as u64, k)),
        _ => None,
    })
}

/// Fleiss' κ of `codes`' coders over the items every one of them coded: (those items, κ).
pub fn fleiss_of(codes: &[Code]) -> (usize, Result<Option<f64>, String>) {
    let coders: BTreeSet<&str> = codes.iter().map(|c| c.coder.as_str()).collect();
    let mut items: BTreeMap<(&str, i64), BTreeMap<&str, u32>> = BTreeMap::new();
    for c in codes {
        items
            .entry((c.source.as_str(), c.item_id))
            .or_default()
            .insert(c.coder.as_str(), u32::from(c.category_id));
    }
    let all: Vec<&BTreeMap<&str, u32>> =
        items.values().filter(|m| m.len() == coders.len()).collect();
    let categories: BTreeSet<u32> = codes.iter().map(|c| u32::from(c.category_id)).collect();
    let table: Vec<Vec<u32>> = all
        .iter()
        .map(|m| {
            categories
                .iter()
                .map(|c| m.values().filter(|v| *v == c).count() as u32)
                .collect()
        })
        .collect();
    (all.len(), fleiss_kappa(&table).map_err(|e| e.to_string()))
}

/// How far a classifier's codes can be trusted: its measured agreement with people, and the
/// shares corrected for its confusion, with intervals.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Uncertainty {
    pub agreement: Agreement,
    pub corrected: Vec<ShareEstimate>,
}

/// For a classifier's codes (`hubscope:METHOD`), the agreement recorded by the `classify` run
/// that made them and the corrected shares; `None` for people's codes, or when the classifier's
/// agreement was never measured.
pub fn uncertainty(store: &Store, chosen: &Chosen) -> Result<Option<Uncertainty>, CodedError> {
    if !chosen.coder.starts_with(MACHINE_CODER_PREFIX) || chosen.codes.is_empty() {
        return Ok(None);
    }
    let Some(run) = store.latest_classification(&chosen.coder)? else {
        return Ok(None);
    };
    let Some(text) = run.agreement else {
        return Ok(None);
    };
    let agreement: Agreement =
        serde_json::from_str(&text).map_err(|source| CodedError::Agreement {
            coder: chosen.coder.clone(),
            source,
        })?;
    let predicted: Vec<u16> = chosen.codes.iter().map(|(c, _)| *c).collect();
    let corrected = adjusted_shares(&agreement, &predicted, &QuantifyOptions::default());
    Ok(Some(Uncertainty {
        agreement,
        corrected,
    }))
}

/// The taxonomy's shares in words: whose codes, how far they can be trusted (a classifier's
/// measured agreement with the corrected shares and their intervals; people's agreement where
/// they coded the same topics), and items and shares per category and subcategory. Names from
/// outside have their control characters escaped.
pub fn stats_text(
    stats: &crate::TaxonomyStats,
    chosen: &Chosen,
    uncertainty: Option<&Uncertainty>,
    people: Option<(usize, u64, f64)>,
) -> String {
    use hubscope_store::text::escape_controls as esc;
    use std::fmt::Write as _;
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{} coded items ({}){}",
        stats.items,
        esc(&chosen.label),
        if chosen.unresolved > 0 {
            format!(
                "; {} items left out: their coders disagree (hubscope agreement, then code resolve)",
                chosen.unresolved
            )
        } else {
            String::new()
        }
    );
    match uncertainty {
        Some(u) => {
            let _ = writeln!(
                text,
                "a classifier's codes: against people's codes it has accuracy {:.3}, Cohen's κ {} \
                 ({}); shares corrected for its confusion, with 95 % bootstrap intervals",
                u.agreement.accuracy,
                crate::classify::kappa_text(u.agreement.kappa),
                esc(&u.agreement.measured_on)
            );
            let _ = writeln!(
                text,
                "{:>3} {:<34} {:>6} {:>8} {:>10} {:>17}",
                "#", "category", "items", "counted", "corrected", "95 % interval"
            );
        }
        None if chosen.coder.starts_with(MACHINE_CODER_PREFIX) => text.push_str(
            "a classifier's codes, whose agreement with people was never measured: shares as \
             counted, uncorrected\n",
        ),
        None => {
            if let Some((coders, items, kappa)) = people {
                let _ = writeln!(
                    text,
                    "people's codes, as they are; where {coders} coders coded the same {items} \
                     topics, Fleiss' κ = {kappa:.3}"
                );
            }
        }
    }
    let corrected =
        |id: u16| uncertainty.and_then(|u| u.corrected.iter().find(|e| e.category_id == id));
    for c in stats.categories.iter().filter(|c| c.items > 0) {
        let extra = corrected(c.id).map_or_else(String::new, |e| {
            format!(
                " {:>8.1} % {:>7.1}–{:.1} %",
                100.0 * e.share,
                100.0 * e.ci_low,
                100.0 * e.ci_high
            )
        });
        let _ = writeln!(
            text,
            "{:>3} {:<34} {:>6} {:>6.1} %{extra}",
            c.id,
            esc(&c.name),
            c.items,
            100.0 * c.share
        );
        for s in &c.subcategories {
            let _ = writeln!(
                text,
                "      {:<32} {:>6} {:>6.1} % of the category",
                esc(s.name.as_deref().unwrap_or("(no subcategory)")),
                s.items,
                100.0 * s.share_in_category
            );
        }
    }
    text
}
