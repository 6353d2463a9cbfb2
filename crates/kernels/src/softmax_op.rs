//! Attention's masked softmax as a burn op (see `softmax.rs`); under autodiff it keeps the
//! probabilities for the backward pass.

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
use burn::tensor::activation::softmax;

use crate::{Host, flex, softmax as rows};

/// The fused masked softmax.
#[backend_extension(Flex, Autodiff)]
pub trait FusedSoftmax: Backend {
    /// `softmax(scores / divisor + bias)` over the last dimension: `scores` `[batch, heads,
    /// queries, keys]`, `bias` `[batch, 1, 1, keys]` (0 for a token, −10⁹ for padding).
    fn attention_softmax(
        scores: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        divisor: f32,
    ) -> FloatTensor<Self>;
}

/// Attention probabilities `softmax(scores / divisor + bias, 3)`: fused on the CPU, burn's ops
/// elsewhere (or for a bias of another shape).
pub fn attention_softmax(scores: Tensor<4>, bias: Tensor<4>, divisor: f32) -> Tensor<4> {
    let [batch, _, _, keys] = scores.dims();
    if !crate::fused(&scores.device()) || bias.dims() != [batch, 1, 1, keys] {
        return softmax(scores.div_scalar(divisor).add(bias), 3);
    }
    Tensor::from_dispatch(
        <burn::backend::Dispatch as FusedSoftmax>::attention_softmax(
            scores.into_dispatch(),
            bias.into_dispatch(),
            divisor,
        ),
    )
}

/// The probabilities of `scores` on the host, in its shape.
fn probabilities(scores: &FlexTensor, bias: &FlexTensor, divisor: f32) -> FlexTensor {
    let dims = scores.shape().dims::<4>();
    let per_sentence = dims[1] * dims[2];
    let (scores, bias) = (Host::of(scores), Host::of(bias));
    let p = rows::forward(
        scores.values(),
        bias.values(),
        dims[3],
        per_sentence,
        divisor,
    );
    flex(p, &dims)
}

impl FusedSoftmax for Flex {
    fn attention_softmax(scores: FlexTensor, bias: FlexTensor, divisor: f32) -> FlexTensor {
        probabilities(&scores, &bias, divisor)
    }
}

/// The backward pass keeps the probabilities and the divisor.
#[derive(Debug)]
struct SoftmaxBackward;

impl Backward<Flex, 1> for SoftmaxBackward {
    type State = (Arc<FlexTensor>, f32);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let dp = Host::of(&grads.consume::<Flex>(&ops.node));
        let (p, divisor) = &ops.state;
        let dims = p.shape().dims::<4>();
        let [Some(node)] = &ops.parents else { return };
        let ds = rows::backward(
            Host::of(p).values(),
            dp.values(),
            dims[3],
            dims[1] * dims[2],
            *divisor,
        );
        grads.register::<Flex>(node.id, flex(ds, &dims));
    }
}

impl<C: CheckpointStrategy> FusedSoftmax for Autodiff<Flex, C> {
    fn attention_softmax(
        scores: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        divisor: f32,
    ) -> FloatTensor<Self> {
        let p = probabilities(scores.primitive(), bias.primitive(), divisor);
        match SoftmaxBackward
            .prepare::<C>([scores.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish((Arc::new(p.clone()), divisor), p),
            OpsKind::UnTracked(prep) => prep.finish(p),
        }
    }
}
