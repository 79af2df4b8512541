//! The lexical classifier over the real Hub discussions of
//! `../shared/data/forum/hub-discussions.jsonl` (22,868 threads: title and visible comments),
//! one core and all cores (target ≥ 5,000 posts/s).
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hubscope_taxonomy::{Codebook, LexicalClassifier};
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
}

criterion_group!(benches, bench);
criterion_main!(benches);
