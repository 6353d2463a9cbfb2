//! The engine: networks, distillation losses, layer mappings, schedules, datasets, a
//! step-at-a-time trainer, weight files and decision maps. Pure Rust over burn; it knows nothing
//! of the page or the terminal (it never imports yew, web-sys or gloo), so all of it is tested
//! natively.
//!
//! A crate of its own (the root crate re-exports it as `engine`) for two reasons: the page's
//! size-optimised build compiles it for speed (`[profile.release-web.package.distill-engine]`),
//! and the compiler, not review, keeps the arrows pointing web → app → engine.

#[cfg(not(target_arch = "wasm32"))]
#[doc(hidden)]
pub mod alone;
pub mod bench;
pub mod catalog;
pub mod cka;
pub mod compress;
pub mod critic;
pub mod crosslingual;
pub mod data;
pub mod decision_map;
pub mod error;
pub mod exits;
pub mod few_classes;
pub mod imitation;
#[cfg(test)]
mod kernel_tests;
/// The kernels burn lacks (`crates/kernels`).
pub use distill_kernels as kernels;
pub mod limits;
pub mod loss;
pub mod mapping;
pub mod minilm;
pub mod multitask;
pub mod network;
pub mod onnx;
pub mod recipes;
pub mod schedule;
pub mod seq2seq;
pub mod sweep;
pub mod text;
pub mod theseus;
pub mod train;
pub mod weights;

pub use error::{Error, Result};
