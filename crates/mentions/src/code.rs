//! Telling code from prose in Markdown posts, for `--skip-code`: fenced blocks (```` ``` ```` or
//! `~~~`) and inline code spans are blanked out with spaces, so byte offsets stay the same and a
//! name inside code is no longer a whole word of the text.

use std::borrow::Cow;

/// `text` with fenced code blocks and inline code spans replaced by spaces (line breaks kept).
/// An unclosed fence runs to the end of the text, as in CommonMark; an unclosed backtick is
/// literal.
pub fn blank_code(text: &str) -> Cow<'_, str> {
    if !text.contains(['`', '~']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    // The fence that opened the current block: its character and length.
    let mut fence: Option<(u8, usize)> = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        let run = |c: u8| trimmed.bytes().take_while(|b| *b == c).count();
        match fence {
            Some((c, len)) => {
                if indent < 4 && run(c) >= len && trimmed[run(c)..].trim().is_empty() {
                    fence = None;
                }
                blank_into(&mut out, line);
            }
            None => {
                let opening = [b'`', b'~']
                    .into_iter()
                    .map(|c| (c, run(c)))
                    .find(|(_, n)| *n >= 3)
                    .filter(|_| indent < 4);
                if let Some((c, n)) = opening {
                    fence = Some((c, n));
                    blank_into(&mut out, line);
                } else {
                    blank_spans_into(&mut out, line);
                }
            }
        }
    }
    Cow::Owned(out)
}

fn blank_into(out: &mut String, text: &str) {
    // As many spaces as bytes, so offsets after the code stay the same.
    for c in text.chars() {
        if c == '\n' {
            out.push('\n');
        } else {
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
        }
    }
}

/// Inline code spans: a run of N backticks up to the next run of exactly N backticks on the
/// same line.
fn blank_spans_into(out: &mut String, line: &str) {
    let bytes = line.as_bytes();
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            i += 1;
            continue;
        }
        let open = bytes[i..].iter().take_while(|b| **b == b'`').count();
        let mut j = i + open;
        let mut close = None;
        while j < bytes.len() {
            if bytes[j] == b'`' {
                let n = bytes[j..].iter().take_while(|b| **b == b'`').count();
                if n == open {
                    close = Some(j + n);
                    break;
                }
                j += n;
            } else {
                j += 1;
            }
        }
        match close {
            Some(end) => {
                out.push_str(&line[copied..i]);
                blank_into(out, &line[i..end]);
                copied = end;
                i = end;
            }
            None => i += open,
        }
    }
    out.push_str(&line[copied..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_and_spans_become_spaces_of_the_same_length() {
        let text = "use `bert-base` here\n```python\nmodel = T5Model()\n```\nthen opt ~~~\n";
        let blanked = blank_code(text);
        assert_eq!(blanked.len(), text.len());
        assert!(!blanked.contains("bert"));
        assert!(!blanked.contains("T5Model"));
        assert!(blanked.contains("use "));
        assert!(blanked.contains("then opt"));
        assert_eq!(blanked.matches('\n').count(), text.matches('\n').count());
    }

    #[test]
    fn an_unclosed_fence_runs_to_the_end_and_a_lone_backtick_is_literal() {
        assert_eq!(blank_code("a ` b").as_ref(), "a ` b");
        let b = blank_code("x\n~~~~\ngpt2\n~~~\nstill code\n");
        assert!(!b.contains("gpt2") && !b.contains("still"));
        let b = blank_code("``a ` b`` c");
        assert_eq!(b.as_ref(), "          c");
        let b = blank_code("é `ü` ok");
        assert_eq!(b.len(), "é `ü` ok".len());
        assert!(b.ends_with(" ok"));
    }
}
