//! Forum records (a Discourse forum: categories, topics, posts) and how they are stored.
//!
//! A topic is stored with the posts known for it. When the posts are the topic's whole stream
//! ([`ForumThread::complete`]), posts stored before and no longer in it (deleted since) are
//! removed; otherwise posts are only added or updated (a folder of saved responses may hold a
//! topic's first page only).

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::error::StoreError;
use crate::ingest::IngestCounts;
use crate::time;

/// A forum category (subcategories name their parent).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ForumCategory {
    pub id: i64,
    pub slug: Option<String>,
    pub name: Option<String>,
    pub parent_id: Option<i64>,
    pub description: Option<String>,
    pub topic_count: Option<i64>,
    pub post_count: Option<i64>,
    /// Readable by some groups only (a private category).
    pub read_restricted: Option<bool>,
}

/// A forum topic.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ForumTopic {
    pub id: i64,
    pub category_id: Option<i64>,
    pub title: Option<String>,
    pub slug: Option<String>,
    pub tags: Vec<String>,
    /// Normalised UTC timestamps (see [`crate::time`]).
    pub created_at: Option<String>,
    pub bumped_at: Option<String>,
    pub last_posted_at: Option<String>,
    pub views: Option<i64>,
    pub like_count: Option<i64>,
    pub posts_count: Option<i64>,
    pub reply_count: Option<i64>,
    /// The post marked as the accepted answer (the "solved" plugin), when known.
    pub accepted_answer_post_id: Option<i64>,
    pub closed: Option<bool>,
    pub archived: Option<bool>,
}

/// Where a post's text comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextSource {
    /// The author's Markdown (`raw`).
    Raw,
    /// Text extracted from the rendered HTML (`cooked`), when the raw text was not given.
    Cooked,
}

impl TextSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TextSource::Raw => "raw",
            TextSource::Cooked => "cooked",
        }
    }
}

/// A post of a topic.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForumPost {
    pub id: i64,
    pub topic_id: i64,
    pub post_number: Option<i64>,
    pub author: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub reply_to_post_number: Option<i64>,
    pub text: String,
    pub text_source: TextSource,
    pub is_accepted_answer: bool,
    /// The author is staff (admin or moderator) of the forum, as the API says.
    pub author_is_staff: Option<bool>,
    /// The author's primary group (e.g. the company's team), as the API says.
    pub author_group: Option<String>,
}

/// A topic with the posts read for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForumThread {
    pub topic: ForumTopic,
    pub posts: Vec<ForumPost>,
    /// `posts` is the topic's whole stream: stored posts missing from it were deleted.
    pub complete: bool,
}

impl ForumThread {
    /// A fingerprint of everything stored for the thread (to tell an unchanged thread).
    pub fn content_sha1(&self) -> String {
        let mut h = sha1_smol::Sha1::new();
        if let Ok(json) = serde_json::to_vec(self) {
            h.update(&json);
        }
        h.digest().to_string()
    }
}

/// What the store knows of a topic, to decide whether to fetch it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTopic {
    pub bumped_at: Option<String>,
    pub posts_count: Option<i64>,
    /// Posts stored for it.
    pub posts: i64,
}

pub(crate) fn write_category_rows(
    conn: &Connection,
    records: &[ForumCategory],
) -> Result<IngestCounts, StoreError> {
    let mut counts = IngestCounts::default();
    let mut find = conn.prepare_cached(
        "SELECT slug, name, parent_id, description, topic_count, post_count, read_restricted \
         FROM forum_categories WHERE id = ?1",
    )?;
    let mut upsert = conn.prepare_cached(
        "INSERT INTO forum_categories (id, slug, name, parent_id, description, topic_count, \
         post_count, read_restricted) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
         ON CONFLICT (id) DO UPDATE SET slug = coalesce(excluded.slug, slug), \
         name = coalesce(excluded.name, name), parent_id = coalesce(excluded.parent_id, parent_id), \
         description = coalesce(excluded.description, description), \
         topic_count = coalesce(excluded.topic_count, topic_count), \
         post_count = coalesce(excluded.post_count, post_count), \
         read_restricted = coalesce(excluded.read_restricted, read_restricted)",
    )?;
    type Row = (
        Option<String>,
        Option<String>,
        Option<i64>,
        Option<String>,
        Option<i64>,
        Option<i64>,
        Option<bool>,
    );
    for c in records {
        let stored: Option<Row> = find
            .query_row([c.id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .optional()?;
        upsert.execute(params![
            c.id,
            c.slug,
            c.name,
            c.parent_id,
            c.description,
            c.topic_count,
            c.post_count,
            c.read_restricted
        ])?;
        match stored {
            None => counts.stored += 1,
            Some(before) => {
                let after: Row = find.query_row([c.id], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                })?;
                if after == before {
                    counts.unchanged += 1;
                } else {
                    counts.updated += 1;
                }
            }
        }
    }
    Ok(counts)
}

pub(crate) fn write_thread_rows(
    conn: &Connection,
    run_id: i64,
    records: &[ForumThread],
) -> Result<IngestCounts, StoreError> {
    let mut counts = IngestCounts::default();
    let now = time::now();
    let mut find = conn.prepare_cached("SELECT content_sha1 FROM forum_topics WHERE id = ?1")?;
    let mut upsert_topic = conn.prepare_cached(
        "INSERT INTO forum_topics (id, category_id, title, slug, tags, created_at, bumped_at, \
         last_posted_at, views, like_count, posts_count, reply_count, accepted_answer_post_id, \
         closed, archived, fetched_at, content_sha1, run_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) \
         ON CONFLICT (id) DO UPDATE SET category_id = coalesce(excluded.category_id, category_id), \
         title = coalesce(excluded.title, title), slug = coalesce(excluded.slug, slug), \
         tags = coalesce(excluded.tags, tags), created_at = coalesce(excluded.created_at, created_at), \
         bumped_at = coalesce(excluded.bumped_at, bumped_at), \
         last_posted_at = coalesce(excluded.last_posted_at, last_posted_at), \
         views = coalesce(excluded.views, views), like_count = coalesce(excluded.like_count, like_count), \
         posts_count = coalesce(excluded.posts_count, posts_count), \
         reply_count = coalesce(excluded.reply_count, reply_count), \
         accepted_answer_post_id = coalesce(excluded.accepted_answer_post_id, accepted_answer_post_id), \
         closed = coalesce(excluded.closed, closed), archived = coalesce(excluded.archived, archived), \
         fetched_at = excluded.fetched_at, content_sha1 = excluded.content_sha1, run_id = excluded.run_id",
    )?;
    let mut upsert_post = conn.prepare_cached(
        "INSERT INTO forum_posts (id, topic_id, post_number, author, created_at, updated_at, \
         reply_to_post_number, raw, text_source, is_accepted_answer, author_is_staff, \
         author_group, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
         ON CONFLICT (id) DO UPDATE SET topic_id = excluded.topic_id, \
         post_number = coalesce(excluded.post_number, post_number), \
         author = coalesce(excluded.author, author), created_at = coalesce(excluded.created_at, created_at), \
         updated_at = coalesce(excluded.updated_at, updated_at), \
         reply_to_post_number = coalesce(excluded.reply_to_post_number, reply_to_post_number), \
         raw = CASE WHEN excluded.text_source = 'cooked' AND text_source = 'raw' \
               AND coalesce(excluded.updated_at, '') <= coalesce(updated_at, '') \
               THEN raw ELSE excluded.raw END, \
         text_source = CASE WHEN excluded.text_source = 'cooked' AND text_source = 'raw' \
               AND coalesce(excluded.updated_at, '') <= coalesce(updated_at, '') \
               THEN text_source ELSE excluded.text_source END, \
         is_accepted_answer = excluded.is_accepted_answer OR is_accepted_answer, \
         author_is_staff = coalesce(excluded.author_is_staff, author_is_staff), \
         author_group = coalesce(excluded.author_group, author_group), \
         fetched_at = excluded.fetched_at",
    )?;
    let mut existing_posts =
        conn.prepare_cached("SELECT id FROM forum_posts WHERE topic_id = ?1")?;
    let mut delete_post = conn.prepare_cached("DELETE FROM forum_posts WHERE id = ?1")?;
    for thread in records {
        let t = &thread.topic;
        let sha = thread.content_sha1();
        let stored: Option<Option<String>> = find.query_row([t.id], |r| r.get(0)).optional()?;
        match &stored {
            Some(Some(s)) if *s == sha => {
                counts.unchanged += 1;
                continue;
            }
            Some(_) => counts.updated += 1,
            None => counts.stored += 1,
        }
        // A list of strings always serialises.
        let tags = (!t.tags.is_empty()).then(|| serde_json::to_string(&t.tags).unwrap_or_default());
        upsert_topic.execute(params![
            t.id,
            t.category_id,
            t.title,
            t.slug,
            tags,
            t.created_at,
            t.bumped_at,
            t.last_posted_at,
            t.views,
            t.like_count,
            t.posts_count,
            t.reply_count,
            t.accepted_answer_post_id,
            t.closed,
            t.archived,
            now,
            sha,
            run_id
        ])?;
        for p in &thread.posts {
            upsert_post.execute(params![
                p.id,
                p.topic_id,
                p.post_number,
                p.author,
                p.created_at,
                p.updated_at,
                p.reply_to_post_number,
                p.text,
                p.text_source.as_str(),
                p.is_accepted_answer,
                p.author_is_staff,
                p.author_group,
                now
            ])?;
        }
        if thread.complete {
            let keep: std::collections::HashSet<i64> = thread.posts.iter().map(|p| p.id).collect();
            let stale: Vec<i64> = existing_posts
                .query_map([t.id], |r| r.get(0))?
                .collect::<Result<Vec<i64>, _>>()?
                .into_iter()
                .filter(|id| !keep.contains(id))
                .collect();
            for id in stale {
                delete_post.execute([id])?;
            }
        }
    }
    Ok(counts)
}

pub(crate) fn stored_topics(
    conn: &Connection,
    ids: &[i64],
) -> Result<Vec<Option<StoredTopic>>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT bumped_at, posts_count, (SELECT count(*) FROM forum_posts p WHERE p.topic_id = t.id) \
         FROM forum_topics t WHERE id = ?1",
    )?;
    ids.iter()
        .map(|id| {
            Ok(stmt
                .query_row([id], |r| {
                    Ok(StoredTopic {
                        bumped_at: r.get(0)?,
                        posts_count: r.get(1)?,
                        posts: r.get(2)?,
                    })
                })
                .optional()?)
        })
        .collect()
}
