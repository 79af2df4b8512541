//! hubscope's embedded store: everything hubscope knows, in one SQLite file — models, card
//! revisions and their analyses, lineage, Hub discussions, forum topics, and the log of every
//! ingest — plus the export of each table to Parquet or CSV for DuckDB, Spark or pandas.
//!
//! Sources produce records ([`ModelRecord`], [`CardRevision`], [`DiscussionThread`]); an
//! [`IngestSession`] stores them in batches, one transaction each, merging with what is stored:
//! a source that does not know a field never erases it, a changed card is a new revision.
//!
//! ```no_run
//! use hubscope_store::{Batch, IngestKind, ModelRecord, SourceInfo, Store};
//!
//! let mut store = Store::open("hubscope.db")?;
//! let source = SourceInfo::new("example", "api");
//! let mut session = store.begin_ingest(IngestKind::Models, &source)?;
//! let record = ModelRecord { id: "org/model".into(), likes: Some(3), ..ModelRecord::default() };
//! session.write_models(Batch { records: vec![record], issues: vec![], read: 1 })?;
//! let report = session.finish()?;
//! assert_eq!(report.counts.stored, 1);
//! # Ok::<(), hubscope_store::StoreError>(())
//! ```
#![forbid(unsafe_code)]

pub mod atomic;
mod catalog;
mod codes;
mod db;
mod discussion;
pub mod embeddings;
mod error;
mod export;
mod facts;
mod forum;
mod frame;
mod ingest;
pub mod lineage;
mod openings;
mod parquet_out;
mod poc;
mod record;
mod schema;
pub mod snapshot;
mod stats;
pub mod text;
pub mod time;

pub use catalog::{Action, Decision, Revision};
pub use codes::{Classification, Code, CodeImport, MACHINE_CODER_PREFIX, RESOLVED_CODER};
pub use db::Store;
pub use discussion::{Comment, DiscussionThread};
pub use error::StoreError;
pub use export::{ExportFormat, ExportOptions, TableExport, table_names};
pub use facts::ModelFacts;
pub use forum::{ForumCategory, ForumPost, ForumThread, ForumTopic, StoredTopic, TextSource};
pub use frame::{Declared, DeclaredBy, Frame, FrameDeclaration, MonthSpan, StoredSource};
pub use ingest::{
    Batch, CardRevision, CrawlCheckpoint, IngestCounts, IngestKind, IngestReport, IngestSession,
    Issue, MAX_STORED_ISSUES, Severity, SourceInfo, git_blob_sha1,
};
pub use openings::{CodingItem, Opening, TopicKind};
pub use parquet_out::{Packing, parquet_writer};
pub use poc::PocRecord;
pub use record::{
    Gated, LineageEdge, LineageSource, ModelField, ModelRecord, RecordBuilder, Relation,
    derive_lineage,
};
pub use schema::MIGRATIONS;
pub use stats::{DateRange, RunSummary, Stats, TableRows};
