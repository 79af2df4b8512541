#!/usr/bin/env bash
# The trends at full-Hub scale (issue 18), side by side: hubscope against the pandas script it
# replaces (../shared/bench/baseline_trends.py) and against DuckDB over hubscope's own Parquet
# export (../shared/bench/baseline_duckdb_uploads.py and scripts/peer_duckdb_docs.py), on
# Liang et al.'s rows repeated with new ids and creation dates spread over 2017-2026. Prints a
# Markdown table of medians and peer/hubscope ratios; see scripts/bench_trends.py.
#
#   ./scripts/bench-trends.sh                        # 2,000,000 models, 5 rounds
#   ./scripts/bench-trends.sh --scaling 500000,1000000,2000000,4000000 --rounds 0
#
# Writes into ${BENCH_DIR:-/tmp/hubscope-bench}; the peers' venv is ${BENCH_VENV:-$BENCH_DIR/venv}.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${BENCH_DIR:-/tmp/hubscope-bench}"
bench="${HUBSCOPE_SHARED_BENCH:-../shared/bench}"
data="${HUBSCOPE_SHARED_DATA:-../shared/data}"
venv="${BENCH_VENV:-$dir/venv}"
mkdir -p "$dir"
cargo build --release -q -p hubscope
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q -r "$bench/requirements.txt" duckdb
fi
exec "$venv/bin/python" scripts/bench_trends.py --bin target/release/hubscope \
    --bench "$bench" --data "$data" --dir "$dir" "$@"
