//! A study's folder of dumps: the dumps `study` ingests (those [`find_dumps`] recognises, less
//! model lists without creation dates, which add nothing to monthly trends), what it leaves
//! aside and why, and the sampling frame its manifest declares for each.

use std::path::{Path, PathBuf};

use hubscope_store::FrameDeclaration;

use crate::dumps::{Dump, DumpKind, find_dumps};
use crate::manifest::MAX_MANIFEST_BYTES;
use crate::{MANIFEST_FILE, Manifest, SourceError};

/// The dumps of a folder with their declared frames.
pub struct StudyFolder {
    pub dir: PathBuf,
    /// Models first: cards and lineage refer to them.
    pub dumps: Vec<Dump>,
    /// `(path, reason)` of the files left aside, sorted.
    pub skipped: Vec<(PathBuf, String)>,
    /// The manifest read (as shown) and what it declares; `None`: every dump is a sample.
    pub manifest: Option<(String, Manifest)>,
}

impl StudyFolder {
    /// Finds the dumps of `dir` and reads the manifest (`manifest`, else
    /// `DIR/hubscope-sources.toml` when there is one), checking that every path it declares is
    /// a dump found in the folder.
    pub fn open(dir: &Path, manifest: Option<&Path>) -> Result<StudyFolder, SourceError> {
        let (found, mut skipped) = find_dumps(dir)?;
        let mut dumps = Vec::new();
        for dump in found {
            if dump.kind == (DumpKind::Models { dated: false }) {
                skipped.push((
                    dump.path,
                    "a model list without creation dates: nothing for the monthly trends \
                     (hubscope ingest models stores it)"
                        .into(),
                ));
            } else {
                dumps.push(dump);
            }
        }
        skipped.sort();
        if dumps.is_empty() {
            return Err(SourceError::invalid(
                dir,
                "no dump found: expected model dumps (.jsonl of /api/models objects, Parquet or \
                 CSV with creation dates), README dumps ({id, readme}), Hub discussions or \
                 folders of Discourse JSON",
            ));
        }
        let path = match manifest {
            Some(p) => Some(p.to_path_buf()),
            None => Some(dir.join(MANIFEST_FILE)).filter(|p| p.is_file()),
        };
        let manifest = match path {
            None => None,
            Some(path) => Some(read_manifest(dir, &path, &dumps)?),
        };
        Ok(StudyFolder {
            dir: dir.to_path_buf(),
            dumps,
            skipped,
            manifest,
        })
    }

    /// The declaration of the dump at `path`, or undeclared.
    pub fn declaration(&self, path: &Path) -> FrameDeclaration {
        let Some((shown, manifest)) = &self.manifest else {
            return FrameDeclaration::undeclared();
        };
        relative(&self.dir, path)
            .and_then(|r| manifest.entry(&r))
            .map_or_else(FrameDeclaration::undeclared, |e| e.declaration(shown))
    }
}

fn read_manifest(
    dir: &Path,
    path: &Path,
    dumps: &[Dump],
) -> Result<(String, Manifest), SourceError> {
    let shown = path.display().to_string();
    let invalid = |message: String| SourceError::invalid(path, message);
    let bytes = crate::labels::read_whole(path, MAX_MANIFEST_BYTES, "a sources manifest")?;
    let text = String::from_utf8(bytes)
        .map_err(|_| invalid("the sources manifest is not UTF-8 text".into()))?;
    let manifest = Manifest::parse(&text).map_err(|e| invalid(format!("sources manifest: {e}")))?;
    for entry in &manifest.entries {
        let found = dumps
            .iter()
            .any(|d| relative(dir, &d.path).as_deref() == Some(entry.path.as_str()));
        if !found {
            return Err(invalid(format!(
                "sources manifest, line {}: {:?} is not a dump found in {}",
                entry.line,
                entry.path,
                dir.display()
            )));
        }
    }
    Ok((shown, manifest))
}

/// `path` relative to `dir`, with `/` separators.
fn relative(dir: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(dir).ok()?;
    Some(
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
    )
}
