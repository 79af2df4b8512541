//! The store on real data: ingest of Liang et al.'s 74,970-row Parquet
//! (`../shared/data/hub/liang-2022-model-info.parquet`, target < 2 s) and of the 1,820 wide
//! /api/models rows of `hub/models.jsonl`, each into a fresh database; export of the result.
//!
//! The 2,000,000-row targets are measured by `scripts/bench-store.sh` (a file that large does not
//! fit criterion's repeated iterations).
#![allow(clippy::unwrap_used)]

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hubscope_source::ModelReader;
use hubscope_store::{ExportFormat, ExportOptions, IngestKind, SourceInfo, Store};

fn ingest(db: &Path, file: &Path) -> u64 {
    let mut store = Store::open(db).unwrap();
    let info = SourceInfo::new(file.display().to_string(), "bench");
    let mut session = store.begin_ingest(IngestKind::Models, &info).unwrap();
    session.set_commit_every(100_000);
    let mut reader = ModelReader::open(file, 10_000).unwrap();
    while let Some(batch) = reader.next_batch().unwrap() {
        session.write_models(batch).unwrap();
    }
    session.finish().unwrap().counts.stored
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("store");
    group.sample_size(10);
    for (name, file, rows) in [
        (
            "ingest/liang-parquet",
            "hub/liang-2022-model-info.parquet",
            74_970u64,
        ),
        ("ingest/api-jsonl", "hub/models.jsonl", 1_820),
    ] {
        let path = hubscope_corpus::path(file);
        group.throughput(Throughput::Elements(rows));
        group.bench_function(name, |b| {
            b.iter_with_setup(tempfile::TempDir::new, |dir| {
                let dir = dir.unwrap();
                assert_eq!(ingest(&dir.path().join("h.db"), &path), rows);
            })
        });
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db");
    ingest(
        &db,
        &hubscope_corpus::path("hub/liang-2022-model-info.parquet"),
    );
    let store = Store::open(&db).unwrap();
    group.throughput(Throughput::Elements(74_970));
    group.bench_function("export/models-parquet", |b| {
        b.iter(|| {
            let options = ExportOptions {
                dir: dir.path().join("out"),
                format: ExportFormat::Parquet,
                tables: vec!["models".into()],
            };
            assert_eq!(store.export(&options).unwrap()[0].rows, 74_970);
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
