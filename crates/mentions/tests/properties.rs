//! Properties over arbitrary text: counting never panics, blanking code keeps every byte offset,
//! a family table never panics the parser, and a mention is found however it is surrounded by
//! non-word characters.
#![allow(clippy::unwrap_used)]

use hubscope_mentions::{FamilyTable, Matcher, code::blank_code};
use proptest::prelude::*;

fn matcher() -> &'static Matcher {
    static MATCHER: std::sync::OnceLock<Matcher> = std::sync::OnceLock::new();
    MATCHER.get_or_init(|| Matcher::new(FamilyTable::builtin().families).unwrap())
}

proptest! {
    #[test]
    fn any_text_is_safe(text in "(?s).{0,400}") {
        let m = matcher();
        m.for_each_hit(&text, |hit| {
            assert!(hit.start < hit.end && hit.end <= text.len());
            assert!(text.is_char_boundary(hit.start) && text.is_char_boundary(hit.end));
        });
        let blanked = blank_code(&text);
        prop_assert_eq!(blanked.len(), text.len());
        prop_assert_eq!(blanked.matches('\n').count(), text.matches('\n').count());
        let _ = m.families_in(&blanked);
    }

    #[test]
    fn markdown_like_text_keeps_its_offsets(text in "[a-z `~\n]{0,300}") {
        let blanked = blank_code(&text);
        prop_assert_eq!(blanked.len(), text.len());
        for (a, b) in text.bytes().zip(blanked.bytes()) {
            prop_assert!(a == b || b == b' ');
        }
    }

    #[test]
    fn any_table_text_is_parsed_or_refused(text in "(?s).{0,300}") {
        for table in [format!("family,aliases,context\n{text}"), text.clone()] {
            match FamilyTable::parse(&table) {
                // A refusal names a line of the text and says why.
                Err(e) => {
                    prop_assert!(e.line >= 1 && e.line <= table.lines().count().max(1) as u64 + 1, "{e:?}");
                    prop_assert!(!e.message.is_empty());
                }
                // A table read has named, distinct families.
                Ok(t) => {
                    let mut names: Vec<&str> = t.families.iter().map(|f| f.name.as_str()).collect();
                    prop_assert!(names.iter().all(|n| !n.trim().is_empty()), "{names:?}");
                    let n = names.len();
                    names.sort_unstable();
                    names.dedup();
                    prop_assert_eq!(names.len(), n);
                }
            }
        }
    }

    #[test]
    fn a_model_id_is_found_between_any_separators(
        before in "[ \n(\"'/,;:]{1,3}",
        after in "[ \n)\"',;:!?]{1,3}",
    ) {
        let text = format!("x{before}xlm-roberta-large{after}y");
        let m = matcher();
        let found: Vec<&str> = m.families_in(&text).iter().map(|&f| m.families()[f].name.as_str()).collect();
        prop_assert_eq!(found, ["xlm-roberta"]);
    }
}
