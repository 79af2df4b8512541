//! Text from outside (paths, names, descriptions) made safe to print on a terminal: control
//! characters — escape sequences that could move the cursor, retitle the window or hide
//! output — are shown as `\u{…}` instead of being sent.

/// A block of lines: every control character but the line breaks written as `\u{XX}`.
pub use hubscope_store::text::escape_control_lines as clean_lines;
/// `text` with every control character written as `\u{XX}`.
pub use hubscope_store::text::escape_controls as clean;

/// Prints a block of lines whose values come from outside to standard output, through
/// [`clean_lines`].
pub fn print_clean(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    std::io::stdout()
        .lock()
        .write_all(clean_lines(text).as_bytes())?;
    Ok(())
}

/// Prints a block of lines whose values come from outside to standard error, through
/// [`clean_lines`].
pub fn eprint_clean(text: &str) {
    eprint!("{}", clean_lines(text));
}
