//! Writing card analyses (`hubscope card`): an aligned table for people, JSON / JSON Lines with
//! the full analysis, and a wide CSV (one row per card, one column per measure) for spreadsheets
//! and notebooks. The table escapes control characters from outside; the CSV guards formulas.

use std::io::{self, Write};

use hubscope_card::{CanonicalSection, CardAnalyzer, CardError, ModelCard, Score};
use hubscope_source::SourceError;
use hubscope_source::cards::{CardItem, CardSource};
use hubscope_source::ingest::spawn_card_reader;
use hubscope_store::text::{ellipsis, escape_controls as clean};
use rayon::prelude::*;
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

/// What one record adds to a run's [`Tally`].
#[derive(Debug, Default)]
struct Outcome {
    error: Option<String>,
    bytes: u64,
    front_matter: bool,
    invalid_yaml: bool,
    unedited_auto: bool,
    unedited_template: bool,
    score: u8,
}

impl Outcome {
    fn of(record: &Record) -> Outcome {
        match &record.result {
            Err(error) => Outcome {
                error: Some(format!("{}: {error}", record.id)),
                ..Outcome::default()
            },
            Ok(card) => Outcome {
                error: None,
                bytes: card.bytes,
                front_matter: card.front_matter.present,
                invalid_yaml: card.front_matter.present && !card.front_matter.parsed,
                unedited_auto: card.signals.unedited_auto_generated,
                unedited_template: card.signals.unedited_template,
                score: card.score.total,
            },
        }
    }
}

/// What a run of [`analyse_all`] did: the counts of its summary line.
#[derive(Debug, Default)]
pub struct Tally {
    pub cards: u64,
    pub errors: u64,
    pub bytes: u64,
    pub front_matter: u64,
    pub invalid_yaml: u64,
    pub unedited_auto: u64,
    pub unedited_template: u64,
    pub score_sum: u64,
    /// The first record that could not be analysed, with its id.
    pub first_error: Option<String>,
}

impl Tally {
    fn add(&mut self, outcome: Outcome) {
        self.cards += 1;
        if let Some(error) = outcome.error {
            self.errors += 1;
            self.first_error.get_or_insert(error);
            return;
        }
        self.bytes += outcome.bytes;
        self.front_matter += u64::from(outcome.front_matter);
        self.invalid_yaml += u64::from(outcome.invalid_yaml);
        self.unedited_auto += u64::from(outcome.unedited_auto);
        self.unedited_template += u64::from(outcome.unedited_template);
        self.score_sum += u64::from(outcome.score);
    }

    /// The run in one line (and its first failure on a second), `seconds` being its duration.
    pub fn summary(&self, seconds: f64) -> String {
        let analysed = self.cards - self.errors;
        let mean = if analysed > 0 {
            self.score_sum as f64 / analysed as f64
        } else {
            0.0
        };
        let mut line = format!(
            "hubscope card: {} cards, {analysed} analysed, {} failed; front matter {} present, {} \
             invalid; unedited: {} auto-generated, {} template; mean score {mean:.1}; {:.1} MB in \
             {seconds:.2} s ({:.0} MB/s)",
            self.cards,
            self.errors,
            self.front_matter,
            self.invalid_yaml,
            self.unedited_auto,
            self.unedited_template,
            self.bytes as f64 / 1e6,
            self.bytes as f64 / 1e6 / seconds.max(1e-9),
        );
        if let Some(first) = &self.first_error {
            line.push_str(&format!("\n  first failure: {}", clean(first)));
        }
        line
    }
}

/// Why [`analyse_all`] stopped before the end.
#[derive(Debug, thiserror::Error)]
pub enum AnalyseError {
    #[error("cannot render the output")]
    Render(#[source] io::Error),
    #[error("cannot write the output")]
    Write(#[source] io::Error),
    #[error("the card reader failed; the output is incomplete")]
    Reader,
}

/// A finished run: its counts, and the input that could not be read, if one stopped it (the
/// records read before it are written).
#[derive(Debug)]
pub struct Analysed {
    pub tally: Tally,
    pub read_error: Option<SourceError>,
}

/// Analyses every card of `sources` on `pool` and writes the records to `out` in input order,
/// calling `progress` with the input bytes each batch consumed. A reader thread streams bounded
/// batches; while one batch is analysed and rendered in parallel the previous one is written, so
/// memory holds a few batches whatever the size of the input.
pub fn analyse_all(
    sources: Vec<CardSource>,
    analyzer: &CardAnalyzer,
    format: CardFormat,
    pool: &rayon::ThreadPool,
    out: &mut (dyn Write + Send),
    progress: &dyn Fn(u64),
) -> Result<Analysed, AnalyseError> {
    let mut writer = RecordWriter::new(format, out).map_err(AnalyseError::Write)?;
    let (batches, reader) = spawn_card_reader(sources, analyzer.limits().max_card_bytes);
    let mut tally = Tally::default();
    let mut pending: Vec<(Vec<u8>, Outcome)> = Vec::new();
    let mut read_error = None;
    for batch in batches {
        let batch = match batch {
            Ok(batch) => batch,
            Err(err) => {
                // Write what was read before the failure, then report it.
                read_error = Some(err);
                break;
            }
        };
        let consumed: u64 = batch.iter().map(|i| i.consumed).sum();
        let previous = std::mem::take(&mut pending);
        let (rendered, written) = pool.install(|| {
            rayon::join(
                || {
                    batch
                        .into_par_iter()
                        .map(|item| analyse_and_render(analyzer, format, item))
                        .collect::<io::Result<Vec<_>>>()
                },
                || write_pending(previous, &mut writer, &mut tally),
            )
        });
        written?;
        pending = rendered.map_err(AnalyseError::Render)?;
        progress(consumed);
    }
    write_pending(pending, &mut writer, &mut tally)?;
    if reader.join().is_err() {
        return Err(AnalyseError::Reader);
    }
    writer.finish().map_err(AnalyseError::Write)?;
    Ok(Analysed { tally, read_error })
}

/// Writes rendered records in order and counts them.
fn write_pending<W: Write>(
    pending: Vec<(Vec<u8>, Outcome)>,
    writer: &mut RecordWriter<W>,
    tally: &mut Tally,
) -> Result<(), AnalyseError> {
    for (rendered, outcome) in pending {
        writer
            .write_rendered(&rendered)
            .map_err(AnalyseError::Write)?;
        tally.add(outcome);
    }
    Ok(())
}

/// Analyses one card and renders its record.
fn analyse_and_render(
    analyzer: &CardAnalyzer,
    format: CardFormat,
    item: CardItem,
) -> io::Result<(Vec<u8>, Outcome)> {
    let record = Record {
        result: item
            .text
            .and_then(|bytes| analyzer.analyze_bytes(&bytes).map_err(describe)),
        id: item.id,
    };
    Ok((render(format, &record)?, Outcome::of(&record)))
}

/// A card error as the user should read it: with `hubscope card`'s option that changes the limit.
fn describe(err: CardError) -> String {
    match err {
        CardError::TooLarge { .. } => format!("{err} (--max-card-bytes)"),
        CardError::NotUtf8 { .. } => err.to_string(),
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

    #[test]
    fn a_run_writes_every_record_in_order_and_counts_what_failed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cards.jsonl");
        let big = "word ".repeat(400);
        let lines = [
            serde_json::json!({"id": "a/first", "readme": "---\nlicense: mit\n---\n# Model\n\nText."}),
            serde_json::json!({"id": "b/\u{1b}[2Jbig", "readme": big}),
            serde_json::json!({"id": "c/third", "readme": "# Only a title"}),
        ];
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        std::fs::write(&path, text).unwrap();
        let analyzer = CardAnalyzer::with_limits(hubscope_card::Limits {
            max_card_bytes: 1000,
            ..hubscope_card::Limits::default()
        });
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let consumed = std::sync::atomic::AtomicU64::new(0);
        let mut out = Vec::new();
        let analysed = analyse_all(
            vec![CardSource::Jsonl(path)],
            &analyzer,
            CardFormat::Jsonl,
            &pool,
            &mut out,
            &|n| {
                consumed.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
            },
        )
        .unwrap();
        assert!(analysed.read_error.is_none());
        let t = &analysed.tally;
        assert_eq!((t.cards, t.errors, t.front_matter), (3, 1, 1));
        let ids: Vec<String> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].to_string())
            .collect();
        assert_eq!(ids, ["\"a/first\"", "\"b/\\u001b[2Jbig\"", "\"c/third\""]);
        assert!(consumed.load(std::sync::atomic::Ordering::Relaxed) > 2000);
        let summary = t.summary(1.0);
        assert!(
            summary.contains("3 cards, 2 analysed, 1 failed"),
            "{summary}"
        );
        assert!(summary.contains("(--max-card-bytes)"), "{summary}");
        assert!(!summary.contains('\u{1b}'), "{summary}");
    }
}
