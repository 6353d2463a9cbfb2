//! TextBrewer's `DistillationConfig`, as the JSON its `from_json_file` reads. TextBrewer's total
//! loss is `kd_loss_weight · L_KD + hard_label_weight · L_hard + Σ intermediate`, and its
//! `kd_ce_loss` is the cross-entropy at T averaged over the batch, without T². So α goes to
//! `hard_label_weight`, and (1 − α)·T² (our T², our reduction) to `kd_loss_weight`. KL and
//! cross-entropy differ by the teacher's entropy, a constant, so the gradients are the same.

use serde_json::{Value, json};

use super::yaml::decimal;
use super::{Recipe, Term};
use crate::error::Result;
use crate::loss::{HiddenLoss, KlReduction, SoftLoss};
use crate::schedule::Schedule;

/// The keyword arguments of TextBrewer's `DistillationConfig` this writer may use, and those of
/// its `IntermediateMatch` (TextBrewer 0.2).
pub const TEXTBREWER_FIELDS: (&[&str], &[&str]) = (
    &[
        "temperature",
        "temperature_scheduler",
        "hard_label_weight",
        "hard_label_weight_scheduler",
        "kd_loss_type",
        "kd_loss_weight",
        "kd_loss_weight_scheduler",
        "probability_shift",
        "intermediate_matches",
    ],
    &["layer_T", "layer_S", "feature", "loss", "weight", "proj"],
);

impl Recipe<'_> {
    /// The config and what did not carry over.
    pub fn textbrewer(&self) -> Result<(Value, Vec<String>)> {
        let s = self.settings;
        let mut notes = self.common_notes();
        let (temperature, kd_loss_type) = match s.soft_loss {
            SoftLoss::HintonKl => (self.temperature(&mut notes), "ce"),
            // TextBrewer's MSE divides both logits by T first; ours has no T.
            SoftLoss::LogitMse => (1.0, "mse"),
        };
        let kd_scale = match s.soft_loss {
            SoftLoss::HintonKl => s.kl.scale(temperature, 1, self.student.classes()),
            SoftLoss::LogitMse => 1.0,
        };
        let (hard, kd, hard_schedule, kd_schedule) = match s.alpha {
            Schedule::TeacherAnnealing => (1.0, kd_scale, "linear_growth", "linear_decay"),
            Schedule::Constant { value } => (value, (1.0 - value) * kd_scale, "none", "none"),
            Schedule::Linear { from, .. } => {
                notes.push(format!("α moves linearly in the run; TextBrewer has no such schedule, so α is held at its start, {from}."));
                (from, (1.0 - from) * kd_scale, "none", "none")
            }
        };
        if s.soft_loss == SoftLoss::HintonKl && s.kl.reduction == KlReduction::ElementMean {
            notes.push("The element-mean KL (the bug) is kept: kd_loss_weight is divided by the number of classes.".into());
        }
        let mut matches: Vec<Value> = self
            .hidden_terms()?
            .iter()
            .map(|t| self.hidden_match(t))
            .collect();
        for (student, teacher) in self.attention_pairs()? {
            // TextBrewer counts attention maps from 0; our blocks from 1.
            matches.push(json!({
                "layer_T": teacher - 1, "layer_S": student - 1, "feature": "attention",
                "loss": "attention_mse", "weight": decimal(s.gamma),
            }));
        }
        if !matches.is_empty() {
            notes.push("layer_T and layer_S index the adaptor's `hidden` list as BERT's hidden_states do: 0 is the embedding output (an MLP's input), k the k-th layer's output.".into());
        }
        let config = json!({
            "temperature": decimal(temperature),
            "temperature_scheduler": "none",
            "hard_label_weight": decimal(hard),
            "hard_label_weight_scheduler": hard_schedule,
            "kd_loss_type": kd_loss_type,
            "kd_loss_weight": decimal(kd),
            "kd_loss_weight_scheduler": kd_schedule,
            "probability_shift": false,
            "intermediate_matches": matches,
        });
        Ok((config, notes))
    }

    /// T, or its start when it is annealed (TextBrewer's schedulers are constant, flsw and cwsm).
    fn temperature(&self, notes: &mut Vec<String>) -> f32 {
        match self.settings.temperature {
            Schedule::Constant { value } => value,
            Schedule::Linear { from, to } => {
                notes.push(format!("T anneals from {from} to {to} here; TextBrewer has no linear temperature schedule, so T is held at {from}."));
                from
            }
            Schedule::TeacherAnnealing => 1.0,
        }
    }

    fn hidden_match(&self, t: &Term) -> Value {
        let loss = match self.settings.hidden_loss {
            HiddenLoss::Mse => "hidden_mse",
            HiddenLoss::Pkd => "pkd",
            HiddenLoss::Cosine => "cos",
        };
        let mut m = json!({
            "layer_T": t.teacher, "layer_S": t.student, "feature": "hidden",
            "loss": loss, "weight": decimal(self.settings.beta),
        });
        if t.widths.0 != t.widths.1 {
            // A learned projection from the student's width to the teacher's, as ours.
            m["proj"] = json!(["linear", t.widths.0, t.widths.1]);
        }
        m
    }
}
