//! The fused BiLSTM as a burn op: Flex runs `lstm.rs` forward; under autodiff it keeps each
//! direction's run for the backward pass.

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

use crate::lstm::{self, DirectionRun, LstmShape, LstmWeights};
use crate::{Host, flex};

/// The fused BiLSTM (see the module's notes).
#[backend_extension(Flex, Autodiff)]
pub trait FusedLstm: Backend {
    /// `x` `[batch, positions, embed]`, `wx` `[2, embed, 4h]`, `wh` `[2, h, 4h]`, `bias`
    /// `[2, 4h]`, `mask` `[batch, positions]` (1 a token) → `[batch, positions, 2h]`.
    fn bilstm(
        x: FloatTensor<Self>,
        wx: FloatTensor<Self>,
        wh: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        mask: FloatTensor<Self>,
    ) -> FloatTensor<Self>;
}

/// The fused BiLSTM over burn tensors (shapes as [`FusedLstm::bilstm`]), on a device [`fused`]
/// accepts: the network keeps burn's composed layer for the others.
///
/// [`fused`]: crate::fused
pub fn bilstm(
    x: Tensor<3>,
    wx: Tensor<3>,
    wh: Tensor<3>,
    bias: Tensor<2>,
    mask: Tensor<2>,
) -> Tensor<3> {
    Tensor::from_dispatch(<burn::backend::Dispatch as FusedLstm>::bilstm(
        x.into_dispatch(),
        wx.into_dispatch(),
        wh.into_dispatch(),
        bias.into_dispatch(),
        mask.into_dispatch(),
    ))
}

fn shape_of(x: &FlexTensor, wh: &FlexTensor) -> LstmShape {
    let [batch, positions, embed] = x.shape().dims::<3>();
    let [_, hidden, _] = wh.shape().dims::<3>();
    LstmShape {
        batch,
        positions,
        embed,
        hidden,
    }
}

/// The inputs on the host, as the forward and backward passes read them.
#[derive(Clone, Debug)]
struct Inputs {
    shape: LstmShape,
    x: Host,
    wx: Host,
    wh: Host,
    bias: Host,
    mask: Host,
}

impl Inputs {
    fn read(
        x: &FlexTensor,
        wx: &FlexTensor,
        wh: &FlexTensor,
        b: &FlexTensor,
        m: &FlexTensor,
    ) -> Self {
        Self {
            shape: shape_of(x, wh),
            x: Host::of(x),
            wx: Host::of(wx),
            wh: Host::of(wh),
            bias: Host::of(b),
            mask: Host::of(m),
        }
    }

    fn weights(&self) -> LstmWeights<'_> {
        LstmWeights {
            wx: self.wx.values(),
            wh: self.wh.values(),
            bias: self.bias.values(),
        }
    }

    fn forward(&self) -> (FlexTensor, [DirectionRun; 2]) {
        let s = self.shape;
        let (out, runs) = lstm::forward(&s, self.x.values(), self.mask.values(), self.weights());
        (flex(out, &[s.batch, s.positions, 2 * s.hidden]), runs)
    }
}

impl FusedLstm for Flex {
    fn bilstm(
        x: FlexTensor,
        wx: FlexTensor,
        wh: FlexTensor,
        bias: FlexTensor,
        mask: FlexTensor,
    ) -> FlexTensor {
        Inputs::read(&x, &wx, &wh, &bias, &mask).forward().0
    }
}

/// The backward pass: the inputs and each direction's run, kept from the forward pass.
#[derive(Debug)]
struct BiLstmBackward;

impl Backward<Flex, 4> for BiLstmBackward {
    type State = Arc<(Inputs, [DirectionRun; 2])>;

    fn backward(self, ops: Ops<Self::State, 4>, grads: &mut Gradients, _: &mut Checkpointer) {
        let d_out = Host::of(&grads.consume::<Flex>(&ops.node));
        let (inputs, runs) = &*ops.state;
        let s = inputs.shape;
        let g = lstm::backward(
            &s,
            inputs.x.values(),
            inputs.mask.values(),
            inputs.weights(),
            runs,
            d_out.values(),
        );
        let (e, h) = (s.embed, s.hidden);
        let shaped = [
            flex(g.x, &[s.batch, s.positions, e]),
            flex(g.wx, &[2, e, 4 * h]),
            flex(g.wh, &[2, h, 4 * h]),
            flex(g.bias, &[2, 4 * h]),
        ];
        for (parent, grad) in ops.parents.iter().zip(shaped) {
            if let Some(node) = parent {
                grads.register::<Flex>(node.id, grad);
            }
        }
    }
}

impl<C: CheckpointStrategy> FusedLstm for Autodiff<Flex, C> {
    fn bilstm(
        x: FloatTensor<Self>,
        wx: FloatTensor<Self>,
        wh: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        mask: FloatTensor<Self>,
    ) -> FloatTensor<Self> {
        let inputs = Inputs::read(
            x.primitive(),
            wx.primitive(),
            wh.primitive(),
            bias.primitive(),
            mask.primitive(),
        );
        let parents = [x.node(), wx.node(), wh.node(), bias.node()];
        match BiLstmBackward
            .prepare::<C>(parents)
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let (out, runs) = inputs.forward();
                prep.finish(Arc::new((inputs, runs)), out)
            }
            OpsKind::UnTracked(prep) => prep.finish(inputs.forward().0),
        }
    }
}
