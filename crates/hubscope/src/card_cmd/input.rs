//! Where cards come from: README files, directories of them, and `.jsonl` files of
//! `{"id", "readme"}` objects (the shape of `hub/readmes.jsonl`).
//!
//! Reading is streaming and bounded: a `.jsonl` line longer than the limit is skipped without
//! being held in memory, so one 50 MB line costs a record error, not 50 MB.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// One input the user named, expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A single README / Markdown file; its id is its path.
    File(PathBuf),
    /// A `.jsonl` file of `{"id", "readme"}` objects.
    Jsonl(PathBuf),
}

impl Source {
    pub fn path(&self) -> &Path {
        match self {
            Source::File(p) | Source::Jsonl(p) => p,
        }
    }
}

/// Expands the paths given on the command line: directories into every `README.md` / `*.md`
/// below them (sorted, hidden directories and symlinked directories skipped), `.jsonl` files
/// into record streams. A path that does not exist is an input error.
pub fn expand(paths: &[PathBuf]) -> anyhow::Result<Vec<Source>> {
    let mut sources = Vec::new();
    for path in paths {
        let meta =
            std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if meta.is_dir() {
            let mut files = Vec::new();
            walk_dir(path, &mut files)?;
            files.sort();
            sources.extend(files.into_iter().map(Source::File));
        } else if is_jsonl(path) {
            sources.push(Source::Jsonl(path.clone()));
        } else {
            sources.push(Source::File(path.clone()));
        }
    }
    if sources.is_empty() {
        bail!("no model cards found (looked for README.md and *.md files, and .jsonl files)");
    }
    Ok(sources)
}

fn is_jsonl(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("jsonl" | "ndjson")
    )
}

fn walk_dir(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    // An explicit stack instead of recursion: deep trees cannot overflow it.
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries =
            std::fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
            let path = entry.path();
            let file_type = entry
                .file_type()
                .with_context(|| format!("cannot stat {}", path.display()))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if file_type.is_dir() {
                if !name.starts_with('.') {
                    pending.push(path);
                }
            } else if (file_type.is_file() || file_type.is_symlink()) && is_markdown(&name) {
                out.push(path);
            }
        }
    }
    Ok(())
}

fn is_markdown(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".md") || lower.ends_with(".markdown")
}

/// A card to analyse, or why it cannot be.
#[derive(Debug)]
pub struct Item {
    /// The file path, or the `.jsonl` record's `id` (`FILE:LINE` when it has none).
    pub id: String,
    pub text: Result<Vec<u8>, String>,
    /// Input bytes this item consumed (for progress).
    pub consumed: u64,
}

/// Streams the items of a list of sources in order.
pub struct Items {
    sources: std::vec::IntoIter<Source>,
    current: Option<JsonlReader>,
    max_card_bytes: usize,
}

impl Items {
    pub fn new(sources: Vec<Source>, max_card_bytes: usize) -> Self {
        Items {
            sources: sources.into_iter(),
            current: None,
            max_card_bytes,
        }
    }

    /// The next item; `Err` only for I/O failures that end the run (a file vanished).
    pub fn next_item(&mut self) -> anyhow::Result<Option<Item>> {
        loop {
            if let Some(reader) = &mut self.current {
                match reader.next_item()? {
                    Some(item) => return Ok(Some(item)),
                    None => self.current = None,
                }
            }
            match self.sources.next() {
                None => return Ok(None),
                Some(Source::File(path)) => return Ok(Some(self.read_file(&path))),
                Some(Source::Jsonl(path)) => {
                    self.current = Some(JsonlReader::open(&path, self.max_card_bytes)?);
                }
            }
        }
    }

    fn read_file(&self, path: &Path) -> Item {
        let id = path.display().to_string();
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if size > self.max_card_bytes as u64 {
            return Item {
                id,
                text: Err(format!(
                    "card is {size} bytes, over the limit of {} bytes (--max-card-bytes)",
                    self.max_card_bytes
                )),
                consumed: size,
            };
        }
        let text = std::fs::read(path).map_err(|e| format!("cannot read: {e}"));
        Item {
            id,
            text,
            consumed: size,
        }
    }
}

/// Reads `{"id", "readme"}` records line by line.
struct JsonlReader {
    path: PathBuf,
    reader: BufReader<File>,
    line_no: u64,
    buf: Vec<u8>,
    max_line_bytes: usize,
}

impl JsonlReader {
    fn open(path: &Path, max_card_bytes: usize) -> anyhow::Result<Self> {
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        Ok(JsonlReader {
            path: path.to_path_buf(),
            reader: BufReader::with_capacity(1 << 20, file),
            line_no: 0,
            buf: Vec::new(),
            // JSON escapes can make a line longer than the card it holds.
            max_line_bytes: max_card_bytes.saturating_mul(2).saturating_add(64 << 10),
        })
    }

    fn next_item(&mut self) -> anyhow::Result<Option<Item>> {
        loop {
            let line = read_bounded_line(&mut self.reader, &mut self.buf, self.max_line_bytes)
                .with_context(|| format!("cannot read {}", self.path.display()))?;
            self.line_no += 1;
            let fallback_id = format!("{}:{}", self.path.display(), self.line_no);
            match line {
                Line::Eof => return Ok(None),
                Line::TooLong { bytes } => {
                    return Ok(Some(Item {
                        id: fallback_id,
                        text: Err(format!(
                            "line {} is {bytes} bytes, over the limit of {} bytes for one record \
                             (--max-card-bytes)",
                            self.line_no, self.max_line_bytes
                        )),
                        consumed: bytes as u64 + 1,
                    }));
                }
                Line::Complete { bytes, terminated } => {
                    if self.buf.iter().all(u8::is_ascii_whitespace) {
                        continue; // blank lines are not records
                    }
                    let (id, text) = parse_record(&self.buf, terminated, self.line_no);
                    return Ok(Some(Item {
                        id: id.unwrap_or(fallback_id),
                        text,
                        consumed: bytes as u64 + u64::from(terminated),
                    }));
                }
            }
        }
    }
}

/// Parses one `.jsonl` line into its id (when readable) and README bytes (or the reason not).
fn parse_record(
    line: &[u8],
    terminated: bool,
    line_no: u64,
) -> (Option<String>, Result<Vec<u8>, String>) {
    let value: serde_json::Value = match serde_json::from_slice(line) {
        Ok(value) => value,
        Err(err) => {
            let hint = if !terminated && err.is_eof() {
                " (the file ends in the middle of this record: truncated?)"
            } else {
                ""
            };
            return (None, Err(format!("line {line_no}: not JSON: {err}{hint}")));
        }
    };
    let serde_json::Value::Object(mut map) = value else {
        return (None, Err(format!("line {line_no}: not a JSON object")));
    };
    let id = match map.get("id") {
        Some(serde_json::Value::String(id)) if !id.trim().is_empty() => Some(id.clone()),
        _ => None,
    };
    let text = match map.remove("readme") {
        Some(serde_json::Value::String(readme)) => Ok(readme.into_bytes()),
        Some(serde_json::Value::Null) => Err(format!("line {line_no}: readme is null (no card)")),
        Some(_) => Err(format!("line {line_no}: readme is not a string")),
        None => Err(format!("line {line_no}: no \"readme\" field")),
    };
    let text = match (&id, text) {
        (None, Ok(_)) => Err(format!("line {line_no}: no \"id\" string field")),
        (_, text) => text,
    };
    (id, text)
}

/// What [`read_bounded_line`] read.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    Eof,
    /// The line is in the buffer; `terminated` is false for a last line without `\n`.
    Complete {
        bytes: usize,
        terminated: bool,
    },
    /// The line was longer than the limit; it was consumed but not kept.
    TooLong {
        bytes: usize,
    },
}

/// Reads one line into `buf` (without the `\n`), keeping at most `max` bytes in memory.
fn read_bounded_line(reader: &mut impl BufRead, buf: &mut Vec<u8>, max: usize) -> io::Result<Line> {
    buf.clear();
    let mut total = 0usize;
    let mut too_long = false;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok(match (total, too_long) {
                (0, _) => Line::Eof,
                (bytes, true) => Line::TooLong { bytes },
                (bytes, false) => Line::Complete {
                    bytes,
                    terminated: false,
                },
            });
        }
        let (chunk, found) = match memchr::memchr(b'\n', available) {
            Some(i) => (&available[..i], true),
            None => (available, false),
        };
        let chunk_len = chunk.len();
        total += chunk_len;
        if !too_long {
            if buf.len() + chunk_len > max {
                too_long = true;
                buf.clear();
                buf.shrink_to(64 << 10);
            } else {
                buf.extend_from_slice(chunk);
            }
        }
        reader.consume(chunk_len + usize::from(found));
        if found {
            return Ok(if too_long {
                Line::TooLong { bytes: total }
            } else {
                Line::Complete {
                    bytes: total,
                    terminated: true,
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_lines() {
        let data = b"short\nthis line is far too long\n\nlast";
        let mut reader = BufReader::with_capacity(4, &data[..]);
        let mut buf = Vec::new();
        assert_eq!(
            read_bounded_line(&mut reader, &mut buf, 10).unwrap(),
            Line::Complete {
                bytes: 5,
                terminated: true
            }
        );
        assert_eq!(buf, b"short");
        assert_eq!(
            read_bounded_line(&mut reader, &mut buf, 10).unwrap(),
            Line::TooLong { bytes: 25 }
        );
        assert_eq!(
            read_bounded_line(&mut reader, &mut buf, 10).unwrap(),
            Line::Complete {
                bytes: 0,
                terminated: true
            }
        );
        assert_eq!(
            read_bounded_line(&mut reader, &mut buf, 10).unwrap(),
            Line::Complete {
                bytes: 4,
                terminated: false
            }
        );
        assert_eq!(
            read_bounded_line(&mut reader, &mut buf, 10).unwrap(),
            Line::Eof
        );
    }

    #[test]
    fn records_and_their_errors() {
        let (id, text) = parse_record(br##"{"id": "a/b", "readme": "# Hi"}"##, true, 1);
        assert_eq!(
            (id.as_deref(), text.unwrap()),
            (Some("a/b"), b"# Hi".to_vec())
        );
        let (id, text) = parse_record(br#"{"id": "a/b"}"#, true, 2);
        assert_eq!(id.as_deref(), Some("a/b"));
        assert_eq!(text.unwrap_err(), "line 2: no \"readme\" field");
        let (_, text) = parse_record(br##"{"id": "a/b", "readme": "# Hi"##, false, 3);
        assert!(text.unwrap_err().contains("truncated?"));
        let (_, text) = parse_record(b"not json", true, 4);
        assert!(text.unwrap_err().starts_with("line 4: not JSON"));
        let (_, text) = parse_record(br#"{"readme": "x"}"#, true, 5);
        assert_eq!(text.unwrap_err(), "line 5: no \"id\" string field");
    }
}
