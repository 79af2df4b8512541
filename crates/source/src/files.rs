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
    #[error("{path}: not UTF-8 text (invalid byte at offset {offset})")]
    NotText { path: String, offset: usize },
}

/// The largest coding sheet or family table read whole (thousands of rows, not gigabytes).
pub const MAX_SHEET_BYTES: u64 = 64 << 20;

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

/// The whole of a UTF-8 text file of at most `limit` bytes.
pub fn read_text(path: &Path, limit: u64) -> Result<String, SmallFileError> {
    String::from_utf8(read_bounded(path, limit)?).map_err(|e| SmallFileError::NotText {
        path: path.display().to_string(),
        offset: e.utf8_error().valid_up_to(),
    })
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

    #[test]
    fn a_text_file_that_is_not_utf8_is_refused_with_the_offset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sheet.csv");
        std::fs::write(&path, b"id,category\n1,caf\xe9\n").unwrap();
        let e = read_text(&path, 100).unwrap_err().to_string();
        assert!(
            e.ends_with("sheet.csv: not UTF-8 text (invalid byte at offset 17)"),
            "{e}"
        );
        std::fs::write(&path, "id,category\n1,café\n").unwrap();
        assert_eq!(read_text(&path, 100).unwrap(), "id,category\n1,café\n");
        assert!(matches!(
            read_text(&path, 5),
            Err(SmallFileError::TooLong { limit: 5, .. })
        ));
    }
}
