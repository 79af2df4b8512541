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

/// The whole of a file of at most `limit` bytes; over it, an error saying it is too long for
/// `what`. The path is named once.
pub(crate) fn read_whole(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>, SourceError> {
    read_bounded(path, limit).map_err(|e| match e {
        crate::SmallFileError::Io { source, .. } => SourceError::io(path, source),
        crate::SmallFileError::TooLong { limit, .. } => {
            SourceError::invalid(path, format!("over the limit of {limit} bytes for {what}"))
        }
        crate::SmallFileError::NotText { offset, .. } => SourceError::invalid(
            path,
            format!("not UTF-8 text (invalid byte at offset {offset})"),
        ),
    })
}

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
    let raw = read_whole(path, MAX_LABELS_BYTES, "a labels file")?;
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

/// The largest data set of labelled texts read whole: 512 MiB.
pub const MAX_DATASET_BYTES: u64 = 512 << 20;

/// A team's labelled texts (`hubscope poc`): each text with its label.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledTexts {
    pub texts: Vec<String>,
    /// Index into `names`.
    pub labels: Vec<usize>,
    /// The labels, sorted (numerically when they all are numbers).
    pub names: Vec<String>,
    /// `(line, reason)` of the rows left out.
    pub rejected: LeftOut,
    /// The SHA-1 of the file, recorded with an evaluation.
    pub sha1: String,
}

/// Reads labelled texts from a CSV, TSV or JSON Lines file (its `text_field` and `label_field`
/// columns or keys); rows without a text or a label are left out with the reason. The file is
/// held whole (its hash is recorded): it is refused over [`MAX_DATASET_BYTES`].
pub fn read_labelled_texts(
    path: &Path,
    text_field: &str,
    label_field: &str,
) -> Result<LabelledTexts, SourceError> {
    let shown = path.display();
    let bytes = read_whole(
        path,
        MAX_DATASET_BYTES,
        "a proof-of-concept data set (a sample of a few thousand texts is what the evaluation \
         needs)",
    )?;
    let sha1 = sha1_smol::Sha1::from(&bytes).digest().to_string();
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let at_line = |line: u64, message: String| SourceError::AtLine {
        location: format!("{shown}:{line}"),
        message,
    };
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut rejected = Vec::new();
    match extension.as_str() {
        "csv" | "tsv" => {
            let mut reader = csv::ReaderBuilder::new()
                .delimiter(if extension == "tsv" { b'\t' } else { b',' })
                .flexible(true)
                .from_reader(bytes.as_slice());
            let headers = reader
                .headers()
                .map_err(|_| at_line(1, "unreadable header row".into()))?
                .clone();
            let column =
                |name: &str| -> Result<usize, SourceError> {
                    headers.iter().position(|h| h.trim() == name).ok_or_else(|| {
                    at_line(
                        1,
                        format!(
                            "no column named {name:?} (columns: {}); name it with --{}-field",
                            headers.iter().collect::<Vec<_>>().join(", "),
                            if name == text_field { "text" } else { "label" }
                        ),
                    )
                })
                };
            let (text_at, label_at) = (column(text_field)?, column(label_field)?);
            for record in reader.records() {
                match record {
                    Ok(r) => {
                        let line = r.position().map_or(0, |p| p.line());
                        match (r.get(text_at), r.get(label_at)) {
                            (Some(t), Some(l)) => accept(line, t, l, &mut rows, &mut rejected),
                            _ => rejected.push((line, format!("{} fields only", r.len()))),
                        }
                    }
                    Err(err) => {
                        let line = err.position().map_or(0, |p| p.line());
                        rejected.push((line, err.to_string()));
                    }
                }
            }
        }
        "jsonl" | "ndjson" | "json" => {
            for (index, line) in bytes.split(|b| *b == b'\n').enumerate() {
                let number = index as u64 + 1;
                let Ok(line) = std::str::from_utf8(line) else {
                    rejected.push((number, "not UTF-8 text".into()));
                    continue;
                };
                if line.trim().is_empty() {
                    continue;
                }
                let value: Value = match serde_json::from_str(line) {
                    Ok(v) => v,
                    Err(err) => {
                        rejected.push((number, format!("not JSON ({err})")));
                        continue;
                    }
                };
                let field = |name: &str| match &value[name] {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    Value::Bool(b) => Some(b.to_string()),
                    _ => None,
                };
                match (field(text_field), field(label_field)) {
                    (Some(t), Some(l)) => accept(number, &t, &l, &mut rows, &mut rejected),
                    (None, _) => rejected.push((number, format!("no {text_field:?} string"))),
                    (_, None) => rejected.push((number, format!("no {label_field:?} value"))),
                }
            }
        }
        _ => {
            return Err(SourceError::invalid(
                path,
                "unknown format; give a .csv, .tsv or .jsonl file",
            ));
        }
    }
    // Labels in order: numerically when they are all numbers (category ids), else as text.
    let mut names: Vec<String> = rows.iter().map(|(_, l)| l.clone()).collect();
    names.sort_unstable();
    names.dedup();
    if names.iter().all(|n| n.parse::<f64>().is_ok()) {
        names.sort_by(|a, b| {
            let number = |s: &str| s.parse::<f64>().unwrap_or(0.0);
            number(a).total_cmp(&number(b))
        });
    }
    let index: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let labels = rows
        .iter()
        .filter_map(|(_, l)| index.get(l.as_str()).copied())
        .collect();
    Ok(LabelledTexts {
        texts: rows.into_iter().map(|(t, _)| t).collect(),
        labels,
        names,
        rejected,
        sha1,
    })
}

fn accept(
    line: u64,
    text: &str,
    label: &str,
    rows: &mut Vec<(String, String)>,
    rejected: &mut LeftOut,
) {
    let (text, label) = (text.trim(), label.trim());
    if text.is_empty() {
        rejected.push((line, "empty text".into()));
    } else if label.is_empty() {
        rejected.push((line, "empty label".into()));
    } else {
        rows.push((text.to_string(), label.to_string()));
    }
}
