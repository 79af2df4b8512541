//! Drawing the topics to code by hand: the sample size by Cochran's formula with the finite
//! population correction, and a reproducible (seeded) simple or stratified random sample.

use hubscope_stats::normal_quantile;

/// Cochran's sample size for estimating a proportion `p` (0.5 when unknown, the largest) at a
/// `confidence` level with a `margin` of error, corrected for a finite `population`:
/// n₀ = z²·p(1 − p)/e², n = n₀ / (1 + (n₀ − 1)/N), rounded up. 372 for N = 11,175 at 95 % ± 5 %.
pub fn cochran(population: u64, confidence: f64, margin: f64, p: f64) -> Option<u64> {
    if population == 0
        || !(0.0..1.0).contains(&confidence)
        || confidence <= 0.0
        || !(margin > 0.0 && margin < 1.0)
        || !(0.0..=1.0).contains(&p)
    {
        return None;
    }
    let z = normal_quantile(1.0 - (1.0 - confidence) / 2.0);
    let n0 = z * z * p * (1.0 - p) / (margin * margin);
    let n = n0 / (1.0 + (n0 - 1.0) / population as f64);
    Some((n.ceil() as u64).clamp(1, population))
}

/// A small, seeded pseudo-random generator (SplitMix64): the same seed gives the same sample on
/// every machine and every version of hubscope (a dependency's generator could change).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0), without modulo bias.
    pub fn below(&mut self, n: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % n;
        loop {
            let x = self.next_u64();
            if x < zone {
                return x % n;
            }
        }
    }
}

/// `k` distinct indices of `0..n` chosen uniformly (a partial Fisher–Yates shuffle), sorted.
pub fn simple_sample(n: usize, k: usize, seed: u64) -> Vec<usize> {
    let k = k.min(n);
    let mut rng = SplitMix64::new(seed);
    let mut pool: Vec<usize> = (0..n).collect();
    for i in 0..k {
        let j = i + rng.below((n - i) as u64) as usize;
        pool.swap(i, j);
    }
    let mut chosen = pool[..k].to_vec();
    chosen.sort_unstable();
    chosen
}

/// A stratified sample of `k` of the `strata` (each a list of item indices): proportional
/// allocation by the largest remainder, then a simple sample within each stratum. Returns the
/// chosen items, sorted, and how many came from each stratum.
pub fn stratified_sample(strata: &[Vec<usize>], k: usize, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let total: usize = strata.iter().map(Vec::len).sum();
    let k = k.min(total);
    if total == 0 {
        return (Vec::new(), vec![0; strata.len()]);
    }
    let quotas: Vec<f64> = strata
        .iter()
        .map(|s| k as f64 * s.len() as f64 / total as f64)
        .collect();
    let mut alloc: Vec<usize> = quotas.iter().map(|q| q.floor() as usize).collect();
    let mut order: Vec<usize> = (0..strata.len()).collect();
    order.sort_by(|&a, &b| {
        (quotas[b] - quotas[b].floor())
            .total_cmp(&(quotas[a] - quotas[a].floor()))
            .then(a.cmp(&b))
    });
    let mut left = k - alloc.iter().sum::<usize>();
    for &s in order.iter().cycle().take(order.len() * 2) {
        if left == 0 {
            break;
        }
        if alloc[s] < strata[s].len() {
            alloc[s] += 1;
            left -= 1;
        }
    }
    let mut chosen = Vec::with_capacity(k);
    for (i, (stratum, &n)) in strata.iter().zip(&alloc).enumerate() {
        // Each stratum its own stream, so adding a stratum does not change the others' draws.
        let picks = simple_sample(
            stratum.len(),
            n,
            seed ^ (i as u64).wrapping_mul(0x9E37_79B9),
        );
        chosen.extend(picks.into_iter().map(|p| stratum[p]));
    }
    chosen.sort_unstable();
    (chosen, alloc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_study_sample_size() {
        assert_eq!(cochran(11_175, 0.95, 0.05, 0.5), Some(372));
        // Without correction the classic 385 (n₀ = 384.16); a tiny population is taken whole.
        assert_eq!(cochran(10_000_000, 0.95, 0.05, 0.5), Some(385));
        assert_eq!(cochran(50, 0.95, 0.05, 0.5), Some(45));
        assert_eq!(cochran(0, 0.95, 0.05, 0.5), None);
        assert_eq!(cochran(100, 1.0, 0.05, 0.5), None);
    }

    #[test]
    fn samples_are_reproducible_distinct_and_proportional() {
        let a = simple_sample(11_175, 372, 7);
        assert_eq!(a, simple_sample(11_175, 372, 7));
        assert_ne!(a, simple_sample(11_175, 372, 8));
        let mut d = a.clone();
        d.dedup();
        assert_eq!(d.len(), 372);
        let strata = vec![
            (0..600).collect::<Vec<_>>(),
            (600..900).collect(),
            (900..1000).collect(),
        ];
        let (chosen, alloc) = stratified_sample(&strata, 100, 1);
        assert_eq!(alloc, [60, 30, 10]);
        assert_eq!(chosen.len(), 100);
        let (_, alloc) = stratified_sample(&strata, 7, 1);
        assert_eq!(alloc.iter().sum::<usize>(), 7);
    }
}
