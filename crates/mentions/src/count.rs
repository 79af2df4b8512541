//! Counting, per month and family, the topics whose text mentions the family: a pure fold over
//! documents, in parallel with rayon. A topic counts once per family however often it names it.

use std::collections::BTreeMap;

use hubscope_store::time::Month;
use rayon::prelude::*;
use serde::Serialize;

use crate::code::blank_code;
use crate::matcher::{Matcher, Verdict};

/// Where a topic comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A topic of the Hugging Face forum: title and posts.
    Forum,
    /// A Hub discussion on a model repository: title and visible comments.
    Discussions,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Forum => "forum",
            Source::Discussions => "discussions",
        }
    }
}

/// One topic's text, dated by the month the topic was opened.
#[derive(Debug, Clone)]
pub struct Document {
    pub source: Source,
    /// Topic id (forum) or discussion row id (Hub discussions).
    pub id: i64,
    pub month: Month,
    pub text: String,
}

/// How to count.
#[derive(Debug, Clone, Copy, Default)]
pub struct CountOptions {
    /// Ignore fenced code blocks and inline code spans.
    pub skip_code: bool,
    /// Keep every occurrence of an ambiguous family's names with its context, for review.
    pub review: bool,
}

/// The topics of one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthCounts {
    /// Topics read.
    pub topics: u64,
    /// Topics mentioning each family, by family index.
    pub by_family: Vec<u32>,
}

/// One occurrence of an ambiguous family's name or alias, for a researcher to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewLine {
    pub family: usize,
    pub source: Source,
    pub id: i64,
    pub month: Month,
    pub verdict: Verdict,
    /// The name as written.
    pub matched: String,
    /// About 60 characters either side, on one line.
    pub snippet: String,
}

/// Per-family counts of occurrences, to review what the model-context rule did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameCounts {
    /// Occurrences counted.
    pub accepted: u64,
    /// Occurrences of the name outside a model context (not counted).
    pub rejected: u64,
    /// Topics counted for the family.
    pub topics: u64,
    /// Topics that use the name only outside a model context (not counted).
    pub topics_word_only: u64,
    /// Occurrences in enumerations of class names (not counted).
    pub in_lists: u64,
}

/// What counting found.
#[derive(Debug, Clone)]
pub struct Tally {
    pub months: BTreeMap<Month, MonthCounts>,
    pub names: Vec<NameCounts>,
    pub documents: u64,
    pub bytes: u64,
    /// Topics that mention at least one family.
    pub with_mention: u64,
    pub review: Vec<ReviewLine>,
    families: usize,
}

impl Tally {
    pub fn new(families: usize) -> Tally {
        Tally {
            months: BTreeMap::new(),
            names: vec![NameCounts::default(); families],
            documents: 0,
            bytes: 0,
            with_mention: 0,
            review: Vec::new(),
            families,
        }
    }

    /// Counts a batch of documents, in parallel.
    pub fn add(&mut self, matcher: &Matcher, documents: &[Document], options: CountOptions) {
        let n = matcher.families().len();
        let part = documents
            .par_iter()
            .fold(
                || Scratch::new(n),
                |mut scratch, doc| {
                    scratch.count(matcher, doc, options);
                    scratch
                },
            )
            .map(|s| s.tally)
            .reduce(|| Tally::new(n), Tally::merged);
        self.merge(part);
    }

    fn merged(mut self, other: Tally) -> Tally {
        self.merge(other);
        self
    }

    /// Adds another tally's counts (same families).
    pub fn merge(&mut self, other: Tally) {
        for (month, counts) in other.months {
            let mine = self.months.entry(month).or_insert_with(|| MonthCounts {
                topics: 0,
                by_family: vec![0; self.families],
            });
            mine.topics += counts.topics;
            for (a, b) in mine.by_family.iter_mut().zip(counts.by_family) {
                *a += b;
            }
        }
        for (a, b) in self.names.iter_mut().zip(other.names) {
            a.accepted += b.accepted;
            a.rejected += b.rejected;
            a.topics += b.topics;
            a.topics_word_only += b.topics_word_only;
            a.in_lists += b.in_lists;
        }
        self.documents += other.documents;
        self.bytes += other.bytes;
        self.with_mention += other.with_mention;
        self.review.extend(other.review);
    }

    /// Topics mentioning each family over all months.
    pub fn totals(&self) -> Vec<u64> {
        let mut totals = vec![0u64; self.families];
        for counts in self.months.values() {
            for (t, c) in totals.iter_mut().zip(&counts.by_family) {
                *t += u64::from(*c);
            }
        }
        totals
    }

    /// Review lines in a stable order: family, source, topic, position.
    pub fn sort_review(&mut self) {
        self.review.sort_by_key(|r| (r.family, r.source, r.id));
    }
}

/// A worker's tally plus its per-topic sets, reused from topic to topic.
struct Scratch {
    tally: Tally,
    /// Topic number that last counted family i (accepted / rejected), so sets need no clearing.
    accepted_in: Vec<u64>,
    rejected_in: Vec<u64>,
    touched: Vec<usize>,
    touched_rejected: Vec<usize>,
    topic: u64,
}

impl Scratch {
    fn new(families: usize) -> Scratch {
        Scratch {
            tally: Tally::new(families),
            accepted_in: vec![0; families],
            rejected_in: vec![0; families],
            touched: Vec::new(),
            touched_rejected: Vec::new(),
            topic: 0,
        }
    }

    fn count(&mut self, matcher: &Matcher, doc: &Document, options: CountOptions) {
        self.topic += 1;
        let topic = self.topic;
        self.touched.clear();
        self.touched_rejected.clear();
        let text = if options.skip_code {
            blank_code(&doc.text)
        } else {
            std::borrow::Cow::Borrowed(doc.text.as_str())
        };
        let families = matcher.families();
        let Scratch {
            tally,
            accepted_in,
            rejected_in,
            touched,
            touched_rejected,
            ..
        } = self;
        matcher.for_each_hit(&text, |hit| {
            let f = hit.family;
            let names = &mut tally.names[f];
            if hit.counted() {
                names.accepted += 1;
                if accepted_in[f] != topic {
                    accepted_in[f] = topic;
                    touched.push(f);
                }
            } else if hit.verdict == Verdict::NoModelContext {
                names.rejected += 1;
                if rejected_in[f] != topic {
                    rejected_in[f] = topic;
                    touched_rejected.push(f);
                }
            } else {
                names.in_lists += 1;
            }
            if options.review && families[f].context.is_ambiguous() {
                tally.review.push(ReviewLine {
                    family: f,
                    source: doc.source,
                    id: doc.id,
                    month: doc.month,
                    verdict: hit.verdict,
                    matched: doc.text[hit.start..hit.end].to_string(),
                    snippet: snippet(&doc.text, hit.start, hit.end),
                });
            }
        });
        let counts = tally
            .months
            .entry(doc.month)
            .or_insert_with(|| MonthCounts {
                topics: 0,
                by_family: vec![0; families.len()],
            });
        counts.topics += 1;
        for &f in touched.iter() {
            counts.by_family[f] += 1;
            tally.names[f].topics += 1;
        }
        if !touched.is_empty() {
            tally.with_mention += 1;
        }
        for &f in touched_rejected.iter() {
            if accepted_in[f] != topic {
                tally.names[f].topics_word_only += 1;
            }
        }
        tally.documents += 1;
        tally.bytes += doc.text.len() as u64;
    }
}

/// The text around an occurrence, on one line.
fn snippet(text: &str, start: usize, end: usize) -> String {
    const SIDE: usize = 60;
    let mut from = start.saturating_sub(SIDE);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (end + SIDE).min(text.len());
    while !text.is_char_boundary(to) {
        to += 1;
    }
    text[from..to]
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::matcher::{Context, Family};

    fn doc(id: i64, month: &str, text: &str) -> Document {
        Document {
            source: Source::Forum,
            id,
            month: Month::parse(month).unwrap(),
            text: text.into(),
        }
    }

    #[test]
    fn a_topic_counts_once_per_family_and_month() {
        let matcher = Matcher::new(vec![
            Family {
                name: "bert".into(),
                aliases: vec![],
                context: Context::Word,
            },
            Family {
                name: "opt".into(),
                aliases: vec![],
                context: Context::ModelOrCaps,
            },
        ])
        .unwrap();
        let docs = vec![
            doc(1, "2021-03", "bert bert BERT and bert-base"),
            doc(2, "2021-03", "I opt for bert"),
            doc(3, "2021-04", "opt-in to OPT"),
            doc(4, "2021-04", "nothing here"),
        ];
        let mut tally = Tally::new(2);
        tally.add(
            &matcher,
            &docs,
            CountOptions {
                skip_code: false,
                review: true,
            },
        );
        let march = &tally.months[&Month::parse("2021-03").unwrap()];
        assert_eq!((march.topics, march.by_family.clone()), (2, vec![2, 0]));
        let april = &tally.months[&Month::parse("2021-04").unwrap()];
        assert_eq!((april.topics, april.by_family.clone()), (2, vec![0, 1]));
        assert_eq!(tally.totals(), [2, 1]);
        assert_eq!(tally.with_mention, 3);
        assert_eq!(
            tally.names[1],
            NameCounts {
                accepted: 1,
                rejected: 2,
                topics: 1,
                topics_word_only: 1,
                in_lists: 0,
            }
        );
        tally.sort_review();
        assert_eq!(tally.review.len(), 3);
        assert_eq!(tally.review[0].snippet, "I opt for bert");
        assert_eq!(tally.review[0].verdict, Verdict::NoModelContext);
    }
}
