//! `hubscope classify` on the real Hub discussions of `../shared/data/forum/hub-discussions.jsonl`
//! and `classify eval` on predictions against gold codes.
#![allow(clippy::unwrap_used)]

use std::process::Command;

fn hubscope(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hubscope"))
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
        assert!(p["score"].as_f64().unwrap() <= 1.0);
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
