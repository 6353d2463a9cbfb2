//! Building a trainer, its settings while it runs, checkpoints, and restoring saved weights.

use burn::module::Module;
use burn::tensor::Device;
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;

use crate::data::{Batches, Dataset, TransferSet};
use crate::error::{Error, Result};
use crate::loss::AttentionLoss;
use crate::mapping::{LayerMapping, MappingScheme};
use crate::network::{Architecture, Classifier, Mlp, MlpDropout, Network, random_linear};
use crate::schedule::Schedule;
use crate::weights::NetworkWeights;

use super::checks::{check_classes, check_own_rows, check_shapes, check_text_pair};
use super::*;

/// Whether the teacher need never read a row: no layer or attention term, and the logits of
/// every transfer row known (the page's Brown, whose MiniLM shipped them; the students' word rows
/// then need not be read again in its word pieces).
fn answered(settings: &DistillSettings, data: &TransferSet, known: Option<&KnownLogits>) -> bool {
    let attention = settings.gamma > 0.0 && settings.attention_loss != AttentionLoss::Off;
    let deep = settings.beta > 0.0 || attention;
    let all = || known.is_some_and(|k| k.all(&data.features).is_some());
    !deep && data.teacher_rows.is_none() && all()
}

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
        if answered(&settings, &data, known) {
            // It never reads a row: only its classes must be the student's.
            check_classes(&config, &teacher_config)?;
            return Self::from_answers(config, teacher, data, settings, device, known);
        }
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
        let teacher = Teacher {
            net: teacher.valid(),
            mapping,
            hidden_pairs,
            cache: None,
        };
        let hidden = settings.beta > 0.0;
        let teacher = teacher.with_cache(&config, hidden, &data, known, device);
        Self::build(config, data, settings, Some(teacher), device)
    }

    /// A teacher every transfer row's logits are known of, and with no layer or attention
    /// term: its soft targets are all it gives, and they are looked up.
    fn from_answers(
        config: Architecture,
        teacher: Ensemble,
        data: TransferSet,
        settings: DistillSettings,
        device: &Device,
        known: Option<&KnownLogits>,
    ) -> Result<Self> {
        let teacher_config = teacher.architecture();
        let teacher = Teacher {
            net: teacher.valid(),
            mapping: MappingScheme::None.resolve(config.depth(), teacher_config.depth())?,
            hidden_pairs: Vec::new(),
            cache: None,
        };
        let teacher = teacher.with_cache(&config, false, &data, known, device);
        if teacher.cache.is_none() {
            return Err(Error::Settings(
                "the teacher's known logits of the transfer set do not fit in memory".into(),
            ));
        }
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
            optimizer: settings.regularisation.optimizer(),
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
        self.optimizer = settings.regularisation.optimizer();
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
        self.optimizer = self.settings.regularisation.optimizer();
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

    /// Replaces an MLP student's weights in place (a pruning mask held, weights set on a
    /// quantization grid; tests provoke a divergence with it). Other kinds are left as they are.
    pub fn map_network(&mut self, f: impl FnOnce(Mlp) -> Mlp) {
        self.student.net = match self.student.net.clone() {
            Network::Mlp(net) => Network::Mlp(f(net)),
            other => other,
        };
    }
}

/// The layer pairs of the hidden term: the mapping's, after (0, 0) when the embeddings are
/// matched. A pooled student layer takes the teacher's `[CLS]` position, or a conv block's maps
/// averaged over the pixels, and a conv student's maps are averaged the same way under an MLP
/// teacher; otherwise a student with more positions than its teacher's layer cannot be matched.
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
        // A conv student's maps, averaged over the pixels, meet an MLP teacher's layer.
        if pt == 1 && matches!(student, Architecture::Cnn(_)) {
            continue;
        }
        // A conv student's maps are compared pixel by pixel: the same size or nothing.
        if ps != pt && ps != 1 && matches!(teacher, Architecture::Cnn(_)) {
            return Err(Error::Mapping(format!(
                "student layer {s} has {ps} pixels, the conv teacher's block {t} has {pt}: map \
                 conv blocks whose maps are the same size, or set β to 0"
            )));
        }
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
    let (projections, shared) = match teacher {
        None => (Vec::new(), None),
        Some(t) => projections(config, t, settings.projection, &mut rng, &train_device)?,
    };
    Ok(StudentModule {
        net,
        projections,
        shared,
    })
}

/// The learned maps between the student's and the teacher's widths on the hidden pairs where
/// they differ: one per pair, or one shared by all (which needs every such pair to have the
/// same two widths).
fn projections(
    config: &Architecture,
    teacher: &Teacher,
    projection: Projection,
    rng: &mut ChaCha8Rng,
    device: &Device,
) -> Result<(Vec<Option<Linear>>, Option<Linear>)> {
    let tc = teacher.net.architecture();
    let widths: Vec<Option<(usize, usize)>> = teacher
        .hidden_pairs
        .iter()
        .map(|&(s, l)| match (config.width(s), tc.width(l)) {
            (Some(ws), Some(wt)) if ws != wt => Some((ws, wt)),
            _ => None,
        })
        .collect();
    if projection == Projection::Layer {
        let per_pair = widths
            .iter()
            .map(|w| w.map(|(ws, wt)| random_linear(ws, wt, rng, device)))
            .collect();
        return Ok((per_pair, None));
    }
    let mut differing = widths.iter().flatten();
    let Some(&(ws, wt)) = differing.next() else {
        return Ok((vec![None; widths.len()], None));
    };
    if let Some((a, b)) = differing.find(|&&w| w != (ws, wt)) {
        return Err(Error::Settings(format!(
            "a shared projection needs the same widths at every mapped layer: {ws} → {wt} at one, \
             {a} → {b} at another; project per layer instead"
        )));
    }
    let shared = match projection {
        Projection::SharedDown => random_linear(wt, ws, rng, device),
        _ => random_linear(ws, wt, rng, device),
    };
    Ok((vec![None; widths.len()], Some(shared)))
}

/// An MLP student's dropout rates in a run with `settings`.
fn mlp_dropout(settings: &DistillSettings) -> MlpDropout {
    let r = &settings.regularisation;
    MlpDropout {
        input: r.input_dropout.into(),
        hidden: r.hidden_dropout.into(),
    }
}
