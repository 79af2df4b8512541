//! Proof-of-concept evaluation of an encoder on a team's own labelled texts: how well the
//! model's frozen vectors separate the team's classes (a linear probe, cross-validated on
//! stratified folds), and what it costs to run (latency percentiles). The study's advice to
//! companies — evaluate a model on *your* data and metric before you bet on it — as numbers.
//!
//! Pure: vectors and timings in, scores out. Loading the model, embedding, timing and memory
//! readings are the binary's business.

use std::time::Duration;

use hubscope_taxonomy::{LinearProbe, TrainError, TrainOptions, evaluate};
use serde::Serialize;

/// How the probe is cross-validated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProbeOptions {
    /// Stratified folds (at least 2; at most one per text).
    pub folds: usize,
    /// Draws the folds, reproducibly.
    pub seed: u64,
    pub train: TrainOptions,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions {
            folds: 5,
            seed: 13,
            train: TrainOptions::default(),
        }
    }
}

/// One class's scores over the pooled out-of-fold predictions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassScore {
    pub label: String,
    /// Texts labelled so.
    pub support: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// How well a probe on the model's vectors predicts the labels of texts it was not trained on.
/// Every text is predicted once, by the probe of the fold that left it out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbeScores {
    pub texts: u64,
    pub folds: usize,
    pub accuracy: f64,
    /// The mean F1 over the labels.
    pub macro_f1: f64,
    /// Cohen's κ between the labels and the predictions (agreement beyond chance).
    pub kappa: Option<f64>,
    /// The accuracy of always answering the most frequent label: what the probe must beat.
    pub majority_baseline: f64,
    pub classes: Vec<ClassScore>,
}

/// Why a proof of concept cannot be scored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PocError {
    #[error("{found} distinct label(s): a classification needs at least 2")]
    TooFewLabels { found: usize },
    #[error("{texts} labelled text(s) cannot be split into {folds} folds")]
    TooFewTexts { texts: usize, folds: usize },
    #[error("{vectors} vectors for {labels} labels")]
    Mismatch { vectors: usize, labels: usize },
    #[error("the probe could not be trained: {0}")]
    Train(#[from] TrainError),
}

/// Cross-validates a linear probe: `labels[i]` (an index into `names`) is the label of
/// `vectors[i]`.
pub fn cross_validate(
    vectors: &[Vec<f32>],
    labels: &[usize],
    names: &[String],
    options: &ProbeOptions,
) -> Result<ProbeScores, PocError> {
    if vectors.len() != labels.len() {
        return Err(PocError::Mismatch {
            vectors: vectors.len(),
            labels: labels.len(),
        });
    }
    let k = names.len();
    let mut support = vec![0u64; k];
    for &label in labels {
        if let Some(s) = support.get_mut(label) {
            *s += 1;
        }
    }
    let present = support.iter().filter(|&&s| s > 0).count();
    if present < 2 {
        return Err(PocError::TooFewLabels { found: present });
    }
    let folds = options.folds.max(2);
    if vectors.len() < folds {
        return Err(PocError::TooFewTexts {
            texts: vectors.len(),
            folds,
        });
    }
    let strata: Vec<u16> = labels
        .iter()
        .map(|&l| u16::try_from(l).unwrap_or(u16::MAX))
        .collect();
    let predicted = hubscope_taxonomy::vector::out_of_fold(
        &strata,
        folds,
        options.seed,
        |train| {
            let train_vectors: Vec<&[f32]> = train.iter().map(|&i| vectors[i].as_slice()).collect();
            let train_labels: Vec<usize> = train.iter().map(|&i| labels[i]).collect();
            LinearProbe::fit(&train_vectors, &train_labels, k, &options.train)
        },
        |probe, i| probe.predict(&vectors[i]),
    )?;
    let as_code = |l: &usize| u32::try_from(*l).unwrap_or(u32::MAX);
    let gold: Vec<u32> = labels.iter().map(as_code).collect();
    let guessed: Vec<u32> = predicted.iter().map(as_code).collect();
    let evaluation = evaluate(&gold, &guessed).ok_or(PocError::TooFewTexts {
        texts: vectors.len(),
        folds,
    })?;
    let classes = names
        .iter()
        .enumerate()
        .filter(|(i, _)| support[*i] > 0)
        .map(|(i, name)| {
            let score = evaluation
                .categories
                .iter()
                .find(|c| c.category == as_code(&i));
            ClassScore {
                label: name.clone(),
                support: support[i],
                precision: score.map_or(0.0, |s| s.precision),
                recall: score.map_or(0.0, |s| s.recall),
                f1: score.map_or(0.0, |s| s.f1),
            }
        })
        .collect();
    let most = support.iter().copied().max().unwrap_or(0);
    Ok(ProbeScores {
        texts: vectors.len() as u64,
        folds,
        accuracy: evaluation.accuracy,
        macro_f1: evaluation.macro_f1,
        kappa: evaluation.kappa,
        majority_baseline: most as f64 / vectors.len() as f64,
        classes,
    })
}

/// Latency of one text, over several texts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Latency {
    pub samples: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub mean_ms: f64,
    pub max_ms: f64,
}

/// The percentiles of `samples`, linearly interpolated between the closest ranks (as numpy's
/// default); `None` without samples.
pub fn latency(samples: &[Duration]) -> Option<Latency> {
    if samples.is_empty() {
        return None;
    }
    let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    ms.sort_by(f64::total_cmp);
    Some(Latency {
        samples: ms.len(),
        p50_ms: percentile(&ms, 0.50),
        p95_ms: percentile(&ms, 0.95),
        mean_ms: ms.iter().sum::<f64>() / ms.len() as f64,
        max_ms: ms[ms.len() - 1],
    })
}

/// The `q` quantile (0–1) of sorted, non-empty `values`.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    sorted[below] + (sorted[above] - sorted[below]) * (position - below as f64)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("label{i}")).collect()
    }

    #[test]
    fn percentiles_interpolate_between_ranks() {
        // numpy.percentile([1..=10], 50) = 5.5, (…, 95) = 9.55.
        let samples: Vec<Duration> = (1..=10).map(Duration::from_millis).collect();
        let l = latency(&samples).unwrap();
        assert!((l.p50_ms - 5.5).abs() < 1e-9);
        assert!((l.p95_ms - 9.55).abs() < 1e-9);
        assert!((l.mean_ms - 5.5).abs() < 1e-9);
        assert!((l.max_ms - 10.0).abs() < 1e-9);
        let one = latency(&[Duration::from_millis(7)]).unwrap();
        assert!((one.p95_ms - 7.0).abs() < 1e-9);
        assert!(latency(&[]).is_none());
    }

    #[test]
    fn separable_labels_score_perfectly_and_noise_does_not() {
        // Labels along separate axes: a probe learns them.
        let mut vectors = Vec::new();
        let mut labels = Vec::new();
        for i in 0..40 {
            let label = i % 2;
            let mut v = vec![0.05 * (i % 7) as f32; 4];
            v[label] = 1.0;
            vectors.push(v);
            labels.push(label);
        }
        let scores =
            cross_validate(&vectors, &labels, &names(2), &ProbeOptions::default()).unwrap();
        assert_eq!(scores.texts, 40);
        assert_eq!(scores.accuracy, 1.0);
        assert_eq!(scores.macro_f1, 1.0);
        assert_eq!(scores.majority_baseline, 0.5);
        assert_eq!(scores.classes.len(), 2);
        assert_eq!(scores.classes[0].support, 20);

        // The same vectors with labels that do not follow them: no better than chance.
        let shuffled: Vec<usize> = (0..40).map(|i| (i / 2) % 2).collect();
        let noise =
            cross_validate(&vectors, &shuffled, &names(2), &ProbeOptions::default()).unwrap();
        assert!(noise.accuracy < 0.8, "{noise:?}");
    }

    #[test]
    fn unusable_data_is_refused_with_the_reason() {
        let v = vec![vec![1.0f32, 0.0]; 4];
        let options = ProbeOptions::default();
        assert_eq!(
            cross_validate(&v, &[0, 0, 0, 0], &names(2), &options),
            Err(PocError::TooFewLabels { found: 1 })
        );
        assert_eq!(
            cross_validate(&v, &[0, 1, 0, 1], &names(2), &options),
            Err(PocError::TooFewTexts { texts: 4, folds: 5 })
        );
        assert_eq!(
            cross_validate(&v[..3], &[0, 1, 0, 1], &names(2), &options),
            Err(PocError::Mismatch {
                vectors: 3,
                labels: 4
            })
        );
    }
}
