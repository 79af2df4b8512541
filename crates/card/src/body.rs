//! One pass over the Markdown body: headings (ATX, setext and HTML `<hN>`) and, for the stretch
//! of the card under each heading, what it contains — the author's words, placeholders, code
//! blocks, tables, images and links.
//!
//! Headings inside code fences are code, not headings (pulldown-cmark knows). The walk keeps no
//! recursion and no per-nesting-level state beyond small stacks, so 10,000 nested lists or
//! block quotes cost what their text costs.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use serde::Serialize;

use crate::html::{self, Piece};
use crate::prose::{BlockMeasure, PlaceholderFinder};
use crate::section::{SectionSet, classify_heading};

/// How a heading was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HeadingKind {
    /// `## Title`
    Atx,
    /// `Title` underlined with `===` or `---`
    Setext,
    /// `<h2>Title</h2>`
    Html,
}

/// A heading of the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Heading {
    pub level: u8,
    pub title: String,
    pub line: u64,
    pub kind: HeadingKind,
    /// The canonical sections this heading's own title maps to.
    pub sections: SectionSet,
}

/// What the card contains between one heading and the next.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Content {
    pub words: u32,
    pub real_words: u32,
    pub placeholders: u32,
    pub boilerplate_blocks: u32,
    /// Code blocks with real code (not empty, not only a `# TODO` placeholder).
    pub code_blocks: u32,
    pub tables: u32,
    pub images: u32,
    pub links: u32,
    pub has_number: bool,
}

impl Content {
    fn add_block(&mut self, m: BlockMeasure) {
        self.words = self.words.saturating_add(m.words);
        self.real_words = self.real_words.saturating_add(m.real_words);
        self.placeholders = self.placeholders.saturating_add(m.placeholders);
        self.boilerplate_blocks += u32::from(m.boilerplate);
        self.has_number |= m.has_number;
    }

    /// Whether this stretch holds anything the author wrote.
    pub fn has_content(&self) -> bool {
        self.real_words > 0 || self.code_blocks > 0 || self.tables > 0 || self.images > 0
    }

    pub fn merge(&mut self, other: &Content) {
        self.words = self.words.saturating_add(other.words);
        self.real_words = self.real_words.saturating_add(other.real_words);
        self.placeholders = self.placeholders.saturating_add(other.placeholders);
        self.boilerplate_blocks = self
            .boilerplate_blocks
            .saturating_add(other.boilerplate_blocks);
        self.code_blocks = self.code_blocks.saturating_add(other.code_blocks);
        self.tables = self.tables.saturating_add(other.tables);
        self.images = self.images.saturating_add(other.images);
        self.links = self.links.saturating_add(other.links);
        self.has_number |= other.has_number;
    }
}

/// The headings of a card that are kept and analysed: real cards have tens, the longest of
/// the 1,820 real ones a few hundred. Later ones are counted ([`Body::headings_over_limit`]).
pub const MAX_HEADINGS: usize = 2_000;

/// The walked body: `contents[0]` is what comes before the first heading, `contents[i + 1]` what
/// follows `headings[i]`.
#[derive(Debug, Default)]
pub(crate) struct Body {
    pub headings: Vec<Heading>,
    /// Headings past [`MAX_HEADINGS`], counted but not kept.
    pub headings_over_limit: u32,
    pub contents: Vec<Content>,
    /// Code blocks that are only placeholders.
    pub placeholder_code_blocks: u32,
    pub html_blocks: u32,
}

/// Walks `body`, whose first line is line `first_line` of the README.
pub(crate) fn walk(body: &str, first_line: u64, finder: &PlaceholderFinder) -> Body {
    let mut w = Walker {
        finder,
        lines: LineCounter::new(body, first_line),
        out: Body {
            contents: vec![Content::default()],
            ..Body::default()
        },
        block: String::new(),
        labels: Vec::new(),
        strong: Vec::new(),
        heading: None,
        code: None,
        html: None,
        image_depth: 0,
    };
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    // The parser holds a tree of a whole document's blocks (about 100 bytes for each): a long
    // body is parsed in pieces of about CHUNK_BYTES, cut where a new block starts anyway, so
    // its memory is bounded by the piece, not the card.
    for (start, end) in chunks(body, CHUNK_BYTES) {
        let piece = &body[start..end];
        for (event, range) in Parser::new_ext(piece, options).into_offset_iter() {
            w.event(event, start + range.start, body);
        }
    }
    w.flush_block();
    if let Some(open) = w.heading.take() {
        w.push_heading(open);
    }
    w.out
}

/// The size a body is parsed in (see [`walk`]). Real cards are far smaller, and are parsed
/// whole.
pub const CHUNK_BYTES: usize = 1 << 20;

/// Cuts `body` into pieces of at least `size` bytes (the last may be shorter), each ending
/// where a line begins in the first column, never inside a fenced code block (whose lines the
/// parser holds cheaply). Markdown that spans such a cut (a reference link defined in another
/// piece, an HTML comment left open, a table's rows) is read per piece; only bodies over
/// `size` are cut, and no real card is that long.
fn chunks(body: &str, size: usize) -> Vec<(usize, usize)> {
    if body.len() <= size {
        return vec![(0, body.len())];
    }
    let mut out = Vec::new();
    let (mut start, mut offset) = (0usize, 0usize);
    let mut fence: Option<(u8, usize)> = None;
    for line in body.split_inclusive('\n') {
        let bytes = line.as_bytes();
        // A line in the first column starts a block or continues one (a paragraph's next
        // line, a list's next item, a quote's or table's next row): cut there, one block
        // becomes two of the same kind and the words are the same. Not a setext underline,
        // which belongs to the line above; and past four pieces' worth, anywhere.
        let first_column =
            bytes.first().is_some_and(|b| !b.is_ascii_whitespace()) && !is_setext_underline(line);
        let at_boundary = fence.is_none()
            && ((offset - start >= size && first_column) || offset - start >= 4 * size);
        if at_boundary {
            out.push((start, offset));
            start = offset;
        }
        // Fences: up to three spaces, then three or more ` or ~.
        let trimmed = line.trim_start_matches(' ');
        if line.len() - trimmed.len() <= 3 {
            let t = trimmed.as_bytes();
            if let Some(&c) = t.first().filter(|c| **c == b'`' || **c == b'~') {
                let run = t.iter().take_while(|b| **b == c).count();
                if run >= 3 {
                    fence = match fence {
                        None => Some((c, run)),
                        Some((open, n))
                            if open == c && run >= n && trimmed[run..].trim().is_empty() =>
                        {
                            None
                        }
                        still => still,
                    };
                }
            }
        }
        offset += line.len();
    }
    out.push((start, body.len()));
    out
}

/// `===` or `---` (with spaces), which make the line above a heading.
fn is_setext_underline(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && (t.bytes().all(|b| b == b'=') || t.bytes().all(|b| b == b'-' || b == b' '))
}

struct OpenHeading {
    level: u8,
    title: String,
    line: u64,
    kind: HeadingKind,
}

struct Walker<'f, 'b> {
    finder: &'f PlaceholderFinder,
    lines: LineCounter<'b>,
    out: Body,
    /// Text of the leaf block being read (paragraph, list item, table cell …).
    block: String,
    /// Byte ranges of bold text in `block` (candidate labels like "**License:**").
    labels: Vec<(usize, usize)>,
    /// Open `**strong**` spans: start offset in `block`, or `None` inside a heading.
    strong: Vec<Option<usize>>,
    heading: Option<OpenHeading>,
    code: Option<String>,
    /// An HTML block being collected, with the README line it starts on.
    html: Option<(String, u64)>,
    image_depth: u32,
}

impl Walker<'_, '_> {
    fn current(&mut self) -> &mut Content {
        // `contents` starts with one element and only grows.
        let last = self.out.contents.len() - 1;
        &mut self.out.contents[last]
    }

    fn event(&mut self, event: Event<'_>, offset: usize, body: &str) {
        match event {
            Event::Start(tag) => self.start(tag, offset, body),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => self.text(&text),
            Event::Code(code) => {
                if let Some(h) = &mut self.heading {
                    h.title.push_str(&code);
                } else {
                    // Inline code is not prose, but it separates the words around it.
                    self.block.push(' ');
                }
            }
            Event::Html(html) => match &mut self.html {
                Some((buffer, _)) => buffer.push_str(&html),
                None => self.inline_html(&html),
            },
            Event::InlineHtml(html) => self.inline_html(&html),
            Event::SoftBreak | Event::HardBreak => self.text(" "),
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>, offset: usize, body: &str) {
        match tag {
            Tag::Heading { level, .. } => {
                self.flush_block();
                let kind = if body.as_bytes().get(offset) == Some(&b'#') {
                    HeadingKind::Atx
                } else {
                    HeadingKind::Setext
                };
                self.heading = Some(OpenHeading {
                    level: level as u8,
                    title: String::new(),
                    line: self.lines.line_at(offset),
                    kind,
                });
            }
            Tag::CodeBlock(_) => {
                self.flush_block();
                self.code = Some(String::new());
            }
            Tag::HtmlBlock => {
                self.flush_block();
                self.html = Some((String::new(), self.lines.line_at(offset)));
            }
            Tag::Table(_) => {
                self.flush_block();
                self.current().tables += 1;
            }
            Tag::Strong => {
                let start = if self.heading.is_some() {
                    None
                } else {
                    Some(self.block.len())
                };
                self.strong.push(start);
            }
            Tag::Link { .. } => self.current().links += 1,
            Tag::Image { .. } => {
                self.current().images += 1;
                self.image_depth += 1;
            }
            Tag::Paragraph
            | Tag::Item
            | Tag::List(_)
            | Tag::BlockQuote(_)
            | Tag::TableHead
            | Tag::TableRow
            | Tag::TableCell
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition => self.flush_block(),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(_) => {
                if let Some(open) = self.heading.take() {
                    self.push_heading(open);
                }
            }
            TagEnd::CodeBlock => {
                if let Some(code) = self.code.take() {
                    if self.finder.code_is_placeholder(&code) {
                        self.out.placeholder_code_blocks += 1;
                        let spans = code.lines().filter(|l| !l.trim().is_empty()).count() as u32;
                        let content = self.current();
                        content.placeholders = content.placeholders.saturating_add(spans);
                    } else {
                        self.current().code_blocks += 1;
                    }
                }
            }
            TagEnd::HtmlBlock => {
                if let Some((html, line)) = self.html.take() {
                    self.out.html_blocks += 1;
                    self.html_block(&html, line);
                }
            }
            TagEnd::Strong => {
                if let Some(Some(start)) = self.strong.pop() {
                    self.labels.push((start, self.block.len()));
                }
            }
            TagEnd::Image => self.image_depth = self.image_depth.saturating_sub(1),
            TagEnd::Paragraph
            | TagEnd::Item
            | TagEnd::List(_)
            | TagEnd::BlockQuote(_)
            | TagEnd::Table
            | TagEnd::TableHead
            | TagEnd::TableRow
            | TagEnd::TableCell
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition => self.flush_block(),
            _ => {}
        }
    }

    fn text(&mut self, text: &str) {
        if let Some(code) = &mut self.code {
            code.push_str(text);
        } else if self.image_depth > 0 {
            // Alt text describes an image; it is not prose.
        } else if let Some(h) = &mut self.heading {
            h.title.push_str(text);
        } else {
            self.block.push_str(text);
        }
    }

    fn inline_html(&mut self, html: &str) {
        html::scan(html, |piece| match piece {
            Piece::Image => self.current().images += 1,
            Piece::Link => self.current().links += 1,
            // Text between inline tags arrives as separate Text events.
            _ => {}
        });
    }

    fn html_block(&mut self, html: &str, first_line: u64) {
        let mut heading_text: Option<(u8, u64, String)> = None;
        html::scan(html, |piece| match piece {
            Piece::Text(text) => match &mut heading_text {
                Some((_, _, title)) => title.push_str(text),
                None => self.block.push_str(text),
            },
            Piece::Break => {
                if let Some((_, _, title)) = &mut heading_text {
                    title.push(' ');
                } else {
                    self.flush_block();
                }
            }
            Piece::HeadingStart { level, offset } => {
                self.flush_block();
                let line = first_line
                    + memchr::memchr_iter(b'\n', &html.as_bytes()[..offset]).count() as u64;
                heading_text = Some((level, line, String::new()));
            }
            Piece::HeadingEnd => {
                if let Some((level, line, title)) = heading_text.take() {
                    self.push_heading(OpenHeading {
                        level,
                        title,
                        line,
                        kind: HeadingKind::Html,
                    });
                }
            }
            Piece::Image => self.current().images += 1,
            Piece::Link => self.current().links += 1,
            Piece::Table => self.current().tables += 1,
            Piece::Code(code) => {
                self.flush_block();
                if self.finder.code_is_placeholder(code) {
                    self.out.placeholder_code_blocks += 1;
                } else {
                    self.current().code_blocks += 1;
                }
            }
        });
        if let Some((level, line, title)) = heading_text {
            self.push_heading(OpenHeading {
                level,
                title,
                line,
                kind: HeadingKind::Html,
            });
        }
        self.flush_block();
    }

    fn push_heading(&mut self, open: OpenHeading) {
        // Past the cap a heading is counted, not kept: what follows it belongs to the last
        // heading kept, so a card of millions of `## H` lines costs what its text costs.
        if self.out.headings.len() >= MAX_HEADINGS {
            self.out.headings_over_limit = self.out.headings_over_limit.saturating_add(1);
            return;
        }
        let title = collapse_whitespace(&open.title);
        let sections = classify_heading(&title);
        self.out.headings.push(Heading {
            level: open.level.clamp(1, 6),
            title,
            line: open.line,
            kind: open.kind,
            sections,
        });
        self.out.contents.push(Content::default());
    }

    /// Measures the leaf block read so far and adds it to the current stretch.
    fn flush_block(&mut self) {
        if !self.block.trim().is_empty() {
            let measure = self.finder.measure(&self.block, &self.labels);
            self.current().add_block(measure);
        }
        self.block.clear();
        self.labels.clear();
        // A strong span open across a block boundary is malformed; restart it at 0.
        for start in self.strong.iter_mut().flatten() {
            *start = 0;
        }
    }
}

fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Turns byte offsets into README line numbers, counting newlines incrementally (offsets arrive
/// mostly in order, so the whole body is counted about once).
struct LineCounter<'a> {
    text: &'a [u8],
    at: usize,
    line: u64,
    first_line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str, first_line: u64) -> Self {
        LineCounter {
            text: text.as_bytes(),
            at: 0,
            line: first_line,
            first_line,
        }
    }

    fn line_at(&mut self, offset: usize) -> u64 {
        let offset = offset.min(self.text.len());
        if offset < self.at {
            self.at = 0;
            self.line = self.first_line;
        }
        self.line += memchr::memchr_iter(b'\n', &self.text[self.at..offset]).count() as u64;
        self.at = offset;
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk_text(text: &str) -> Body {
        walk(text, 1, &PlaceholderFinder::new())
    }

    #[test]
    fn atx_setext_and_html_headings() {
        let b = walk_text(
            "# Title\n\nIntro text here.\n\nUsage\n-----\n\nRun it.\n\n<h2 align=\"center\">Citation</h2>\n\n```\n# not a heading\n```\n",
        );
        let titles: Vec<(&str, u8, HeadingKind, u64)> = b
            .headings
            .iter()
            .map(|h| (h.title.as_str(), h.level, h.kind, h.line))
            .collect();
        assert_eq!(
            titles,
            [
                ("Title", 1, HeadingKind::Atx, 1),
                ("Usage", 2, HeadingKind::Setext, 5),
                ("Citation", 2, HeadingKind::Html, 10),
            ]
        );
        assert_eq!(b.contents.len(), 4);
        assert_eq!(b.contents[1].real_words, 3);
        assert_eq!(b.contents[2].real_words, 2);
        assert_eq!(b.contents[3].code_blocks, 1);
    }

    #[test]
    fn code_is_not_prose_and_alt_text_is_not_words() {
        let b = walk_text(
            "Some `inline code` words.\n\n![an image alt text](x.png)\n\n```python\nprint('hello world')\n```\n",
        );
        let c = b.contents[0];
        assert_eq!(c.real_words, 2);
        assert_eq!((c.images, c.code_blocks), (1, 1));
    }

    #[test]
    fn placeholders_in_lists_and_labels() {
        let b = walk_text(
            "## Model Details\n\n- **Developed by:** [More Information Needed]\n- **License:** mit\n",
        );
        let c = b.contents[1];
        assert_eq!(c.placeholders, 1);
        assert_eq!(c.real_words, 2);
    }

    #[test]
    fn links_tables_and_html_text() {
        let b = walk_text(
            "[a](b) and <a href=\"x\">c</a>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<div>\n<p>Hello there</p>\n<!-- a comment -->\n</div>\n",
        );
        let c = b.contents[0];
        assert_eq!((c.links, c.tables), (2, 1));
        assert_eq!(c.real_words, 3 + 4 + 2);
        assert_eq!(b.html_blocks, 1);
    }

    #[test]
    fn line_numbers_start_at_the_body_line() {
        let b = walk("\n## A\n", 10, &PlaceholderFinder::new());
        assert_eq!(b.headings[0].line, 11);
    }
}
