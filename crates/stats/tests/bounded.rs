//! The trend tests are bounded by their number of points: Mann–Kendall's S by inversion counts
//! and Sen's slope by selection agree with the quadratic definitions on every series tried, and
//! a long series (far beyond what a direct Sen's slope could hold) is computed at all.

use hubscope_stats::{SEN_DIRECT_MAX, mann_kendall, median, sens_slope, sens_slope_by_selection};
use proptest::prelude::*;

fn naive_s(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for i in 0..x.len() {
        for j in i + 1..x.len() {
            s += (x[j] - x[i]).signum() * f64::from(u8::from(x[j] != x[i]));
        }
    }
    s
}

fn naive_sen(x: &[f64]) -> f64 {
    let mut slopes = Vec::new();
    for i in 0..x.len() {
        for j in i + 1..x.len() {
            slopes.push((x[j] - x[i]) / (j - i) as f64);
        }
    }
    median(&slopes)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

proptest! {
    #[test]
    fn s_by_inversions_is_the_pairwise_sum(
        x in prop::collection::vec(prop_oneof![(0u8..6).prop_map(f64::from), -1e6f64..1e6], 3..300)
    ) {
        let m = mann_kendall(&x).unwrap();
        prop_assert_eq!(m.s, naive_s(&x));
    }

    #[test]
    fn sens_slope_by_selection_is_the_median_of_the_slopes(
        x in prop::collection::vec(prop_oneof![(0u8..6).prop_map(f64::from), -1e4f64..1e4], 2..200)
    ) {
        let direct = naive_sen(&x);
        let selected = sens_slope_by_selection(&x);
        prop_assert!(close(direct, selected), "direct {} selected {}", direct, selected);
    }
}

#[test]
fn monthly_counts_with_ties_and_a_constant_series() {
    let counts: Vec<f64> = (0..500).map(|i| f64::from((i * 7919 % 13) as u8)).collect();
    assert!(close(naive_sen(&counts), sens_slope_by_selection(&counts)));
    let flat = vec![4.0; 300];
    assert_eq!(sens_slope_by_selection(&flat), 0.0);
    assert_eq!(mann_kendall(&flat).unwrap().s, 0.0);
}

#[test]
fn a_long_series_is_computed_without_quadratic_memory() {
    // 200,000 points: the direct Sen's slope would need 2·10^10 slopes (160 GB).
    let n = 200_000;
    assert!(n > SEN_DIRECT_MAX);
    let x: Vec<f64> = (0..n)
        .map(|i| 3.0 * i as f64 + f64::from((i * 2_654_435_761_usize % 1000) as u16) / 10.0)
        .collect();
    let m = mann_kendall(&x).unwrap();
    assert_eq!(m.n, n);
    assert!(m.tau > 0.99, "tau {}", m.tau);
    let slope = sens_slope(&x).unwrap();
    assert!((slope - 3.0).abs() < 0.01, "slope {slope}");
}
