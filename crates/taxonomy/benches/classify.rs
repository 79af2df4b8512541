//! The lexical classifier over the real Hub discussions of
//! `../shared/data/forum/hub-discussions.jsonl` (22,868 threads: title and visible comments),
//! one core and all cores (target ≥ 5,000 posts/s); and the shares of its predictions
//! corrected for its confusion on the 648 hand-coded threads, with 1,000 bootstrap replicates.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hubscope_taxonomy::{
    Agreement, Codebook, LexicalClassifier, QuantifyOptions, adjusted_shares, evaluate,
};
use rayon::prelude::*;

fn bench(c: &mut Criterion) {
    let texts: Vec<String> = hubscope_corpus::read_to_string("forum/hub-discussions.jsonl")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let mut text = v["title"].as_str().unwrap_or("").to_string();
            for comment in v["comments"].as_array().unwrap() {
                if comment["hidden"] != true {
                    text.push_str("\n\n");
                    text.push_str(comment["text"].as_str().unwrap_or(""));
                }
            }
            text
        })
        .collect();
    let classifier = LexicalClassifier::new(&Codebook::challenges(), &[]);
    let mut group = c.benchmark_group("classify");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.bench_function("lexical, all cores", |b| {
        b.iter(|| {
            texts
                .par_iter()
                .map(|t| classifier.classify(t, None).category_id as u64)
                .sum::<u64>()
        })
    });
    group.bench_function("lexical, one core", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| classifier.classify(t, None).category_id as u64)
                .sum::<u64>()
        })
    });
    group.finish();

    // The confusion as `classify train` measures it: the lexical classifier on the hand-coded
    // threads of crates/taxonomy/labels/hub-discussions.csv against their final codes.
    let threads: std::collections::HashMap<String, (String, u64)> =
        hubscope_corpus::read_to_string("forum/hub-discussions.jsonl")
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let visible: Vec<&str> = v["comments"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|c| c["hidden"] != true)
                    .filter_map(|c| c["text"].as_str())
                    .collect();
                let text = format!(
                    "{}\n\n{}",
                    v["title"].as_str().unwrap_or(""),
                    visible.first().unwrap_or(&"")
                );
                let id = format!("{}#{}", v["repo_id"].as_str().unwrap(), v["num"]);
                (id, (text, visible.len().saturating_sub(1) as u64))
            })
            .collect();
    let labels = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/labels/hub-discussions.csv"
    ))
    .unwrap();
    let (mut gold, mut predicted) = (Vec::new(), Vec::new());
    for line in labels.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let (text, replies) = &threads[cells[0]];
        gold.push(cells[1].parse::<u32>().unwrap());
        predicted.push(u32::from(
            classifier.classify(text, Some(*replies)).category_id,
        ));
    }
    let agreement = Agreement::from_evaluation(&evaluate(&gold, &predicted).unwrap(), "bench");
    let codes: Vec<u16> = texts
        .par_iter()
        .map(|t| classifier.classify(t, None).category_id)
        .collect();
    let mut group = c.benchmark_group("quantify");
    group.sample_size(10);
    group.throughput(Throughput::Elements(codes.len() as u64));
    group.bench_function("adjusted shares, 1,000 bootstrap replicates", |b| {
        b.iter(|| adjusted_shares(&agreement, &codes, &QuantifyOptions::default()).len())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
