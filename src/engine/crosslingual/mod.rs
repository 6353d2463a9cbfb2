//! Cross-lingual distillation (Xu & Yang, ACL 2017). An English teacher learns the genre of a
//! Bible verse from labelled English verses; a Spanish student never sees a Spanish label: it
//! reads the Spanish side of parallel verses and learns the teacher's soft targets of their
//! English side. It is compared with a Spanish student trained on the gold labels of the same
//! verses (the ceiling) and one trained on 1 % of them. The paper's adversarial feature
//! adaptation trains a second teacher that also fools a critic telling its features of the
//! labelled verses from those of the parallel ones.
//!
//! Data: [`data::Bilingual`] over `verses.tsv.gz` (Debian's KJV and Reina-Valera 1909).

pub mod data;
mod run;
pub mod teacher;

use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

pub use data::{Bilingual, Side, VERSE_MAX_LEN};
pub use run::{CrossLingualRun, Finished};

use crate::error::{Error, Result};
use crate::limits;
use crate::loss::host::softmax_t;
use crate::network::{BowConfig, Classifier, Input};
use crate::text::Tokenizer;
use crate::train::host;

/// The knobs of one experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CrossLingualSettings {
    /// T of the teacher's soft targets.
    pub temperature: f32,
    /// λ, the weight of fooling the critic (0: no adapted teacher).
    pub lambda: f32,
    pub teacher_epochs: usize,
    pub student_epochs: usize,
    /// The share of the parallel verses whose Spanish labels the floor student reads.
    pub few_percent: f32,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub seed: u64,
}

impl Default for CrossLingualSettings {
    fn default() -> Self {
        Self {
            temperature: 2.0,
            lambda: 0.1,
            teacher_epochs: 4,
            student_epochs: 4,
            few_percent: 1.0,
            learning_rate: 3e-3,
            batch_size: 64,
            seed: 1,
        }
    }
}

impl CrossLingualSettings {
    pub fn check(&self) -> Result<()> {
        limits::TEMPERATURE.check(self.temperature)?;
        limits::LEARNING_RATE.check(self.learning_rate)?;
        limits::BATCH_SIZE.check(self.batch_size)?;
        teacher::check_lambda(self.lambda)?;
        for (what, epochs) in [
            ("teacher", self.teacher_epochs),
            ("student", self.student_epochs),
        ] {
            if !(1..=50).contains(&epochs) {
                return Err(Error::Settings(format!("{epochs} {what} epochs: 1 to 50")));
            }
        }
        if !(self.few_percent > 0.0 && self.few_percent <= 100.0) {
            return Err(Error::Settings(format!(
                "{} % of the labels: more than 0, at most 100",
                self.few_percent
            )));
        }
        Ok(())
    }
}

/// Who learns in the experiment, in the order trained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Learner {
    /// The Spanish student from the teacher's soft targets (no Spanish label).
    Distilled,
    /// The Spanish student from every gold label of the parallel verses.
    Gold,
    /// The Spanish student from a few of those labels.
    Few,
    /// The English teacher with adversarial feature adaptation.
    AdaptedTeacher,
    /// The Spanish student from the adapted teacher's soft targets.
    AdaptedDistilled,
}

impl Learner {
    pub fn title(self) -> &'static str {
        match self {
            Learner::Distilled => "the Spanish student from the teacher's soft targets",
            Learner::Gold => "the Spanish student from the gold labels",
            Learner::Few => "the Spanish student from a few gold labels",
            Learner::AdaptedTeacher => "the adapted English teacher",
            Learner::AdaptedDistilled => "the Spanish student from the adapted teacher",
        }
    }
}

/// The teacher: a bag of words over the English vocabulary.
pub fn teacher_config(english: &Side) -> BowConfig {
    BowConfig {
        vocab: english.tokenizer.vocab_size(),
        max_len: VERSE_MAX_LEN,
        embed: 64,
        hidden: vec![64],
        classes: english.labelled.classes,
    }
}

/// The students: the same shape over the Spanish vocabulary (the point is the language, not
/// the size).
pub fn student_config(spanish: &Side) -> BowConfig {
    BowConfig {
        vocab: spanish.tokenizer.vocab_size(),
        ..teacher_config(spanish)
    }
}

/// A network's logits of one typed or picked verse, read with `tokenizer`.
pub fn logits_of(
    net: &(impl Classifier + ?Sized),
    tokenizer: &Tokenizer,
    text: &str,
    device: &Device,
) -> Result<Vec<f32>> {
    let row: Vec<f32> = tokenizer
        .encode(text)?
        .into_iter()
        .map(|id| id as f32)
        .collect();
    let x = Tensor::<2>::from_data(TensorData::new(row, [1, tokenizer.max_len()]), device);
    host(net.logits(Input::Features(x)))
}

/// A network's soft targets at `temperature` for one typed or picked verse.
pub fn soft_targets(
    net: &impl Classifier,
    tokenizer: &Tokenizer,
    text: &str,
    temperature: f32,
    device: &Device,
) -> Result<Vec<f32>> {
    limits::TEMPERATURE.check(temperature)?;
    Ok(softmax_t(
        &logits_of(net, tokenizer, text, device)?,
        temperature,
    ))
}
