//! `playground-webgpu`: the web page with burn's WebGPU runtime, loaded by index.html only where
//! the browser offers a WebGPU adapter (built with `--features webgpu`).

#[cfg(target_arch = "wasm32")]
fn main() {
    distill_playground::web::boot();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("The playground runs in the browser: build and serve it with trunk (see README.md).");
}
