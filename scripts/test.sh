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

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
