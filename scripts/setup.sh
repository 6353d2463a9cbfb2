#!/usr/bin/env bash
# Installs what building, serving and testing the playground needs; skips what is already there.
# Everything comes from crates.io, Debian's packages or npm — nothing is downloaded otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each stage says how long the script has run (CI has a time budget; this shows where it goes).
say() { printf '\033[1m==> [%d:%02d] %s\033[0m\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

TRUNK_VERSION=0.22.1
# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "Adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    say "Adding $component"
    rustup component add "$component"
  fi
done

# Debian's chromium, npm's playwright-core and PyPI's packages: they wait on the network and the
# disk, so they install in the background while the two tools compile on the cores (on a bare
# machine, as CI's is, that hides about a minute).
install_packages() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "Installing Debian's chromium and chromium-driver (browser tests)"
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
  fi

  if [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "Installing npm packages (playwright-core drives Debian's chromium; no browser download)"
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
  fi

  # numpy, safetensors, PyYAML, onnx and onnxruntime from PyPI for the interop checks
  # (tests/interop) and the deployment snippets, in a local virtual env.
  if ! .venv/bin/python -c "import numpy, safetensors, yaml, onnx, onnxruntime" 2>/dev/null; then
    say "Creating .venv with numpy, safetensors, PyYAML, onnx and onnxruntime (PyPI)"
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check -r tests/interop/requirements.txt
  fi
}
install_packages &
packages=$!

if [ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]; then
  say "Installing trunk $TRUNK_VERSION (compiles from crates.io)"
  # trunk 0.22 declares rustc 1.96.1 but builds and runs on 1.95.
  # Unoptimised (--debug), without debug info: it compiles in 2:49 here instead of 5:59 (and
  # 9:48 with its own fat-LTO release profile), and a build of the page spends 1.7 s more in it
  # (cargo and wasm-bindgen, which do the work, are separate programs). It insists on a TLS stack,
  # so the default features stay.
  CARGO_PROFILE_DEV_DEBUG=0 \
    cargo install trunk --version "$TRUNK_VERSION" --locked --ignore-rust-version --debug
fi

if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
  say "Installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (compiles from crates.io)"
  # Not --locked: one of its locked dependency versions is missing from the registry.
  # Without TLS: the test runner only talks to the local chromedriver, over http.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force --no-default-features
fi

# Every crate in Cargo.lock, for every target and feature: trunk builds offline, and the WebGPU
# build needs crates that no native or CPU-only build has fetched (a fresh machine failed here).
say "Fetching the locked crates (crates.io; quick when they are cached)"
cargo fetch --locked --quiet

# The packages' exit status: a failed install stops the setup here.
wait "$packages"
