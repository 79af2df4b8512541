//! Statistics for monthly series, implemented once and checked against independent reference
//! values (see `tests/reference.rs` for how each was computed):
//!
//! - [`spearman`]: Spearman's ρ with average ranks for ties and a two-sided p-value from
//!   Student's t with n − 2 degrees of freedom;
//! - [`mann_kendall`]: the Mann–Kendall trend test (S, τ, z with continuity correction and tie
//!   correction, two-sided p) with [`sens_slope`];
//! - [`mann_whitney`]: the Mann–Whitney U test (normal approximation with tie and continuity
//!   correction, two-sided p), to compare a series before and after a date.
//!
//! Pure functions over slices: no I/O. Every test runs in O(n log n) time and O(n) memory in
//! its number of points n (Mann–Kendall's S by merge-sort inversion counts; Sen's slope
//! directly up to [`SEN_DIRECT_MAX`] points, by selection beyond), so that no series from outside
//! can make one allocate n² values.
//!
//! ```
//! let months = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
//! let uploads = [3.0, 5.0, 4.0, 9.0, 12.0, 15.0];
//! let r = hubscope_stats::spearman(&months, &uploads).unwrap();
//! assert!((r.rho - 0.942_857).abs() < 1e-6);
//! assert!(r.p < 0.01);
//! ```
#![forbid(unsafe_code)]

mod dist;
mod tests_of_trend;

pub use dist::{normal_cdf, normal_quantile, student_t_two_sided_p};
pub use tests_of_trend::{
    Correlation, MannKendall, MannWhitney, SEN_DIRECT_MAX, mann_kendall, mann_whitney, median,
    ranks, sens_slope, sens_slope_by_selection, spearman,
};

/// Floats with up to six decimals, without trailing zeros (`0.5`, `0.333333`, `12`); empty
/// for NaN and infinities.
pub fn format_float(x: f64) -> String {
    if !x.is_finite() {
        return String::new();
    }
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// A p-value for prose and tables: `< 0.001`, or three decimals.
pub fn p_text(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("{p:.3}")
    }
}
