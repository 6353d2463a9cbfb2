//! MT-DNN's student: one encoder shared by every task (a bag of words: embeddings, their mean,
//! ReLU layers) and a classifier head per task.

use burn::module::Module;
use burn::nn::{Embedding, Linear};
use burn::tensor::Device;
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;

use crate::error::Result;
use crate::network::{Bow, BowConfig, random_linear};

#[derive(Module, Debug)]
pub struct SharedBow {
    pub embedding: Embedding,
    pub hidden: Vec<Linear>,
    pub heads: Vec<Linear>,
    #[module(skip)]
    pub max_len: usize,
}

impl SharedBow {
    /// The encoder of `config` (its classes are ignored) and one head per entry of `classes`.
    pub fn new(config: &BowConfig, classes: &[usize], device: &Device, seed: u64) -> Result<Self> {
        let Bow {
            embedding,
            hidden,
            max_len,
            ..
        } = config.init(device, seed)?;
        let width = config.hidden.last().copied().unwrap_or(config.embed);
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6865_6164);
        let heads = classes
            .iter()
            .map(|&c| random_linear(width, c, &mut rng, device))
            .collect();
        Ok(Self {
            embedding,
            hidden,
            heads,
            max_len,
        })
    }

    /// The network that answers task `task`: the shared encoder and its head. Its parameters
    /// are this module's, so gradients through it reach them.
    pub fn for_task(&self, task: usize) -> Option<Bow> {
        Some(Bow {
            embedding: self.embedding.clone(),
            hidden: self.hidden.clone(),
            classifier: self.heads.get(task)?.clone(),
            max_len: self.max_len,
        })
    }
}
