//! Model mentions: which model families forum topics and Hub discussions talk about, month by
//! month — the study's count of topics (not posts) per family and month.
//!
//! - [`matcher`]: one case-insensitive, leftmost-longest Aho–Corasick automaton over every name
//!   and alias, with whole-word and model-context rules (pure, no I/O);
//! - [`table`]: the editable family table (built in, or a CSV file) plus the store's model types;
//! - [`count`]: the parallel tally of topics per month and family, with review counts for
//!   ambiguous names;
//! - [`documents`]: reading topics from the store (the only module that does I/O);
//! - [`table_out`]: the long and wide tables, as CSV or JSON.
//!
//! ```
//! use hubscope_mentions::{FamilyTable, Matcher};
//!
//! let matcher = Matcher::new(FamilyTable::builtin().families).unwrap();
//! let found = matcher.families_in("Fine-tuning xlm-roberta-base vs facebook/opt-350m, opt-in");
//! let names: Vec<&str> = found.iter().map(|&f| matcher.families()[f].name.as_str()).collect();
//! assert_eq!(names, ["opt", "xlm-roberta"]);
//! ```
#![forbid(unsafe_code)]

pub mod code;
pub mod count;
pub mod documents;
pub mod matcher;
pub mod summary;
pub mod table;
pub mod table_out;

pub use count::{CountOptions, Document, NameCounts, ReviewLine, Source, Tally};
pub use documents::{Reading, Selection, count_store, discussion_document, stored_model_types};
pub use matcher::{Context, Family, Hit, Matcher, Verdict};
pub use table::{
    BUILTIN_TABLE, FamilyTable, Origin, SkippedType, TableError, looks_like_model_type,
};
pub use table_out::MentionTable;
