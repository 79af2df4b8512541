//! Category shares from a classifier's codes, corrected for its known errors, with intervals.
//!
//! Counting a classifier's predictions ("classify and count") gives biased shares: a classifier
//! that sends a tenth of category A to B inflates B. When its confusion is known — measured on
//! items people coded and it did not learn from — the shares can be corrected: with
//! `M[i][j] = P(predicted j | true i)` and `q` the predicted shares, the true shares `p` satisfy
//! `q = Mᵀ p`. [`adjusted_shares`] solves that for `p` on the probability simplex (adjusted
//! classify-and-count, Forman 2008, with the least-squares fit constrained to shares that are
//! non-negative and sum to one, as Bunse et al. 2022 recommend), and bootstraps both the
//! labelled items (so `M` varies as a new hand-coded set would) and the classified ones (so `q`
//! does) for percentile intervals.
//!
//! The correction assumes what any such correction assumes: the classifier confuses the
//! classified topics as it confused the hand-coded ones. Pure, seeded, no I/O.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::evaluation::Evaluation;
use crate::sample::SplitMix64;

/// A classifier's measured agreement with people's codes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    /// What it was measured on, in words ("5-fold cross-validation on 648 hand-coded Hub
    /// discussions").
    pub measured_on: String,
    pub items: u64,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub kappa: Option<f64>,
    /// The category ids of the confusion matrix's rows and columns.
    pub categories: Vec<u16>,
    /// `confusion[i][j]`: items people coded `categories[i]` that the classifier put in
    /// `categories[j]`.
    pub confusion: Vec<Vec<u64>>,
}

impl Agreement {
    /// The agreement an evaluation measured.
    pub fn from_evaluation(e: &Evaluation, measured_on: impl Into<String>) -> Agreement {
        Agreement {
            measured_on: measured_on.into(),
            items: e.items,
            accuracy: e.accuracy,
            macro_f1: e.macro_f1,
            kappa: e.kappa,
            categories: e
                .categories
                .iter()
                .map(|c| u16::try_from(c.category).unwrap_or(u16::MAX))
                .collect(),
            confusion: e.confusion.clone(),
        }
    }
}

/// One category's share of the classified items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareEstimate {
    pub category_id: u16,
    /// Items the classifier put in the category.
    pub items: u64,
    /// Their share of all items (classify and count).
    pub observed_share: f64,
    /// The share corrected for the classifier's confusion.
    pub share: f64,
    /// The bootstrap percentile interval of `share`.
    pub ci_low: f64,
    pub ci_high: f64,
    /// No hand-coded item has this category: its share is not corrected.
    pub uncorrected: bool,
}

/// How to estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantifyOptions {
    /// Bootstrap replicates.
    pub replicates: usize,
    /// Interval level (0.95: the 2.5th and 97.5th percentiles).
    pub level: f64,
    pub seed: u64,
}

impl Default for QuantifyOptions {
    fn default() -> Self {
        QuantifyOptions {
            replicates: 1000,
            level: 0.95,
            seed: 2026,
        }
    }
}

/// Corrected shares of the categories in `predicted` (one category id per classified item),
/// in the order of `agreement.categories` followed by any predicted category the agreement
/// does not know (left uncorrected). Empty when nothing was classified.
pub fn adjusted_shares(
    agreement: &Agreement,
    predicted: &[u16],
    options: &QuantifyOptions,
) -> Vec<ShareEstimate> {
    if predicted.is_empty() {
        return Vec::new();
    }
    // Categories: the agreement's, then predicted ones it never saw.
    let mut categories = agreement.categories.clone();
    for &c in predicted {
        if !categories.contains(&c) {
            categories.push(c);
        }
    }
    let k = categories.len();
    let at = |c: u16| categories.iter().position(|x| *x == c).unwrap_or(0);
    // The confusion counts over all k categories.
    let mut cells = vec![vec![0u64; k]; k];
    for (i, row) in agreement
        .confusion
        .iter()
        .enumerate()
        .take(agreement.categories.len())
    {
        for (j, &n) in row.iter().enumerate().take(agreement.categories.len()) {
            cells[i][j] = n;
        }
    }
    let uncorrected: Vec<bool> = cells.iter().map(|r| r.iter().sum::<u64>() == 0).collect();
    let mut counts = vec![0u64; k];
    for &c in predicted {
        counts[at(c)] += 1;
    }
    let n = predicted.len() as u64;
    let q = normalise(&counts);
    let point = solve(&row_stochastic(&cells), &q);

    // Bootstrap: redraw the hand-coded items (the cells) and the classified items. Each
    // replicate has its own generator, seeded from the seed and its number, so the intervals
    // are the same whatever the number of threads.
    let flat: Vec<u64> = cells.iter().flatten().copied().collect();
    let labelled: u64 = flat.iter().sum();
    let cell_cdf = cumulative(&flat);
    let count_cdf = cumulative(&counts);
    let replicates: Vec<Vec<f64>> = (0..options.replicates)
        .into_par_iter()
        .map(|r| {
            let mut rng = SplitMix64::new(
                options
                    .seed
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                    .wrapping_add(r as u64),
            );
            let mut resampled = vec![0u64; k * k];
            for _ in 0..labelled {
                resampled[pick(&cell_cdf, &mut rng)] += 1;
            }
            let mut m: Vec<Vec<u64>> = resampled.chunks(k).map(<[u64]>::to_vec).collect();
            // A category no redrawn item has keeps its measured row (it cannot be re-estimated).
            for (i, row) in m.iter_mut().enumerate() {
                if row.iter().all(|&x| x == 0) {
                    row.clone_from(&cells[i]);
                }
            }
            let mut c = vec![0u64; k];
            for _ in 0..n {
                c[pick(&count_cdf, &mut rng)] += 1;
            }
            solve(&row_stochastic(&m), &normalise(&c))
        })
        .collect();
    let mut draws: Vec<Vec<f64>> = vec![Vec::with_capacity(options.replicates); k];
    for p in replicates {
        for (d, v) in draws.iter_mut().zip(p) {
            d.push(v);
        }
    }
    let tail = (1.0 - options.level.clamp(0.0, 1.0)) / 2.0;
    categories
        .iter()
        .enumerate()
        .map(|(i, &category_id)| {
            let d = &mut draws[i];
            d.sort_by(f64::total_cmp);
            ShareEstimate {
                category_id,
                items: counts[i],
                observed_share: q[i],
                share: point[i],
                ci_low: quantile(d, tail).unwrap_or(point[i]),
                ci_high: quantile(d, 1.0 - tail).unwrap_or(point[i]),
                uncorrected: uncorrected[i],
            }
        })
        .collect()
}

fn normalise(counts: &[u64]) -> Vec<f64> {
    let total: u64 = counts.iter().sum();
    counts
        .iter()
        .map(|&c| {
            if total == 0 {
                0.0
            } else {
                c as f64 / total as f64
            }
        })
        .collect()
}

/// Rows as probabilities; a row without items is the identity (taken as always right).
fn row_stochastic(cells: &[Vec<u64>]) -> Vec<Vec<f64>> {
    cells
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let total: u64 = row.iter().sum();
            if total == 0 {
                (0..row.len())
                    .map(|j| f64::from(u8::from(i == j)))
                    .collect()
            } else {
                row.iter().map(|&x| x as f64 / total as f64).collect()
            }
        })
        .collect()
}

/// Running sums of `weights`, for drawing an index in proportion to its weight.
fn cumulative(weights: &[u64]) -> Vec<u64> {
    let mut sum = 0u64;
    weights
        .iter()
        .map(|&w| {
            sum += w;
            sum
        })
        .collect()
}

/// An index drawn in proportion to its weight (`cdf` from [`cumulative`], last > 0). The draw
/// in `0..total` is a 64-bit number scaled by multiplication (Lemire's method without its
/// rejection step: a bias below total / 2⁶⁴, far under anything a bootstrap can show), which
/// is several times faster than a division per draw.
fn pick(cdf: &[u64], rng: &mut SplitMix64) -> usize {
    let total = cdf.last().copied().unwrap_or(0);
    if total == 0 {
        return 0;
    }
    let r = ((u128::from(rng.next_u64()) * u128::from(total)) >> 64) as u64;
    cdf.partition_point(|&c| c <= r)
}

/// The `p`-quantile of sorted values, linearly interpolated.
fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let h = p * (sorted.len() - 1) as f64;
    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
    Some(sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo]))
}

/// The shares `p` on the simplex that best explain the predicted shares `q` through the
/// confusion `m` (rows true, columns predicted): min ‖mᵀp − q‖², p ≥ 0, Σp = 1. Accelerated
/// projected gradient (FISTA) from the projection of `q`, to a tolerance; `k` is small (the
/// categories), so `G = m mᵀ` and `b = m q` are formed once and each step is one `k × k`
/// product.
fn solve(m: &[Vec<f64>], q: &[f64]) -> Vec<f64> {
    let k = q.len();
    // ‖mᵀp − q‖² = pᵀGp − 2bᵀp + ‖q‖², gradient 2(Gp − b).
    let g: Vec<Vec<f64>> = (0..k)
        .map(|i| {
            (0..k)
                .map(|l| (0..k).map(|j| m[i][j] * m[l][j]).sum())
                .collect()
        })
        .collect();
    let b: Vec<f64> = (0..k)
        .map(|i| (0..k).map(|j| m[i][j] * q[j]).sum())
        .collect();
    let times = |p: &[f64]| -> Vec<f64> {
        g.iter()
            .map(|row| row.iter().zip(p).map(|(a, x)| a * x).sum())
            .collect()
    };
    // The step: 1 / L with L = 2 λmax(G), by power iteration (G is symmetric, positive
    // semi-definite), with a margin.
    let mut v = vec![1.0 / (k as f64).sqrt(); k];
    let mut lambda = 0.0;
    for _ in 0..50 {
        let w = times(&v);
        let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 {
            break;
        }
        lambda = norm;
        v = w.iter().map(|x| x / norm).collect();
    }
    let lipschitz = (2.0 * lambda * 1.05).max(1e-12);
    let mut p = project_simplex(q);
    let mut y = p.clone();
    let mut t = 1.0f64;
    for _ in 0..20_000 {
        let gy = times(&y);
        let next = project_simplex(
            &y.iter()
                .zip(gy.iter().zip(&b))
                .map(|(a, (gp, bb))| a - 2.0 * (gp - bb) / lipschitz)
                .collect::<Vec<_>>(),
        );
        let t_next = (1.0 + (1.0 + 4.0 * t * t).sqrt()) / 2.0;
        let moved: f64 = next.iter().zip(&p).map(|(a, c)| (a - c).abs()).sum();
        y = next
            .iter()
            .zip(&p)
            .map(|(a, c)| a + (t - 1.0) / t_next * (a - c))
            .collect();
        p = next;
        t = t_next;
        if moved < 1e-11 {
            break;
        }
    }
    p
}

/// The Euclidean projection of `v` onto the probability simplex (Duchi et al. 2008).
fn project_simplex(v: &[f64]) -> Vec<f64> {
    let mut u: Vec<f64> = v.to_vec();
    u.sort_by(|a, b| b.total_cmp(a));
    let mut sum = 0.0;
    let mut theta = 0.0;
    for (i, &x) in u.iter().enumerate() {
        sum += x;
        let t = (sum - 1.0) / (i + 1) as f64;
        if x - t > 0.0 {
            theta = t;
        }
    }
    v.iter().map(|&x| (x - theta).max(0.0)).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Draws an index with probabilities `p` (summing to 1).
    fn draw(p: &[f64], rng: &mut SplitMix64) -> usize {
        let r = rng.below(1 << 53) as f64 / (1u64 << 53) as f64;
        let mut sum = 0.0;
        for (i, x) in p.iter().enumerate() {
            sum += x;
            if r < sum {
                return i;
            }
        }
        p.len() - 1
    }

    /// A classifier that keeps 70–80 % of each category and confuses the rest unevenly.
    const CONFUSION: [[f64; 4]; 4] = [
        [0.80, 0.10, 0.05, 0.05],
        [0.15, 0.70, 0.10, 0.05],
        [0.05, 0.15, 0.75, 0.05],
        [0.10, 0.05, 0.10, 0.75],
    ];
    const TRUE_SHARES: [f64; 4] = [0.50, 0.25, 0.15, 0.10];

    /// A labelled set of `n` items (people's codes spread evenly) and `items` classified ones
    /// whose true categories follow [`TRUE_SHARES`], both passed through [`CONFUSION`].
    fn simulate(n: usize, items: usize, rng: &mut SplitMix64) -> (Agreement, Vec<u16>) {
        let mut confusion = vec![vec![0u64; 4]; 4];
        for i in 0..n {
            let g = i % 4;
            confusion[g][draw(&CONFUSION[g], rng)] += 1;
        }
        let predicted = (0..items)
            .map(|_| {
                let t = draw(&TRUE_SHARES, rng);
                draw(&CONFUSION[t], rng) as u16
            })
            .collect();
        let agreement = Agreement {
            measured_on: "simulation".into(),
            items: n as u64,
            accuracy: 0.0,
            macro_f1: 0.0,
            kappa: None,
            categories: vec![0, 1, 2, 3],
            confusion,
        };
        (agreement, predicted)
    }

    #[test]
    fn an_exact_confusion_is_undone_exactly() {
        // q = Mᵀp for the true p: the solver finds p.
        let m: Vec<Vec<f64>> = CONFUSION.iter().map(|r| r.to_vec()).collect();
        let q: Vec<f64> = (0..4)
            .map(|j| (0..4).map(|i| m[i][j] * TRUE_SHARES[i]).sum())
            .collect();
        let p = solve(&m, &q);
        for (a, b) in p.iter().zip(TRUE_SHARES) {
            assert!((a - b).abs() < 1e-6, "{p:?}");
        }
        // Shares outside the simplex are projected back onto it.
        let p = project_simplex(&[0.9, 0.5, -0.2]);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12 && p.iter().all(|x| *x >= 0.0));
    }

    #[test]
    fn corrected_shares_recover_the_true_ones_within_their_intervals() {
        let mut rng = SplitMix64::new(7);
        let (agreement, predicted) = simulate(600, 5_000, &mut rng);
        let estimates = adjusted_shares(&agreement, &predicted, &QuantifyOptions::default());
        assert_eq!(estimates.len(), 4);
        for (e, t) in estimates.iter().zip(TRUE_SHARES) {
            assert!(e.ci_low <= t && t <= e.ci_high, "{e:?} vs {t}");
            assert!(e.ci_low <= e.share && e.share <= e.ci_high);
        }
        let total: f64 = estimates.iter().map(|e| e.share).sum();
        assert!((total - 1.0).abs() < 1e-9);
    }

    #[test]
    fn the_intervals_cover_the_true_shares_as_often_as_they_claim() {
        // 200 simulated studies, each with its own hand-coded set and classified topics; a 95 %
        // interval should hold the true share in about 95 % of them (190 of 200; the binomial
        // spread around that is ±6).
        let mut rng = SplitMix64::new(2026);
        let options = QuantifyOptions {
            replicates: 300,
            ..QuantifyOptions::default()
        };
        let runs = 200;
        let mut covered = [0usize; 4];
        let (mut observed, mut corrected) = ([0.0f64; 4], [0.0f64; 4]);
        for run in 0..runs {
            let (agreement, predicted) = simulate(400, 2_000, &mut rng);
            let estimates = adjusted_shares(
                &agreement,
                &predicted,
                &QuantifyOptions {
                    seed: run as u64,
                    ..options
                },
            );
            for (c, (e, t)) in estimates.iter().zip(TRUE_SHARES).enumerate() {
                covered[c] += usize::from(e.ci_low <= t && t <= e.ci_high);
                observed[c] += e.observed_share / runs as f64;
                corrected[c] += e.share / runs as f64;
            }
        }
        for (c, n) in covered.iter().enumerate() {
            let rate = *n as f64 / runs as f64;
            assert!(
                (0.89..=0.995).contains(&rate),
                "category {c}: coverage {rate}"
            );
        }
        // Counting is biased (category 0 loses about 4 points to the others, category 3 gains
        // 2); on average the corrected shares are the true ones.
        for c in 0..4 {
            assert!(
                (corrected[c] - TRUE_SHARES[c]).abs() < 0.01,
                "{corrected:?}"
            );
        }
        assert!((observed[0] - TRUE_SHARES[0]).abs() > 0.03, "{observed:?}");
    }

    #[test]
    fn categories_the_agreement_never_saw_are_kept_uncorrected() {
        let agreement = Agreement {
            measured_on: "two".into(),
            items: 10,
            accuracy: 1.0,
            macro_f1: 1.0,
            kappa: Some(1.0),
            categories: vec![1, 2],
            confusion: vec![vec![5, 0], vec![0, 5]],
        };
        let e = adjusted_shares(&agreement, &[1, 1, 2, 9], &QuantifyOptions::default());
        assert_eq!(
            e.iter().map(|e| e.category_id).collect::<Vec<_>>(),
            [1, 2, 9]
        );
        assert!(e[2].uncorrected && !e[0].uncorrected);
        assert!((e[0].share - 0.5).abs() < 1e-9 && (e[2].share - 0.25).abs() < 1e-9);
        assert!(adjusted_shares(&agreement, &[], &QuantifyOptions::default()).is_empty());
    }
}
