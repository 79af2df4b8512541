//! Locates the real public corpora that hubscope's tests and benchmarks read.
//!
//! The corpora live outside the repository, in `../shared/data` next to the workspace (see
//! `../shared/docs/DATA.md`); `HUBSCOPE_SHARED_DATA` points elsewhere. This crate is for tests and
//! benchmarks only: when a corpus is missing it **panics with a message saying what is needed**,
//! because a test that silently skips its real data proves nothing.
//!
//! ```no_run
//! let cards = hubscope_corpus::readmes();
//! assert_eq!(cards.len(), 1820);
//! let template = hubscope_corpus::read_to_string("cards/modelcard_template.md");
//! ```
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

/// One line of `hub/readmes.jsonl`: a model id and the full text of its README.md.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Readme {
    pub id: String,
    pub readme: String,
}

/// The directory holding the shared corpora (`../shared/data`, or `$HUBSCOPE_SHARED_DATA`).
///
/// # Panics
/// When the directory does not exist, with a message naming what the tests need.
pub fn data_dir() -> PathBuf {
    let dir = match std::env::var_os("HUBSCOPE_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    if !dir.is_dir() {
        panic!(
            "the real corpora are missing: expected a directory at {} \
             (a checkout of `shared/` beside the project, with data/hub, data/cards, data/forum \
             and data/taxonomy as described in shared/docs/DATA.md; or set HUBSCOPE_SHARED_DATA)",
            dir.display()
        );
    }
    dir
}

/// The folder of the small real embedding model (sentence-transformers/all-MiniLM-L6-v2) that
/// `scripts/fetch-model.sh` installs in the user's data folder
/// (`${XDG_DATA_HOME:-~/.local/share}/hubscope/models/all-MiniLM-L6-v2`, the place hubscope
/// looks), or `$HUBSCOPE_MODEL_DIR`; an older install in the repository's `models/` is used too.
///
/// # Panics
/// When the model is not there, with the command that installs it.
pub fn model_dir() -> PathBuf {
    let user = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .map(|d| d.join("hubscope/models/all-MiniLM-L6-v2"));
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/all-MiniLM-L6-v2");
    let dir = match std::env::var_os("HUBSCOPE_MODEL_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => user
            .filter(|u| u.join("model.safetensors").is_file())
            .unwrap_or(repo),
    };
    if !dir.join("model.safetensors").is_file() {
        panic!(
            "the embedding model is missing: expected all-MiniLM-L6-v2 at {} \
             (run scripts/fetch-model.sh, which scripts/test.sh runs first; or set HUBSCOPE_MODEL_DIR)",
            dir.display()
        );
    }
    dir
}

/// The path of one corpus file, relative to the data directory (e.g. `hub/readmes.jsonl`).
///
/// # Panics
/// When the file does not exist.
pub fn path(relative: &str) -> PathBuf {
    let path = data_dir().join(relative);
    if !path.exists() {
        panic!(
            "corpus file {relative} is missing (looked at {}); see shared/docs/DATA.md",
            path.display()
        );
    }
    path
}

/// The whole text of one corpus file.
///
/// # Panics
/// When the file is missing or unreadable.
pub fn read_to_string(relative: &str) -> String {
    let path = path(relative);
    match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) => panic!("cannot read corpus file {}: {err}", path.display()),
    }
}

/// Every model card of `hub/readmes.jsonl`, in file order.
///
/// # Panics
/// When the file is missing or a line is not a `{id, readme}` object.
pub fn readmes() -> Vec<Readme> {
    read_to_string("hub/readmes.jsonl")
        .lines()
        .enumerate()
        .map(|(index, line)| match serde_json::from_str(line) {
            Ok(readme) => readme,
            Err(err) => panic!("hub/readmes.jsonl line {}: {err}", index + 1),
        })
        .collect()
}

/// The README of one model of `hub/readmes.jsonl`.
///
/// # Panics
/// When no card has that id.
pub fn readme(id: &str) -> String {
    match readmes().into_iter().find(|r| r.id == id) {
        Some(r) => r.readme,
        None => panic!("hub/readmes.jsonl has no card for {id}"),
    }
}

/// A peer program the tests compare against (`HUBSCOPE_PYTHON`, `HUBSCOPE_SARIF_SCHEMA`): its
/// value, or `None` where it is not set and the check is skipped with a note.
///
/// # Panics
/// Under `scripts/test.sh` (which sets `HUBSCOPE_REQUIRE_PEERS`), when it is not set: the suite
/// CI runs must not pass a check it did not make.
pub fn peer(var: &str) -> Option<std::ffi::OsString> {
    if let Some(value) = std::env::var_os(var) {
        return Some(value);
    }
    if std::env::var_os("HUBSCOPE_REQUIRE_PEERS").is_some() {
        panic!(
            "{var} is not set, but HUBSCOPE_REQUIRE_PEERS asks for every peer check: \
             scripts/test.sh sets {var} after installing what it needs"
        );
    }
    eprintln!("{var} not set (scripts/test.sh sets it): this peer check is not run");
    None
}
