//! `hubscope audit` on the real models and cards of `../shared/data/hub` (`models.jsonl`,
//! `readmes.jsonl`) against `policies/example.toml`: findings checked by hand for named models
//! (their files, licences and base models read in the dump), exit codes, formats.
#![allow(clippy::unwrap_used)]

mod common;

use common::{hubscope, ingest, ok};
use serde_json::Value;

const POLICY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../policies/example.toml");

fn store() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.db");
    ingest(&db, "models", "hub/models.jsonl");
    ingest(&db, "cards", "hub/readmes.jsonl");
    (dir, db)
}

fn findings(audit: &Value) -> Vec<(String, String, String)> {
    audit["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn has(audit: &Value, severity: &str, rule: &str, text: &str) -> bool {
    findings(audit)
        .iter()
        .any(|(s, r, m)| s == severity && r == rule && m.contains(text))
}

#[test]
fn real_models_get_the_findings_checked_by_hand() {
    let (_dir, db) = store();
    let models = [
        "bigscience/bloom",
        "12sebas/new_jar",
        "AniketParab/results",
        "CynthiaAAAA/deepseek-chat",
        "OpenLLM-Ro/RoGemma-7b-Instruct-DPO",
        "OpenLLM-Ro/RoGemma-7b-Instruct-2024-10-09",
        "AjayMukundS/Llama2_7B_fine_tuned",
        "BramVanroy/fietje-2",
        "2imi9/Llama2_7B_TeachingAssistant_Introduction_to_Computers",
        "Americo/model2",
    ];
    let mut args = vec!["audit", "--policy", POLICY, "--format", "json"];
    args.extend(models);
    let o = hubscope(&db, &args);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "some fail: {stderr}");
    assert!(
        stderr.contains("10 models against example 1.0 (sha1:"),
        "{stderr}"
    );
    let audits: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    let by_id = |id: &str| audits.iter().find(|a| a["model_id"] == id).unwrap();

    // BLOOM: a full card, safetensors; its RAIL licence is on the review list: warnings only.
    let bloom = by_id("bigscience/bloom");
    assert_eq!(bloom["passed"], true, "{bloom}");
    assert!(has(
        bloom,
        "warning",
        "license.review",
        "bigscience-bloom-rail-1.0"
    ));
    assert!(!has(bloom, "error", "", ""));
    // A fine-tune of BLOOM with only pytorch_model.bin, no card sections, no licence.
    let jar = by_id("12sebas/new_jar");
    assert_eq!(jar["passed"], false);
    assert!(has(
        jar,
        "error",
        "weights.pickle_only",
        "pytorch_model.bin"
    ));
    assert!(has(jar, "error", "license", "no licence declared"));
    assert!(has(
        jar,
        "warning",
        "license.inherit",
        "derived from bigscience/bloom"
    ));
    assert!(has(
        jar,
        "error",
        "sections.required",
        "section uses is missing"
    ));
    // An adapter in adapter_model.bin (training_args.bin is not weights), template sections.
    let results = by_id("AniketParab/results");
    assert!(has(
        results,
        "error",
        "weights.pickle_only",
        "adapter_model.bin"
    ));
    assert!(!has(
        results,
        "error",
        "weights.pickle_only",
        "training_args.bin"
    ));
    assert!(has(
        results,
        "error",
        "sections.required",
        "bias_risks_limitations is present but not filled"
    ));
    assert!(has(
        results,
        "warning",
        "license.inherit",
        "meta-llama/Llama-2-7b-chat-hf, whose licence llama2 needs review"
    ));
    // A non-commercial licence (cc-by-nc-4.0) is denied; so is inheriting it from a base.
    assert!(has(
        by_id("CynthiaAAAA/deepseek-chat"),
        "error",
        "license.deny",
        "cc-by-nc-4.0 is denied"
    ));
    let dpo = by_id("OpenLLM-Ro/RoGemma-7b-Instruct-DPO");
    assert!(has(
        dpo,
        "error",
        "license.inherit",
        "derived from OpenLLM-Ro/RoGemma-7b-Instruct-2024-10-09, whose licence cc-by-nc-4.0 is denied"
    ));
    assert!(
        !has(dpo, "error", "weights.pickle_only", ""),
        "safetensors shards"
    );
    assert!(has(
        by_id("OpenLLM-Ro/RoGemma-7b-Instruct-2024-10-09"),
        "error",
        "license.deny",
        "cc-by-nc-4.0"
    ));
    // Gated (`gated: auto` in the dump), adapter in safetensors.
    let gated = by_id("AjayMukundS/Llama2_7B_fine_tuned");
    assert!(has(gated, "warning", "access.gated", "gated"));
    assert!(!has(gated, "error", "weights.pickle_only", ""));
    // Fietje 2: MIT, documented, 230 downloads and 9 likes; no evaluation numbers in its card.
    let fietje = by_id("BramVanroy/fietje-2");
    assert_eq!(fietje["passed"], true, "{fietje}");
    assert!(has(
        fietje,
        "warning",
        "evaluation.required",
        "no evaluation evidence"
    ));
    assert!(!has(fietje, "warning", "adoption.min_downloads", ""));
    // A Llama 2 fine-tune: the base's licence needs review.
    assert!(has(
        by_id("2imi9/Llama2_7B_TeachingAssistant_Introduction_to_Computers"),
        "warning",
        "license.inherit",
        "meta-llama/Llama-2-7b, whose licence llama2 needs review"
    ));
    assert!(has(
        by_id("Americo/model2"),
        "error",
        "weights.pickle_only",
        "pytorch_model.bin"
    ));
    // Every audit names the policy and its hash, and the revision audited.
    for a in &audits {
        assert_eq!(a["policy"], "example");
        assert!(a["policy_hash"].as_str().unwrap().starts_with("sha1:"));
        assert!(a["revision"].is_string(), "{a}");
    }
}

/// Staleness is measured from `--as-of` when given, so an audit of a dated snapshot is
/// reproducible. BLOOM's `lastModified` in the dump is 2023-07-28T17:50:20Z: 522 whole days
/// before 2025-01-01 and 887 before 2026-01-01 (Python's `datetime` subtraction); the example
/// policy allows 730.
#[test]
fn staleness_is_measured_from_as_of() {
    let (_dir, db) = store();
    let audit_at = |day: &str| -> Value {
        let o = hubscope(
            &db,
            &[
                "audit",
                "--policy",
                POLICY,
                "--format",
                "json",
                "--as-of",
                day,
                "bigscience/bloom",
            ],
        );
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        serde_json::from_slice::<Vec<Value>>(&o.stdout)
            .unwrap()
            .remove(0)
    };
    let early = audit_at("2025-01-01");
    assert!(
        !has(&early, "warning", "maintenance.max_stale_days", ""),
        "{early}"
    );
    let late = audit_at("2026-01-01");
    assert!(
        has(
            &late,
            "warning",
            "maintenance.max_stale_days",
            "last changed 887 days ago"
        ),
        "{late}"
    );
    // The shortlist scores maintenance at the same moment: full marks when fresh.
    let o = hubscope(
        &db,
        &[
            "shortlist",
            "--task",
            "text-generation",
            "--format",
            "json",
            "--top",
            "100",
            "--as-of",
            "2023-07-29",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let list: Value = serde_json::from_slice(&o.stdout).unwrap();
    let bloom = list["shortlist"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["model_id"] == "bigscience/bloom")
        .unwrap();
    assert_eq!(bloom["maintenance"], 15.0, "changed a day before: {bloom}");
    let bad = hubscope(
        &db,
        &[
            "audit",
            "--policy",
            POLICY,
            "--as-of",
            "yesterday",
            "bigscience/bloom",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("\"yesterday\" is not a date"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

#[test]
fn exit_codes_gate_ci_and_formats_render() {
    let (dir, db) = store();
    // Passing models only: 0. A failing one: 1. An unknown model or a bad policy: 2.
    let o = hubscope(
        &db,
        &[
            "audit",
            "--policy",
            POLICY,
            "bigscience/bloom",
            "BramVanroy/fietje-2",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.starts_with("PASS bigscience/bloom @ "), "{table}");
    assert!(table.contains("warning  license.review"), "{table}");
    let o = hubscope(&db, &["audit", "--policy", POLICY, "12sebas/new_jar"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("FAIL 12sebas/new_jar"));
    let o = hubscope(&db, &["audit", "--policy", POLICY, "nobody/nothing"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("model nobody/nothing: not in the store"));
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\nversion = \"1\"\n[license]\nseverity = \"error\"\nallow = [\"mit\"]\ndeny = [\"MIT\"]\n").unwrap();
    let o = hubscope(
        &db,
        &[
            "audit",
            "--policy",
            bad.to_str().unwrap(),
            "bigscience/bloom",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("line 6: license: \"mit\" is both in `allow` and in `deny`"),
        "{stderr}"
    );

    // Every stored model, and Markdown and SARIF.
    let o = hubscope(
        &db,
        &["audit", "--policy", POLICY, "--all", "--format", "md"],
    );
    assert_eq!(o.status.code(), Some(1));
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(md.starts_with("# Audit against example 1.0"), "{md}");
    assert_eq!(
        md.lines().filter(|l| l.starts_with("| ")).count(),
        1 + 1_820,
        "header + models"
    );
    let o = hubscope(
        &db,
        &[
            "audit", "--policy", POLICY, "--query", "RoGemma", "--format", "sarif",
        ],
    );
    let sarif: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "hubscope");
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        assert!(matches!(r["level"].as_str(), Some("error" | "warning")));
        assert!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with("hf://OpenLLM-Ro/")
        );
    }

    // A README audited alone: the rules it has no facts for are listed, not failed.
    let readme = hubscope_corpus::path("cards/modelcard_template.md");
    let o = hubscope(
        &db,
        &[
            "audit",
            "--policy",
            POLICY,
            readme.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let audits: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    let not_checked: Vec<&str> = audits[0]["not_checked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        not_checked.contains(&"weights.pickle_only")
            && not_checked.contains(&"adoption.min_downloads")
    );
    assert!(
        has(
            &audits[0],
            "error",
            "sections.required",
            "present but not filled"
        ),
        "the template's placeholders"
    );
    ok(&hubscope(&db, &["db", "stats"]));
}

#[test]
fn the_catalog_records_decisions_refuses_failing_models_and_sees_drift() {
    let (dir, db) = store();
    let run = |args: &[&str]| hubscope(&db, args);
    ok(&run(&[
        "catalog",
        "add",
        "bigscience/bloom",
        "--by",
        "ana",
        "--reason",
        "multilingual generation",
    ]));
    let o = run(&["catalog", "add", "bigscience/bloom"]);
    assert_eq!(o.status.code(), Some(2), "already proposed");
    let stderr = ok(&run(&[
        "catalog",
        "approve",
        "bigscience/bloom",
        "--policy",
        POLICY,
        "--by",
        "ana",
    ]));
    assert!(
        stderr.contains("approved by ana (decision 2; policy example 1.0: passes)"),
        "{stderr}"
    );
    // A failing model is refused (exit 1, findings shown) unless overridden with a reason.
    let o = run(&[
        "catalog",
        "approve",
        "12sebas/new_jar",
        "--policy",
        POLICY,
        "--by",
        "bob",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("weights.pickle_only"));
    let o = run(&[
        "catalog",
        "approve",
        "12sebas/new_jar",
        "--policy",
        POLICY,
        "--override",
    ]);
    assert_eq!(o.status.code(), Some(2), "an override needs a reason");
    let stderr = ok(&run(&[
        "catalog",
        "approve",
        "12sebas/new_jar",
        "--policy",
        POLICY,
        "--by",
        "bob",
        "--override",
        "--reason",
        "internal demo only",
    ]));
    assert!(stderr.contains("FAILS — override recorded"), "{stderr}");
    assert_eq!(
        run(&["catalog", "approve", "bigscience/bloom"])
            .status
            .code(),
        Some(2),
        "no policy"
    );
    assert_eq!(
        run(&["catalog", "reject", "BramVanroy/fietje-2"])
            .status
            .code(),
        Some(2),
        "no reason"
    );
    assert_eq!(
        run(&[
            "catalog",
            "deprecate",
            "BramVanroy/fietje-2",
            "--reason",
            "old"
        ])
        .status
        .code(),
        Some(2),
        "not approved"
    );
    assert_eq!(
        run(&["catalog", "add", "nobody/nothing"]).status.code(),
        Some(2)
    );

    let o = run(&["catalog", "history", "bigscience/bloom", "--format", "json"]);
    let history: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["action"], "proposed");
    assert_eq!(history[0]["reason"], "multilingual generation");
    assert_eq!(history[1]["decided_by"], "ana");
    assert_eq!(history[1]["policy_name"], "example");
    assert!(
        history[1]["policy_hash"]
            .as_str()
            .unwrap()
            .starts_with("sha1:")
    );
    assert!(history[1]["card_sha1"].is_string() && history[1]["revision"].is_string());
    let o = run(&[
        "catalog", "list", "--status", "approved", "--format", "json",
    ]);
    let approved: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(approved.len(), 2);
    assert_eq!(approved[0]["model_id"], "12sebas/new_jar");
    assert_eq!(approved[0]["overridden"], true);
    let csv = String::from_utf8_lossy(&run(&["catalog", "export"]).stdout).to_string();
    assert_eq!(csv.lines().count(), 1 + 3);
    assert!(csv.starts_with("id,model_id,revision,card_sha1,action,decided_by"));

    // The log cannot be altered, not even by hand.
    let conn = rusqlite::Connection::open(&db).unwrap();
    for sql in [
        "UPDATE catalog_decisions SET action = 'rejected'",
        "DELETE FROM catalog_decisions",
    ] {
        let e = conn.execute(sql, []).unwrap_err().to_string();
        assert!(e.contains("append-only"), "{e}");
    }
    drop(conn);

    // Nothing changed upstream: no drift. Then BLOOM's card turns non-commercial upstream.
    ok(&run(&["catalog", "drift", "--policy", POLICY]));
    let readme = hubscope_corpus::readme("bigscience/bloom").replacen(
        "license: bigscience-bloom-rail-1.0",
        "license: cc-by-nc-4.0",
        1,
    );
    assert!(readme.contains("license: cc-by-nc-4.0"));
    let cards = dir.path().join("bloom.jsonl");
    std::fs::write(
        &cards,
        serde_json::json!({"id": "bigscience/bloom", "readme": readme}).to_string(),
    )
    .unwrap();
    ok(&run(&["ingest", "cards", cards.to_str().unwrap()]));
    let o = run(&["catalog", "drift", "--policy", POLICY]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("FAIL bigscience/bloom (card changed): now fails"),
        "{out}"
    );
    assert!(out.contains("licence cc-by-nc-4.0 is denied"), "{out}");
}

#[test]
fn shortlist_ranks_on_evidence_and_compare_sets_models_side_by_side() {
    let (_dir, db) = store();
    let o = hubscope(
        &db,
        &[
            "shortlist",
            "--task",
            "text-generation",
            "--policy",
            POLICY,
            "--top",
            "5",
            "--format",
            "json",
        ],
    );
    ok(&o);
    let list: Value = serde_json::from_slice(&o.stdout).unwrap();
    let shown = list["shortlist"].as_array().unwrap();
    assert_eq!(shown.len(), 5);
    let totals: Vec<f64> = shown.iter().map(|r| r["total"].as_f64().unwrap()).collect();
    assert!(
        totals.windows(2).all(|w| w[0] >= w[1]),
        "best first: {totals:?}"
    );
    for r in shown {
        let parts: f64 = [
            "documentation",
            "evaluation",
            "adoption",
            "maintenance",
            "license",
        ]
        .iter()
        .map(|k| r[*k].as_f64().unwrap())
        .sum();
        assert!((parts - r["total"].as_f64().unwrap()).abs() < 1e-9, "{r}");
    }
    // A pickle-only BLOOM fine-tune without a licence fails the policy: set apart, with why.
    let failing = list["failing_policy"].as_array().unwrap();
    let jar = failing
        .iter()
        .find(|f| f["model_id"] == "12sebas/new_jar")
        .unwrap();
    assert!(jar["errors"].to_string().contains("pickle"), "{jar}");
    assert!(!shown.iter().any(|r| r["model_id"] == "12sebas/new_jar"));
    // Filters: MIT only leaves MIT models (fietje-2 among them).
    let o = hubscope(
        &db,
        &[
            "shortlist",
            "--task",
            "text-generation",
            "--license-allow",
            "mit",
            "--top",
            "50",
            "--format",
            "json",
        ],
    );
    let mit: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        mit["shortlist"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["model_id"] == "BramVanroy/fietje-2")
    );
    let o = hubscope(&db, &["shortlist", "--task", "no-such-task"]);
    assert_eq!(o.status.code(), Some(2));

    let o = hubscope(
        &db,
        &[
            "compare",
            "bigscience/bloom",
            "BramVanroy/fietje-2",
            "12sebas/new_jar",
            "--policy",
            POLICY,
            "--format",
            "json",
        ],
    );
    ok(&o);
    let models: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(models[0]["licence"], "bigscience-bloom-rail-1.0");
    assert_eq!(models[1]["licence"], "mit");
    assert_eq!(models[1]["base models"], "microsoft/phi-2");
    assert_eq!(models[2]["pickle-only weights"], "YES");
    assert_eq!(models[0]["audit"]["passed"], true);
    assert_eq!(models[2]["audit"]["passed"], false);
    let o = hubscope(&db, &["compare", "bigscience/bloom", "nobody/nothing"]);
    assert_eq!(o.status.code(), Some(2));
}

/// The SARIF output validates against the official SARIF 2.1.0 JSON schema (the schema file
/// `scripts/test.sh` fetches, `HUBSCOPE_SARIF_SCHEMA`), with Python's jsonschema
/// (`HUBSCOPE_PYTHON`), over every finding of the 1,820 real models.
#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let (Some(python), Some(schema)) = (
        hubscope_corpus::peer("HUBSCOPE_PYTHON"),
        hubscope_corpus::peer("HUBSCOPE_SARIF_SCHEMA"),
    ) else {
        return;
    };
    let (dir, db) = store();
    let sarif = dir.path().join("all.sarif");
    let o = hubscope(
        &db,
        &[
            "audit",
            "--policy",
            POLICY,
            "--all",
            "--format",
            "sarif",
            "--out",
            sarif.to_str().unwrap(),
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let script = "import json, sys, jsonschema\n\
                  schema = json.load(open(sys.argv[1]))\n\
                  doc = json.load(open(sys.argv[2]))\n\
                  errors = list(jsonschema.Draft4Validator(schema).iter_errors(doc))\n\
                  print(len(errors), len(doc['runs'][0]['results']))\n\
                  for e in errors[:5]: print(list(e.path), e.message[:200])\n";
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(&schema)
        .arg(&sarif)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut counts = stdout.split_whitespace();
    assert_eq!(counts.next(), Some("0"), "schema errors: {stdout}");
    let results: usize = counts.next().unwrap().parse().unwrap();
    assert!(results > 10_000, "{stdout}");
}

/// `--fetch` crawls a model missing from the store, and its base model, from the Hub (a
/// loopback Hub serving the real dumps), then audits it; a model the Hub does not have is exit 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_crawls_missing_models_and_their_bases_first() {
    let data = std::sync::Arc::new(
        hubscope_testhub::HubData::load(
            Some(&hubscope_corpus::path("hub/models.jsonl")),
            Some(&hubscope_corpus::path("hub/readmes.jsonl")),
            None,
            None,
        )
        .unwrap(),
    );
    let hub = hubscope_testhub::TestHub::start(data).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fetched.db");
    let command = |args: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hubscope"));
        cmd.arg("--db").arg(&db).args(args);
        cmd.env("HF_ENDPOINT", hub.url())
            .env_remove("HF_TOKEN")
            .env("HF_HOME", dir.path().join("hf-home"))
            .env_remove("HF_HUB_OFFLINE");
        cmd
    };
    let mut cmd = command(&[
        "audit",
        "--policy",
        POLICY,
        "--fetch",
        "12sebas/new_jar",
        "--format",
        "json",
    ]);
    let o = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    let audits: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(audits.len(), 1);
    assert!(has(
        &audits[0],
        "error",
        "weights.pickle_only",
        "pytorch_model.bin"
    ));
    // The base was fetched too: its licence is known, not "not known here".
    assert!(
        has(
            &audits[0],
            "warning",
            "license.inherit",
            "bigscience/bloom, whose licence bigscience-bloom-rail-1.0 needs review"
        ),
        "{:?}",
        findings(&audits[0])
    );
    let mut cmd = command(&[
        "audit",
        "--policy",
        POLICY,
        "--fetch",
        "nobody/no-such-model",
    ]);
    let o = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("nobody/no-such-model"));
    // An id that starts with a dash is an id to fetch, not a flag of an inner command line.
    let mut cmd = command(&["audit", "--policy", POLICY, "--fetch", "--", "-dash/model"]);
    let o = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("-dash/model") && !stderr.contains("unexpected argument"),
        "{stderr}"
    );
}

/// Without `--by`, the decider is `$USER`, else (no login variables, as in containers and
/// cron jobs) the account of the process's user id, as `id -un` prints it.
#[test]
fn decisions_without_by_name_the_os_user() {
    let (_dir, db) = store();
    let add = |model: &str, user: Option<&str>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_hubscope"));
        command.arg("--db").arg(&db).args(["catalog", "add", model]);
        command
            .env_remove("USER")
            .env_remove("USERNAME")
            .env_remove("LOGNAME");
        if let Some(user) = user {
            command.env("USER", user);
        }
        ok(&command.output().unwrap());
        let history = hubscope(&db, &["catalog", "history", model, "--format", "json"]);
        let history: Vec<Value> = serde_json::from_slice(&history.stdout).unwrap();
        history[0]["decided_by"].as_str().unwrap().to_string()
    };
    assert_eq!(add("bigscience/bloom", Some("bea")), "bea");
    let id = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    let expected = String::from_utf8_lossy(&id.stdout).trim().to_string();
    assert!(!expected.is_empty(), "id -un printed nothing");
    assert_eq!(add("BramVanroy/fietje-2", None), expected);
}

/// Rows from the Hub in shapes the API does not document (a licence that is a number or a list,
/// a cardData that is a string, files without names, a date that is not one, negative or
/// textual counts, a model that is its own base): audited on what can be read, never a panic.
/// The rows are written here, not taken from `../shared/data`.
#[test]
fn hostile_rows_are_audited_on_what_can_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hostile.db");
    let rows = dir.path().join("hostile.jsonl");
    std::fs::write(
        &rows,
        concat!(
            r#"{"id":"x/license-number","sha":"a","createdAt":"2024-01-01T00:00:00.000Z","lastModified":"not a date","downloads":-5,"likes":"many","gated":"manual","cardData":{"license":42,"language":[1,["en"]],"base_model":{"x":1},"datasets":"one"},"siblings":[{"rfilename":"pytorch_model.bin"},{"name":"x"},7]}"#,
            "\n",
            r#"{"id":"x/license-list","sha":"b","createdAt":"2024-01-01T00:00:00.000Z","cardData":{"license":["mit","cc-by-nc-4.0"],"base_model":["x/license-number","x/license-list"]},"siblings":"nope","safetensors":{"total":"big"}}"#,
            "\n",
            r#"{"id":"x/card-string","sha":"c","createdAt":"2024-01-01T00:00:00.000Z","cardData":"license: mit","private":"yes"}"#,
            "\n",
            r#"{"id":"x/other","sha":"d","cardData":{"license":"other","license_name":null,"base_model":"x/other"}}"#,
            "\n",
        ),
    )
    .unwrap();
    ok(&hubscope(
        &db,
        &["ingest", "models", rows.to_str().unwrap()],
    ));
    let o = hubscope(
        &db,
        &["audit", "--all", "--policy", POLICY, "--format", "json"],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let audits: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(audits.len(), 4);
    let by_id = |id: &str| audits.iter().find(|a| a["model_id"] == id).unwrap();
    let number = by_id("x/license-number");
    assert!(
        has(number, "error", "weights.pickle_only", "pytorch_model.bin"),
        "{number}"
    );
    assert!(has(number, "warning", "access.gated", ""), "{number}");
    assert!(
        has(number, "error", "license", "no licence declared"),
        "{number}"
    );
    let list = by_id("x/license-list");
    assert!(has(list, "error", "license", "not recognised"), "{list}");
    assert!(
        has(
            list,
            "warning",
            "license.inherit",
            "derived from x/license-number"
        ),
        "{list}"
    );
    assert!(has(by_id("x/card-string"), "error", "access.private", ""));
    let other = by_id("x/other");
    assert!(
        has(
            other,
            "error",
            "license",
            "without license_name or license_link"
        ),
        "{other}"
    );
    assert!(
        !has(other, "warning", "license.inherit", ""),
        "its own base is no ancestor"
    );
}
