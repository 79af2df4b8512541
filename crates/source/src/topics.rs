//! Topics to classify or to train on: read from JSON Lines files (hubscope's own shape, or the
//! Hub-discussions dump shape) or from the store, each as the text a coder reads first — the
//! title and the opening post — plus the number of answers the thread got.

use std::path::Path;

use hubscope_store::{Opening, Store, StoreError, TopicKind};
use serde_json::Value;

use crate::{JsonLines, SourceError};

/// Longest text kept per topic; longer ones are cut (and counted).
pub const MAX_TEXT: usize = 100 * 1024;

/// One topic.
#[derive(Debug, Clone)]
pub struct Topic {
    /// The id as given (a string or a number in a file; the store's id otherwise).
    pub id: Value,
    /// Title and opening post, joined by a blank line.
    pub text: String,
    /// Answers after the opening post, when known.
    pub replies: Option<u64>,
}

impl Topic {
    /// The id as text (numbers without quotes).
    pub fn key(&self) -> String {
        id_key(&self.id)
    }
}

/// The id as text: a string as is, a number in decimal.
pub fn id_key(id: &Value) -> String {
    match id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// What reading a file found besides the topics.
#[derive(Debug, Default)]
pub struct Reading {
    pub topics: Vec<Topic>,
    /// `(line, reason)` of the lines left out.
    pub skipped: Vec<(u64, String)>,
    pub empty: u64,
    pub cut: u64,
}

/// The text of a topic: title and opening post, cut at [`MAX_TEXT`] (the bool says whether it
/// was).
pub fn topic_text(parts: &[&str]) -> (String, bool) {
    let mut text = parts
        .iter()
        .filter(|p| !p.trim().is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("\n\n");
    if text.len() <= MAX_TEXT {
        return (text, false);
    }
    let end = hubscope_store::text::head_bytes(&text, MAX_TEXT).len();
    text.truncate(end);
    (text, true)
}

/// Reads topics, one JSON object a line: either `id` with `title`, `body` and/or `text` (and
/// `replies` when known), or a thread of the Hub-discussions dump (`repo_id`, `num`, `title`,
/// `comments`), whose id becomes `repo_id#num`, whose opening post is its first visible comment
/// and whose replies are its other visible comments.
pub fn read_jsonl(path: &Path) -> Result<Reading, SourceError> {
    // The bounded reader every source uses: a line over the limit is skipped, never held.
    let mut lines = JsonLines::open(path, MAX_TOPIC_LINE)?;
    let mut reading = Reading::default();
    while let Some(line) = lines.next_line()? {
        let n = lines.line_no();
        let v = match line.into_object() {
            Ok(object) => Value::Object(object),
            Err(reason) => {
                reading.skipped.push((n, reason));
                continue;
            }
        };
        match topic_of(&v) {
            Ok((topic, cut)) => {
                if topic.text.trim().is_empty() {
                    reading.empty += 1;
                }
                reading.cut += u64::from(cut);
                reading.topics.push(topic);
            }
            Err(reason) => reading.skipped.push((n, reason)),
        }
    }
    Ok(reading)
}

/// The longest line of a topics file read (a thread with all its comments): 16 MiB.
pub const MAX_TOPIC_LINE: usize = 16 << 20;

fn topic_of(v: &Value) -> Result<(Topic, bool), String> {
    let str_of = |key: &str| v.get(key).and_then(Value::as_str).unwrap_or("");
    if let (Some(repo), Some(num), Some(comments)) = (
        v.get("repo_id").and_then(Value::as_str),
        v.get("num").and_then(Value::as_u64),
        v.get("comments").and_then(Value::as_array),
    ) {
        let visible: Vec<&str> = comments
            .iter()
            .filter(|c| c.get("hidden").and_then(Value::as_bool) != Some(true))
            .map(|c| c.get("text").and_then(Value::as_str).unwrap_or(""))
            .collect();
        let (text, cut) = topic_text(&[str_of("title"), visible.first().copied().unwrap_or("")]);
        let topic = Topic {
            id: Value::String(format!("{repo}#{num}")),
            text,
            replies: Some(visible.len().saturating_sub(1) as u64),
        };
        return Ok((topic, cut));
    }
    let id = v
        .get("id")
        .filter(|id| id.is_string() || id.is_number())
        .cloned()
        .ok_or_else(|| {
            "no id (a string or a number), and not a Hub-discussions thread (repo_id, num, comments)"
                .to_string()
        })?;
    let (text, cut) = topic_text(&[str_of("title"), str_of("body"), str_of("text")]);
    let topic = Topic {
        id,
        text,
        replies: v.get("replies").and_then(Value::as_u64),
    };
    Ok((topic, cut))
}

/// The store's forum topics or Hub discussions, each as its title and opening post.
pub fn read_store(store: &Store, kind: TopicKind) -> Result<Vec<Topic>, StoreError> {
    Ok(store
        .openings(kind)?
        .into_iter()
        .map(Topic::opening)
        .collect())
}

impl Topic {
    /// A stored topic's opening as a topic (its id a number).
    pub fn opening(o: Opening) -> Topic {
        let (text, _) = topic_text(&[&o.title, &o.first_post]);
        Topic {
            id: Value::from(o.id),
            text,
            replies: Some(o.posts.saturating_sub(1)),
        }
    }
}
