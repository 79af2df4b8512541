#!/usr/bin/env bash
# The store's 2,000,000-row targets, measured: ingest (>= 200,000 rows/s, < 500 MB peak memory)
# and Parquet export (>= 500,000 rows/s), on files made of the real rows repeated with new ids.
#
#   ./scripts/bench-store.sh            # Liang et al.'s layout (the issue's target) and the
#                                       # wide /api/models layout (5 GB of JSON; slower)
# Writes into ${BENCH_DIR:-/tmp/hubscope-bench}.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${BENCH_DIR:-/tmp/hubscope-bench}"
mkdir -p "$dir"
data="${HUBSCOPE_SHARED_DATA:-../shared/data}"
cargo build --release -q -p hubscope -p hubscope-source --example replicate_models
bin=target/release/hubscope
replicate=target/release/examples/replicate_models

measure() { # label, command...
    local label=$1; shift
    /usr/bin/time -f "$label: %e s elapsed, %M KB peak RSS" "$@" 2>&1 | grep -E "hubscope|peak RSS"
}

for layout in liang api; do
    case $layout in
        liang) src="$data/hub/liang-2022-model-info.parquet"; file="$dir/liang-2m.parquet" ;;
        api) src="$data/hub/models.jsonl"; file="$dir/api-2m.jsonl" ;;
    esac
    [ -f "$file" ] || "$replicate" "$src" "$file" 2000000
    rm -f "$dir/$layout.db" "$dir/$layout.db-wal" "$dir/$layout.db-shm"
    measure "ingest $layout" "$bin" --db "$dir/$layout.db" ingest models "$file"
    measure "export $layout" "$bin" --db "$dir/$layout.db" export --out "$dir/export-$layout" --table models
done
