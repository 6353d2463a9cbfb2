#!/bin/sh
# trunk post-build hook: writes engines.json, where index.html's loader finds the page's two
# builds (trunk injects neither). Trunk hashes the main build's names but not the "worker" one's,
# so every URL carries a content hash: a new build is never paired with a cached old file.
set -eu
cd "$TRUNK_STAGING_DIR"
one() {
    # Exactly one file must match: anything else is a broken build, not a guess.
    set -- $1
    [ "$#" -eq 1 ] && [ -e "$1" ] || { echo "engines.sh: expected one file, found: $*" >&2; exit 1; }
    printf './%s?v=%s' "$1" "$(sha256sum "$1" | cut -c1-16)"
}
cpu_js=$(one 'playground-*.js')
cpu_wasm=$(one 'playground-*_bg.wasm')
gpu_js=$(one 'webgpu/playground-webgpu*.js')
gpu_wasm=$(one 'webgpu/playground-webgpu*_bg.wasm')
cat > engines.json <<JSON
{
  "cpu": { "js": "$cpu_js", "wasm": "$cpu_wasm" },
  "webgpu": { "js": "$gpu_js", "wasm": "$gpu_wasm" }
}
JSON
