//! Codes people gave, in the files `classify train` and `classify eval` read: a labels CSV (one
//! coded text a row, its text in the row or found by id in topic files) and JSON Lines of
//! `{id, category_id[, confidence]}` (gold codes or a classifier's predictions).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_json::Value;

use crate::SourceError;
use crate::spreadsheet::spreadsheet_csv;
use crate::topics::{MAX_TOPIC_LINE, Topic, topic_text};
use crate::{JsonLines, read_bounded};

/// The largest labels file read (a coded set is thousands of rows, not gigabytes).
pub const MAX_LABELS_BYTES: u64 = 256 << 20;

/// One coded text of a labels file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelRow {
    pub id: String,
    pub text: String,
    /// The final code (12 when a challenge went unanswered).
    pub category_id: u16,
    /// The challenge the text raises (`text_category_id`, else the final code).
    pub text_category_id: u16,
    pub replies: Option<u64>,
}

/// Rows left out: `(line, reason)`.
pub type LeftOut = Vec<(u64, String)>;

/// Reads a labels CSV: `id` and `category_id` (or `category`) columns, optionally
/// `text_category_id`, `replies`, and the text as `title`/`body`/`text` — or found by id in
/// `texts`. A code `known` refuses, a repeated id or a row without text is left out with its
/// line; a file without the needed columns is an error.
pub fn read_labels(
    path: &Path,
    known: &dyn Fn(u16) -> bool,
    texts: &HashMap<String, Topic>,
) -> Result<(Vec<LabelRow>, LeftOut), SourceError> {
    let raw = read_bounded(path, MAX_LABELS_BYTES)
        .map_err(|e| SourceError::invalid(path, e.to_string()))?;
    let mut reader = spreadsheet_csv(&raw);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|_| SourceError::invalid(path, "no header line"))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let id_col = column("id").ok_or_else(|| SourceError::invalid(path, "no `id` column"))?;
    let code_col = column("category_id")
        .or_else(|| column("category"))
        .ok_or_else(|| SourceError::invalid(path, "no `category_id` (or `category`) column"))?;
    let text_code_col = column("text_category_id");
    let replies_col = column("replies");
    let text_cols: Vec<usize> = ["title", "body", "text"]
        .iter()
        .filter_map(|c| column(c))
        .collect();
    let mut seen = HashSet::new();
    let mut labelled = Vec::new();
    let mut rejected = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                rejected.push((line, format!("not CSV: {e}")));
                continue;
            }
        };
        let cell = |c: usize| record.get(c).unwrap_or("").trim();
        let id = cell(id_col).to_string();
        if id.is_empty() {
            rejected.push((line, "no id".into()));
            continue;
        }
        let code = |c: usize| -> Result<u16, String> {
            let text = cell(c);
            let n: u16 = text
                .parse()
                .map_err(|_| format!("category {text:?} is not a category number"))?;
            if known(n) {
                Ok(n)
            } else {
                Err(format!("category {n} is not in the codebook"))
            }
        };
        let category_id = match code(code_col) {
            Ok(c) => c,
            Err(reason) => {
                rejected.push((line, format!("{id}: {reason}")));
                continue;
            }
        };
        let text_category_id = match text_code_col.filter(|&c| !cell(c).is_empty()) {
            Some(c) => match code(c) {
                Ok(c) => c,
                Err(reason) => {
                    rejected.push((line, format!("{id}: {reason}")));
                    continue;
                }
            },
            None => category_id,
        };
        if !seen.insert(id.clone()) {
            rejected.push((line, format!("{id}: the id appears twice")));
            continue;
        }
        let own: Vec<&str> = text_cols.iter().map(|&c| cell(c)).collect();
        let (text, replies) = if own.iter().any(|t| !t.is_empty()) {
            (topic_text(&own).0, None)
        } else if let Some(topic) = texts.get(&id) {
            (topic.text.clone(), topic.replies)
        } else {
            rejected.push((
                line,
                format!("{id}: no text (no text column, not in --texts)"),
            ));
            continue;
        };
        let replies = replies_col.and_then(|c| cell(c).parse().ok()).or(replies);
        labelled.push(LabelRow {
            id,
            text,
            category_id,
            text_category_id,
            replies,
        });
    }
    Ok((labelled, rejected))
}

/// `id → (category_id, confidence)` of a JSON Lines file (`category_id` a whole number, or one
/// in a string; `confidence`, or `score` as older files have it, `None` when neither is a
/// number). A line without an id or a code, or a repeated id, is an error naming the line.
pub fn coded_lines(path: &Path) -> Result<HashMap<String, (u32, Option<f64>)>, SourceError> {
    let mut lines = JsonLines::open(path, MAX_TOPIC_LINE)?;
    let mut out = HashMap::new();
    while let Some(line) = lines.next_line()? {
        let location = lines.location();
        let fail = |message: String| SourceError::AtLine {
            location: location.clone(),
            message,
        };
        let v = Value::Object(line.into_object().map_err(fail)?);
        let id = match v.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(fail("no id".into())),
        };
        let code = match v.get("category_id") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
        .ok_or_else(|| fail("no category_id (a whole number)".into()))?;
        let code = u32::try_from(code)
            .map_err(|_| fail(format!("category_id {code} is not a category")))?;
        let confidence = v
            .get("confidence")
            .or_else(|| v.get("score"))
            .and_then(Value::as_f64)
            .filter(|c| c.is_finite());
        if out.insert(id.clone(), (code, confidence)).is_some() {
            return Err(fail(format!("id {id} appears twice")));
        }
    }
    Ok(out)
}
