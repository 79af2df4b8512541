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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_sent() {
        assert_eq!(clean("hub/models.jsonl"), "hub/models.jsonl");
        assert_eq!(clean("a\u{1b}[2Jb\nc\u{9b}"), "a\\u{1b}[2Jb\\u{a}c\\u{9b}");
    }
}
