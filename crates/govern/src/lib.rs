//! hubscope's governance: a written [`Policy`] for reusing models (TOML), [`audit`]s of models
//! against it, shortlists ([`rank`]) and proof-of-concept evaluation on a team's own labelled
//! texts ([`poc`]) — what the study recommends to companies: check documentation, licence and
//! evidence, and evaluate on your own data, before reusing a public model.
//!
//! ```
//! use hubscope_govern::{Policy, Subject, audit};
//!
//! let policy = Policy::parse(r#"
//! name = "strict"
//! version = "1"
//! [license]
//! allow = ["apache-2.0"]
//! severity = "error"
//! "#)?;
//! let verdict = audit(&policy, &Subject { id: "org/model".into(), ..Subject::default() });
//! assert!(!verdict.passed); // no licence declared
//! # Ok::<(), hubscope_govern::PolicyError>(())
//! ```
//!
//! Pure except [`facts`] and [`catalog`], which read a model's facts from the store (its row,
//! latest card analysis and lineage) and record decisions, and [`trial`], which loads local
//! models and measures them. The binary reads policy and README files and writes the audits as
//! tables, JSON, Markdown or SARIF.
#![forbid(unsafe_code)]

pub mod audit;
pub mod catalog;
pub mod facts;
pub mod ledger;
pub mod poc;
pub mod policy;
pub mod sarif;
pub mod shortlist;
pub mod trial;

pub use audit::{Audit, CardFacts, Finding, LicenseFacts, Subject, audit, pickle_only_weights};
pub use catalog::{CatalogError, audit_stored};
pub use facts::{Bases, for_each_subject, subjects_of};
pub use poc::{ClassScore, Latency, PocError, ProbeOptions, ProbeScores, cross_validate, latency};
pub use policy::{MetadataField, Policy, PolicyError, PolicyFileError, Severity};
pub use shortlist::{Ranked, rank};
