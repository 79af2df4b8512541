//! `hubscope trends` and `hubscope correlate` on the real data of `../shared/data`:
//! `hub/liang-2022-model-info.parquet` (Liang et al.'s 74,970 models), `hub/models.jsonl` and
//! `forum/hub-discussions.jsonl`.
#![allow(clippy::unwrap_used)]

mod common;

use common::{hubscope, ingest, ingest_liang, ok};

/// Models and models with a card per creation month (UTC) of Liang et al.'s file, computed
/// independently with DuckDB 1.x from the Parquet file itself (not through hubscope):
///
/// ```sql
/// SET TimeZone = 'UTC';
/// SELECT strftime(creation_time AT TIME ZONE 'UTC', '%Y-%m') AS month, count(*),
///        sum(CASE WHEN has_modelcard THEN 1 ELSE 0 END)
/// FROM read_parquet('liang-2022-model-info.parquet')
/// WHERE creation_time IS NOT NULL GROUP BY 1 ORDER BY 1;
/// ```
///
/// 173 rows have no creation time; `has_modelcard` is never NULL.
const LIANG: &[(&str, u64, u64)] = &[
    ("2018-11", 7, 7),
    ("2019-01", 1, 1),
    ("2019-02", 4, 4),
    ("2019-05", 1, 1),
    ("2019-06", 7, 6),
    ("2019-07", 10, 10),
    ("2019-08", 8, 8),
    ("2019-09", 2, 2),
    ("2019-10", 4, 4),
    ("2019-11", 11, 9),
    ("2019-12", 43, 31),
    ("2020-01", 47, 17),
    ("2020-02", 53, 28),
    ("2020-03", 171, 99),
    ("2020-04", 995, 917),
    ("2020-05", 350, 176),
    ("2020-06", 279, 57),
    ("2020-07", 333, 112),
    ("2020-08", 619, 428),
    ("2020-09", 429, 270),
    ("2020-10", 422, 216),
    ("2020-11", 325, 176),
    ("2020-12", 489, 315),
    ("2021-01", 497, 273),
    ("2021-02", 767, 456),
    ("2021-03", 1374, 972),
    ("2021-04", 1342, 724),
    ("2021-05", 948, 348),
    ("2021-06", 1039, 395),
    ("2021-07", 1831, 840),
    ("2021-08", 1978, 673),
    ("2021-09", 2268, 836),
    ("2021-10", 2103, 805),
    ("2021-11", 2357, 772),
    ("2021-12", 2944, 839),
    ("2022-01", 2914, 1031),
    ("2022-02", 3586, 1737),
    ("2022-03", 3537, 1485),
    ("2022-04", 5805, 1900),
    ("2022-05", 7458, 2957),
    ("2022-06", 7136, 2666),
    ("2022-07", 6472, 3462),
    ("2022-08", 6111, 2573),
    ("2022-09", 7720, 3300),
];

#[test]
fn docs_per_month_equal_an_independent_computation_on_liang() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("liang.db");
    ingest_liang(&db);
    let out_path = dir.path().join("docs.json");
    let stderr = ok(&hubscope(
        &db,
        &[
            "trends",
            "docs",
            "--format",
            "json",
            "--out",
            out_path.to_str().unwrap(),
            "--split-at",
            "2021-01",
        ],
    ));
    assert!(stderr.contains("173 undated left out"), "{stderr}");
    assert!(dir.path().join("docs.svg").exists());
    let rows: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&out_path).unwrap()).unwrap();
    let by_month: std::collections::HashMap<&str, &serde_json::Value> = rows
        .iter()
        .map(|r| (r["month"].as_str().unwrap(), r))
        .collect();
    for (month, models, with_card) in LIANG {
        let row = by_month[month];
        assert_eq!(row["models"], *models, "{month}");
        assert_eq!(row["with_card"], *with_card, "{month}");
        let ratio = row["card_ratio"].as_f64().unwrap();
        assert!(
            (ratio - *with_card as f64 / *models as f64).abs() < 1e-12,
            "{month}"
        );
    }
    // Months without models are present with zeros; the last month is flagged incomplete.
    assert_eq!(by_month["2018-12"]["models"], 0);
    assert_eq!(by_month["2022-09"]["incomplete"], true);
    assert_eq!(by_month["2022-08"]["incomplete"], false);
    let all = by_month["all"];
    assert_eq!(all["models"], 74_797);
    assert_eq!(all["with_card"], LIANG.iter().map(|r| r.2).sum::<u64>());
    // The card ratio falls over the census's complete months, the 43 of 2018-11..2022-08 with
    // models (the study: "not rising over time"); 2022-09, cut short by the snapshot, is not
    // tested.
    assert!(
        stderr.contains("population: census: 2018-11..2022-09 (2022-09 incomplete), from liang-2022-model-info.parquet"),
        "{stderr}"
    );
    assert!(
        stderr.contains("card ratio: 43 months: Spearman ρ -0.72"),
        "{stderr}"
    );

    // Uploads by pipeline: sums per month equal the models per month; cumulative shares end at 1.
    let up = dir.path().join("uploads.csv");
    ok(&hubscope(
        &db,
        &[
            "trends",
            "uploads",
            "--by",
            "pipeline",
            "--top",
            "3",
            "--out",
            up.to_str().unwrap(),
        ],
    ));
    let mut reader = csv::Reader::from_path(&up).unwrap();
    let mut per_month: std::collections::HashMap<String, (u64, f64)> = Default::default();
    for r in reader.records() {
        let r = r.unwrap();
        let e = per_month.entry(r[0].to_string()).or_default();
        e.0 += r[2].parse::<u64>().unwrap();
        e.1 += r[5].parse::<f64>().unwrap();
    }
    for (month, models, _) in LIANG {
        assert_eq!(per_month[*month].0, *models, "{month}");
        assert!((per_month[*month].1 - 1.0).abs() < 1e-5, "{month}");
    }
}

#[test]
fn families_uploads_and_correlation_on_the_real_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("real.db");
    // A sample: 16 families' fine-tunes. Its trends are drawn only on its own (--source).
    ingest(&db, "models", "hub/models.jsonl");
    ingest(&db, "discussions", "forum/hub-discussions.jsonl");

    let fam = dir.path().join("families.csv");
    let stderr = ok(&hubscope(
        &db,
        &["trends", "families", "--out", fam.to_str().unwrap()],
    ));
    // The coverage the README quotes for this command.
    assert!(
        stderr.contains(
            "families: 1615 of 1820 models resolved (88.7%): model_type 744 (40.9%), tag 29 \
             (1.6%), base_model 841 (46.2%), name 1 (0.1%), unknown 205 (11.3%)"
        ),
        "{stderr}"
    );
    let rows: Vec<csv::StringRecord> = csv::Reader::from_path(&fam)
        .unwrap()
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 1820);
    let find = |id: &str| {
        rows.iter()
            .find(|r| &r[0] == id)
            .unwrap_or_else(|| panic!("{id}"))
            .clone()
    };
    // config.model_type says so.
    assert_eq!(
        (&find("bigscience/bloom")[1], &find("bigscience/bloom")[2]),
        ("bloom", "model_type")
    );
    // Every model resolved by its base model has a stored lineage edge.
    assert!(
        rows.iter().any(|r| &r[2] == "base_model"),
        "no model resolved through its base"
    );

    // No census: the census trends have no month, and say why.
    let stderr = ok(&hubscope(&db, &["trends", "uploads", "--by", "family"]));
    assert!(stderr.contains("no source is a census"), "{stderr}");
    // The sample's uploads by family, in a format, to a file.
    let sample_uploads = |format: &str, out: &std::path::Path| {
        ok(&hubscope(
            &db,
            &[
                "trends",
                "uploads",
                "--by",
                "family",
                "--top",
                "5",
                "--source",
                "models.jsonl",
                "--format",
                format,
                "--out",
                out.to_str().unwrap(),
            ],
        ))
    };
    let out = dir.path().join("uploads.parquet");
    let stderr = sample_uploads("parquet", &out);
    assert!(stderr.contains("a SAMPLE on its own"), "{stderr}");
    // The Parquet frame holds what the CSV one does, cell by cell.
    let as_csv = dir.path().join("uploads.csv");
    sample_uploads("csv", &as_csv);
    let csv_rows: Vec<Vec<String>> = {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(&as_csv)
            .unwrap();
        reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    };
    assert!(csv_rows.len() > 10, "{csv_rows:?}");
    assert_eq!(common::parquet_as_csv_rows(&out), csv_rows);
    assert!(dir.path().join("uploads.svg").exists());

    // Mentions (the discussions) against the sample's uploads, from the store.
    let corr = dir.path().join("corr.csv");
    let stderr = ok(&hubscope(
        &db,
        &[
            "correlate",
            "--source",
            "discussions",
            "--uploads-from",
            "models.jsonl",
            "--out",
            corr.to_str().unwrap(),
        ],
    ));
    assert!(stderr.contains("Hub discussions vs uploads"), "{stderr}");
    assert!(stderr.contains("a SAMPLE on its own"), "{stderr}");
    let rows: Vec<csv::StringRecord> = csv::Reader::from_path(&corr)
        .unwrap()
        .records()
        .map(Result::unwrap)
        .collect();
    assert!(rows.iter().any(|r| &r[0] == "llama"), "{rows:?}");
    assert_eq!(&rows.last().unwrap()[0], "(across families)");
}

#[test]
fn correlate_reads_published_wide_tables() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("mentions.csv");
    let b = dir.path().join("uploads.csv");
    // Rows are names, month columns among other columns; empty cells are 0; names differ in
    // case and spacing. BERT: mentions fall while uploads rise (the study's example).
    std::fs::write(
        &a,
        "model_type,total,2021-01,2021-02,2021-03,2021-04,2021-05,share\n\
         BERT,40,12,10,8,6,4,0.5\nGPT2,15,1,2,3,4,5,0.2\nllama,3,,,,1,2,0.1\n",
    )
    .unwrap();
    std::fs::write(
        &b,
        "name;2021-01-01;2021-02-01;2021-03-01;2021-04-01;2021-05-01;2021-06-01;sum\n\
         bert ;100;200;300;400;500;600;2100\ngpt2;10;20;30;40;50;60;210\nt5;1;1;1;1;1;1;6\n",
    )
    .unwrap();
    let db = dir.path().join("unused.db");
    let out = hubscope(
        &db,
        &[
            "correlate",
            "--a",
            a.to_str().unwrap(),
            "--b",
            b.to_str().unwrap(),
            "--format",
            "json",
            "--min-months",
            "5",
        ],
    );
    let stderr = ok(&out);
    assert!(stderr.contains("5 common months"), "{stderr}");
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    // Names as the first table writes them.
    let bert = rows.iter().find(|r| r["family"] == "BERT").unwrap();
    assert_eq!(bert["rho"], -1.0);
    assert_eq!(bert["n"], 5);
    let gpt2 = rows.iter().find(|r| r["family"] == "GPT2").unwrap();
    assert_eq!(gpt2["rho"], 1.0);
    // Two families in both: too few for Spearman across families.
    assert!(rows.last().unwrap()["rho"].is_null());
    // Totals over the shared months, or over each table's own (a published total column):
    // 2021-06 is only in the uploads table.
    assert_eq!(
        (bert["total_a"].as_f64(), bert["total_b"].as_f64()),
        (Some(40.0), Some(1500.0))
    );
    let own = hubscope(
        &db,
        &[
            "correlate",
            "--a",
            a.to_str().unwrap(),
            "--b",
            b.to_str().unwrap(),
            "--format",
            "json",
            "--min-months",
            "5",
            "--totals",
            "own",
        ],
    );
    ok(&own);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&own.stdout).unwrap();
    let bert = rows.iter().find(|r| r["family"] == "BERT").unwrap();
    assert_eq!(
        (bert["total_a"].as_f64(), bert["total_b"].as_f64()),
        (Some(40.0), Some(2100.0))
    );
    assert_eq!(bert["rho"], -1.0, "per family, the shared months still");
    // Five months are too few by default: nothing is correlated, and it says why.
    let short = hubscope(
        &db,
        &[
            "correlate",
            "--a",
            a.to_str().unwrap(),
            "--b",
            b.to_str().unwrap(),
        ],
    );
    let stderr = ok(&short);
    assert!(
        stderr.contains("not correlated: 5 common months (2021-01..2021-05): at least 12"),
        "{stderr}"
    );
    assert!(!db.exists(), "file mode must not create a database");
}

#[test]
fn trend_tests_on_any_monthly_series() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("series.csv");
    // Series A of hubscope-stats' reference tests (SciPy: ρ = 0.9720279720279721, p =
    // 1.2868115751495027e-07; pymannkendall: τ = 0.8787878787878788, Sen's slope 2.5).
    std::fs::write(
        &input,
        "series,2021-01,2021-02,2021-03,2021-04,2021-05,2021-06,2021-07,2021-08,2021-09,2021-10,2021-11,2021-12,total\n\
         Uploads A,3,5,4,9,12,15,14,20,18,25,24,30,179\n",
    )
    .unwrap();
    let out = hubscope(
        &dir.path().join("unused.db"),
        &[
            "trends",
            "test",
            "--input",
            input.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    ok(&out);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["series"], "Uploads A");
    assert_eq!(rows[0]["months"], 12);
    assert!((rows[0]["spearman_rho"].as_f64().unwrap() - 0.9720279720279721).abs() < 1e-12);
    assert!((rows[0]["spearman_p"].as_f64().unwrap() - 1.2868115751495027e-07).abs() < 1e-15);
    assert!((rows[0]["mann_kendall_tau"].as_f64().unwrap() - 0.8787878787878788).abs() < 1e-12);
    assert_eq!(rows[0]["sens_slope"], 2.5);
}
