//! A step-at-a-time trainer. It owns no loop: the CLI calls [`Trainer::step`] in a loop with a
//! progress bar, the page calls it in chunks between frames.
//!
//! One type covers the three ways a network is trained here:
//! - a teacher (or a "scratch" student) on labels alone: [`Trainer::supervised`];
//! - a student distilled from a teacher: [`Trainer::distill`].

use crate::engine::limits;
use burn::module::Module;
use burn::nn::Linear;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::engine::data::{Batch, Batches, Dataset, TransferSet};
use crate::engine::error::{Error, Result};
use crate::engine::loss::{self, HiddenLoss, SoftLoss, host};
use crate::engine::mapping::{LayerMapping, MappingScheme};
use crate::engine::network::{
    Architecture, Classifier, Input, Mlp, Network, Tap, Taps, random_linear,
};
use crate::engine::schedule::Schedule;
use crate::engine::weights::MlpWeights;

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
    pub learning_rate: f64,
    pub batch_size: usize,
    /// Length of the run, which the schedules are spread over.
    pub total_steps: usize,
    pub seed: u64,
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
            learning_rate: limits::LEARNING_RATE.default,
            batch_size: limits::BATCH_SIZE.default,
            total_steps: 1000,
            seed: 42,
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
        limits::LEARNING_RATE.check(self.learning_rate)?;
        limits::BATCH_SIZE.check(self.batch_size)?;
        if self.total_steps == 0 {
            return Err(Error::Settings("a run needs at least one step".into()));
        }
        Ok(())
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
    /// Accuracy on the labeled rows of the batch; `None` when the batch had none.
    pub batch_accuracy: Option<f32>,
    pub temperature: f32,
    pub alpha: f32,
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
    /// One per mapped pair; `None` where the widths already match.
    pub projections: Vec<Option<Linear>>,
}

struct Teacher {
    net: Network,
    mapping: LayerMapping,
    /// The teacher's outputs for every transfer row, computed once (the teacher is frozen and the
    /// rows are fixed), so a step gathers its targets instead of running the teacher again.
    /// `None` when they would not fit [`TEACHER_CACHE_FLOATS`].
    cache: Option<TeacherCache>,
}

/// Teacher logits `[rows, classes]` and, when β > 0, the hidden state of every mapped teacher
/// layer `[rows, width]`, in mapping order. They stay on the training device.
struct TeacherCache {
    logits: Tensor<2>,
    hidden: Vec<Tensor<2>>,
}

/// Largest teacher cache kept on the device (64 MB of f32); beyond it the teacher runs per step.
pub const TEACHER_CACHE_FLOATS: usize = 16 << 20;

impl TeacherCache {
    fn build(
        teacher: &Network,
        mapping: &LayerMapping,
        with_hidden: bool,
        data: &TransferSet,
        device: &Device,
    ) -> Option<Self> {
        let config = teacher.architecture();
        let mapped: Vec<usize> = if with_hidden {
            mapping.pairs().iter().map(|&(_, t)| t).collect()
        } else {
            Vec::new()
        };
        let per_row = config.classes()
            + mapped
                .iter()
                .filter_map(|&t| config.width(t))
                .sum::<usize>();
        if data.len().checked_mul(per_row)? > TEACHER_CACHE_FLOATS {
            return None;
        }
        let mut logits = Vec::new();
        let mut hidden: Vec<Vec<Tensor<2>>> = vec![Vec::new(); mapped.len()];
        for start in (0..data.len()).step_by(1024) {
            let end = (start + 1024).min(data.len());
            let x = Tensor::<2>::from_data(
                TensorData::new(
                    data.features[start * data.dim..end * data.dim].to_vec(),
                    [end - start, data.dim],
                ),
                device,
            );
            let out = teacher.forward(Input::Features(x));
            logits.push(out.logits);
            for (k, &t) in mapped.iter().enumerate() {
                hidden[k].push(out.taps.hidden(t)?.clone());
            }
        }
        Some(Self {
            logits: Tensor::cat(logits, 0),
            hidden: hidden
                .into_iter()
                .map(|parts| Tensor::cat(parts, 0))
                .collect(),
        })
    }
}

/// Trains one network a step at a time.
pub struct Trainer {
    device: Device,
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
}

/// A tap a mapping names, or why the network has none (a mapping is checked against the depths
/// before training, so this only fails for a network kind that lacks the tap).
fn tap(taps: &Taps, name: Tap, whose: &str) -> Result<Tensor<2>> {
    match name {
        Tap::Hidden(layer) => taps.hidden(layer).cloned(),
        Tap::Attention(_) => None,
    }
    .ok_or_else(|| Error::Mapping(format!("the {whose} network has no tap {name}")))
}

/// Host copy of logits for rows of a dataset.
pub fn logits_host(
    net: &(impl Classifier + ?Sized),
    data: &Dataset,
    device: &Device,
) -> Result<Vec<f32>> {
    let mut out = Vec::with_capacity(data.len() * net.architecture().classes());
    for start in (0..data.len()).step_by(1024) {
        let end = (start + 1024).min(data.len());
        let x = Tensor::<2>::from_data(
            TensorData::new(
                data.features[start * data.dim..end * data.dim].to_vec(),
                [end - start, data.dim],
            ),
            device,
        );
        let logits = net.logits(Input::Features(x)).into_data();
        out.extend(
            logits
                .try_to_vec::<f32>()
                .map_err(|e| Error::Read(format!("{e:?}")))?,
        );
    }
    Ok(out)
}

/// Top class of every row of a flat `[rows, classes]` logit buffer.
pub fn predictions(logits: &[f32], classes: usize) -> Vec<usize> {
    logits
        .chunks(classes)
        .map(|row| host::argmax(row).unwrap_or(0))
        .collect()
}

/// Accuracy of `net` on `data`.
pub fn accuracy(net: &(impl Classifier + ?Sized), data: &Dataset, device: &Device) -> Result<f32> {
    let preds = predictions(&logits_host(net, data, device)?, data.classes);
    Ok(fraction_equal(
        &preds,
        data.labels.iter().map(|l| usize::from(*l)),
    ))
}

/// Fraction of positions where two prediction lists agree (accuracy against labels, or agreement
/// with a teacher).
pub fn fraction_equal(a: &[usize], b: impl Iterator<Item = usize>) -> f32 {
    let hits = a.iter().zip(b).filter(|(x, y)| **x == *y).count();
    hits as f32 / a.len().max(1) as f32
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
        let (config, teacher) = (config.into(), teacher.into());
        let teacher_config = teacher.architecture();
        if (teacher_config.inputs(), teacher_config.classes())
            != (config.inputs(), config.classes())
        {
            return Err(Error::ModelConfig(format!(
                "the teacher maps {} inputs to {} classes, the student {} to {}",
                teacher_config.inputs(),
                teacher_config.classes(),
                config.inputs(),
                config.classes()
            )));
        }
        let mapping = settings
            .mapping
            .resolve(config.depth(), teacher_config.depth())?;
        let net = teacher.valid();
        let cache = TeacherCache::build(
            &net,
            &mapping,
            settings.beta > 0.0,
            &data,
            &device.clone().inner(),
        );
        let teacher = Teacher {
            net,
            mapping,
            cache,
        };
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
        if (data.dim, data.classes) != (config.inputs(), config.classes()) {
            return Err(Error::ModelConfig(format!(
                "the data has {} inputs and {} classes, the network expects {} and {}",
                data.dim,
                data.classes,
                config.inputs(),
                config.classes()
            )));
        }
        if teacher.is_none() && data.labeled == 0 {
            return Err(Error::Settings(
                "training without a teacher needs labeled examples".into(),
            ));
        }
        let device = device.clone().inner();
        let train_device = device.clone().autodiff();
        let net = config.init(&train_device, settings.seed)?;
        let mut rng = ChaCha8Rng::seed_from_u64(settings.seed ^ 0x7072_6f6a);
        let projections = match &teacher {
            None => Vec::new(),
            Some(t) => {
                let tc = t.net.architecture();
                t.mapping
                    .pairs()
                    .iter()
                    .map(|&(s, l)| {
                        let (ws, wt) = (config.width(s), tc.width(l));
                        match (ws, wt) {
                            (Some(ws), Some(wt)) if ws != wt => {
                                Some(random_linear(ws, wt, &mut rng, &train_device))
                            }
                            _ => None,
                        }
                    })
                    .collect()
            }
        };
        let batches = Batches::new(data.len(), settings.batch_size, settings.seed)?;
        Ok(Self {
            device,
            student: StudentModule { net, projections },
            optimizer: AdamConfig::new().init(),
            last_good: None,
            teacher,
            settings,
            data,
            batches,
            step: 0,
            halted: None,
        })
    }

    pub fn settings(&self) -> &DistillSettings {
        &self.settings
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
    fn seek(&mut self, step: usize) -> Result<()> {
        self.batches = Batches::new(
            self.data.len(),
            self.settings.batch_size,
            self.settings.seed,
        )?;
        for _ in 0..step {
            self.batches.next_rows();
        }
        self.step = step;
        Ok(())
    }

    /// One training step on the next batch. Reads its metrics back synchronously.
    pub fn step(&mut self) -> Result<StepMetrics> {
        let pending = self.begin_step()?;
        let values = pending
            .readout
            .clone()
            .into_data()
            .try_to_vec::<f32>()
            .map_err(|e| Error::Read(format!("{e:?}")))?;
        self.finish_step(pending, &values)
    }

    /// One training step whose metrics are read asynchronously (required on WebGPU in a browser).
    pub async fn step_async(&mut self) -> Result<StepMetrics> {
        let pending = self.begin_step()?;
        let values = pending
            .readout
            .clone()
            .into_data_async()
            .await
            .map_err(|e| Error::Read(format!("{e:?}")))?
            .try_to_vec::<f32>()
            .map_err(|e| Error::Read(format!("{e:?}")))?;
        self.finish_step(pending, &values)
    }

    /// One step's forward pass and losses (the update waits for the caller): the batch, the
    /// student's logits and taps, the teacher's targets and taps, and the mixed loss.
    fn begin_step(&mut self) -> Result<PendingStep> {
        if let Some(err) = &self.halted {
            return Err(Error::Halted(err.to_string()));
        }
        let progress = self.settings.progress(self.step);
        let temperature = self.settings.temperature.at(progress);
        let alpha = self.settings.alpha.at(progress);
        let rows = self.batches.next_rows();
        let batch = self.data.batch(&rows);
        let (n, dim, classes) = (batch.rows, self.data.dim, self.data.classes);
        let x = Input::Features(Tensor::<2>::from_data(
            TensorData::new(batch.features.clone(), [n, dim]),
            &self.device,
        ));
        let one_hot = Tensor::<2>::from_data(
            TensorData::new(batch.one_hot.clone(), [n, classes]),
            &self.device,
        );

        let student = self.student.net.forward(x.clone());
        let hard = loss::hard_cross_entropy(student.logits.clone(), one_hot, batch.labeled);
        let terms = match &self.teacher {
            None => loss::combine(1.0, 0.0, hard, self.zero(), self.zero()),
            Some(teacher) => {
                let (t_logits, t_hidden) = self.teacher_targets(teacher, &rows, x)?;
                let soft = loss::soft_loss(
                    self.settings.soft_loss,
                    student.logits.clone(),
                    t_logits,
                    temperature,
                );
                let hidden = self.hidden_term(&teacher.mapping, &student.taps, t_hidden)?;
                loss::combine(alpha, self.settings.beta, hard, soft, hidden)
            }
        };
        let readout = Tensor::cat(
            vec![
                terms.total.clone().detach(),
                terms.hard.clone().detach(),
                terms.soft.clone().detach(),
                terms.hidden.clone().detach(),
                student.logits.detach().reshape([n * classes]),
            ],
            0,
        )
        .inner();
        Ok(PendingStep {
            terms,
            readout,
            batch,
            temperature,
            alpha,
            epoch: self.batches.epoch(),
        })
    }

    fn zero(&self) -> Tensor<1> {
        Tensor::<1>::zeros([1], &self.device)
    }

    /// The teacher's logits for the batch and, when β > 0, its mapped taps in mapping order:
    /// gathered from the cache, or from a forward pass when there is none.
    fn teacher_targets(
        &self,
        teacher: &Teacher,
        rows: &[usize],
        x: Input,
    ) -> Result<(Tensor<2>, Vec<Tensor<2>>)> {
        if let Some(cache) = &teacher.cache {
            let index = Tensor::<1, Int>::from_data(
                TensorData::new(
                    rows.iter().map(|&r| r as i64).collect::<Vec<_>>(),
                    [rows.len()],
                ),
                &self.device,
            );
            let gather = |t: &Tensor<2>| t.clone().select(0, index.clone());
            return Ok((
                gather(&cache.logits),
                cache.hidden.iter().map(gather).collect(),
            ));
        }
        let out = teacher.net.forward(x);
        if self.settings.beta <= 0.0 {
            return Ok((out.logits, Vec::new()));
        }
        let hidden = teacher
            .mapping
            .pairs()
            .iter()
            .map(|&(_, t)| tap(&out.taps, Tap::Hidden(t), "teacher"))
            .collect::<Result<Vec<_>>>()?;
        Ok((out.logits, hidden))
    }

    /// Σ over the mapped pairs of the hidden loss between the student's tap (projected where the
    /// widths differ) and the teacher's. β = 0 switches it off: nothing is then computed.
    fn hidden_term(
        &self,
        mapping: &LayerMapping,
        student: &Taps,
        teacher: Vec<Tensor<2>>,
    ) -> Result<Tensor<1>> {
        let mut hidden = self.zero();
        for (k, (&(s, _), h_t)) in mapping.pairs().iter().zip(teacher).enumerate() {
            let h_s = tap(student, Tap::Hidden(s), "student")?;
            let h_s = match self.student.projections.get(k).and_then(Option::as_ref) {
                Some(projection) => projection.forward(h_s),
                None => h_s,
            };
            hidden = hidden.add(loss::hidden_loss(self.settings.hidden_loss, h_s, h_t));
        }
        Ok(hidden)
    }

    fn finish_step(&mut self, pending: PendingStep, values: &[f32]) -> Result<StepMetrics> {
        let [total, hard, soft, hidden] = match values.get(..4) {
            Some(&[a, b, c, d]) => [a, b, c, d],
            _ => return Err(Error::Read("the step's metrics are missing".into())),
        };
        for (what, value) in [
            ("total loss", total),
            ("hard loss", hard),
            ("soft loss", soft),
            ("hidden loss", hidden),
        ] {
            if !value.is_finite() {
                let err = Error::Diverged {
                    step: self.step + 1,
                    what,
                    value,
                };
                if let Some((student, optimizer)) = self.last_good.take() {
                    self.student = student;
                    self.optimizer = optimizer;
                }
                self.halted = Some(Error::Diverged {
                    step: self.step + 1,
                    what,
                    value,
                });
                return Err(err);
            }
        }
        // A batch without labels teaches a teacherless network nothing; Adam's momentum would
        // still move it, so such a step only counts.
        let learns = self.teacher.is_some() || pending.batch.labeled > 0;
        if learns {
            // These weights gave a finite loss: keep them in case the update below blows up.
            self.last_good = Some((self.student.clone(), self.optimizer.clone()));
            let grads = GradientsParams::from_grads(pending.terms.total.backward(), &self.student);
            self.student =
                self.optimizer
                    .step(self.settings.learning_rate, self.student.clone(), grads);
        }
        self.step += 1;

        Ok(self.metrics(
            &pending,
            [total, hard, soft, hidden],
            &values[4..],
            self.step,
        ))
    }

    /// What a step measured, from its losses and its batch's logits.
    fn metrics(
        &self,
        pending: &PendingStep,
        [total, hard, soft, hidden]: [f32; 4],
        logits: &[f32],
        step: usize,
    ) -> StepMetrics {
        let classes = self.data.classes;
        let preds = predictions(logits, classes);
        let (mut labeled, mut hits) = (0, 0);
        for (r, pred) in preds.iter().enumerate() {
            let target = &pending.batch.one_hot[r * classes..(r + 1) * classes];
            if let Some(label) = target.iter().position(|v| *v == 1.0) {
                labeled += 1;
                hits += usize::from(label == *pred);
            }
        }
        StepMetrics {
            step,
            epoch: pending.epoch,
            total,
            hard,
            soft,
            hidden,
            batch_accuracy: (labeled > 0).then(|| hits as f32 / labeled as f32),
            temperature: pending.temperature,
            alpha: pending.alpha,
        }
    }

    /// `n` steps whose numbers are read back together, once: on WebGPU one GPU round trip per
    /// chunk instead of one per step. The first non-finite loss stops training as a single step
    /// would: the weights go back to the last ones that gave a finite loss, the step count and
    /// the batch order to that step.
    pub async fn steps_async(&mut self, n: usize) -> Result<Vec<StepMetrics>> {
        let first = self.step;
        // Weights and optimizer before each update (tensor handles: cheap to keep).
        let mut before = Vec::with_capacity(n);
        let mut pending = Vec::with_capacity(n);
        for _ in 0..n {
            let p = self.begin_step()?;
            before.push((self.student.clone(), self.optimizer.clone()));
            if self.teacher.is_some() || p.batch.labeled > 0 {
                let grads = GradientsParams::from_grads(p.terms.total.backward(), &self.student);
                self.student =
                    self.optimizer
                        .step(self.settings.learning_rate, self.student.clone(), grads);
            }
            self.step += 1;
            pending.push(p);
        }
        let values = Tensor::cat(pending.iter().map(|p| p.readout.clone()).collect(), 0)
            .into_data_async()
            .await
            .map_err(|e| Error::Read(format!("{e:?}")))?
            .try_to_vec::<f32>()
            .map_err(|e| Error::Read(format!("{e:?}")))?;
        let mut out = Vec::with_capacity(n);
        let mut offset = 0;
        for (k, p) in pending.iter().enumerate() {
            let len = 4 + p.batch.rows * self.data.classes;
            let Some(v) = values.get(offset..offset + len) else {
                return Err(Error::Read("the chunk's metrics are missing".into()));
            };
            offset += len;
            let losses = [v[0], v[1], v[2], v[3]];
            let names = ["total loss", "hard loss", "soft loss", "hidden loss"];
            if let Some(i) = losses.iter().position(|x| !x.is_finite()) {
                // Step k's weights are bad; the ones before update k − 1 gave a finite loss.
                let good = match k {
                    0 => self.last_good.take(),
                    _ => before.get(k - 1).cloned(),
                };
                if let Some((student, optimizer)) = good {
                    self.student = student;
                    self.optimizer = optimizer;
                }
                let step = first + k;
                self.seek(step)?;
                let diverged = || Error::Diverged {
                    step: step + 1,
                    what: names[i],
                    value: losses[i],
                };
                self.halted = Some(diverged());
                return Err(diverged());
            }
            out.push(self.metrics(p, losses, &v[4..], first + k + 1));
        }
        if let Some(last) = before.pop() {
            self.last_good = Some(last);
        }
        Ok(out)
    }

    /// Test accuracy, and agreement with the teacher when there is one.
    pub fn evaluate(&self, test: &Dataset) -> Result<Evaluation> {
        let net = self.network();
        let preds = predictions(&logits_host(&net, test, &self.device)?, test.classes);
        let accuracy = fraction_equal(&preds, test.labels.iter().map(|l| usize::from(*l)));
        let teacher_agreement = match &self.teacher {
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

    /// Continues a run from saved weights: the network takes them, and the batch order and the
    /// schedules move on to step `steps` as if it had trained here. Adam's moments and any
    /// hidden-state projections start afresh (they are not part of a weight file).
    pub fn restore(&mut self, weights: &MlpWeights, steps: usize) -> Result<()> {
        let config = self.student.net.architecture();
        if Architecture::from(&weights.config) != config {
            return Err(Error::ModelConfig(format!(
                "the saved network is {}, this run trains {}",
                weights.config.describe(),
                config.describe()
            )));
        }
        self.student.net = Network::Mlp(weights.to_mlp(&self.device.clone().autodiff())?);
        self.optimizer = AdamConfig::new().init();
        self.last_good = None;
        self.halted = None;
        self.seek(steps)
    }

    /// Replaces the network's weights (used by tests to provoke a divergence).
    #[doc(hidden)]
    pub fn map_network(&mut self, f: impl FnOnce(Mlp) -> Mlp) {
        self.student.net = match self.student.net.clone() {
            Network::Mlp(net) => Network::Mlp(f(net)),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::data::{ToyKind, TransferConfig, digits, toy_dataset};
    use crate::engine::network::MlpConfig;
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
        trainer.map_network(|net| {
            let mut net = net;
            net.output.weight = net.output.weight.map(|w| w.mul_scalar(f32::NAN));
            net
        });
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
        trainer.map_network(|mut net| {
            net.output.weight = net.output.weight.map(|w| w.mul_scalar(f32::NAN));
            net
        });
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
        // Poisoned as an optimizer update would leave them: new leaf tensors.
        trainer.map_network(|mut net| {
            net.output.weight = net
                .output
                .weight
                .map(|w| w.mul_scalar(f32::NAN).detach().require_grad());
            net
        });
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
