#!/usr/bin/env bash
# Sets up a fresh machine (idempotently) and runs every check CI runs:
# formatting, clippy (native and wasm32), native tests, the web build, browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

say "cargo fmt --check"
cargo fmt --all -- --check
say "clippy (native)"
cargo clippy --all-targets -- -D warnings
say "clippy (wasm32)"
cargo clippy --target wasm32-unknown-unknown --all-targets -- -D warnings
say "native tests"
cargo test
say "web build (trunk, wasm32)"
trunk build
say "browser tests (headless chromium: WebGPU and CPU fallback)"
node --test tests/e2e/
