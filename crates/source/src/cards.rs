//! Where cards come from: README files, directories of them, and `.jsonl` files of
//! `{"id", "readme"}` objects (the shape of `hub/readmes.jsonl`).
//!
//! Reading is streaming and bounded: a `.jsonl` line longer than the limit is skipped without
//! being held in memory, so one 50 MB line costs a record error, not 50 MB.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::SourceError;
use crate::lines::{JsonLine, JsonLines};
use crate::walk::{MAX_DEPTH, WalkOptions, walk};

/// One input the user named, expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardSource {
    /// A single README / Markdown file; its id is its path.
    File(PathBuf),
    /// A `.jsonl` file of `{"id", "readme"}` objects.
    Jsonl(PathBuf),
}

impl CardSource {
    pub fn path(&self) -> &Path {
        match self {
            CardSource::File(p) | CardSource::Jsonl(p) => p,
        }
    }
}

/// Expands paths: directories into every `README.md` / `*.md` below them (sorted; hidden
/// directories skipped, links followed once, never round a loop: see [`crate::walk`]), `.jsonl`
/// files into record streams. A path that does not
/// exist is an error.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<CardSource>, SourceError> {
    let mut sources = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| SourceError::io(path, e))?;
        if meta.is_dir() {
            let mut files = Vec::new();
            walk_dir(path, &mut files)?;
            files.sort();
            sources.extend(files.into_iter().map(CardSource::File));
        } else if is_jsonl(path) {
            sources.push(CardSource::Jsonl(path.clone()));
        } else {
            sources.push(CardSource::File(path.clone()));
        }
    }
    if sources.is_empty() {
        return Err(SourceError::NoCards);
    }
    Ok(sources)
}

/// Whether a path names a JSON Lines file.
pub fn is_jsonl(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("jsonl" | "ndjson")
    )
}

fn walk_dir(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), SourceError> {
    let keep = |p: &Path| {
        p.file_name()
            .is_some_and(|n| is_markdown(&n.to_string_lossy()))
    };
    let options = WalkOptions {
        max_depth: MAX_DEPTH,
        enter: &|_| true,
        keep: &keep,
    };
    out.extend(walk(dir, &options)?.files);
    Ok(())
}

fn is_markdown(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".md") || lower.ends_with(".markdown")
}

/// A card to analyse, or why it cannot be.
#[derive(Debug)]
pub struct CardItem {
    /// The file path, or the `.jsonl` record's `id` (`FILE:LINE` when it has none).
    pub id: String,
    pub text: Result<Vec<u8>, String>,
    /// Input bytes this item consumed (for progress).
    pub consumed: u64,
}

/// Streams the cards of a list of sources, in order.
pub struct CardItems {
    sources: std::vec::IntoIter<CardSource>,
    current: Option<JsonLines>,
    max_card_bytes: usize,
}

impl CardItems {
    pub fn new(sources: Vec<CardSource>, max_card_bytes: usize) -> Self {
        CardItems {
            sources: sources.into_iter(),
            current: None,
            max_card_bytes,
        }
    }

    /// The next card; `Err` only for I/O failures that end the stream (a file vanished).
    pub fn next_item(&mut self) -> Result<Option<CardItem>, SourceError> {
        loop {
            if let Some(lines) = &mut self.current {
                let before = lines.progress().0;
                match lines.next_line()? {
                    Some(line) => {
                        let consumed = lines.progress().0 - before;
                        let (id, text) = card_of(line, lines.line_no());
                        return Ok(Some(CardItem {
                            id: id.unwrap_or_else(|| lines.location()),
                            text,
                            consumed,
                        }));
                    }
                    None => self.current = None,
                }
            }
            match self.sources.next() {
                None => return Ok(None),
                Some(CardSource::File(path)) => return Ok(Some(self.read_file(&path))),
                Some(CardSource::Jsonl(path)) => {
                    // JSON escapes can make a line longer than the card it holds.
                    let max_line = self
                        .max_card_bytes
                        .saturating_mul(2)
                        .saturating_add(64 << 10);
                    self.current = Some(JsonLines::open(&path, max_line)?);
                }
            }
        }
    }

    fn read_file(&self, path: &Path) -> CardItem {
        let id = path.display().to_string();
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if size > self.max_card_bytes as u64 {
            return CardItem {
                id,
                text: Err(format!(
                    "card is {size} bytes, over the limit of {} bytes (--max-card-bytes)",
                    self.max_card_bytes
                )),
                consumed: size,
            };
        }
        let text = std::fs::read(path).map_err(|e| format!("cannot read: {e}"));
        CardItem {
            id,
            text,
            consumed: size,
        }
    }
}

/// The id (when readable) and README bytes (or the reason not) of one `.jsonl` line.
fn card_of(line: JsonLine, line_no: u64) -> (Option<String>, Result<Vec<u8>, String>) {
    let mut map = match line {
        JsonLine::Object(map) => map,
        JsonLine::Bad(reason) => return (None, Err(format!("line {line_no}: {reason}"))),
        JsonLine::TooLong { bytes, limit } => {
            return (
                None,
                Err(format!(
                    "line {line_no} is {bytes} bytes, over the limit of {limit} bytes for one \
                     record (--max-card-bytes)"
                )),
            );
        }
    };
    let id = match map.get("id") {
        Some(Value::String(id)) if !id.trim().is_empty() => Some(id.clone()),
        _ => None,
    };
    let text = match map.remove("readme") {
        Some(Value::String(readme)) => Ok(readme.into_bytes()),
        Some(Value::Null) => Err(format!("line {line_no}: readme is null (no card)")),
        Some(_) => Err(format!("line {line_no}: readme is not a string")),
        None => Err(format!("line {line_no}: no \"readme\" field")),
    };
    let text = match (&id, text) {
        (None, Ok(_)) => Err(format!("line {line_no}: no \"id\" string field")),
        (_, text) => text,
    };
    (id, text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::parse_object;

    #[test]
    fn records_and_their_errors() {
        let (id, text) = card_of(
            parse_object(br##"{"id": "a/b", "readme": "# Hi"}"##, true),
            1,
        );
        assert_eq!(
            (id.as_deref(), text.unwrap()),
            (Some("a/b"), b"# Hi".to_vec())
        );
        let (id, text) = card_of(parse_object(br#"{"id": "a/b"}"#, true), 2);
        assert_eq!(id.as_deref(), Some("a/b"));
        assert_eq!(text.unwrap_err(), "line 2: no \"readme\" field");
        let (_, text) = card_of(
            parse_object(br##"{"id": "a/b", "readme": "# Hi"##, false),
            3,
        );
        assert!(text.unwrap_err().contains("truncated?"));
        let (_, text) = card_of(parse_object(b"not json", true), 4);
        assert!(text.unwrap_err().starts_with("line 4: not JSON"));
        let (_, text) = card_of(parse_object(br#"{"readme": "x"}"#, true), 5);
        assert_eq!(text.unwrap_err(), "line 5: no \"id\" string field");
    }
}
