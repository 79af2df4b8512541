//! Throughput of the card engine on the 1,820 real cards of `hub/readmes.jsonl`.
//!
//! - `full/1-thread`: the full analysis, one core (target: ≥ 50 MB/s).
//! - `full/rayon-{1,2}-threads`: the corpus five times over in one parallel region on a rayon
//!   pool of one or two threads (target: near-linear speed-up). One long region, as
//!   `hubscope card` runs on a large input: many short ones would measure the cost of waking
//!   the pool's threads, not the engine.
//! - `front_matter` and `body` isolate the two halves, to show where the time goes.
#![allow(clippy::unwrap_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hubscope_card::CardAnalyzer;
use rayon::prelude::*;

fn cards() -> (Vec<String>, u64) {
    let cards: Vec<String> = hubscope_corpus::readmes()
        .into_iter()
        .map(|r| r.readme)
        .collect();
    let bytes = cards.iter().map(|c| c.len() as u64).sum();
    (cards, bytes)
}

fn bench_full(c: &mut Criterion) {
    let (cards, bytes) = cards();
    let analyzer = CardAnalyzer::new();
    let mut group = c.benchmark_group("full");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(20);
    group.bench_function("1-thread", |b| {
        b.iter(|| {
            for card in &cards {
                std::hint::black_box(analyzer.analyze(card).unwrap());
            }
        })
    });
    const ROUNDS: usize = 5;
    let stream: Vec<&String> = (0..ROUNDS).flat_map(|_| cards.iter()).collect();
    group.throughput(Throughput::Bytes(bytes * ROUNDS as u64));
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        group.bench_function(format!("rayon-{threads}-threads"), |b| {
            b.iter(|| {
                pool.install(|| {
                    stream.par_iter().for_each(|card| {
                        std::hint::black_box(analyzer.analyze(card).unwrap());
                    })
                })
            })
        });
    }
    group.finish();
}

fn bench_parts(c: &mut Criterion) {
    let (cards, _) = cards();
    let analyzer = CardAnalyzer::new();
    // The front matter alone: each card cut just after its closing `---`.
    let heads: Vec<&str> = cards
        .iter()
        .map(|card| {
            let after_open = card.find("---").map_or(0, |p| p + 3);
            card[after_open..]
                .find("\n---")
                .map_or(&card[..0], |end| &card[..after_open + end + 4])
        })
        .collect();
    let head_bytes: u64 = heads.iter().map(|h| h.len() as u64).sum();
    let mut group = c.benchmark_group("parts");
    group.sample_size(20);
    group.throughput(Throughput::Bytes(head_bytes));
    group.bench_function("front_matter", |b| {
        b.iter(|| {
            for head in &heads {
                std::hint::black_box(analyzer.analyze(head).unwrap());
            }
        })
    });
    let bodies: Vec<&str> = cards
        .iter()
        .zip(&heads)
        .map(|(card, head)| &card[head.len()..])
        .collect();
    let body_bytes: u64 = bodies.iter().map(|b| b.len() as u64).sum();
    group.throughput(Throughput::Bytes(body_bytes));
    group.bench_function("body", |b| {
        b.iter(|| {
            for body in &bodies {
                std::hint::black_box(analyzer.analyze(body).unwrap());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench_full, bench_parts);
criterion_main!(benches);
