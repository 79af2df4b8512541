#!/usr/bin/env bash
# `hubscope audit --all` at scale: 1,000,000 stored models made of the real /api/models rows of
# ../shared/data/hub/models.jsonl repeated with new ids (cardData, files, lineage included; no
# README, so each model is audited on its cardData), against policies/example.toml.
# Target: >= 50,000 models/s. Writes into ${BENCH_DIR:-/tmp/hubscope-bench}.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${BENCH_DIR:-/tmp/hubscope-bench}"
mkdir -p "$dir"
data="${HUBSCOPE_SHARED_DATA:-../shared/data}"
cargo build --release -q -p hubscope -p hubscope-source --example replicate_models
bin=target/release/hubscope
file="$dir/api-1m.jsonl"
[ -f "$file" ] || target/release/examples/replicate_models "$data/hub/models.jsonl" "$file" 1000000
if [ ! -f "$dir/audit-1m.db" ]; then
    "$bin" --db "$dir/audit-1m.db" ingest models "$file"
fi
/usr/bin/time -f "audit --all: %e s elapsed, %M KB peak RSS" \
    "$bin" --db "$dir/audit-1m.db" audit --policy policies/example.toml --all --format json \
    --out "$dir/audit-1m.json" || true
