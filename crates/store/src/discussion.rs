//! Hub community discussions on model repositories: a thread (discussion or pull request) and
//! its comments, in the shape of `forum/hub-discussions.jsonl` and of the Hub's discussions API.

use serde_json::{Map, Value};

use crate::time::outside_timestamp;

/// A discussion thread of a model repository.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscussionThread {
    pub repo_id: String,
    pub num: i64,
    pub title: Option<String>,
    pub status: Option<String>,
    pub author: Option<String>,
    pub created_at: Option<String>,
    pub is_pull_request: Option<bool>,
    pub comments: Vec<Comment>,
}

/// One comment of a thread, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub author: Option<String>,
    pub created_at: Option<String>,
    pub text: Option<String>,
    pub hidden: Option<bool>,
}

impl DiscussionThread {
    /// A thread from one JSON object; `issues` receives the fields that had to be dropped.
    pub fn from_json(
        object: &Map<String, Value>,
        issues: &mut Vec<String>,
    ) -> Result<Self, String> {
        let repo_id = object
            .get("repo_id")
            .or_else(|| object.get("repo"))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or("no repo_id")?
            .to_string();
        let num = object
            .get("num")
            .and_then(Value::as_i64)
            .ok_or_else(|| format!("{repo_id}: no discussion number (num)"))?;
        let created_at = time_field(object, "created_at", issues);
        let comments = match object.get("comments") {
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| match item {
                    Value::Object(c) => Some(Comment {
                        author: string(c, "author"),
                        created_at: time_field(c, "created_at", issues),
                        text: string(c, "text"),
                        hidden: c.get("hidden").and_then(Value::as_bool),
                    }),
                    _ => {
                        issues.push(format!("comments[{i}]: not an object, dropped"));
                        None
                    }
                })
                .collect(),
            None | Some(Value::Null) => Vec::new(),
            Some(_) => {
                issues.push("comments: not a list, dropped".to_string());
                Vec::new()
            }
        };
        Ok(DiscussionThread {
            repo_id,
            num,
            title: string(object, "title"),
            status: string(object, "status"),
            author: string(object, "author"),
            created_at,
            is_pull_request: object.get("is_pull_request").and_then(Value::as_bool),
            comments,
        })
    }

    /// A hash of the whole thread as stored: equal hashes mean nothing changed.
    pub fn content_sha1(&self) -> String {
        let mut h = sha1_smol::Sha1::new();
        let mut field = |v: Option<&str>| {
            h.update(v.unwrap_or("\u{0}").as_bytes());
            h.update(b"\x1f");
        };
        field(self.title.as_deref());
        field(self.status.as_deref());
        field(self.author.as_deref());
        field(self.created_at.as_deref());
        field(self.is_pull_request.map(|b| if b { "1" } else { "0" }));
        for c in &self.comments {
            field(c.author.as_deref());
            field(c.created_at.as_deref());
            field(c.text.as_deref());
            field(c.hidden.map(|b| if b { "1" } else { "0" }));
        }
        h.digest().to_string()
    }

    /// `repo_id#num`, for messages.
    pub fn key(&self) -> String {
        format!("{}#{}", self.repo_id, self.num)
    }
}

fn string(object: &Map<String, Value>, key: &str) -> Option<String> {
    object.get(key).and_then(Value::as_str).map(str::to_string)
}

fn time_field(object: &Map<String, Value>, key: &str, issues: &mut Vec<String>) -> Option<String> {
    let raw = object.get(key).and_then(Value::as_str)?;
    match outside_timestamp(raw) {
        Ok(t) => Some(t),
        Err(why) => {
            issues.push(format!("{key}: {why}, dropped"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn threads_are_read_and_hashed() {
        let Value::Object(o) = json!({
            "repo_id": "0-hero/flan-OIG-base", "num": 2, "title": "Model", "status": "open",
            "author": "Biological", "created_at": "2023-04-12 04:42:03+00:00", "is_pull_request": false,
            "comments": [{"author": "Biological", "created_at": "2023-04-12 04:42:03+00:00", "text": "Great", "hidden": false}, 7]
        }) else {
            unreachable!()
        };
        let mut issues = Vec::new();
        let t = DiscussionThread::from_json(&o, &mut issues).unwrap();
        assert_eq!(t.created_at.as_deref(), Some("2023-04-12T04:42:03.000Z"));
        assert_eq!(t.comments.len(), 1);
        assert_eq!(issues, ["comments[1]: not an object, dropped"]);
        let mut edited = t.clone();
        assert_eq!(t.content_sha1(), edited.content_sha1());
        edited.comments[0].text = Some("Great!".into());
        assert_ne!(t.content_sha1(), edited.content_sha1());
    }

    #[test]
    fn a_thread_needs_a_repo_and_a_number() {
        let Value::Object(o) = json!({"num": 1}) else {
            unreachable!()
        };
        assert!(DiscussionThread::from_json(&o, &mut Vec::new()).is_err());
        let Value::Object(o) = json!({"repo_id": "a/b"}) else {
            unreachable!()
        };
        assert_eq!(
            DiscussionThread::from_json(&o, &mut Vec::new()).unwrap_err(),
            "a/b: no discussion number (num)"
        );
    }
}
