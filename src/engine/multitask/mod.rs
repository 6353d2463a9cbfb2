//! MT-DNN's several tasks, distilled (Liu et al. 2019). One student has a shared encoder and a
//! head per task, and learns from each task's teacher, the batches of both tasks shuffled
//! together (the paper's Algorithm 1). Single-task students of the same size, trained for the
//! same epochs on their own task, are the comparison. The tasks are the e-mails (the shipped
//! transformer teacher) and Brown's genres (the fine-tuned MiniLM); both teachers' logits ship.

pub mod data;
pub mod model;
mod run;
pub mod trainer;

use serde::{Deserialize, Serialize};

pub use data::{Task, TaskFiles, Tasks};
pub use run::{MultiTaskRun, Scored, Student};
pub use trainer::MultiTaskTrainer;

use crate::error::{Error, Result};
use crate::limits;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MultiTaskSettings {
    /// Brown's training sentences (the e-mails are used whole).
    pub brown_sentences: usize,
    /// Epochs of every student (an epoch: every batch of every task it learns, once).
    pub epochs: usize,
    /// The encoder's width (embeddings and its ReLU layer).
    pub width: usize,
    pub temperature: f32,
    /// The weight of the labels; the teacher's soft targets get `1 − α`.
    pub alpha: f32,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub seed: u64,
}

impl Default for MultiTaskSettings {
    fn default() -> Self {
        Self {
            brown_sentences: 12_000,
            epochs: 3,
            width: 64,
            temperature: 2.0,
            alpha: 0.5,
            learning_rate: 3e-3,
            batch_size: 64,
            seed: 1,
        }
    }
}

impl MultiTaskSettings {
    pub fn check(&self) -> Result<()> {
        limits::TEMPERATURE.check(self.temperature)?;
        limits::LEARNING_RATE.check(self.learning_rate)?;
        limits::BATCH_SIZE.check(self.batch_size)?;
        let bad = |m: String| Err(Error::Settings(m));
        limits::ALPHA.check(self.alpha)?;
        if !(1..=50).contains(&self.epochs) {
            return bad(format!("{} epochs: 1 to 50", self.epochs));
        }
        if !(100..=60_000).contains(&self.brown_sentences) {
            return bad(format!(
                "{} Brown sentences: 100 to 60,000",
                self.brown_sentences
            ));
        }
        if !(1..=512).contains(&self.width) {
            return bad(format!("width {}: 1 to 512", self.width));
        }
        Ok(())
    }
}
