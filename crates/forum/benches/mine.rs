//! The forum miner's own overhead (requests, parsing, storing) against the loopback Discourse in
//! this process, with no rate cap: 2,000 generated topics (1 to 8 posts each, one post of 1 MB)
//! plus the real responses of `../shared/data/forum/discourse-real-responses`, into a fresh
//! database each time (target ≥ 2,000 posts/s).
#![allow(clippy::unwrap_used)]

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use hubscope_forum::{ForumMiner, ForumOptions};
use hubscope_store::Store;
use hubscope_testhub::TestHub;
use hubscope_testhub::forum::ForumData;

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let data = ForumData::generate(2_000, 1)
        .with_real_responses(&hubscope_corpus::path("forum/discourse-real-responses"))
        .unwrap();
    let posts = data.visible_posts() as u64;
    let server = runtime.block_on(TestHub::start_forum(data)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = ForumOptions {
        rate: 1e9,
        concurrency: 8,
        ..ForumOptions::default()
    };
    let mut group = c.benchmark_group("forum");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(posts));
    let mut run = 0;
    group.bench_function("mine", |b| {
        b.iter_batched(
            || {
                run += 1;
                Store::open(dir.path().join(format!("f{run}.db"))).unwrap()
            },
            |mut store| {
                let miner = ForumMiner::new(&server.url(), options.clone(), None).unwrap();
                let report = runtime
                    .block_on(miner.run(&mut store, &AtomicBool::new(false), &|_| {}))
                    .unwrap();
                assert_eq!(report.posts, posts);
                store
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
