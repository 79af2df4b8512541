//! Finding model families in text: one Aho–Corasick automaton over every name and alias,
//! case-insensitive, leftmost-longest (so `xlm-roberta` is not also `xlm` or `roberta`), with
//! whole-word checks (so `distilbert` is not `bert`) and, for names that are ordinary words
//! (`opt`, `bloom`, `led`, …), a model context.
//!
//! The rules, as documented in the README:
//! 1. A name matches case-insensitively where it is a whole word: the characters around it are
//!    not letters or digits. `-`, `_`, `/` and `.` are boundaries, so `bert-base-uncased` and
//!    `google/bert_uncased` mention BERT.
//! 2. The longest name at a position wins, and matches do not overlap: `xlm-roberta-base` is
//!    XLM-RoBERTa only.
//! 3. An ambiguous name (an ordinary word) counts only in a model context: right after `/` (an
//!    `org/name` id), followed by `-` or `_` and a digit or a variant word (`opt-1.3b`,
//!    `bloom-560m`, `led-base`; not `opt-in`),
//!    followed by `model`, `models`, `checkpoint`, `weights` or `tokenizer`, or, for names
//!    marked so, written in capitals (`OPT`, `BLOOM`).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// A model family and the names it goes by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    /// The canonical name (a `config.model_type`, e.g. `xlm-roberta`).
    pub name: String,
    /// Other spellings (`xlm-r`, `xlmroberta`), matched like the name.
    pub aliases: Vec<String>,
    /// The name is an ordinary word: count it only in a model context (rule 3).
    pub ambiguous: bool,
    /// Written in capitals, the ambiguous name is the model (`OPT`, `BLOOM`).
    pub caps_is_model: bool,
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

/// Compiled families.
#[derive(Debug, Clone)]
pub struct Matcher {
    automaton: AhoCorasick,
    /// Pattern index → family index.
    family_of: Vec<usize>,
    families: Vec<Family>,
}

impl Matcher {
    /// Compiles the families' names and aliases (empty ones are ignored).
    pub fn new(families: Vec<Family>) -> Result<Matcher, String> {
        let mut patterns = Vec::new();
        let mut family_of = Vec::new();
        for (i, f) in families.iter().enumerate() {
            for name in std::iter::once(&f.name).chain(&f.aliases) {
                let name = name.trim();
                if !name.is_empty() {
                    patterns.push(name.to_string());
                    family_of.push(i);
                }
            }
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .map_err(|e| format!("cannot compile {} names: {e}", patterns.len()))?;
        Ok(Matcher {
            automaton,
            family_of,
            families,
        })
    }

    pub fn families(&self) -> &[Family] {
        &self.families
    }

    /// Calls `found(family index)` for each mention in `text` (a family may come many times).
    pub fn for_each(&self, text: &str, mut found: impl FnMut(usize)) {
        let bytes = text.as_bytes();
        for m in self.automaton.find_iter(text) {
            let (start, end) = (m.start(), m.end());
            if !boundary_before(bytes, start) || !boundary_after(bytes, end) {
                continue;
            }
            let family = self.family_of[m.pattern().as_usize()];
            let f = &self.families[family];
            if f.ambiguous && !model_context(bytes, start, end, f.caps_is_model) {
                continue;
            }
            found(family);
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

    fn family(name: &str, aliases: &[&str], ambiguous: bool, caps: bool) -> Family {
        Family {
            name: name.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            ambiguous,
            caps_is_model: caps,
        }
    }

    fn matcher() -> Matcher {
        Matcher::new(vec![
            family("bert", &[], false, false),
            family("distilbert", &[], false, false),
            family("roberta", &[], false, false),
            family("xlm-roberta", &["xlm-r", "xlmroberta"], false, false),
            family("xlm", &[], false, false),
            family("gpt2", &["gpt-2"], false, false),
            family("opt", &[], true, true),
            family("bloom", &["bloomz"], true, true),
            family("led", &[], true, false),
            family("llama", &["llama 2", "llama-2", "llama-3"], false, false),
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
    }

    #[test]
    fn model_ids_mention_their_family() {
        assert_eq!(names("from_pretrained(\"bert-base-uncased\")"), ["bert"]);
        assert_eq!(names("google/bert_uncased_L-2_H-128"), ["bert"]);
        assert_eq!(
            names("see https://hf.co/xlm-roberta-large."),
            ["xlm-roberta"]
        );
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
        assert_eq!(names("flowers bloom in spring"), Vec::<String>::new());
        assert_eq!(names("bigscience/bloom"), ["bloom"]);
        assert_eq!(names("bloom-560m and BLOOM"), ["bloom"]);
        assert_eq!(names("bloomz-7b1"), ["bloom"]);
        assert_eq!(names("the LED blinks"), Vec::<String>::new());
        assert_eq!(names("allenai/led-base-16384"), ["led"]);
        assert_eq!(names("a LED model"), ["led"]);
    }
}
