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
            "--suggest",
            "lexical",
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
            "--suggest",
            "lexical",
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
            "suggestion",
            "category",
            "subcategory",
            "benefit",
            "note"
        ]
    );
    assert_eq!(rows.len(), 378);
    // The machine's guess: "ID Name[ / Subcategory] (score)", for every row.
    for row in &rows {
        let guess = &row[5];
        let id: u16 = guess.split(' ').next().unwrap().parse().unwrap();
        assert!(id <= 17 && guess.ends_with(')'), "{guess}");
    }
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
    // taxonomy stats reports people's codes as they are, with their agreement (for two coders
    // Fleiss' κ, computed by hubscope-taxonomy's tested function).
    let table: Vec<Vec<u32>> = codes_a
        .iter()
        .zip(&codes_b)
        .map(|(x, y)| {
            let mut row = vec![0u32; 18];
            row[*x as usize] += 1;
            row[*y as usize] += 1;
            row
        })
        .collect();
    let used: Vec<usize> = (0..18)
        .filter(|c| table.iter().any(|r| r[*c] > 0))
        .collect();
    let table: Vec<Vec<u32>> = table
        .iter()
        .map(|r| used.iter().map(|&c| r[c]).collect())
        .collect();
    let fleiss = hubscope_taxonomy::fleiss_kappa(&table).unwrap().unwrap();
    let o = hubscope(&db, &["taxonomy", "stats"]);
    ok(&o);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains(&format!(
            "people's codes, as they are; where 2 coders coded the same 30 topics, Fleiss' κ = {fleiss:.3}"
        )),
        "{text}"
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

/// The lexical classifier's accuracy and κ on the hand-coded threads, as the built-in
/// classifier's file records them (`classify train` measures them).
fn recorded_lexical_agreement() -> (f64, f64) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../taxonomy/labels/classifier-all-MiniLM-L6-v2.json"
    );
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let lexical = &file["training"]["cross_validation"]["agreement"]["lexical"];
    let (accuracy, kappa) = (lexical["accuracy"].as_f64(), lexical["kappa"].as_f64());
    (accuracy.unwrap(), kappa.unwrap())
}

#[test]
fn classify_the_store_then_count_the_taxonomy() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("classified.db");
    ingest(&db, "discussions", "forum/hub-discussions.jsonl");
    let stderr = ok(&hubscope(&db, &["classify", "--method", "lexical"]));
    assert!(
        stderr.contains("22868 topics") && stderr.contains("the codes of hubscope:lexical"),
        "{stderr}"
    );
    // Its agreement with people, as measured on the hand-coded threads and recorded in the
    // built-in classifier's file, is said.
    let (accuracy, kappa) = recorded_lexical_agreement();
    assert!(
        stderr.contains(&format!(
            "measured agreement with people's codes: accuracy {accuracy:.3}, Cohen's κ {kappa:.3}"
        )),
        "{stderr}"
    );
    // One line each: the summary's own line breaks are not escaped as outside text would be.
    assert!(!stderr.contains("\\u{a}"), "{stderr}");
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("  measured agreement with people's codes")),
        "{stderr}"
    );
    // Classifying again replaces the machine's codes; it adds none.
    ok(&hubscope(&db, &["classify", "--method", "lexical"]));
    let exported = dir.path().join("export");
    ok(&hubscope(
        &db,
        &[
            "export",
            "--table",
            "codes",
            "--format",
            "csv",
            "--out",
            exported.to_str().unwrap(),
        ],
    ));
    let files: Vec<_> = std::fs::read_dir(exported.join("codes")).unwrap().collect();
    let (header, rows) = read(&files[0].as_ref().unwrap().path());
    assert_eq!(&header[2], "coder");
    assert_eq!(rows.len(), 22868, "one code per thread");
    assert!(rows.iter().all(|r| &r[2] == "hubscope:lexical"));

    let out = dir.path().join("taxonomy");
    let o = hubscope(&db, &["taxonomy", "stats", "--out", out.to_str().unwrap()]);
    ok(&o);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.starts_with("22868 coded items (the codes of hubscope:lexical)"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "a classifier's codes: against people's codes it has accuracy {accuracy:.3}"
        )),
        "{text}"
    );
    let stats: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("taxonomy.json")).unwrap()).unwrap();
    assert_eq!(stats["items"], 22868);
    let categories = stats["categories"].as_array().unwrap();
    assert_eq!(categories.len(), 18);
    let total: u64 = categories
        .iter()
        .map(|c| c["items"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 22868);
    let shares: f64 = categories
        .iter()
        .map(|c| c["share"].as_f64().unwrap())
        .sum();
    assert!((shares - 1.0).abs() < 1e-9);
    let svg = std::fs::read_to_string(out.join("sunburst.svg")).unwrap();
    assert!(
        svg.contains("Challenges of 22868 Hub discussions (the codes of hubscope:lexical)")
            && svg.contains("Lack of Support")
    );
    let (header, rows) = read(&out.join("taxonomy.csv"));
    assert_eq!(&header[0], "category_id");
    assert!(rows.len() > 18, "categories and their subcategories");
    // Beside each category's share as counted, the share corrected for the classifier's
    // measured confusion and its 95 % interval; the corrected shares sum to one.
    assert_eq!(
        (&header[6], &header[7], &header[8]),
        ("corrected_share", "ci_low", "ci_high")
    );
    let corrected: Vec<(f64, f64, f64)> = rows
        .iter()
        .filter(|r| r[2].is_empty())
        .map(|r| {
            (
                r[6].parse().unwrap(),
                r[7].parse().unwrap(),
                r[8].parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(corrected.len(), 18);
    assert!(corrected.iter().all(|(s, lo, hi)| lo <= s && s <= hi));
    assert!((corrected.iter().map(|c| c.0).sum::<f64>() - 1.0).abs() < 1e-6);
    assert!(
        stats["uncertainty"]["agreement"]["items"] == 648,
        "{}",
        stats["uncertainty"]
    );

    // People's codes take over from the machine's once there are some; the machine is not a
    // coder in agreement unless named.
    let sheet = dir.path().join("coded.csv");
    let stored = {
        let o = hubscope(
            &db,
            &[
                "classify",
                "--method",
                "lexical",
                "--out",
                dir.path().join("p.jsonl").to_str().unwrap(),
            ],
        );
        ok(&o);
        std::fs::read_to_string(dir.path().join("p.jsonl")).unwrap()
    };
    let first: Vec<serde_json::Value> = stored
        .lines()
        .take(3)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    std::fs::write(
        &sheet,
        format!(
            "source,id,category\ndiscussions,{},3\ndiscussions,{},13\ndiscussions,{},3\n",
            first[0]["id"], first[1]["id"], first[2]["id"]
        ),
    )
    .unwrap();
    ok(&hubscope(
        &db,
        &["code", "import", "--coder", "ana", sheet.to_str().unwrap()],
    ));
    let o = hubscope(&db, &["taxonomy", "stats", "--format", "csv"]);
    ok(&o);
    let csv = String::from_utf8_lossy(&o.stdout);
    assert!(csv.contains("3,Memory & Performance,,2,"), "{csv}");
    assert!(csv.contains("13,Spaces,,1,"), "{csv}");
    let o = hubscope(&db, &["agreement"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("at least two coders"));
    let o = hubscope(&db, &["agreement", "--coders", "ana,hubscope:lexical"]);
    ok(&o);

    // The topics the classifier was least sure of, for people to code next: not those ana
    // coded, least confident first, with its code as the suggestion.
    let uncertain = dir.path().join("uncertain.csv");
    let o = hubscope(
        &db,
        &[
            "sample",
            "--population",
            "discussions",
            "--uncertain",
            "25",
            "--out",
            uncertain.to_str().unwrap(),
        ],
    );
    let stderr = ok(&o);
    assert!(
        stderr.contains("the 25 discussions topics hubscope:lexical was least sure of")
            && stderr.contains("of 22865 it coded and no person has"),
        "{stderr}"
    );
    let (header, rows) = read(&uncertain);
    assert_eq!(&header[5], "suggestion");
    assert_eq!(rows.len(), 25);
    let confidence = |r: &csv::StringRecord| -> f64 {
        let s = &r[5];
        s[s.rfind('(').unwrap() + 1..s.len() - 1].parse().unwrap()
    };
    let confidences: Vec<f64> = rows.iter().map(confidence).collect();
    assert!(
        confidences.windows(2).all(|w| w[0] <= w[1]),
        "{confidences:?}"
    );
    let coded: Vec<String> = first.iter().map(|v| v["id"].to_string()).collect();
    assert!(rows.iter().all(|r| !coded.iter().any(|c| c == &r[1])));
    // Without stored machine codes there is nothing to draw, and it says what to run.
    let empty = dir.path().join("empty.db");
    ingest(&empty, "discussions", "forum/hub-discussions.jsonl");
    let o = hubscope(
        &empty,
        &[
            "sample",
            "--population",
            "discussions",
            "--uncertain",
            "5",
            "--out",
            uncertain.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("run `hubscope classify` first"));
}
