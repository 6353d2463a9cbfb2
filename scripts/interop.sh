#!/usr/bin/env bash
# numpy (from PyPI, in .venv) reads an exported student and reproduces the Rust logits on 100
# test digits to 1e-5; burnpack export round-trips through the CLI. Needs `bash scripts/setup.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
distill() { cargo run --quiet --bin distill -- --quiet "$@"; }

distill distill --dataset digits --epochs 20 --student 32,16 --out "$work/student.safetensors" >/dev/null
distill export --weights "$work/student.safetensors" --out "$work/export.safetensors"
distill predict --weights "$work/export.safetensors" --dataset digits --count 100 --out "$work/rust-logits.safetensors"
.venv/bin/python tests/interop/check_numpy.py "$work/export.safetensors" "$work/rust-logits.safetensors"
# burnpack: export, read back, same predictions.
distill export --weights "$work/student.safetensors" --out "$work/student.bpk"
distill predict --weights "$work/student.bpk" --dataset digits --count 100 --out "$work/bpk-logits.safetensors"
cmp "$work/rust-logits.safetensors" "$work/bpk-logits.safetensors"
echo "burnpack export gives byte-identical logits"
