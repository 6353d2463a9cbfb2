//! A critic for adversarial training: a small MLP that tells two sets of features apart, and its
//! loss. Xu & Yang's adaptation trains a teacher to fool one; Liu et al.'s adversarial imitation
//! trains a student to.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::activation::{log_sigmoid, relu};
use burn::tensor::{Device, Tensor};
use rand::rngs::ChaCha8Rng;

use crate::error::{Error, Result};
use crate::network::{Bow, Classifier, Input, random_linear};
use crate::train::host;

/// The critic's hidden width.
const CRITIC_WIDTH: usize = 32;

/// Features to one logit: above 0, "from the first set".
#[derive(Module, Debug)]
pub struct Critic {
    hidden: Linear,
    out: Linear,
}

impl Critic {
    pub fn new(width: usize, rng: &mut ChaCha8Rng, device: &Device) -> Self {
        Self {
            hidden: random_linear(width, CRITIC_WIDTH, rng, device),
            out: random_linear(CRITIC_WIDTH, 1, rng, device),
        }
    }

    pub fn forward(&self, features: Tensor<2>) -> Tensor<2> {
        self.out.forward(relu(self.hidden.forward(features)))
    }
}

/// Binary cross-entropy of logits: `a` should say "first set" (1), `b` "second set" (0).
/// Swapping the arguments gives the loss of fooling the critic.
pub fn domain_loss(a: Tensor<2>, b: Tensor<2>) -> Tensor<1> {
    let (na, nb) = (a.dims()[0] as f32, b.dims()[0] as f32);
    let a = log_sigmoid(a).sum().div_scalar(na);
    let b = log_sigmoid(b.neg()).sum().div_scalar(nb);
    (a + b).neg()
}

/// What a critic reads of a bag of words, its last hidden layer flattened to `[rows, width]`,
/// with the network's logits.
pub fn last_hidden(net: &Bow, x: Tensor<2>) -> Result<(Tensor<2>, Tensor<2>)> {
    let forward = net.forward(Input::Features(x));
    let last = forward
        .taps
        .hidden(net.hidden.len())
        .cloned()
        .ok_or_else(|| Error::ModelConfig("the network has no hidden layer".into()))?;
    let [rows, _, width] = last.dims();
    Ok((last.reshape([rows, width]), forward.logits))
}

/// The share of rows the critic places right (`a` first set, `b` second), read to the host.
pub fn critic_accuracy(a: &Tensor<2>, b: &Tensor<2>) -> Result<f32> {
    let judged = Tensor::cat(vec![a.clone().detach(), b.clone().detach().neg()], 0);
    let judged = host(judged)?;
    let right = judged.iter().filter(|v| **v > 0.0).count();
    Ok(right as f32 / judged.len().max(1) as f32)
}
