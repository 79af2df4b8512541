//! Hub discussion dumps: JSON Lines of threads (`forum/hub-discussions.jsonl`).

use std::path::Path;

use hubscope_store::{Batch, DiscussionThread, Issue, Severity};

use crate::error::SourceError;
use crate::lines::JsonLines;

/// Longest JSON line accepted for one thread (long threads with many comments).
const MAX_THREAD_LINE: usize = 64 << 20;

/// Reads discussion threads in batches.
pub struct DiscussionReader {
    lines: JsonLines,
    batch_size: usize,
}

impl DiscussionReader {
    pub fn open(path: &Path, batch_size: usize) -> Result<Self, SourceError> {
        Ok(DiscussionReader {
            lines: JsonLines::open(path, MAX_THREAD_LINE)?,
            batch_size: batch_size.max(1),
        })
    }

    /// Progress in bytes: (read, total).
    pub fn progress(&self) -> (u64, u64) {
        self.lines.progress()
    }

    /// The next batch of threads; `None` at the end.
    pub fn next_batch(&mut self) -> Result<Option<Batch<DiscussionThread>>, SourceError> {
        let mut batch = Batch::default();
        while batch.read < self.batch_size as u64 {
            let Some(line) = self.lines.next_line()? else {
                break;
            };
            batch.read += 1;
            let mut field_issues = Vec::new();
            let thread = line
                .into_object()
                .and_then(|object| DiscussionThread::from_json(&object, &mut field_issues));
            match thread {
                Ok(thread) => {
                    for reason in field_issues {
                        batch.issues.push(Issue {
                            record: thread.key(),
                            severity: Severity::FieldDropped,
                            reason,
                        });
                    }
                    batch.records.push(thread);
                }
                Err(reason) => batch.issues.push(Issue {
                    record: self.lines.location(),
                    severity: Severity::Skipped,
                    reason,
                }),
            }
        }
        Ok((batch.read > 0).then_some(batch))
    }
}
