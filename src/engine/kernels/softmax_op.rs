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

use super::{Host, flex, softmax as rows};

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
    if !super::fused(&scores.device()) || bias.dims() != [batch, 1, 1, keys] {
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

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    fn host4(t: Tensor<4>) -> Vec<f32> {
        t.into_data().try_into_vec::<f32>().unwrap()
    }

    /// The probabilities and the scores' gradient under `Σ p · probe`, fused or composed.
    fn run(
        scores: &Tensor<4>,
        bias: &Tensor<4>,
        probe: &Tensor<4>,
        fused: bool,
    ) -> (Vec<f32>, Vec<f32>) {
        let scores = scores.clone().require_grad();
        let p = match fused {
            true => attention_softmax(scores.clone(), bias.clone(), 2.5),
            false => softmax(scores.clone().div_scalar(2.5).add(bias.clone()), 3),
        };
        let grads = (p.clone() * probe.clone()).sum().backward();
        (host4(p), host4(scores.grad(&grads).unwrap()))
    }

    #[test]
    fn the_fused_softmax_matches_burns_forward_and_backward() {
        let device = Device::flex().autodiff();
        let (b, h, q, k) = (3, 2, 5, 5);
        let wave =
            |n: usize, f: f32| -> Vec<f32> { (0..n).map(|i| 4.0 * (i as f32 * f).sin()).collect() };
        let scores = Tensor::<4>::from_data(
            TensorData::new(wave(b * h * q * k, 0.9), [b, h, q, k]),
            &device,
        );
        let probe = Tensor::<4>::from_data(
            TensorData::new(wave(b * h * q * k, 0.3), [b, h, q, k]),
            &device,
        );
        // Sentences of 5, 3 and 1 tokens.
        let mask = [1., 1., 1., 1., 1., 1., 1., 1., 0., 0., 1., 0., 0., 0., 0.];
        let mask = Tensor::<2>::from_data(TensorData::new(mask.to_vec(), [b, k]), &device);
        let bias = crate::engine::loss::key_bias(mask);
        let (p_f, g_f) = run(&scores, &bias, &probe, true);
        let (p_c, g_c) = run(&scores, &bias, &probe, false);
        let gap = |a: &[f32], b: &[f32]| {
            a.iter()
                .zip(b)
                .map(|(u, v)| (u - v).abs())
                .fold(0.0, f32::max)
        };
        assert!(
            gap(&p_f, &p_c) < 1e-6,
            "probabilities differ by {}",
            gap(&p_f, &p_c)
        );
        assert!(
            gap(&g_f, &g_c) < 1e-5,
            "gradients differ by {}",
            gap(&g_f, &g_c)
        );
        assert!(
            g_c.iter().any(|g| g.abs() > 1e-2),
            "a gradient that is not all zero"
        );
        // Padding gets no attention: the last sentence's every row is all on its one token.
        let last = &p_f[2 * h * q * k..];
        assert!(
            last.chunks(k)
                .all(|row| row[0] == 1.0 && row[1..].iter().all(|&v| v == 0.0))
        );
    }
}
