//! What the command tests share: running the binary on a database and checking it succeeded.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

/// `hubscope --db DB ARGS…`, waited for.
pub fn hubscope(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hubscope"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

/// Asserts the command succeeded; returns its standard error (the summary).
pub fn ok(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    stderr
}

/// `hubscope ingest KIND ../shared/data/RELATIVE`.
pub fn ingest(db: &Path, kind: &str, relative: &str) {
    let path = hubscope_corpus::path(relative);
    ok(&hubscope(db, &["ingest", kind, path.to_str().unwrap()]));
}
