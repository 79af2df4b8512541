//! A proof-of-concept trial of local encoder models on a team's own labelled texts: how well
//! each model's vectors separate the team's labels (a cross-validated linear probe, [`poc`])
//! and what it costs to run: load time, latency p50 and p95 of one text, batched throughput,
//! memory (from `/proc/self/status`, where there is one). It reads the model's files and the
//! process's memory figures; the scores themselves are [`poc`]'s pure functions.
//!
//! [`poc`]: crate::poc

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use hubscope_embed::{EmbedError, Encoder};
use hubscope_source::labels::LabelledTexts;
use hubscope_store::PocRecord;
use serde::Serialize;

use crate::{Latency, PocError, ProbeOptions, ProbeScores, cross_validate, latency};

/// How a trial runs.
#[derive(Debug, Clone)]
pub struct Trial {
    /// Tokens each text is cut to (`None`: the model's own maximum).
    pub max_tokens: Option<usize>,
    /// Texts embedded one at a time to measure latency (the first N).
    pub latency_samples: usize,
    pub probe: ProbeOptions,
}

/// Why a model could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum TrialError {
    #[error(transparent)]
    Embed(#[from] EmbedError),
    #[error(transparent)]
    Poc(#[from] PocError),
}

/// One model's evaluation.
#[derive(Debug, Serialize)]
pub struct Evaluation {
    /// The model's name (org/name of a cache snapshot, else its folder's name).
    pub model: String,
    pub dir: String,
    /// The snapshot of a Hugging Face cache folder.
    pub revision: Option<String>,
    pub weights_sha1: Option<String>,
    pub dimension: usize,
    pub max_tokens: usize,
    pub load_ms: f64,
    /// Texts per second, embedding the whole file in batches.
    pub texts_per_second: f64,
    pub latency: Option<Latency>,
    /// The process's peak resident memory while this model was evaluated, in MB.
    pub peak_memory_mb: Option<f64>,
    /// Resident memory the loaded model added, in MB.
    pub model_memory_mb: Option<f64>,
    pub probe: ProbeScores,
}

impl Evaluation {
    /// The catalog's record of this evaluation of `model_id` on the data `dataset` (its file
    /// name) with `dataset_sha1`, by `by`.
    pub fn record(
        &self,
        model_id: String,
        dataset: String,
        dataset_sha1: String,
        by: String,
    ) -> Result<PocRecord, serde_json::Error> {
        Ok(PocRecord {
            id: 0,
            model_id,
            revision: self.revision.clone(),
            weights_sha1: self.weights_sha1.clone(),
            dataset,
            dataset_sha1,
            texts: self.probe.texts,
            labels: self.probe.classes.len() as u64,
            accuracy: self.probe.accuracy,
            macro_f1: self.probe.macro_f1,
            latency_p50_ms: self.latency.map(|l| l.p50_ms),
            latency_p95_ms: self.latency.map(|l| l.p95_ms),
            texts_per_second: Some(self.texts_per_second),
            peak_memory_mb: self.peak_memory_mb,
            evaluated_by: by,
            evaluated_at: String::new(),
            details: serde_json::to_string(self)?,
        })
    }
}

/// Evaluates the model in `dir` on `data`: loads it (timed, and the memory it adds), embeds
/// every text in batches (`progress` is told how many are done), times `latency_samples`
/// texts one at a time, and cross-validates a linear probe on the vectors.
pub fn evaluate(
    dir: &Path,
    data: &LabelledTexts,
    trial: &Trial,
    progress: &dyn Fn(usize),
) -> Result<Evaluation, TrialError> {
    let peak_reset = reset_peak_memory();
    let before = memory_mb("VmRSS");
    let started = Instant::now();
    let mut encoder = Encoder::load(dir)?;
    if let Some(n) = trial.max_tokens {
        encoder = encoder.with_max_tokens(n)?;
    }
    let load_ms = started.elapsed().as_secs_f64() * 1e3;
    let model_memory_mb = before
        .zip(memory_mb("VmRSS"))
        .map(|(b, a)| (a - b).max(0.0));

    let started = Instant::now();
    let mut vectors = Vec::with_capacity(data.texts.len());
    for chunk in data.texts.chunks(256) {
        vectors.extend(encoder.encode(chunk)?);
        progress(vectors.len());
    }
    let batched = started.elapsed();

    // One text at a time, as a service answering single requests sees it; one call first so
    // that lazily built state is not counted.
    let mut samples: Vec<Duration> = Vec::new();
    if trial.latency_samples > 0 && !data.texts.is_empty() {
        encoder.encode(&data.texts[..1])?;
        for text in data.texts.iter().take(trial.latency_samples) {
            let started = Instant::now();
            encoder.encode(std::slice::from_ref(text))?;
            samples.push(started.elapsed());
        }
    }
    let probe = cross_validate(&vectors, &data.labels, &data.names, &trial.probe)?;
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

/// The snapshot (commit) of a Hugging Face cache folder `…/snapshots/REVISION`.
fn cache_revision(dir: &Path) -> Option<String> {
    let parent = dir.parent()?;
    (parent.file_name()? == "snapshots")
        .then(|| dir.file_name()?.to_str().map(str::to_string))
        .flatten()
}

/// A file's name, for the record of the data an evaluation was made on.
pub fn file_name(path: &Path) -> String {
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

/// The evaluations as a text table: the data, then a line per model, then each model's scores
/// per label.
pub fn table(path: &Path, data: &LabelledTexts, evaluations: &[Evaluation]) -> String {
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

#[cfg(test)]
mod tests {
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
