//! Distill Playground's engine: teacher and student networks, distillation losses, layer mappings,
//! datasets, a step-at-a-time trainer and weight files. It knows nothing of the browser; the page
//! (`src/web`) and the CLI (`src/cli`) are thin layers over it.

#[cfg(not(target_arch = "wasm32"))]
pub mod bench;
#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
pub mod data;
pub mod error;
pub mod heatmap;
pub mod loss;
pub mod mapping;
pub mod model;
pub mod playground;
pub mod saved_run;
pub mod schedule;
pub mod train;
#[cfg(target_arch = "wasm32")]
pub mod web;
pub mod weights;

pub use error::{Error, Result};

/// The engine's version, shown by the page and the CLI.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
