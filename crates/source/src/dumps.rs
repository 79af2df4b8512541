//! Which dumps a folder holds, recognised by content with the rules the readers apply when they
//! ingest them: a model dump is a file [`crate::model_fields`] finds a model id column in
//! (Parquet schema, CSV or TSV header, the first JSON object's keys, columns named as
//! [`hubscope_store::ModelField::from_name`] maps them); a card dump is JSON Lines of
//! `{id, readme}`; Hub discussions are JSON Lines of `{repo_id, num, …}`; a forum dump is a
//! folder of Discourse JSON. What `hubscope study --from DIR` ingests is what `hubscope ingest`
//! would store from the same files.

use std::path::{Path, PathBuf};

use hubscope_store::ModelField;

use crate::SourceError;
use crate::lines::JsonLines;
use crate::models::{ModelFormat, model_fields};
use crate::walk::{WalkOptions, walk};

/// How deep below the folder dumps are looked for.
pub const MAX_DEPTH: usize = 3;

/// Longest first line read to recognise a JSON Lines file.
const MAX_FIRST_LINE: usize = 64 << 20;

/// A dump found in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dump {
    pub kind: DumpKind,
    pub path: PathBuf,
}

/// What a dump is a record of, and so which reader stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpKind {
    /// Models; `dated` when a column gives their creation date (what monthly trends need).
    Models {
        dated: bool,
    },
    Cards,
    Discussions,
    /// A folder of Discourse JSON responses.
    Forum,
}

impl DumpKind {
    /// The `hubscope ingest` kind that stores it.
    pub fn name(self) -> &'static str {
        match self {
            DumpKind::Models { .. } => "models",
            DumpKind::Cards => "cards",
            DumpKind::Discussions => "discussions",
            DumpKind::Forum => "forum",
        }
    }

    /// Models first (cards and lineage refer to them), then cards, discussions, forums.
    fn order(self) -> u8 {
        match self {
            DumpKind::Models { .. } => 0,
            DumpKind::Cards => 1,
            DumpKind::Discussions => 2,
            DumpKind::Forum => 3,
        }
    }
}

/// A file left aside, with the reason.
pub type Skipped = (PathBuf, String);

/// The dumps in `dir` (searched [`MAX_DEPTH`] levels deep; folders named `*shape*`, examples of
/// an API's responses, are left out), models first and in path order within a kind, and the
/// files of a dump format that are not dumps, with the reason.
pub fn find_dumps(dir: &Path) -> Result<(Vec<Dump>, Vec<Skipped>), SourceError> {
    let enter = |p: &Path| {
        !p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.to_lowercase().contains("shape"))
    };
    let options = WalkOptions {
        max_depth: MAX_DEPTH,
        enter: &enter,
        keep: &|_| true,
    };
    let found = walk(dir, &options)?;
    let mut dumps = Vec::new();
    let mut skipped = Vec::new();
    let mut forum_dirs: Vec<PathBuf> = Vec::new();
    for path in found.files {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            // A folder of Discourse JSON is a forum dump; other JSON files are not dumps.
            Some("json") => {
                if let Some(parent) = path.parent()
                    && forum_dirs.last().is_none_or(|d| d != parent)
                    && is_discourse_json(&path)
                {
                    forum_dirs.push(parent.to_path_buf());
                }
            }
            Some("jsonl" | "ndjson" | "parquet" | "pq" | "csv" | "tsv") => match recognise(&path) {
                Ok(kind) => dumps.push(Dump { kind, path }),
                Err(reason) => skipped.push((path, reason)),
            },
            _ => {}
        }
    }
    // A forum folder is read with everything below it: one inside another is not read twice.
    forum_dirs.sort();
    forum_dirs.dedup();
    let outer: Vec<PathBuf> = forum_dirs
        .iter()
        .filter(|d| !forum_dirs.iter().any(|o| o != *d && d.starts_with(o)))
        .cloned()
        .collect();
    dumps.extend(outer.into_iter().map(|path| Dump {
        kind: DumpKind::Forum,
        path,
    }));
    dumps.sort_by_key(|d| d.kind.order());
    Ok((dumps, skipped))
}

/// What the file at `path` is a dump of, or why it is none.
pub fn recognise(path: &Path) -> Result<DumpKind, String> {
    let format = ModelFormat::detect(path).map_err(|e| e.to_string())?;
    if format == ModelFormat::Jsonl {
        let keys = first_keys(path)?;
        let has = |k: &str| keys.iter().any(|x| x == k);
        if has("readme") && has("id") {
            return Ok(DumpKind::Cards);
        }
        if has("repo_id") && has("num") {
            return Ok(DumpKind::Discussions);
        }
    }
    let fields = model_fields(path).map_err(|e| match e {
        SourceError::Invalid { message, .. } => format!("not a dump hubscope ingests: {message}"),
        other => other.to_string(),
    })?;
    Ok(DumpKind::Models {
        dated: fields.contains(&ModelField::CreatedAt),
    })
}

/// The keys of a JSON Lines file's first object.
fn first_keys(path: &Path) -> Result<Vec<String>, String> {
    let mut lines = JsonLines::open(path, MAX_FIRST_LINE).map_err(|e| e.to_string())?;
    match lines.next_line().map_err(|e| e.to_string())? {
        Some(line) => line
            .into_object()
            .map(|o| o.keys().cloned().collect())
            .map_err(|reason| format!("line 1: {reason}")),
        None => Err("an empty file".into()),
    }
}

/// Whether the file's first 64 KB look like a Discourse API response.
fn is_discourse_json(path: &Path) -> bool {
    use std::io::Read as _;
    let mut head = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(64 * 1024).read_to_end(&mut head));
    if read.is_err() {
        return false;
    }
    let text = String::from_utf8_lossy(&head);
    [
        "\"post_stream\"",
        "\"latest_posts\"",
        "\"topic_list\"",
        "\"category_list\"",
    ]
    .iter()
    .any(|k| text.contains(k))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn dumps_are_recognised_as_their_readers_read_them() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // Column names the model reader maps (model_name, created) and a quoted header.
        write(d, "a.csv", "\"model_name\",\"created\"\nx/y,2021-01-02\n");
        // A TSV of models; a model list without dates.
        write(d, "b.tsv", "modelId\tcreatedAt\nx/z\t2021-01-02\n");
        write(d, "c.csv", "id,downloads\nx/w,3\n");
        write(d, "cards.ndjson", "{\"id\":\"x/y\",\"readme\":\"# hi\"}\n");
        write(d, "threads.jsonl", "{\"repo_id\":\"x/y\",\"num\":1}\n");
        write(
            d,
            "m.jsonl",
            "{\"_id\":\"1\",\"modelId\":\"x/y\",\"created_at\":\"2021-01-02\"}\n",
        );
        write(d, "codebook.csv", "#,Category\n1,A\n");
        write(d, "log.jsonl", "{\"method\":\"GET\"}\n");
        write(d, "forum/t/1.json", "{\"post_stream\":{}}");
        write(d, "forum/2.json", "{\"topic_list\":{}}");
        write(d, "api-shapes/3.json", "{\"post_stream\":{}}");
        write(d, "notes.txt", "id,created\n");
        let (dumps, skipped) = find_dumps(d).unwrap();
        let found: Vec<(String, DumpKind)> = dumps
            .iter()
            .map(|x| {
                let name = x.path.strip_prefix(d).unwrap().display().to_string();
                (name, x.kind)
            })
            .collect();
        let dated = |b| DumpKind::Models { dated: b };
        assert_eq!(
            found,
            [
                ("a.csv".to_string(), dated(true)),
                ("b.tsv".to_string(), dated(true)),
                ("c.csv".to_string(), dated(false)),
                ("m.jsonl".to_string(), dated(true)),
                ("cards.ndjson".to_string(), DumpKind::Cards),
                ("threads.jsonl".to_string(), DumpKind::Discussions),
                ("forum".to_string(), DumpKind::Forum),
            ]
        );
        let reasons: Vec<(String, &str)> = skipped
            .iter()
            .map(|(p, r)| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    r.as_str(),
                )
            })
            .collect();
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert!(reasons[0].0 == "codebook.csv" && reasons[0].1.contains("no model id column"));
        assert!(
            reasons[1].0 == "log.jsonl" && reasons[1].1.contains("method"),
            "{reasons:?}"
        );
    }
}
