//! A tolerant scanner for the HTML that model cards embed (`<h1 align="center">`, `<img>`,
//! `<details>`, tables, badges). It is not an HTML parser: it finds what the card engine
//! measures — headings, text, images, links, tables, preformatted code — and skips comments,
//! scripts and styles. Nothing here renders or sanitises HTML; it only reads it.

/// One thing found in a piece of HTML, in document order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// Text between tags (entities already removed).
    Text(&'a str),
    /// A block-level boundary (`<p>`, `<div>`, `<br>`, `<li>`, …): text on each side is a
    /// separate block.
    Break,
    /// `<hN>` opens at this byte offset of the scanned HTML.
    HeadingStart {
        level: u8,
        offset: usize,
    },
    /// `</hN>` closes the open heading.
    HeadingEnd,
    Image,
    Link,
    Table,
    /// A `<pre>` element: preformatted code, with its inner text.
    Code(&'a str),
}

/// Elements whose content is not prose.
const SKIPPED: &[&str] = &["script", "style", "template", "svg", "math"];

/// Elements that separate blocks of text.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "tr",
    "td",
    "th",
    "table",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "details",
    "summary",
    "hr",
    "center",
    "dl",
    "dt",
    "dd",
];

/// Scans `html`, calling `emit` for each piece in order.
pub(crate) fn scan<'a>(html: &'a str, mut emit: impl FnMut(Piece<'a>)) {
    let bytes = html.as_bytes();
    let mut at = 0;
    let mut open_heading = false;
    while at < bytes.len() {
        let Some(lt) = memchr::memchr(b'<', &bytes[at..]).map(|p| at + p) else {
            emit_text(&html[at..], &mut emit);
            return;
        };
        if lt > at {
            emit_text(&html[at..lt], &mut emit);
        }
        let rest = &html[lt..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            at = comment.find("-->").map_or(bytes.len(), |p| lt + 4 + p + 3);
            continue;
        }
        let Some(tag) = Tag::parse(rest) else {
            // A lone '<' ("a < b") is text.
            emit_text(&html[lt..lt + 1], &mut emit);
            at = lt + 1;
            continue;
        };
        at = lt + tag.len;
        let name = tag.name.as_str();
        if let Some(level) = heading_level(name) {
            if tag.closing {
                if open_heading {
                    emit(Piece::HeadingEnd);
                    open_heading = false;
                }
            } else {
                if open_heading {
                    emit(Piece::HeadingEnd);
                }
                emit(Piece::HeadingStart { level, offset: lt });
                open_heading = true;
            }
            continue;
        }
        if tag.closing {
            if BLOCKS.contains(&name) {
                emit(Piece::Break);
            }
            continue;
        }
        match name {
            "img" | "picture" | "video" => emit(Piece::Image),
            "a" if tag.has_href => emit(Piece::Link),
            "table" => emit(Piece::Table),
            _ => {}
        }
        if BLOCKS.contains(&name) {
            emit(Piece::Break);
        }
        if name == "pre" || SKIPPED.contains(&name) {
            let close = format!("</{name}");
            let end = find_ignore_ascii_case(&html[at..], &close).map_or(bytes.len(), |p| at + p);
            if name == "pre" {
                emit(Piece::Code(&html[at..end]));
            }
            at = html[end..].find('>').map_or(bytes.len(), |p| end + p + 1);
        }
    }
    if open_heading {
        emit(Piece::HeadingEnd);
    }
}

fn heading_level(name: &str) -> Option<u8> {
    match name {
        "h1" => Some(1),
        "h2" => Some(2),
        "h3" => Some(3),
        "h4" => Some(4),
        "h5" => Some(5),
        "h6" => Some(6),
        _ => None,
    }
}

/// Emits text with character references (`&amp;`, `&#39;`) replaced by a break in the text.
fn emit_text<'a>(text: &'a str, emit: &mut impl FnMut(Piece<'a>)) {
    let mut start = 0;
    let bytes = text.as_bytes();
    while let Some(amp) = memchr::memchr(b'&', &bytes[start..]).map(|p| start + p) {
        let end = bytes[amp + 1..]
            .iter()
            .take(32)
            .position(|b| *b == b';')
            .map(|p| amp + 1 + p);
        let is_entity = end.is_some_and(|end| {
            end > amp + 1
                && bytes[amp + 1..end]
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'#')
        });
        match (is_entity, end) {
            (true, Some(end)) => {
                if amp > start {
                    emit(Piece::Text(&text[start..amp]));
                }
                emit(Piece::Text(" "));
                start = end + 1;
            }
            _ => {
                emit(Piece::Text(&text[start..amp + 1]));
                start = amp + 1;
            }
        }
    }
    if start < text.len() {
        emit(Piece::Text(&text[start..]));
    }
}

fn find_ignore_ascii_case(haystack: &str, needle: &str) -> Option<usize> {
    let h = haystack.as_bytes();
    let n = needle.as_bytes();
    if n.is_empty() || h.len() < n.len() {
        return None;
    }
    let first = n[0];
    let mut from = 0;
    while let Some(p) = memchr::memchr2(
        first.to_ascii_lowercase(),
        first.to_ascii_uppercase(),
        &h[from..],
    ) {
        let i = from + p;
        if i + n.len() > h.len() {
            return None;
        }
        if h[i..i + n.len()].eq_ignore_ascii_case(n) {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

/// A parsed start or end tag.
struct Tag {
    name: String,
    closing: bool,
    has_href: bool,
    /// Bytes from `<` to just after `>`.
    len: usize,
}

impl Tag {
    /// Parses the tag at the start of `s` (which begins with `<`). `None` when this `<` does not
    /// open a tag.
    fn parse(s: &str) -> Option<Tag> {
        let bytes = s.as_bytes();
        let mut i = 1;
        let closing = bytes.get(i) == Some(&b'/');
        if closing {
            i += 1;
        }
        if bytes.get(i) == Some(&b'!') || bytes.get(i) == Some(&b'?') {
            // <!DOCTYPE …>, <![CDATA[…]]>, <?xml …?>: skip to '>'.
            let end = memchr::memchr(b'>', &bytes[i..])?;
            return Some(Tag {
                name: String::new(),
                closing: true,
                has_href: false,
                len: i + end + 1,
            });
        }
        let name_start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-') {
            i += 1;
        }
        if i == name_start || !bytes[name_start].is_ascii_alphabetic() {
            return None;
        }
        let name = s[name_start..i].to_ascii_lowercase();
        // Attributes, honouring quotes (an attribute value may contain '>').
        let attrs_start = i;
        let mut quote: Option<u8> = None;
        while i < bytes.len() {
            let b = bytes[i];
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'"' || b == b'\'' => quote = Some(b),
                None if b == b'>' => break,
                None if b == b'<' => return None,
                None => {}
            }
            i += 1;
        }
        if i >= bytes.len() {
            return None;
        }
        let attrs = &s[attrs_start..i];
        let has_href = find_ignore_ascii_case(attrs, "href").is_some();
        Some(Tag {
            name,
            closing,
            has_href,
            len: i + 1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(html: &str) -> Vec<Piece<'_>> {
        let mut out = Vec::new();
        scan(html, |p| out.push(p));
        out
    }

    fn text(html: &str) -> String {
        pieces(html)
            .into_iter()
            .filter_map(|p| match p {
                Piece::Text(t) => Some(t),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn headings_are_found_with_their_text() {
        let p = pieces("<h2 align=\"center\">Model <b>Details</b></h2>\n<p>Text</p>");
        assert_eq!(
            p[0],
            Piece::HeadingStart {
                level: 2,
                offset: 0
            }
        );
        assert!(p.contains(&Piece::HeadingEnd));
        assert_eq!(
            text("<h2 align=\"center\">Model <b>Details</b></h2>"),
            "Model Details"
        );
    }

    #[test]
    fn comments_scripts_and_styles_are_not_text() {
        assert_eq!(
            text("a<!-- hidden -->b<script>x()</script>c<style>p{}</style>d"),
            "abcd"
        );
        assert_eq!(text("<!-- never closed"), "");
    }

    #[test]
    fn images_links_tables_and_code() {
        let p = pieces(
            "<a href=\"x\"><img src=\"y\" alt=\"a > b\"></a><table><tr><td>1</td></tr></table><pre>code()</pre>",
        );
        assert_eq!(p.iter().filter(|p| **p == Piece::Image).count(), 1);
        assert_eq!(p.iter().filter(|p| **p == Piece::Link).count(), 1);
        assert_eq!(p.iter().filter(|p| **p == Piece::Table).count(), 1);
        assert!(p.contains(&Piece::Code("code()")));
    }

    #[test]
    fn entities_and_stray_brackets() {
        assert_eq!(text("Q&amp;A &#39;x&#39; a < b & c"), "Q A  x  a < b & c");
        assert_eq!(text("<unclosed"), "<unclosed");
        assert_eq!(text("<3 love"), "<3 love");
    }

    #[test]
    fn never_panics_on_truncated_markup() {
        for s in [
            "<",
            "</",
            "<a",
            "<a href='",
            "<pre>",
            "<h1>",
            "&",
            "&#",
            "<!",
            "<!-",
            "é<é>é",
        ] {
            let _ = pieces(s);
        }
    }
}
