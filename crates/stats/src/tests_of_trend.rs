//! Correlation and trend tests.

use serde::Serialize;

use crate::dist::{normal_cdf, student_t_two_sided_p};

/// Average ranks (1-based): tied values share the mean of the ranks they span.
pub fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        i = j + 1;
    }
    ranks
}

/// A correlation coefficient with its two-sided p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Correlation {
    pub rho: f64,
    pub p: f64,
    pub n: usize,
}

/// Spearman's ρ between two series of the same length: Pearson's r of their average ranks,
/// p from Student's t with n − 2 degrees of freedom. `None` with fewer than three pairs or a
/// constant series (ρ is undefined).
pub fn spearman(x: &[f64], y: &[f64]) -> Option<Correlation> {
    let n = x.len();
    if n != y.len() || n < 3 || x.iter().chain(y).any(|v| !v.is_finite()) {
        return None;
    }
    let (rx, ry) = (ranks(x), ranks(y));
    let rho = pearson(&rx, &ry)?;
    let df = (n - 2) as f64;
    let p = if rho.abs() >= 1.0 {
        0.0
    } else {
        student_t_two_sided_p(rho * (df / (1.0 - rho * rho)).sqrt(), df)
    };
    Some(Correlation { rho, p, n })
}

fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        return None;
    }
    Some((sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

/// The Mann–Kendall trend test of a series in time order.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MannKendall {
    /// S = Σ sign(xⱼ − xᵢ) over i < j.
    pub s: f64,
    /// Kendall's τ = S / (n(n − 1)/2).
    pub tau: f64,
    /// Var(S) with the correction for ties.
    pub var_s: f64,
    /// (S ∓ 1)/√Var(S), 0 when S = 0.
    pub z: f64,
    /// Two-sided, from the normal distribution.
    pub p: f64,
    /// Sen's slope: the median of the pairwise slopes, in units per step.
    pub sens_slope: f64,
    pub n: usize,
}

/// The Mann–Kendall test and Sen's slope; `None` with fewer than three values.
pub fn mann_kendall(x: &[f64]) -> Option<MannKendall> {
    let n = x.len();
    if n < 3 || x.iter().any(|v| !v.is_finite()) {
        return None;
    }
    // S = concordant − discordant pairs = all pairs − 2·discordant − tied, with discordant
    // pairs counted by merge sort: O(n log n) time and O(n) memory, whatever n is.
    let pairs = n as u64 * (n as u64 - 1) / 2;
    let discordant = strict_inversions(x.to_vec());
    // Ties: Σ t(t − 1)(2t + 5) over groups of equal values, and the tied pairs Σ t(t − 1)/2.
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (mut ties, mut tied_pairs) = (0.0, 0u64);
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && sorted[j + 1] == sorted[i] {
            j += 1;
        }
        let t = (j - i + 1) as u64;
        tied_pairs += t * (t - 1) / 2;
        let t = t as f64;
        ties += t * (t - 1.0) * (2.0 * t + 5.0);
        i = j + 1;
    }
    let s = pairs as f64 - 2.0 * discordant as f64 - tied_pairs as f64;
    let nf = n as f64;
    let var_s = (nf * (nf - 1.0) * (2.0 * nf + 5.0) - ties) / 18.0;
    let z = if var_s <= 0.0 || s == 0.0 {
        0.0
    } else if s > 0.0 {
        (s - 1.0) / var_s.sqrt()
    } else {
        (s + 1.0) / var_s.sqrt()
    };
    Some(MannKendall {
        s,
        tau: s / (nf * (nf - 1.0) / 2.0),
        var_s,
        z,
        p: 2.0 * (1.0 - normal_cdf(z.abs())),
        sens_slope: sens_slope(x)?,
        n,
    })
}

/// Up to this many points, Sen's slope is the median of every pairwise slope, computed
/// directly: at most 2,000,000 slopes, 16 MB. Beyond it, by selection (see [`sens_slope`]).
pub const SEN_DIRECT_MAX: usize = 2_000;

/// Sen's slope of a series in time order: the median of (xⱼ − xᵢ)/(j − i) over i < j.
///
/// Up to [`SEN_DIRECT_MAX`] points, every slope is computed and the median taken. Beyond, the
/// n(n − 1)/2 slopes are never held: the k-th smallest is found by bisection on the slope's
/// value, each step counting the pairs whose slope is at most t by merge sort (slope ≤ t exactly
/// when xⱼ − t·j ≤ xᵢ − t·i), in O(n log n) time and O(n) memory. The bisection runs over the
/// ordered bit patterns of f64, so it ends, after at most 64 counts, at the smallest double with
/// enough slopes at or below it. That is the exact median up to the rounding of xᵢ − t·i (a
/// relative difference near 1e-15), and the answer agrees with the direct one to that precision
/// (tested).
pub fn sens_slope(x: &[f64]) -> Option<f64> {
    let n = x.len();
    if n < 2 || x.iter().any(|v| !v.is_finite()) {
        return None;
    }
    if n <= SEN_DIRECT_MAX {
        let mut slopes = Vec::with_capacity(n * (n - 1) / 2);
        for i in 0..n {
            for j in i + 1..n {
                slopes.push((x[j] - x[i]) / (j - i) as f64);
            }
        }
        return Some(median(&slopes));
    }
    Some(sens_slope_by_selection(x))
}

/// Sen's slope by selection, for any n ≥ 2 (see [`sens_slope`]).
pub fn sens_slope_by_selection(x: &[f64]) -> f64 {
    let n = x.len() as u64;
    let pairs = n * (n - 1) / 2;
    let (lo, hi) = x
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    if hi == lo {
        return 0.0;
    }
    // No slope is steeper than the whole range over one step.
    let bound = hi - lo;
    let kth = |k: u64| kth_slope(x, k, -bound, bound);
    if pairs % 2 == 1 {
        kth(pairs / 2)
    } else {
        (kth(pairs / 2 - 1) + kth(pairs / 2)) / 2.0
    }
}

/// The k-th smallest (0-based) pairwise slope, within `[lo, hi]`.
fn kth_slope(x: &[f64], k: u64, lo: f64, hi: f64) -> f64 {
    // f64 ↔ an integer that orders as the f64 does.
    let key = |v: f64| -> i64 {
        let b = v.to_bits() as i64;
        if b < 0 { i64::MIN - b } else { b }
    };
    let value = |k: i64| -> f64 {
        let b = if k < 0 { i64::MIN - k } else { k };
        f64::from_bits(b as u64)
    };
    let (mut a, mut b) = (key(lo), key(hi));
    // Invariant: count(≤ value(b)) > k; the answer lies in (value(a), value(b)] or is value(a).
    if slopes_at_most(x, lo) > k {
        return lo;
    }
    while i128::from(b) - i128::from(a) > 1 {
        // The midpoint without overflow (a may be near i64::MIN and b near i64::MAX).
        let mid = ((i128::from(a) + i128::from(b)) / 2) as i64;
        if slopes_at_most(x, value(mid)) > k {
            b = mid;
        } else {
            a = mid;
        }
    }
    value(b)
}

/// How many pairs i < j have a slope (xⱼ − xᵢ)/(j − i) of at most `t`: the pairs with
/// yⱼ ≤ yᵢ for yₖ = xₖ − t·k.
fn slopes_at_most(x: &[f64], t: f64) -> u64 {
    let n = x.len() as u64;
    let y: Vec<f64> = x
        .iter()
        .enumerate()
        .map(|(k, v)| v - t * k as f64)
        .collect();
    // Pairs with yᵢ < yⱼ are the others.
    n * (n - 1) / 2 - strict_ascents(y)
}

/// The pairs i < j with vᵢ < vⱼ, by merge sort.
fn strict_ascents(v: Vec<f64>) -> u64 {
    strict_inversions(v.into_iter().map(|a| -a).collect())
}

/// The pairs i < j with vᵢ > vⱼ, by a bottom-up merge sort (ascending; of equal values the left
/// one is taken first, so ties are not counted): O(n log n) time, two buffers of n values.
fn strict_inversions(mut v: Vec<f64>) -> u64 {
    let n = v.len();
    let mut buf = vec![0.0; n];
    let mut count = 0u64;
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j, mut k) = (start, mid, start);
            while i < mid && j < end {
                if v[i] > v[j] {
                    // v[j] is smaller than every left value still to merge.
                    count += (mid - i) as u64;
                    buf[k] = v[j];
                    j += 1;
                } else {
                    buf[k] = v[i];
                    i += 1;
                }
                k += 1;
            }
            buf[k..k + (mid - i)].copy_from_slice(&v[i..mid]);
            k += mid - i;
            buf[k..k + (end - j)].copy_from_slice(&v[j..end]);
            start = end;
        }
        std::mem::swap(&mut v, &mut buf);
        width *= 2;
    }
    count
}

/// The Mann–Whitney U test of two samples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MannWhitney {
    /// U of the first sample.
    pub u: f64,
    pub z: f64,
    /// Two-sided, normal approximation with tie and continuity correction.
    pub p: f64,
    pub n1: usize,
    pub n2: usize,
    /// Medians of the two samples.
    pub median1: f64,
    pub median2: f64,
}

/// Mann–Whitney U of `a` against `b`; `None` if either is empty.
pub fn mann_whitney(a: &[f64], b: &[f64]) -> Option<MannWhitney> {
    let (n1, n2) = (a.len(), b.len());
    if n1 == 0 || n2 == 0 || a.iter().chain(b).any(|v| !v.is_finite()) {
        return None;
    }
    let all: Vec<f64> = a.iter().chain(b).copied().collect();
    let r = ranks(&all);
    let r1: f64 = r[..n1].iter().sum();
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let u = r1 - n1f * (n1f + 1.0) / 2.0;
    let mean = n1f * n2f / 2.0;
    let n = n1f + n2f;
    let mut sorted = all.clone();
    sorted.sort_by(f64::total_cmp);
    let mut ties = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1] == sorted[i] {
            j += 1;
        }
        let t = (j - i + 1) as f64;
        ties += t * t * t - t;
        i = j + 1;
    }
    let var = n1f * n2f / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)));
    let z = if var <= 0.0 {
        0.0
    } else {
        let d = u - mean;
        (d - 0.5 * d.signum()) / var.sqrt()
    };
    Some(MannWhitney {
        u,
        z,
        p: (2.0 * (1.0 - normal_cdf(z.abs()))).min(1.0),
        n1,
        n2,
        median1: median(a),
        median2: median(b),
    })
}

/// The median (the mean of the two middle values for an even count); NaN when empty.
pub fn median(x: &[f64]) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    let mut v = x.to_vec();
    v.sort_by(f64::total_cmp);
    let m = v.len();
    if m % 2 == 1 {
        v[m / 2]
    } else {
        (v[m / 2 - 1] + v[m / 2]) / 2.0
    }
}
