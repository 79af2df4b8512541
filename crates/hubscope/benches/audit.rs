//! `hubscope audit --all` end to end (the binary: store read, card facts, lineage, audit, JSON
//! written to a file) against `policies/example.toml`, on two stores:
//! - the 1,820 real models of `../shared/data/hub/models.jsonl` with their cards
//!   (`hub/readmes.jsonl`): target under 1 s;
//! - the same `/api/models` rows repeated with new ids (`<id>~<copy>`, cardData, files and
//!   lineage kept, no README) up to `HUBSCOPE_BENCH_AUDIT_MODELS` models (default 1,000,000):
//!   target ≥ 50,000 models/s.
//!
//! Models per second. Building the large store takes about a minute before the first sample.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const POLICY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../policies/example.toml");

fn hubscope(db: &Path, args: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_hubscope"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    // audit exits 1 when a model fails the policy: that is a result, not a failure.
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "hubscope {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `rows` copies of the real rows with new ids, as JSON Lines.
fn replicate(dir: &Path, rows: usize) -> PathBuf {
    let input = hubscope_corpus::path("hub/models.jsonl");
    let lines: Vec<serde_json::Value> =
        std::io::BufReader::new(std::fs::File::open(input).unwrap())
            .lines()
            .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
            .collect();
    let file = dir.join("models.jsonl");
    let mut out = BufWriter::new(std::fs::File::create(&file).unwrap());
    for i in 0..rows {
        let mut row = lines[i % lines.len()].clone();
        let id = format!("{}~{}", row["id"].as_str().unwrap(), i / lines.len());
        row["id"] = serde_json::Value::String(id);
        serde_json::to_writer(&mut out, &row).unwrap();
        out.write_all(b"\n").unwrap();
    }
    out.flush().unwrap();
    file
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("audit.json");
    let out = out.to_str().unwrap();
    let audit = [
        "audit", "--policy", POLICY, "--all", "--format", "json", "--out", out,
    ];

    let real = dir.path().join("real.db");
    let models = hubscope_corpus::path("hub/models.jsonl");
    let readmes = hubscope_corpus::path("hub/readmes.jsonl");
    hubscope(&real, &["ingest", "models", models.to_str().unwrap()]);
    hubscope(&real, &["ingest", "cards", readmes.to_str().unwrap()]);

    let rows: usize = std::env::var("HUBSCOPE_BENCH_AUDIT_MODELS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let large = dir.path().join("large.db");
    let file = replicate(dir.path(), rows);
    hubscope(&large, &["ingest", "models", file.to_str().unwrap()]);
    std::fs::remove_file(file).unwrap();

    let mut group = c.benchmark_group("audit_all");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.throughput(Throughput::Elements(1_820));
    group.bench_function("1820_real_models_with_cards", |b| {
        b.iter(|| hubscope(&real, &audit))
    });
    group.throughput(Throughput::Elements(rows as u64));
    group.measurement_time(Duration::from_secs(60));
    group.bench_function(format!("{rows}_replicated_models"), |b| {
        b.iter(|| hubscope(&large, &audit))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
