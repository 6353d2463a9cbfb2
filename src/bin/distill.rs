//! `distill`: the native CLI. On wasm32 this binary has nothing to do; the page is `playground`.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use clap::Parser;
    distill_playground::cli::memory::keep_freed_memory();
    let cli = distill_playground::cli::Cli::parse();
    match distill_playground::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
