//! Discourse JSON (the Hugging Face forum): categories, topic lists, topics, posts — as the API
//! answers and as saved to files — into the store's forum records.
//!
//! Parsing is tolerant: a field of an unexpected type is treated as absent, and only what a
//! record cannot exist without (a topic's or post's `id`) makes it an error. A post's text is its
//! Markdown (`raw`, asked for with `include_raw=1`) when given as a string, else the text of its
//! rendered HTML (`cooked`). Texts over [`MAX_POST_BYTES`] are cut (and the cut reported).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use hubscope_store::{
    Batch, ForumCategory, ForumPost, ForumThread, ForumTopic, Issue, Severity, TextSource, time,
};
use serde_json::Value;

use crate::error::SourceError;
use crate::walk::{MAX_DEPTH, WalkOptions, walk};

/// The most text kept of one post (a longer one is cut at a character boundary).
pub const MAX_POST_BYTES: usize = 256 * 1024;

/// The largest response file read by [`read_dir`].
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// A page of a topic list (`/latest.json`, `/c/{slug}/{id}.json`).
#[derive(Debug, Clone, Default)]
pub struct TopicListPage {
    pub topics: Vec<ListedTopic>,
    /// The next page, as the server wrote it (usually without `.json`); `None` on the last page.
    pub more_topics_url: Option<String>,
}

/// A topic as a list shows it.
#[derive(Debug, Clone, Default)]
pub struct ListedTopic {
    pub topic: ForumTopic,
    pub pinned: bool,
    pub has_accepted_answer: bool,
}

/// A topic response (`/t/{id}.json`): the topic, the posts it carries, and the ids of all its
/// posts (`post_stream.stream`).
#[derive(Debug, Clone)]
pub struct TopicResponse {
    pub topic: ForumTopic,
    pub posts: Vec<ForumPost>,
    pub stream: Vec<i64>,
    /// The accepted answer's post number, when the topic says so.
    pub accepted_post_number: Option<i64>,
}

fn str_of(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

fn int_of(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

fn date_of(v: &Value) -> Option<String> {
    v.as_str().and_then(|t| time::outside_timestamp(t).ok())
}

/// The dates of `o` under `keys` that were written but refused (an unexpected layout, or a date
/// outside the Hub's life), as field-dropped issues of `record`.
fn refused_dates(o: &Value, keys: &[&str], record: &str, issues: &mut Vec<Issue>) {
    for key in keys {
        if let Some(Err(why)) = o[*key].as_str().map(time::outside_timestamp) {
            issues.push(Issue {
                record: record.to_string(),
                severity: Severity::FieldDropped,
                reason: format!("{key}: {why}, dropped"),
            });
        }
    }
}

const TOPIC_DATES: &[&str] = &["created_at", "bumped_at", "last_posted_at"];
const POST_DATES: &[&str] = &["created_at", "updated_at"];

/// The value of `key`, also under a misspelt key with trailing spaces (seen in real shapes).
fn field<'v>(o: &'v Value, key: &str) -> &'v Value {
    match o.get(key) {
        Some(v) => v,
        None => o
            .as_object()
            .and_then(|m| m.iter().find(|(k, _)| k.trim() == key).map(|(_, v)| v))
            .unwrap_or(&Value::Null),
    }
}

fn tags_of(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|tags| {
            tags.iter()
                .filter_map(|t| {
                    t.as_str()
                        .map(str::to_string)
                        .or_else(|| str_of(&t["name"]))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `/categories.json` (with `include_subcategories=true`, subcategories come nested in
/// `subcategory_list`); a single category (`/c/{id}/show.json`) is also accepted.
pub fn parse_categories(value: &Value) -> Result<Vec<ForumCategory>, String> {
    let list = match value["category_list"]["categories"].as_array() {
        Some(list) => list.as_slice(),
        None if value["category"].is_object() => std::slice::from_ref(&value["category"]),
        None => return Err("no category_list.categories".into()),
    };
    let mut out = Vec::new();
    let mut stack: Vec<(&Value, Option<i64>)> = list.iter().rev().map(|c| (c, None)).collect();
    while let Some((c, parent)) = stack.pop() {
        let Some(id) = int_of(&c["id"]) else {
            continue;
        };
        out.push(ForumCategory {
            id,
            slug: str_of(&c["slug"]),
            name: str_of(&c["name"]),
            parent_id: int_of(&c["parent_category_id"]).or(parent),
            description: str_of(&c["description_text"]).or_else(|| str_of(&c["description"])),
            topic_count: int_of(&c["topic_count"]),
            post_count: int_of(&c["post_count"]),
            read_restricted: c["read_restricted"].as_bool(),
        });
        if let Some(subs) = c["subcategory_list"].as_array() {
            stack.extend(subs.iter().rev().map(|s| (s, Some(id))));
        }
    }
    Ok(out)
}

fn topic_fields(t: &Value, id: i64) -> ForumTopic {
    ForumTopic {
        id,
        category_id: int_of(&t["category_id"]),
        title: str_of(&t["title"]),
        slug: str_of(&t["slug"]),
        tags: tags_of(&t["tags"]),
        created_at: date_of(&t["created_at"]),
        bumped_at: date_of(&t["bumped_at"]),
        last_posted_at: date_of(&t["last_posted_at"]),
        views: int_of(&t["views"]),
        like_count: int_of(&t["like_count"]),
        posts_count: int_of(&t["posts_count"]),
        reply_count: int_of(&t["reply_count"]),
        accepted_answer_post_id: None,
        closed: field(t, "closed").as_bool(),
        archived: field(t, "archived").as_bool(),
    }
}

/// A topic list page. Topics without an id are skipped (and returned as issues).
pub fn parse_topic_list(value: &Value) -> Result<(TopicListPage, Vec<Issue>), String> {
    let list = &value["topic_list"];
    let Some(topics) = list["topics"].as_array() else {
        return Err("no topic_list.topics".into());
    };
    let mut page = TopicListPage {
        more_topics_url: str_of(&list["more_topics_url"]).filter(|u| !u.is_empty()),
        ..TopicListPage::default()
    };
    let mut issues = Vec::new();
    for (i, t) in topics.iter().enumerate() {
        let Some(id) = int_of(&t["id"]) else {
            issues.push(Issue {
                record: format!("topic_list.topics[{i}]"),
                severity: Severity::Skipped,
                reason: "a listed topic without an id".into(),
            });
            continue;
        };
        refused_dates(t, TOPIC_DATES, &format!("topic {id}"), &mut issues);
        page.topics.push(ListedTopic {
            topic: topic_fields(t, id),
            pinned: t["pinned"].as_bool().unwrap_or(false)
                || t["pinned_globally"].as_bool().unwrap_or(false),
            has_accepted_answer: t["has_accepted_answer"].as_bool().unwrap_or(false),
        });
    }
    Ok((page, issues))
}

/// A topic (`/t/{id}.json`).
pub fn parse_topic(value: &Value) -> Result<(TopicResponse, Vec<Issue>), String> {
    let Some(id) = int_of(&value["id"]) else {
        return Err("a topic without an id".into());
    };
    if !value["post_stream"].is_object() {
        return Err(format!("topic {id}: no post_stream"));
    }
    let mut topic = topic_fields(value, id);
    if topic.title.is_none() {
        topic.title = str_of(&value["fancy_title"]);
    }
    let (posts, mut issues) = parse_posts(value, Some(id));
    refused_dates(value, TOPIC_DATES, &format!("topic {id}"), &mut issues);
    let stream = value["post_stream"]["stream"]
        .as_array()
        .map(|s| s.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_else(|| posts.iter().map(|p| p.id).collect());
    let accepted_post_number = int_of(&value["accepted_answer"]["post_number"]);
    Ok((
        TopicResponse {
            topic,
            posts,
            stream,
            accepted_post_number,
        },
        issues,
    ))
}

/// The posts of a response: `post_stream.posts` (topic, topic posts), `latest_posts`
/// (`/posts.json`), or a single post. `topic_id` fills in posts that do not name their topic.
pub fn parse_posts(value: &Value, topic_id: Option<i64>) -> (Vec<ForumPost>, Vec<Issue>) {
    let topic_id =
        topic_id.or_else(|| int_of(&value["id"]).filter(|_| value["post_stream"].is_object()));
    let list: &[Value] = if let Some(posts) = value["post_stream"]["posts"].as_array() {
        posts
    } else if let Some(posts) = value["latest_posts"].as_array() {
        posts
    } else if value["post_number"].is_number()
        || value["cooked"].is_string()
        || value["raw"].is_string()
    {
        std::slice::from_ref(value)
    } else {
        &[]
    };
    let mut posts = Vec::with_capacity(list.len());
    let mut issues = Vec::new();
    for (i, p) in list.iter().enumerate() {
        match parse_post(p, topic_id) {
            Ok((post, cut)) => {
                refused_dates(p, POST_DATES, &format!("post {}", post.id), &mut issues);
                if let Some(bytes) = cut {
                    issues.push(Issue {
                        record: format!("post {}", post.id),
                        severity: Severity::FieldDropped,
                        reason: format!(
                            "text cut: {bytes} bytes is over the {MAX_POST_BYTES}-byte limit"
                        ),
                    });
                }
                posts.push(post);
            }
            Err(reason) => issues.push(Issue {
                record: format!("posts[{i}]"),
                severity: Severity::Skipped,
                reason,
            }),
        }
    }
    (posts, issues)
}

/// One post, and its original length when its text was cut.
fn parse_post(p: &Value, topic_id: Option<i64>) -> Result<(ForumPost, Option<usize>), String> {
    let id = int_of(&p["id"]).ok_or("a post without an id")?;
    let topic_id = int_of(&p["topic_id"])
        .or(topic_id)
        .ok_or_else(|| format!("post {id}: no topic_id"))?;
    let (text, source) = match p["raw"].as_str() {
        Some(raw) => (raw.to_string(), TextSource::Raw),
        None => (
            html_to_text(p["cooked"].as_str().unwrap_or_default()),
            TextSource::Cooked,
        ),
    };
    let (text, cut) = cut_text(text);
    let flags: Vec<bool> = ["staff", "admin", "moderator"]
        .iter()
        .filter_map(|k| p[*k].as_bool())
        .collect();
    Ok((
        ForumPost {
            id,
            topic_id,
            post_number: int_of(&p["post_number"]),
            author: str_of(&p["username"]),
            created_at: date_of(&p["created_at"]),
            updated_at: date_of(&p["updated_at"]),
            reply_to_post_number: int_of(&p["reply_to_post_number"]),
            text,
            text_source: source,
            is_accepted_answer: p["accepted_answer"].as_bool().unwrap_or(false),
            author_is_staff: (!flags.is_empty()).then(|| flags.iter().any(|f| *f)),
            author_group: str_of(&p["primary_group_name"]).filter(|g| !g.is_empty()),
        },
        cut,
    ))
}

fn cut_text(mut text: String) -> (String, Option<usize>) {
    if text.len() <= MAX_POST_BYTES {
        return (text, None);
    }
    let len = text.len();
    let end = hubscope_store::text::head_bytes(&text, MAX_POST_BYTES).len();
    text.truncate(end);
    (text, Some(len))
}

/// The text of rendered HTML: tags dropped, block elements on lines of their own, entities
/// decoded, `<script>` and `<style>` bodies dropped, code written as Markdown (`<pre>` blocks
/// fenced with three backticks, inline `<code>` in backticks). Linear time, no recursion.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut skip_until: Option<&'static str> = None;
    let mut in_pre = false;
    while let Some(lt) = rest.find('<') {
        if skip_until.is_none() {
            push_decoded(&mut out, &rest[..lt]);
        }
        let after = &rest[lt + 1..];
        let Some(gt) = after.find('>') else {
            if skip_until.is_none() {
                push_decoded(&mut out, &rest[lt..]);
            }
            rest = "";
            break;
        };
        let tag = &after[..gt];
        rest = &after[gt + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if let Some(end) = skip_until {
            if closing && name == end {
                skip_until = None;
            }
            continue;
        }
        match name.as_str() {
            "script" if !closing => skip_until = Some("script"),
            "style" if !closing => skip_until = Some("style"),
            // Code keeps its Markdown marks, so that analyses can tell code from prose in
            // cooked posts as in raw ones.
            "pre" => {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str("```\n");
                in_pre = !closing;
            }
            "code" if !in_pre => out.push('`'),
            "br" | "p" | "div" | "li" | "ul" | "ol" | "blockquote" | "aside" | "tr" | "table"
            | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "hr"
                if !out.is_empty() && !out.ends_with('\n') =>
            {
                out.push('\n');
            }
            "td" | "th" if closing => out.push(' '),
            _ => {}
        }
    }
    if skip_until.is_none() {
        push_decoded(&mut out, rest);
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

fn push_decoded(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let entity_end = after
            .char_indices()
            .take(12)
            .find(|(_, c)| *c == ';')
            .map(|(i, _)| i);
        let decoded = entity_end.and_then(|end| decode_entity(&after[..end]).map(|c| (c, end)));
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

fn decode_entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "hellip" => '…',
        "ndash" => '–',
        "mdash" => '—',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        "copy" => '©',
        _ => return None,
    })
}

/// What a folder of saved Discourse responses holds, ready to store.
#[derive(Debug, Default)]
pub struct ForumDump {
    pub categories: Batch<ForumCategory>,
    pub threads: Batch<ForumThread>,
    /// Files read (every `*.json` file under the folder).
    pub files: u64,
}

/// Reads every `*.json` file under `dir` (recursively, in path order; links followed once and
/// never round a loop, see [`crate::walk`]) as a saved Discourse
/// response, recognised by its shape: `/categories.json`, a topic list, a topic, a topic's posts,
/// `/posts.json`, a single post. Posts are grouped under their topic; a topic known only from
/// posts is stored with what the posts say of it. A file that is not JSON or has no known shape
/// is an issue, and reading goes on.
pub fn read_dir(dir: &Path) -> Result<ForumDump, SourceError> {
    let is_json = |p: &Path| {
        p.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    };
    let options = WalkOptions {
        max_depth: MAX_DEPTH,
        enter: &|_| true,
        keep: &is_json,
    };
    let mut files = walk(dir, &options)?.files;
    files.sort();
    let mut dump = ForumDump {
        files: files.len() as u64,
        ..ForumDump::default()
    };
    let mut topics: BTreeMap<i64, ForumTopic> = BTreeMap::new();
    let mut posts: BTreeMap<i64, ForumPost> = BTreeMap::new();
    let mut complete: HashSet<i64> = HashSet::new();
    let mut accepted: Vec<(i64, i64)> = Vec::new();
    let mut issues = Vec::new();
    let file_issue = |path: &PathBuf, reason: String| Issue {
        record: path.display().to_string(),
        severity: Severity::Skipped,
        reason,
    };
    for path in &files {
        let bytes = match std::fs::metadata(path) {
            Ok(m) if m.len() > MAX_FILE_BYTES => {
                issues.push(file_issue(
                    path,
                    format!("{} bytes is over the {MAX_FILE_BYTES}-byte limit", m.len()),
                ));
                continue;
            }
            Ok(_) => std::fs::read(path).map_err(|e| SourceError::io(path, e))?,
            Err(e) => return Err(SourceError::io(path, e)),
        };
        let value: Value =
            match serde_json::from_slice(bytes.strip_prefix(crate::lines::BOM).unwrap_or(&bytes)) {
                Ok(v) => v,
                Err(e) => {
                    issues.push(file_issue(path, format!("not JSON: {e}")));
                    continue;
                }
            };
        let mut merge_topic = |t: ForumTopic| {
            let stored = topics.entry(t.id).or_insert_with(|| ForumTopic {
                id: t.id,
                ..ForumTopic::default()
            });
            merge(stored, t);
        };
        if value["category_list"].is_object() {
            match parse_categories(&value) {
                Ok(c) => dump.categories.records.extend(c),
                Err(e) => issues.push(file_issue(path, e)),
            }
        } else if value["topic_list"].is_object() {
            match parse_topic_list(&value) {
                Ok((page, list_issues)) => {
                    issues.extend(list_issues);
                    for t in page.topics {
                        merge_topic(t.topic);
                    }
                }
                Err(e) => issues.push(file_issue(path, e)),
            }
        } else if value["post_stream"].is_object() && value["title"].is_string() {
            match parse_topic(&value) {
                Ok((t, topic_issues)) => {
                    issues.extend(topic_issues);
                    let ids: HashSet<i64> = t.posts.iter().map(|p| p.id).collect();
                    if t.stream.iter().all(|id| ids.contains(id)) {
                        complete.insert(t.topic.id);
                    }
                    if let Some(n) = t.accepted_post_number {
                        accepted.push((t.topic.id, n));
                    }
                    merge_topic(t.topic);
                    for p in t.posts {
                        posts.insert(p.id, p);
                    }
                }
                Err(e) => issues.push(file_issue(path, e)),
            }
        } else {
            let (found, post_issues) = parse_posts(&value, None);
            if found.is_empty() && post_issues.is_empty() {
                issues.push(file_issue(
                    path,
                    "not a Discourse response this reader knows".into(),
                ));
                continue;
            }
            issues.extend(post_issues);
            let list = value["latest_posts"].as_array();
            for (i, p) in found.into_iter().enumerate() {
                // `/posts.json` entries say a little about their topic.
                if let Some(raw) = list.and_then(|l| l.get(i)) {
                    merge_topic(ForumTopic {
                        id: p.topic_id,
                        title: str_of(&raw["topic_title"]),
                        slug: str_of(&raw["topic_slug"]),
                        category_id: int_of(&raw["category_id"]),
                        ..ForumTopic::default()
                    });
                } else {
                    merge_topic(ForumTopic {
                        id: p.topic_id,
                        ..ForumTopic::default()
                    });
                }
                posts.insert(p.id, p);
            }
        }
    }
    // The accepted answer: a post flagged so, or the post number the topic names.
    let mut by_topic: BTreeMap<i64, Vec<ForumPost>> = BTreeMap::new();
    for (_, p) in posts {
        by_topic.entry(p.topic_id).or_default().push(p);
    }
    for (topic_id, number) in accepted {
        if let Some(list) = by_topic.get_mut(&topic_id) {
            for p in list.iter_mut().filter(|p| p.post_number == Some(number)) {
                p.is_accepted_answer = true;
            }
        }
    }
    for (id, mut topic) in topics {
        let mut thread_posts = by_topic.remove(&id).unwrap_or_default();
        thread_posts.sort_by_key(|p| (p.post_number, p.id));
        if let Some(p) = thread_posts.iter().find(|p| p.is_accepted_answer) {
            topic.accepted_answer_post_id = Some(p.id);
        }
        dump.threads.read += 1;
        dump.threads.records.push(ForumThread {
            topic,
            posts: thread_posts,
            complete: complete.contains(&id),
        });
    }
    dump.categories.read = dump.categories.records.len() as u64;
    dump.threads.issues = issues;
    Ok(dump)
}

/// Fills the fields of `into` that `from` knows.
fn merge(into: &mut ForumTopic, from: ForumTopic) {
    macro_rules! take {
        ($($f:ident),*) => { $( if from.$f.is_some() { into.$f = from.$f; } )* };
    }
    take!(
        category_id,
        title,
        slug,
        created_at,
        bumped_at,
        last_posted_at,
        views,
        like_count,
        posts_count,
        reply_count,
        accepted_answer_post_id,
        closed,
        archived
    );
    if !from.tags.is_empty() {
        into.tags = from.tags;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn real(name: &str) -> Value {
        serde_json::from_str(&hubscope_corpus::read_to_string(&format!(
            "forum/discourse-real-responses/{name}"
        )))
        .unwrap()
    }

    fn shape(name: &str) -> Value {
        serde_json::from_str(&hubscope_corpus::read_to_string(&format!(
            "forum/discourse-api-shapes/{name}"
        )))
        .unwrap()
    }

    #[test]
    fn a_real_topic_keeps_its_fields_stream_and_posts() {
        let (t, issues) = parse_topic(&real("t_2108_post_452.json")).unwrap();
        assert!(issues.is_empty());
        assert_eq!(t.topic.id, 2108);
        assert_eq!(t.topic.tags, ["bot", "curiosity-blog"]);
        assert_eq!(t.topic.category_id, Some(13));
        assert_eq!(t.topic.posts_count, Some(446));
        assert_eq!(
            t.topic.created_at.as_deref(),
            Some("2025-09-25T19:11:21.384Z")
        );
        assert_eq!(t.stream.len(), 446);
        assert_eq!(t.posts.len(), 20);
        let p = &t.posts[0];
        assert_eq!(
            (p.author.as_deref(), p.post_number, p.reply_to_post_number),
            (Some("ActiveMind"), Some(433), Some(428))
        );
        assert_eq!(p.text_source, TextSource::Cooked);
        assert_eq!(p.author_is_staff, Some(false));
        // The quote and the reply, as text; no markup left.
        assert!(p.text.contains("Simp to the girl"), "{}", p.text);
        assert!(p.text.ends_with("nasty towards her."), "{}", p.text);
        assert!(!p.text.contains('<'));
    }

    #[test]
    fn topic_post_pages_and_latest_posts_parse() {
        let (posts, issues) = parse_posts(&real("t_2108_posts.json"), None);
        assert!(issues.is_empty());
        assert_eq!(posts.len(), 20);
        assert!(posts.iter().all(|p| p.topic_id == 2108));
        let (latest, issues) = parse_posts(&real("posts.json"), None);
        assert!(issues.is_empty());
        assert_eq!(latest.len(), 50);
        assert!(latest.iter().any(|p| p.text_source == TextSource::Raw));
    }

    #[test]
    fn the_documented_shapes_parse_despite_their_odd_keys() {
        let cats = parse_categories(&shape("categories.json")).unwrap();
        assert_eq!(cats.len(), 3);
        assert_eq!(cats[0].slug.as_deref(), Some("test1"));
        let (page, _) = parse_topic_list(&shape("latest.json")).unwrap();
        assert_eq!(page.more_topics_url.as_deref(), Some("/latest.json?page=1"));
        assert!(page.topics[0].pinned);
        let (page, _) = parse_topic_list(&shape("category_topics.json")).unwrap();
        assert_eq!(page.topics.len(), 2);
        assert_eq!(page.more_topics_url, None);
        let (t, _) = parse_topic(&shape("topic.json")).unwrap();
        assert_eq!(t.topic.id, 57);
        // `raw` given as a structure, not text: the HTML is used.
        let (posts, _) = parse_posts(&shape("topic_posts.json"), None);
        assert_eq!(posts[0].text, "Some text.");
        assert_eq!(posts[0].text_source, TextSource::Cooked);
        let (post, _) = parse_posts(&shape("post.json"), None);
        assert_eq!(post[0].text_source, TextSource::Raw);
        assert!(post[0].text.starts_with("The first paragraph"));
    }

    #[test]
    fn html_becomes_text() {
        assert_eq!(
            html_to_text("<p>a &amp; b&nbsp;&lt;c&gt; &#39;d&#x27;</p><p>e<br>f</p>"),
            "a & b <c> 'd'\ne\nf"
        );
        assert_eq!(html_to_text("x<script>alert(1)</script>y"), "xy");
        assert_eq!(
            html_to_text(
                "<p>use <code>bert</code>:</p><pre><code>model = 1\n</code></pre><p>ok</p>"
            ),
            "use `bert`:\n```\nmodel = 1\n```\nok"
        );
        assert_eq!(html_to_text("AT&T &bogus; 3 < 4"), "AT&T &bogus; 3 < 4");
        assert_eq!(html_to_text("<b"), "<b");
    }

    #[test]
    fn oversized_posts_are_cut_at_a_character_boundary() {
        let text = "é".repeat(MAX_POST_BYTES);
        let post = serde_json::json!({"id": 1, "topic_id": 2, "raw": text});
        let (posts, issues) = parse_posts(&post, None);
        assert!(posts[0].text.len() <= MAX_POST_BYTES);
        assert_eq!(issues.len(), 1);
        assert!(issues[0].reason.contains("text cut"));
    }

    #[test]
    fn a_folder_of_real_responses_becomes_threads() {
        let dump = read_dir(&hubscope_corpus::path("forum/discourse-real-responses")).unwrap();
        assert_eq!(dump.files, 5);
        assert!(dump.threads.issues.is_empty(), "{:?}", dump.threads.issues);
        let t2108 = dump
            .threads
            .records
            .iter()
            .find(|t| t.topic.id == 2108)
            .unwrap();
        // The topic's 20 posts around #433 and the 20 first ones.
        assert_eq!(t2108.posts.len(), 40);
        assert!(!t2108.complete);
        assert_eq!(t2108.topic.posts_count, Some(446));
        assert!(dump.threads.records.iter().any(|t| t.topic.id == 2144));
    }
}
