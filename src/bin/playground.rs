//! `playground`: the web page's CPU-only build (burn's Flex backend in wasm), which every browser
//! loads first. `playground-webgpu` is the same page with burn's WebGPU runtime added.

#[cfg(target_arch = "wasm32")]
fn main() {
    distill_playground::web::boot();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("The playground runs in the browser: build and serve it with trunk (see README.md).");
}
