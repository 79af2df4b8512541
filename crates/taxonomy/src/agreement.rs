//! Inter-coder agreement on nominal codes: Cohen's κ (two coders), Fleiss' κ (n coders, every
//! item rated by the same number) and Krippendorff's α (n coders, missing codes allowed). Codes
//! are small integers (category ids).

/// Cohen's κ of two coders' codes for the same items; `None` when lengths differ, there is no
/// item, or chance agreement is total (every code the same).
pub fn cohen_kappa(a: &[u32], b: &[u32]) -> Option<f64> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let n = a.len() as f64;
    let mut codes: Vec<u32> = a.iter().chain(b).copied().collect();
    codes.sort_unstable();
    codes.dedup();
    let observed = a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / n;
    let expected: f64 = codes
        .iter()
        .map(|c| {
            let pa = a.iter().filter(|x| *x == c).count() as f64 / n;
            let pb = b.iter().filter(|x| *x == c).count() as f64 / n;
            pa * pb
        })
        .sum();
    (expected < 1.0).then(|| (observed - expected) / (1.0 - expected))
}

/// Fleiss' κ from a table of counts: one row per item, one column per code, each row summing to
/// the same number of raters (≥ 2). `Err` names the first row that differs.
pub fn fleiss_kappa(table: &[Vec<u32>]) -> Result<Option<f64>, String> {
    let Some(first) = table.first() else {
        return Ok(None);
    };
    let raters: u32 = first.iter().sum();
    if raters < 2 {
        return Err("every item needs at least two ratings".into());
    }
    for (i, row) in table.iter().enumerate() {
        let sum: u32 = row.iter().sum();
        if sum != raters {
            return Err(format!(
                "item {} has {sum} ratings, the first has {raters}: Fleiss' κ needs the same number for every item (use Krippendorff's α)",
                i + 1
            ));
        }
    }
    let (n, r) = (table.len() as f64, f64::from(raters));
    let columns = table.iter().map(Vec::len).max().unwrap_or(0);
    let p_j: Vec<f64> = (0..columns)
        .map(|j| {
            table
                .iter()
                .map(|row| f64::from(*row.get(j).unwrap_or(&0)))
                .sum::<f64>()
                / (n * r)
        })
        .collect();
    let p_bar = table
        .iter()
        .map(|row| {
            let s: f64 = row.iter().map(|&c| f64::from(c) * f64::from(c)).sum();
            (s - r) / (r * (r - 1.0))
        })
        .sum::<f64>()
        / n;
    let p_e: f64 = p_j.iter().map(|p| p * p).sum();
    Ok((p_e < 1.0).then(|| (p_bar - p_e) / (1.0 - p_e)))
}

/// Krippendorff's α for nominal data: `units[u][c]` is coder c's code for unit u, `None` when
/// missing. Units with fewer than two codes are not pairable and are ignored. `None` when fewer
/// than two pairable values or a single code is used throughout.
pub fn krippendorff_alpha_nominal(units: &[Vec<Option<u32>>]) -> Option<f64> {
    let mut codes: Vec<u32> = units.iter().flatten().flatten().copied().collect();
    codes.sort_unstable();
    codes.dedup();
    let index = |c: u32| codes.binary_search(&c).unwrap_or(0);
    let k = codes.len();
    // Coincidence matrix.
    let mut o = vec![vec![0.0f64; k]; k];
    for unit in units {
        let values: Vec<usize> = unit.iter().flatten().map(|&c| index(c)).collect();
        let m = values.len();
        if m < 2 {
            continue;
        }
        for (i, &a) in values.iter().enumerate() {
            for (j, &b) in values.iter().enumerate() {
                if i != j {
                    o[a][b] += 1.0 / (m as f64 - 1.0);
                }
            }
        }
    }
    let n_c: Vec<f64> = o.iter().map(|row| row.iter().sum()).collect();
    let n: f64 = n_c.iter().sum();
    if n < 2.0 {
        return None;
    }
    let mut disagree_observed = 0.0;
    let mut disagree_expected = 0.0;
    for c in 0..k {
        for d in 0..k {
            if c != d {
                disagree_observed += o[c][d];
                disagree_expected += n_c[c] * n_c[d];
            }
        }
    }
    (disagree_expected > 0.0).then(|| 1.0 - (n - 1.0) * disagree_observed / disagree_expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degenerate_inputs() {
        assert_eq!(cohen_kappa(&[1, 1], &[1, 1]), None);
        assert_eq!(cohen_kappa(&[1], &[1, 2]), None);
        assert!(fleiss_kappa(&[vec![2, 0], vec![1, 0]]).is_err());
        assert_eq!(krippendorff_alpha_nominal(&[vec![Some(1), None]]), None);
    }
}
