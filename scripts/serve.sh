#!/usr/bin/env bash
# Sets up a fresh machine (idempotently) and serves the playground at http://127.0.0.1:8080
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
exec trunk serve --release "$@"
