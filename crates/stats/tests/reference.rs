//! Reference values computed independently with SciPy 1.17.1 and pymannkendall 1.4.3 (Python
//! 3.11, in a scratch virtual environment, not part of the project):
//!
//! ```python
//! import scipy.stats as st, pymannkendall as mk
//! st.spearmanr(x, y)                       # statistic, pvalue (t with n-2 df)
//! mk.original_test(x)                      # s, var_s, z, p, Tau, slope (Sen)
//! st.mannwhitneyu(a, b, alternative='two-sided', method='asymptotic', use_continuity=True)
//! ```
//!
//! The series are small and made to exercise ties (C, D, E), negative trends (B), no trend (F).

use hubscope_stats::{mann_kendall, mann_whitney, spearman};

const A: [f64; 12] = [3., 5., 4., 9., 12., 15., 14., 20., 18., 25., 24., 30.];
const B: [f64; 12] = [30., 28., 25., 27., 20., 18., 19., 15., 12., 10., 11., 8.];
const C: [f64; 10] = [1., 2., 2., 3., 3., 3., 4., 5., 5., 6.];
const D: [f64; 10] = [2., 1., 3., 3., 5., 4., 4., 7., 6., 6.];
const E: [f64; 15] = [
    0., 0., 1., 0., 2., 5., 3., 0., 7., 9., 4., 12., 15., 11., 20.,
];
const F: [f64; 10] = [5., 3., 8., 1., 9., 2., 7., 4., 6., 10.];

/// Equal to nine significant digits (or within 1e-12 of zero).
fn close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 1e-9 * want.abs() || (got - want).abs() < 1e-12,
        "{what}: got {got:e}, want {want:e}"
    );
}

fn time(n: usize) -> Vec<f64> {
    (0..n).map(|i| i as f64).collect()
}

#[test]
fn spearman_matches_scipy() {
    let cases: [(&[f64], &[f64], f64, f64); 5] = [
        (&time(12), &A, 0.9720279720279721, 1.2868115751495027e-07),
        (&A, &B, -0.9720279720279721, 1.2868115751495027e-07),
        (&C, &D, 0.891004644835137, 0.0005403117564605241),
        (&time(15), &E, 0.8811168385162566, 1.4307280184968638e-05),
        (&time(10), &F, 0.34545454545454546, 0.3282265114713672),
    ];
    for (i, (x, y, rho, p)) in cases.iter().enumerate() {
        let r = spearman(x, y).unwrap_or_else(|| panic!("case {i}"));
        close(r.rho, *rho, &format!("rho {i}"));
        close(r.p, *p, &format!("p {i}"));
        assert_eq!(r.n, x.len());
    }
    assert!(spearman(&[1., 2., 3.], &[5., 5., 5.]).is_none());
    assert!(spearman(&[1., 2.], &[1., 2.]).is_none());
    let perfect = spearman(&[1., 2., 3., 4.], &[10., 20., 30., 40.]).unwrap();
    assert_eq!((perfect.rho, perfect.p), (1.0, 0.0));
}

#[test]
fn mann_kendall_and_sens_slope_match_pymannkendall() {
    // s, var_s, z, p, tau, slope
    let cases: [(&[f64], [f64; 6]); 5] = [
        (
            &A,
            [
                58.0,
                212.66666666666666,
                3.9086352435453273,
                9.281898133695066e-05,
                0.8787878787878788,
                2.5,
            ],
        ),
        (
            &B,
            [
                -60.0,
                212.66666666666666,
                -4.045780339810076,
                5.214911582429593e-05,
                -0.9090909090909091,
                -2.0,
            ],
        ),
        (
            &C,
            [
                40.0,
                119.33333333333333,
                3.5701274565295176,
                0.0003568075743358712,
                0.8888888888888888,
                0.5,
            ],
        ),
        (
            &E,
            [
                77.0,
                399.6666666666667,
                3.801584323604379,
                0.00014377379052410433,
                0.7333333333333333,
                1.1666666666666667,
            ],
        ),
        (
            &F,
            [
                11.0,
                125.0,
                0.8944271909999159,
                0.37109336952269745,
                0.24444444444444444,
                0.42857142857142855,
            ],
        ),
    ];
    for (i, (x, [s, var_s, z, p, tau, slope])) in cases.iter().enumerate() {
        let m = mann_kendall(x).unwrap();
        close(m.s, *s, &format!("s {i}"));
        close(m.var_s, *var_s, &format!("var_s {i}"));
        close(m.z, *z, &format!("z {i}"));
        close(m.p, *p, &format!("p {i}"));
        close(m.tau, *tau, &format!("tau {i}"));
        close(m.sens_slope, *slope, &format!("slope {i}"));
    }
}

#[test]
fn mann_whitney_matches_scipy() {
    let cases: [(&[f64], &[f64], f64, f64); 4] = [
        (&A[..6], &A[6..], 1.0, 0.00823901882572464),
        (&C, &D, 38.5, 0.3990410112958942),
        (&E[..7], &E[7..], 6.5, 0.014195743882660086),
        (&[1., 2., 3.], &[4., 5., 6., 7.], 0.0, 0.05182992721790968),
    ];
    for (i, (a, b, u, p)) in cases.iter().enumerate() {
        let r = mann_whitney(a, b).unwrap();
        close(r.u, *u, &format!("u {i}"));
        close(r.p, *p, &format!("p {i}"));
    }
    assert!(mann_whitney(&[], &[1.0]).is_none());
}
