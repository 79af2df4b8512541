//! The two monthly tables a mentions-against-uploads correlation compares, from the store:
//! topics mentioning each family, and uploads per resolved family.

use hubscope_mentions::{
    CountOptions, FamilyTable, Matcher, Selection, Source, count_store, stored_model_types,
};
use hubscope_store::{Store, StoreError};

use crate::{Models, MonthlyTable, Population, Resolution, family_series};

/// Model types the store has at least this many models of join the family table for mentions,
/// as `hubscope mentions` counts them.
pub const MENTION_TYPES_MIN: u64 = 5;

/// Why the mentions table could not be made.
#[derive(Debug, thiserror::Error)]
pub enum AgainstError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the family table: {0}")]
    Families(String),
}

/// Monthly topics of `sources` mentioning each family of `table` (plus the store's model types
/// with at least [`MENTION_TYPES_MIN`] models). The last month is incomplete (the data ends
/// inside it) and is left out.
pub fn mention_table(
    store: &Store,
    mut table: FamilyTable,
    sources: Vec<Source>,
) -> Result<MonthlyTable, AgainstError> {
    table.add_model_types(stored_model_types(store)?, MENTION_TYPES_MIN);
    let matcher = Matcher::new(table.families.clone()).map_err(AgainstError::Families)?;
    let selection = Selection {
        sources,
        from: None,
        to: None,
    };
    let (tally, _) = count_store(store, &matcher, &selection, CountOptions::default())?;
    let mut mentions = MonthlyTable::default();
    if let (Some(first), Some(last)) = (tally.months.keys().next(), tally.months.keys().next_back())
    {
        for month in first.through(*last).filter(|m| m < last) {
            mentions.months.insert(month);
            if let Some(counts) = tally.months.get(&month) {
                for (f, &n) in counts.by_family.iter().enumerate() {
                    if n > 0 {
                        mentions.add(&table.families[f].name, month, f64::from(n));
                    }
                }
            }
        }
    }
    Ok(mentions)
}

/// Monthly uploads per resolved family of `population`, over its complete months.
pub fn upload_table(
    models: &Models,
    resolution: &Resolution,
    population: &Population,
) -> MonthlyTable {
    let (months, series) = family_series(models, resolution, population);
    let mut uploads = MonthlyTable::default();
    uploads.months.extend(months.iter().copied());
    for (family, counts) in series {
        for (month, n) in months.iter().zip(counts) {
            if n > 0 {
                uploads.add(&family, *month, n as f64);
            }
        }
    }
    uploads
}

/// What counts as a mention, in words.
pub fn mention_words(sources: &[Source]) -> String {
    match sources {
        [Source::Forum] => "forum topics".into(),
        [Source::Discussions] => "Hub discussions".into(),
        _ => "forum topics and Hub discussions".into(),
    }
}

/// The frames of the stored sources of `sources`' kind, in words.
pub fn mention_frames(store: &Store, sources: &[Source]) -> Result<String, StoreError> {
    let kinds: Vec<&str> = sources
        .iter()
        .map(|s| match s {
            Source::Forum => "forum",
            Source::Discussions => "discussions",
        })
        .collect();
    let list: Vec<String> = store
        .sources()?
        .into_iter()
        .filter(|s| kinds.contains(&s.kind.as_str()))
        .map(|s| format!("{}: {}", s.short_name(), s.declared.frame.as_str()))
        .collect();
    Ok(if list.is_empty() {
        "none stored".into()
    } else {
        list.join(", ")
    })
}
