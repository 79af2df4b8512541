//! The sources manifest: what each dump of a folder is a record of, so that `hubscope study
//! --from DIR` can tell a census from a sample. A TOML file, `hubscope-sources.toml` in the
//! folder (or given with `--manifest`):
//!
//! ```toml
//! version = 1
//!
//! [[source]]
//! path = "hub/liang-2022-model-info.parquet"   # relative to the folder
//! frame = "census"                             # or "sample"
//! window = "2018-11..2022-09"                  # census only: the months it covers
//! snapshot = "2022-09-14"                      # optional: when the data was taken
//! describes = "every public model on the Hub created up to Sep 2022"
//! ```
//!
//! Only `path` and `frame` are required. A census without `window` covers the months of its
//! own data; without `snapshot`, its latest date is taken as the moment it was taken (that
//! month counts as incomplete). Unknown keys, a window on a sample and a path given twice are
//! refused with the line. The manifest only declares: it never names a file to read, so a path
//! that is not a dump found in the folder is an error, not a read. Pure: text in, entries out.

use std::ops::Range;

use hubscope_store::{DeclaredBy, Frame, FrameDeclaration, MonthSpan, time};
use serde::Deserialize;
use toml::Spanned;

/// The name a folder's manifest has.
pub const MANIFEST_FILE: &str = "hubscope-sources.toml";

/// Longest manifest read, in bytes: a list of a folder's dumps is small.
pub const MAX_MANIFEST_BYTES: u64 = 1 << 20;

/// Most entries a manifest may hold.
const MAX_ENTRIES: usize = 10_000;

/// A manifest's entries, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub entries: Vec<ManifestEntry>,
}

/// One dump's declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    /// Relative to the folder, with `/` separators.
    pub path: String,
    /// The manifest line of the entry's `path`.
    pub line: usize,
    pub frame: Frame,
    pub window: Option<MonthSpan>,
    pub snapshot: Option<String>,
    pub describes: Option<String>,
}

impl ManifestEntry {
    /// The entry as a frame declaration made by the manifest at `manifest` (its path, shown).
    pub fn declaration(&self, manifest: &str) -> FrameDeclaration {
        FrameDeclaration {
            frame: self.frame,
            window: self.window,
            snapshot: self.snapshot.clone(),
            declared_by: DeclaredBy::Manifest,
            declared_in: Some(manifest.to_string()),
            describes: self.describes.clone(),
        }
    }
}

/// Why a manifest was refused: the message, with the line (1-based) when one is known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct ManifestError {
    pub line: Option<usize>,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    version: Spanned<i64>,
    #[serde(default)]
    source: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    path: Spanned<String>,
    frame: Spanned<String>,
    window: Option<Spanned<String>>,
    snapshot: Option<Spanned<String>>,
    describes: Option<Spanned<String>>,
}

fn line_of(text: &str, span: Range<usize>) -> usize {
    text[..span.start.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

/// Longest `describes` kept, in characters.
const MAX_DESCRIBES: usize = 500;

impl Manifest {
    /// Reads and checks a manifest.
    pub fn parse(text: &str) -> Result<Manifest, ManifestError> {
        let raw: RawManifest = toml::from_str(text).map_err(|e| ManifestError {
            line: e.span().map(|s| line_of(text, s)),
            message: e.message().trim().to_string(),
        })?;
        let at = |span: Range<usize>| Some(line_of(text, span));
        if *raw.version.get_ref() != 1 {
            return Err(ManifestError {
                line: at(raw.version.span()),
                message: format!(
                    "version {}: this hubscope reads version 1",
                    raw.version.get_ref()
                ),
            });
        }
        if raw.source.len() > MAX_ENTRIES {
            return Err(ManifestError {
                line: None,
                message: format!(
                    "{} sources: at most {MAX_ENTRIES} are read",
                    raw.source.len()
                ),
            });
        }
        let mut entries: Vec<ManifestEntry> = Vec::with_capacity(raw.source.len());
        for e in raw.source {
            let line = line_of(text, e.path.span());
            let fail = |span: Range<usize>, message: String| ManifestError {
                line: at(span),
                message,
            };
            let path = e.path.get_ref().trim().replace('\\', "/");
            let path = path.trim_start_matches("./").to_string();
            if path.is_empty()
                || path.starts_with('/')
                || path.split('/').any(|part| part == "..")
                || path.chars().any(char::is_control)
            {
                return Err(fail(
                    e.path.span(),
                    format!(
                        "path {:?}: give a path inside the folder (relative, no `..`)",
                        e.path.get_ref()
                    ),
                ));
            }
            if let Some(first) = entries.iter().find(|x| x.path == path) {
                return Err(fail(
                    e.path.span(),
                    format!(
                        "path {path:?} is declared twice (also on line {})",
                        first.line
                    ),
                ));
            }
            let frame = Frame::parse(e.frame.get_ref()).ok_or_else(|| {
                fail(
                    e.frame.span(),
                    format!(
                        "frame {:?}: expected \"census\" or \"sample\"",
                        e.frame.get_ref()
                    ),
                )
            })?;
            let window = match &e.window {
                None => None,
                Some(w) if frame == Frame::Sample => {
                    return Err(fail(
                        w.span(),
                        format!(
                            "{path}: a sample has no window (a window is the months a census \
                             covers)"
                        ),
                    ));
                }
                Some(w) => Some(
                    MonthSpan::parse(w.get_ref())
                        .map_err(|m| fail(w.span(), format!("window: {m}")))?,
                ),
            };
            let snapshot = match &e.snapshot {
                None => None,
                Some(s) => Some(snapshot_time(s.get_ref()).ok_or_else(|| {
                    fail(
                        s.span(),
                        format!(
                            "snapshot {:?}: expected a date (YYYY-MM-DD), a month or an RFC \
                             3339 time",
                            s.get_ref()
                        ),
                    )
                })?),
            };
            let describes = e
                .describes
                .map(|d| {
                    d.into_inner()
                        .chars()
                        .filter(|c| !c.is_control())
                        .take(MAX_DESCRIBES)
                        .collect::<String>()
                        .trim()
                        .to_string()
                })
                .filter(|d| !d.is_empty());
            entries.push(ManifestEntry {
                path,
                line,
                frame,
                window,
                snapshot,
                describes,
            });
        }
        Ok(Manifest { entries })
    }

    /// The entry of the dump at `relative` (a path inside the folder, `/` separators).
    pub fn entry(&self, relative: &str) -> Option<&ManifestEntry> {
        let relative = relative.replace('\\', "/");
        self.entries.iter().find(|e| e.path == relative)
    }
}

/// A snapshot written as a time, a date or a month (a month: its first day, so that month is
/// the incomplete one).
pub fn snapshot_time(text: &str) -> Option<String> {
    let text = text.trim();
    time::normalize_timestamp(text).or_else(|| {
        (text.len() == 7)
            .then(|| time::Month::parse(text))
            .flatten()
            .map(|m| m.start_timestamp())
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_manifest_declares_frames() {
        let m = Manifest::parse(
            "version = 1\n\n[[source]]\npath = \"./hub/liang.parquet\"\nframe = \"census\"\n\
             window = \"2018-11..2022-09\"\nsnapshot = \"2022-09\"\ndescribes = \"every model\"\n\n\
             [[source]]\npath = 'hub\\models.jsonl'\nframe = \"Sample\"\n",
        )
        .unwrap();
        assert_eq!(m.entries.len(), 2);
        let liang = m.entry("hub/liang.parquet").unwrap();
        assert_eq!(liang.frame, Frame::Census);
        assert_eq!(liang.window.unwrap().to_string(), "2018-11..2022-09");
        assert_eq!(liang.snapshot.as_deref(), Some("2022-09-01T00:00:00.000Z"));
        assert_eq!(liang.line, 4);
        let d = liang.declaration("m.toml");
        assert_eq!(d.declared_by, DeclaredBy::Manifest);
        assert_eq!(d.declared_in.as_deref(), Some("m.toml"));
        assert_eq!(m.entry("hub/models.jsonl").unwrap().frame, Frame::Sample);
        assert!(m.entry("hub/other.jsonl").is_none());
    }

    #[test]
    fn bad_manifests_are_refused_with_the_line() {
        let err = |text: &str| Manifest::parse(text).unwrap_err().to_string();
        assert!(err("").contains("version"), "{}", err(""));
        assert!(err("version = 2\n").contains("line 1: version 2"));
        let e = err("version = 1\n[[source]]\npath = \"a\"\nframe = \"census\"\nwindows = \"x\"\n");
        assert!(e.contains("line 5") && e.contains("windows"), "{e}");
        let e = err("version = 1\n[[source]]\npath = \"a\"\nframe = \"all\"\n");
        assert!(e.contains("line 4") && e.contains("census"), "{e}");
        let e = err(
            "version = 1\n[[source]]\npath = \"a\"\nframe = \"sample\"\nwindow = \"2020-01..2021-01\"\n",
        );
        assert!(
            e.contains("line 5") && e.contains("a sample has no window"),
            "{e}"
        );
        let e = err(
            "version = 1\n[[source]]\npath = \"a\"\nframe = \"census\"\nwindow = \"2021-01..2020-01\"\n",
        );
        assert!(
            e.contains("line 5") && e.contains("before it starts"),
            "{e}"
        );
        let e = err("version = 1\n[[source]]\npath = \"../etc/passwd\"\nframe = \"census\"\n");
        assert!(
            e.contains("line 3") && e.contains("inside the folder"),
            "{e}"
        );
        let e = err("version = 1\n[[source]]\npath = \"/etc/passwd\"\nframe = \"census\"\n");
        assert!(e.contains("inside the folder"), "{e}");
        let e = err(
            "version = 1\n[[source]]\npath = \"a\"\nframe = \"census\"\n[[source]]\npath = \"./a\"\nframe = \"sample\"\n",
        );
        assert!(
            e.contains("line 6") && e.contains("twice (also on line 3)"),
            "{e}"
        );
        let e =
            err("version = 1\n[[source]]\npath = \"a\"\nframe = \"census\"\nsnapshot = \"soon\"\n");
        assert!(e.contains("line 5") && e.contains("snapshot"), "{e}");
        let e = err("version = 1\n[[source]]\nframe = \"census\"\n");
        assert!(e.contains("path"), "{e}");
    }

    #[test]
    fn outside_text_is_bounded() {
        let long = "x".repeat(10_000);
        let m = Manifest::parse(&format!(
            "version = 1\n[[source]]\npath = \"a\"\nframe = \"sample\"\ndescribes = \"{long}\\u0007\"\n"
        ))
        .unwrap();
        assert_eq!(
            m.entries[0].describes.as_ref().unwrap().chars().count(),
            MAX_DESCRIBES
        );
        // Deep nesting in an unknown key is an error, not a stack overflow.
        let deep = format!(
            "version = 1\nx = {}{}\n",
            "[".repeat(5000),
            "]".repeat(5000)
        );
        assert!(Manifest::parse(&deep).is_err());
    }
}
