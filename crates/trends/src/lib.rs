//! Trends of the study (its RQ3): each model's family, uploads per month and group,
//! documentation per creation month, trend tests, and mentions against uploads.
//!
//! - [`models`]: the store's models loaded once into compact columns (the only I/O);
//! - [`family`]: family resolution (model type → tag → base model → name → unknown) with
//!   coverage;
//! - [`series`]: uploads and documentation per month, with Spearman, Mann–Kendall, Sen's slope
//!   and, around a date, Mann–Whitney;
//! - [`correlate`]: per-family and across-family Spearman between two monthly tables (the
//!   store's mentions and uploads, or published wide CSVs).
#![forbid(unsafe_code)]

pub mod correlate;
pub mod family;
pub mod models;
pub mod series;

pub use correlate::{Correlations, FamilyCorrelation, MonthlyTable, TableFileError, correlate};
pub use family::{Coverage, FamilyResolver, Method, Resolution, UNKNOWN};
pub use models::{CardFacts, Model, Models, Names, load_with_families};
pub use series::{
    DateBasis, Docs, DocsRow, GroupBy, GroupSummary, TrendTests, UploadRow, Uploads, Window, docs,
    family_series, uploads,
};
