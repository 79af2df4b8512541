//! The coding workflow on the real Hub discussions of `../shared/data/forum/hub-discussions.jsonl`:
//! sample → two coders' sheets → import (with rejections) → agreement → resolve.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use hubscope_taxonomy::{cohen_kappa, krippendorff_alpha_nominal};

mod common;

use common::{hubscope, ingest, ok};

fn read(path: &Path) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().clone();
    (h, r.records().map(Result::unwrap).collect())
}

#[test]
fn sample_code_agree_and_resolve() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("coding.db");
    ingest(&db, "discussions", "forum/hub-discussions.jsonl");

    // Cochran's size for 22,868 discussions at 95 % ± 5 % is 378; the seed fixes the draw.
    let sheet = dir.path().join("sheet.csv");
    let stderr = ok(&hubscope(
        &db,
        &[
            "sample",
            "--population",
            "discussions",
            "--seed",
            "42",
            "--out",
            sheet.to_str().unwrap(),
        ],
    ));
    assert!(stderr.contains("378 of 22868 discussions"), "{stderr}");
    let again = dir.path().join("again.csv");
    ok(&hubscope(
        &db,
        &[
            "sample",
            "--population",
            "discussions",
            "--seed",
            "42",
            "--out",
            again.to_str().unwrap(),
        ],
    ));
    assert_eq!(
        std::fs::read(&sheet).unwrap(),
        std::fs::read(&again).unwrap()
    );
    let (header, rows) = read(&sheet);
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        [
            "source",
            "id",
            "title",
            "text",
            "replies",
            "category",
            "subcategory",
            "benefit",
            "note"
        ]
    );
    assert_eq!(rows.len(), 378);
    let out = hubscope(
        &db,
        &[
            "sample",
            "--population",
            "discussions",
            "--stratify",
            "category",
            "--seed",
            "1",
            "--out",
            again.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));

    // Two coders code the first 30 items; B differs on every third. A's sheet has errors.
    let codes_a: Vec<u32> = (0..30).map(|i| (i % 6) as u32).collect();
    let codes_b: Vec<u32> = (0..30)
        .map(|i| if i % 3 == 0 { 12 } else { (i % 6) as u32 })
        .collect();
    let write = |name: &str, codes: &[u32], extra: &str| {
        let path = dir.path().join(name);
        let mut text = String::from("\u{feff}source;id;title;category;subcategory;benefit;note\n");
        for (row, code) in rows.iter().zip(codes) {
            text.push_str(&format!("discussions;{};\"t\";{code};;;\n", &row[1]));
        }
        text.push_str(extra);
        std::fs::write(&path, text).unwrap();
        path
    };
    let a = write(
        "ana.csv",
        &codes_a,
        "discussions;999999999;x;3;;;\ndiscussions;5;y;42;;;\n",
    );
    let b = write("ben.csv", &codes_b, "");
    let stderr = ok(&hubscope(
        &db,
        &["code", "import", "--coder", "ana", a.to_str().unwrap()],
    ));
    assert!(
        stderr.contains("30 codes of ana") && stderr.contains("2 rejected"),
        "{stderr}"
    );
    assert!(
        stderr.contains("no discussions topic 999999999 in the store"),
        "{stderr}"
    );
    assert!(
        stderr.contains("category '42' is not in the codebook"),
        "{stderr}"
    );
    ok(&hubscope(
        &db,
        &["code", "import", "--coder", "ben", b.to_str().unwrap()],
    ));

    let dis = dir.path().join("disagreements.csv");
    let out = hubscope(&db, &["agreement", "--out", dis.to_str().unwrap()]);
    ok(&out);
    let report = String::from_utf8(out.stdout).unwrap();
    let kappa = cohen_kappa(&codes_a, &codes_b).unwrap();
    assert!(
        report.contains(&format!("Cohen's κ ana / ben: {kappa:.3} (30 items)")),
        "{report}"
    );
    let units: Vec<Vec<Option<u32>>> = codes_a
        .iter()
        .zip(&codes_b)
        .map(|(x, y)| vec![Some(*x), Some(*y)])
        .collect();
    let alpha = krippendorff_alpha_nominal(&units).unwrap();
    assert!(
        report.contains(&format!("Krippendorff's α (nominal, 30 items): {alpha:.3}")),
        "{report}"
    );
    let disagreeing = codes_a.iter().zip(&codes_b).filter(|(x, y)| x != y).count();
    assert!(
        report.contains(&format!("disagreements: {disagreeing} items")),
        "{report}"
    );
    let (header, rows) = read(&dis);
    assert_eq!(&header[2], "coded by ana");
    assert_eq!(rows.len(), disagreeing);

    // The adjudicator fills the sheet; resolved codes are stored under '(resolved)'.
    let mut text = String::from("source,id,category\n");
    for row in &rows {
        text.push_str(&format!("{},{},12\n", &row[0], &row[1]));
    }
    let resolved = dir.path().join("resolved.csv");
    std::fs::write(&resolved, text).unwrap();
    let stderr = ok(&hubscope(
        &db,
        &["code", "resolve", resolved.to_str().unwrap()],
    ));
    assert!(
        stderr.contains(&format!("{disagreeing} codes of (resolved)")),
        "{stderr}"
    );
    // A sheet without a category column is refused as a whole.
    std::fs::write(&resolved, "source,id\ndiscussions,1\n").unwrap();
    let out = hubscope(
        &db,
        &[
            "code",
            "import",
            "--coder",
            "ana",
            resolved.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no 'category' column"));
}
