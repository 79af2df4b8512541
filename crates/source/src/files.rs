//! Small files a user hands hubscope whole (a sources manifest, a published table): read with a
//! bound on their size, so a wrong path to a huge file is refused instead of filling memory.

use std::io::Read as _;
use std::path::Path;

/// Why a small file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SmallFileError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: longer than {limit} bytes")]
    TooLong { path: String, limit: u64 },
}

/// The whole of a file of at most `limit` bytes.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, SmallFileError> {
    let shown = || path.display().to_string();
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(limit.saturating_add(1)).read_to_end(&mut bytes))
        .map_err(|source| SmallFileError::Io {
            path: shown(),
            source,
        })?;
    if bytes.len() as u64 > limit {
        return Err(SmallFileError::TooLong {
            path: shown(),
            limit,
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_file_over_the_bound_is_refused_with_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, "0123456789").unwrap();
        assert_eq!(read_bounded(&path, 10).unwrap(), b"0123456789");
        let e = read_bounded(&path, 9).unwrap_err().to_string();
        assert!(e.ends_with("t.csv: longer than 9 bytes"), "{e}");
        let e = read_bounded(&dir.path().join("none"), 9)
            .unwrap_err()
            .to_string();
        assert!(e.contains("none: "), "{e}");
    }
}
