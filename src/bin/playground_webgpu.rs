//! `playground-webgpu`: the web page with burn's WebGPU runtime (built with `--features webgpu`).
//! index.html's loader fetches it in the background where WebGPU is wanted; it then takes the
//! page over from the CPU-only build in the same document.

#[cfg(target_arch = "wasm32")]
fn main() {
    distill_playground::web::boot();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("The playground runs in the browser: build and serve it with trunk (see README.md).");
}
