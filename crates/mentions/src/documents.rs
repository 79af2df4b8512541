//! Reading topics from the store as documents: a forum topic is its title and its posts, a Hub
//! discussion its title and its visible comments, each dated by the month it was opened (a forum
//! topic known only from its posts, by its first post).
//! Topics are read in batches and counted on another thread while the next batch is read.

use std::sync::mpsc::sync_channel;

use hubscope_store::time::{self, Month};
use hubscope_store::{DiscussionThread, Store, StoreError};

use crate::count::{CountOptions, Document, Source, Tally};
use crate::matcher::Matcher;

/// Which topics to count.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub sources: Vec<Source>,
    /// First month counted (inclusive).
    pub from: Option<Month>,
    /// Last month counted (inclusive).
    pub to: Option<Month>,
}

/// What was read, beside the counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reading {
    /// Topics read per source.
    pub topics: Vec<(Source, u64)>,
    /// Topics without a creation date, left out.
    pub undated: Vec<(Source, u64)>,
}

const BATCH: usize = 2_000;

/// Counts the selected topics of the store.
pub fn count_store(
    store: &Store,
    matcher: &Matcher,
    selection: &Selection,
    options: CountOptions,
) -> Result<(Tally, Reading), StoreError> {
    let families = matcher.families().len();
    let mut reading = Reading::default();
    let tally = std::thread::scope(|scope| -> Result<Tally, StoreError> {
        let (send, receive) = sync_channel::<Vec<Document>>(2);
        let counter = scope.spawn(move || {
            let mut tally = Tally::new(families);
            for batch in receive {
                tally.add(matcher, &batch, options);
            }
            tally
        });
        let mut read = || -> Result<(), StoreError> {
            for &source in &selection.sources {
                let (n, bad_dates) = read_source(store, source, selection, &mut |batch| {
                    // The counter only stops early if it panicked; join reports that below.
                    send.send(batch).is_ok()
                })?;
                reading.topics.push((source, n));
                reading
                    .undated
                    .push((source, undated(store, source)? + bad_dates));
            }
            Ok(())
        };
        let result = read();
        drop(send);
        let tally = counter
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        result.map(|()| tally)
    })?;
    Ok((tally, reading))
}

/// Streams one source's topics in batches to `each` (which returns false to stop). Returns
/// the number of topics read and of topics left out for a date that is not one.
fn read_source(
    store: &Store,
    source: Source,
    selection: &Selection,
    each: &mut dyn FnMut(Vec<Document>) -> bool,
) -> Result<(u64, u64), StoreError> {
    let sql = match source {
        Source::Forum => {
            // A topic known only from its posts (a saved /posts.json) is dated by its first
            // post.
            "WITH dated AS (
                SELECT id, title, coalesce(created_at,
                    (SELECT created_at FROM forum_posts WHERE topic_id = forum_topics.id AND post_number = 1)
                ) AS created_at
                FROM forum_topics
             )
             SELECT t.id, t.created_at, t.title, p.raw
             FROM dated t LEFT JOIN forum_posts p ON p.topic_id = t.id
             WHERE t.created_at >= ?1 AND t.created_at < ?2
             ORDER BY t.id, p.post_number"
        }
        Source::Discussions => {
            "SELECT d.id, d.created_at, d.title, c.text
             FROM discussions d LEFT JOIN discussion_comments c
               ON c.discussion_id = d.id AND NOT coalesce(c.hidden, 0)
             WHERE d.created_at >= ?1 AND d.created_at < ?2
             ORDER BY d.id, c.position"
        }
    };
    let from = selection
        .from
        .map_or_else(String::new, Month::start_timestamp);
    let to = selection
        .to
        .map_or_else(|| "~".to_string(), |m| m.next().start_timestamp());
    let mut statement = store.connection().prepare(sql)?;
    let mut rows = statement.query([&from, &to])?;
    let mut batch: Vec<Document> = Vec::with_capacity(BATCH);
    let mut read = 0u64;
    let (mut bad_dates, mut last_bad) = (0u64, None);
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let part: Option<String> = row.get(3)?;
        if batch.last().is_none_or(|d| d.id != id) {
            let created: String = row.get(1)?;
            let Some(month) = Month::parse(&created).filter(|m| time::is_plausible_month(*m))
            else {
                // Dates are normalised on ingest; a row written by another tool may not be.
                if last_bad != Some(id) {
                    last_bad = Some(id);
                    bad_dates += 1;
                }
                continue;
            };
            if batch.len() == BATCH && !each(std::mem::take(&mut batch)) {
                return Ok((read, bad_dates));
            }
            let title: Option<String> = row.get(2)?;
            batch.push(Document {
                source,
                id,
                month,
                text: title.unwrap_or_default(),
            });
            read += 1;
        }
        if let (Some(part), Some(doc)) = (part, batch.last_mut())
            && doc.id == id
        {
            doc.text.push_str("\n\n");
            doc.text.push_str(&part);
        }
    }
    if !batch.is_empty() {
        each(batch);
    }
    Ok((read, bad_dates))
}

/// A Hub discussion as a document, composed as [`count_store`] composes a stored one: the title,
/// then each visible comment after a blank line. `None` without a valid creation date.
pub fn discussion_document(thread: &DiscussionThread, id: i64) -> Option<Document> {
    let month =
        Month::parse(thread.created_at.as_deref()?).filter(|m| time::is_plausible_month(*m))?;
    let mut text = thread.title.clone().unwrap_or_default();
    for comment in &thread.comments {
        if comment.hidden == Some(true) {
            continue;
        }
        if let Some(part) = &comment.text {
            text.push_str("\n\n");
            text.push_str(part);
        }
    }
    Some(Document {
        source: Source::Discussions,
        id,
        month,
        text,
    })
}

fn undated(store: &Store, source: Source) -> Result<u64, StoreError> {
    let sql = match source {
        Source::Forum => {
            "SELECT count(*) FROM forum_topics t WHERE created_at IS NULL AND NOT EXISTS
             (SELECT 1 FROM forum_posts WHERE topic_id = t.id AND post_number = 1 AND created_at IS NOT NULL)"
        }
        Source::Discussions => "SELECT count(*) FROM discussions WHERE created_at IS NULL",
    };
    Ok(store
        .connection()
        .query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
}

/// The stored model types and how many models have each, most used first.
pub fn stored_model_types(store: &Store) -> Result<Vec<(String, u64)>, StoreError> {
    let mut statement = store.connection().prepare(
        "SELECT model_type, count(*) FROM models WHERE model_type IS NOT NULL AND model_type != ''
         GROUP BY model_type ORDER BY count(*) DESC, model_type",
    )?;
    let rows = statement.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
