//! Trends of the study (its RQ3): each model's family, uploads per month and group,
//! documentation per creation month, trend tests, and mentions against uploads.
//!
//! - [`models`]: the store's models loaded once into compact columns (the only I/O);
//! - [`frames`]: sampling frames — which months a trend may cover (those a census covers) and
//!   which models count in them, the months left out and why, how overlapping sources agree;
//! - [`family`]: family resolution (model type → tag → base model → name → unknown) with
//!   coverage;
//! - [`series`]: uploads and documentation per month, with Spearman, Mann–Kendall, Sen's slope
//!   and, around a date, Mann–Whitney;
//! - [`correlate`]: per-family and across-family Spearman between two monthly tables (the
//!   store's mentions and uploads, or published wide CSVs).
#![forbid(unsafe_code)]

pub mod against;
pub mod correlate;
pub mod family;
pub mod frames;
pub mod models;
pub mod series;
pub mod summary;

pub use correlate::{
    CorrelateOptions, Correlations, FamilyCorrelation, MIN_CORRELATION_MONTHS, MonthlyTable,
    TableFileError, Totals, correlate,
};
pub use family::{Coverage, FamilyResolver, Method, Resolution, UNKNOWN};
pub use frames::{
    LeftOut, Overlap, Population, Scope, SourceFacts, SourceMonths, models_by_source, overlaps,
    source_facts,
};
pub use models::{CardFacts, Keep, Model, ModelNames, Models, Names, Origin, load_with_families};
pub use series::{
    DateBasis, Docs, DocsRow, GroupBy, GroupSummary, TrendTests, UploadRow, Uploads, Window,
    card_analyses, docs, family_series, uploads,
};
pub use summary::{PopulationError, population, sources_text};
