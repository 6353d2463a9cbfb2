#!/usr/bin/env bash
# Sets up a fresh machine (idempotently) and serves the playground at http://127.0.0.1:8080
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
# The page's build lives in target/web, where scripts/test.sh builds it too (beside the native
# tests, which lock target/ while they build).
CARGO_TARGET_DIR=target/web exec trunk serve --release "$@"
