//! The networks the engine trains.

pub mod mlp;

pub use mlp::*;
