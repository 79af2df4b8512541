#!/usr/bin/env bash
# The trends' 2,000,000-model target (issue 6): `trends uploads` + `trends docs` together in
# <= 10 s on 2 cores with <= 1 GB peak memory, on Liang et al.'s rows replicated with new ids and
# creation dates spread evenly over 2017-2026.
#
#   ./scripts/bench-trends.sh        # writes into ${BENCH_DIR:-/tmp/hubscope-bench}
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${BENCH_DIR:-/tmp/hubscope-bench}"
mkdir -p "$dir"
data="${HUBSCOPE_SHARED_DATA:-../shared/data}"
cargo build --release -q -p hubscope -p hubscope-source --example replicate_models
bin=target/release/hubscope
file="$dir/liang-2m-spread.parquet"
[ -f "$file" ] || target/release/examples/replicate_models \
    "$data/hub/liang-2022-model-info.parquet" "$file" 2000000 --spread-dates 2017-01-01 2027-01-01
db="$dir/spread.db"
if [ ! -f "$db" ]; then
    "$bin" --db "$db" ingest models "$file"
fi
measure() { # label, command...
    local label=$1; shift
    /usr/bin/time -f "$label: %e s elapsed, %M KB peak RSS" "$@" 2>&1 | grep -E "peak RSS"
}
measure "trends uploads --by family" "$bin" --db "$db" trends uploads --by family --top 10 --out "$dir/uploads.csv"
measure "trends docs" "$bin" --db "$db" trends docs --out "$dir/docs.csv"
