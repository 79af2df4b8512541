//! Sampling frames: what each source of the store is a record *of*. A trend over time is only
//! meaningful over months where the data is a census of what it describes, so every source of
//! models (a dump, a crawl) is stored with its frame:
//!
//! - a **census**: every public model created in a window of months (a full listing crawl, a
//!   `--since` slice read to its date, a dump declared as one);
//! - a **sample**: anything else (a crawl stopped by `--limit`, models crawled by `--id`, a dump
//!   that is a subset, a dump whose frame nobody declared).
//!
//! Which models came from which source is kept too (`model_sources`), so an analysis can count,
//! for each month, only the models of the sources that are a census of that month.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::db::Store;
use crate::error::StoreError;
use crate::time::{self, Month};

/// How a source relates to the population of Hub models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frame {
    /// Every model created in the source's window.
    Census,
    /// Some models, chosen some way: not every model of any month.
    Sample,
}

impl Frame {
    pub fn as_str(self) -> &'static str {
        match self {
            Frame::Census => "census",
            Frame::Sample => "sample",
        }
    }

    pub fn parse(text: &str) -> Option<Frame> {
        match text.trim().to_ascii_lowercase().as_str() {
            "census" => Some(Frame::Census),
            "sample" => Some(Frame::Sample),
            _ => None,
        }
    }
}

/// Who said what a source's frame is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclaredBy {
    /// On the command line (`ingest models --frame`, `hubscope sources declare`).
    User,
    /// A sources manifest (`study --from DIR`).
    Manifest,
    /// The crawler, from how the crawl ran.
    Crawl,
    /// Nobody: the safe default, a sample.
    Default,
}

impl DeclaredBy {
    pub fn as_str(self) -> &'static str {
        match self {
            DeclaredBy::User => "user",
            DeclaredBy::Manifest => "manifest",
            DeclaredBy::Crawl => "crawl",
            DeclaredBy::Default => "default",
        }
    }

    fn parse(text: &str) -> DeclaredBy {
        match text {
            "user" => DeclaredBy::User,
            "manifest" => DeclaredBy::Manifest,
            "crawl" => DeclaredBy::Crawl,
            _ => DeclaredBy::Default,
        }
    }
}

/// A span of months, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MonthSpan {
    pub first: Month,
    pub last: Month,
}

impl MonthSpan {
    /// `None` when `last` is before `first`.
    pub fn new(first: Month, last: Month) -> Option<MonthSpan> {
        (first <= last).then_some(MonthSpan { first, last })
    }

    /// `YYYY-MM..YYYY-MM` (dates are read as their month; either end may be left out by a
    /// caller that fills it, but not here).
    pub fn parse(text: &str) -> Result<MonthSpan, String> {
        let (a, b) = text.split_once("..").ok_or_else(|| {
            format!("{text:?}: expected a window written FROM..TO, e.g. 2018-11..2022-09")
        })?;
        let month = |t: &str| {
            Month::parse(t).ok_or_else(|| format!("{t:?} is not a month (YYYY-MM) or a date"))
        };
        let (first, last) = (month(a)?, month(b)?);
        MonthSpan::new(first, last)
            .ok_or_else(|| format!("{text:?}: the window ends ({last}) before it starts ({first})"))
    }

    pub fn contains(&self, m: Month) -> bool {
        self.first <= m && m <= self.last
    }

    pub fn months(&self) -> usize {
        self.first.through(self.last).count()
    }
}

impl std::fmt::Display for MonthSpan {
    /// `2018-11..2022-09`, or `2023-02` for a single month.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}..{}", self.first, self.last)
        }
    }
}

/// What is declared of a source: its frame, the window a census covers, when its data was
/// taken, and in words what it describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FrameDeclaration {
    pub frame: Frame,
    /// The months a census covers completely. `None`: the months of its own data.
    pub window: Option<MonthSpan>,
    /// When the data was taken (`YYYY-MM-DD…`): a census covers nothing after it, and the month
    /// it falls in only in part. `None`: the latest creation date in the data.
    pub snapshot: Option<String>,
    pub declared_by: DeclaredBy,
    /// The manifest a declaration came from.
    pub declared_in: Option<String>,
    /// What the source is, in words ("every public model created up to Sep 2022").
    pub describes: Option<String>,
}

impl FrameDeclaration {
    /// Nothing declared: a sample, the frame under which no trend is drawn from the source.
    pub fn undeclared() -> FrameDeclaration {
        FrameDeclaration {
            frame: Frame::Sample,
            window: None,
            snapshot: None,
            declared_by: DeclaredBy::Default,
            declared_in: None,
            describes: None,
        }
    }

    /// A frame declared on the command line.
    pub fn by_user(frame: Frame, window: Option<MonthSpan>) -> FrameDeclaration {
        FrameDeclaration {
            frame,
            window,
            declared_by: DeclaredBy::User,
            ..FrameDeclaration::undeclared()
        }
    }
}

/// A source of the store, with its frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredSource {
    pub id: i64,
    /// `models`, `cards`, `discussions`, `forum`.
    pub kind: String,
    /// The path or URL as first given.
    pub name: String,
    /// What identifies it across runs: the canonical path of a file, `crawl:` and the listing
    /// of a crawl.
    pub key: String,
    /// What it was last declared to be.
    #[serde(flatten)]
    pub declared: FrameDeclaration,
    pub declared_at: String,
}

impl StoredSource {
    /// A short name for tables: the file name of a path, the whole key of a crawl.
    pub fn short_name(&self) -> String {
        if self.key.starts_with("crawl:") {
            return self.name.clone();
        }
        std::path::Path::new(&self.name)
            .file_name()
            .map_or_else(|| self.name.clone(), |n| n.to_string_lossy().into_owned())
    }
}

/// What happened to a source's declaration when a run began.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Declared {
    /// A new source, stored as declared.
    New,
    /// A known source whose declaration is unchanged, or kept (nothing new was declared).
    Kept,
    /// A known source declared anew: the frame it had before.
    Changed { before: Frame },
}

pub(crate) fn read_source(conn: &Connection, id: i64) -> Result<StoredSource, StoreError> {
    Ok(conn.query_row(
        &format!("SELECT {SOURCE_COLUMNS} FROM sources WHERE id = ?1"),
        [id],
        source_row,
    )?)
}

const SOURCE_COLUMNS: &str = "id, kind, name, key, frame, window_from, window_to, snapshot, \
                              declared_by, declared_in, describes, declared_at";

fn source_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredSource> {
    let month = |i: usize| -> rusqlite::Result<Option<Month>> {
        Ok(r.get::<_, Option<String>>(i)?
            .and_then(|t| Month::parse(&t)))
    };
    let window = match (month(5)?, month(6)?) {
        (Some(a), Some(b)) => MonthSpan::new(a, b),
        _ => None,
    };
    Ok(StoredSource {
        id: r.get(0)?,
        kind: r.get(1)?,
        name: r.get(2)?,
        key: r.get(3)?,
        declared: FrameDeclaration {
            frame: Frame::parse(&r.get::<_, String>(4)?).unwrap_or(Frame::Sample),
            window,
            snapshot: r.get(7)?,
            declared_by: DeclaredBy::parse(&r.get::<_, String>(8)?),
            declared_in: r.get(9)?,
            describes: r.get(10)?,
        },
        declared_at: r.get(11)?,
    })
}

/// Finds or creates the source `key`, applying `declaration` unless it is the default and the
/// source was declared before (a declaration is never lost to a run that declares nothing).
pub(crate) fn upsert_source(
    conn: &Connection,
    kind: &str,
    name: &str,
    key: &str,
    declaration: &FrameDeclaration,
) -> Result<(i64, Declared), StoreError> {
    let existing: Option<StoredSource> = conn
        .query_row(
            &format!("SELECT {SOURCE_COLUMNS} FROM sources WHERE key = ?1"),
            [key],
            source_row,
        )
        .optional()?;
    match existing {
        None => {
            // Created undeclared, then declared: one place writes a declaration.
            conn.execute(
                "INSERT INTO sources (kind, name, key, frame, declared_by, declared_at) \
                 VALUES (?1, ?2, ?3, 'sample', 'default', ?4)",
                params![kind, name, key, time::now()],
            )?;
            let id = conn.last_insert_rowid();
            declare(conn, id, declaration)?;
            Ok((id, Declared::New))
        }
        Some(source) => {
            if (declaration.declared_by == DeclaredBy::Default
                && source.declared.declared_by != DeclaredBy::Default)
                || source.declared == *declaration
            {
                return Ok((source.id, Declared::Kept));
            }
            let before = source.declared.frame;
            declare(conn, source.id, declaration)?;
            Ok(if before == declaration.frame {
                (source.id, Declared::Kept)
            } else {
                (source.id, Declared::Changed { before })
            })
        }
    }
}

pub(crate) fn declare(
    conn: &Connection,
    id: i64,
    declaration: &FrameDeclaration,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE sources SET frame = ?2, window_from = ?3, window_to = ?4, snapshot = ?5, \
         declared_by = ?6, declared_in = ?7, describes = ?8, declared_at = ?9 WHERE id = ?1",
        params![
            id,
            declaration.frame.as_str(),
            declaration.window.map(|w| w.first.to_string()),
            declaration.window.map(|w| w.last.to_string()),
            declaration.snapshot,
            declaration.declared_by.as_str(),
            declaration.declared_in,
            declaration.describes,
            time::now()
        ],
    )?;
    Ok(())
}

impl Store {
    /// Every source, in the order they were first seen.
    pub fn sources(&self) -> Result<Vec<StoredSource>, StoreError> {
        let mut statement = self
            .conn
            .prepare(&format!("SELECT {SOURCE_COLUMNS} FROM sources ORDER BY id"))?;
        let rows = statement.query_map([], source_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The source named `name`: its id, its key, its path as given, or its file name when only
    /// one source has that file name.
    pub fn find_source(&self, name: &str) -> Result<Option<StoredSource>, StoreError> {
        let sources = self.sources()?;
        if let Ok(id) = name.parse::<i64>()
            && let Some(s) = sources.iter().find(|s| s.id == id)
        {
            return Ok(Some(s.clone()));
        }
        let canonical = std::fs::canonicalize(name)
            .ok()
            .map(|p| p.display().to_string());
        if let Some(s) = sources.iter().find(|s| {
            s.key == name || s.name == name || canonical.as_deref() == Some(s.key.as_str())
        }) {
            return Ok(Some(s.clone()));
        }
        let by_file: Vec<&StoredSource> =
            sources.iter().filter(|s| s.short_name() == name).collect();
        Ok(match by_file.as_slice() {
            [one] => Some((*one).clone()),
            _ => None,
        })
    }

    /// Declares the frame of a stored source (`hubscope sources declare`).
    pub fn declare_source(
        &mut self,
        id: i64,
        declaration: &FrameDeclaration,
    ) -> Result<StoredSource, StoreError> {
        declare(&self.conn, id, declaration)?;
        read_source(&self.conn, id)
    }

    /// How many models each source holds, by source id.
    pub fn source_model_counts(&self) -> Result<Vec<(i64, u64)>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT source_id, count(*) FROM model_sources GROUP BY source_id")?;
        let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

impl StoredSource {
    /// Who declared the frame, in words (outside text escaped for a terminal).
    pub fn declared_words(&self) -> String {
        match self.declared.declared_by {
            DeclaredBy::User => "declared on the command line".into(),
            DeclaredBy::Manifest => format!(
                "declared by the manifest {}",
                crate::text::escape_controls(self.declared.declared_in.as_deref().unwrap_or("?"))
            ),
            DeclaredBy::Crawl => "known from the crawl".into(),
            DeclaredBy::Default => {
                "not declared: a sample by default (declare a census with --frame census)".into()
            }
        }
    }

    /// The frame line of an ingest or crawl summary: the frame, whether this run changed it,
    /// and who declared it.
    pub fn frame_line(&self, declared: &Declared) -> String {
        let what = match (self.declared.frame, self.declared.window) {
            (Frame::Census, Some(w)) => format!("census of {w}"),
            (Frame::Census, None) => "census of the months of its data".into(),
            (Frame::Sample, _) => "sample".into(),
        };
        let change = match declared {
            Declared::Changed { before } => format!(" (was a {})", before.as_str()),
            Declared::Kept if self.declared.declared_by != DeclaredBy::Default => {
                " (as before)".into()
            }
            _ => String::new(),
        };
        format!("  frame: {what}{change}, {}", self.declared_words())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn windows_are_read_and_checked() {
        let w = MonthSpan::parse("2018-11..2022-09").unwrap();
        assert_eq!(w.to_string(), "2018-11..2022-09");
        assert_eq!(w.months(), 47);
        assert!(w.contains(Month::parse("2020-01").unwrap()));
        assert!(!w.contains(Month::parse("2022-10").unwrap()));
        assert_eq!(
            MonthSpan::parse("2022-09-14..2023-01-02")
                .unwrap()
                .to_string(),
            "2022-09..2023-01"
        );
        assert!(
            MonthSpan::parse("2022-09")
                .unwrap_err()
                .contains("FROM..TO")
        );
        assert!(
            MonthSpan::parse("2023-01..2022-01")
                .unwrap_err()
                .contains("before it starts")
        );
        assert!(
            MonthSpan::parse("2023-13..2024-01")
                .unwrap_err()
                .contains("not a month")
        );
    }
}
