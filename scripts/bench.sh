#!/usr/bin/env bash
# Measures the engine natively and the page in headless Chromium, then writes BENCHMARKS.md
# (table + SVG chart) from bench/native.json and bench/browser.json. Sets up a fresh machine first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
# Each stage says how long the script has run (CI has a time budget; this shows where it goes).
say() { printf '\033[1m==> [%d:%02d] %s\033[0m\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

say "native: distill bench (release)"
cargo run --release --quiet --bin distill -- bench --out bench/native.json
say "web build (trunk --release)"
trunk build --release
say "browser: headless chromium, CPU (wasm) and WebGPU (SwiftShader)"
node bench/browser.mjs >/dev/null
say "report"
node bench/report.mjs
