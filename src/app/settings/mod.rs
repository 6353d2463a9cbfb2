//! The page's settings: one plain struct, what the engine makes of it, and the edits a user can
//! make. Every setting is declared once, in [`table`]; [`link`] reads and writes them. Pure Rust,
//! no browser, so every rule is tested natively; `src/web` wraps it in a Yew reducer.

pub mod edit;
pub mod link;
pub mod table;

pub use edit::Edit;

use serde::{Deserialize, Serialize};

use super::students::teacher_depth;
use crate::app::shipped_teacher::ShippedTeacher;
use crate::engine::catalog::DatasetKind;
use crate::engine::data::TransferConfig;
use crate::engine::error::{Error, Result};
use crate::engine::limits;
use crate::engine::loss::{AttentionLoss, HiddenLoss, KlForm, KlReduction, Projection, SoftLoss};
use crate::engine::mapping::{LayerMapping, MappingScheme};
use crate::engine::network::{MlpConfig, NetKind};
use crate::engine::schedule::Schedule;
use crate::engine::text::TangAugment;
use crate::engine::train::DistillSettings;

pub const T_MIN: f32 = limits::TEMPERATURE.min;
pub const T_MAX: f32 = limits::TEMPERATURE.max;
pub const MAX_STUDENT_DEPTH: usize = limits::STUDENT_DEPTH.max;

/// How α moves during a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AlphaSchedule {
    #[default]
    Constant,
    /// BAM: α from 0 (all teacher) to 1 (all labels).
    TeacherAnnealing,
}

/// Every setting of the page. `#[serde(default)]` keeps old saved states loading as fields are added.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// What the networks learn: digits, MNIST or a 2-D toy set (each with its shipped teacher),
    /// the e-mails, or your own CSV.
    pub dataset: DatasetKind,
    /// Which of the set's shipped teachers it is distilled from (Brown: MiniLM or a transformer
    /// trained here from scratch).
    pub teacher: ShippedTeacher,
    /// The name of your own CSV (the file stays in this browser; only its name is in a link).
    pub own_name: String,
    pub temperature: f32,
    /// Anneal T linearly from `temperature` down to 1 over the run.
    pub anneal_temperature: bool,
    pub alpha: f32,
    pub alpha_schedule: AlphaSchedule,
    pub beta: f32,
    pub soft_loss: SoftLoss,
    /// The KL's T² factor (on is right; off shows the classic mistake).
    pub t_squared: bool,
    /// The KL's reduction (batch mean is right; the element mean is a shipped bug).
    pub kl_reduction: KlReduction,
    pub hidden_loss: HiddenLoss,
    pub mapping: MappingScheme,
    pub student_hidden: Vec<usize>,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub labeled_fraction: f32,
    /// Keep the unlabeled rest of the training set in the transfer set (teacher targets only).
    pub include_unlabeled: bool,
    /// Augmented copies (noise + masking) of every transfer example.
    pub augment_copies: usize,
    /// Hinton's omitted class: no example of it anywhere in the transfer set.
    pub omit_class: Option<u8>,
    pub seed: u64,
    /// Test example shown in the soft-target view.
    pub example: usize,
    /// The students' kind: an MLP on images and points; a transformer, a BiLSTM or a bag of
    /// words on text.
    pub student_kind: NetKind,
    /// The text students' width (embeddings, states, blocks).
    pub text_width: usize,
    /// Transformer blocks, or the bag of words' ReLU layers.
    pub text_depth: usize,
    /// Attention heads per transformer block.
    pub heads: usize,
    /// Attention transfer between transformers (TinyBERT, MiniLM).
    pub attention_loss: AttentionLoss,
    /// γ, the attention term's weight.
    pub gamma: f32,
    /// TinyBERT's embedding-layer term: the student's embeddings against the teacher's.
    pub match_embeddings: bool,
    /// Where the hidden term bridges differing widths (a matrix per layer, or one shared).
    pub projection: Projection,
    /// Tang et al.'s augmentation of text (used with `augment_copies` > 0).
    pub p_mask: f32,
    pub p_replace: f32,
    pub p_ngram: f32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            dataset: DatasetKind::Digits,
            teacher: ShippedTeacher::Scratch,
            own_name: String::new(),
            temperature: limits::TEMPERATURE.default,
            anneal_temperature: false,
            alpha: limits::ALPHA.default,
            alpha_schedule: AlphaSchedule::Constant,
            beta: limits::BETA.default,
            soft_loss: SoftLoss::HintonKl,
            t_squared: true,
            kl_reduction: KlReduction::BatchMean,
            hidden_loss: HiddenLoss::Mse,
            mapping: MappingScheme::Skip,
            student_hidden: vec![limits::STUDENT_WIDTH.default; limits::STUDENT_DEPTH.default],
            learning_rate: limits::LEARNING_RATE.default,
            batch_size: limits::BATCH_SIZE.default,
            labeled_fraction: limits::LABELED_FRACTION.default,
            include_unlabeled: true,
            augment_copies: limits::AUGMENT_COPIES.default,
            omit_class: None,
            seed: 1,
            example: limits::EXAMPLE.default,
            student_kind: NetKind::Mlp,
            text_width: limits::TEXT_WIDTH.default,
            text_depth: limits::TEXT_DEPTH.default,
            heads: limits::HEADS.default,
            attention_loss: AttentionLoss::Off,
            gamma: limits::GAMMA.default,
            match_embeddings: false,
            projection: Projection::Layer,
            p_mask: limits::P_MASK.default,
            p_replace: limits::P_REPLACE.default,
            p_ngram: limits::P_NGRAM.default,
        }
    }
}

/// Run length the schedules are spread over in the page.
pub const RUN_STEPS: usize = 1000;

impl Settings {
    pub fn student_config(&self, inputs: usize, classes: usize) -> MlpConfig {
        MlpConfig {
            inputs,
            hidden: self.student_hidden.clone(),
            classes,
            activation: Default::default(),
            ranks: Vec::new(),
            shared: false,
        }
    }

    pub fn transfer_config(&self) -> TransferConfig {
        TransferConfig {
            labeled_fraction: self.labeled_fraction,
            include_unlabeled: self.include_unlabeled,
            augment_copies: self.augment_copies,
            omit_class: self.omit_class,
            ..TransferConfig::default()
        }
    }

    /// Tang et al.'s augmentation as these settings ask for it.
    pub fn tang(&self) -> TangAugment {
        TangAugment {
            p_mask: self.p_mask,
            p_replace: self.p_replace,
            p_ngram: self.p_ngram,
            copies: self.augment_copies,
        }
    }

    pub fn distill_settings(&self) -> DistillSettings {
        if !self.has_blocks() {
            // A BiLSTM or a bag of words has no blocks to map or attention to compare: only the
            // logit terms apply.
            return DistillSettings {
                mapping: MappingScheme::None,
                attention_loss: AttentionLoss::Off,
                match_embeddings: false,
                ..self.every_term()
            };
        }
        self.every_term()
    }

    fn every_term(&self) -> DistillSettings {
        DistillSettings {
            temperature: if self.anneal_temperature {
                Schedule::Linear {
                    from: self.temperature,
                    to: 1.0,
                }
            } else {
                Schedule::constant(self.temperature)
            },
            alpha: match self.alpha_schedule {
                AlphaSchedule::Constant => Schedule::constant(self.alpha),
                AlphaSchedule::TeacherAnnealing => Schedule::TeacherAnnealing,
            },
            beta: self.beta,
            soft_loss: self.soft_loss,
            hidden_loss: self.hidden_loss,
            mapping: self.mapping.clone(),
            attention_loss: self.attention_loss,
            gamma: self.gamma,
            match_embeddings: self.match_embeddings,
            projection: self.projection,
            learning_rate: self.learning_rate,
            batch_size: self.batch_size,
            total_steps: RUN_STEPS,
            seed: self.seed,
            regularisation: Default::default(),
            kl: KlForm {
                t_squared: self.t_squared,
                reduction: self.kl_reduction,
            },
        }
    }

    /// Connects student layer `student` to teacher layer `teacher`, or disconnects them if they
    /// are connected. Returns the new mapping, or why it is impossible.
    pub fn toggle_pair(
        &self,
        student: usize,
        teacher: usize,
        teacher_depth: usize,
    ) -> Result<MappingScheme> {
        let depth = self.student_hidden.len();
        let mut pairs = self.mapping.resolve(depth, teacher_depth)?.pairs().to_vec();
        if let Some(i) = pairs.iter().position(|p| *p == (student, teacher)) {
            pairs.remove(i);
        } else {
            // Re-pointing a student layer replaces its old line.
            pairs.retain(|p| p.0 != student);
            pairs.push((student, teacher));
            pairs.sort();
        }
        LayerMapping::new(pairs.clone(), depth, teacher_depth)?;
        Ok(MappingScheme::Custom(pairs))
    }
}

/// Log-scale slider position (0..=1000) ↔ temperature in [T_MIN, T_MAX].
pub fn temperature_from_slider(position: f32) -> f32 {
    let p = (position / 1000.0).clamp(0.0, 1.0);
    T_MIN * (T_MAX / T_MIN).powf(p)
}

pub fn slider_from_temperature(t: f32) -> f32 {
    ((t.clamp(T_MIN, T_MAX) / T_MIN).ln() / (T_MAX / T_MIN).ln() * 1000.0).round()
}

/// Human reading of a soft-target distribution: the classes after the top one, most likely
/// first, with their probabilities — Hinton's "dark knowledge".
pub fn runners_up(probs: &[f32], count: usize) -> Vec<(usize, f32)> {
    let mut order: Vec<(usize, f32)> = probs.iter().copied().enumerate().collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1));
    order.into_iter().skip(1).take(count).collect()
}

/// Rejects a settings change that would make training impossible, with the reason.
pub fn check(settings: &Settings) -> Result<()> {
    settings.distill_settings().validate()?;
    settings.teacher.check(settings.dataset)?;
    let classes = settings.dataset.classes();
    if let Some(c) = settings.omit_class.filter(|c| usize::from(*c) >= classes) {
        return Err(Error::Settings(format!(
            "class {c} cannot be omitted: {} has classes 0 to {}",
            settings.dataset.name(),
            classes - 1
        )));
    }
    if settings.student_kind == NetKind::Cnn {
        settings.conv_config()?;
    }
    if settings.student_kind.reads_text() != settings.dataset.is_text() {
        return Err(Error::Settings(format!(
            "a {} student cannot read {}",
            settings.student_kind.title(),
            settings.dataset.title()
        )));
    }
    if settings.dataset.is_text() {
        settings.tang().validate()?;
        if settings.student_kind == NetKind::Transformer
            && !settings.text_width.is_multiple_of(settings.heads)
        {
            return Err(Error::Settings(format!(
                "{} heads do not divide the width {}: each head takes an equal share",
                settings.heads, settings.text_width
            )));
        }
    }
    if settings.has_blocks() {
        let depths = (settings.student_depth(), teacher_depth(settings.dataset));
        settings.mapping.resolve(depths.0, depths.1)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toggling_pairs() {
        let s = Settings::default();
        // skip for 3 ← 6 is (1,2),(2,4),(3,6); clicking an existing pair disconnects it.
        let m = s.toggle_pair(2, 4, 6).unwrap();
        assert_eq!(m, MappingScheme::Custom(vec![(1, 2), (3, 6)]));
        // Re-pointing student layer 2 at teacher 3 keeps the lines uncrossed.
        let m = s.toggle_pair(2, 3, 6).unwrap();
        assert_eq!(m, MappingScheme::Custom(vec![(1, 2), (2, 3), (3, 6)]));
        // Student layer 1 onto teacher 5 would cross the line 2→4: refused with the reason.
        let err = s.toggle_pair(1, 5, 6).unwrap_err().to_string();
        assert!(err.contains("strictly increasing"), "{err}");
        let none = Settings {
            mapping: MappingScheme::None,
            ..Settings::default()
        };
        assert_eq!(
            none.toggle_pair(3, 1, 6).unwrap(),
            MappingScheme::Custom(vec![(3, 1)])
        );
    }

    #[test]
    fn slider_is_logarithmic() {
        assert!((temperature_from_slider(0.0) - 0.5).abs() < 1e-6);
        assert!((temperature_from_slider(1000.0) - 50.0).abs() < 1e-3);
        assert!((temperature_from_slider(500.0) - 5.0).abs() < 1e-4);
        for t in [0.5, 1.0, 4.0, 20.0, 50.0] {
            let back = temperature_from_slider(slider_from_temperature(t));
            assert!((back - t).abs() / t < 0.005, "{t} → {back}");
        }
    }

    #[test]
    fn runners_up_skip_the_top_class() {
        let r = runners_up(&[0.05, 0.7, 0.15, 0.1], 2);
        assert_eq!(r, vec![(2, 0.15), (3, 0.1)]);
    }

    #[test]
    fn check_reports_impossible_settings() {
        let s = Settings {
            mapping: MappingScheme::Custom(vec![(1, 7)]),
            ..Settings::default()
        };
        assert!(check(&s).is_err());
        assert!(check(&Settings::default()).is_ok());
    }
}
