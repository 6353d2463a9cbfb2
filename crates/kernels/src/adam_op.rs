//! One Adam update as one pass. burn's Adam spends about thirteen tensor ops on each parameter
//! (scale, add and square the moments, bias-correct, divide, scale, subtract), each a pass over
//! the parameter and a fresh tensor; for the MLP student's small tensors that bookkeeping was a
//! quarter of the training step (BENCHMARKS.md). Here the parameter and both moments are updated
//! in place, where nothing else holds them, in the same order of operations as burn's Adam.

use burn::backend::flex::FlexTensor;
use burn::backend::{Backend, Flex, backend_extension, tensor::FloatTensor};

/// Adam's constants and the step's own numbers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamStep {
    pub learning_rate: f32,
    pub beta_1: f32,
    pub beta_2: f32,
    pub epsilon: f32,
    /// L2 penalty added to the gradient (burn's `WeightDecay`); 0 for none.
    pub weight_decay: f32,
    /// This step's number, from 1 (bias correction).
    pub time: i32,
}

/// The fused Adam update (CPU only: [`crate::fused`] says where).
#[backend_extension(Flex)]
pub trait FusedAdam: Backend {
    /// `(parameter, moment_1, moment_2)` after one step with `grad`; all four of one shape.
    fn adam_update(
        param: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        moment_1: FloatTensor<Self>,
        moment_2: FloatTensor<Self>,
        step: AdamStep,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}

impl FusedAdam for Flex {
    fn adam_update(
        param: FlexTensor,
        grad: FlexTensor,
        moment_1: FlexTensor,
        moment_2: FlexTensor,
        step: AdamStep,
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        let grad = crate::Host::of(&grad);
        let (mut param, mut moment_1, mut moment_2) =
            (owned(param), owned(moment_1), owned(moment_2));
        update(
            param.storage_mut(),
            grad.values(),
            (moment_1.storage_mut(), moment_2.storage_mut()),
            step,
        );
        (param, moment_1, moment_2)
    }
}

/// A contiguous tensor whose storage is exactly its values (then `storage_mut` copies only if
/// another tensor shares the buffer, as a checkpoint's copy of the weights does).
fn owned(t: FlexTensor) -> FlexTensor {
    let n = t.layout().num_elements();
    let exact = t.dtype() == burn::tensor::DType::F32
        && t.layout().contiguous_offsets() == Some((0, n))
        && t.storage::<f32>().len() == n;
    if exact {
        t
    } else {
        crate::flex(
            crate::Host::of(&t).values().to_vec(),
            &t.layout().shape().to_vec(),
        )
    }
}

/// The update itself, in burn's order of operations (so the two agree to rounding).
pub fn update(param: &mut [f32], grad: &[f32], moments: (&mut [f32], &mut [f32]), s: AdamStep) {
    let (m1, m2) = moments;
    let bias_correction2_sqrt = (1.0 - s.beta_2.powi(s.time)).sqrt();
    let combined = bias_correction2_sqrt / (1.0 - s.beta_1.powi(s.time));
    let floor = s.epsilon * bias_correction2_sqrt;
    let (keep_1, take_1) = (s.beta_1, 1.0 - s.beta_1);
    let (keep_2, take_2) = (s.beta_2, 1.0 - s.beta_2);
    let decay = s.weight_decay;
    for (((p, &g), m), v) in param.iter_mut().zip(grad).zip(m1).zip(m2) {
        let g = if decay != 0.0 { *p * decay + g } else { g };
        *m = *m * keep_1 + g * take_1;
        *v = *v * keep_2 + g * g * take_2;
        let step = *m * combined / (v.sqrt() + floor);
        *p -= step * s.learning_rate;
    }
}
