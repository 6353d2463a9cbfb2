//! A step-at-a-time trainer. It owns no loop: the CLI calls [`Trainer::step`] in a loop with a
//! progress bar, the page calls it in chunks between frames.
//!
//! One type covers the three ways a network is trained here:
//! - a teacher (or a "scratch" student) on labels alone: [`Trainer::supervised`];
//! - a student distilled from a teacher: [`Trainer::distill`].

pub mod adam;
mod aligned;
mod checks;
mod eval;
pub mod fine_tune;
mod known;
mod omitted;
mod regularise;
mod step;
mod teacher;
mod trainer;

pub use eval::{
    accuracy, feature_slices, fraction_equal, host, host_async, logits_host, predictions,
};
pub use known::KnownLogits;
pub use omitted::{OmittedReport, omitted_class_report};
pub use regularise::{Regularisation, jitter_images, shift};

use crate::limits;
use burn::module::Module;
use burn::nn::Linear;
use burn::optim::ModuleOptimizer;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::data::{Batch, Batches, TransferSet};
use crate::error::{Error, Result};
use crate::loss::{self, AttentionLoss, HiddenLoss, KlForm, Projection, SoftLoss};
use crate::mapping::{LayerMapping, MappingScheme};
use crate::network::{Architecture, Ensemble, Network};
use crate::schedule::Schedule;

/// Every knob of a distillation run. Defaults are sensible for the digits set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DistillSettings {
    /// Softmax temperature T of the soft targets.
    pub temperature: Schedule,
    /// α: weight of the hard-label cross-entropy; the soft term gets `1 − α`.
    pub alpha: Schedule,
    /// β: weight of the hidden-state term.
    pub beta: f32,
    pub soft_loss: SoftLoss,
    pub hidden_loss: HiddenLoss,
    pub mapping: MappingScheme,
    /// TinyBERT's embedding-layer loss: the embedding outputs (layer 0) join the mapped pairs
    /// of the hidden term (text networks).
    pub match_embeddings: bool,
    /// Where the hidden term bridges differing widths: a matrix per layer, or one shared.
    #[serde(default)]
    pub projection: Projection,
    /// Attention transfer (transformers): TinyBERT's head-by-head attention MSE over the mapped
    /// blocks, or MiniLM's last-block relations.
    pub attention_loss: AttentionLoss,
    /// γ: weight of the attention term.
    pub gamma: f32,
    pub learning_rate: f64,
    pub batch_size: usize,
    /// Length of the run, which the schedules are spread over.
    pub total_steps: usize,
    pub seed: u64,
    /// Dropout, jittered images and weight decay (all off by default).
    pub regularisation: Regularisation,
    /// How the KL soft term is scaled (T² and its reduction; Hinton's by default).
    #[serde(default)]
    pub kl: KlForm,
}

impl Default for DistillSettings {
    fn default() -> Self {
        Self {
            temperature: Schedule::constant(limits::TEMPERATURE.default),
            alpha: Schedule::constant(limits::ALPHA.default),
            beta: limits::BETA.default,
            soft_loss: SoftLoss::HintonKl,
            hidden_loss: HiddenLoss::Mse,
            mapping: MappingScheme::Skip,
            match_embeddings: false,
            projection: Projection::Layer,
            attention_loss: AttentionLoss::Off,
            gamma: limits::GAMMA.default,
            learning_rate: limits::LEARNING_RATE.default,
            batch_size: limits::BATCH_SIZE.default,
            total_steps: 1000,
            seed: 42,
            regularisation: Regularisation::default(),
            kl: KlForm::HINTON,
        }
    }
}

pub const MAX_BATCH: usize = limits::BATCH_SIZE.max;

impl DistillSettings {
    pub fn validate(&self) -> Result<()> {
        let t = limits::TEMPERATURE;
        self.temperature.check(t.what, t.min, t.max)?;
        if self.temperature == Schedule::TeacherAnnealing {
            return Err(Error::Settings(
                "teacher annealing is a schedule for α, not for the temperature".into(),
            ));
        }
        self.alpha.check(limits::ALPHA.what, 0.0, 1.0)?;
        limits::BETA.check(self.beta)?;
        limits::GAMMA.check(self.gamma)?;
        limits::LEARNING_RATE.check(self.learning_rate)?;
        limits::BATCH_SIZE.check(self.batch_size)?;
        if self.total_steps == 0 {
            return Err(Error::Settings("a run needs at least one step".into()));
        }
        self.regularisation.validate()
    }

    fn progress(&self, step: usize) -> f32 {
        step as f32 / self.total_steps.max(1) as f32
    }
}

/// What one training step measured.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepMetrics {
    /// Steps completed, this one included.
    pub step: usize,
    pub epoch: usize,
    pub total: f32,
    pub hard: f32,
    pub soft: f32,
    pub hidden: f32,
    /// The attention-transfer term (0 without one).
    #[serde(default)]
    pub attention: f32,
    /// Accuracy on the labeled rows of the batch; `None` when the batch had none.
    pub batch_accuracy: Option<f32>,
    pub temperature: f32,
    pub alpha: f32,
    /// With the gradient probe on ([`Trainer::probe_gradients`]): the sizes of the gradients the
    /// weighted hard and soft terms send into the logits, `[hard, soft]`.
    #[serde(default)]
    pub logit_gradients: Option<[f32; 2]>,
}

impl StepMetrics {
    /// The loss's parts as they enter the total: `[α·hard, (1−α)·soft, β·hidden, γ·attention]`.
    pub fn weighted(&self, beta: f32, gamma: f32) -> [f32; 4] {
        [
            self.alpha * self.hard,
            (1.0 - self.alpha) * self.soft,
            beta * self.hidden,
            gamma * self.attention,
        ]
    }
}

/// Test-set quality of a network.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub accuracy: f32,
    /// Fraction of test examples where the student's top class is the teacher's.
    pub teacher_agreement: Option<f32>,
}

/// The student and the learned projections that map its hidden widths onto the teacher's.
#[derive(Module, Debug)]
pub struct StudentModule {
    pub net: Network,
    /// One per hidden pair; `None` where the widths already match (or one is shared).
    pub projections: Vec<Option<Linear>>,
    /// The one projection every pair shares ([`Projection::SharedUp`] or `SharedDown`).
    pub shared: Option<Linear>,
}

struct Teacher {
    /// One teacher, or several whose soft targets are averaged (MT-DNN).
    net: Ensemble,
    mapping: LayerMapping,
    /// The `(student, teacher)` layers of the hidden term: the mapping's pairs, after (0, 0)
    /// when the embeddings are matched too. Empty when β = 0.
    hidden_pairs: Vec<(usize, usize)>,
    /// The teacher's outputs for every transfer row, computed once (the teacher is frozen and the
    /// rows are fixed), so a step gathers its targets instead of running the teacher again.
    /// `None` when they would not fit [`TEACHER_CACHE_FLOATS`].
    cache: Option<TeacherCache>,
}

impl Teacher {
    /// The teacher with its outputs on `data` computed once (its hidden states too when
    /// `hidden`), those in `known` looked up; without a cache when they would not fit.
    fn with_cache(
        mut self,
        student: &Architecture,
        hidden: bool,
        data: &TransferSet,
        known: Option<&KnownLogits>,
        device: &Device,
    ) -> Self {
        self.cache =
            TeacherCache::build(&self, student, hidden, data, known, &device.clone().inner());
        self
    }
}

/// Teacher logits `[rows, classes]` and, when they fit too, the hidden states of the mapped
/// teacher layers `[rows, positions, width]`, in `hidden_pairs` order (already cut to the
/// student's positions). They stay on the training device.
struct TeacherCache {
    /// One per ensemble member, combined when gathered (so the weights can change live).
    logits: Vec<Tensor<2>>,
    hidden: Option<Vec<Tensor<3>>>,
}

/// Largest teacher cache kept on the device (64 MB of f32); beyond it the teacher runs per step.
pub const TEACHER_CACHE_FLOATS: usize = 16 << 20;

/// Trains one network a step at a time.
pub struct Trainer {
    device: Device,
    /// The student's architecture (what its taps look like).
    architecture: Architecture,
    student: StudentModule,
    optimizer: ModuleOptimizer,
    /// The weights (and optimizer state) that last produced a finite loss.
    last_good: Option<(StudentModule, ModuleOptimizer)>,
    teacher: Option<Teacher>,
    settings: DistillSettings,
    data: TransferSet,
    batches: Batches,
    step: usize,
    halted: Option<Error>,
    /// Whether steps also measure the logit gradients of the hard and soft terms.
    gradient_probe: bool,
}

/// A trainer's place, to go back to (see [`Trainer::checkpoint`]).
#[derive(Clone)]
pub struct Checkpoint {
    student: StudentModule,
    optimizer: ModuleOptimizer,
    last_good: Option<(StudentModule, ModuleOptimizer)>,
    step: usize,
}

/// Everything computed for a step before its numbers are read back.
struct PendingStep {
    terms: loss::LossTerms,
    /// Loss terms and the batch's logits in one tensor, so one device read gets them all.
    readout: Tensor<1>,
    batch: Batch,
    temperature: f32,
    alpha: f32,
    epoch: usize,
    /// Whether `readout` holds the two logit-gradient norms after the losses.
    probed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Dataset;
    use crate::data::{ToyKind, TransferConfig, digits, toy_dataset};
    use crate::network::{Mlp, MlpConfig};
    use crate::weights::MlpWeights;
    use futures_lite::future::block_on;

    fn digits_transfer(fraction: f32) -> (TransferSet, Dataset) {
        let split = digits().unwrap();
        let config = TransferConfig {
            labeled_fraction: fraction,
            ..Default::default()
        };
        (
            TransferSet::build(&split.train, &config, 1).unwrap(),
            split.test,
        )
    }

    #[test]
    fn supervised_training_learns_moons() {
        let split = toy_dataset(ToyKind::Moons, 600, 0.05, 3).split(0.3, 3);
        let data = TransferSet::build(&split.train, &TransferConfig::default(), 0).unwrap();
        let config = MlpConfig {
            inputs: 2,
            hidden: vec![16, 16],
            classes: 2,
            activation: Default::default(),
            ranks: Vec::new(),
            shared: false,
        };
        let settings = DistillSettings {
            learning_rate: 0.01,
            batch_size: 32,
            ..Default::default()
        };
        let mut trainer = Trainer::supervised(&config, data, settings, &Device::flex()).unwrap();
        let before = trainer.evaluate(&split.test).unwrap().accuracy;
        let first = trainer.step().unwrap();
        let mut last = first;
        for _ in 0..400 {
            last = trainer.step().unwrap();
        }
        let after = trainer.evaluate(&split.test).unwrap();
        assert!(after.accuracy > 0.95, "before {before}, after {after:?}");
        assert!(last.hard < first.hard);
        assert_eq!((last.soft, last.hidden), (0.0, 0.0));
        assert_eq!(after.teacher_agreement, None);
        assert!(trainer.epoch() > 1);
    }

    /// One shared matrix instead of one per layer: student → teacher (up) or teacher →
    /// student (down), learned (the hidden term falls to a quarter), and refused where the mapped layers'
    /// widths differ from one another.
    #[test]
    fn shared_projections_one_matrix_either_way() {
        let device = Device::flex();
        let teacher = MlpConfig::teacher(64, 10).init(&device, 7).unwrap();
        let config = MlpConfig::student(64, 10);
        for (projection, shape) in [
            (Projection::SharedUp, [32, 128]),
            (Projection::SharedDown, [128, 32]),
        ] {
            let settings = DistillSettings {
                beta: 1.0,
                mapping: MappingScheme::Last,
                projection,
                learning_rate: 0.01,
                total_steps: 60,
                ..Default::default()
            };
            let (data, _) = digits_transfer(0.2);
            let mut trainer = Trainer::distill(&config, &teacher, data, settings, &device).unwrap();
            assert!(trainer.student.projections.iter().all(Option::is_none));
            let shared = trainer.student.shared.as_ref().unwrap();
            assert_eq!(shared.weight.dims(), shape, "{projection:?}");
            let hidden: Vec<f32> = (0..60).map(|_| trainer.step().unwrap().hidden).collect();
            // Down, the term is in the student's width and grows back as the student's states
            // grow for its task: its low point shows the matching.
            let lowest = hidden.iter().copied().fold(f32::MAX, f32::min);
            assert!(lowest < 0.25 * hidden[0], "{projection:?}: {hidden:?}");
        }
        let uneven = MlpConfig {
            hidden: vec![32, 48, 32],
            ..MlpConfig::student(64, 10)
        };
        let settings = DistillSettings {
            beta: 1.0,
            mapping: MappingScheme::Last,
            projection: Projection::SharedUp,
            ..Default::default()
        };
        let (data, _) = digits_transfer(0.2);
        let err = Trainer::distill(&uneven, &teacher, data, settings, &device)
            .err()
            .unwrap();
        assert!(err.to_string().contains("same widths"), "{err}");
    }

    #[test]
    fn distillation_terms_and_projection() {
        let (data, test) = digits_transfer(0.2);
        let device = Device::flex();
        let teacher = MlpConfig::teacher(64, 10).init(&device, 7).unwrap();
        let settings = DistillSettings {
            beta: 1.0,
            mapping: MappingScheme::Last,
            temperature: Schedule::Linear { from: 8.0, to: 2.0 },
            alpha: Schedule::TeacherAnnealing,
            total_steps: 10,
            ..Default::default()
        };
        let config = MlpConfig::student(64, 10);
        let mut trainer = Trainer::distill(&config, &teacher, data, settings, &device).unwrap();
        // 32-wide student layers supervised by 128-wide teacher layers: three projections.
        assert_eq!(trainer.student.projections.iter().flatten().count(), 3);
        assert_eq!(
            trainer.mapping().unwrap().pairs(),
            &[(1, 4), (2, 5), (3, 6)]
        );
        let m0 = trainer.step().unwrap();
        assert_eq!((m0.temperature, m0.alpha), (8.0, 0.0));
        assert!(m0.soft > 0.0 && m0.hidden > 0.0 && m0.hard > 0.0);
        let expected = m0.alpha * m0.hard + (1.0 - m0.alpha) * m0.soft + m0.hidden;
        assert!((m0.total - expected).abs() < 1e-4 * expected.abs().max(1.0));
        for _ in 0..4 {
            trainer.step().unwrap();
        }
        let m5 = trainer.step().unwrap();
        assert!((m5.temperature - 5.0).abs() < 1e-5, "{}", m5.temperature);
        assert!((m5.alpha - 0.5).abs() < 1e-6);
        let eval = trainer.evaluate(&test).unwrap();
        assert!(eval.teacher_agreement.is_some());
    }

    /// The probe's soft gradient shrinks by T² without the factor and by the number of classes
    /// with the element mean; the hard one does not move, and the probe leaves the rest alone.
    #[test]
    fn gradient_probe_shows_the_kl_mistakes() {
        let (data, _) = digits_transfer(1.0);
        let device = Device::flex();
        let teacher = MlpConfig::teacher(64, 10).init(&device, 7).unwrap();
        let run = |kl: KlForm, probe: bool| {
            let settings = DistillSettings {
                temperature: Schedule::constant(4.0),
                kl,
                ..Default::default()
            };
            let config = MlpConfig::student(64, 10);
            let mut t =
                Trainer::distill(&config, &teacher, data.clone(), settings, &device).unwrap();
            t.probe_gradients(probe);
            let first = t.step().unwrap();
            let chunk = block_on(t.steps_async(2)).unwrap();
            (first, chunk)
        };
        let (right, right_chunk) = run(KlForm::HINTON, true);
        let no_t2 = KlForm {
            t_squared: false,
            ..KlForm::HINTON
        };
        let mean = KlForm {
            reduction: loss::KlReduction::ElementMean,
            ..KlForm::HINTON
        };
        let [hard, soft] = right.logit_gradients.unwrap();
        let [hard_no_t2, soft_no_t2] = run(no_t2, true).0.logit_gradients.unwrap();
        let [hard_mean, soft_mean] = run(mean, true).0.logit_gradients.unwrap();
        assert!((hard - hard_no_t2).abs() < 1e-6 && (hard - hard_mean).abs() < 1e-6);
        assert!(
            (soft / soft_no_t2 - 16.0).abs() < 1e-3,
            "{soft} / {soft_no_t2}"
        );
        assert!(
            (soft / soft_mean - 10.0).abs() < 1e-3,
            "{soft} / {soft_mean}"
        );
        // Unprobed, the same run reads the same batch accuracies and losses.
        let (plain, plain_chunk) = run(KlForm::HINTON, false);
        assert_eq!(plain.logit_gradients, None);
        assert_eq!(plain.batch_accuracy, right.batch_accuracy);
        for (a, b) in plain_chunk.iter().zip(&right_chunk) {
            assert_eq!((a.batch_accuracy, a.total), (b.batch_accuracy, b.total));
            assert!(b.logit_gradients.is_some());
        }
    }

    /// Token rows for the attention tests: class 1 sentences contain word 7.
    fn token_set() -> TransferSet {
        let (mut features, mut labels) = (Vec::new(), Vec::new());
        for i in 0..48u32 {
            let class = (i % 2) as u8;
            let mut row = vec![
                2.0,
                (5 + i % 3) as f32,
                if class == 1 { 7.0 } else { 8.0 },
                3.0,
            ];
            row.resize(6, 0.0);
            features.extend(row);
            labels.push(class);
        }
        let train = Dataset::new("tokens", features, labels, 6, 2, None).unwrap();
        TransferSet::build(&train, &TransferConfig::default(), 1).unwrap()
    }

    fn tiny_transformer(
        width: usize,
        heads: usize,
        blocks: usize,
    ) -> crate::network::TransformerConfig {
        crate::network::TransformerConfig {
            vocab: 12,
            max_len: 6,
            width,
            heads,
            blocks,
            ff: 2 * width,
            classes: 2,
            dropout: 0.0,
        }
    }

    #[test]
    fn attention_transfer_trains_and_names_what_cannot_match() {
        let device = Device::flex();
        let teacher = tiny_transformer(16, 4, 4).init(&device, 1).unwrap();
        let attention = |kind, gamma| DistillSettings {
            attention_loss: kind,
            gamma,
            batch_size: 16,
            learning_rate: 1e-2,
            ..Default::default()
        };
        // TinyBERT: heads must match, and the error says what to do.
        let two_heads = tiny_transformer(8, 2, 2);
        let err = Trainer::distill(
            two_heads.clone(),
            teacher.clone(),
            token_set(),
            attention(AttentionLoss::TinyBert, 1.0),
            &device,
        )
        .map(|_| ())
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("the student has 2 heads, the teacher 4") && err.contains("MiniLM"),
            "{err}"
        );
        // MiniLM works across widths and head counts; its term falls as the student learns.
        for (student, kind) in [
            (two_heads, AttentionLoss::MiniLm),
            (tiny_transformer(8, 4, 2), AttentionLoss::TinyBert),
        ] {
            let mut t = Trainer::distill(
                student,
                teacher.clone(),
                token_set(),
                attention(kind, 1.0),
                &device,
            )
            .unwrap();
            let first = t.step().unwrap();
            let mut last = first;
            for _ in 0..40 {
                last = t.step().unwrap();
            }
            assert!(
                first.attention > 0.0 && last.attention < first.attention,
                "{kind:?}: {first:?} → {last:?}"
            );
            let expected = last.alpha * last.hard + (1.0 - last.alpha) * last.soft + last.attention;
            assert!((last.total - expected).abs() < 1e-4, "{last:?}");
        }
        // γ = 0 switches the term off; an MLP has no attention to transfer.
        let mut off = Trainer::distill(
            tiny_transformer(8, 4, 2),
            teacher.clone(),
            token_set(),
            attention(AttentionLoss::MiniLm, 0.0),
            &device,
        )
        .unwrap();
        assert_eq!(off.step().unwrap().attention, 0.0);
        let mlp = MlpConfig::student(6, 2);
        let err = Trainer::distill(
            &mlp,
            teacher,
            token_set(),
            attention(AttentionLoss::MiniLm, 1.0),
            &device,
        )
        .map(|_| ())
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("vocabulary") || err.contains("transformer"),
            "{err}"
        );
    }

    #[test]
    fn embeddings_join_the_hidden_term_when_matched() {
        let device = Device::flex();
        let teacher = tiny_transformer(16, 4, 2).init(&device, 1).unwrap();
        let settings = |embeddings| DistillSettings {
            beta: 1.0,
            match_embeddings: embeddings,
            mapping: MappingScheme::Last,
            batch_size: 16,
            ..Default::default()
        };
        let student = tiny_transformer(8, 4, 1);
        let with = Trainer::distill(
            student.clone(),
            teacher.clone(),
            token_set(),
            settings(true),
            &device,
        )
        .unwrap();
        let without =
            Trainer::distill(student, teacher, token_set(), settings(false), &device).unwrap();
        // (0, 0) first, then the mapping's pair; a projection for each (8 → 16 wide).
        assert_eq!(
            with.teacher.as_ref().unwrap().hidden_pairs,
            [(0, 0), (1, 2)]
        );
        assert_eq!(without.teacher.as_ref().unwrap().hidden_pairs, [(1, 2)]);
        assert_eq!(with.student.projections.iter().flatten().count(), 2);
    }

    #[test]
    fn a_reseeded_trainer_is_a_fresh_trainer_of_that_seed() {
        let (data, _) = digits_transfer(0.3);
        let device = Device::flex();
        let teacher = MlpConfig::teacher(64, 10).init(&device, 7).unwrap();
        let config = MlpConfig::student(64, 10);
        let settings = |seed| DistillSettings {
            beta: 0.5,
            seed,
            ..Default::default()
        };
        let mut reused =
            Trainer::distill(&config, &teacher, data.clone(), settings(1), &device).unwrap();
        for _ in 0..3 {
            reused.step().unwrap();
        }
        reused.reseed(5).unwrap();
        let mut fresh = Trainer::distill(&config, &teacher, data, settings(5), &device).unwrap();
        assert_eq!(reused.steps_done(), 0);
        for _ in 0..4 {
            assert_eq!(reused.step().unwrap(), fresh.step().unwrap());
        }
    }

    #[test]
    fn cached_teacher_targets_equal_a_teacher_forward_per_step() {
        let (data, _) = digits_transfer(0.3);
        let device = Device::flex();
        let teacher = MlpConfig::teacher(64, 10).init(&device, 7).unwrap();
        let settings = DistillSettings {
            beta: 0.5,
            hidden_loss: HiddenLoss::Pkd,
            ..Default::default()
        };
        let config = MlpConfig::student(64, 10);
        let make = || {
            Trainer::distill(&config, &teacher, data.clone(), settings.clone(), &device).unwrap()
        };
        let (mut cached, mut direct) = (make(), make());
        assert!(cached.teacher.as_ref().unwrap().cache.is_some());
        direct.teacher.as_mut().unwrap().cache = None;
        for _ in 0..5 {
            let (a, b) = (cached.step().unwrap(), direct.step().unwrap());
            for (x, y) in [(a.soft, b.soft), (a.hidden, b.hidden), (a.total, b.total)] {
                assert!((x - y).abs() <= 1e-5 * y.abs().max(1.0), "{a:?} vs {b:?}");
            }
            assert!(a.hidden > 0.0);
        }
    }

    #[test]
    fn a_batch_without_labels_leaves_a_teacherless_network_alone() {
        let split = digits().unwrap();
        let config = TransferConfig {
            labeled_fraction: 0.1,
            ..Default::default()
        };
        let data = TransferSet::build(&split.train, &config, 1).unwrap();
        let settings = DistillSettings {
            batch_size: 1,
            ..Default::default()
        };
        let device = Device::flex();
        let mut trainer =
            Trainer::supervised(MlpConfig::student(64, 10), data, settings, &device).unwrap();
        let probe = split.test.subset(&[0, 1, 2]);
        let (mut unchanged, mut changed) = (0, 0);
        for _ in 0..40 {
            let before = logits_host(&trainer.network(), &probe, &device).unwrap();
            let m = trainer.step().unwrap();
            let after = logits_host(&trainer.network(), &probe, &device).unwrap();
            if m.batch_accuracy.is_none() {
                assert_eq!(before, after, "an unlabeled row moved the weights");
                unchanged += 1;
            } else {
                assert_ne!(before, after);
                changed += 1;
            }
        }
        assert!(unchanged > 20 && changed > 0, "{unchanged} / {changed}");
    }

    #[test]
    fn a_restored_run_continues_with_the_same_weights_and_batches() {
        let (data, test) = digits_transfer(0.5);
        let device = Device::flex();
        let config = MlpConfig::student(64, 10);
        let settings = DistillSettings::default();
        let make =
            || Trainer::supervised(&config, data.clone(), settings.clone(), &device).unwrap();
        let mut original = make();
        for _ in 0..30 {
            original.step().unwrap();
        }
        let saved = MlpWeights::from_network(&original.network()).unwrap();
        let mut restored = make();
        restored.restore(&saved, 30).unwrap();
        assert_eq!(restored.steps_done(), 30);
        assert_eq!(restored.epoch(), original.epoch());
        assert_eq!(
            logits_host(&restored.network(), &test, &device).unwrap(),
            logits_host(&original.network(), &test, &device).unwrap()
        );
        // Same weights and the same next batch: the same loss before the update.
        assert_eq!(restored.step().unwrap().hard, original.step().unwrap().hard);
        let wrong = MlpWeights::from_mlp(&MlpConfig::student(64, 10).init(&device, 1).unwrap())
            .map(|mut w| {
                w.config.hidden = vec![8];
                w
            })
            .unwrap();
        assert!(restored.restore(&wrong, 3).is_err());
        assert_eq!(
            restored.steps_done(),
            31,
            "a refused restore changes nothing"
        );
    }

    #[test]
    fn equal_widths_need_no_projection() {
        let (data, _) = digits_transfer(1.0);
        let device = Device::flex();
        let teacher = MlpConfig {
            hidden: vec![32; 6],
            ..MlpConfig::teacher(64, 10)
        }
        .init(&device, 7)
        .unwrap();
        let settings = DistillSettings {
            beta: 1.0,
            ..Default::default()
        };
        let trainer = Trainer::distill(
            MlpConfig::student(64, 10),
            &teacher,
            data,
            settings,
            &device,
        )
        .unwrap();
        assert_eq!(trainer.student.projections.len(), 3);
        assert!(trainer.student.projections.iter().all(Option::is_none));
    }

    #[test]
    fn bad_settings_and_mismatches_are_errors() {
        let device = Device::flex();
        let (data, _) = digits_transfer(1.0);
        let teacher = MlpConfig::teacher(64, 10).init(&device, 7).unwrap();
        let student = MlpConfig::student(64, 10);
        let try_settings = |s: DistillSettings| {
            Trainer::distill(&student, &teacher, data.clone(), s, &device)
                .err()
                .map(|e| e.to_string())
        };
        assert!(
            try_settings(DistillSettings {
                learning_rate: f64::NAN,
                ..Default::default()
            })
            .is_some()
        );
        assert!(
            try_settings(DistillSettings {
                batch_size: 0,
                ..Default::default()
            })
            .is_some()
        );
        assert!(
            try_settings(DistillSettings {
                temperature: Schedule::constant(0.0),
                ..Default::default()
            })
            .is_some()
        );
        assert!(
            try_settings(DistillSettings {
                temperature: Schedule::TeacherAnnealing,
                ..Default::default()
            })
            .is_some()
        );
        let err = try_settings(DistillSettings {
            mapping: MappingScheme::parse("2,9,10").unwrap(),
            ..Default::default()
        })
        .unwrap();
        assert!(err.contains("teacher layer 9"), "{err}");
        let wrong = MlpConfig::student(2, 10);
        assert!(
            Trainer::distill(&wrong, &teacher, data, DistillSettings::default(), &device).is_err()
        );
    }

    #[test]
    fn divergence_stops_and_keeps_last_good_weights() {
        let (data, test) = digits_transfer(1.0);
        let device = Device::flex();
        let mut trainer = Trainer::supervised(
            MlpConfig::student(64, 10),
            data,
            DistillSettings::default(),
            &device,
        )
        .unwrap();
        for _ in 0..20 {
            trainer.step().unwrap();
        }
        let good = logits_host(&trainer.network(), &test, &device).unwrap();
        // Poison the weights as a blown-up update would.
        trainer.map_network(Mlp::poisoned);
        let err = trainer.step().unwrap_err();
        assert!(matches!(err, Error::Diverged { step: 21, .. }), "{err}");
        assert!(err.to_string().contains("last good weights were kept"));
        // The weights that produced the last finite loss are back: the ones before step 20's update.
        let restored = logits_host(&trainer.network(), &test, &device).unwrap();
        assert!(restored.iter().all(|v| v.is_finite()));
        assert_ne!(
            restored, good,
            "restored weights should be the pre-update snapshot"
        );
        assert_eq!(trainer.steps_done(), 20);
        // Stopped until the user resumes, with an error that says so (not a device failure).
        let stopped = trainer.step().unwrap_err();
        assert!(matches!(stopped, Error::Halted(_)), "{stopped}");
        assert!(stopped.is_divergence() && err.is_divergence());
        trainer.resume();
        trainer.step().unwrap();
    }

    /// Lowering the learning rate after a divergence is acting on it: training runs again.
    #[test]
    fn a_lower_learning_rate_clears_a_divergence_stop() {
        let (data, _) = digits_transfer(1.0);
        let device = Device::flex();
        let settings = DistillSettings::default();
        let mut trainer =
            Trainer::supervised(MlpConfig::student(64, 10), data, settings.clone(), &device)
                .unwrap();
        trainer.step().unwrap();
        trainer.map_network(Mlp::poisoned);
        assert!(trainer.step().unwrap_err().is_divergence());
        // The same settings again change nothing: still stopped.
        let (t, a, lr) = (settings.temperature, settings.alpha, settings.learning_rate);
        trainer.retune(t, a, lr).unwrap();
        assert!(matches!(trainer.step(), Err(Error::Halted(_))));
        trainer.retune(t, a, lr / 10.0).unwrap();
        assert!(trainer.halted().is_none());
    }

    #[test]
    fn rewinding_a_checkpoint_replays_the_same_batches() {
        let (data, test) = digits_transfer(0.5);
        let device = Device::flex();
        let mut trainer = Trainer::supervised(
            MlpConfig::student(64, 10),
            data,
            DistillSettings::default(),
            &device,
        )
        .unwrap();
        trainer.step().unwrap();
        let mark = trainer.checkpoint();
        let first: Vec<f32> = (0..3).map(|_| trainer.step().unwrap().total).collect();
        let after = logits_host(&trainer.network(), &test, &device).unwrap();
        trainer.rewind(mark).unwrap();
        assert_eq!(trainer.steps_done(), 1);
        let again: Vec<f32> = (0..3).map(|_| trainer.step().unwrap().total).collect();
        assert_eq!(first, again);
        assert_eq!(
            after,
            logits_host(&trainer.network(), &test, &device).unwrap()
        );
    }

    #[test]
    fn a_chunk_read_once_equals_single_steps() {
        let (data, test) = digits_transfer(0.3);
        let device = Device::flex();
        let teacher = MlpConfig::teacher(64, 10).init(&device, 7).unwrap();
        let make = || {
            Trainer::distill(
                MlpConfig::student(64, 10),
                &teacher,
                data.clone(),
                DistillSettings::default(),
                &device,
            )
            .unwrap()
        };
        let (mut single, mut chunked) = (make(), make());
        let one: Vec<StepMetrics> = (0..7).map(|_| single.step().unwrap()).collect();
        let many = block_on(chunked.steps_async(7)).unwrap();
        assert_eq!(one, many);
        assert_eq!(chunked.steps_done(), 7);
        assert_eq!(
            logits_host(&chunked.network(), &test, &device).unwrap(),
            logits_host(&single.network(), &test, &device).unwrap()
        );
    }

    #[test]
    fn divergence_inside_a_chunk_rolls_back_to_the_last_finite_step() {
        let (data, test) = digits_transfer(1.0);
        let device = Device::flex();
        let make = || {
            Trainer::supervised(
                MlpConfig::student(64, 10),
                data.clone(),
                DistillSettings::default(),
                &device,
            )
            .unwrap()
        };
        let mut trainer = make();
        block_on(trainer.steps_async(10)).unwrap();
        // Reference: the weights before step 10's update.
        let mut reference = make();
        for _ in 0..9 {
            reference.step().unwrap();
        }
        let before_update_10 = logits_host(&reference.network(), &test, &device).unwrap();
        trainer.map_network(Mlp::poisoned);
        let err = block_on(trainer.steps_async(5)).unwrap_err();
        assert!(matches!(err, Error::Diverged { step: 11, .. }), "{err}");
        assert_eq!(trainer.steps_done(), 10);
        assert_eq!(
            logits_host(&trainer.network(), &test, &device).unwrap(),
            before_update_10
        );
        assert!(block_on(trainer.steps_async(2)).is_err());
        trainer.resume();
        // Continues with the batch that step 11 had.
        let next = block_on(trainer.steps_async(1)).unwrap();
        assert_eq!(next[0].step, 11);
        assert!(next[0].total.is_finite());
    }

    #[test]
    fn step_async_matches_step() {
        let (data, _) = digits_transfer(1.0);
        let device = Device::flex();
        let make = || {
            Trainer::supervised(
                MlpConfig::student(64, 10),
                data.clone(),
                DistillSettings::default(),
                &device,
            )
            .unwrap()
        };
        let (mut a, mut b) = (make(), make());
        let ma = a.step().unwrap();
        let mb = block_on(b.step_async()).unwrap();
        assert_eq!(ma, mb);
    }
}
