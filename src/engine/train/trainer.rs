//! Building a trainer, its settings while it runs, checkpoints, and restoring saved weights.

use burn::module::Module;
use burn::tensor::Device;
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;

use crate::engine::data::{Batches, Dataset, TransferSet};
use crate::engine::error::{Error, Result};
use crate::engine::loss::AttentionLoss;
use crate::engine::mapping::{LayerMapping, MappingScheme};
use crate::engine::network::{Architecture, Classifier, Mlp, MlpDropout, Network, random_linear};
use crate::engine::schedule::Schedule;
use crate::engine::weights::NetworkWeights;

use super::*;

impl Trainer {
    /// A network trained on labels alone (a teacher, or a student without a teacher).
    pub fn supervised(
        config: impl Into<Architecture>,
        data: TransferSet,
        settings: DistillSettings,
        device: &Device,
    ) -> Result<Self> {
        Self::build(config.into(), data, settings, None, device)
    }

    /// A student distilled from `teacher`.
    pub fn distill(
        config: impl Into<Architecture>,
        teacher: impl Into<Network>,
        data: TransferSet,
        settings: DistillSettings,
        device: &Device,
    ) -> Result<Self> {
        Self::distill_known(config, teacher, data, settings, device, None)
    }

    /// A student distilled from `teacher`, whose logits of some rows are already `known` (its
    /// cache then reads only the others).
    pub fn distill_known(
        config: impl Into<Architecture>,
        teacher: impl Into<Network>,
        data: TransferSet,
        settings: DistillSettings,
        device: &Device,
        known: Option<&KnownLogits>,
    ) -> Result<Self> {
        let teacher = Ensemble::from(teacher.into());
        Self::from_teachers(config.into(), teacher, data, settings, device, known)
    }

    /// A student distilled from several teachers at once: the weighted average of their soft
    /// targets (MT-DNN). The hidden and attention terms need one teacher, so they are refused.
    pub fn distill_ensemble(
        config: impl Into<Architecture>,
        teachers: Ensemble,
        data: TransferSet,
        settings: DistillSettings,
        device: &Device,
    ) -> Result<Self> {
        let attention = settings.gamma > 0.0 && settings.attention_loss != AttentionLoss::Off;
        if teachers.members().len() > 1 && (settings.beta > 0.0 || attention) {
            return Err(Error::Settings(
                "an ensemble of teachers gives soft targets only: set β to 0 and attention \
                 transfer off, or distil from one teacher"
                    .into(),
            ));
        }
        Self::from_teachers(config.into(), teachers, data, settings, device, None)
    }

    fn from_teachers(
        config: Architecture,
        teacher: Ensemble,
        data: TransferSet,
        settings: DistillSettings,
        device: &Device,
        known: Option<&KnownLogits>,
    ) -> Result<Self> {
        let teacher_config = teacher.architecture();
        let (_, teacher_inputs) = data.teacher_features();
        check_shapes(&config, &teacher_config, &data)?;
        // A mapping only matters to the hidden term and TinyBERT's attention term. With both
        // off, a skip or last scheme that the depths do not allow (a BiLSTM from a bag of
        // words) maps nothing; a custom mapping is always checked, as the user wrote it.
        let mapped = settings.beta > 0.0
            || (settings.gamma > 0.0 && settings.attention_loss == AttentionLoss::TinyBert);
        let mapping = match settings
            .mapping
            .resolve(config.depth(), teacher_config.depth())
        {
            Err(_) if !mapped && !matches!(settings.mapping, MappingScheme::Custom(_)) => {
                MappingScheme::None.resolve(config.depth(), teacher_config.depth())?
            }
            resolved => resolved?,
        };
        if data.teacher_rows.is_some() {
            check_own_rows(&config, &teacher_config, &data, &settings)?;
        } else {
            check_text_pair(&config, &teacher_config, &settings)?;
        }
        teacher_config.check_training_batch(settings.batch_size, teacher_inputs, false)?;
        let hidden_pairs = hidden_pairs(
            &config,
            &teacher_config,
            &mapping,
            &settings,
            data.is_aligned(),
        )?;
        let mut teacher = Teacher {
            net: teacher.valid(),
            mapping,
            hidden_pairs,
            cache: None,
        };
        teacher.cache = TeacherCache::build(
            &teacher,
            &config,
            settings.beta > 0.0,
            &data,
            known,
            &device.clone().inner(),
        );
        Self::build(config, data, settings, Some(teacher), device)
    }

    fn build(
        config: Architecture,
        data: TransferSet,
        settings: DistillSettings,
        teacher: Option<Teacher>,
        device: &Device,
    ) -> Result<Self> {
        settings.validate()?;
        config.validate()?;
        config.check_training_batch(settings.batch_size, config.inputs(), true)?;
        data.check_fits(config.inputs(), config.classes(), "the network")?;
        if teacher.is_none() && data.labeled == 0 {
            return Err(Error::Settings(
                "training without a teacher needs labeled examples".into(),
            ));
        }
        let device = device.clone().inner();
        settings.regularisation.fits(&data, teacher.is_some())?;
        let student = fresh_student(&config, teacher.as_ref(), &settings, &device)?;
        let batches = Batches::new(data.len(), settings.batch_size, settings.seed)?;
        Ok(Self {
            device,
            architecture: config,
            student,
            optimizer: settings.regularisation.optimizer().init(),
            last_good: None,
            teacher,
            settings,
            data,
            batches,
            step: 0,
            halted: None,
            gradient_probe: false,
        })
    }

    /// Starts over with another seed: a fresh student (and projections), optimizer and batch
    /// order, on the same data and with the same teacher and teacher cache (which is what makes
    /// this cheaper than a new trainer: the cache is the teacher over every transfer row).
    pub fn reseed(&mut self, seed: u64) -> Result<()> {
        let mut settings = self.settings.clone();
        settings.seed = seed;
        self.student = fresh_student(
            &self.architecture,
            self.teacher.as_ref(),
            &settings,
            &self.device,
        )?;
        self.batches = Batches::new(self.data.len(), settings.batch_size, seed)?;
        self.optimizer = settings.regularisation.optimizer().init();
        self.settings = settings;
        self.last_good = None;
        self.step = 0;
        self.halted = None;
        Ok(())
    }

    pub fn settings(&self) -> &DistillSettings {
        &self.settings
    }

    /// Makes every later step also measure how hard the hard and soft terms pull on the logits
    /// ([`StepMetrics::logit_gradients`]); off by default, it costs a few small operations.
    pub fn probe_gradients(&mut self, on: bool) {
        self.gradient_probe = on;
    }

    pub fn steps_done(&self) -> usize {
        self.step
    }

    pub fn epoch(&self) -> usize {
        self.batches.epoch()
    }

    pub fn transfer_set(&self) -> &TransferSet {
        &self.data
    }

    /// The teachers' weights (normalised), one per teacher; empty without a teacher.
    pub fn teacher_weights(&self) -> &[f32] {
        self.teacher.as_ref().map_or(&[], |t| t.net.weights())
    }

    /// Reweights the ensemble from the next step on. The cache keeps every teacher's logits,
    /// so nothing is recomputed; refused weights change nothing.
    pub fn set_teacher_weights(&mut self, weights: &[f32]) -> Result<()> {
        let teacher = self
            .teacher
            .as_mut()
            .ok_or_else(|| Error::Settings("this run has no teacher to weigh".into()))?;
        teacher.net.set_weights(weights)?;
        self.halted = None;
        Ok(())
    }

    pub fn mapping(&self) -> Option<&LayerMapping> {
        self.teacher.as_ref().map(|t| &t.mapping)
    }

    /// The trained network, detached from autodiff, for evaluation or export.
    pub fn network(&self) -> Network {
        self.student.net.valid()
    }

    /// Why training stopped, if it did.
    pub fn halted(&self) -> Option<&Error> {
        self.halted.as_ref()
    }

    /// Clears a divergence stop (after the user changed something) so steps run again.
    pub fn resume(&mut self) {
        self.halted = None;
    }

    /// Changes the temperature and α schedules and the learning rate of a running trainer
    /// (the teacher's targets do not depend on them, so nothing is rebuilt).
    pub fn retune(
        &mut self,
        temperature: Schedule,
        alpha: Schedule,
        learning_rate: f64,
    ) -> Result<()> {
        let mut settings = self.settings.clone();
        settings.temperature = temperature;
        settings.alpha = alpha;
        settings.learning_rate = learning_rate;
        self.apply(settings)
    }

    /// Changes the learning rate from the next step on.
    pub fn set_learning_rate(&mut self, lr: f64) -> Result<()> {
        let mut settings = self.settings.clone();
        settings.learning_rate = lr;
        self.apply(settings)
    }

    /// Takes checked settings; a change clears a divergence stop, since the user acted on it.
    fn apply(&mut self, settings: DistillSettings) -> Result<()> {
        settings.validate()?;
        if settings != self.settings {
            self.halted = None;
        }
        self.settings = settings;
        Ok(())
    }

    /// Where this trainer is now (weights, optimizer state and step), to go back to with
    /// [`Trainer::rewind`]. Cheap: tensors are shared handles.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            student: self.student.clone(),
            optimizer: self.optimizer.clone(),
            last_good: self.last_good.clone(),
            step: self.step,
        }
    }

    /// Goes back to a checkpoint: its weights and optimizer, and its place in the batch order.
    /// A divergence stop stays as it is (it says what happened after the checkpoint).
    pub fn rewind(&mut self, to: Checkpoint) -> Result<()> {
        // The checkpointed parameters took part in steps since, whose backward passes consumed
        // their graph: forking gives them a graph of their own again.
        self.student = to.student.fork(&self.device.clone().autodiff());
        self.optimizer = to.optimizer;
        self.last_good = to.last_good;
        self.seek(to.step)
    }

    /// Puts the batch order at `step` (the seeded order is replayed: the RNG cannot be cloned).
    pub(super) fn seek(&mut self, step: usize) -> Result<()> {
        self.batches = Batches::at(
            self.data.len(),
            self.settings.batch_size,
            self.settings.seed,
            step,
        )?;
        self.step = step;
        Ok(())
    }

    /// Test accuracy, and agreement with the teacher when there is one.
    pub fn evaluate(&self, test: &Dataset) -> Result<Evaluation> {
        let net = self.network();
        let preds = predictions(&logits_host(&net, test, &self.device)?, test.classes);
        let accuracy = fraction_equal(&preds, test.labels.iter().map(|l| usize::from(*l)));
        let teacher_agreement = match &self.teacher {
            // A teacher that reads its own rows cannot read `test`'s: see evaluate_against.
            Some(_) if self.data.teacher_rows.is_some() => None,
            None => None,
            Some(t) => {
                let tp = predictions(&logits_host(&t.net, test, &self.device)?, test.classes);
                Some(fraction_equal(&preds, tp.into_iter()))
            }
        };
        Ok(Evaluation {
            accuracy,
            teacher_agreement,
        })
    }

    /// [`evaluate`](Self::evaluate), with the agreement measured against the teacher's own
    /// predictions of `test` (a teacher that reads its own rows predicted them elsewhere).
    pub fn evaluate_against(&self, test: &Dataset, teacher: &[usize]) -> Result<Evaluation> {
        let preds = predictions(
            &logits_host(&self.network(), test, &self.device)?,
            test.classes,
        );
        Ok(Evaluation {
            accuracy: fraction_equal(&preds, test.labels.iter().map(|l| usize::from(*l))),
            teacher_agreement: Some(fraction_equal(&preds, teacher.iter().copied())),
        })
    }

    /// Continues a run from saved weights: the network takes them, and the batch order and the
    /// schedules move on to step `steps` as if it had trained here. Adam's moments and any
    /// hidden-state projections start afresh (they are not part of a weight file).
    pub fn restore(&mut self, weights: impl Into<NetworkWeights>, steps: usize) -> Result<()> {
        let weights = weights.into();
        let config = self.student.net.architecture();
        if weights.architecture != config {
            return Err(Error::ModelConfig(format!(
                "the saved network is {}, this run trains {}",
                weights.architecture.describe(),
                config.describe()
            )));
        }
        self.student.net = weights.to_network(&self.device.clone().autodiff())?;
        self.student
            .net
            .set_mlp_dropout(mlp_dropout(&self.settings));
        self.optimizer = self.settings.regularisation.optimizer().init();
        self.last_good = None;
        self.halted = None;
        self.seek(steps)
    }

    /// Runs the teacher on every batch from now on, as without a cache (benchmarks measure what
    /// the cache saves).
    #[doc(hidden)]
    pub fn drop_teacher_cache(&mut self) {
        if let Some(t) = &mut self.teacher {
            t.cache = None;
        }
    }

    /// Replaces the network's weights (used by tests to provoke a divergence).
    #[doc(hidden)]
    pub fn map_network(&mut self, f: impl FnOnce(Mlp) -> Mlp) {
        self.student.net = match self.student.net.clone() {
            Network::Mlp(net) => Network::Mlp(f(net)),
            other => other,
        };
    }
}

/// A text student and its teacher must read the same tokens, and TinyBERT's attention loss needs
/// equal head counts.
/// The teacher reads the rows it is given (its own, or the student's) and predicts the
/// student's classes.
fn check_shapes(config: &Architecture, teacher: &Architecture, data: &TransferSet) -> Result<()> {
    let inputs = match &data.teacher_rows {
        Some(rows) => rows.dim,
        None => config.inputs(),
    };
    if (teacher.inputs(), teacher.classes()) == (inputs, config.classes()) {
        return Ok(());
    }
    Err(Error::ModelConfig(format!(
        "the teacher maps {} inputs to {} classes, the student {} to {}",
        teacher.inputs(),
        teacher.classes(),
        config.inputs(),
        config.classes()
    )))
}

/// A teacher that tokenizes differently (its own rows) teaches through its soft targets, and
/// through its layers and attention when its rows are aligned with the student's words; its
/// embedding table is over another vocabulary.
fn check_own_rows(
    student: &Architecture,
    teacher: &Architecture,
    data: &TransferSet,
    settings: &DistillSettings,
) -> Result<()> {
    let attention = settings.gamma > 0.0 && settings.attention_loss != AttentionLoss::Off;
    let aligned = data.is_aligned();
    if settings.match_embeddings {
        return Err(Error::Settings(
            "this teacher reads its own tokens (word pieces, not the student's words): its \
             embedding table cannot be matched with the student's"
                .into(),
        ));
    }
    if !aligned && (settings.beta > 0.0 || attention) {
        return Err(Error::Settings(
            "this teacher reads its own tokens (word pieces, not the student's words) and no \
             alignment says which pieces make which word: set β and γ to 0 and distil from its \
             soft targets"
                .into(),
        ));
    }
    check_attention(student, teacher, settings, true)
}

/// A text student and its teacher must read the same tokens.
fn check_text_pair(
    student: &Architecture,
    teacher: &Architecture,
    settings: &DistillSettings,
) -> Result<()> {
    if student.vocab() != teacher.vocab() {
        return Err(Error::ModelConfig(format!(
            "the teacher reads a vocabulary of {} words, the student {}: they need the same tokenizer",
            teacher.vocab().unwrap_or(0),
            student.vocab().unwrap_or(0)
        )));
    }
    check_attention(student, teacher, settings, false)
}

/// Attention transfer needs attention on both sides; TinyBERT's loss matches heads one by one
/// (or, with `grouped`, each student head against the mean of a group of the teacher's), and
/// MiniLM's splits the teacher's width into the student's head count.
fn check_attention(
    student: &Architecture,
    teacher: &Architecture,
    settings: &DistillSettings,
    grouped: bool,
) -> Result<()> {
    if settings.gamma <= 0.0 || settings.attention_loss == AttentionLoss::Off {
        return Ok(());
    }
    let (Some(hs), Some(ht)) = (student.heads(), teacher.heads()) else {
        return Err(Error::Settings(format!(
            "{} attention transfer needs a transformer student and teacher (this is a {} from a {})",
            settings.attention_loss.name(),
            student.kind(),
            teacher.kind()
        )));
    };
    let groups = grouped && hs > 0 && ht.is_multiple_of(hs);
    match settings.attention_loss {
        AttentionLoss::TinyBert if hs != ht && !groups => Err(Error::Settings(format!(
            "TinyBERT's attention loss matches heads one by one: the student has {hs} heads, the \
             teacher {ht}. Give the student {ht} heads{}, or use MiniLM, which works across head \
             counts",
            if grouped { " (or a divisor of it)" } else { "" }
        ))),
        AttentionLoss::MiniLm => {
            let wt = teacher.width(teacher.depth()).unwrap_or(0);
            if !wt.is_multiple_of(hs) {
                return Err(Error::Settings(format!(
                    "MiniLM splits both last blocks into the student's {hs} relation heads; the \
                     teacher's width {wt} is not a multiple of {hs}"
                )));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The layer pairs of the hidden term: the mapping's, after (0, 0) when the embeddings are
/// matched. A pooled student layer takes the teacher's `[CLS]` position; a student with more
/// positions than its teacher's layer cannot be matched.
fn hidden_pairs(
    student: &Architecture,
    teacher: &Architecture,
    mapping: &LayerMapping,
    settings: &DistillSettings,
    aligned: bool,
) -> Result<Vec<(usize, usize)>> {
    if settings.beta <= 0.0 {
        return Ok(Vec::new());
    }
    let mut pairs = Vec::new();
    if settings.match_embeddings {
        if student.width(0).is_none() || teacher.width(0).is_none() {
            return Err(Error::Settings(
                "matching embeddings needs a student and a teacher that embed tokens".into(),
            ));
        }
        pairs.push((0, 0));
    }
    pairs.extend_from_slice(mapping.pairs());
    for &(s, t) in &pairs {
        let (ps, pt) = (student.positions(s), teacher.positions(t));
        // Aligned teacher rows are pooled onto the student's positions, whatever their count.
        if ps != pt && ps != 1 && !aligned {
            return Err(Error::Mapping(format!(
                "student layer {s} has {ps} positions, teacher layer {t} has {pt}: they cannot be compared"
            )));
        }
    }
    Ok(pairs)
}

/// A student drawn from `seed`, with a projection for every hidden pair whose widths differ.
fn fresh_student(
    config: &Architecture,
    teacher: Option<&Teacher>,
    settings: &DistillSettings,
    device: &Device,
) -> Result<StudentModule> {
    let seed = settings.seed;
    let train_device = device.clone().autodiff();
    if config.dropout() > 0.0 || settings.regularisation.drops() {
        // Dropout draws from the device's generator: seeded, a run repeats.
        train_device.seed(seed);
    }
    let mut net = config.init(&train_device, seed)?;
    net.set_mlp_dropout(mlp_dropout(settings));
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7072_6f6a);
    let projections = match teacher {
        None => Vec::new(),
        Some(t) => {
            let tc = t.net.architecture();
            t.hidden_pairs
                .iter()
                .map(|&(s, l)| match (config.width(s), tc.width(l)) {
                    (Some(ws), Some(wt)) if ws != wt => {
                        Some(random_linear(ws, wt, &mut rng, &train_device))
                    }
                    _ => None,
                })
                .collect()
        }
    };
    Ok(StudentModule { net, projections })
}

/// An MLP student's dropout rates in a run with `settings`.
fn mlp_dropout(settings: &DistillSettings) -> MlpDropout {
    let r = &settings.regularisation;
    MlpDropout {
        input: r.input_dropout.into(),
        hidden: r.hidden_dropout.into(),
    }
}
