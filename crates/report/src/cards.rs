//! Writing card analyses (`hubscope card`): an aligned table for people, JSON / JSON Lines with
//! the full analysis, and a wide CSV (one row per card, one column per measure) for spreadsheets
//! and notebooks. The table escapes control characters from outside; the CSV guards formulas.

use std::io::{self, Write};

use hubscope_card::{CanonicalSection, ModelCard, Score};
use hubscope_store::text::{ellipsis, escape_controls as clean};
use serde::Serialize;

/// The output formats of `hubscope card`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardFormat {
    /// One aligned line per card: score, front matter, licence, filled sections, words, notes.
    Table,
    /// A JSON array of full analyses.
    Json,
    /// One full analysis per line.
    Jsonl,
    /// One row per card, one column per measure.
    Csv,
}

/// One analysed card, or why it could not be analysed.
pub struct Record {
    pub id: String,
    pub result: Result<ModelCard, String>,
}

#[derive(Serialize)]
struct JsonRecord<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    card: Option<&'a ModelCard>,
}

impl<'a> From<&'a Record> for JsonRecord<'a> {
    fn from(r: &'a Record) -> Self {
        JsonRecord {
            id: &r.id,
            error: r.result.as_ref().err().map(String::as_str),
            card: r.result.as_ref().ok(),
        }
    }
}

/// Renders one record in a format: its bytes, ready to be written (without the separators a
/// JSON array needs between records). Pure, so records can be rendered in parallel.
pub fn render(format: CardFormat, record: &Record) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(1024);
    match format {
        CardFormat::Json | CardFormat::Jsonl => {
            serde_json::to_writer(&mut out, &JsonRecord::from(record))?;
            out.push(b'\n');
        }
        CardFormat::Csv => {
            let mut csv = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(&mut out);
            // Text from a card (an id, a licence, a tag) that a spreadsheet would run as a
            // formula gets a leading `'`.
            csv.write_record(
                csv_row(record)
                    .iter()
                    .map(|cell| crate::spreadsheet_safe(cell)),
            )?;
            csv.flush()?;
        }
        CardFormat::Table => write_table_row(&mut out, record)?,
    }
    Ok(out)
}

/// Writes rendered records in one format, streaming: the header (CSV, table) or the brackets
/// and commas of a JSON array around them.
pub struct RecordWriter<W: Write> {
    format: CardFormat,
    out: W,
    written: u64,
}

impl<W: Write> RecordWriter<W> {
    pub fn new(format: CardFormat, mut out: W) -> io::Result<Self> {
        match format {
            CardFormat::Csv => {
                let mut csv = csv::Writer::from_writer(&mut out);
                csv.write_record(csv_header())?;
                csv.flush()?;
            }
            CardFormat::Json => out.write_all(b"[\n")?,
            CardFormat::Table => writeln!(
                out,
                "{:>5}  {:<12}  {:<22}  {:>8}  {:>6}  {:<32}  ID",
                "SCORE", "FRONT MATTER", "LICENSE", "SECTIONS", "WORDS", "NOTES"
            )?,
            CardFormat::Jsonl => {}
        }
        Ok(RecordWriter {
            format,
            out,
            written: 0,
        })
    }

    /// Writes one record rendered by [`render`] in the same format.
    pub fn write_rendered(&mut self, rendered: &[u8]) -> io::Result<()> {
        if self.format == CardFormat::Json && self.written > 0 {
            self.out.write_all(b",")?;
        }
        self.out.write_all(rendered)?;
        self.written += 1;
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<()> {
        if self.format == CardFormat::Json {
            self.out.write_all(b"]\n")?;
        }
        self.out.flush()
    }
}

fn write_table_row(out: &mut impl Write, record: &Record) -> io::Result<()> {
    match &record.result {
        Err(error) => writeln!(
            out,
            "{:>5}  {:<12}  {:<22}  {:>8}  {:>6}  {:<32}  {}",
            "-",
            "-",
            "-",
            "-",
            "-",
            clean(&format!("error: {error}")),
            clean(&record.id)
        ),
        Ok(card) => {
            let fm = front_matter_status(card);
            let license = card
                .metadata
                .license
                .as_ref()
                .map(|l| l.id.clone().unwrap_or_else(|| l.raw.clone()))
                .unwrap_or_else(|| "-".to_string());
            let mut notes = Vec::new();
            if let Some(g) = card.signals.generator {
                notes.push(g.as_str().to_string());
            }
            if card.signals.unedited_auto_generated {
                notes.push("unedited".to_string());
            }
            if card.signals.unedited_template {
                notes.push("unedited template".to_string());
            }
            if let Some(err) = &card.front_matter.error {
                notes.push(match err.line {
                    Some(line) => format!("yaml line {line}"),
                    None => "yaml error".to_string(),
                });
            }
            if card.signals.placeholders > 0 {
                notes.push(format!("{} placeholders", card.signals.placeholders));
            }
            writeln!(
                out,
                "{:>5}  {:<12}  {:<22}  {:>8}  {:>6}  {:<32}  {}",
                card.score.total,
                fm,
                ellipsis(&clean(&license), 22),
                format!("{}/13", card.sections.filled_count()),
                card.signals.real_words,
                ellipsis(&notes.join(", "), 32),
                clean(&record.id)
            )
        }
    }
}

/// `absent`, `parsed` or `invalid`.
pub fn front_matter_status(card: &ModelCard) -> &'static str {
    match (card.front_matter.present, card.front_matter.parsed) {
        (false, _) => "absent",
        (true, true) => "parsed",
        (true, false) => "invalid",
    }
}

/// The CSV columns before the per-section and per-criterion ones.
const CSV_FIXED: [&str; 30] = [
    "id",
    "error",
    "bytes",
    "lines",
    "front_matter",
    "yaml_error",
    "yaml_error_line",
    "license",
    "license_id",
    "license_spdx",
    "license_status",
    "pipeline_tag",
    "library_name",
    "languages",
    "datasets",
    "base_models",
    "eval_results",
    "eval_metrics",
    "words",
    "real_words",
    "headings",
    "code_blocks",
    "tables",
    "links",
    "images",
    "placeholders",
    "generator",
    "unedited_auto_generated",
    "unedited_template",
    "sections_filled",
];

fn csv_width() -> usize {
    CSV_FIXED.len() + CanonicalSection::ALL.len() * 3 + 1 + Score::RUBRIC.len()
}

fn csv_header() -> Vec<String> {
    let mut h: Vec<String> = CSV_FIXED.iter().map(|s| s.to_string()).collect();
    for s in CanonicalSection::ALL {
        h.push(format!("{s}_present"));
        h.push(format!("{s}_filled"));
        h.push(format!("{s}_words"));
    }
    h.push("score".to_string());
    for (id, _) in Score::RUBRIC {
        h.push(format!("score_{id}"));
    }
    h
}

fn csv_row(record: &Record) -> Vec<String> {
    let width = csv_width();
    let card = match &record.result {
        Err(error) => {
            let mut row = vec![record.id.clone(), error.clone()];
            row.resize(width, String::new());
            return row;
        }
        Ok(card) => card,
    };
    let m = &card.metadata;
    let l = m.license.as_ref();
    let yes = |b: bool| if b { "1" } else { "0" }.to_string();
    let mut row = vec![
        record.id.clone(),
        String::new(),
        card.bytes.to_string(),
        card.lines.to_string(),
        front_matter_status(card).to_string(),
        card.front_matter
            .error
            .as_ref()
            .map(|e| e.message.clone())
            .unwrap_or_default(),
        card.front_matter
            .error
            .as_ref()
            .and_then(|e| e.line)
            .map(|l| l.to_string())
            .unwrap_or_default(),
        l.map(|l| l.raw.clone()).unwrap_or_default(),
        l.and_then(|l| l.id.clone()).unwrap_or_default(),
        l.and_then(|l| l.spdx.clone()).unwrap_or_default(),
        l.map(|l| serde_plain(&l.status)).unwrap_or_default(),
        m.pipeline_tag.clone().unwrap_or_default(),
        m.library_name.clone().unwrap_or_default(),
        m.languages.join(";"),
        m.datasets.join(";"),
        m.base_models.join(";"),
        m.eval_results.results.to_string(),
        m.eval_results.metrics.to_string(),
        card.signals.words.to_string(),
        card.signals.real_words.to_string(),
        card.signals.headings.to_string(),
        card.signals.code_blocks.to_string(),
        card.signals.tables.to_string(),
        card.signals.links.to_string(),
        card.signals.images.to_string(),
        card.signals.placeholders.to_string(),
        card.signals
            .generator
            .map(|g| g.as_str().to_string())
            .unwrap_or_default(),
        yes(card.signals.unedited_auto_generated),
        yes(card.signals.unedited_template),
        card.sections.filled_count().to_string(),
    ];
    for (_, coverage) in card.sections.iter() {
        row.push(yes(coverage.present));
        row.push(yes(coverage.filled));
        row.push(coverage.words.to_string());
    }
    row.push(card.score.total.to_string());
    for (id, _) in Score::RUBRIC {
        row.push(card.score.points(id).unwrap_or(0).to_string());
    }
    row
}

/// A unit enum variant as its serde name.
fn serde_plain<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_id_a_spreadsheet_would_run_is_written_as_text_and_the_table_escapes_it() {
        let record = Record {
            id: "=HYPERLINK(\"http://x\")\u{1b}[2J".into(),
            result: Err("-not read".into()),
        };
        let csv = String::from_utf8(render(CardFormat::Csv, &record).unwrap()).unwrap();
        assert!(csv.starts_with("\"'=HYPERLINK"), "{csv}");
        assert!(csv.contains(",'-not read,"), "{csv}");
        let table = String::from_utf8(render(CardFormat::Table, &record).unwrap()).unwrap();
        assert!(!table.contains('\u{1b}'), "{table}");
        assert_eq!(table.lines().count(), 1, "{table}");
    }
}
