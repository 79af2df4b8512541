//! Classifying topics as an operation: choosing the classifier, reading the topics (a JSON Lines
//! file or the store), writing the predictions, and storing them as a coder's codes with the
//! classifier's measured agreement. Also the two file-to-file jobs around it: training from a
//! labels file, and scoring predictions against gold codes. The command line (`hubscope
//! classify`, `study`, `code`) only fills the options and prints what these return.

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use hubscope_source::SourceError;
use hubscope_source::labels::{LeftOut, coded_lines, read_labels};
use hubscope_source::topics::{self, MAX_TEXT, Topic};
use hubscope_store::{Classification, Code, Store, StoreError, TopicKind};
use serde_json::json;

use crate::classifier::{self, Classifier, ClassifierError, ClassifierFile, Folds, Labelled};
use crate::evaluation::{CoveragePoint, Evaluation, coverage_curve, evaluate};
use crate::{Agreement, Codebook, CodebookError, LexicalClassifier, Prediction, TrainOptions};

/// Why a classifying job stopped.
#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Classifier(#[from] ClassifierError),
    #[error("codebook {path}: {source}")]
    Codebook {
        path: PathBuf,
        source: CodebookError,
    },
    #[error("cannot read the codebook {path}: {source}")]
    ReadCodebook {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("writing {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("classify --input needs --out FILE.jsonl")]
    NoOut,
    #[error("no forum topics or Hub discussions in {0}: ingest or crawl them first")]
    NoTopics(String),
    #[error("no id is in both {gold} and {pred}")]
    NoCommonIds { gold: PathBuf, pred: PathBuf },
}

/// The built-in codebook, or the one (CSV, the study's shape) at `path`.
pub fn load_codebook(path: Option<&Path>) -> Result<Codebook, ClassifyError> {
    let Some(path) = path else {
        return Ok(Codebook::challenges());
    };
    let text = std::fs::read_to_string(path).map_err(|source| ClassifyError::ReadCodebook {
        path: path.to_path_buf(),
        source,
    })?;
    Codebook::parse(&text).map_err(|source| ClassifyError::Codebook {
        path: path.to_path_buf(),
        source,
    })
}

/// Which classifier to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// BM25 against the codebook and curated keywords.
    Lexical,
    /// Sentence embeddings of a local model, then trained weights.
    Embedding,
    /// The embedding classifier when its model loads, the lexical one otherwise.
    Auto,
}

/// A classifier chosen for a [`Method`], and why the lexical one stands in, when it does.
pub struct Chosen {
    pub classifier: Classifier,
    /// Set when `Auto` fell back to the lexical classifier: the whole chain of causes.
    pub fallback: Option<String>,
}

impl Chosen {
    /// The warning to show for a fallback, with the way out.
    pub fn warning(&self) -> Option<String> {
        self.fallback.as_ref().map(|why| {
            format!(
                "warning: the embedding classifier is unavailable ({why}); the lexical one is \
                 used, and the codes say so (run scripts/fetch-model.sh to install the model, \
                 or pass --method lexical)"
            )
        })
    }
}

/// The classifier `method` asks for. `Auto` falls back to the lexical one only where nothing
/// was asked for by name (no `model_dir`, no `weights`): a named model that fails is an error.
pub fn choose(
    method: Method,
    codebook: &Codebook,
    model_dir: Option<&Path>,
    weights: Option<&Path>,
) -> Result<Chosen, ClassifierError> {
    let lexical = || Classifier::Lexical(LexicalClassifier::new(codebook, &[]));
    let (classifier, fallback) = match method {
        Method::Lexical => (lexical(), None),
        Method::Embedding => (Classifier::embedding(codebook, model_dir, weights)?, None),
        Method::Auto => match Classifier::embedding(codebook, model_dir, weights) {
            Ok(c) => (c, None),
            Err(e) if model_dir.is_none() && weights.is_none() => (lexical(), Some(chain(&e))),
            Err(e) => return Err(e),
        },
    };
    Ok(Chosen {
        classifier,
        fallback,
    })
}

/// An error and its causes, `: `-separated.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        let _ = write!(text, ": {c}");
        cause = c.source();
    }
    text
}

/// Which stored topics to classify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topics {
    Forum,
    Discussions,
    All,
}

/// What to classify, how, and where the predictions go. The defaults are the command line's.
#[derive(Debug, Clone)]
pub struct ClassifyOptions {
    /// Topics from a JSON Lines file instead of the store (then `out` is needed).
    pub input: Option<PathBuf>,
    /// Without `input`: which stored topics.
    pub topics: Topics,
    /// Predictions as JSON Lines.
    pub out: Option<PathBuf>,
    pub method: Method,
    /// The sentence-transformers model's folder; `None`: where hubscope looks by itself.
    pub model_dir: Option<PathBuf>,
    /// Weights trained by `classify train` instead of the built-in ones.
    pub classifier: Option<PathBuf>,
    /// A codebook instead of the built-in one.
    pub codebook: Option<PathBuf>,
}

impl Default for ClassifyOptions {
    fn default() -> Self {
        ClassifyOptions {
            input: None,
            topics: Topics::All,
            out: None,
            method: Method::Auto,
            model_dir: None,
            classifier: None,
            codebook: None,
        }
    }
}

/// What a classifying run did.
pub struct Classified {
    /// The file or database the topics came from.
    pub input: String,
    pub out: Option<PathBuf>,
    /// The codes' coder in the store (`hubscope:METHOD`), when they were stored.
    pub stored_as: Option<String>,
    pub method: &'static str,
    /// Why the lexical classifier stands in for the embedding one, when it does.
    pub fallback: Option<String>,
    pub topics: usize,
    /// Topics whose sentence vector was found in the store (its text embedded before).
    pub vectors_kept: usize,
    /// Seconds to read the topics and load the classifier, and in all.
    pub loading: f64,
    pub seconds: f64,
    /// The stored codes' measured agreement with people's codes (`None`: never measured).
    pub agreement: Option<Agreement>,
    pub empty: u64,
    pub cut: u64,
    /// Topics without a single codebook word (lexical only).
    pub no_words: u64,
    /// `(line, reason)` of the input lines left out.
    pub skipped: Vec<(u64, String)>,
}

impl Classified {
    /// The summary lines for the terminal.
    pub fn summary(&self) -> String {
        let mut text = String::new();
        let target = match (&self.out, &self.stored_as) {
            (Some(out), Some(coder)) => {
                format!(
                    "{} and the codes of {coder} in {}",
                    out.display(),
                    self.input
                )
            }
            (Some(out), None) => out.display().to_string(),
            (None, Some(coder)) => format!("the codes of {coder} in {}", self.input),
            (None, None) => "nowhere".into(),
        };
        let _ = writeln!(
            text,
            "hubscope classify: {} topics in {:.2} s ({:.0} topics/s after {:.2} s loading), {} → {target}",
            self.topics,
            self.seconds,
            self.topics as f64 / (self.seconds - self.loading).max(1e-9),
            self.loading,
            self.method,
        );
        if self.vectors_kept > 0 {
            let _ = writeln!(
                text,
                "  {} of the {} vectors were found in the store (texts embedded before); {} embedded now",
                self.vectors_kept,
                self.topics,
                self.topics.saturating_sub(self.vectors_kept)
            );
        }
        if self.stored_as.is_some() {
            match &self.agreement {
                Some(a) => {
                    let _ = writeln!(
                        text,
                        "  measured agreement with people's codes: accuracy {:.3}, Cohen's κ {} ({})",
                        a.accuracy,
                        kappa_text(a.kappa),
                        a.measured_on
                    );
                }
                None => text.push_str(
                    "  this classifier's agreement with people's codes was never measured \
                     (trained without cross-validation, or on another codebook): its shares are \
                     reported uncorrected\n",
                ),
            }
        }
        if self.empty + self.cut + self.no_words > 0 {
            let _ = write!(
                text,
                "  {} with no text, {} cut at {} KB",
                self.empty,
                self.cut,
                MAX_TEXT / 1024
            );
            if self.method == "lexical" {
                let _ = write!(
                    text,
                    ", {} without any codebook word (another language?) → category 17 with score 0",
                    self.no_words
                );
            }
            text.push('\n');
        }
        for (line, reason) in self.skipped.iter().take(20) {
            let _ = writeln!(text, "  {}:{line}: skipped, {reason}", self.input);
        }
        if self.skipped.len() > 20 {
            let _ = writeln!(text, "  … {} lines skipped in all", self.skipped.len());
        }
        text
    }
}

/// A κ for prose: three decimals, or `undefined` (one category only).
pub fn kappa_text(k: Option<f64>) -> String {
    k.map_or("undefined".into(), |k| format!("{k:.3}"))
}

/// A confidence as written and stored: six decimals.
fn rounded(score: f64) -> f64 {
    (score * 1e6).round() / 1e6
}

/// Classifies topics: a file's, or the store's (`db`), whose predictions are then stored as
/// the codes of the coder `hubscope:METHOD` with the classifier's measured agreement.
/// `chosen` is told which classifier was chosen before the topics are classified.
pub fn classify(
    db: &Path,
    options: &ClassifyOptions,
    chosen: impl FnOnce(&Chosen),
) -> Result<Classified, ClassifyError> {
    let codebook = load_codebook(options.codebook.as_deref())?;
    let started = std::time::Instant::now();
    let mut batches: Vec<(&'static str, Vec<Topic>)> = Vec::new();
    let mut reading = topics::Reading::default();
    // Stored topics are read from, and their codes and vectors written to, one open store.
    let mut store = None;
    let input = match &options.input {
        Some(input) => {
            if options.out.is_none() {
                return Err(ClassifyError::NoOut);
            }
            reading = topics::read_jsonl(input)?;
            batches.push(("", std::mem::take(&mut reading.topics)));
            input.display().to_string()
        }
        None => {
            let store = store.insert(Store::open_existing(db)?);
            for (source, wanted, kind) in [
                ("forum", Topics::Forum, TopicKind::Forum),
                ("discussions", Topics::Discussions, TopicKind::Discussions),
            ] {
                if options.topics == wanted || options.topics == Topics::All {
                    batches.push((source, topics::read_store(store, kind)?));
                }
            }
            let name = db.display().to_string();
            if batches.iter().all(|(_, t)| t.is_empty()) {
                return Err(ClassifyError::NoTopics(name));
            }
            name
        }
    };
    let choice = choose(
        options.method,
        &codebook,
        options.model_dir.as_deref(),
        options.classifier.as_deref(),
    )?;
    chosen(&choice);
    let classifier = &choice.classifier;
    let loading = started.elapsed().as_secs_f64();

    // Stored topics keep their vectors in the store, so classifying again embeds only the new
    // or changed ones.
    let mut results: Vec<(&str, &Topic, Prediction)> = Vec::new();
    let mut vectors_kept = 0;
    for (source, list) in &batches {
        let texts: Vec<(&str, Option<u64>)> =
            list.iter().map(|t| (t.text.as_str(), t.replies)).collect();
        let (predictions, kept) = classifier.classify_kept(&codebook, &texts, store.as_mut())?;
        vectors_kept += kept;
        results.extend(list.iter().zip(predictions).map(|(t, p)| (*source, t, p)));
    }
    if let Some(out) = &options.out {
        write_predictions(out, &results)?;
    }
    let mut stored_as = None;
    let mut agreement = None;
    if options.input.is_none() {
        let coder = format!("hubscope:{}", classifier.method());
        let codes: Vec<Code> = results
            .iter()
            .filter_map(|(source, topic, p)| {
                Some(Code {
                    source: (*source).to_string(),
                    item_id: topic.id.as_i64()?,
                    coder: coder.clone(),
                    category_id: p.category_id,
                    subcategory: p.subcategory.clone(),
                    benefit_id: None,
                    note: None,
                    confidence: Some(rounded(p.score)),
                })
            })
            .collect();
        let mut store = match store {
            Some(store) => store,
            None => Store::open_existing(db)?,
        };
        store.import_codes(
            &format!("classify --method {}", classifier.method()),
            &codes,
        )?;
        agreement = classifier.agreement(&codebook);
        store.record_classification(&Classification {
            coder: coder.clone(),
            method: classifier.method().into(),
            classifier: options
                .classifier
                .as_ref()
                .map_or("built-in".into(), |p| p.display().to_string()),
            classified_at: hubscope_store::time::now(),
            items: codes.len() as u64,
            agreement: agreement
                .as_ref()
                .map(|a| serde_json::to_string(a).expect("an agreement serialises")),
        })?;
        stored_as = Some(coder);
    }
    Ok(Classified {
        input,
        out: options.out.clone(),
        stored_as,
        method: classifier.method(),
        fallback: choice.fallback.clone(),
        topics: results.len(),
        vectors_kept,
        loading,
        seconds: started.elapsed().as_secs_f64(),
        agreement,
        empty: reading.empty,
        cut: reading.cut,
        no_words: results.iter().filter(|(_, _, p)| p.score == 0.0).count() as u64,
        skipped: reading.skipped,
    })
}

/// Predictions as JSON Lines: `{id, category_id, category, subcategory, confidence,
/// runner_up_id}`, and `source` for stored topics.
fn write_predictions(
    out: &Path,
    results: &[(&str, &Topic, Prediction)],
) -> Result<(), ClassifyError> {
    hubscope_store::atomic::write_atomically(out, |w| {
        for (source, topic, p) in results {
            let mut line = json!({
                "id": topic.id,
                "category_id": p.category_id,
                "category": p.category,
                "subcategory": p.subcategory,
                "confidence": rounded(p.score),
                "runner_up_id": p.runner_up_id,
            });
            if !source.is_empty() {
                line["source"] = json!(source);
            }
            serde_json::to_writer(&mut *w, &line)?;
            w.write_all(b"\n")?;
        }
        Ok::<(), std::io::Error>(())
    })
    .map_err(|source| ClassifyError::Write {
        path: out.to_path_buf(),
        source,
    })
}

/// Labelled texts from a labels file (CSV: `id`, `category_id` …; see
/// [`hubscope_source::labels::read_labels`]), with the texts of ids without a text column
/// looked up in `texts` (JSON Lines of topics), and the rows left out.
pub fn read_labelled(
    labels: &Path,
    texts: &[PathBuf],
    codebook: &Codebook,
) -> Result<(Vec<Labelled>, LeftOut), ClassifyError> {
    let mut by_key = HashMap::new();
    for path in texts {
        for topic in topics::read_jsonl(path)?.topics {
            by_key.insert(topic.key(), topic);
        }
    }
    let known = |id: u16| id == 0 || codebook.categories.iter().any(|c| c.id == id);
    let (rows, rejected) = read_labels(labels, &known, &by_key)?;
    let labelled = rows
        .into_iter()
        .map(|r| Labelled {
            text: r.text,
            category_id: r.category_id,
            text_category_id: r.text_category_id,
            replies: r.replies,
        })
        .collect();
    Ok((labelled, rejected))
}

/// How to train the embedding classifier from a labels file.
#[derive(Debug, Clone)]
pub struct TrainJob {
    pub labels: PathBuf,
    /// JSON Lines of topics holding the texts of ids without a text column.
    pub texts: Vec<PathBuf>,
    pub model_dir: Option<PathBuf>,
    /// Tokens kept per text.
    pub max_tokens: usize,
    pub folds: Folds,
    pub options: TrainOptions,
    pub codebook: Option<PathBuf>,
    /// The classifier file to write.
    pub out: PathBuf,
}

impl TrainJob {
    /// 32 tokens cross-validated best on the shipped labels (accuracy 0.562 against 0.549 at
    /// 64, 128 and 256) and is the fastest.
    pub const MAX_TOKENS: usize = 32;
    pub const FOLDS: usize = 5;
    pub const SEED: u64 = 2026;
}

/// What training wrote.
pub struct Trained {
    pub file: ClassifierFile,
    pub labelled: usize,
    /// `(line, reason)` of the label rows left out.
    pub rejected: LeftOut,
    pub labels: PathBuf,
    pub out: PathBuf,
    pub seconds: f64,
}

impl Trained {
    /// The rows left out (at most 20, then their count), for stderr.
    pub fn left_out(&self) -> String {
        let mut text = String::new();
        for (line, reason) in self.rejected.iter().take(20) {
            let _ = writeln!(
                text,
                "  {}:{line}: left out, {reason}",
                self.labels.display()
            );
        }
        if self.rejected.len() > 20 {
            let _ = writeln!(text, "  … {} rows left out in all", self.rejected.len());
        }
        text
    }
}

impl fmt::Display for Trained {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "hubscope classify train: {} labelled texts ({} left out), {} at {} tokens, in {:.1} s → {}",
            self.labelled,
            self.rejected.len(),
            self.file.model,
            self.file.max_tokens,
            self.seconds,
            self.out.display()
        )?;
        if let Some(cv) = &self.file.training.cross_validation {
            writeln!(
                f,
                "  {}-fold cross-validation (seed {}), {} items, against the final codes:",
                cv.folds, cv.seed, cv.items
            )?;
            for (name, s) in [("embedding", cv.embedding), ("lexical", cv.lexical)] {
                writeln!(
                    f,
                    "    {name:<10} accuracy {:.3}  macro-F1 {:.3}  Cohen's κ {}",
                    s.accuracy,
                    s.macro_f1,
                    kappa_text(s.kappa)
                )?;
            }
        }
        Ok(())
    }
}

/// Trains the embedding classifier (cross-validated first) and writes its file. `progress`
/// hears `(texts done, texts)`.
pub fn train(job: &TrainJob, progress: impl FnMut(usize, usize)) -> Result<Trained, ClassifyError> {
    let started = std::time::Instant::now();
    let codebook = load_codebook(job.codebook.as_deref())?;
    let (labelled, rejected) = read_labelled(&job.labels, &job.texts, &codebook)?;
    let dir = hubscope_embed::locate(job.model_dir.as_deref()).map_err(ClassifierError::from)?;
    let encoder = hubscope_embed::Encoder::load(&dir)
        .and_then(|e| e.with_max_tokens(job.max_tokens))
        .map_err(ClassifierError::from)?;
    let file = classifier::train(
        &codebook,
        &encoder,
        &labelled,
        &job.labels.display().to_string(),
        job.options,
        job.folds,
        progress,
    )?;
    let text = serde_json::to_string(&file).expect("a classifier file serialises");
    hubscope_store::atomic::write_atomically(&job.out, |w| {
        w.write_all(text.as_bytes())?;
        w.write_all(b"\n")
    })
    .map_err(|source| ClassifyError::Write {
        path: job.out.clone(),
        source,
    })?;
    Ok(Trained {
        file,
        labelled: labelled.len(),
        rejected,
        labels: job.labels.clone(),
        out: job.out.clone(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Predictions scored against gold codes.
pub struct Scored {
    pub evaluation: Evaluation,
    /// Accuracy of the most confident quarter, half, … (empty: no confidences).
    pub by_coverage: Vec<CoveragePoint>,
    /// Gold ids without a prediction, left out.
    pub missing: usize,
}

/// Scores the predictions in `pred` against the codes in `gold` (both JSON Lines with `id` and
/// `category_id`; `confidence` where the predictions have it), on the ids in both.
pub fn score(gold: &Path, pred: &Path) -> Result<Scored, ClassifyError> {
    let g: HashMap<String, u32> = coded_lines(gold)?
        .into_iter()
        .map(|(id, (code, _))| (id, code))
        .collect();
    let p = coded_lines(pred)?;
    let mut ids: Vec<&String> = g.keys().filter(|id| p.contains_key(*id)).collect();
    ids.sort();
    let (gv, pv): (Vec<u32>, Vec<u32>) = ids.iter().map(|id| (g[*id], p[*id].0)).unzip();
    let evaluation = evaluate(&gv, &pv).ok_or_else(|| ClassifyError::NoCommonIds {
        gold: gold.to_path_buf(),
        pred: pred.to_path_buf(),
    })?;
    let confident: Vec<(f64, bool)> = ids
        .iter()
        .filter_map(|id| p[*id].1.map(|c| (c, g[*id] == p[*id].0)))
        .collect();
    Ok(Scored {
        evaluation,
        by_coverage: coverage_curve(&confident),
        missing: g.len() - ids.len(),
    })
}

impl Scored {
    /// The evaluation as JSON, with `by_coverage`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(&self.evaluation).expect("an evaluation serialises");
        v["by_coverage"] = serde_json::to_value(&self.by_coverage).expect("points serialise");
        v
    }
}

impl fmt::Display for Scored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.evaluation;
        writeln!(
            f,
            "items {}  accuracy {:.3}  macro-F1 {:.3}  Cohen's κ {}",
            e.items,
            e.accuracy,
            e.macro_f1,
            kappa_text(e.kappa)
        )?;
        writeln!(
            f,
            "{:>8} {:>8} {:>9} {:>9} {:>7} {:>7}",
            "category", "support", "predicted", "precision", "recall", "F1"
        )?;
        for c in &e.categories {
            writeln!(
                f,
                "{:>8} {:>8} {:>9} {:>9.3} {:>7.3} {:>7.3}",
                c.category, c.support, c.predicted, c.precision, c.recall, c.f1
            )?;
        }
        let labels: Vec<String> = e
            .categories
            .iter()
            .map(|c| c.category.to_string())
            .collect();
        writeln!(
            f,
            "confusion (rows gold, columns predicted): {}",
            labels.join(" ")
        )?;
        for (c, row) in e.categories.iter().zip(&e.confusion) {
            let cells: String = row.iter().map(|n| format!("{n:>4}")).collect();
            writeln!(f, "{:>4}: {cells}", c.category)?;
        }
        if self.by_coverage.is_empty() {
            return writeln!(
                f,
                "accuracy against coverage: the predictions carry no confidence"
            );
        }
        writeln!(
            f,
            "accuracy against coverage (the most confident predictions first):"
        )?;
        for c in &self.by_coverage {
            writeln!(
                f,
                "  most confident {:>3.0} %: {:>6} items, accuracy {:.3} (confidence ≥ {:.3})",
                c.coverage * 100.0,
                c.items,
                c.accuracy,
                c.min_confidence
            )?;
        }
        Ok(())
    }
}
