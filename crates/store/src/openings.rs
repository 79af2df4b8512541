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
