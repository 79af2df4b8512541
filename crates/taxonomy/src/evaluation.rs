//! How well predicted codes match gold codes: accuracy, per-category precision, recall and F1,
//! macro-F1, the confusion matrix and Cohen's κ.

use serde::Serialize;

use crate::agreement::cohen_kappa;

/// Scores of one category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryScore {
    pub category: u32,
    /// Gold items of the category.
    pub support: u64,
    pub predicted: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// The evaluation of predictions against gold codes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub items: u64,
    pub accuracy: f64,
    /// The mean F1 over the categories present in the gold codes or the predictions.
    pub macro_f1: f64,
    pub kappa: Option<f64>,
    pub categories: Vec<CategoryScore>,
    /// `confusion[i][j]`: gold `categories[i]`, predicted `categories[j]`.
    pub confusion: Vec<Vec<u64>>,
}

/// Evaluates `predicted` against `gold` (same items, same order); `None` when empty or of
/// different lengths.
pub fn evaluate(gold: &[u32], predicted: &[u32]) -> Option<Evaluation> {
    if gold.len() != predicted.len() || gold.is_empty() {
        return None;
    }
    let mut codes: Vec<u32> = gold.iter().chain(predicted).copied().collect();
    codes.sort_unstable();
    codes.dedup();
    let at = |c: u32| codes.binary_search(&c).unwrap_or(0);
    let mut confusion = vec![vec![0u64; codes.len()]; codes.len()];
    for (g, p) in gold.iter().zip(predicted) {
        confusion[at(*g)][at(*p)] += 1;
    }
    let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let categories: Vec<CategoryScore> = codes
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let tp = confusion[i][i];
            let support: u64 = confusion[i].iter().sum();
            let predicted: u64 = confusion.iter().map(|row| row[i]).sum();
            let (precision, recall) = (ratio(tp, predicted), ratio(tp, support));
            let f1 = if precision + recall == 0.0 {
                0.0
            } else {
                2.0 * precision * recall / (precision + recall)
            };
            CategoryScore {
                category: c,
                support,
                predicted,
                precision,
                recall,
                f1,
            }
        })
        .collect();
    let correct: u64 = (0..codes.len()).map(|i| confusion[i][i]).sum();
    Some(Evaluation {
        items: gold.len() as u64,
        accuracy: ratio(correct, gold.len() as u64),
        macro_f1: categories.iter().map(|c| c.f1).sum::<f64>() / categories.len() as f64,
        kappa: cohen_kappa(gold, predicted),
        categories,
        confusion,
    })
}

/// The accuracy of the most confident share of a classifier's predictions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoveragePoint {
    /// The share of the predictions kept (0.25, 0.5, 0.75, 1).
    pub coverage: f64,
    pub items: usize,
    pub accuracy: f64,
    /// The lowest confidence kept.
    pub min_confidence: f64,
}

/// Accuracy of the most confident 25, 50, 75 and 100 % of `(confidence, correct)` predictions
/// (ties broken towards the wrong ones, so a share never looks better than it is).
pub fn coverage_curve(predictions: &[(f64, bool)]) -> Vec<CoveragePoint> {
    let mut sorted = predictions.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    [0.25, 0.5, 0.75, 1.0]
        .iter()
        .filter_map(|&coverage| {
            let items = ((sorted.len() as f64 * coverage).round() as usize).min(sorted.len());
            let kept = &sorted[..items];
            let last = kept.last()?;
            Some(CoveragePoint {
                coverage,
                items,
                accuracy: kept.iter().filter(|(_, ok)| *ok).count() as f64 / items as f64,
                min_confidence: last.0,
            })
        })
        .collect()
}

#[cfg(test)]
mod coverage_tests {
    use super::*;

    #[test]
    fn accuracy_against_coverage_counts_the_most_confident_first() {
        // Eight predictions: the four most confident are right but one, the rest wrong but one.
        let p = [
            (0.9, true),
            (0.8, true),
            (0.7, false),
            (0.7, true),
            (0.5, false),
            (0.4, true),
            (0.3, false),
            (0.2, false),
        ];
        let curve = coverage_curve(&p);
        let points: Vec<(usize, f64)> = curve.iter().map(|c| (c.items, c.accuracy)).collect();
        // A tie at 0.7 puts the wrong one first: the top quarter is (0.9, 0.8), both right.
        assert_eq!(points, [(2, 1.0), (4, 0.75), (6, 4.0 / 6.0), (8, 0.5)]);
        assert_eq!(curve[1].min_confidence, 0.7);
        assert!(coverage_curve(&[]).is_empty());
    }
}
