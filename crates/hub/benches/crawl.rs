//! The crawler against the loopback Hub (in this process, on the same 2 cores) serving the real
//! data of `../shared/data`:
//!
//! - `list`: the `/api/models` listing of hub/models.jsonl repeated 20 times (36,400 models,
//!   pages of 1,000), fetched, parsed and stored into a fresh database (target ≥ 20,000 models/s);
//! - `readmes`: the 1,820 models' README.md fetched at concurrency 16, analysed by the card
//!   engine and stored, into a database that already holds the listing (target ≥ 500 cards/s).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use hubscope_hub::{CrawlOptions, CrawlReport, Crawler, HubClient, HubConfig};
use hubscope_store::Store;
use hubscope_testhub::{HubData, TestHub};

fn load() -> HubData {
    HubData::load(
        Some(&hubscope_corpus::path("hub/models.jsonl")),
        Some(&hubscope_corpus::path("hub/readmes.jsonl")),
        None,
        None,
    )
    .unwrap()
}

async fn crawl(hub: &TestHub, store: &mut Store, options: CrawlOptions) -> CrawlReport {
    let client = HubClient::new(HubConfig::new(&hub.url()).unwrap(), None).unwrap();
    Crawler::new(client, options)
        .run(store, &AtomicBool::new(false), &|_| {})
        .await
        .unwrap()
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("crawl");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));

    let copies = 20;
    let listed = runtime
        .block_on(TestHub::start(Arc::new(load().replicated(copies))))
        .unwrap();
    let models = 1_820 * copies as u64;
    group.throughput(Throughput::Elements(models));
    let mut run = 0;
    group.bench_function("list", |b| {
        b.iter_batched(
            || {
                run += 1;
                Store::open(dir.path().join(format!("list{run}.db"))).unwrap()
            },
            |mut store| {
                let report = runtime.block_on(crawl(&listed, &mut store, CrawlOptions::default()));
                assert_eq!(report.models, models);
                store
            },
            BatchSize::PerIteration,
        )
    });
    drop(listed);

    // A database holding the listing, copied before each run so that every README is new.
    let hub = runtime.block_on(TestHub::start(Arc::new(load()))).unwrap();
    let template = dir.path().join("listing.db");
    {
        let mut store = Store::open(&template).unwrap();
        runtime.block_on(crawl(&hub, &mut store, CrawlOptions::default()));
    }
    let options = CrawlOptions {
        readmes: true,
        concurrency: 16,
        ..CrawlOptions::default()
    };
    let mut store = Store::open(dir.path().join("probe.db")).unwrap();
    let cards = runtime
        .block_on(crawl(&hub, &mut store, options.clone()))
        .readmes;
    drop(store);
    group.throughput(Throughput::Elements(cards));
    group.bench_function("readmes", |b| {
        b.iter_batched(
            || {
                run += 1;
                let path = dir.path().join(format!("readmes{run}.db"));
                std::fs::copy(&template, &path).unwrap();
                Store::open(&path).unwrap()
            },
            |mut store| {
                let report = runtime.block_on(crawl(&hub, &mut store, options.clone()));
                assert_eq!(report.readmes, cards);
                store
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
