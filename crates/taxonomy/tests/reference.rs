//! Agreement statistics against worked examples of the literature, each also recomputed with an
//! independent implementation (Python 3.11: scikit-learn 1.x `cohen_kappa_score`, statsmodels
//! `fleiss_kappa`, the `krippendorff` package `alpha(level_of_measurement='nominal')`).

use hubscope_taxonomy::{cohen_kappa, evaluate, fleiss_kappa, krippendorff_alpha_nominal};

#[test]
fn cohen_kappa_worked_examples() {
    // Cohen's κ, the classic example (e.g. Wikipedia "Cohen's kappa"): 50 grant proposals, both
    // yes 20, A yes / B no 5, A no / B yes 10, both no 15 → κ = 0.4.
    let a: Vec<u32> = [vec![1; 20], vec![1; 5], vec![0; 10], vec![0; 15]].concat();
    let b: Vec<u32> = [vec![1; 20], vec![0; 5], vec![1; 10], vec![0; 15]].concat();
    assert!((cohen_kappa(&a, &b).unwrap_or(f64::NAN) - 0.4).abs() < 1e-12);
    // Three codes, 15 items (scikit-learn: 0.6).
    let a2 = [0, 1, 2, 0, 1, 2, 0, 0, 1, 2, 2, 1, 0, 2, 1];
    let b2 = [0, 1, 2, 1, 1, 2, 0, 2, 1, 2, 0, 1, 0, 2, 2];
    assert!((cohen_kappa(&a2, &b2).unwrap_or(f64::NAN) - 0.6).abs() < 1e-12);
}

#[test]
fn fleiss_kappa_worked_example() {
    // Fleiss (1971) as worked on Wikipedia "Fleiss' kappa": 10 subjects, 14 raters, 5 categories
    // → P̄ = 0.378, P̄e = 0.213, κ = 0.210 (statsmodels: 0.20993070442195522).
    let table = vec![
        vec![0, 0, 0, 0, 14],
        vec![0, 2, 6, 4, 2],
        vec![0, 0, 3, 5, 6],
        vec![0, 3, 9, 2, 0],
        vec![2, 2, 8, 1, 1],
        vec![7, 7, 0, 0, 0],
        vec![3, 2, 6, 3, 0],
        vec![2, 5, 3, 2, 2],
        vec![6, 5, 2, 1, 0],
        vec![0, 2, 2, 3, 7],
    ];
    let k = fleiss_kappa(&table).unwrap_or(None).unwrap_or(f64::NAN);
    assert!((k - 0.209_930_704_421_955_22).abs() < 1e-12, "{k}");
}

#[test]
fn krippendorff_alpha_worked_example() {
    // Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the nominal example:
    // 4 observers, 12 units, missing values → α = 0.743 (krippendorff package:
    // 0.743421052631579).
    let rows: [[Option<u32>; 12]; 4] = [
        [
            Some(1),
            Some(2),
            Some(3),
            Some(3),
            Some(2),
            Some(1),
            Some(4),
            Some(1),
            Some(2),
            None,
            None,
            None,
        ],
        [
            Some(1),
            Some(2),
            Some(3),
            Some(3),
            Some(2),
            Some(2),
            Some(4),
            Some(1),
            Some(2),
            Some(5),
            None,
            Some(3),
        ],
        [
            None,
            Some(3),
            Some(3),
            Some(3),
            Some(2),
            Some(3),
            Some(4),
            Some(2),
            Some(2),
            Some(5),
            Some(1),
            None,
        ],
        [
            Some(1),
            Some(2),
            Some(3),
            Some(3),
            Some(2),
            Some(4),
            Some(4),
            Some(1),
            Some(2),
            Some(5),
            Some(1),
            None,
        ],
    ];
    let units: Vec<Vec<Option<u32>>> = (0..12)
        .map(|u| rows.iter().map(|r| r[u]).collect())
        .collect();
    let a = krippendorff_alpha_nominal(&units).unwrap_or(f64::NAN);
    assert!((a - 0.743_421_052_631_579).abs() < 1e-12, "{a}");
    // Two coders, no missing values (krippendorff package: 0.6120401337792643; Cohen 0.6).
    let a2 = [0, 1, 2, 0, 1, 2, 0, 0, 1, 2, 2, 1, 0, 2, 1];
    let b2 = [0, 1, 2, 1, 1, 2, 0, 2, 1, 2, 0, 1, 0, 2, 2];
    let units: Vec<Vec<Option<u32>>> = a2
        .iter()
        .zip(&b2)
        .map(|(x, y)| vec![Some(*x), Some(*y)])
        .collect();
    let a = krippendorff_alpha_nominal(&units).unwrap_or(f64::NAN);
    assert!((a - 0.612_040_133_779_264_3).abs() < 1e-12, "{a}");
    // The same data as Fleiss' table (statsmodels: 0.5986622073578595).
    let table: Vec<Vec<u32>> = a2
        .iter()
        .zip(&b2)
        .map(|(x, y)| {
            (0..3)
                .map(|c| u32::from(*x == c) + u32::from(*y == c))
                .collect()
        })
        .collect();
    let k = fleiss_kappa(&table).unwrap_or(None).unwrap_or(f64::NAN);
    assert!((k - 0.598_662_207_357_859_5).abs() < 1e-12, "{k}");
}

#[test]
fn evaluation_scores() {
    let gold = [1, 1, 1, 2, 2, 3];
    let pred = [1, 1, 2, 2, 3, 3];
    let e = evaluate(&gold, &pred).unwrap();
    assert!((e.accuracy - 4.0 / 6.0).abs() < 1e-12);
    // F1: class 1 = 0.8, class 2 = 0.5, class 3 = 2/3.
    assert!((e.macro_f1 - (0.8 + 0.5 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
    assert_eq!(e.confusion, [[2, 1, 0], [0, 1, 1], [0, 0, 1]]);
}
