//! Readers of the dump files hubscope ingests: README files and folders and `.jsonl` card dumps
//! ([`cards`]), model dumps in JSON Lines, Parquet or CSV ([`ModelReader`]), and Hub discussion
//! threads ([`DiscussionReader`]), and the manifest that declares what a folder's dumps are a
//! record of ([`Manifest`]: census or sample). They turn files into the store's records, batch by batch, with
//! bounded memory; a record that cannot be read becomes an [`hubscope_store::Issue`] naming its
//! line or row and the reason, and reading goes on.
//!
//! ```no_run
//! use hubscope_source::ModelReader;
//!
//! let mut reader = ModelReader::open("models.parquet".as_ref(), 10_000)?;
//! while let Some(batch) = reader.next_batch()? {
//!     println!("{} records, {} issues", batch.records.len(), batch.issues.len());
//! }
//! # Ok::<(), hubscope_source::SourceError>(())
//! ```
//!
//! Its readers only read; [`ingest`] hands their batches to the store's ingest sessions (the
//! one way this crate writes the store, as the crawlers do). It never touches the network.
#![forbid(unsafe_code)]

pub mod cards;
pub mod discourse;
mod discussions;
pub mod dumps;
mod error;
pub mod files;
pub mod folder;
pub mod ingest;
pub mod labels;
mod lines;
pub mod manifest;
mod models;
pub mod spreadsheet;
pub mod topics;
pub mod walk;

pub use discussions::DiscussionReader;
pub use error::SourceError;
pub use files::{MAX_SHEET_BYTES, SmallFileError, read_bounded, read_text};
pub use lines::{JsonLine, JsonLines, RawLine};
pub use manifest::{MANIFEST_FILE, Manifest, ManifestEntry, ManifestError};
pub use models::{ModelFormat, ModelReader, model_fields};
