//! The trends over a store holding the real models of `../shared/data`: Liang et al.'s 74,970
//! models (`hub/liang-2022-model-info.parquet`) plus the 1,820 of `hub/models.jsonl` with their
//! cards (`hub/readmes.jsonl`): loading the models from the tables and from the store's snapshot,
//! resolving families, and computing uploads and documentation per month. Models per second.
//! (The 2,000,000-model targets are measured end to end, beside the peers, by
//! `scripts/bench-trends.sh`.)
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hubscope_card::CardAnalyzer;
use hubscope_mentions::FamilyTable;
use hubscope_source::ModelReader;
use hubscope_store::{Batch, CardRevision, Frame, FrameDeclaration, IngestKind, SourceInfo, Store};
use hubscope_trends::{
    GroupBy, Keep, Models, Origin, Population, Window, docs, load_with_families, uploads,
};

fn store(dir: &std::path::Path) -> Store {
    let mut store = Store::open(dir.join("bench.db")).unwrap();
    // Liang et al.'s file is a census of the Hub up to Sep 2022; models.jsonl a sample.
    for (file, frame) in [
        ("hub/liang-2022-model-info.parquet", Frame::Census),
        ("hub/models.jsonl", Frame::Sample),
    ] {
        let info = SourceInfo::new(file, "bench").frame(FrameDeclaration::by_user(frame, None));
        let mut session = store.begin_ingest(IngestKind::Models, &info).unwrap();
        let mut reader = ModelReader::open(&hubscope_corpus::path(file), 10_000).unwrap();
        while let Some(batch) = reader.next_batch().unwrap() {
            session.write_models(batch).unwrap();
        }
        session.finish().unwrap();
    }
    let info = SourceInfo::new("hub/readmes.jsonl", "bench");
    let mut session = store.begin_ingest(IngestKind::Cards, &info).unwrap();
    let analyzer = CardAnalyzer::new();
    let records: Vec<CardRevision> = hubscope_corpus::readmes()
        .into_iter()
        .map(|r| {
            let card = analyzer.analyze(&r.readme).unwrap();
            CardRevision::new(r.id, &r.readme, card, false)
        })
        .collect();
    let read = records.len() as u64;
    session
        .write_cards(Batch {
            records,
            issues: vec![],
            read,
        })
        .unwrap();
    session.finish().unwrap();
    store
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let models = store
        .connection()
        .query_row("SELECT count(*) FROM models", [], |r| r.get::<_, i64>(0))
        .unwrap();
    let mut group = c.benchmark_group("trends");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.throughput(Throughput::Elements(models as u64));
    // No snapshot yet, and none kept: every load reads the tables.
    group.bench_function("models from the tables", |b| {
        b.iter(|| {
            let m = Models::load(&store, Keep::Never).unwrap();
            assert!(matches!(m.origin, Origin::Tables { .. }));
            m.models.len()
        })
    });
    Models::load(&store, Keep::IfWritable).unwrap();
    group.bench_function("models from the snapshot", |b| {
        b.iter(|| {
            let m = Models::load(&store, Keep::Never).unwrap();
            assert!(matches!(m.origin, Origin::Snapshot { .. }));
            m.models.len()
        })
    });
    group.bench_function("models + families", |b| {
        b.iter(|| {
            let (m, f) = load_with_families(&store, FamilyTable::builtin(), Keep::Never).unwrap();
            (m.models.len(), f.family.len())
        })
    });
    let (m, f) = load_with_families(&store, FamilyTable::builtin(), Keep::Never).unwrap();
    group.bench_function("uploads by family + docs (loaded)", |b| {
        b.iter(|| {
            let population = Population::census(&m, &Window::default());
            let u = uploads(&m, GroupBy::Family(&f), Some(10), &population);
            let d = docs(&m, &population);
            (u.rows.len(), d.rows.len())
        })
    });
    group.bench_function("uploads by pipeline + docs (loaded)", |b| {
        b.iter(|| {
            let population = Population::census(&m, &Window::default());
            let u = uploads(&m, GroupBy::Pipeline, None, &population);
            let d = docs(&m, &population);
            (u.rows.len(), d.rows.len())
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
