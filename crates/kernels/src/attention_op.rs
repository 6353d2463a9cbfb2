//! Attention's core as two burn ops on the in-projection's output (see `attention.rs`): the
//! probabilities (a tap of their own, which attention-transfer losses read) and the context.

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

use crate::attention::{self as core, Heads};
use crate::{Host, flex};

/// The fused attention core.
#[backend_extension(Flex, Autodiff)]
pub trait FusedAttention: Backend {
    /// `softmax(Q·Kᵀ / divisor + bias)` per head, from `qkv` `[batch, positions, 3·d]` and
    /// `bias` `[batch, 1, 1, positions]` → `[batch, heads, positions, positions]`.
    fn attention_probs(
        qkv: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        heads: usize,
        divisor: f32,
    ) -> FloatTensor<Self>;

    /// `P·V` per head, heads side by side → `[batch, positions, d]`.
    fn attend(probs: FloatTensor<Self>, qkv: FloatTensor<Self>, heads: usize) -> FloatTensor<Self>;
}

/// The attention probabilities and the context of `qkv` (the in-projection's output) on the
/// CPU; `None` elsewhere, or for a bias that is not one key mask per sentence.
pub fn attention_core(
    qkv: &Tensor<3>,
    bias: &Tensor<4>,
    heads: usize,
) -> Option<(Tensor<4>, Tensor<3>)> {
    let [batch, positions, three_d] = qkv.dims();
    let fits = heads > 0 && three_d % (3 * heads) == 0;
    if !crate::fused(&qkv.device()) || !fits || bias.dims() != [batch, 1, 1, positions] {
        return None;
    }
    let divisor = ((three_d / 3 / heads) as f32).sqrt();
    let p = Tensor::<4>::from_dispatch(
        <burn::backend::Dispatch as FusedAttention>::attention_probs(
            qkv.clone().into_dispatch(),
            bias.clone().into_dispatch(),
            heads,
            divisor,
        ),
    );
    let context = Tensor::<3>::from_dispatch(<burn::backend::Dispatch as FusedAttention>::attend(
        p.clone().into_dispatch(),
        qkv.clone().into_dispatch(),
        heads,
    ));
    Some((p, context))
}

fn heads_of(qkv: &FlexTensor, heads: usize) -> Heads {
    let [batch, positions, three_d] = qkv.shape().dims::<3>();
    Heads {
        batch,
        positions,
        heads,
        width: three_d / 3 / heads,
    }
}

fn probs(qkv: &Host, bias: &FlexTensor, s: &Heads, divisor: f32) -> FlexTensor {
    let p = core::probabilities(s, qkv.values(), Host::of(bias).values(), divisor);
    flex(p, &[s.batch, s.heads, s.positions, s.positions])
}

fn context(p: &Host, qkv: &Host, s: &Heads) -> FlexTensor {
    let c = core::attend(s, p.values(), qkv.values());
    flex(c, &[s.batch, s.positions, s.heads * s.width])
}

impl FusedAttention for Flex {
    fn attention_probs(
        qkv: FlexTensor,
        bias: FlexTensor,
        heads: usize,
        divisor: f32,
    ) -> FlexTensor {
        probs(&Host::of(&qkv), &bias, &heads_of(&qkv, heads), divisor)
    }

    fn attend(p: FlexTensor, qkv: FlexTensor, heads: usize) -> FlexTensor {
        context(&Host::of(&p), &Host::of(&qkv), &heads_of(&qkv, heads))
    }
}

/// The probabilities' backward pass keeps `qkv`, the probabilities and the divisor.
#[derive(Debug)]
struct ProbsBackward;

impl Backward<Flex, 1> for ProbsBackward {
    type State = Arc<(Heads, Host, Host, f32)>;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let dp = Host::of(&grads.consume::<Flex>(&ops.node));
        let (s, qkv, p, divisor) = &*ops.state;
        let [Some(node)] = &ops.parents else { return };
        let g = core::probabilities_backward(s, qkv.values(), p.values(), dp.values(), *divisor);
        grads.register::<Flex>(
            node.id,
            flex(g, &[s.batch, s.positions, 3 * s.heads * s.width]),
        );
    }
}

/// The context's backward pass keeps the probabilities and `qkv`.
#[derive(Debug)]
struct AttendBackward;

impl Backward<Flex, 2> for AttendBackward {
    type State = Arc<(Heads, Host, Host)>;

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let dc = Host::of(&grads.consume::<Flex>(&ops.node));
        let (s, p, qkv) = &*ops.state;
        let (dp, dqkv) = core::attend_backward(s, p.values(), qkv.values(), dc.values());
        let shapes = [
            flex(dp, &[s.batch, s.heads, s.positions, s.positions]),
            flex(dqkv, &[s.batch, s.positions, 3 * s.heads * s.width]),
        ];
        for (parent, grad) in ops.parents.iter().zip(shapes) {
            if let Some(node) = parent {
                grads.register::<Flex>(node.id, grad);
            }
        }
    }
}

impl<C: CheckpointStrategy> FusedAttention for Autodiff<Flex, C> {
    fn attention_probs(
        qkv: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        heads: usize,
        divisor: f32,
    ) -> FloatTensor<Self> {
        let (s, host) = (heads_of(qkv.primitive(), heads), Host::of(qkv.primitive()));
        let p = probs(&host, bias.primitive(), &s, divisor);
        match ProbsBackward
            .prepare::<C>([qkv.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let state = Arc::new((s, host, Host::of(&p), divisor));
                prep.finish(state, p)
            }
            OpsKind::UnTracked(prep) => prep.finish(p),
        }
    }

    fn attend(probs: FloatTensor<Self>, qkv: FloatTensor<Self>, heads: usize) -> FloatTensor<Self> {
        let s = heads_of(qkv.primitive(), heads);
        let (p, host) = (Host::of(probs.primitive()), Host::of(qkv.primitive()));
        let c = context(&p, &host, &s);
        match AttendBackward
            .prepare::<C>([probs.node(), qkv.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish(Arc::new((s, p, host)), c),
            OpsKind::UnTracked(prep) => prep.finish(c),
        }
    }
}
