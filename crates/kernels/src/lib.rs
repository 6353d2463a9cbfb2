//! Kernels burn lacks, as burn backend extensions with their own backward pass. Each is tested
//! against the same computation composed from burn's ops to 1e-5, outputs and gradients.
//!
//! - **The BiLSTM** ([`bilstm`]). Composed from burn's ops, each of its 2 × positions time steps
//!   records about fifteen autodiff nodes over `[batch, hidden]` tensors, and allocating,
//!   recording and replaying them was most of the text student's step (BENCHMARKS.md). Here the
//!   whole layer is one op: one input product per direction for every position, one small
//!   product per step, the gate arithmetic in place, and backpropagation through time by hand.
//! - **Attention's core** ([`attention_core`]): the probabilities and the context straight from
//!   the in-projection's `[batch, positions, 3·d]` output. Composed, each head is copied out of
//!   it and the context copied back (a strided 4-D copy, element by element in burn-flex), the
//!   scale, mask and softmax are seven passes, and each has its backward pass.
//! - **GELU** ([`gelu`]): burn-flex computes erf through libm one value at a time; this one
//!   vectorizes (`fast_math`).
//! - **Attention's masked softmax** ([`attention_softmax`]), for attention computed elsewhere. burn's softmax under autodiff is
//!   five ops (max, subtract, exp, sum, divide) after the scale and the mask, each a pass over a
//!   `[batch, heads, positions, positions]` tensor forward and again backward. Here it is one pass
//!   each way.
//!
//! - **Adam's update** ([`adam`]): one pass over the parameter and its moments instead of about
//!   thirteen tensor ops, each a pass and a fresh tensor.
//!
//! Only the CPU backend (Flex, in the page's worker and natively) has them: [`fused`] says when a
//! device does, and the networks keep the composed forms for WebGPU.

mod adam_op;
mod attention;
mod attention_op;
pub mod fast_math;
mod gelu_op;
mod lstm;
mod lstm_op;
pub mod product;
mod softmax;
mod softmax_op;

use burn::backend::flex::FlexTensor;
use burn::tensor::{Device, Tensor, TensorData};

pub use adam_op::{AdamStep, FusedAdam};
pub use attention_op::{FusedAttention, attention_core};
pub use gelu_op::{FusedGelu, gelu};
pub use lstm::LstmShape;
pub use lstm_op::{FusedLstm, bilstm};
pub use softmax_op::{FusedSoftmax, attention_softmax};

/// One Adam step of `param` with `grad` → `(param, moment_1, moment_2)`, in one pass (CPU only:
/// see [`fused`]).
pub fn adam<const D: usize>(
    param: Tensor<D>,
    grad: Tensor<D>,
    (moment_1, moment_2): (Tensor<D>, Tensor<D>),
    step: AdamStep,
) -> (Tensor<D>, Tensor<D>, Tensor<D>) {
    let (p, m1, m2) = <burn::backend::Dispatch as FusedAdam>::adam_update(
        param.into_dispatch(),
        grad.into_dispatch(),
        moment_1.into_dispatch(),
        moment_2.into_dispatch(),
        step,
    );
    (
        Tensor::from_dispatch(p),
        Tensor::from_dispatch(m1),
        Tensor::from_dispatch(m2),
    )
}

/// Whether tensors on `device` go through the fused kernels.
pub fn fused(device: &Device) -> bool {
    matches!(
        device.as_dispatch().clone().inner(),
        burn::backend::DispatchDevice::Flex(_)
    )
}

/// A float tensor's values, borrowed: copied only when its layout is strided (or, never in
/// this crate, when it is not f32).
#[derive(Clone, Debug)]
struct Host(FlexTensor);

impl Host {
    fn of(t: &FlexTensor) -> Self {
        let t = t.to_contiguous();
        match t.as_slice::<f32>() {
            Some(_) => Self(t),
            None => Self(FlexTensor::from_data(t.into_data().convert::<f32>())),
        }
    }

    fn values(&self) -> &[f32] {
        self.0.as_slice::<f32>().unwrap_or_default()
    }
}

fn flex(values: Vec<f32>, shape: &[usize]) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape.to_vec()))
}

/// Runs `f` on each `chunk`-long piece of `out` with its index: on every core natively.
#[cfg(not(target_family = "wasm"))]
fn for_chunks(out: &mut [f32], chunk: usize, f: impl Fn(usize, &mut [f32]) + Send + Sync) {
    use rayon::prelude::*;
    out.par_chunks_mut(chunk)
        .enumerate()
        .for_each(|(i, c)| f(i, c));
}

/// wasm32-unknown-unknown has one thread.
#[cfg(target_family = "wasm")]
fn for_chunks(out: &mut [f32], chunk: usize, f: impl Fn(usize, &mut [f32])) {
    out.chunks_mut(chunk).enumerate().for_each(|(i, c)| f(i, c));
}
