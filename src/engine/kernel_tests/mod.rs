//! The kernels of `crates/kernels` (the engine's `kernels`) against burn's own ops, f64 and naive
//! loops: outputs and gradients to 1e-5. They live here, in the engine's test build, so the
//! kernels crate adds no test build of burn of its own.

mod attention;
mod fast_math;
mod gelu;
mod product;
mod softmax;
