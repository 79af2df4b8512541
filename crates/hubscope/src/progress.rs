//! Progress bars: shown on a terminal, absent otherwise (only the binary knows about terminals).

use std::io::IsTerminal;

/// A progress bar on a terminal; nothing otherwise.
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    /// Progress through `total_bytes` bytes.
    pub fn new(total_bytes: u64) -> Self {
        Self::with_template(
            total_bytes,
            "{bar:40} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        )
    }

    /// Progress through `total` rows.
    pub fn rows(total: u64) -> Self {
        Self::with_template(
            total,
            "{bar:40} {human_pos}/{human_len} rows ({per_sec}, {eta})",
        )
    }

    fn with_template(total: u64, template: &str) -> Self {
        if !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = indicatif::ProgressBar::new(total);
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        Progress(Some(bar))
    }

    /// Moves to an absolute position.
    pub fn set(&self, position: u64) {
        if let Some(bar) = &self.0 {
            bar.set_position(position);
        }
    }

    pub fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(bytes);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
