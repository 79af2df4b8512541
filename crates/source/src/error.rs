//! Errors that stop a source from being read at all (a record that cannot be read is an
//! [`hubscope_store::Issue`], not an error). Each names the file.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no model cards found (looked for README.md and *.md files, and .jsonl files)")]
    NoCards,
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    /// A record that stops the whole file from being used, at `file:line`.
    #[error("{location}: {message}")]
    AtLine { location: String, message: String },
}

impl SourceError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        SourceError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn invalid(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        SourceError::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
}
