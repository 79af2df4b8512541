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
