#!/usr/bin/env bash
# Copies pocket-encoder's bundled MiniLM (paraphrase-MiniLM-L3-v2, Apache-2.0) from cargo's
# registry into assets/teachers/minilm/: the crate is how the model arrives (reference/minilm
# depends on it, so `cargo fetch` brings it), and the playground ships what it uses.
# Run once by hand; the copy is committed. The files are not changed.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo fetch --quiet
dir=$(cargo metadata --format-version 1 |
  python3 -c 'import json,sys; m=json.load(sys.stdin); print(next(p["manifest_path"] for p in m["packages"] if p["name"]=="pocket-encoder").rsplit("/",1)[0])')
mkdir -p assets/teachers/minilm
for f in model.safetensors shapes.json tokenizer.json config.json provenance.json MODEL-LICENSE; do
  cp "$dir/assets/$f" assets/teachers/minilm/
done
# The bundled weights are the file provenance.json names.
(cd assets/teachers/minilm && python3 - <<'PY'
import hashlib, json
p = json.load(open("provenance.json"))
got = hashlib.sha256(open("model.safetensors", "rb").read()).hexdigest()
assert got == p["bundled_sha256"], f"model.safetensors is {got}, provenance says {p['bundled_sha256']}"
tok = hashlib.sha256(open("tokenizer.json", "rb").read()).hexdigest()
assert tok == p["tokenizer_sha256"], "tokenizer.json differs from provenance.json"
print("assets/teachers/minilm: checksums match provenance.json")
PY
)
