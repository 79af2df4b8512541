//! Mention counting over the real Hub discussions of `../shared/data/forum/hub-discussions.jsonl`
//! (22,868 threads, ~31 MB of titles and visible comments), with the built-in family table
//! (262 families, 450+ names and aliases): bytes of text per second, on every core (rayon) and
//! on one (target ≥ 200 MB/s on 2 cores).
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hubscope_mentions::{CountOptions, Document, FamilyTable, Matcher, Tally, discussion_document};
use hubscope_source::DiscussionReader;

fn documents() -> Vec<Document> {
    let path = hubscope_corpus::path("forum/hub-discussions.jsonl");
    let mut reader = DiscussionReader::open(&path, 1_000).unwrap();
    let mut docs = Vec::new();
    while let Some(batch) = reader.next_batch().unwrap() {
        for thread in batch.records {
            let id = docs.len() as i64;
            docs.extend(discussion_document(&thread, id));
        }
    }
    docs
}

fn bench(c: &mut Criterion) {
    let docs = documents();
    let bytes: u64 = docs.iter().map(|d| d.text.len() as u64).sum();
    let table = FamilyTable::builtin();
    let families = table.families.len();
    let matcher = Matcher::new(table.families).unwrap();
    eprintln!(
        "{} documents, {:.1} MB, {families} families",
        docs.len(),
        bytes as f64 / 1e6
    );
    let mut group = c.benchmark_group("mentions");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Bytes(bytes));
    let count = |options: CountOptions| {
        let mut tally = Tally::new(families);
        tally.add(&matcher, &docs, options);
        tally
    };
    group.bench_function("count, all cores", |b| {
        b.iter(|| count(CountOptions::default()))
    });
    group.bench_function("count --skip-code, all cores", |b| {
        b.iter(|| {
            count(CountOptions {
                skip_code: true,
                review: false,
            })
        })
    });
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    group.bench_function("count, one core", |b| {
        b.iter(|| one.install(|| count(CountOptions::default())))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
