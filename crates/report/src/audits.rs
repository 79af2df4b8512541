//! Audits written as they are made, for one output: a table for the terminal (control
//! characters shown, not sent), one JSON object a line in an array, a Markdown table (every
//! value from outside escaped), or a SARIF log (collected: it lists the rules that fired
//! before the results). Memory stays bounded over millions of audits but for SARIF.

use std::collections::HashSet;

use hubscope_govern::{Audit, Policy, Severity};
use hubscope_store::text::{escape_controls, head_chars};

use crate::escape_markdown;

/// The output an audit writer makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Markdown,
    Sarif,
}

/// Why audits could not be written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

fn counts(a: &Audit) -> (usize, usize) {
    let errors = a
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    (errors, a.findings.len() - errors)
}

/// Writes audits as they come: a header, one block or row per audit, a footer. `readmes` are
/// the ids of README files audited on their own (SARIF names them by path, not `hf://`).
pub struct Writer<'a> {
    format: Format,
    policy: &'a Policy,
    readmes: &'a HashSet<String>,
    first: bool,
    /// SARIF lists the rules that fired before the results: it is written at the end.
    sarif: Vec<Audit>,
}

impl<'a> Writer<'a> {
    pub fn new(format: Format, policy: &'a Policy, readmes: &'a HashSet<String>) -> Self {
        Writer {
            format,
            policy,
            readmes,
            first: true,
            sarif: Vec::new(),
        }
    }

    /// Writes what comes before the first audit.
    pub fn start(&mut self, w: &mut dyn std::io::Write) -> Result<(), Error> {
        match self.format {
            Format::Json => w.write_all(b"[")?,
            Format::Markdown => {
                writeln!(
                    w,
                    "# Audit against {} {}\n\nPolicy hash `{}`.\n",
                    escape_markdown(&self.policy.name),
                    escape_markdown(&self.policy.version),
                    escape_markdown(&self.policy.hash)
                )?;
                writeln!(w, "| Model | Result | Errors | Warnings | Findings |")?;
                writeln!(w, "|---|---|---:|---:|---|")?;
            }
            Format::Table | Format::Sarif => {}
        }
        Ok(())
    }

    /// Writes one audit (SARIF keeps it for the end).
    pub fn push(&mut self, w: &mut dyn std::io::Write, a: Audit) -> Result<(), Error> {
        let first = std::mem::replace(&mut self.first, false);
        match self.format {
            Format::Json => {
                // One audit a line: an array `jq` reads whole and `grep` reads line by line,
                // half the size of pretty-printed JSON over millions of models.
                w.write_all(if first { b"\n" } else { b",\n" })?;
                serde_json::to_writer(&mut *w, &a)?;
            }
            Format::Sarif => self.sarif.push(a),
            Format::Table => {
                let (errors, warnings) = counts(&a);
                // Ids, revisions and messages carry text from outside: control characters
                // are shown, not sent.
                writeln!(
                    w,
                    "{} {}{}  ({errors} errors, {warnings} warnings)",
                    if a.passed { "PASS" } else { "FAIL" },
                    escape_controls(&a.model_id),
                    a.revision
                        .as_deref()
                        .map(|r| format!(" @ {}", escape_controls(head_chars(r, 12))))
                        .unwrap_or_default()
                )?;
                for f in &a.findings {
                    writeln!(
                        w,
                        "  {:<8} {:<28} {}",
                        f.severity.as_str(),
                        f.rule,
                        escape_controls(&f.message)
                    )?;
                }
                if !a.not_checked.is_empty() {
                    writeln!(w, "  not checked (no data): {}", a.not_checked.join(", "))?;
                }
            }
            Format::Markdown => {
                let (errors, warnings) = counts(&a);
                // Every value from outside is escaped: a licence or base_model written as HTML
                // stays text in any Markdown renderer.
                let findings = a
                    .findings
                    .iter()
                    .map(|f| {
                        format!(
                            "**{}** {}",
                            f.severity.as_str(),
                            escape_markdown(&f.message)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("<br>");
                writeln!(
                    w,
                    "| {} | {} | {errors} | {warnings} | {findings} |",
                    escape_markdown(&a.model_id),
                    if a.passed { "pass" } else { "**fail**" }
                )?;
            }
        }
        Ok(())
    }

    /// Writes what comes after the last audit.
    pub fn finish(&mut self, w: &mut dyn std::io::Write) -> Result<(), Error> {
        match self.format {
            Format::Json => w.write_all(if self.first { b"]\n" } else { b"\n]\n" })?,
            Format::Sarif => {
                let readmes = self.readmes;
                let log = hubscope_govern::sarif::sarif(&self.sarif, |a| {
                    if readmes.contains(&a.model_id) {
                        a.model_id.clone()
                    } else {
                        format!("hf://{}/README.md", a.model_id)
                    }
                });
                serde_json::to_writer_pretty(&mut *w, &log)?;
                w.write_all(b"\n")?;
            }
            Format::Table | Format::Markdown => {}
        }
        Ok(())
    }
}
