//! Finding model families in text: one Aho–Corasick automaton over every name and alias,
//! case-insensitive, leftmost-longest (so `xlm-roberta` is not also `xlm` or `roberta`), with
//! whole-word checks (so `distilbert` is not `bert`) and, for names that are ordinary words
//! (`opt`, `bloom`, `led`, …), a model context.
//!
//! The rules, as documented in the README:
//! 1. A name matches case-insensitively where it is a whole word: the characters around it are
//!    not letters or digits. `-`, `_`, `/` and `.` are boundaries, so `bert-base-uncased` and
//!    `google/bert_uncased` mention BERT. A class name counts too: the name written with a
//!    capital, followed by a class part (`BertModel`, `GPT2LMHeadModel`,
//!    `T5ForConditionalGeneration`, `TFBertModel`, `FlaxT5Model`).
//! 2. The longest name at a position wins, and matches do not overlap: `xlm-roberta-base` is
//!    XLM-RoBERTa only.
//! 3. A family name marked `model` or `caps` (an ordinary word) counts only in a model context:
//!    right after `/` (an `org/name` id), followed by `-` or `_` and a digit or a variant word
//!    (`opt-1.3b`, `bloom-560m`, `led-base`; not `opt-in`), followed by `model`, `models`,
//!    `checkpoint(s)`, `weights` or `tokenizer`, as a class name (`OPTForCausalLM`), or, for
//!    `caps`, written in capitals (`OPT`, `BLOOM`). Aliases are specific spellings and always
//!    count as whole words.
//!
//! The matcher does no I/O and keeps no state between texts.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

/// When a family's own name counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    /// Wherever it is a whole word.
    Word,
    /// Only in a model context (rule 3).
    Model,
    /// In a model context or written in capitals.
    ModelOrCaps,
    /// Never: a generic type such as `encoder-decoder`.
    Never,
}

impl Context {
    /// The name used in family tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Context::Word => "word",
            Context::Model => "model",
            Context::ModelOrCaps => "caps",
            Context::Never => "never",
        }
    }

    /// Parses a family table's context column (empty means `word`).
    pub fn parse(text: &str) -> Option<Context> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "word" => Some(Context::Word),
            "model" => Some(Context::Model),
            "caps" => Some(Context::ModelOrCaps),
            "never" => Some(Context::Never),
            _ => None,
        }
    }

    /// The name is an ordinary word that needs a model context.
    pub fn is_ambiguous(self) -> bool {
        matches!(self, Context::Model | Context::ModelOrCaps)
    }
}

/// A model family and the names it goes by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    /// The canonical name (a `config.model_type`, e.g. `xlm-roberta`).
    pub name: String,
    /// Other spellings (`xlm-r`, `xlmroberta`), always matched as whole words.
    pub aliases: Vec<String>,
    /// When the name itself counts.
    pub context: Context,
}

/// One whole-word occurrence of a family's name or alias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub family: usize,
    pub start: usize,
    pub end: usize,
    /// Counted: not an ambiguous name outside a model context.
    pub accepted: bool,
}

/// Words after an ambiguous name that make it a model.
const MODEL_WORDS: &[&str] = &[
    "model",
    "models",
    "checkpoint",
    "checkpoints",
    "weights",
    "tokenizer",
];

/// Words after `name-` that make a model id (`led-base`, `opt-iml`), unlike `opt-in`.
const VARIANT_WORDS: &[&str] = &[
    "base",
    "large",
    "small",
    "tiny",
    "mini",
    "medium",
    "xl",
    "xxl",
    "chat",
    "instruct",
    "uncased",
    "cased",
    "iml",
    "hf",
    "mt",
    "finetuned",
    "fine",
];

/// The first CamelCase word after a family name that makes a class name (`BertModel`,
/// `CLIPTextModel`, `T5ForConditionalGeneration`).
const CLASS_WORDS: &[&str] = &[
    "Model",
    "For",
    "Tokenizer",
    "Config",
    "Processor",
    "Feature",
    "Image",
    "Text",
    "Vision",
    "Audio",
    "Encoder",
    "Decoder",
    "Embeddings",
    "Attention",
    "Layer",
    "Pre",
    "Pretrained",
    "Pooler",
    "Output",
    "Block",
    "Head",
];

/// Framework prefixes of class names (`TFBertModel`, `FlaxT5Model`).
const CLASS_PREFIXES: &[&str] = &["TF", "Flax"];

/// A pattern of the automaton.
#[derive(Debug, Clone, Copy)]
struct Pattern {
    family: usize,
    /// The family's own name (subject to its context), not an alias.
    is_name: bool,
}

/// Compiled families.
#[derive(Debug, Clone)]
pub struct Matcher {
    automaton: AhoCorasick,
    patterns: Vec<Pattern>,
    families: Vec<Family>,
}

impl Matcher {
    /// Compiles the families' names and aliases. Empty names are ignored, and so are families
    /// whose context is `never` (they stay in [`Matcher::families`], never found).
    pub fn new(families: Vec<Family>) -> Result<Matcher, String> {
        let mut texts = Vec::new();
        let mut patterns = Vec::new();
        for (i, f) in families.iter().enumerate() {
            if f.context == Context::Never {
                continue;
            }
            for (k, name) in std::iter::once(&f.name).chain(&f.aliases).enumerate() {
                let name = name.trim();
                if !name.is_empty() {
                    texts.push(name.to_string());
                    patterns.push(Pattern {
                        family: i,
                        is_name: k == 0,
                    });
                }
            }
        }
        // A DFA: a few hundred short names make a small one, and it scans text several times
        // faster than the default NFA.
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&texts)
            .or_else(|_| {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&texts)
            })
            .map_err(|e| format!("cannot compile {} names: {e}", texts.len()))?;
        Ok(Matcher {
            automaton,
            patterns,
            families,
        })
    }

    pub fn families(&self) -> &[Family] {
        &self.families
    }

    /// Calls `found(family index)` for each counted mention in `text` (a family may come many
    /// times).
    pub fn for_each(&self, text: &str, mut found: impl FnMut(usize)) {
        self.for_each_hit(text, |hit| {
            if hit.accepted {
                found(hit.family)
            }
        });
    }

    /// Calls `found` for each whole-word occurrence, counted or not: occurrences of ambiguous
    /// names outside a model context come with `accepted == false`, for review.
    pub fn for_each_hit(&self, text: &str, mut found: impl FnMut(Hit)) {
        let bytes = text.as_bytes();
        for m in self.automaton.find_iter(text) {
            let (start, end) = (m.start(), m.end());
            let class = class_name(bytes, start, end);
            if !class && (!boundary_before(bytes, start) || !boundary_after(bytes, end)) {
                continue;
            }
            let pattern = self.patterns[m.pattern().as_usize()];
            let context = self.families[pattern.family].context;
            let accepted = !pattern.is_name
                || match context {
                    Context::Word => true,
                    Context::Model => class || model_context(bytes, start, end, false),
                    Context::ModelOrCaps => class || model_context(bytes, start, end, true),
                    Context::Never => false,
                };
            found(Hit {
                family: pattern.family,
                start,
                end,
                accepted,
            });
        }
    }

    /// The families mentioned in `text`, each once, in index order.
    pub fn families_in(&self, text: &str) -> Vec<usize> {
        let mut seen = vec![false; self.families.len()];
        self.for_each(text, |f| seen[f] = true);
        seen.iter()
            .enumerate()
            .filter_map(|(i, s)| s.then_some(i))
            .collect()
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

fn boundary_before(bytes: &[u8], start: usize) -> bool {
    start == 0 || !is_word_byte(bytes[start - 1])
}

fn boundary_after(bytes: &[u8], end: usize) -> bool {
    end >= bytes.len() || !is_word_byte(bytes[end])
}

/// `Bert` in `BertModel`, `TFBertForMaskedLM`, `GPT2LMHeadModel`: the name starts with a
/// capital, starts a word or follows a framework prefix, and is followed by a class word.
fn class_name(bytes: &[u8], start: usize, end: usize) -> bool {
    if !bytes[start].is_ascii_uppercase() || end >= bytes.len() {
        return false;
    }
    let starts_word = boundary_before(bytes, start)
        || CLASS_PREFIXES.iter().any(|p| {
            let p = p.as_bytes();
            start >= p.len()
                && &bytes[start - p.len()..start] == p
                && boundary_before(bytes, start - p.len())
        });
    if !starts_word {
        return false;
    }
    let tail = &bytes[end..];
    if tail.starts_with(b"LM") {
        return true;
    }
    CLASS_WORDS.iter().any(|w| {
        let w = w.as_bytes();
        tail.starts_with(w) && tail.get(w.len()).is_none_or(|b| !b.is_ascii_lowercase())
    })
}

fn model_context(bytes: &[u8], start: usize, end: usize, caps_is_model: bool) -> bool {
    if start > 0 && bytes[start - 1] == b'/' {
        return true;
    }
    if let Some(&sep) = bytes.get(end)
        && (sep == b'-' || sep == b'_')
    {
        let tail = &bytes[end + 1..];
        if tail.first().is_some_and(u8::is_ascii_digit) {
            return true;
        }
        let word: Vec<u8> = tail
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .map(u8::to_ascii_lowercase)
            .collect();
        if VARIANT_WORDS
            .iter()
            .any(|w| w.as_bytes() == word.as_slice())
        {
            return true;
        }
    }
    if caps_is_model && bytes[start..end].iter().all(|b| !b.is_ascii_lowercase()) {
        return true;
    }
    // The next word.
    let rest = &bytes[end..];
    let skip = rest
        .iter()
        .take_while(|b| **b == b' ' || **b == b'-')
        .count();
    if skip == 0 {
        return false;
    }
    let word: Vec<u8> = rest[skip..]
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .map(u8::to_ascii_lowercase)
        .collect();
    MODEL_WORDS.iter().any(|w| w.as_bytes() == word.as_slice())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn family(name: &str, aliases: &[&str], context: Context) -> Family {
        Family {
            name: name.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            context,
        }
    }

    fn matcher() -> Matcher {
        use Context::*;
        Matcher::new(vec![
            family("bert", &[], Word),
            family("distilbert", &[], Word),
            family("roberta", &[], Word),
            family("xlm-roberta", &["xlm-r", "xlmroberta"], Word),
            family("xlm", &[], Word),
            family("gpt2", &["gpt-2"], Word),
            family("opt", &[], ModelOrCaps),
            family("bloom", &["bloomz"], ModelOrCaps),
            family("led", &[], Model),
            family("llama", &["llama 2", "llama-2", "llama-3"], Word),
            family("t5", &["flan-t5"], Word),
            family("encoder-decoder", &[], Never),
        ])
        .unwrap()
    }

    fn names(text: &str) -> Vec<String> {
        let m = matcher();
        m.families_in(text)
            .into_iter()
            .map(|i| m.families()[i].name.clone())
            .collect()
    }

    #[test]
    fn longest_names_win_and_words_must_be_whole() {
        assert_eq!(
            names("fine-tuning XLM-RoBERTa-base on NER"),
            ["xlm-roberta"]
        );
        assert_eq!(names("xlm-r large"), ["xlm-roberta"]);
        assert_eq!(names("DistilBERT is smaller"), ["distilbert"]);
        assert_eq!(names("roberta vs bert"), ["bert", "roberta"]);
        assert_eq!(names("the Roberta tokenizer"), ["roberta"]);
        assert_eq!(names("albert and camembert"), Vec::<String>::new());
        assert_eq!(names("GPT-2 and gpt2-medium"), ["gpt2"]);
        assert_eq!(names("Llama 2 chat and llama-3"), ["llama"]);
        assert_eq!(names("an encoder-decoder model"), Vec::<String>::new());
    }

    #[test]
    fn model_ids_and_class_names_mention_their_family() {
        assert_eq!(names("from_pretrained(\"bert-base-uncased\")"), ["bert"]);
        assert_eq!(names("google/bert_uncased_L-2_H-128"), ["bert"]);
        assert_eq!(
            names("see https://hf.co/xlm-roberta-large."),
            ["xlm-roberta"]
        );
        assert_eq!(names("BertModel.from_pretrained"), ["bert"]);
        assert_eq!(names("TFBertForMaskedLM and FlaxT5Model"), ["bert", "t5"]);
        assert_eq!(names("GPT2LMHeadModel"), ["gpt2"]);
        assert_eq!(names("XLMRobertaTokenizerFast"), ["xlm-roberta"]);
        assert_eq!(names("DistilBertModel"), ["distilbert"]);
        // Not a class part, not a framework prefix: not a mention.
        assert_eq!(names("Bertrand and Robertas"), Vec::<String>::new());
        assert_eq!(names("MyBertModel"), Vec::<String>::new());
        assert_eq!(names("bertmodel"), Vec::<String>::new());
    }

    #[test]
    fn ordinary_words_need_a_model_context() {
        assert_eq!(
            names("the opt-in flag; an option; opt out"),
            Vec::<String>::new()
        );
        assert_eq!(names("I opt for the default"), Vec::<String>::new());
        assert_eq!(names("facebook/opt-1.3b"), ["opt"]);
        assert_eq!(names("the OPT paper"), ["opt"]);
        assert_eq!(names("the opt model"), ["opt"]);
        assert_eq!(names("OPTForCausalLM"), ["opt"]);
        assert_eq!(names("flowers bloom in spring"), Vec::<String>::new());
        assert_eq!(names("bigscience/bloom"), ["bloom"]);
        assert_eq!(names("bloom-560m and BLOOM"), ["bloom"]);
        assert_eq!(names("bloomz-7b1 and bloomz"), ["bloom"]);
        assert_eq!(names("the LED blinks"), Vec::<String>::new());
        assert_eq!(names("allenai/led-base-16384"), ["led"]);
        assert_eq!(names("a LED model"), ["led"]);
        assert_eq!(names("LEDForConditionalGeneration"), ["led"]);
    }

    #[test]
    fn rejected_occurrences_are_reported_for_review() {
        let m = matcher();
        let mut hits = Vec::new();
        m.for_each_hit("the opt-in flag, then facebook/opt-350m", |h| hits.push(h));
        assert_eq!(hits.len(), 2);
        assert!(!hits[0].accepted);
        assert_eq!(&"the opt-in flag"[hits[0].start..hits[0].end], "opt");
        assert!(hits[1].accepted);
    }
}
