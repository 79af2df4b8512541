//! Text from outside (paths, names, descriptions) made safe to print on a terminal: control
//! characters — escape sequences that could move the cursor, retitle the window or hide
//! output — are shown as `\u{…}` instead of being sent.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every control character written as `\u{XX}`.
pub fn clean(text: &str) -> Cow<'_, str> {
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
pub fn clean_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&clean(line));
    }
    Cow::Owned(out)
}

/// Prints a block of lines whose values come from outside to standard output, through
/// [`clean_lines`].
pub fn print_clean(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    std::io::stdout()
        .lock()
        .write_all(clean_lines(text).as_bytes())?;
    Ok(())
}

/// The first `max` characters of `text` (a sha or id from a dump may hold any character).
pub use hubscope_store::text::head_chars as head;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_their_breaks_and_lose_their_escapes() {
        assert_eq!(clean_lines("a\nb\n"), "a\nb\n");
        assert_eq!(clean_lines("a\u{1b}[1A\nb\r\n"), "a\\u{1b}[1A\nb\\u{d}\n");
    }

    #[test]
    fn head_never_cuts_a_character() {
        assert_eq!(head("0123456789abcdef", 12), "0123456789ab");
        assert_eq!(head("ééééééééééééé", 12), "éééééééééééé");
        assert_eq!(head("short", 12), "short");
    }

    #[test]
    fn control_characters_are_shown_not_sent() {
        assert_eq!(clean("hub/models.jsonl"), "hub/models.jsonl");
        assert_eq!(clean("a\u{1b}[2Jb\nc\u{9b}"), "a\\u{1b}[2Jb\\u{a}c\\u{9b}");
    }
}
