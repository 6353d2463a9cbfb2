#!/usr/bin/env bash
# Measures the engine natively and the page in headless Chromium, then writes BENCHMARKS.md
# (table + SVG chart) from bench/native.json and bench/browser.json. Sets up a fresh machine first.
# With --peers it also times the same distillation step in JAX (PyPI, in bench/.venv) right after
# the native run, and in TensorFlow.js (npm, bench/peers) in the same Chromium as the page, and
# writes the ratios. A benchmark, not a test: CI does not run it.
set -euo pipefail
peers=false
for arg in "$@"; do
  case "$arg" in
    --peers) peers=true ;;
    *) echo "usage: bash scripts/bench.sh [--peers]" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
# Each stage says how long the script has run (CI has a time budget; this shows where it goes).
say() { printf '\033[1m==> [%d:%02d] %s\033[0m\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

if $peers; then
  say "peers: JAX from PyPI (bench/.venv) and TensorFlow.js from npm (bench/peers)"
  [ -x bench/.venv/bin/python ] || python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet -r bench/peers/requirements.txt
  (cd bench/peers && npm ci --no-audit --no-fund --silent)
fi
say "native: distill bench (release)"
cargo run --release --quiet --bin distill -- bench --scale --minilm --out bench/native.json
say "native: the digits' frontier (distill compress)"
cargo run --release --quiet --bin distill -- compress --dataset digits --csv bench/frontier-digits.csv >/dev/null
if $peers; then
  say "peers: JAX, the same step, right after the native run"
  bench/.venv/bin/python bench/peers/jax_step.py > bench/peers/jax.jsonl
  say "peers: JAX, the text students' playground step"
  bench/.venv/bin/python bench/peers/jax_text.py > bench/peers/jax_text.jsonl
  say "peers: JAX, the MiniLM teacher's forward pass"
  bench/.venv/bin/python bench/peers/jax_minilm.py > bench/peers/jax_minilm.jsonl
fi
say "web build (trunk --release)"
trunk build --release
say "browser: headless chromium, CPU (wasm) and WebGPU (SwiftShader)"
node bench/browser.mjs >/dev/null
say "browser: the digits' frontier in the page's worker"
node bench/frontier.mjs
if $peers; then
  say "peers: TensorFlow.js and the page's engine in one headless chromium"
  node bench/peers/compare.mjs
fi
say "report"
node bench/report.mjs
