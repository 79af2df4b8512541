//! The one place outside text is shortened: by characters for display, by bytes for storage
//! bounds. Never a cut through a character, as a byte slice at an arbitrary index would be.
//!
//! And the escape for the terminal sink: control characters (escape sequences that could move
//! the cursor, retitle the window or hide output) are shown as `\u{…}` instead of being sent.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every control character written as `\u{XX}`.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A block of lines: every control character but the line breaks written as `\u{XX}`.
pub fn escape_control_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&escape_controls(line));
    }
    Cow::Owned(out)
}

/// The first `max` characters of `text`.
pub fn head_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

/// `text` in at most `width` characters: cut ones end in `…`.
pub fn ellipsis(text: &str, width: usize) -> String {
    if text.chars().nth(width).is_none() {
        return text.to_string();
    }
    match width {
        0 => String::new(),
        w => format!("{}…", head_chars(text, w - 1)),
    }
}

/// The longest start of `text` of at most `max` bytes that ends on a character boundary.
pub fn head_bytes(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A text cell that no spreadsheet will run as a formula: text from outside that starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return (and is not a number) gets a leading `'`, the
/// mark spreadsheets read as "this is text".
pub fn spreadsheet_safe(text: &str) -> String {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && text.trim().parse::<f64>().is_err() {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_their_breaks_and_lose_their_escapes() {
        assert_eq!(escape_control_lines("a\nb\n"), "a\nb\n");
        assert_eq!(
            escape_control_lines("a\u{1b}[1A\nb\r\n"),
            "a\\u{1b}[1A\nb\\u{d}\n"
        );
    }

    #[test]
    fn control_characters_are_shown_not_sent() {
        assert_eq!(escape_controls("hub/models.jsonl"), "hub/models.jsonl");
        assert_eq!(
            escape_controls("a\u{1b}[2Jb\nc\u{9b}"),
            "a\\u{1b}[2Jb\\u{a}c\\u{9b}"
        );
    }

    #[test]
    fn cuts_fall_between_characters() {
        assert_eq!(head_chars("ééé", 2), "éé");
        assert_eq!(head_chars("ab", 5), "ab");
        assert_eq!(ellipsis("abcdef", 4), "abc…");
        assert_eq!(ellipsis("abcd", 4), "abcd");
        assert_eq!(ellipsis("ééééé", 3), "éé…");
        assert_eq!(ellipsis("abc", 0), "");
        assert_eq!(ellipsis("", 0), "");
        assert_eq!(head_bytes("aé", 2), "a");
        assert_eq!(head_bytes("aé", 3), "aé");
        assert_eq!(head_bytes("日本", 4), "日");
    }

    proptest::proptest! {
        #[test]
        fn every_cut_is_a_prefix_within_its_bound(text in ".{0,40}", n in 0usize..50) {
            let h = head_chars(&text, n);
            proptest::prop_assert!(text.starts_with(h) && h.chars().count() <= n);
            let e = ellipsis(&text, n);
            proptest::prop_assert!(e.chars().count() <= n);
            proptest::prop_assert!(e == text || e.ends_with('…') || n == 0);
            let b = head_bytes(&text, n);
            proptest::prop_assert!(text.starts_with(b) && b.len() <= n);
            proptest::prop_assert!(b.len() + 4 > n || b.len() == text.len());
        }
    }
}
