//! Measures of prose: word counts, placeholders and template boilerplate.
//!
//! A *word* is a run of characters containing a letter or digit, delimited by whitespace;
//! punctuation inside a run does not split it ("state-of-the-art", "e.g." and "0.91" are one word
//! each). Chinese and Japanese are written without spaces, so each Han or Kana character counts as
//! one word, as word processors do.
//!
//! A *placeholder* is text a template or generator put there for the author to replace:
//! `[More Information Needed]` (the HF template), "More information needed" (the Transformers
//! Trainer), `TODO` / `TBD` (the diffusers training scripts: `[TODO: describe the data …]`), and an
//! unrendered Jinja expression such as `{{ model_description }}`.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// Counts words as described in the module documentation.
pub fn count_words(text: &str) -> u32 {
    let bytes = text.as_bytes();
    let mut words = 0u32;
    let mut in_word = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if b.is_ascii_alphanumeric() {
                if !in_word {
                    words = words.saturating_add(1);
                    in_word = true;
                }
            } else if b.is_ascii_whitespace() {
                in_word = false;
            }
            i += 1;
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        if is_unspaced_script(c) {
            words = words.saturating_add(1);
            in_word = false;
        } else if c.is_alphanumeric() {
            if !in_word {
                words = words.saturating_add(1);
                in_word = true;
            }
        } else if c.is_whitespace() {
            in_word = false;
        }
        i += c.len_utf8();
    }
    words
}

/// Han ideographs and Kana: scripts written without spaces between words.
fn is_unspaced_script(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF // Hiragana, Katakana
        | 0x3400..=0x4DBF // CJK Extension A
        | 0x4E00..=0x9FFF // CJK Unified Ideographs
        | 0xF900..=0xFAFF // CJK Compatibility Ideographs
        | 0x20000..=0x2A6DF) // CJK Extension B
}

/// Template sentences that are not the author's words, compared after lower-casing and
/// collapsing whitespace (link targets are not part of the text).
const BOILERPLATE: &[&str] = &[
    "use the code below to get started with the model.",
    "users (both direct and downstream) should be made aware of the risks, biases and limitations of the model. more information needed for further recommendations.",
    "carbon emissions can be estimated using the machine learning impact calculator presented in lacoste et al. (2019).",
    "provide a quick summary of what the model is/does.",
    // huggingface_hub's default `model_summary` when a card is made from the template.
    "this modelcard aims to be a base template for new models. it has been generated using this raw template.",
];

/// Finds placeholders and boilerplate in blocks of prose. Built once, shared by every analysis.
#[derive(Debug, Clone)]
pub struct PlaceholderFinder {
    /// One pass finds every anchor; each hit is then checked in place. Case-sensitive anchors
    /// keep the scan on the fast SIMD path; "more information needed" is anchored on its tail,
    /// whose case varies only as "needed" / "Needed" / "NEEDED".
    anchors: AhoCorasick,
    /// Word counts of the boilerplate sentences, to compare only blocks of the same length.
    boilerplate_words: Vec<u32>,
}

/// Anchor patterns, by index.
const ANCHOR_NEEDED: usize = 0;
const ANCHOR_NEEDED_CAPS: usize = 1;
const ANCHOR_TODO: usize = 2;
const ANCHOR_TBD: usize = 3;
const ANCHOR_JINJA: usize = 4;
const ANCHORS: [&str; 5] = ["eeded", "EEDED", "TODO", "TBD", "{{"];
const MORE_INFO: &str = "more information needed";

/// What [`PlaceholderFinder::measure`] found in one block of prose.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BlockMeasure {
    /// All words of the block.
    pub words: u32,
    /// Words written by the author: all words minus placeholders, minus the bold labels that
    /// introduce a placeholder ("**Developed by:** [More Information Needed]"), and zero for a
    /// block of template boilerplate.
    pub real_words: u32,
    /// Placeholders found.
    pub placeholders: u32,
    /// Whether the whole block is a known template sentence.
    pub boilerplate: bool,
    /// Whether the author's words include a digit (evaluation evidence is numbers).
    pub has_number: bool,
}

impl Default for PlaceholderFinder {
    fn default() -> Self {
        Self::new()
    }
}

impl PlaceholderFinder {
    pub fn new() -> Self {
        let anchors = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(ANCHORS)
            // The patterns are fixed literals; building them cannot fail.
            .unwrap_or_else(|_| unreachable!("fixed placeholder patterns"));
        let boilerplate_words = BOILERPLATE.iter().map(|b| count_words(b)).collect();
        PlaceholderFinder {
            anchors,
            boilerplate_words,
        }
    }

    /// Measures one block of prose. `labels` are the byte ranges of bold text inside `text`
    /// (candidate labels such as "**License:**").
    pub fn measure(&self, text: &str, labels: &[(usize, usize)]) -> BlockMeasure {
        let words = count_words(text);
        if words == 0 {
            return BlockMeasure::default();
        }
        let spans = self.placeholder_spans(text);
        if spans.is_empty() {
            if is_label_only(text, labels) {
                // "**BibTeX:**" alone introduces what follows; it is not content itself.
                return BlockMeasure {
                    words,
                    ..BlockMeasure::default()
                };
            }
            let boilerplate = self.is_boilerplate(text, words);
            return BlockMeasure {
                words,
                real_words: if boilerplate { 0 } else { words },
                placeholders: 0,
                boilerplate,
                has_number: !boilerplate && text.bytes().any(|b| b.is_ascii_digit()),
            };
        }
        // Remove placeholders and the labels that introduce them; what is left is the author's.
        let mut removed: Vec<(usize, usize)> = spans.clone();
        removed.extend_from_slice(labels);
        removed.sort_unstable();
        let mut rest = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end) in removed {
            let start = start.max(at);
            if start > at {
                rest.push_str(text.get(at..start).unwrap_or(""));
            }
            rest.push(' ');
            at = at.max(end);
        }
        rest.push_str(text.get(at..).unwrap_or(""));
        let boilerplate = self.is_boilerplate(text, words);
        let real_words = if boilerplate { 0 } else { count_words(&rest) };
        BlockMeasure {
            words,
            real_words,
            placeholders: spans.len() as u32,
            boilerplate,
            has_number: real_words > 0 && rest.bytes().any(|b| b.is_ascii_digit()),
        }
    }

    /// Byte ranges of the placeholders in `text`.
    pub fn placeholder_spans(&self, text: &str) -> Vec<(usize, usize)> {
        let mut spans = Vec::new();
        let bytes = text.as_bytes();
        for m in self.anchors.find_iter(text) {
            let (start, end) = (m.start(), m.end());
            match m.pattern().as_usize() {
                ANCHOR_NEEDED | ANCHOR_NEEDED_CAPS => {
                    let Some(begin) = end.checked_sub(MORE_INFO.len()) else {
                        continue;
                    };
                    if bytes[begin..end].eq_ignore_ascii_case(MORE_INFO.as_bytes()) {
                        spans.push(widen_to_brackets(text, begin, end));
                    }
                }
                // "[TODO: describe the data]" is one placeholder up to its bracket; a bare
                // "TODO" runs to the end of its line.
                ANCHOR_TODO | ANCHOR_TBD if is_word_boundary(text, start, end) => {
                    let stop = text[end..]
                        .find([']', '\n'])
                        .map_or(text.len(), |p| end + p + 1);
                    let (start, _) = widen_to_brackets(text, start, end);
                    spans.push((start, stop.min(text.len())));
                }
                ANCHOR_JINJA => {
                    if let Some(close) = memchr::memmem::find(&bytes[end..], b"}}") {
                        let close = end + close + 2;
                        if is_jinja_expression(&text[end..close - 2]) {
                            spans.push((start, close));
                        }
                    }
                }
                _ => {}
            }
        }
        spans.sort_unstable();
        spans.dedup();
        spans
    }

    /// Whether the whole block is a known template sentence. Only blocks with exactly as many
    /// words as a boilerplate sentence are compared, word by word, without allocating.
    fn is_boilerplate(&self, text: &str, words: u32) -> bool {
        BOILERPLATE
            .iter()
            .zip(&self.boilerplate_words)
            .filter(|(_, n)| **n == words)
            .any(|(sentence, _)| same_words_ignoring_case(text, sentence))
    }

    /// Whether a code block is only a placeholder (`# TODO: add an example code snippet …`) or
    /// empty: every non-blank line is a placeholder.
    pub fn code_is_placeholder(&self, code: &str) -> bool {
        code.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .all(|l| !self.placeholder_spans(l).is_empty())
    }
}

fn widen_to_brackets(text: &str, start: usize, end: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let start = if start > 0 && bytes[start - 1] == b'[' {
        start - 1
    } else {
        start
    };
    let end = if end < bytes.len() && bytes[end] == b']' {
        end + 1
    } else {
        end
    };
    (start, end)
}

fn is_word_boundary(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

/// `{{ name }}` or `{{ name | default("…", true) }}`: a Jinja variable, not BibTeX's `{{TRL}}`.
fn is_jinja_expression(inner: &str) -> bool {
    let inner = inner.trim();
    let name_end = inner
        .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
        .unwrap_or(inner.len());
    let name = &inner[..name_end];
    let rest = inner[name_end..].trim_start();
    !name.is_empty()
        && name.as_bytes()[0].is_ascii_lowercase()
        && (rest.is_empty() || rest.starts_with('|'))
}

fn is_label_only(text: &str, labels: &[(usize, usize)]) -> bool {
    if labels.is_empty() || !text.trim_end().ends_with(':') {
        return false;
    }
    let mut outside = String::new();
    let mut at = 0;
    for &(start, end) in labels {
        if start >= at {
            outside.push_str(text.get(at..start).unwrap_or(""));
            outside.push(' ');
        }
        at = at.max(end);
    }
    outside.push_str(text.get(at..).unwrap_or(""));
    count_words(&outside) == 0
}

/// Whether `text` and `lowercase` have the same whitespace-separated words, ignoring case
/// (`lowercase` is already lower case).
fn same_words_ignoring_case(text: &str, lowercase: &str) -> bool {
    let mut theirs = lowercase.split_whitespace();
    for word in text.split_whitespace() {
        let Some(other) = theirs.next() else {
            return false;
        };
        let mut a = word.chars().flat_map(char::to_lowercase);
        let mut b = other.chars();
        loop {
            match (a.next(), b.next()) {
                (None, None) => break,
                (x, y) if x == y => {}
                _ => return false,
            }
        }
    }
    theirs.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_words_in_prose() {
        assert_eq!(count_words(""), 0);
        assert_eq!(count_words("  \n\t "), 0);
        assert_eq!(count_words("Hello, world!"), 2);
        assert_eq!(count_words("state-of-the-art e.g. 0.91 don't"), 4);
        assert_eq!(count_words("- * | --- ==="), 0);
        assert_eq!(count_words("Café naïve Über"), 3);
        assert_eq!(count_words("这是一个模型"), 6);
        assert_eq!(count_words("BERT模型 works"), 4);
        assert_eq!(count_words("정확도 평가"), 2);
    }

    #[test]
    fn template_placeholders_leave_no_real_words() {
        let f = PlaceholderFinder::new();
        let m = f.measure("[More Information Needed]", &[]);
        assert_eq!((m.words, m.real_words, m.placeholders), (3, 0, 1));
        let m = f.measure("More information needed", &[]);
        assert_eq!((m.real_words, m.placeholders), (0, 1));
        // A bold label in front of the placeholder is not content either.
        let text = "Developed by: [More Information Needed]";
        let m = f.measure(text, &[(0, 13)]);
        assert_eq!((m.words, m.real_words, m.placeholders), (5, 0, 1));
        // A filled label is content.
        let m = f.measure("Developed by: Stability AI", &[(0, 13)]);
        assert_eq!(m.real_words, 4);
    }

    #[test]
    fn placeholders_inside_real_text_keep_the_real_words() {
        let f = PlaceholderFinder::new();
        let m = f.measure("Trained on 3 GPUs. Dataset: [More Information Needed]", &[]);
        assert_eq!(m.placeholders, 1);
        assert_eq!(m.real_words, 5);
        assert!(m.has_number);
    }

    #[test]
    fn todo_and_jinja_placeholders() {
        let f = PlaceholderFinder::new();
        let m = f.measure(
            "[TODO: provide examples of latent issues and potential remediations]",
            &[],
        );
        assert_eq!((m.real_words, m.placeholders), (0, 1));
        let m = f.measure("{{ model_description | default(\"\", true) }}", &[]);
        assert_eq!((m.real_words, m.placeholders), (0, 1));
        // Spanish "todo" and BibTeX braces are not placeholders.
        assert_eq!(f.measure("todo el modelo", &[]).placeholders, 0);
        assert_eq!(
            f.measure("title = {{TRL: Transformer Reinforcement Learning}}", &[])
                .placeholders,
            0
        );
        assert_eq!(f.measure("TODOS los datos", &[]).placeholders, 0);
    }

    #[test]
    fn template_boilerplate_is_not_content() {
        let f = PlaceholderFinder::new();
        let m = f.measure("Use the code below to get started with the model.", &[]);
        assert!(m.boilerplate);
        assert_eq!(m.real_words, 0);
        let m = f.measure(
            "Users (both direct and downstream) should be made aware of the risks, biases and \
             limitations of the model. More information needed for further recommendations.",
            &[],
        );
        assert_eq!(m.real_words, 0);
        assert!(m.boilerplate);
        // A label that introduces following content is not content itself.
        assert_eq!(f.measure("BibTeX:", &[(0, 7)]).real_words, 0);
    }

    #[test]
    fn placeholder_code_blocks() {
        let f = PlaceholderFinder::new();
        assert!(f.code_is_placeholder(
            "# TODO: add an example code snippet for running this diffusion pipeline\n"
        ));
        assert!(f.code_is_placeholder("\n  \n"));
        assert!(!f.code_is_placeholder("from transformers import pipeline\n# TODO: more\n"));
    }
}
