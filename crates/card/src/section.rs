//! Canonical sections of the Hugging Face model-card template, and the synonym table that maps
//! the headings real cards use onto them.
//!
//! The table was derived from the 1,820 real cards in `hub/readmes.jsonl` (every heading, counted
//! by frequency, read by hand from the most frequent down) and from the official template
//! (`cards/modelcard_template.md`). Matching is done on a normalised heading (see
//! [`normalize_heading`]): first an exact look-up, then ordered keyword rules. This module is pure:
//! no I/O, no allocation beyond the normalised string.

use std::collections::HashMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};
use serde::Serialize;

/// A canonical section of the official model-card template. The snake_case names are stable and
/// used in every output (JSON keys, CSV columns, policy files).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CanonicalSection {
    /// "Model Details" / "Model Description": what the model is, who made it.
    ModelDetails,
    /// "Uses" (direct and downstream use): what the model is intended for.
    Uses,
    /// "Out-of-Scope Use": misuse and what the model must not be used for.
    OutOfScopeUse,
    /// "Bias, Risks, and Limitations" (and "Recommendations").
    BiasRisksLimitations,
    /// "How to Get Started with the Model": usage instructions and code.
    HowToGetStarted,
    /// "Training Data".
    TrainingData,
    /// "Training Procedure" (preprocessing, hyperparameters, speeds and sizes).
    TrainingProcedure,
    /// "Evaluation" (testing data, factors, metrics, results).
    Evaluation,
    /// "Environmental Impact" (hardware, hours, carbon emitted).
    EnvironmentalImpact,
    /// "Technical Specifications" (architecture, compute infrastructure, software).
    TechnicalSpecifications,
    /// "Citation" (BibTeX / APA).
    Citation,
    /// A licence section in the body (the licence id itself is front-matter metadata).
    License,
    /// "Model Card Contact".
    ModelCardContact,
}

impl CanonicalSection {
    /// Every canonical section, in template order.
    pub const ALL: [CanonicalSection; 13] = [
        Self::ModelDetails,
        Self::Uses,
        Self::OutOfScopeUse,
        Self::BiasRisksLimitations,
        Self::HowToGetStarted,
        Self::TrainingData,
        Self::TrainingProcedure,
        Self::Evaluation,
        Self::EnvironmentalImpact,
        Self::TechnicalSpecifications,
        Self::Citation,
        Self::License,
        Self::ModelCardContact,
    ];

    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ModelDetails => "model_details",
            Self::Uses => "uses",
            Self::OutOfScopeUse => "out_of_scope_use",
            Self::BiasRisksLimitations => "bias_risks_limitations",
            Self::HowToGetStarted => "how_to_get_started",
            Self::TrainingData => "training_data",
            Self::TrainingProcedure => "training_procedure",
            Self::Evaluation => "evaluation",
            Self::EnvironmentalImpact => "environmental_impact",
            Self::TechnicalSpecifications => "technical_specifications",
            Self::Citation => "citation",
            Self::License => "license",
            Self::ModelCardContact => "model_card_contact",
        }
    }

    /// Parses a snake_case name as written by [`CanonicalSection::as_str`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl std::fmt::Display for CanonicalSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A small set of canonical sections: one heading can document several (e.g. "Intended uses &
/// limitations" is both `uses` and `bias_risks_limitations`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SectionSet(u16);

impl SectionSet {
    pub const EMPTY: SectionSet = SectionSet(0);

    pub const fn of(sections: &[CanonicalSection]) -> Self {
        let mut bits = 0;
        let mut i = 0;
        while i < sections.len() {
            bits |= sections[i].bit();
            i += 1;
        }
        SectionSet(bits)
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub const fn contains(self, section: CanonicalSection) -> bool {
        self.0 & section.bit() != 0
    }

    pub fn iter(self) -> impl Iterator<Item = CanonicalSection> {
        CanonicalSection::ALL
            .into_iter()
            .filter(move |s| self.contains(*s))
    }
}

impl Serialize for SectionSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// Lower-cases a heading, drops its numbering ("1.", "4.2", "II."), emoji and punctuation,
/// `[optional]` markers, and spells `&` as "and", so that "## 4. Evaluation Results 🏆" and
/// "Evaluation results" compare equal.
pub fn normalize_heading(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    let mut pending_space = false;
    let mut chars = title.char_indices();
    while let Some((i, c)) = chars.next() {
        if (c == '[' || c == '(') && is_optional_marker(&title[i + 1..]) {
            // Skip "optional]" / "optional)".
            for _ in 0.."optional]".len() {
                chars.next();
            }
            pending_space = true;
            continue;
        }
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        } else if c == '&' || c == '+' {
            if !out.is_empty() {
                out.push_str(" and");
            }
            pending_space = true;
        } else if c == '\'' || c == '\u{2019}' {
            // "Model's" stays one word.
        } else {
            pending_space = true;
        }
    }
    let start = out.len() - strip_numbering(&out, title).len();
    out.drain(..start);
    out
}

/// Whether `rest` starts with "optional]" or "optional)", in any case.
fn is_optional_marker(rest: &str) -> bool {
    let bytes = rest.as_bytes();
    bytes.len() >= 9
        && bytes[..8].eq_ignore_ascii_case(b"optional")
        && matches!(bytes[8], b']' | b')')
}

/// Drops a leading section number: digits ("1", "4 2" from "4.2") or, when the raw title shows
/// it as a numbering ("II.", "a)"), a roman numeral or single letter.
fn strip_numbering<'a>(normalized: &'a str, raw: &str) -> &'a str {
    let mut rest = normalized;
    loop {
        let Some((first, tail)) = rest.split_once(' ') else {
            return rest;
        };
        let digits = first.chars().all(|c| c.is_ascii_digit());
        let numbered_marker = {
            let raw = raw.trim_start_matches(|c: char| c == '#' || c.is_whitespace());
            let marker_len = first.len();
            raw.get(..marker_len)
                .is_some_and(|head| head.eq_ignore_ascii_case(first))
                && matches!(raw.as_bytes().get(marker_len), Some(b'.' | b')' | b':'))
                && (first.len() == 1 || first.chars().all(|c| "ivxlc".contains(c)))
        };
        if (digits || numbered_marker) && !tail.is_empty() {
            rest = tail;
            if !digits {
                return rest;
            }
        } else {
            return rest;
        }
    }
}

use CanonicalSection as C;

const DETAILS: SectionSet = SectionSet::of(&[C::ModelDetails]);
const USES: SectionSet = SectionSet::of(&[C::Uses]);
const USES_AND_LIMITS: SectionSet = SectionSet::of(&[C::Uses, C::BiasRisksLimitations]);
const OUT_OF_SCOPE: SectionSet = SectionSet::of(&[C::OutOfScopeUse]);
const LIMITS: SectionSet = SectionSet::of(&[C::BiasRisksLimitations]);
const HOW_TO: SectionSet = SectionSet::of(&[C::HowToGetStarted]);
const TRAIN_DATA: SectionSet = SectionSet::of(&[C::TrainingData]);
const TRAIN_PROC: SectionSet = SectionSet::of(&[C::TrainingProcedure]);
const EVAL: SectionSet = SectionSet::of(&[C::Evaluation]);
const ENV: SectionSet = SectionSet::of(&[C::EnvironmentalImpact]);
const TECH: SectionSet = SectionSet::of(&[C::TechnicalSpecifications]);
const CITE: SectionSet = SectionSet::of(&[C::Citation]);
const LICENSE: SectionSet = SectionSet::of(&[C::License]);
const CONTACT: SectionSet = SectionSet::of(&[C::ModelCardContact]);

/// Exact synonyms (normalised headings). The first group of each section is the template's own
/// wording; the rest are the variants found in real cards, most frequent first.
const EXACT: &[(&str, SectionSet)] = &[
    // model_details
    ("model details", DETAILS),
    ("model description", DETAILS),
    ("model sources", DETAILS),
    ("description", DETAILS),
    ("model summary", DETAILS),
    ("overview", DETAILS),
    ("model overview", DETAILS),
    ("introduction", DETAILS),
    ("intro", DETAILS),
    ("about", DETAILS),
    ("about the model", DETAILS),
    ("about this model", DETAILS),
    ("model information", DETAILS),
    ("model info", DETAILS),
    ("model", DETAILS),
    ("model type", DETAILS),
    ("details", DETAILS),
    ("key features", DETAILS),
    ("model facts", DETAILS),
    // uses
    ("uses", USES),
    ("direct use", USES),
    ("downstream use", USES),
    ("downstream uses", USES),
    ("intended use", USES),
    ("intended uses", USES),
    ("intended usage", USES),
    ("intended use cases", USES),
    ("use cases", USES),
    ("use case", USES),
    ("applications", USES),
    ("primary intended uses", USES),
    ("primary intended users", USES),
    ("intended purpose", USES),
    ("intended users", USES),
    // uses + limitations (the Trainer's "Intended uses & limitations")
    ("intended uses and limitations", USES_AND_LIMITS),
    ("intended use and limitations", USES_AND_LIMITS),
    ("uses and limitations", USES_AND_LIMITS),
    ("usage and limitations", USES_AND_LIMITS),
    // out_of_scope_use
    ("out of scope use", OUT_OF_SCOPE),
    ("out of scope uses", OUT_OF_SCOPE),
    ("out of scope usage", OUT_OF_SCOPE),
    ("misuse", OUT_OF_SCOPE),
    ("misuse and out of scope use", OUT_OF_SCOPE),
    ("misuse malicious use and out of scope use", OUT_OF_SCOPE),
    ("prohibited uses", OUT_OF_SCOPE),
    // bias_risks_limitations
    ("bias risks and limitations", LIMITS),
    ("limitations and bias", LIMITS),
    ("limitations and biases", LIMITS),
    ("bias and limitations", LIMITS),
    ("limitations", LIMITS),
    ("limitation", LIMITS),
    ("known limitations", LIMITS),
    ("bias", LIMITS),
    ("risks", LIMITS),
    ("risks and limitations", LIMITS),
    ("ethical considerations", LIMITS),
    ("ethical considerations and limitations", LIMITS),
    ("ethical considerations and risks", LIMITS),
    ("ethics and safety", LIMITS),
    ("safety", LIMITS),
    ("responsible ai", LIMITS),
    ("caveats", LIMITS),
    ("caveats and recommendations", LIMITS),
    ("disclaimer", LIMITS),
    // The template's advice under "Bias, Risks, and Limitations"; some cards make it top-level.
    ("recommendations", LIMITS),
    // how_to_get_started
    ("how to get started with the model", HOW_TO),
    ("how to get started", HOW_TO),
    ("how to use", HOW_TO),
    ("how to use the model", HOW_TO),
    ("usage", HOW_TO),
    ("quick start", HOW_TO),
    ("quickstart", HOW_TO),
    ("getting started", HOW_TO),
    ("get started", HOW_TO),
    ("example usage", HOW_TO),
    ("usage example", HOW_TO),
    ("usage examples", HOW_TO),
    ("examples", HOW_TO),
    ("example", HOW_TO),
    ("inference", HOW_TO),
    ("sample code", HOW_TO),
    ("code example", HOW_TO),
    ("pipeline usage", HOW_TO),
    ("using the model", HOW_TO),
    ("installation", HOW_TO),
    ("setup", HOW_TO),
    ("prompt template", HOW_TO),
    ("prompt format", HOW_TO),
    ("chat template", HOW_TO),
    ("diffusers", HOW_TO),
    ("fine tuning examples", HOW_TO),
    // training_data
    ("training data", TRAIN_DATA),
    ("training dataset", TRAIN_DATA),
    ("training datasets", TRAIN_DATA),
    ("training and evaluation data", TRAIN_DATA),
    ("training and evaluation datasets", TRAIN_DATA),
    ("dataset", TRAIN_DATA),
    ("datasets", TRAIN_DATA),
    ("data", TRAIN_DATA),
    ("model data", TRAIN_DATA),
    ("training corpus", TRAIN_DATA),
    ("pretraining data", TRAIN_DATA),
    ("pre training data", TRAIN_DATA),
    ("fine tuning data", TRAIN_DATA),
    ("data collection", TRAIN_DATA),
    // training_procedure
    ("training procedure", TRAIN_PROC),
    ("training details", TRAIN_PROC),
    ("training", TRAIN_PROC),
    ("training hyperparameters", TRAIN_PROC),
    ("hyperparameters", TRAIN_PROC),
    ("training results", TRAIN_PROC),
    ("training regime", TRAIN_PROC),
    ("training info", TRAIN_PROC),
    ("training setup", TRAIN_PROC),
    ("training configuration", TRAIN_PROC),
    ("preprocessing", TRAIN_PROC),
    ("data preprocessing", TRAIN_PROC),
    ("speeds sizes times", TRAIN_PROC),
    ("fine tuning", TRAIN_PROC),
    ("finetuning", TRAIN_PROC),
    ("fine tuning details", TRAIN_PROC),
    // evaluation
    ("evaluation", EVAL),
    ("evaluation results", EVAL),
    ("eval results", EVAL),
    ("results", EVAL),
    ("testing data factors and metrics", EVAL),
    ("testing data and metrics", EVAL),
    ("testing data", EVAL),
    ("factors", EVAL),
    ("metrics", EVAL),
    ("evaluation data", EVAL),
    ("evaluation metrics", EVAL),
    ("evaluation approach", EVAL),
    ("benchmarks", EVAL),
    ("benchmark", EVAL),
    ("benchmark results", EVAL),
    ("academic benchmarks", EVAL),
    ("performance", EVAL),
    ("model performance", EVAL),
    ("accuracy", EVAL),
    // environmental_impact
    ("environmental impact", ENV),
    ("carbon emissions", ENV),
    ("carbon footprint", ENV),
    ("co2 emissions", ENV),
    ("emissions", ENV),
    // technical_specifications
    ("technical specifications", TECH),
    ("technical specification", TECH),
    ("technical details", TECH),
    ("model architecture and objective", TECH),
    ("model architecture", TECH),
    ("architecture", TECH),
    ("compute infrastructure", TECH),
    ("hardware", TECH),
    ("software", TECH),
    ("hardware and software", TECH),
    ("framework versions", TECH),
    ("training infrastructure", TECH),
    ("hardware infrastructure", TECH),
    ("software stack", TECH),
    ("implementation information", TECH),
    ("specifications", TECH),
    // citation
    ("citation", CITE),
    ("citations", CITE),
    ("citation information", CITE),
    ("citation info", CITE),
    ("bibtex", CITE),
    ("bibtex entry and citation info", CITE),
    ("cite", CITE),
    ("cite this model", CITE),
    ("how to cite", CITE),
    ("citing", CITE),
    ("reference", CITE),
    ("references", CITE),
    ("paper", CITE),
    // license
    ("license", LICENSE),
    ("licence", LICENSE),
    ("licensing", LICENSE),
    ("license information", LICENSE),
    ("license agreement", LICENSE),
    ("licence agreement", LICENSE),
    ("model license", LICENSE),
    ("credits and license", LICENSE),
    ("terms of use", LICENSE),
    ("license and terms of use", LICENSE),
    ("legal information", LICENSE),
    // model_card_contact
    ("model card contact", CONTACT),
    ("contact", CONTACT),
    ("contacts", CONTACT),
    ("contact us", CONTACT),
    ("contact information", CONTACT),
    ("feedback", CONTACT),
    ("questions", CONTACT),
    ("reporting issues", CONTACT),
];

/// Keyword rules, tried in order when no exact synonym matches; the first rule with a keyword
/// that occurs in the heading (as whole words, or as a substring for CJK keywords) wins. The order
/// resolves overlaps: "Training results" is training, "Limitations of phi-2" is limitations.
const KEYWORDS: &[(&[&str], SectionSet)] = &[
    (
        &["out of scope", "misuse", "malicious use", "prohibited use"],
        OUT_OF_SCOPE,
    ),
    (&["citation", "cite", "bibtex", "引用"], CITE),
    (&["environmental", "carbon", "co2"], ENV),
    (
        &[
            "license",
            "licence",
            "licensing",
            "terms of use",
            "许可",
            "协议",
        ],
        LICENSE,
    ),
    (&["contact", "联系"], CONTACT),
    (
        &[
            "bias",
            "biases",
            "limitation",
            "limitations",
            "risk",
            "risks",
            "ethical",
            "ethics",
            "safety",
            "局限",
            "限制",
        ],
        LIMITS,
    ),
    (
        &[
            "how to use",
            "how to get started",
            "how to run",
            "getting started",
            "quick start",
            "quickstart",
            "usage",
            "inference",
            "use with",
            "using with",
            "running the model",
            "run the model",
            "sample code",
            "code example",
            "example usage",
            "prompt template",
            "prompt format",
            "chat template",
            "使用",
            "快速开始",
            "推理",
        ],
        HOW_TO,
    ),
    (
        &[
            "intended use",
            "intended uses",
            "use case",
            "use cases",
            "direct use",
            "downstream use",
        ],
        USES,
    ),
    (
        &[
            "training data",
            "training dataset",
            "training datasets",
            "pretraining data",
            "dataset",
            "datasets",
            "训练数据",
            "数据集",
        ],
        TRAIN_DATA,
    ),
    (
        &[
            "training",
            "fine tuning",
            "finetuning",
            "hyperparameters",
            "hyperparameter",
            "preprocessing",
            "训练",
        ],
        TRAIN_PROC,
    ),
    (
        &[
            "evaluation",
            "eval",
            "benchmark",
            "benchmarks",
            "results",
            "performance",
            "leaderboard",
            "metrics",
            "评测",
            "评估",
            "性能",
        ],
        EVAL,
    ),
    (
        &[
            "architecture",
            "technical specifications",
            "technical details",
            "hardware",
            "software",
            "compute infrastructure",
        ],
        TECH,
    ),
    (
        &[
            "model details",
            "model description",
            "model summary",
            "model overview",
            "model information",
            "模型介绍",
            "模型简介",
            "简介",
        ],
        DETAILS,
    ),
];

/// Maps a heading (raw text, as written) to the canonical sections it documents. An empty set
/// means the heading is not one of the template's sections (a title, "Provided files", …).
pub fn classify_heading(title: &str) -> SectionSet {
    classify_normalized(&normalize_heading(title))
}

/// [`classify_heading`] for a heading already passed through [`normalize_heading`].
pub fn classify_normalized(normalized: &str) -> SectionSet {
    if normalized.is_empty() {
        return SectionSet::EMPTY;
    }
    let tables = tables();
    if let Some(set) = tables.exact.get(normalized) {
        return *set;
    }
    // The rule with the lowest index among the keywords found (as whole words) wins.
    let mut best: Option<usize> = None;
    for m in tables.keywords.find_overlapping_iter(normalized) {
        let (rule, keyword) = tables.keyword_rules[m.pattern().as_usize()];
        if best.is_some_and(|b| b <= rule) {
            continue;
        }
        if !keyword.is_ascii() || is_whole_word(normalized, m.start(), m.end()) {
            best = Some(rule);
        }
    }
    best.map_or(SectionSet::EMPTY, |rule| KEYWORDS[rule].1)
}

/// The synonym tables, compiled once per process.
struct Tables {
    exact: HashMap<&'static str, SectionSet>,
    keywords: AhoCorasick,
    /// For each keyword pattern: its rule index and the keyword.
    keyword_rules: Vec<(usize, &'static str)>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let keyword_rules: Vec<(usize, &'static str)> = KEYWORDS
            .iter()
            .enumerate()
            .flat_map(|(rule, (words, _))| words.iter().map(move |w| (rule, *w)))
            .collect();
        let keywords = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(keyword_rules.iter().map(|(_, w)| w))
            .unwrap_or_else(|_| unreachable!("fixed keyword patterns"));
        Tables {
            exact: EXACT.iter().copied().collect(),
            keywords,
            keyword_rules,
        }
    })
}

fn is_whole_word(text: &str, start: usize, end: usize) -> bool {
    let bytes = text.as_bytes();
    (start == 0 || bytes[start - 1] == b' ') && (end == bytes.len() || bytes[end] == b' ')
}

/// Maps a card's title (its first, level-1 heading, with the sections below it) to canonical
/// sections. Titles are usually model names ("results", "llama-2-7b-sql-dataset-size"), so only an
/// exact section name counts — keyword rules do not apply — and never "results", the Trainer's
/// default output directory and therefore the title of many generated cards.
pub fn classify_title(title: &str) -> SectionSet {
    let normalized = normalize_heading(title);
    if normalized == "results" {
        return SectionSet::EMPTY;
    }
    tables()
        .exact
        .get(normalized.as_str())
        .copied()
        .unwrap_or(SectionSet::EMPTY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(title: &str) -> Vec<&'static str> {
        classify_heading(title).iter().map(|s| s.as_str()).collect()
    }

    #[test]
    fn normalisation_drops_numbering_emoji_and_optional_markers() {
        assert_eq!(
            normalize_heading("4. Evaluation Results"),
            "evaluation results"
        );
        assert_eq!(normalize_heading("4.2 Results"), "results");
        assert_eq!(normalize_heading("II. Training"), "training");
        assert_eq!(normalize_heading("🏆 Evaluation"), "evaluation");
        assert_eq!(
            normalize_heading("Model Sources [optional]"),
            "model sources"
        );
        assert_eq!(
            normalize_heading("Intended uses & limitations"),
            "intended uses and limitations"
        );
        assert_eq!(
            normalize_heading("Testing Data, Factors & Metrics"),
            "testing data factors and metrics"
        );
        assert_eq!(normalize_heading("Out-of-Scope Use"), "out of scope use");
        // A lone word that merely looks like a numeral stays.
        assert_eq!(normalize_heading("I love it"), "i love it");
        assert_eq!(normalize_heading("3"), "3");
    }

    #[test]
    fn headings_named_in_the_issue_map_to_their_sections() {
        assert_eq!(
            names("Intended uses & limitations"),
            ["uses", "bias_risks_limitations"]
        );
        assert_eq!(names("How to use"), ["how_to_get_started"]);
        assert_eq!(names("Limitations and bias"), ["bias_risks_limitations"]);
        assert_eq!(names("Training and evaluation data"), ["training_data"]);
        assert_eq!(names("Training hyperparameters"), ["training_procedure"]);
        assert_eq!(names("Evaluation results"), ["evaluation"]);
        assert_eq!(names("BibTeX entry and citation info"), ["citation"]);
    }

    #[test]
    fn template_headings_map_to_their_own_sections() {
        for (title, expected) in [
            ("Model Details", "model_details"),
            ("Uses", "uses"),
            ("Out-of-Scope Use", "out_of_scope_use"),
            ("Bias, Risks, and Limitations", "bias_risks_limitations"),
            ("How to Get Started with the Model", "how_to_get_started"),
            ("Training Data", "training_data"),
            ("Training Procedure", "training_procedure"),
            ("Evaluation", "evaluation"),
            ("Environmental Impact", "environmental_impact"),
            (
                "Technical Specifications [optional]",
                "technical_specifications",
            ),
            ("Citation [optional]", "citation"),
            ("Model Card Contact", "model_card_contact"),
        ] {
            assert_eq!(names(title), [expected], "{title}");
        }
    }

    #[test]
    fn keyword_rules_cover_real_variants() {
        assert_eq!(names("Limitations of Phi-2"), ["bias_risks_limitations"]);
        assert_eq!(names("6. How to Run Locally"), ["how_to_get_started"]);
        assert_eq!(names("Running the model on a CPU"), ["how_to_get_started"]);
        assert_eq!(
            names("[Open LLM Leaderboard Evaluation Results]"),
            ["evaluation"]
        );
        assert_eq!(names("7. License"), ["license"]);
        assert_eq!(names("💻 Usage"), ["how_to_get_started"]);
        assert_eq!(
            names("Truthfulness, Helpfulness, Risk, and Bias"),
            ["bias_risks_limitations"]
        );
        assert_eq!(names("训练数据"), ["training_data"]);
    }

    #[test]
    fn titles_and_unrelated_headings_map_to_nothing() {
        assert!(classify_heading("Model Card for google/gemma-7b").is_empty());
        assert!(classify_heading("Provided files").is_empty());
        assert!(classify_heading("Summary").is_empty());
        assert!(classify_heading("").is_empty());
        assert!(classify_heading("🔥🔥").is_empty());
    }

    #[test]
    fn titles_match_only_exact_section_names() {
        assert!(classify_title("results").is_empty());
        assert!(classify_title("Model Card for results").is_empty());
        assert!(classify_title("lora-fine-tuning-llama2-SQL-lora-100-dataset-size").is_empty());
        assert!(classify_title("Text-to-image finetuning - ikozlov/sd-laion-art").is_empty());
        assert_eq!(
            classify_title("Model Details").iter().collect::<Vec<_>>(),
            [CanonicalSection::ModelDetails]
        );
        assert_eq!(
            classify_title("Usage").iter().collect::<Vec<_>>(),
            [CanonicalSection::HowToGetStarted]
        );
    }

    #[test]
    fn keyword_matching_is_on_whole_words() {
        assert!(classify_normalized("retraining notes").is_empty());
        assert_eq!(
            classify_normalized("model training notes")
                .iter()
                .collect::<Vec<_>>(),
            [CanonicalSection::TrainingProcedure]
        );
        assert!(classify_normalized("evaluations").is_empty());
    }

    #[test]
    fn every_exact_synonym_is_already_normalised() {
        for (key, _) in EXACT {
            assert_eq!(normalize_heading(key), *key);
        }
    }

    #[test]
    fn names_round_trip() {
        for s in CanonicalSection::ALL {
            assert_eq!(CanonicalSection::from_name(s.as_str()), Some(s));
        }
        assert_eq!(CanonicalSection::from_name("nope"), None);
    }
}
