//! `playground`: the web page's entry point, built by trunk for wasm32.

#[cfg(target_arch = "wasm32")]
fn main() {
    distill_playground::web::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("The playground runs in the browser: build and serve it with trunk (see README.md).");
}
