//! Kernels burn lacks, as burn backend extensions with their own backward pass.
//!
//! The BiLSTM: composed from burn's ops, each of its 2 × positions time steps records about
//! fifteen autodiff nodes over `[batch, hidden]` tensors, and allocating, recording and
//! replaying them was most of the text student's step (BENCHMARKS.md). [`bilstm`] runs the
//! whole layer as one op: one input product per direction for every position, one small product
//! per step, the gate arithmetic in place, and backpropagation through time by hand
//! (`lstm.rs`). It is tested against the composed layer to 1e-5, outputs and gradients.
//!
//! Only the CPU backend (Flex, in the page's worker and natively) has it: [`fused`] says when a
//! device does, and the network keeps the composed layer for WebGPU.

mod lstm;
mod product;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::{
    Autodiff, Backend, Flex, TensorMetadata, backend_extension, tensor::FloatTensor,
};
use burn::tensor::{Device, Tensor, TensorData};

pub use lstm::LstmShape;
use lstm::{DirectionRun, LstmWeights};

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

/// Whether tensors on `device` go through the fused kernels.
pub fn fused(device: &Device) -> bool {
    matches!(
        device.as_dispatch().clone().inner(),
        burn::backend::DispatchDevice::Flex(_)
    )
}

/// The fused BiLSTM over burn tensors (shapes as [`FusedLstm::bilstm`]).
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

/// The host values of a float tensor (ours are all f32).
fn host(t: &FlexTensor) -> Vec<f32> {
    t.clone()
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .unwrap_or_default()
}

fn flex(values: Vec<f32>, shape: &[usize]) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape.to_vec()))
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
    x: Vec<f32>,
    wx: Vec<f32>,
    wh: Vec<f32>,
    bias: Vec<f32>,
    mask: Vec<f32>,
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
            x: host(x),
            wx: host(wx),
            wh: host(wh),
            bias: host(b),
            mask: host(m),
        }
    }

    fn weights(&self) -> LstmWeights<'_> {
        LstmWeights {
            wx: &self.wx,
            wh: &self.wh,
            bias: &self.bias,
        }
    }

    fn forward(&self) -> (FlexTensor, [DirectionRun; 2]) {
        let s = self.shape;
        let (out, runs) = lstm::forward(&s, &self.x, &self.mask, self.weights());
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
    type State = std::sync::Arc<(Inputs, [DirectionRun; 2])>;

    fn backward(self, ops: Ops<Self::State, 4>, grads: &mut Gradients, _: &mut Checkpointer) {
        let d_out = host(&grads.consume::<Flex>(&ops.node));
        let (inputs, runs) = &*ops.state;
        let s = inputs.shape;
        let g = lstm::backward(&s, &inputs.x, &inputs.mask, inputs.weights(), runs, &d_out);
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
                prep.finish(std::sync::Arc::new((inputs, runs)), out)
            }
            OpsKind::UnTracked(prep) => prep.finish(inputs.forward().0),
        }
    }
}
