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
//!    count as whole words. A path is not an id: `/opt/conda` and `home/git/repo` are not
//!    OPT or GIT, and a name right after a number (`8-bit`, `4 bit`) is not a model.
//!    transformers' own source paths are (`models/bloom/`, `modeling_bloom.py`).
//!    A name marked `id` counts only inside a model id (`google/bit-50`) or as a class name.
//! 4. Enumerations do not count — at least six class names of at least four families
//!    (transformers' "Model type should be one of AlbertConfig, AlignConfig, …" errors) or at
//!    least ten names of at least eight families (`'llama', 'm2m_100', 'marian', …`), one after
//!    the other with only separators and other list items (CamelCase classes, quoted names)
//!    between them: the text lists every model, it does not talk about them.
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
    /// Only inside a model id (`google/bit-50`) or a class name (`BitModel`): for names whose
    /// ordinary use also comes with "model" (`8-bit model`, `git model`).
    Id,
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
            Context::Id => "id",
            Context::Never => "never",
        }
    }

    /// Parses a family table's context column (empty means `word`).
    pub fn parse(text: &str) -> Option<Context> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "word" => Some(Context::Word),
            "model" => Some(Context::Model),
            "caps" => Some(Context::ModelOrCaps),
            "id" => Some(Context::Id),
            "never" => Some(Context::Never),
            _ => None,
        }
    }

    /// The name is an ordinary word that needs a model context.
    pub fn is_ambiguous(self) -> bool {
        matches!(self, Context::Model | Context::ModelOrCaps | Context::Id)
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
    pub verdict: Verdict,
}

impl Hit {
    pub fn counted(&self) -> bool {
        self.verdict == Verdict::Counted
    }
}

/// Whether an occurrence counts, and why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Counted,
    /// An ambiguous name outside a model context (rule 3).
    NoModelContext,
    /// A class name inside an enumeration of many families' classes, such as transformers'
    /// "Model type should be one of AlbertConfig, BartConfig, …" (rule 4).
    InList,
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
            if hit.counted() {
                found(hit.family)
            }
        });
    }

    /// Calls `found` for each whole-word occurrence, counted or not, in text order: the ones
    /// not counted come with the reason, for review.
    pub fn for_each_hit(&self, text: &str, mut found: impl FnMut(Hit)) {
        let bytes = text.as_bytes();
        // Hits close to each other, held back until it is known whether they form a list.
        let mut run: Vec<Pending> = Vec::new();
        for m in self.automaton.find_iter(text) {
            let (start, end) = (m.start(), m.end());
            let class = class_name(bytes, start, end);
            if !class && (!boundary_before(bytes, start) || !boundary_after(bytes, end)) {
                continue;
            }
            let pattern = self.patterns[m.pattern().as_usize()];
            let context = self.families[pattern.family].context;
            let counted = !pattern.is_name
                || match context {
                    Context::Word => true,
                    Context::Model => class || model_context(bytes, start, end, false),
                    Context::ModelOrCaps => class || model_context(bytes, start, end, true),
                    Context::Id => class || org_slash_name(bytes, start, end),
                    Context::Never => false,
                };
            let hit = Hit {
                family: pattern.family,
                start,
                end,
                verdict: if counted {
                    Verdict::Counted
                } else {
                    Verdict::NoModelContext
                },
            };
            if run
                .last()
                .is_some_and(|last| !list_gap(&bytes[last.hit.end..start]))
            {
                flush_run(&mut run, &mut found);
            }
            run.push(Pending { hit, class });
        }
        flush_run(&mut run, &mut found);
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

/// At most this many bytes between two names of an enumeration.
const LIST_GAP: usize = 64;

/// Whether the text between two hits continues an enumeration: the rest of the first
/// identifier (`Config` of `BertConfig`), then only separators (spaces, commas, quotes,
/// brackets) and other items of a list — CamelCase class names (`GPTBigCodeConfig`) or quoted
/// names (`'nezha'`) — within [`LIST_GAP`] bytes. Any other word ends the list.
fn list_gap(gap: &[u8]) -> bool {
    const SEPARATORS: &[u8] = b" \t\r\n,'\"`[]()<>;|";
    if gap.len() > LIST_GAP {
        return false;
    }
    let identifier = |b: &u8| b.is_ascii_alphanumeric() || b"_.-".contains(b);
    let tail = gap.iter().take_while(|b| identifier(b)).count();
    let mut i = tail;
    while i < gap.len() {
        if SEPARATORS.contains(&gap[i]) {
            i += 1;
            continue;
        }
        let token = &gap[i..];
        let len = token.iter().take_while(|b| identifier(b)).count();
        if len == 0 {
            return false;
        }
        let token = &token[..len];
        let quoted = i > 0 && b"'\"`".contains(&gap[i - 1]);
        let camel = token[0].is_ascii_uppercase()
            && token[1..]
                .iter()
                .any(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !quoted && !camel {
            return false;
        }
        i += len;
    }
    true
}

/// A hit waiting for the end of its run.
struct Pending {
    hit: Hit,
    class: bool,
}

/// Reports a run of close hits, as a list (rule 4) when it is one: at least six class names of
/// at least four families, or at least ten names of at least eight families.
fn flush_run(run: &mut Vec<Pending>, found: &mut impl FnMut(Hit)) {
    if run.is_empty() {
        return;
    }
    let distinct = |class_only: bool| {
        let mut families: Vec<usize> = run
            .iter()
            .filter(|p| p.class || !class_only)
            .map(|p| p.hit.family)
            .collect();
        let n = families.len();
        families.sort_unstable();
        families.dedup();
        (n, families.len())
    };
    let (classes, class_families) = distinct(true);
    let (names, name_families) = distinct(false);
    let class_list = classes >= 6 && class_families >= 4;
    let name_list = names >= 10 && name_families >= 8;
    for p in run.drain(..) {
        let mut hit = p.hit;
        if name_list || (class_list && p.class) {
            hit.verdict = Verdict::InList;
        }
        found(hit);
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
/// `bigscience/bloom`, `openai/clip-vit-base`: the name starting the name part of an
/// `org/name` id. Not a directory of a path (`/opt/conda`, `home/git/repo`).
fn org_slash_name(bytes: &[u8], start: usize, end: usize) -> bool {
    if start < 2 || bytes[start - 1] != b'/' || !is_word_byte(bytes[start - 2]) {
        return false;
    }
    match bytes.get(end) {
        None => true,
        Some(b'.') => bytes.get(end + 1).is_none_or(u8::is_ascii_whitespace),
        Some(b) => b.is_ascii_whitespace() || b"-_\"'`),;:!?#]>*|".contains(b),
    }
}

/// ` 34B`, ` 1.5b`, ` 560M`: a parameter count after the name (`Yi 34B`, `OPT 175B`).
fn followed_by_size(bytes: &[u8], end: usize) -> bool {
    let Some(rest) = bytes.get(end..).and_then(|r| r.strip_prefix(b" ")) else {
        return false;
    };
    let digits = rest
        .iter()
        .take_while(|b| b.is_ascii_digit() || **b == b'.')
        .count();
    digits > 0
        && rest.get(digits).is_some_and(|b| b"bBmM".contains(b))
        && rest
            .get(digits + 1)
            .is_none_or(|b| !b.is_ascii_alphanumeric())
}

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
    let before = &bytes[..start];
    // A number: `8-bit`, `4 bit`, `2 LEDs`.
    if let [.., d, b'-' | b' '] = before
        && d.is_ascii_digit()
    {
        return false;
    }
    // transformers' source: `models/bloom/modeling_bloom.py`.
    if before.ends_with(b"models/") || before.ends_with(b"modeling_") {
        return true;
    }
    if org_slash_name(bytes, start, end) || followed_by_size(bytes, end) {
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
            family("bit", &[], Id),
            family("yi", &[], Model),
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
    fn paths_and_numbers_are_not_model_contexts() {
        assert_eq!(
            names("File \"/opt/conda/lib/python3.9/site.py\""),
            Vec::<String>::new()
        );
        assert_eq!(names("cd home/opt/bin"), Vec::<String>::new());
        assert_eq!(names("an 8-bit LED; 4 led model"), Vec::<String>::new());
        assert_eq!(
            names("a low-bit model, 4bit-128g, other bit models"),
            Vec::<String>::new()
        );
        assert_eq!(
            names("google/bit-50 and BitForImageClassification"),
            ["bit"]
        );
        assert_eq!(names("openai/clip-vit and facebook/opt_x"), ["opt"]);
        assert_eq!(names("Yi 34B and OPT 175B"), ["opt", "yi"]);
        assert_eq!(names("yi 34 times"), Vec::<String>::new());
        assert_eq!(names("see facebook/opt."), ["opt"]);
        assert_eq!(names("(bigscience/bloom)"), ["bloom"]);
        assert_eq!(
            names("transformers/models/bloom/modeling_bloom.py"),
            ["bloom"]
        );
    }

    #[test]
    fn enumerations_of_class_names_are_not_mentions() {
        let error = "Model type should be one of BertConfig, BloomConfig, GPT2Config, \
                     LEDConfig, OPTConfig, RobertaConfig, T5Config.";
        assert_eq!(names(error), Vec::<String>::new());
        let m = matcher();
        let mut verdicts = Vec::new();
        m.for_each_hit(error, |h| verdicts.push(h.verdict));
        assert_eq!(verdicts, [Verdict::InList; 7]);
        // A few classes of the same family are code, not a list.
        assert_eq!(
            names(
                "from transformers import BertTokenizer, BertModel, BertConfig, BertForMaskedLM, BertLMHeadModel, TFBertModel"
            ),
            ["bert"]
        );
        let keys = "['bert', 'bloom', 'gpt2', 'led', 'llama', 'opt', 'roberta', 't5', 'xlm', 'distilbert']";
        assert_eq!(names(keys), Vec::<String>::new());
        // A comparison in prose is not a list.
        assert_eq!(
            names("I tried bert, roberta, xlm, gpt2 and t5"),
            ["bert", "roberta", "xlm", "gpt2", "t5"]
        );
        // Right after a list, a mention is prose again.
        assert_eq!(
            names(&format!("{error}\n\nI fine-tuned BertModel.")),
            ["bert"]
        );
        // Far apart, they are mentions.
        let far = format!("BertModel {} T5Model", "x".repeat(100));
        assert_eq!(names(&far), ["bert", "t5"]);
    }

    #[test]
    fn rejected_occurrences_are_reported_for_review() {
        let m = matcher();
        let mut hits = Vec::new();
        m.for_each_hit("the opt-in flag, then facebook/opt-350m", |h| hits.push(h));
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].verdict, Verdict::NoModelContext);
        assert_eq!(&"the opt-in flag"[hits[0].start..hits[0].end], "opt");
        assert!(hits[1].counted());
    }
}
