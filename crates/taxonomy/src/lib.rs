//! The study's taxonomy of challenges, made repeatable: the codebook ([`codebook`]), drawing the
//! topics to code ([`sample`]), agreement between coders ([`agreement`]) the lexical
//! ([`lexical`]) and embedding ([`vector`]) classifiers, and the scores of a classifier against
//! gold codes ([`evaluation`]), and category shares corrected for a classifier's measured
//! confusion, with bootstrap intervals ([`quantify`]). The embedding classifier as one thing to
//! load, apply and train ([`classifier`]) is the only part that reads files (the model's and a
//! classifier file); the rest is pure.
//!
//! ```
//! use hubscope_taxonomy::{Codebook, sample::cochran};
//!
//! assert_eq!(Codebook::challenges().categories.len(), 17);
//! assert_eq!(cochran(11_175, 0.95, 0.05, 0.5), Some(372));
//! ```
#![forbid(unsafe_code)]

pub mod agreement;
pub mod classifier;
pub mod classify;
pub mod codebook;
pub mod coded;
pub mod coding;
pub mod evaluation;
pub mod lexical;
pub mod probe;
pub mod quantify;
pub mod sample;
pub mod sheet;
pub mod stats;
pub mod vector;

pub use agreement::{cohen_kappa, fleiss_kappa, krippendorff_alpha_nominal};
pub use classifier::{Classifier, ClassifierError, ClassifierFile};
pub use codebook::{Category, Codebook, CodebookError, Entry, NO_CHALLENGE};
pub use evaluation::{CategoryScore, Evaluation, evaluate};
pub use lexical::{LexicalClassifier, Prediction};
pub use probe::LinearProbe;
pub use quantify::{Agreement, QuantifyOptions, ShareEstimate, adjusted_shares};
pub use sheet::{CodedRow, RejectedRow, Sheet, SheetError, parse_sheet};
pub use stats::{CategoryCount, SubcategoryCount, TaxonomyStats, taxonomy_stats};
pub use vector::{EntryVector, Example, TrainError, TrainOptions, VectorClassifier};
