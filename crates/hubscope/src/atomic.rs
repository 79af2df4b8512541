//! Output files written whole or not at all: the store's writer, with the command line's
//! errors.

/// Writes `path` with `write`, atomically ([`hubscope_store::atomic::write_atomically`]).
pub fn write_atomically(
    path: &std::path::Path,
    write: impl FnOnce(&mut (dyn std::io::Write + Send)) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    hubscope_store::atomic::write_atomically(path, write)
}
