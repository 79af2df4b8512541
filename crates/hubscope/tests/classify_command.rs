//! `hubscope classify` on the real Hub discussions of `../shared/data/forum/hub-discussions.jsonl`
//! (lexical, and embedding with the model `scripts/fetch-model.sh` installs), `classify train`
//! on the hand-coded set of `crates/taxonomy/labels/hub-discussions.csv` with a held-out part,
//! and `classify eval` on predictions against gold codes.
#![allow(clippy::unwrap_used)]

use std::process::Command;

mod common;

use common::{labels, thread_texts};

fn hubscope(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hubscope"))
        .args(args)
        .output()
        .unwrap()
}

/// As a user runs it: without the CANDLE_NUM_THREADS that `.cargo/config.toml` gives tests, so
/// the binary re-executes itself with it.
fn hubscope_as_installed(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hubscope"))
        .env_remove("CANDLE_NUM_THREADS")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn classify_real_threads_and_report_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("topics.jsonl");
    let mut text = String::new();
    for line in hubscope_corpus::read_to_string("forum/hub-discussions.jsonl")
        .lines()
        .take(2_000)
    {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let comments: Vec<&str> = v["comments"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["hidden"] != true)
            .filter_map(|c| c["text"].as_str())
            .collect();
        let topic = serde_json::json!({
            "id": format!("{}#{}", v["repo_id"].as_str().unwrap(), v["num"]),
            "title": v["title"],
            "body": comments.join("\n\n"),
            "replies": comments.len().saturating_sub(1),
        });
        text.push_str(&topic.to_string());
        text.push('\n');
    }
    text.push_str("{broken\n{\"title\": \"no id\"}\n{\"id\": 7, \"text\": \"\"}\n");
    text.push_str(&format!(
        "{{\"id\": 8, \"text\": \"{}\"}}\n",
        "CUDA out of memory on the GPU ".repeat(5_000)
    ));
    std::fs::write(&input, text).unwrap();
    let out = dir.path().join("pred.jsonl");
    let o = hubscope(&[
        "classify",
        "--method",
        "lexical",
        "--input",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("2002 topics"), "{stderr}");
    assert!(
        stderr.contains("1 with no text") && stderr.contains("1 cut at 100 KB"),
        "{stderr}"
    );
    assert!(
        stderr.contains(":2001: skipped, not JSON") && stderr.contains(":2002: skipped, no id"),
        "{stderr}"
    );
    let preds: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(preds.len(), 2002);
    for p in &preds {
        let c = p["category_id"].as_u64().unwrap();
        assert!(c <= 17, "{p}");
        assert!(p["confidence"].as_f64().unwrap() <= 1.0);
    }
    assert_eq!(preds[2001]["id"], 8);
    assert_eq!(preds[2001]["category_id"], 3, "memory, whatever its length");
    // The first real thread: "Great performance on this, would love to see a model card".
    assert_eq!(preds[0]["id"], "0-hero/flan-OIG-base#2");

    // Scores against gold codes (ids as numbers or strings, codes as numbers or strings).
    let gold = dir.path().join("gold.jsonl");
    let pred = dir.path().join("p.jsonl");
    std::fs::write(&gold, "{\"id\":1,\"category_id\":1}\n{\"id\":2,\"category_id\":1}\n{\"id\":\"3\",\"category_id\":\"1\"}\n{\"id\":4,\"category_id\":2}\n{\"id\":5,\"category_id\":2}\n{\"id\":6,\"category_id\":3}\n{\"id\":9,\"category_id\":3}\n").unwrap();
    std::fs::write(&pred, "{\"id\":1,\"category_id\":1}\n{\"id\":2,\"category_id\":1}\n{\"id\":3,\"category_id\":2}\n{\"id\":4,\"category_id\":2}\n{\"id\":5,\"category_id\":3}\n{\"id\":6,\"category_id\":3}\n").unwrap();
    let o = hubscope(&[
        "classify",
        "eval",
        "--gold",
        gold.to_str().unwrap(),
        "--pred",
        pred.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let e: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(e["items"], 6);
    assert!((e["accuracy"].as_f64().unwrap() - 4.0 / 6.0).abs() < 1e-12);
    assert!((e["macro_f1"].as_f64().unwrap() - (0.8 + 0.5 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
    assert!(String::from_utf8_lossy(&o.stderr).contains("1 gold ids have no prediction"));
    assert!(
        e["by_coverage"].as_array().unwrap().is_empty(),
        "no confidences given"
    );
    // With confidences (`classify` writes them): accuracy of the most confident first. The
    // two wrong predictions (3 and 5) are the least confident.
    std::fs::write(&pred, "{\"id\":1,\"category_id\":1,\"confidence\":0.9}\n{\"id\":2,\"category_id\":1,\"confidence\":0.8}\n{\"id\":3,\"category_id\":2,\"confidence\":0.2}\n{\"id\":4,\"category_id\":2,\"confidence\":0.7}\n{\"id\":5,\"category_id\":3,\"score\":0.1}\n{\"id\":6,\"category_id\":3,\"confidence\":0.6}\n").unwrap();
    let o = hubscope(&[
        "classify",
        "eval",
        "--gold",
        gold.to_str().unwrap(),
        "--pred",
        pred.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("most confident  50 %:      3 items, accuracy 1.000"),
        "{text}"
    );
    assert!(
        text.contains("most confident 100 %:      6 items, accuracy 0.667"),
        "{text}"
    );
    std::fs::write(&pred, "{\"id\":1}\n").unwrap();
    let o = hubscope(&[
        "classify",
        "eval",
        "--gold",
        gold.to_str().unwrap(),
        "--pred",
        pred.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("p.jsonl:1: no category_id"));
}

/// The lexical classifier's agreement recorded in the built-in classifier's file (what `classify`
/// cites and the report corrects shares with) is what the lexical classifier scores today on the
/// hand-coded threads: a codebook or keyword change that is not followed by retraining the
/// built-in file fails here.
#[test]
fn the_recorded_lexical_agreement_is_the_lexical_classifiers_own() {
    let dir = tempfile::tempdir().unwrap();
    let labels = labels();
    let wanted: std::collections::HashSet<&str> = labels.iter().map(|l| l.0.as_str()).collect();
    let threads: String = hubscope_corpus::read_to_string("forum/hub-discussions.jsonl")
        .lines()
        .filter(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let id = format!("{}#{}", v["repo_id"].as_str().unwrap(), v["num"]);
            wanted.contains(id.as_str())
        })
        .map(|line| format!("{line}\n"))
        .collect();
    let gold: String = labels
        .iter()
        .map(|(id, code, _, _)| format!("{}\n", serde_json::json!({"id": id, "category_id": code})))
        .collect();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    std::fs::write(path("threads.jsonl"), threads).unwrap();
    std::fs::write(path("gold.jsonl"), gold).unwrap();
    let o = hubscope(&[
        "classify",
        "--method",
        "lexical",
        "--input",
        &path("threads.jsonl"),
        "--out",
        &path("pred.jsonl"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = hubscope(&[
        "classify",
        "eval",
        "--gold",
        &path("gold.jsonl"),
        "--pred",
        &path("pred.jsonl"),
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let scored: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(scored["items"], labels.len());
    let file: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../taxonomy/labels/classifier-all-MiniLM-L6-v2.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let recorded = &file["training"]["cross_validation"]["agreement"]["lexical"];
    for key in ["accuracy", "kappa"] {
        let (now, then) = (
            scored[key].as_f64().unwrap(),
            recorded[key].as_f64().unwrap(),
        );
        assert!(
            (now - then).abs() < 1e-12,
            "{key}: {now} today, {then} recorded"
        );
    }
}

/// Held-out accuracy of the embedding classifier: trained on four fifths of the labelled set
/// (stratified, seed 11), scored on the fifth it never saw, with all-MiniLM-L6-v2 at 64 tokens
/// (measured values with the floors below); the lexical classifier on the same fifth is
/// asserted lower, so the floor is not one any classifier meets.
#[test]
fn embedding_classifier_trained_on_labels_beats_the_lexical_one_on_held_out_threads() {
    let model = hubscope_corpus::model_dir();
    let dir = tempfile::tempdir().unwrap();
    let labels = labels();
    let finals: Vec<u16> = labels.iter().map(|l| l.1).collect();
    let folds = hubscope_taxonomy::vector::stratified_folds(&finals, 5, 11);
    let texts = thread_texts();
    let (mut train, mut held, mut gold) = (
        String::from("id,category_id,text_category_id,replies\n"),
        String::new(),
        String::new(),
    );
    for ((id, code, text_code, replies), fold) in labels.iter().zip(&folds) {
        if *fold == 0 {
            let (title, body) = &texts[id];
            let topic =
                serde_json::json!({"id": id, "title": title, "body": body, "replies": replies});
            held.push_str(&format!("{topic}\n"));
            gold.push_str(&format!(
                "{}\n",
                serde_json::json!({"id": id, "category_id": code})
            ));
        } else {
            train.push_str(&format!("{id},{code},{text_code},{replies}\n"));
        }
    }
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    std::fs::write(path("train.csv"), train).unwrap();
    std::fs::write(path("held.jsonl"), held).unwrap();
    std::fs::write(path("gold.jsonl"), gold).unwrap();
    let dump = hubscope_corpus::path("forum/hub-discussions.jsonl");
    let o = hubscope(&[
        "classify",
        "train",
        "--labels",
        &path("train.csv"),
        "--texts",
        dump.to_str().unwrap(),
        "--model-dir",
        model.to_str().unwrap(),
        "--max-tokens",
        "64",
        "--folds",
        "0",
        "--out",
        &path("classifier.json"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let score = |method: &str| -> serde_json::Value {
        let pred = path(&format!("{method}.jsonl"));
        let o = hubscope(&[
            "classify",
            "--method",
            method,
            "--model-dir",
            model.to_str().unwrap(),
            "--classifier",
            &path("classifier.json"),
            "--input",
            &path("held.jsonl"),
            "--out",
            &pred,
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let o = hubscope(&[
            "classify",
            "eval",
            "--gold",
            &path("gold.jsonl"),
            "--pred",
            &pred,
            "--json",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let embedding = score("embedding");
    let lexical = score("lexical");
    let (e_acc, e_f1) = (
        embedding["accuracy"].as_f64().unwrap(),
        embedding["macro_f1"].as_f64().unwrap(),
    );
    let (x_acc, x_f1) = (
        lexical["accuracy"].as_f64().unwrap(),
        lexical["macro_f1"].as_f64().unwrap(),
    );
    assert_eq!(embedding["items"], 130);
    // Its confidence means something: the most confident quarter is right more often than
    // all of its predictions together (what `sample --uncertain` relies on).
    let curve = embedding["by_coverage"].as_array().unwrap();
    assert_eq!(curve.len(), 4);
    let quarter = curve[0]["accuracy"].as_f64().unwrap();
    assert!(quarter > e_acc + 0.1, "top quarter {quarter}, all {e_acc}");
    assert!(
        e_acc >= EMBEDDING_ACCURACY_FLOOR,
        "held-out accuracy {e_acc}"
    );
    assert!(e_f1 >= EMBEDDING_MACRO_F1_FLOOR, "held-out macro-F1 {e_f1}");
    assert!(
        e_acc > x_acc + 0.1 && e_f1 > x_f1,
        "embedding {e_acc}/{e_f1}, lexical {x_acc}/{x_f1}"
    );
}

/// Measured on the held-out fifth (130 threads): accuracy 0.631, macro-F1 0.563; the floors
/// leave room for last-digit differences of the matrix products between machines, not more.
const EMBEDDING_ACCURACY_FLOOR: f64 = 0.60;
const EMBEDDING_MACRO_F1_FLOOR: f64 = 0.52;

/// Classifying the store again embeds only what is new: 200 real threads are embedded once,
/// their vectors kept in the store; a second run takes every vector from there and gives the
/// same codes, and a thread added since is the only one embedded.
#[test]
fn a_second_classification_of_the_store_embeds_only_new_threads() {
    let model = hubscope_corpus::model_dir();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kept.db");
    let threads: Vec<String> = hubscope_corpus::read_to_string("forum/hub-discussions.jsonl")
        .lines()
        .take(201)
        .map(str::to_string)
        .collect();
    let dump = dir.path().join("threads.jsonl");
    let ingest = |lines: &[String]| {
        std::fs::write(&dump, lines.join("\n")).unwrap();
        let db = db.to_str().unwrap();
        let o = hubscope(&["--db", db, "ingest", "discussions", dump.to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let classify = || {
        let o = hubscope(&[
            "--db",
            db.to_str().unwrap(),
            "classify",
            "--method",
            "embedding",
            "--model-dir",
            model.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(o.status.success(), "{stderr}");
        let codes = hubscope_store::Store::open_existing(&db)
            .unwrap()
            .codes()
            .unwrap()
            .into_iter()
            .map(|c| (c.item_id, c.category_id, c.subcategory))
            .collect::<Vec<_>>();
        (stderr, codes)
    };
    ingest(&threads[..200]);
    let (first, codes) = classify();
    assert!(first.contains("200 topics"), "{first}");
    assert!(!first.contains("found in the store"), "{first}");
    let (again, same) = classify();
    assert!(
        again.contains(
            "200 of the 200 vectors were found in the store (texts embedded before); 0 embedded now"
        ),
        "{again}"
    );
    assert_eq!(codes, same);
    ingest(&threads);
    let (more, _) = classify();
    assert!(
        more.contains(
            "200 of the 201 vectors were found in the store (texts embedded before); 1 embedded now"
        ),
        "{more}"
    );
}

#[test]
fn the_built_in_classifier_classifies_real_threads_and_refuses_a_foreign_one() {
    let model = hubscope_corpus::model_dir();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("topics.jsonl");
    // Three real threads of the dump read in its own shape, and three plain texts.
    let mut lines: Vec<String> = hubscope_corpus::read_to_string("forum/hub-discussions.jsonl")
        .lines()
        .take(3)
        .map(str::to_string)
        .collect();
    for (id, text) in [
        (
            1,
            "CUDA out of memory when loading the 70B model on my 24GB GPU, how much VRAM do I need?",
        ),
        (2, "Thank you so much, amazing model, great work!"),
        (
            3,
            "Can I use this model in a commercial product? What is the license?",
        ),
    ] {
        lines.push(serde_json::json!({"id": id, "text": text, "replies": 2}).to_string());
    }
    std::fs::write(&input, lines.join("\n")).unwrap();
    let out = dir.path().join("pred.jsonl");
    let o = hubscope_as_installed(&[
        "classify",
        "--model-dir",
        model.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success() && stderr.contains("embedding"),
        "{stderr}"
    );
    let preds: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(preds.len(), 6);
    assert_eq!(preds[0]["id"], "0-hero/flan-OIG-base#2");
    let category = |i: usize| preds[i]["category_id"].as_u64().unwrap();
    assert_eq!(
        (category(3), category(4), category(5)),
        (3, 0, 17),
        "{preds:?}"
    );
    assert!(preds[3]["subcategory"].as_str().is_some(), "{}", preds[3]);
    assert!(preds[3]["confidence"].as_f64().unwrap() > 0.3);

    // Weights of another model (a changed probe vector) are refused, naming the fix.
    let train = dir.path().join("labels.csv");
    std::fs::write(
        &train,
        "id,category_id,text\na,3,CUDA out of memory\nb,0,thanks a lot\nc,17,which license\nd,99,bad code\na,1,twice\ne,2,\n",
    )
    .unwrap();
    let weights = dir.path().join("c.json");
    let o = hubscope(&[
        "classify",
        "train",
        "--labels",
        train.to_str().unwrap(),
        "--model-dir",
        model.to_str().unwrap(),
        "--folds",
        "0",
        "--out",
        weights.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stderr.contains("labels.csv:5: left out, d: category 99 is not in the codebook"),
        "{stderr}"
    );
    assert!(
        stderr.contains("labels.csv:6: left out, a: the id appears twice"),
        "{stderr}"
    );
    assert!(
        stderr.contains("labels.csv:7: left out, e: no text"),
        "{stderr}"
    );
    let mut file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&weights).unwrap()).unwrap();
    assert_eq!(file["training"]["examples"], 3);
    for v in file["probe"].as_array_mut().unwrap() {
        *v = serde_json::json!(-v.as_f64().unwrap());
    }
    std::fs::write(&weights, file.to_string()).unwrap();
    let o = hubscope(&[
        "classify",
        "--model-dir",
        model.to_str().unwrap(),
        "--classifier",
        weights.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("is another one") && stderr.contains("retrain"),
        "{stderr}"
    );
    std::fs::write(&weights, "{\"format\": 1}").unwrap();
    let o = hubscope(&[
        "classify",
        "--method",
        "embedding",
        "--model-dir",
        model.to_str().unwrap(),
        "--classifier",
        weights.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a hubscope classifier file"));
}

#[test]
fn the_installed_model_is_found_from_any_folder_and_its_absence_is_loud() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("topics.jsonl");
    std::fs::write(
        &input,
        "{\"id\":1,\"title\":\"CUDA out of memory\",\"body\":\"The model does not fit on my GPU.\"}\n\
         {\"id\":2,\"title\":\"Thanks\",\"body\":\"Great model, thank you!\"}\n",
    )
    .unwrap();
    // Installed where scripts/fetch-model.sh puts it, under XDG_DATA_HOME.
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("hubscope/models")).unwrap();
    std::os::unix::fs::symlink(
        hubscope_corpus::model_dir(),
        data.join("hubscope/models/all-MiniLM-L6-v2"),
    )
    .unwrap();
    let run = |data: &std::path::Path| {
        let o = Command::new(env!("CARGO_BIN_EXE_hubscope"))
            .current_dir(dir.path())
            .env_remove("HUBSCOPE_MODEL_DIR")
            .env("HF_HOME", dir.path().join("hf-home"))
            .env_remove("HF_HUB_CACHE")
            .env("XDG_DATA_HOME", data)
            .args(["classify", "--input"])
            .arg(&input)
            .arg("--out")
            .arg(dir.path().join("codes.jsonl"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let found = run(&data);
    assert!(!found.contains("warning:"), "{found}");
    assert!(found.contains("embedding"), "{found}");
    let missing = run(&dir.path().join("nothing-here"));
    assert!(
        missing.contains("warning: the embedding classifier is unavailable"),
        "{missing}"
    );
    assert!(missing.contains("lexical"), "{missing}");
}
