//! The proof-of-concept probe on real labelled texts: the 648 hand-coded Hub discussions of
//! `crates/taxonomy/labels/hub-discussions.csv` (texts from
//! `../shared/data/forum/hub-discussions.jsonl`), embedded once with all-MiniLM-L6-v2 at 64
//! tokens, then cross-validated (5 folds) as `hubscope poc` does. Run with
//! `cargo bench -p hubscope-govern --bench poc`; needs `scripts/fetch-model.sh`.

use std::collections::HashMap;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hubscope_embed::Encoder;
use hubscope_govern::{ProbeOptions, cross_validate};

fn labelled() -> (Vec<String>, Vec<usize>, Vec<String>) {
    let texts: HashMap<String, String> =
        hubscope_corpus::read_to_string("forum/hub-discussions.jsonl")
            .lines()
            .map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).expect("json line");
                let first = v["comments"][0]["text"].as_str().unwrap_or("");
                let id = format!("{}#{}", v["repo_id"].as_str().unwrap_or(""), v["num"]);
                (
                    id,
                    format!("{}\n{first}", v["title"].as_str().unwrap_or("")),
                )
            })
            .collect();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../taxonomy/labels/hub-discussions.csv"
    );
    let mut names: Vec<String> = Vec::new();
    let (mut out_texts, mut labels) = (Vec::new(), Vec::new());
    for record in csv::Reader::from_path(path).expect("labels").records() {
        let record = record.expect("label row");
        let label = record[2].to_string();
        let index = match names.iter().position(|n| *n == label) {
            Some(i) => i,
            None => {
                names.push(label);
                names.len() - 1
            }
        };
        out_texts.push(texts.get(&record[0]).cloned().unwrap_or_default());
        labels.push(index);
    }
    (out_texts, labels, names)
}

fn bench(c: &mut Criterion) {
    let (texts, labels, names) = labelled();
    let encoder = Encoder::load(&hubscope_corpus::model_dir())
        .and_then(|e| e.with_max_tokens(64))
        .expect("load the model");
    let vectors = encoder.encode(&texts).expect("encode");
    let mut group = c.benchmark_group("poc");
    group.sample_size(10);
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.bench_function("probe, 5-fold cross-validation, 648 real threads", |b| {
        b.iter(|| cross_validate(&vectors, &labels, &names, &ProbeOptions::default()).expect("cv"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
