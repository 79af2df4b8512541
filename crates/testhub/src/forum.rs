//! A Discourse forum for tests and benchmarks, in the shapes of
//! `forum/discourse-api-shapes` and `forum/discourse-real-responses`:
//!
//! - `GET /categories.json[?include_subcategories=true]`;
//! - `GET /latest.json?order=created&ascending=true&page=N` (or `order=activity`, newest bump
//!   first) and `GET /c/{slug}/{id}.json?page=N`: 30 topics a page, `more_topics_url` without
//!   `.json` while there are more;
//! - `GET /t/{id}.json[?include_raw=1]`: the topic, its first 20 posts, and `post_stream.stream`
//!   (deleted posts leave gaps);
//! - `GET /t/{id}/posts.json?post_ids[]=…`: those posts (deleted ones are left out).
//!
//! Topics are generated (deterministic for a seed) and the real responses can be added: topic
//! 2108 (446 posts in its stream, 40 of them served) and 2144. Some generated topics answer 403
//! (a private category), 404 (deleted) or an HTML error page, one post holds 1 MB of text, and
//! some topics have an accepted answer. Edits bump their topic, as on the real forum.

use std::collections::HashMap;
use std::path::Path;

use axum::response::Response;
use serde_json::{Value, json};

use crate::{json_response, param, params, plain, set};

const PAGE: usize = 30;
const FIRST_POSTS: usize = 20;

/// How a topic answers `/t/{id}.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicStatus {
    Normal,
    /// 403: in a category the crawler may not read.
    Forbidden,
    /// 404: deleted since it was listed.
    Gone,
    /// 200 with an HTML error page instead of JSON.
    Html,
}

#[derive(Debug, Clone)]
pub struct PostData {
    pub id: i64,
    pub number: i64,
    pub author: String,
    pub created_at: String,
    pub updated_at: String,
    pub raw: String,
    pub deleted: bool,
    pub staff: bool,
    pub group: Option<String>,
    pub reply_to: Option<i64>,
    pub accepted: bool,
}

#[derive(Debug, Clone)]
pub struct TopicData {
    pub id: i64,
    pub category_id: i64,
    pub title: String,
    pub tags: Vec<String>,
    pub created_at: String,
    pub bumped_at: String,
    pub views: i64,
    pub like_count: i64,
    pub status: TopicStatus,
    /// `include_raw=1` gives the Markdown; otherwise only the HTML.
    pub raw_available: bool,
    pub posts: Vec<PostData>,
    /// A real response served as is for `/t/{id}.json`.
    real: Option<Value>,
}

/// The forum's content.
#[derive(Debug, Default)]
pub struct ForumData {
    pub categories: Vec<Value>,
    pub topics: Vec<TopicData>,
    real_posts: HashMap<i64, Value>,
    /// Minutes after the last generated date, for edits.
    clock: i64,
}

/// Model names the generated posts talk about (with the spellings people use).
pub const TALK: &[&str] = &[
    "bert-base-uncased",
    "BERT",
    "gpt2",
    "GPT-2",
    "t5-small",
    "roberta",
    "xlm-roberta",
    "distilbert",
    "llama 2",
    "whisper",
    "facebook/opt-1.3b",
    "bloom",
    "the tokenizer",
    "fine-tuning",
    "the Trainer",
    "a pipeline",
    "CUDA out of memory",
    "the datasets library",
];

fn date(minutes: i64) -> String {
    // Minutes after 2020-07-01T00:00:00Z.
    let base = 1_593_561_600i64;
    let t = base + minutes * 60;
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's algorithm).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

impl ForumData {
    /// `topics` generated topics over three years (Jul 2020 on), in 5 categories (one of them a
    /// subcategory, one private), deterministic for `seed`.
    pub fn generate(topics: usize, seed: u64) -> ForumData {
        let mut rng = fastrand::Rng::with_seed(seed);
        let categories = vec![
            json!({"id": 5, "name": "Beginners", "slug": "beginners", "topic_count": 0, "post_count": 0, "read_restricted": false,
                   "subcategory_list": [{"id": 9, "name": "Course", "slug": "course", "parent_category_id": 5, "read_restricted": false}]}),
            json!({"id": 6, "name": "Intermediate", "slug": "intermediate", "read_restricted": false}),
            json!({"id": 7, "name": "Research", "slug": "research", "read_restricted": false}),
            json!({"id": 8, "name": "Staff", "slug": "staff", "read_restricted": true}),
        ];
        let span = 3 * 365 * 24 * 60;
        let mut next_post = 1_000i64;
        let mut out = Vec::with_capacity(topics);
        for k in 0..topics {
            let id = 100 + k as i64;
            let created = (span as f64 * k as f64 / topics.max(1) as f64) as i64;
            let category_id = [5, 6, 7, 9, 5, 6][k % 6];
            let n_posts = 1 + rng.usize(..8);
            let mut posts = Vec::with_capacity(n_posts);
            for number in 1..=n_posts as i64 {
                let words: Vec<&str> = (0..6 + rng.usize(..20))
                    .map(|_| TALK[rng.usize(..TALK.len())])
                    .collect();
                posts.push(PostData {
                    id: next_post,
                    number,
                    author: format!("user{}", rng.u32(..500)),
                    created_at: date(created + number * 7),
                    updated_at: date(created + number * 7),
                    raw: format!("Post {number} of topic {id}: {}.", words.join(" and ")),
                    deleted: number > 1 && k % 11 == 3 && number == 2,
                    staff: rng.u8(..20) == 0,
                    group: (rng.u8(..25) == 0).then(|| "huggingface".to_string()),
                    reply_to: (number > 2).then(|| number - 1),
                    accepted: false,
                });
                next_post += 1 + i64::from(rng.u8(..3));
            }
            if k % 7 == 2 && posts.len() > 1 {
                let last = posts.len() - 1;
                posts[last].accepted = true;
            }
            let last = posts
                .last()
                .map(|p| p.created_at.clone())
                .unwrap_or_default();
            out.push(TopicData {
                id,
                category_id,
                title: format!(
                    "Topic {id}: {} with {}",
                    TALK[rng.usize(..TALK.len())],
                    TALK[rng.usize(..TALK.len())]
                ),
                tags: if k % 4 == 0 {
                    vec!["transformers".into()]
                } else {
                    Vec::new()
                },
                created_at: date(created),
                bumped_at: last,
                views: i64::from(rng.u32(..5000)),
                like_count: i64::from(rng.u32(..40)),
                status: match k % 97 {
                    13 => TopicStatus::Forbidden,
                    29 => TopicStatus::Gone,
                    41 => TopicStatus::Html,
                    _ => TopicStatus::Normal,
                },
                raw_available: k % 5 != 4,
                posts,
                real: None,
            });
        }
        // One post with 1 MB of text.
        if let Some(t) = out.get_mut(10) {
            t.posts[0].raw = format!("huge {}", "x".repeat(1 << 20));
        }
        ForumData {
            categories,
            topics: out,
            real_posts: HashMap::new(),
            clock: span + 10_000,
        }
    }

    /// Adds the real responses of `dir` (`forum/discourse-real-responses`): topic 2108 served
    /// from `t_2108_post_452.json` with the posts of every file, and topic 2144 built from its
    /// posts.
    pub fn with_real_responses(mut self, dir: &Path) -> std::io::Result<ForumData> {
        let read = |name: &str| -> std::io::Result<Value> {
            let text = std::fs::read_to_string(dir.join(name))?;
            serde_json::from_str(&text)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        };
        let topic = read("t_2108_post_452.json")?;
        let mut posts_by_topic: HashMap<i64, Vec<Value>> = HashMap::new();
        for name in [
            "t_2108_post_452.json",
            "t_2108_posts.json",
            "t_2108_posts_pn_21.json",
            "t_2144_posts.json",
        ] {
            let v = read(name)?;
            for p in v["post_stream"]["posts"].as_array().into_iter().flatten() {
                if let (Some(id), Some(t)) = (p["id"].as_i64(), p["topic_id"].as_i64()) {
                    if !self.real_posts.contains_key(&id) {
                        posts_by_topic.entry(t).or_default().push(p.clone());
                    }
                    self.real_posts.insert(id, p.clone());
                }
            }
        }
        for (id, real) in [(2108i64, Some(topic)), (2144, None)] {
            let posts = posts_by_topic.remove(&id).unwrap_or_default();
            let first = real.clone().unwrap_or_else(|| {
                let mut sorted = posts.clone();
                sorted.sort_by_key(|p| p["post_number"].as_i64());
                let stream: Vec<Value> = sorted.iter().map(|p| p["id"].clone()).collect();
                json!({
                    "id": id, "title": sorted.first().map(|p| p["topic_slug"].clone()).unwrap_or_default(),
                    "slug": sorted.first().map(|p| p["topic_slug"].clone()).unwrap_or_default(),
                    "posts_count": sorted.len(), "category_id": 7,
                    "created_at": sorted.first().map(|p| p["created_at"].clone()).unwrap_or_default(),
                    "post_stream": {"posts": sorted.iter().take(FIRST_POSTS).cloned().collect::<Vec<_>>(), "stream": stream}
                })
            });
            let created = first["created_at"].as_str().unwrap_or_default().to_string();
            let bumped = first["last_posted_at"]
                .as_str()
                .map_or_else(|| created.clone(), str::to_string);
            self.topics.push(TopicData {
                id,
                category_id: first["category_id"].as_i64().unwrap_or(7),
                title: first["title"].as_str().unwrap_or_default().to_string(),
                tags: Vec::new(),
                created_at: created,
                bumped_at: bumped,
                views: first["views"].as_i64().unwrap_or(0),
                like_count: first["like_count"].as_i64().unwrap_or(0),
                status: TopicStatus::Normal,
                raw_available: false,
                posts: Vec::new(),
                real: Some(first),
            });
        }
        self.topics.sort_by(|a, b| a.created_at.cmp(&b.created_at));
        Ok(self)
    }

    /// Posts the crawler can read (not deleted), over all topics.
    pub fn visible_posts(&self) -> usize {
        self.topics
            .iter()
            .filter(|t| t.status == TopicStatus::Normal)
            .map(|t| match &t.real {
                Some(real) => real["post_stream"]["stream"].as_array().map_or(0, |s| {
                    s.iter()
                        .filter(|id| {
                            id.as_i64()
                                .is_some_and(|i| self.real_posts.contains_key(&i))
                        })
                        .count()
                }),
                None => t.posts.iter().filter(|p| !p.deleted).count(),
            })
            .sum()
    }

    /// Edits a post's text; its topic is bumped (as an edit does on the real forum).
    pub fn edit_post(&mut self, post_id: i64, raw: &str) -> bool {
        self.clock += 1;
        let now = date(self.clock);
        for t in &mut self.topics {
            if let Some(p) = t.posts.iter_mut().find(|p| p.id == post_id) {
                p.raw = raw.to_string();
                p.updated_at = now.clone();
                t.bumped_at = now;
                return true;
            }
        }
        false
    }

    /// Adds a reply to a topic (bumping it); returns the new post's id.
    pub fn reply(&mut self, topic_id: i64, raw: &str) -> Option<i64> {
        self.clock += 1;
        let now = date(self.clock);
        let id = self
            .topics
            .iter()
            .flat_map(|t| t.posts.iter().map(|p| p.id))
            .max()
            .unwrap_or(0)
            + 1;
        let t = self.topics.iter_mut().find(|t| t.id == topic_id)?;
        let number = t.posts.len() as i64 + 1;
        t.posts.push(PostData {
            id,
            number,
            author: "newcomer".into(),
            created_at: now.clone(),
            updated_at: now.clone(),
            raw: raw.to_string(),
            deleted: false,
            staff: false,
            group: None,
            reply_to: None,
            accepted: false,
        });
        t.bumped_at = now;
        Some(id)
    }
}

fn post_json(t: &TopicData, p: &PostData, include_raw: bool) -> Value {
    let cooked = format!(
        "<p>{}</p>",
        p.raw
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    );
    let mut v = json!({
        "id": p.id, "name": p.author, "username": p.author, "created_at": p.created_at,
        "updated_at": p.updated_at, "cooked": cooked, "post_number": p.number, "post_type": 1,
        "reply_to_post_number": p.reply_to, "topic_id": t.id, "topic_slug": format!("topic-{}", t.id),
        "staff": p.staff, "admin": false, "moderator": p.staff, "primary_group_name": p.group,
        "accepted_answer": p.accepted, "hidden": false, "deleted_at": null, "version": 1
    });
    if include_raw && t.raw_available {
        v["raw"] = Value::String(p.raw.clone());
    }
    v
}

fn listed(t: &TopicData) -> Value {
    let visible = t.posts.iter().filter(|p| !p.deleted).count();
    json!({
        "id": t.id, "title": t.title, "fancy_title": t.title, "slug": format!("topic-{}", t.id),
        "posts_count": if t.real.is_some() { t.real.as_ref().map_or(0, |r| r["posts_count"].as_i64().unwrap_or(0)) } else { visible as i64 },
        "reply_count": visible.saturating_sub(1), "created_at": t.created_at,
        "last_posted_at": t.bumped_at, "bumped": true, "bumped_at": t.bumped_at, "pinned": false,
        "visible": true, "closed": false, "archived": false, "views": t.views,
        "like_count": t.like_count, "category_id": t.category_id, "tags": t.tags,
        "has_accepted_answer": t.posts.iter().any(|p| p.accepted), "archetype": "regular"
    })
}

pub(crate) fn route(data: &ForumData, path: &str, query: &str) -> Response {
    let p = params(query);
    if path == "/categories.json" {
        let include = param(&p, "include_subcategories") == Some("true");
        let cats: Vec<Value> = data
            .categories
            .iter()
            .map(|c| {
                let mut c = c.clone();
                if !include && let Some(o) = c.as_object_mut() {
                    let subs = o.remove("subcategory_list");
                    if let Some(ids) = subs.as_ref().and_then(Value::as_array) {
                        o.insert(
                            "subcategory_ids".into(),
                            ids.iter().map(|s| s["id"].clone()).collect(),
                        );
                    }
                }
                c
            })
            .collect();
        return json_response(
            200,
            json!({"category_list": {"categories": cats}}).to_string(),
        );
    }
    let category = path
        .strip_prefix("/c/")
        .and_then(|rest| rest.strip_suffix(".json"))
        .and_then(|rest| rest.rsplit('/').next())
        .and_then(|id| id.parse::<i64>().ok());
    if path == "/latest.json" || category.is_some() {
        let by_activity = param(&p, "order") != Some("created");
        let ascending = param(&p, "ascending") == Some("true");
        let page: usize = param(&p, "page").and_then(|n| n.parse().ok()).unwrap_or(0);
        let mut topics: Vec<&TopicData> = data
            .topics
            .iter()
            .filter(|t| {
                category.is_none_or(|c| {
                    t.category_id == c
                        || data.categories.iter().any(|parent| {
                            parent["id"].as_i64() == Some(c)
                                && parent["subcategory_list"].as_array().is_some_and(|s| {
                                    s.iter().any(|s| s["id"].as_i64() == Some(t.category_id))
                                })
                        })
                })
            })
            .collect();
        if by_activity {
            topics.sort_by(|a, b| b.bumped_at.cmp(&a.bumped_at));
        } else {
            topics.sort_by(|a, b| a.created_at.cmp(&b.created_at));
        }
        if ascending == by_activity {
            topics.reverse();
        }
        let start = (page * PAGE).min(topics.len());
        let end = (start + PAGE).min(topics.len());
        let list: Vec<Value> = topics[start..end].iter().map(|t| listed(t)).collect();
        let mut topic_list = json!({"can_create_topic": false, "per_page": PAGE, "topics": list});
        if end < topics.len() {
            let base = path.trim_end_matches(".json");
            let order = if by_activity { "activity" } else { "created" };
            topic_list["more_topics_url"] = Value::String(format!(
                "{base}?order={order}&ascending={ascending}&page={}",
                page + 1
            ));
        }
        return json_response(
            200,
            json!({"users": [], "topic_list": topic_list}).to_string(),
        );
    }
    let Some(rest) = path.strip_prefix("/t/") else {
        return plain(404, "Not Found");
    };
    let include_raw = matches!(param(&p, "include_raw"), Some("1" | "true"));
    let (id_text, posts_request) = match rest.strip_suffix("/posts.json") {
        Some(id) => (id, true),
        None => (rest.strip_suffix(".json").unwrap_or(rest), false),
    };
    let Some(t) = id_text
        .parse::<i64>()
        .ok()
        .and_then(|id| data.topics.iter().find(|t| t.id == id))
    else {
        return json_response(404, json!({"errors": ["The requested URL or resource could not be found."], "error_type": "not_found"}).to_string());
    };
    match t.status {
        TopicStatus::Forbidden => {
            return json_response(403, json!({"errors": ["You are not permitted to view the requested resource."], "error_type": "invalid_access"}).to_string());
        }
        TopicStatus::Gone => {
            return json_response(404, json!({"errors": ["The requested URL or resource could not be found."], "error_type": "not_found"}).to_string());
        }
        TopicStatus::Html => {
            let mut r = plain(
                200,
                "<!DOCTYPE html><html><body><h1>Oops</h1><p>The software powering this discussion forum encountered an unexpected problem.</p></body></html>",
            );
            set(&mut r, "Content-Type", "text/html; charset=utf-8");
            return r;
        }
        TopicStatus::Normal => {}
    }
    if posts_request {
        let wanted: Vec<i64> = p
            .iter()
            .filter(|(k, _)| k == "post_ids[]")
            .filter_map(|(_, v)| v.parse().ok())
            .collect();
        let posts: Vec<Value> = match &t.real {
            Some(_) => wanted
                .iter()
                .filter_map(|id| data.real_posts.get(id).cloned())
                .collect(),
            None => t
                .posts
                .iter()
                .filter(|p| !p.deleted && wanted.contains(&p.id))
                .map(|p| post_json(t, p, include_raw))
                .collect(),
        };
        return json_response(
            200,
            json!({"post_stream": {"posts": posts}, "id": t.id}).to_string(),
        );
    }
    if let Some(real) = &t.real {
        return json_response(200, real.to_string());
    }
    let visible: Vec<&PostData> = t.posts.iter().filter(|p| !p.deleted).collect();
    let mut topic = listed(t);
    topic["post_stream"] = json!({
        "posts": visible.iter().take(FIRST_POSTS).map(|p| post_json(t, p, include_raw)).collect::<Vec<_>>(),
        "stream": visible.iter().map(|p| p.id).collect::<Vec<_>>(),
    });
    if let Some(p) = t.posts.iter().find(|p| p.accepted) {
        topic["accepted_answer"] = json!({"post_number": p.number, "username": p.author});
    }
    json_response(200, topic.to_string())
}
