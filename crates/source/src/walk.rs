//! The one folder walker of every reader that takes a folder (cards, a forum dump, `study
//! --from`). Folders from outside may hold links that loop (`a -> .`, or two links to each other):
//! each directory is entered once, by its canonical path, so a link back into a directory
//! already walked is skipped, and so is a second link to a file already found. Depth is bounded
//! too, and an explicit stack replaces recursion, so no tree can overflow it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::error::SourceError;

/// How deep a walk goes below its root (a real dump is 2 or 3 levels deep).
pub const MAX_DEPTH: usize = 32;

/// What to walk into and what to keep.
pub struct WalkOptions<'a> {
    /// Levels below the root to enter (the root's own files are level 0).
    pub max_depth: usize,
    /// Whether to enter a directory (its path); hidden ones are never entered.
    pub enter: &'a dyn Fn(&Path) -> bool,
    /// Whether to keep a file (its path).
    pub keep: &'a dyn Fn(&Path) -> bool,
}

/// The files found, sorted, and what was skipped because it would loop or repeat.
#[derive(Debug, Default)]
pub struct Walk {
    pub files: Vec<PathBuf>,
    /// Links (or paths) that lead back to a directory already walked or a file already found.
    pub repeated: Vec<PathBuf>,
}

/// Walks `root`: every file below it that `options.keep` accepts, in path order.
pub fn walk(root: &Path, options: &WalkOptions<'_>) -> Result<Walk, SourceError> {
    let mut out = Walk::default();
    let mut dirs_seen: HashSet<PathBuf> = HashSet::new();
    let mut files_seen: HashSet<PathBuf> = HashSet::new();
    let canonical = |p: &Path| std::fs::canonicalize(p).map_err(|e| SourceError::io(p, e));
    let real_root = canonical(root)?;
    dirs_seen.insert(real_root.clone());
    // Each directory with its canonical path: a regular file's canonical path is then that
    // path and its name, so only links cost a look-up of their own.
    let mut pending = vec![(root.to_path_buf(), real_root, 0usize)];
    while let Some((dir, real_dir, depth)) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| SourceError::io(&dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| SourceError::io(&dir, e))?;
            let path = entry.path();
            let name = entry.file_name();
            let hidden = name.to_string_lossy().starts_with('.');
            let file_type = entry.file_type().map_err(|e| SourceError::io(&path, e))?;
            // Follows links: a link to a directory is walked like one, once.
            let is_dir = if file_type.is_symlink() {
                match std::fs::metadata(&path) {
                    Ok(meta) => meta.is_dir(),
                    // A dangling link: nothing to read.
                    Err(_) => continue,
                }
            } else {
                file_type.is_dir()
            };
            if is_dir {
                if hidden || depth >= options.max_depth || !(options.enter)(&path) {
                    continue;
                }
                let real = if file_type.is_symlink() {
                    match canonical(&path) {
                        Ok(real) => real,
                        Err(_) => continue,
                    }
                } else {
                    real_dir.join(&name)
                };
                if dirs_seen.insert(real.clone()) {
                    pending.push((path, real, depth + 1));
                } else {
                    out.repeated.push(path);
                }
            } else if (options.keep)(&path) {
                let real = if file_type.is_symlink() {
                    canonical(&path).ok()
                } else {
                    Some(real_dir.join(&name))
                };
                match real.map(|real| files_seen.insert(real)) {
                    Some(false) => out.repeated.push(path),
                    Some(true) | None => out.files.push(path),
                }
            }
        }
    }
    out.files.sort();
    out.repeated.sort();
    Ok(out)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn all<'a>() -> WalkOptions<'a> {
        WalkOptions {
            max_depth: MAX_DEPTH,
            enter: &|_| true,
            keep: &|_| true,
        }
    }

    #[test]
    fn links_that_loop_are_walked_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join("sub")).unwrap();
        std::fs::write(root.join("x.json"), "{}").unwrap();
        std::fs::write(root.join("sub/y.json"), "{}").unwrap();
        std::os::unix::fs::symlink(".", root.join("a")).unwrap();
        std::os::unix::fs::symlink(".", root.join("b")).unwrap();
        std::os::unix::fs::symlink("..", root.join("sub/up")).unwrap();
        std::os::unix::fs::symlink("x.json", root.join("again.json")).unwrap();
        std::os::unix::fs::symlink("nowhere", root.join("dangling.json")).unwrap();
        let walk = walk(root, &all()).unwrap();
        let names: Vec<String> = walk
            .files
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect();
        // One of x.json and its link, whichever came first.
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names.contains(&"sub/y.json".to_string()), "{names:?}");
        assert_eq!(walk.repeated.len(), 4, "{:?}", walk.repeated);
    }

    #[test]
    fn depth_and_filters_hold() {
        let dir = tempfile::tempdir().unwrap();
        let mut deep = dir.path().to_path_buf();
        for i in 0..5 {
            deep = deep.join(format!("d{i}"));
        }
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(deep.join("f.md"), "x").unwrap();
        std::fs::create_dir(dir.path().join(".hidden")).unwrap();
        std::fs::write(dir.path().join(".hidden/g.md"), "x").unwrap();
        let shallow = WalkOptions {
            max_depth: 3,
            ..all()
        };
        assert!(walk(dir.path(), &shallow).unwrap().files.is_empty());
        assert_eq!(walk(dir.path(), &all()).unwrap().files.len(), 1);
    }
}
