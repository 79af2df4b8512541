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

/// A count of items with a free-form status message: a bar when the total is known, a spinner
/// otherwise. On a terminal only (elsewhere the caller prints lines).
pub struct Counter(Option<indicatif::ProgressBar>);

impl Counter {
    pub fn new(total: Option<u64>, unit: &str) -> Self {
        if !std::io::stderr().is_terminal() {
            return Counter(None);
        }
        let (bar, template) = match total {
            Some(total) => (
                indicatif::ProgressBar::new(total),
                format!("{{bar:30}} {{human_pos}}/{{human_len}} {unit} · {{msg}}"),
            ),
            None => (
                indicatif::ProgressBar::new_spinner(),
                format!("{{spinner}} {{human_pos}} {unit} · {{msg}}"),
            ),
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
            bar.set_style(style);
        }
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        Counter(Some(bar))
    }

    /// True when a bar is drawn (so line-oriented output is not needed).
    pub fn is_drawn(&self) -> bool {
        self.0.is_some()
    }

    pub fn update(&self, position: u64, message: String) {
        if let Some(bar) = &self.0 {
            bar.set_position(position);
            bar.set_message(message);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
