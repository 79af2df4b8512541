//! Bad and hostile input: every case gives an analysis or a clear error, never a panic, in time
//! linear in its size.
#![allow(clippy::unwrap_used)]

use hubscope_card::{CardAnalyzer, CardError, Limits, ModelCard};
use proptest::prelude::*;

fn analyze(text: &str) -> ModelCard {
    CardAnalyzer::new().analyze(text).unwrap()
}

fn unlimited() -> CardAnalyzer {
    CardAnalyzer::with_limits(Limits {
        max_card_bytes: usize::MAX,
        ..Limits::default()
    })
}

/// Invariants every analysis satisfies, whatever the input.
fn check_invariants(card: &ModelCard) {
    assert!(card.score.total <= 100);
    let sum: u32 = card
        .score
        .criteria
        .iter()
        .map(|c| u32::from(c.points))
        .sum();
    assert_eq!(sum, u32::from(card.score.total));
    assert!(card.score.criteria.iter().all(|c| c.points <= c.max));
    assert!(card.signals.real_words <= card.signals.words);
    for (_, coverage) in card.sections.iter() {
        assert!(!coverage.filled || coverage.present);
    }
    let mut headings = 0u32;
    let mut stack: Vec<_> = card.outline.iter().collect();
    while let Some(node) = stack.pop() {
        headings += 1;
        assert!((1..=6).contains(&node.level));
        for child in &node.children {
            assert!(child.level > node.level);
        }
        stack.extend(node.children.iter());
    }
    // Headings past the cap are counted, not kept in the outline.
    assert_eq!(
        headings + card.signals.headings_not_analysed,
        card.signals.headings
    );
    assert!(headings as usize <= hubscope_card::MAX_HEADINGS);
    // Parsed and in error are exclusive; absent front matter has neither.
    assert!(!(card.front_matter.parsed && card.front_matter.error.is_some()));
    assert!(card.front_matter.present || !card.front_matter.parsed);
}

#[test]
fn non_utf8_bytes_are_an_error_naming_the_offset() {
    let mut bytes = b"---\nlicense: mit\n---\n# Title\n".to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe, b'x']);
    let err = CardAnalyzer::new().analyze_bytes(&bytes).unwrap_err();
    assert_eq!(err, CardError::NotUtf8 { offset: 29 });
    assert_eq!(err.to_string(), "not UTF-8: invalid byte at offset 29");
}

#[test]
fn a_50_mb_single_line_is_refused_by_default_and_linear_when_allowed() {
    let line = "word ".repeat(10_000_000);
    let err = CardAnalyzer::new().analyze(&line).unwrap_err();
    assert_eq!(
        err,
        CardError::TooLarge {
            bytes: 50_000_000,
            limit: Limits::default().max_card_bytes
        }
    );
    let card = unlimited().analyze(&line).unwrap();
    assert_eq!(card.signals.words, 10_000_000);
    assert_eq!(card.lines, 1);
    check_invariants(&card);
}

#[test]
fn a_50_mb_front_matter_line_is_not_parsed_but_the_card_is() {
    let text = format!(
        "---\nkey: {}\n---\n# Title\n\nSome words.\n",
        "x".repeat(50_000_000)
    );
    let card = unlimited().analyze(&text).unwrap();
    assert!(card.front_matter.present && !card.front_matter.parsed);
    assert!(
        card.front_matter
            .error
            .unwrap()
            .message
            .contains("over the")
    );
    assert_eq!(card.signals.real_words, 2);
}

#[test]
fn ten_thousand_nested_headings() {
    let mut text = String::new();
    for i in 0..10_000 {
        text.push_str(&"#".repeat(i % 6 + 1));
        text.push_str(&format!(" Heading {i}\n\ntext\n\n"));
    }
    let card = analyze(&text);
    assert_eq!(card.signals.headings, 10_000);
    assert_eq!(
        card.signals.headings_not_analysed,
        10_000 - hubscope_card::MAX_HEADINGS as u32
    );
    check_invariants(&card);
    // Headings inside 10,000 nested block quotes.
    let card = analyze(&format!("{} # Deep heading\n", ">".repeat(10_000)));
    assert_eq!(card.signals.headings, 1);
    check_invariants(&card);
}

#[test]
fn ten_thousand_nested_lists_and_quotes() {
    // Indented 10,000 levels deep, this is 100 MB: over the default card limit, so allowed here.
    let lists: String = (0..10_000)
        .map(|i| format!("{}- item {i}\n", "  ".repeat(i)))
        .collect();
    check_invariants(&unlimited().analyze(&lists).unwrap());
    let quotes: String = (0..10_000)
        .map(|i| format!("{} line\n", ">".repeat(i)))
        .collect();
    check_invariants(&unlimited().analyze(&quotes).unwrap());
    check_invariants(&analyze(&format!("{}x", "- ".repeat(10_000))));
    check_invariants(&analyze(&format!("{}x", "1. ".repeat(10_000))));
}

#[test]
fn pathological_inline_markup() {
    check_invariants(&analyze(&format!(
        "{}x{}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    )));
    check_invariants(&analyze(&format!(
        "{}x{}",
        "*".repeat(100_000),
        "*".repeat(100_000)
    )));
    check_invariants(&analyze(&"`".repeat(100_000)));
    check_invariants(&analyze(&"<div>".repeat(100_000)));
    check_invariants(&analyze(&"<!--".repeat(100_000)));
    check_invariants(&analyze(&"<h1>".repeat(100_000)));
    check_invariants(&analyze(&"{{ a }}".repeat(100_000)));
    check_invariants(&analyze(&"[More Information Needed]".repeat(100_000)));
}

#[test]
fn yaml_alias_bomb_is_a_front_matter_error() {
    let mut yaml = String::from(
        "---\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..10u8 {
        let (p, c) = ((b'a' + i - 1) as char, (b'a' + i) as char);
        yaml.push_str(&format!(
            "{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
        ));
    }
    yaml.push_str("---\n# Still analysed\n\nSome text.\n");
    let card = analyze(&yaml);
    assert!(!card.front_matter.parsed);
    assert!(
        card.front_matter
            .error
            .as_ref()
            .unwrap()
            .message
            .contains("safety budget")
    );
    assert_eq!(card.title.as_deref(), Some("Still analysed"));
    check_invariants(&card);
}

#[test]
fn deeply_nested_yaml_is_a_front_matter_error() {
    let flow = format!(
        "---\na: {}{}\n---\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(!analyze(&flow).front_matter.parsed);
    let mut block = String::from("---\n");
    for i in 0..10_000 {
        block.push_str(&" ".repeat(i));
        block.push_str("k:\n");
    }
    block.push_str("---\n");
    assert!(!unlimited().analyze(&block).unwrap().front_matter.parsed);
    let seq = format!("---\n{}x\n---\n", "- ".repeat(10_000));
    assert!(!analyze(&seq).front_matter.parsed);
}

#[test]
fn front_matter_shapes_that_are_not_mappings() {
    for (text, message) in [
        (
            "---\n[]\n---\n",
            "front matter is a list, not a mapping of keys to values",
        ),
        (
            "---\njust text\n---\n",
            "front matter is a string, not a mapping of keys to values; read as Markdown \
             between two `---` rules",
        ),
        (
            "---\n42\n---\n",
            "front matter is a number, not a mapping of keys to values",
        ),
    ] {
        let card = analyze(text);
        assert!(card.front_matter.present && !card.front_matter.parsed);
        assert_eq!(card.front_matter.error.unwrap().message, message);
    }
}

#[test]
fn bom_and_leading_blank_lines() {
    let card = analyze("\u{feff}\n\n---\nlicense: apache-2.0\n---\n# T\n");
    assert!(card.front_matter.parsed);
    assert_eq!(card.front_matter.lines, Some((3, 5)));
    assert_eq!(
        card.metadata.license.unwrap().spdx.as_deref(),
        Some("Apache-2.0")
    );
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("---\n".to_string()),
        Just("license: mit\n".to_string()),
        Just("model-index:\n- name: x\n  results:\n  - dataset: {name: d}\n    metrics: [{type: acc, value: 1}]\n".to_string()),
        Just("# Title\n".to_string()),
        Just("## Intended uses & limitations\n".to_string()),
        Just("### How to use\n".to_string()),
        Just("Setext\n---\n".to_string()),
        Just("<h2>HTML heading</h2>\n".to_string()),
        Just("```python\nprint(1)\n```\n".to_string()),
        Just("```\n".to_string()),
        Just("[More Information Needed]\n".to_string()),
        Just("- **Developed by:** [More Information Needed]\n".to_string()),
        Just("| a | b |\n|---|---|\n| 1 | 2 |\n".to_string()),
        Just("![img](x.png) [link](y)\n".to_string()),
        Just("<!-- comment\n".to_string()),
        Just("&amp; <div><p>text</p>".to_string()),
        Just("> quote\n".to_string()),
        Just("    indented code\n".to_string()),
        Just("\r\n".to_string()),
        Just("{{ var }}".to_string()),
        Just("TODO: later\n".to_string()),
        Just("a: &a [*a]\n".to_string()),
        "\\PC{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        check_invariants(&analyze(&text));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        match CardAnalyzer::new().analyze_bytes(&bytes) {
            Ok(card) => check_invariants(&card),
            // Only text that is not UTF-8 is refused (400 bytes are far under the size limit).
            Err(e) => prop_assert!(std::str::from_utf8(&bytes).is_err(), "{e}"),
        }
    }

    #[test]
    fn card_shaped_text_never_panics(parts in proptest::collection::vec(fragment(), 0..40)) {
        check_invariants(&analyze(&parts.concat()));
    }
}

#[test]
fn prose_between_two_rules_is_read_as_markdown() {
    let card = analyze("---\n\nSome intro paragraph here.\n\n---\n\n## Usage\n\nRun it now.\n");
    assert!(card.front_matter.present && !card.front_matter.parsed);
    let err = card.front_matter.error.as_ref().unwrap();
    assert!(
        err.message
            .ends_with("read as Markdown between two `---` rules"),
        "{}",
        err.message
    );
    assert_eq!(err.line, Some(2));
    // The paragraph is part of the body, and so is the section after it.
    assert_eq!(card.signals.real_words, 4 + 3);
    assert_eq!(card.outline[0].line, 7);
    assert!(
        card.sections
            .get(hubscope_card::CanonicalSection::HowToGetStarted)
            .filled
    );
    // A list between rules stays a metadata error: it is YAML, just not a mapping.
    let card = analyze("---\n- a\n- b\n---\n# T\n");
    assert_eq!(card.signals.real_words, 0);
}

#[test]
fn a_long_card_is_parsed_in_pieces_with_the_same_measures() {
    // Over a MiB of sections and prose: parsed in pieces, measured as one.
    let block =
        "## Uses\n\nSome words about the use of this model.\n\n- a list item\n\n> a quote\n\n";
    let text = block.repeat((3 << 20) / block.len());
    let card = analyze(&text);
    check_invariants(&card);
    let pieces = text.len() / block.len();
    assert_eq!(card.signals.headings as usize, pieces);
    // Every piece's words are counted: "Some words … model." is 8, the item 3, the quote 2.
    assert_eq!(card.signals.words as usize, pieces * 13);
    assert!(
        card.sections
            .get(hubscope_card::CanonicalSection::Uses)
            .filled
    );
}
