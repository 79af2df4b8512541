//! Writing output files whole or not at all: into a temporary file beside the target, renamed
//! over it once complete, so an interrupted run never leaves half a table.

use std::io::{BufWriter, Write};
use std::path::Path;

/// Writes `path` with `write`, atomically: on any error the target is untouched and the
/// temporary file removed. I/O errors name the file.
pub fn write_atomically<E: From<std::io::Error>>(
    path: &Path,
    write: impl FnOnce(&mut (dyn Write + Send)) -> Result<(), E>,
) -> Result<(), E> {
    let named = |what: &str, file: &Path, e: std::io::Error| {
        std::io::Error::new(e.kind(), format!("{what} {}: {e}", file.display()))
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Some(name) = path.file_name() else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} is not a file name", path.display()),
        )
        .into());
    };
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> Result<(), E> {
        let file = std::fs::File::create(&tmp).map_err(|e| named("cannot create", &tmp, e))?;
        let mut out = BufWriter::new(file);
        write(&mut out)?;
        let file = out
            .into_inner()
            .map_err(|e| named("cannot write", &tmp, e.into_error()))?;
        file.sync_all()
            .map_err(|e| named("cannot write", &tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| named("cannot write", path, e))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("table.csv");
        std::fs::write(&path, "old\n").unwrap();
        let failed: Result<(), std::io::Error> = write_atomically(&path, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("stopped"))
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        write_atomically::<std::io::Error>(&path, |w| w.write_all(b"new\n")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
    }
}
