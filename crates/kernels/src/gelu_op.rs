//! GELU, `x·Φ(x) = x/2·(1 + erf(x/√2))` (PyTorch's exact form, burn's `gelu`), with erf from
//! `fast_math` so the loop vectorizes; burn-flex calls libm's erf one value at a time.

use std::sync::Arc;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::{
    Autodiff, Backend, Flex, TensorMetadata, backend_extension, tensor::FloatTensor,
};
use burn::tensor::Tensor;

use crate::fast_math::{erf, exp};
use crate::{Host, flex};

const FRAC_1_SQRT_2: f32 = std::f32::consts::FRAC_1_SQRT_2;
/// 1/√(2π), the standard normal density's constant.
const INV_SQRT_2PI: f32 = 0.398_942_3;

/// The fused GELU.
#[backend_extension(Flex, Autodiff)]
pub trait FusedGelu: Backend {
    fn fused_gelu(x: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// GELU of every element: fused on the CPU, burn's elsewhere.
pub fn gelu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    if !crate::fused(&x.device()) {
        return burn::tensor::activation::gelu(x);
    }
    Tensor::from_dispatch(<burn::backend::Dispatch as FusedGelu>::fused_gelu(
        x.into_dispatch(),
    ))
}

fn forward(x: &Host) -> Vec<f32> {
    let v = x.values();
    v.iter()
        .map(|&x| 0.5 * x * (1.0 + erf(x * FRAC_1_SQRT_2)))
        .collect()
}

/// `dy · (Φ(x) + x·φ(x))`.
fn backward(x: &[f32], dy: &[f32]) -> Vec<f32> {
    x.iter()
        .zip(dy)
        .map(|(&x, &dy)| {
            let cdf = 0.5 * (1.0 + erf(x * FRAC_1_SQRT_2));
            dy * (cdf + x * INV_SQRT_2PI * exp(-0.5 * x * x))
        })
        .collect()
}

fn shaped(values: Vec<f32>, like: &FlexTensor) -> FlexTensor {
    flex(values, &like.shape().to_vec())
}

impl FusedGelu for Flex {
    fn fused_gelu(x: FlexTensor) -> FlexTensor {
        shaped(forward(&Host::of(&x)), &x)
    }
}

/// The backward pass keeps the input.
#[derive(Debug)]
struct GeluBackward;

impl Backward<Flex, 1> for GeluBackward {
    type State = Arc<Host>;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let dy = grads.consume::<Flex>(&ops.node);
        let [Some(node)] = &ops.parents else { return };
        let dx = backward(ops.state.values(), Host::of(&dy).values());
        grads.register::<Flex>(node.id, shaped(dx, &dy));
    }
}

impl<C: CheckpointStrategy> FusedGelu for Autodiff<Flex, C> {
    fn fused_gelu(x: FloatTensor<Self>) -> FloatTensor<Self> {
        let host = Host::of(x.primitive());
        let y = shaped(forward(&host), x.primitive());
        match GeluBackward
            .prepare::<C>([x.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish(Arc::new(host), y),
            OpsKind::UnTracked(prep) => prep.finish(y),
        }
    }
}
