#!/usr/bin/env bash
# pocket-encoder's own answers for the MiniLM check (tests/native/reference/minilm.rs): builds
# reference/minilm (pocket-encoder, Candle, tokenizers; about 2 minutes from empty), runs it on
# tests/interop/minilm_sentences.txt and compares its JSON lines with the committed
# tests/interop/minilm_reference.jsonl. `--write` replaces the file (after a change of
# pocket-encoder's version or of the sentences). Needs `bash scripts/setup.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
fresh=$(mktemp)
trap 'rm -f "$fresh"' EXIT
cargo build --quiet -p minilm-reference
tokenizer="$(cargo metadata --format-version 1 | .venv/bin/python -c 'import json,sys; m=json.load(sys.stdin); print(next(p["manifest_path"] for p in m["packages"] if p["name"]=="pocket-encoder").rsplit("/",1)[0])')/assets/tokenizer.json"
target/debug/minilm-reference tests/interop/minilm_sentences.txt "$tokenizer" |
  .venv/bin/python tests/interop/compact_reference.py >"$fresh"
if [ "${1:-}" = "--write" ]; then
  cp "$fresh" tests/interop/minilm_reference.jsonl
  echo "wrote tests/interop/minilm_reference.jsonl ($(wc -l <"$fresh") sentences)"
elif cmp -s "$fresh" tests/interop/minilm_reference.jsonl; then
  echo "pocket-encoder's answers match tests/interop/minilm_reference.jsonl"
else
  echo "pocket-encoder's answers differ from tests/interop/minilm_reference.jsonl: run with --write" >&2
  exit 1
fi
