//! The kernels of `crates/kernels` (the engine's `kernels`) against burn's own ops, f64 and naive
//! loops: outputs and gradients to 1e-5. They live here, in the engine's test build, so the
//! kernels crate adds no test build of burn of its own.

mod adam;
mod attention;
mod fast_math;
mod gelu;
mod product;
mod softmax;

/// A tensor's values on the host (a test's tensor is f32, so the read cannot fail).
pub(crate) fn host<const D: usize>(t: burn::tensor::Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec::<f32>().unwrap()
}

/// The largest element-wise difference between a kernel's numbers and burn's.
pub(crate) fn largest_gap(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "different lengths");
    a.iter()
        .zip(b)
        .map(|(u, v)| (u - v).abs())
        .fold(0.0, f32::max)
}
