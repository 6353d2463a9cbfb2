//! The students' optimizer: burn's Adam, with each parameter's update done in one pass on the
//! CPU (`distill_kernels::adam`). Its state is burn's own `AdamState`, so checkpoints, records
//! and the WebGPU path (burn's Adam itself) are unchanged.

use burn::optim::{
    Adam, AdamConfig, AdamState, AdaptiveMomentumState, LearningRate, ModuleOptimizer, Optimizer,
    decay::WeightDecayConfig,
};
use burn::tensor::{Device, Tensor};

use crate::kernels::{self, AdamStep};

/// burn's Adam constants (its `AdamConfig` defaults), which the one-pass update shares.
const BETA_1: f32 = 0.9;
const BETA_2: f32 = 0.999;
const EPSILON: f32 = 1e-5;

/// Adam with an L2 `weight_decay` added to the gradient (0 for none), as burn's Adam has it.
#[derive(Clone)]
pub struct OnePassAdam {
    weight_decay: f32,
    /// burn's Adam with the same settings, for devices without the fused kernels.
    composed: Adam,
}

impl OnePassAdam {
    pub fn new(weight_decay: f32) -> Self {
        Self {
            weight_decay,
            composed: burn_config(weight_decay).build(),
        }
    }

    /// The whole-module optimizer the trainers keep.
    pub fn module(weight_decay: f32) -> ModuleOptimizer {
        ModuleOptimizer::from(Self::new(weight_decay))
    }
}

/// burn's Adam with the same constants and decay (what this one is tested against).
pub fn burn_config(weight_decay: f32) -> AdamConfig {
    let decay = (weight_decay > 0.0).then(|| WeightDecayConfig::new(weight_decay));
    AdamConfig::new()
        .with_beta_1(BETA_1)
        .with_beta_2(BETA_2)
        .with_epsilon(EPSILON)
        .with_weight_decay(decay)
}

impl Optimizer for OnePassAdam {
    type State<const D: usize> = AdamState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        if !kernels::fused(&tensor.device()) {
            return self.composed.step(lr, tensor, grad, state);
        }
        let (time, moments) = match state {
            Some(AdamState { momentum: m }) => (m.time + 1, (m.moment_1, m.moment_2)),
            None => (1, (tensor.zeros_like(), tensor.zeros_like())),
        };
        let step = AdamStep {
            learning_rate: lr as f32,
            beta_1: BETA_1,
            beta_2: BETA_2,
            epsilon: EPSILON,
            weight_decay: self.weight_decay,
            time: i32::try_from(time).unwrap_or(i32::MAX),
        };
        let (tensor, moment_1, moment_2) = kernels::adam(tensor, grad, moments, step);
        let momentum = AdaptiveMomentumState::new(time, moment_1, moment_2);
        (tensor, Some(AdamState::new(momentum)))
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        Adam::to_device(state, device)
    }
}
