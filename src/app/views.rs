//! What the page draws from the students at one moment: the bars of the example (or of what the
//! user drew or typed), the decision maps, the attention. One function computes it, wherever the
//! students train: in the page, or in the training worker that sends it over.

use serde::{Deserialize, Serialize};

use crate::app::Settings;
use crate::app::session::{Session, ShownAttention};

/// Logits of the teacher, the distilled and the scratch student, in that order.
pub type Three = [Vec<f32>; 3];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Views {
    /// Of the test example, or of the input.
    pub logits: Three,
    /// The version of the drawing or typed message shown (`None`: a test example).
    pub drawing: Option<u64>,
    /// Over the decision-map grid (2-D sets only).
    pub grid: Option<Three>,
    /// Text only.
    pub attention: Option<ShownAttention>,
    /// Linear CKA, teacher layers × the distilled student's, when asked for.
    pub similarity: Option<Vec<Vec<f32>>>,
}

/// What the views show: a test example, or a drawing / typed message with its version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Shown {
    pub example: usize,
    pub input: Option<(u64, Vec<f32>)>,
    /// Also measure the layer similarity (it costs more than the rest: about once a second).
    #[serde(default)]
    pub similarity: bool,
}

impl Session {
    /// The views of `shown` under `settings` (they pick the augmentation shown with the text).
    pub async fn views(&self, shown: &Shown, settings: &Settings) -> crate::Result<Views> {
        let students = self.students().await?;
        let logits = match &shown.input {
            Some((_, input)) => self.input_logits(&students, input)?,
            None => self.example_logits(&students, shown.example)?,
        };
        // Text: the attention on the same sentence (a typed message's row holds token ids).
        let row = match &shown.input {
            Some((_, ids)) => ids.iter().map(|&id| id as u32).collect(),
            None => self.example_row(shown.example),
        };
        Ok(Views {
            logits,
            drawing: shown.input.as_ref().map(|(version, _)| *version),
            grid: self.grid_logits(&students)?,
            attention: self.attention(&students, &row, settings)?,
            similarity: match shown.similarity {
                true => self.similarity(&students),
                false => None,
            },
        })
    }

    /// Retunes both students to `settings` (T, α and the learning rate apply at once).
    pub fn retune(&mut self, settings: &Settings) -> crate::Result<()> {
        let d = settings.distill_settings();
        let mut refused = Ok(());
        for trainer in [&mut self.distilled, &mut self.scratch] {
            let now = trainer.settings();
            let changed = now.temperature != d.temperature
                || now.alpha != d.alpha
                || now.learning_rate != d.learning_rate;
            if changed && let Err(e) = trainer.retune(d.temperature, d.alpha, d.learning_rate) {
                refused = Err(e);
            }
        }
        refused
    }
}
