#!/usr/bin/env bash
# Sets up a fresh machine (idempotently) and runs every check CI runs:
# formatting, clippy (native and wasm32), native tests, the web build, browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
# Each stage says how long the script has run (CI has a time budget; this shows where it goes).
# CI once ran out of disk while linking the tests (stop 27), so each stage also says the free disk
# and the size of target/.
disk() { printf '%s free, target %s' "$(df -h --output=avail . | tail -1 | tr -d ' ')" "$(du -sh target 2>/dev/null | cut -f1)"; }
say() { printf '\033[1m==> [%d:%02d] %s\033[0m (%s)\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*" "$(disk)"; }
# On a disk with less than 8 GB free, drops what finished stages built and later ones never read.
# A roomy disk keeps it, so the next local run reuses it.
drop_if_disk_low() {
  if [ "$(df --output=avail -k . | tail -1)" -lt $((8 * 1024 * 1024)) ]; then
    say "disk low: removing $*"
    rm -rf "$@"
  fi
}

say "cargo fmt --check"
cargo fmt --all -- --check
# Native and wasm32 in one run: cargo checks both graphs side by side, so one target's last
# crate no longer waits for the other's (4:22 against 5:16 one after the other, from scratch).
# The wasm32 side is the CPU-only page: every line of the page's code but start_webgpu (15 lines,
# which deny rustc's warnings in trunk's WebGPU build instead). With the WebGPU feature the run
# also checked wgpu, naga and cubecl: 4:43 against 2:20 on a fresh machine.
say "clippy (native, and wasm32: the CPU-only page)"
# The engine (src/engine) and the kernels crate (crates/kernels) are linted with the page; the
# kernels' tests are the engine's.
cargo clippy -p distill-playground -p distill-engine -p distill-kernels --all-targets \
  --target "$(rustc -vV | sed -n 's/^host: //p')" --target wasm32-unknown-unknown -- -D warnings
drop_if_disk_low target/wasm32-unknown-unknown/debug target/*-linux-*/debug
say "native tests (engine, CLI, import fuzzing, MiniLM against pocket-encoder's answers)"
# The engine's and the library's unit tests and the one native test binary: a bare `cargo test`
# also linked tests/web.rs natively (an empty binary: its tests are wasm32's).
cargo test -p distill-engine -p distill-playground --lib --test native
say "interop: numpy reads exported networks (MLP, exits, encoder-decoder, conv net, transformer, BiLSTM, bag of words, MiniLM); onnxruntime runs every student kind's ONNX"
bash scripts/interop.sh
drop_if_disk_low target/debug
say "web build (trunk --release: the CPU-only and the WebGPU build, profile release-web, simd128)"
trunk build --release
say "browser tests of state and components (wasm-bindgen-test, headless chromium)"
# The release-web profile shares the optimised wasm dependencies of the CPU-only build.
CHROMEDRIVER=/usr/bin/chromedriver cargo test --profile release-web --target wasm32-unknown-unknown --test web
# Two files at a time: a page trains on one core, so two pages keep both busy. The files that
# time the page's thread (no long task while a job runs) run alone afterwards: beside another
# page their tasks take the other core's time too. Measured: 6:22 and 0:47, against 9:20 for
# the suite one file at a time.
timed=(tests/e2e/places.test.mjs tests/e2e/worker.test.mjs)
untimed=()
for file in tests/e2e/*.test.mjs; do
  [[ " ${timed[*]} " == *" $file "* ]] || untimed+=("$file")
done
say "end-to-end browser tests, two files at a time (playwright-core, headless chromium: WebGPU and CPU fallback)"
node --test --test-concurrency=2 "${untimed[@]}"
say "end-to-end browser tests that time the page's thread, alone"
node --test --test-concurrency=1 "${timed[@]}"
say "every check passed"
