//! `playground`: the web page's entry point, built by trunk for wasm32.

// cubecl registers its kernels with `inventory` constructors. Unless `main` runs them itself,
// wasm-ld treats this binary as a "command" and re-runs every constructor at the start of each
// exported function — every callback from JavaScript. That cost most of the page's time.
#[cfg(target_arch = "wasm32")]
unsafe extern "C" {
    fn __wasm_call_ctors();
}

#[cfg(target_arch = "wasm32")]
fn main() {
    // SAFETY: called once, first thing, before any code that relies on the constructors.
    unsafe { __wasm_call_ctors() };
    distill_playground::web::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("The playground runs in the browser: build and serve it with trunk (see README.md).");
}
