//! Distill Playground: knowledge distillation you can watch and touch.
//!
//! - [`engine`]: networks, losses, mappings, data, training and weight files, over burn.
//! - [`app`]: the page's model without a DOM (settings, presets, reducer, session).
//! - `web`: Yew and the browser only (wasm32).
//! - `cli`: the command line, a thin shell over the engine (native).
//!
//! Dependencies point web → app → engine and cli → engine, never back.

#[cfg(not(target_arch = "wasm32"))]
#[doc(hidden)]
pub use distill_engine::alone;
pub mod app;
#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
/// The engine, a crate of its own (`src/engine/Cargo.toml`).
pub use distill_engine as engine;
#[cfg(target_arch = "wasm32")]
pub mod web;

pub use engine::error::{Error, Result};

/// The engine's version, shown by the page and the CLI.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
