//! Arguments several commands share: months, the topic sources, the family table, a month range.

use std::path::Path;

use anyhow::{Context as _, bail};
use hubscope_mentions::{FamilyTable, SkippedType, Source, stored_model_types};
use hubscope_store::Store;
use hubscope_store::time::Month;

/// Parses `YYYY-MM` or a date into its month (clap value parser).
pub fn parse_month(text: &str) -> Result<Month, String> {
    Month::parse(text).ok_or_else(|| format!("'{text}' is not a month (YYYY-MM) or a date"))
}

/// Refuses a range that ends before it starts.
pub fn check_range(from: Option<Month>, to: Option<Month>) -> anyhow::Result<()> {
    if let (Some(from), Some(to)) = (from, to)
        && from > to
    {
        bail!("--from {from} is after --to {to}");
    }
    Ok(())
}

/// Which topics: forum topics, Hub discussions, or both.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SourceArg {
    Forum,
    Discussions,
    All,
}

impl SourceArg {
    pub fn sources(self) -> Vec<Source> {
        match self {
            SourceArg::Forum => vec![Source::Forum],
            SourceArg::Discussions => vec![Source::Discussions],
            SourceArg::All => vec![Source::Forum, Source::Discussions],
        }
    }
}

/// The family table of `--families FILE`, or the built-in one.
pub fn family_table(path: Option<&Path>) -> anyhow::Result<FamilyTable> {
    Ok(match path {
        Some(path) => {
            let text = hubscope_source::read_text(path, hubscope_source::MAX_SHEET_BYTES)
                .context("cannot read the family table")?;
            FamilyTable::parse(&text).with_context(|| format!("family table {}", path.display()))?
        }
        None => FamilyTable::builtin(),
    })
}

/// The family table of `--families FILE` (or the built-in one) plus the store's model types
/// that at least `min_models` models have (0: none); returns the types left out too.
pub fn family_table_with_store_types(
    store: &Store,
    path: Option<&Path>,
    min_models: u64,
) -> anyhow::Result<(FamilyTable, Vec<SkippedType>)> {
    let mut table = family_table(path)?;
    let skipped = if min_models == 0 {
        Vec::new()
    } else {
        table.add_model_types(stored_model_types(store)?, min_models)
    };
    Ok((table, skipped))
}
