//! The model-card engine: reads the text of a Hugging Face `README.md` and says what it
//! documents.
//!
//! A [`ModelCard`] holds
//! - the **front matter** ([`FrontMatter`]): present, parsed, or the YAML error with its line;
//! - the normalised **metadata** ([`Metadata`]): licence (Hub id and SPDX id), datasets,
//!   languages, base models, pipeline tag, library, tags and `model-index` results;
//! - the **sections**: every heading mapped onto the 13 canonical sections of the official
//!   template ([`CanonicalSection`]), with whether each is present, filled and how many words it has;
//! - **signals** ([`Signals`]): words, code blocks, tables, links, images, placeholders, and
//!   whether the card is an unedited auto-generated card or template;
//! - a completeness **score** ([`Score`]) with its breakdown.
//!
//! The engine does no I/O and never panics on input: hostile YAML (alias bombs, deep nesting)
//! becomes a front-matter error, pathological Markdown costs time linear in its size, and
//! over-sized or non-UTF-8 input is refused with a [`CardError`].
//!
//! ```
//! use hubscope_card::{CanonicalSection, CardAnalyzer};
//!
//! let analyzer = CardAnalyzer::new(); // build once, share across threads
//! let card = analyzer
//!     .analyze("---\nlicense: apache-2.0\n---\n# My model\n\n## How to use\n\n```python\nrun()\n```\n")
//!     .unwrap();
//! assert_eq!(card.metadata.license.unwrap().spdx.as_deref(), Some("Apache-2.0"));
//! assert!(card.sections.get(CanonicalSection::HowToGetStarted).filled);
//! assert_eq!(card.score.points("how_to_use"), Some(10));
//! ```
#![forbid(unsafe_code)]

mod body;
mod card;
mod front_matter;
mod generator;
mod html;
mod license;
mod metadata;
mod prose;
mod score;
mod section;

pub use body::{CHUNK_BYTES, HeadingKind, MAX_HEADINGS};
pub use card::{ModelCard, OutlineNode, SectionCoverage, Sections, Signals};
pub use front_matter::{FrontMatter, YamlError};
pub use generator::Generator;
pub use license::{License, LicenseStatus, normalize as normalize_license};
pub use metadata::{EvalResults, Metadata};
pub use prose::count_words;
pub use score::{Criterion, Score};
pub use section::{
    CanonicalSection, SectionSet, classify_heading, classify_title, normalize_heading,
};

use front_matter::BlockKind;
use generator::GeneratorFinder;
use prose::PlaceholderFinder;

/// Why a card could not be analysed at all. (A card whose YAML is invalid *is* analysed: the
/// error is in [`FrontMatter::error`] and the body is still read.)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    #[error("not UTF-8: invalid byte at offset {offset}")]
    NotUtf8 { offset: usize },
    #[error("card is {bytes} bytes, over the limit of {limit} bytes")]
    TooLarge { bytes: usize, limit: usize },
}

/// Resource limits for untrusted cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Cards larger than this are refused ([`CardError::TooLarge`]). Real cards are far smaller
    /// (the largest of 1,820 real cards is 69 KB).
    pub max_card_bytes: usize,
    /// Front matter larger than this is not parsed (the error says so); the body is still read.
    pub max_front_matter_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_card_bytes: 16 << 20,
            max_front_matter_bytes: 1 << 20,
        }
    }
}

/// Analyses model cards. Building one compiles its matchers; build it once and share it (it is
/// `Send + Sync`).
#[derive(Debug, Clone)]
pub struct CardAnalyzer {
    limits: Limits,
    placeholders: PlaceholderFinder,
    generators: GeneratorFinder,
}

impl Default for CardAnalyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl CardAnalyzer {
    /// An analyzer with the default [`Limits`].
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    pub fn with_limits(limits: Limits) -> Self {
        CardAnalyzer {
            limits,
            placeholders: PlaceholderFinder::new(),
            generators: GeneratorFinder::new(),
        }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Analyses raw bytes: refuses non-UTF-8 (naming the offset) and over-sized input.
    pub fn analyze_bytes(&self, bytes: &[u8]) -> Result<ModelCard, CardError> {
        self.check_size(bytes.len())?;
        let text = std::str::from_utf8(bytes).map_err(|e| CardError::NotUtf8 {
            offset: e.valid_up_to(),
        })?;
        self.analyze(text)
    }

    /// Analyses the text of a README.md.
    pub fn analyze(&self, text: &str) -> Result<ModelCard, CardError> {
        self.check_size(text.len())?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let split = front_matter::split(text);
        let (front_matter, kind) = front_matter::parse(&split, self.limits.max_front_matter_bytes);
        let metadata = Metadata::from_front_matter(&front_matter.data);
        let body = match kind {
            BlockKind::Metadata => body::walk(split.body, split.body_line, &self.placeholders),
            BlockKind::Markdown => body::walk(text, 1, &self.placeholders),
        };
        let generator = self.generators.find(text);
        Ok(card::assemble(card::Parts {
            bytes: text.len() as u64,
            lines: count_lines(text),
            front_matter,
            metadata,
            body,
            generator,
        }))
    }

    fn check_size(&self, bytes: usize) -> Result<(), CardError> {
        if bytes > self.limits.max_card_bytes {
            return Err(CardError::TooLarge {
                bytes,
                limit: self.limits.max_card_bytes,
            });
        }
        Ok(())
    }
}

fn count_lines(text: &str) -> u64 {
    let newlines = memchr::memchr_iter(b'\n', text.as_bytes()).count() as u64;
    newlines + u64::from(!text.is_empty() && !text.ends_with('\n'))
}
