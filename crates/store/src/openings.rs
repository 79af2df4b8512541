//! The opening of each stored forum topic or Hub discussion: what a coder, and the classifier,
//! read first.

use crate::{Store, StoreError};

/// A stored topic's title, its opening post and how many visible posts it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opening {
    pub id: i64,
    pub title: String,
    /// The first post (forum) or first visible comment (Hub discussion); empty when none.
    pub first_post: String,
    /// Visible posts, the opening one included.
    pub posts: u64,
}

/// Which stored topics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicKind {
    Forum,
    Discussions,
}

impl Store {
    /// The openings of every stored forum topic or Hub discussion, by id.
    pub fn openings(&self, kind: TopicKind) -> Result<Vec<Opening>, StoreError> {
        let sql = match kind {
            TopicKind::Forum => {
                "SELECT t.id, coalesce(t.title, ''),
                        coalesce((SELECT p.raw FROM forum_posts p WHERE p.topic_id = t.id
                                  ORDER BY p.post_number LIMIT 1), ''),
                        (SELECT count(*) FROM forum_posts p WHERE p.topic_id = t.id)
                 FROM forum_topics t ORDER BY t.id"
            }
            TopicKind::Discussions => {
                "SELECT d.id, coalesce(d.title, ''),
                        coalesce((SELECT c.text FROM discussion_comments c
                                  WHERE c.discussion_id = d.id AND NOT coalesce(c.hidden, 0)
                                  ORDER BY c.position LIMIT 1), ''),
                        (SELECT count(*) FROM discussion_comments c
                         WHERE c.discussion_id = d.id AND NOT coalesce(c.hidden, 0))
                 FROM discussions d ORDER BY d.id"
            }
        };
        let mut statement = self.conn.prepare(sql)?;
        let rows = statement.query_map([], |r| {
            Ok(Opening {
                id: r.get(0)?,
                title: r.get(1)?,
                first_post: r.get(2)?,
                posts: r.get::<_, i64>(3)?.max(0) as u64,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// A topic as a coding sheet shows it: its whole thread, and the forum category it is drawn
/// from (`None` for Hub discussions, which have none).
#[derive(Debug, Clone, PartialEq)]
pub struct CodingItem {
    pub id: i64,
    pub stratum: Option<i64>,
    pub title: String,
    /// Every post or visible comment, in order, blank lines between them.
    pub text: String,
    /// Posts after the first.
    pub replies: u64,
}

impl TopicKind {
    /// The `source` of the codes of these topics.
    pub fn source(self) -> &'static str {
        match self {
            TopicKind::Forum => "forum",
            TopicKind::Discussions => "discussions",
        }
    }
}

impl Store {
    /// Every stored topic of `kind` with its whole thread, by id.
    pub fn coding_items(&self, kind: TopicKind) -> Result<Vec<CodingItem>, StoreError> {
        let sql = match kind {
            TopicKind::Forum => {
                "SELECT t.id, t.category_id, coalesce(t.title, ''), coalesce(group_concat(p.raw, char(10) || char(10)), ''),
                        count(p.id) - 1
                 FROM forum_topics t LEFT JOIN (SELECT * FROM forum_posts ORDER BY topic_id, post_number) p ON p.topic_id = t.id
                 GROUP BY t.id ORDER BY t.id"
            }
            TopicKind::Discussions => {
                "SELECT d.id, NULL, coalesce(d.title, ''), coalesce(group_concat(c.text, char(10) || char(10)), ''),
                        count(c.position) - 1
                 FROM discussions d LEFT JOIN (SELECT * FROM discussion_comments WHERE NOT coalesce(hidden, 0) ORDER BY discussion_id, position) c
                   ON c.discussion_id = d.id
                 GROUP BY d.id ORDER BY d.id"
            }
        };
        let mut statement = self.conn.prepare(sql)?;
        let rows = statement.query_map([], |r| {
            Ok(CodingItem {
                id: r.get(0)?,
                stratum: r.get(1)?,
                title: r.get(2)?,
                text: r.get(3)?,
                replies: r.get::<_, i64>(4)?.max(0) as u64,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
