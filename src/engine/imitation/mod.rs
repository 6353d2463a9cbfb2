//! Adversarial imitation KD (Liu, Chen & Liu, AAAI 2019). A teacher reads privileged
//! information that the student will not have: here Brown's part-of-speech tags beside the
//! words, for the genre of a sentence. The paper's stages: (1) the teacher's encoder and
//! classifier learn; (2) the classifier is frozen and the student's encoder goes under it;
//! (3) a critic learns to tell the teacher's features from the student's; (4) the student
//! learns to fool it, with the task's loss through the frozen classifier. Four networks are
//! compared: the teacher with tags, a teacher without them, a student by plain KD, and the
//! student by adversarial imitation.

pub mod data;
pub mod imitator;
mod run;

use serde::{Deserialize, Serialize};

pub use data::Tagged;
pub use imitator::{ImitationStep, Imitator};
pub use run::{ImitationRun, Stage, Stepped};

use crate::error::{Error, Result};
use crate::limits;
use crate::network::BowConfig;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImitationSettings {
    /// Training sentences (the first of Brown's fair order).
    pub sentences: usize,
    /// Epochs of every network.
    pub epochs: usize,
    /// Steps the critic learns alone before the student starts (stage 3).
    pub critic_steps: usize,
    /// λ: the weight of fooling the critic.
    pub lambda: f32,
    /// T and α of the plain-KD student.
    pub temperature: f32,
    pub alpha: f32,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub seed: u64,
}

impl Default for ImitationSettings {
    fn default() -> Self {
        Self {
            sentences: 12_000,
            epochs: 3,
            critic_steps: 100,
            lambda: 0.1,
            temperature: 2.0,
            alpha: 0.5,
            learning_rate: 3e-3,
            batch_size: 64,
            seed: 1,
        }
    }
}

impl ImitationSettings {
    pub fn check(&self) -> Result<()> {
        limits::TEMPERATURE.check(self.temperature)?;
        limits::LEARNING_RATE.check(self.learning_rate)?;
        limits::BATCH_SIZE.check(self.batch_size)?;
        let bad = |m: String| Err(Error::Settings(m));
        limits::ALPHA.check(self.alpha)?;
        if !(self.lambda.is_finite() && (0.0..=10.0).contains(&self.lambda)) {
            return bad(format!("imitation weight λ = {}: 0 to 10", self.lambda));
        }
        if !(1..=50).contains(&self.epochs) {
            return bad(format!("{} epochs: 1 to 50", self.epochs));
        }
        if !(100..=60_000).contains(&self.sentences) {
            return bad(format!("{} sentences: 100 to 60,000", self.sentences));
        }
        if self.critic_steps > 10_000 {
            return bad(format!(
                "{} critic steps: at most 10,000",
                self.critic_steps
            ));
        }
        Ok(())
    }
}

/// A bag of words of the lab's shape over `vocab` tokens of `max_len`.
pub fn config(vocab: usize, max_len: usize) -> BowConfig {
    BowConfig {
        vocab,
        max_len,
        embed: 64,
        hidden: vec![64],
        classes: crate::text::BROWN_GENRES.len(),
    }
}
