//! JSON Lines, read with bounded memory: a line longer than the limit is consumed without being
//! held, a line that is not a JSON object is reported with its number, a truncated last line is
//! named as such.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::SourceError;

/// One record line, or why it is not one.
#[derive(Debug)]
pub enum JsonLine {
    /// A JSON object.
    Object(Map<String, Value>),
    /// Not a usable record: the reason (the line is [`JsonLines::location`]).
    Bad(String),
    /// A line longer than the limit, consumed without being held.
    TooLong { bytes: usize, limit: usize },
}

impl JsonLine {
    /// The object, or why this line is not a record.
    pub fn into_object(self) -> Result<Map<String, Value>, String> {
        match self {
            JsonLine::Object(object) => Ok(object),
            JsonLine::Bad(reason) => Err(reason),
            JsonLine::TooLong { bytes, limit } => Err(format!(
                "the line is {bytes} bytes, over the limit of {limit} bytes for one record"
            )),
        }
    }
}

/// One line as read, before parsing.
#[derive(Debug)]
pub enum RawLine {
    /// `terminated` is false for a last line without `\n` (a truncated file, often).
    Line { bytes: Vec<u8>, terminated: bool },
    /// A line longer than the limit, consumed without being held.
    TooLong { bytes: usize, limit: usize },
}

/// Reads the JSON object lines of a file.
pub struct JsonLines {
    path: PathBuf,
    reader: BufReader<File>,
    line_no: u64,
    buf: Vec<u8>,
    max_line_bytes: usize,
    consumed: u64,
    total: u64,
}

impl JsonLines {
    pub fn open(path: &Path, max_line_bytes: usize) -> Result<Self, SourceError> {
        let file = File::open(path).map_err(|e| SourceError::io(path, e))?;
        let total = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(JsonLines {
            path: path.to_path_buf(),
            reader: BufReader::with_capacity(1 << 20, file),
            line_no: 0,
            buf: Vec::new(),
            max_line_bytes,
            consumed: 0,
            total,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The 1-based number of the line returned last.
    pub fn line_no(&self) -> u64 {
        self.line_no
    }

    /// `FILE:LINE` of the line returned last, to name records that have no id.
    pub fn location(&self) -> String {
        format!("{}:{}", self.path.display(), self.line_no)
    }

    /// Bytes read so far, and the file's size.
    pub fn progress(&self) -> (u64, u64) {
        (self.consumed, self.total)
    }

    /// The next non-blank line, as a JSON object or the reason it is not one; `None` at the end.
    pub fn next_line(&mut self) -> Result<Option<JsonLine>, SourceError> {
        Ok(self.next_raw()?.map(|raw| match raw {
            RawLine::Line { bytes, terminated } => parse_object(&bytes, terminated),
            RawLine::TooLong { bytes, limit } => JsonLine::TooLong { bytes, limit },
        }))
    }

    /// The next non-blank line, unparsed (to parse many in parallel); `None` at the end.
    pub fn next_raw(&mut self) -> Result<Option<RawLine>, SourceError> {
        loop {
            let line = read_bounded_line(&mut self.reader, &mut self.buf, self.max_line_bytes)
                .map_err(|e| SourceError::io(&self.path, e))?;
            self.line_no += 1;
            match line {
                Line::Eof => return Ok(None),
                Line::TooLong { bytes } => {
                    self.consumed += bytes as u64 + 1;
                    return Ok(Some(RawLine::TooLong {
                        bytes,
                        limit: self.max_line_bytes,
                    }));
                }
                Line::Complete { bytes, terminated } => {
                    self.consumed += bytes as u64 + u64::from(terminated);
                    // A byte-order mark (editors on Windows write one) is not part of the first
                    // record.
                    if self.line_no == 1 && self.buf.starts_with(BOM) {
                        self.buf.drain(..BOM.len());
                    }
                    if self.buf.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    return Ok(Some(RawLine::Line {
                        bytes: std::mem::take(&mut self.buf),
                        terminated,
                    }));
                }
            }
        }
    }
}

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Parses one line as a JSON object.
pub fn parse_object(line: &[u8], terminated: bool) -> JsonLine {
    match serde_json::from_slice::<Value>(line) {
        Ok(Value::Object(map)) => JsonLine::Object(map),
        Ok(_) => JsonLine::Bad("not a JSON object".to_string()),
        Err(err) => JsonLine::Bad(format!(
            "not JSON: {err}{}",
            truncation_hint(terminated, err.is_eof())
        )),
    }
}

/// What to add to a parse error on a last line without `\n` that ended too early.
pub fn truncation_hint(terminated: bool, eof: bool) -> &'static str {
    if !terminated && eof {
        " (the file ends in the middle of this record: truncated?)"
    } else {
        ""
    }
}

/// What [`read_bounded_line`] read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
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
pub(crate) fn read_bounded_line(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<Line> {
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
    fn objects_and_their_errors() {
        assert!(matches!(
            parse_object(br#"{"a": 1}"#, true),
            JsonLine::Object(_)
        ));
        let JsonLine::Bad(reason) = parse_object(b"[1]", true) else {
            unreachable!()
        };
        assert_eq!(reason, "not a JSON object");
        let JsonLine::Bad(reason) = parse_object(b"nope", true) else {
            unreachable!()
        };
        assert!(reason.starts_with("not JSON"));
        let JsonLine::Bad(reason) = parse_object(br#"{"a": "#, false) else {
            unreachable!()
        };
        assert!(reason.ends_with("truncated?)"), "{reason}");
    }
}
