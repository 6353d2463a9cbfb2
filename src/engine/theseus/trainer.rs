//! Training successors a step at a time, phase 1 then phase 2.

use std::ops::Range;

use crate::train::adam::OnePassAdam;
use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor, TensorData};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

use super::mixed::{self, Layered};
use super::{ReplaceRate, module_layers};
use crate::data::{Batches, TransferSet};
use crate::error::{Error, Result};
use crate::limits;
use crate::loss::hard_cross_entropy;
use crate::network::{Architecture, Classifier, Input, Network};
use crate::train::{host, host_async, predictions};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TheseusSettings {
    /// Successor modules (the student's layers); the teacher's depth must be a multiple.
    pub successors: usize,
    pub rate: ReplaceRate,
    /// Steps of phase 1 (replacing), then of phase 2 (the successors alone).
    pub replacing_steps: usize,
    pub finetune_steps: usize,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub seed: u64,
}

impl Default for TheseusSettings {
    fn default() -> Self {
        Self {
            successors: 3,
            rate: ReplaceRate::default(),
            replacing_steps: 500,
            finetune_steps: 250,
            learning_rate: limits::LEARNING_RATE.default,
            batch_size: limits::BATCH_SIZE.default,
            seed: 1,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    Replacing,
    FineTuning,
}

/// What one step did: which modules ran as successors, at what rate, and its loss.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TheseusStep {
    /// Steps completed, this one included.
    pub step: usize,
    pub phase: Phase,
    pub rate: f32,
    /// Per module: true where the successor ran, false where the teacher's layers did.
    pub successor: Vec<bool>,
    pub loss: f32,
    pub batch_accuracy: f32,
}

pub struct TheseusTrainer {
    /// The predecessor on the training device without gradients: its layers pass gradients
    /// through to the successors before them, and never change.
    teacher: Network,
    student: Network,
    modules: Vec<Range<usize>>,
    optimizer: ModuleOptimizer,
    data: TransferSet,
    batches: Batches,
    settings: TheseusSettings,
    device: Device,
    step: usize,
}

/// A step's loss and logits before they are read back, with what ran.
struct Pending {
    readout: Tensor<1>,
    loss: Tensor<1>,
    labels: Vec<usize>,
    rate: f32,
    successor: Vec<bool>,
    phase: Phase,
}

impl TheseusTrainer {
    /// Successors for `teacher` trained on the labeled rows of `data`.
    pub fn new(
        teacher: &Network,
        data: &TransferSet,
        settings: TheseusSettings,
        device: &Device,
    ) -> Result<Self> {
        settings.rate.validate()?;
        limits::LEARNING_RATE.check(settings.learning_rate)?;
        limits::BATCH_SIZE.check(settings.batch_size)?;
        if settings.replacing_steps + settings.finetune_steps == 0 {
            return Err(Error::Settings("a run needs at least one step".into()));
        }
        let arch = teacher.architecture();
        Layered::of(teacher)?;
        let modules = module_layers(arch.depth(), settings.successors)?;
        let data = data.labeled_only();
        if data.is_empty() {
            return Err(Error::Settings(
                "module replacing learns from labels alone: the data has none".into(),
            ));
        }
        data.check_fits(arch.inputs(), arch.classes(), "the teacher")?;
        let device = device.clone().inner();
        let train = device.clone().autodiff();
        let plain = teacher.valid();
        let student = mixed::successors_of(&plain, &modules, settings.seed)?
            .fork(&train)
            .train();
        Ok(Self {
            teacher: plain.fork(&train).no_grad(),
            student,
            modules,
            optimizer: OnePassAdam::module(0.0),
            batches: Batches::new(data.len(), settings.batch_size, settings.seed)?,
            data,
            settings,
            device,
            step: 0,
        })
    }

    pub fn phase(&self) -> Phase {
        match self.step < self.settings.replacing_steps {
            true => Phase::Replacing,
            false => Phase::FineTuning,
        }
    }

    pub fn total_steps(&self) -> usize {
        self.settings.replacing_steps + self.settings.finetune_steps
    }

    pub fn steps_done(&self) -> usize {
        self.step
    }

    pub fn settings(&self) -> &TheseusSettings {
        &self.settings
    }

    /// The teacher layers (0-based) each successor stands in for.
    pub fn modules(&self) -> &[Range<usize>] {
        &self.modules
    }

    /// The successors alone, as a network of the teacher's kind (detached, ready to evaluate or
    /// save).
    pub fn network(&self) -> Network {
        self.student.valid()
    }

    pub fn architecture(&self) -> Architecture {
        self.student.architecture()
    }

    /// Which modules run as successors this step: a fresh draw per module in phase 1, seeded
    /// by the run's seed and the step, all of them in phase 2.
    fn draw(&self) -> (f32, Vec<bool>) {
        if self.phase() == Phase::FineTuning {
            return (1.0, vec![true; self.modules.len()]);
        }
        let rate = self.settings.rate.at(self.step);
        let mut rng = ChaCha8Rng::seed_from_u64(
            self.settings.seed ^ (self.step as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15),
        );
        let drawn = self
            .modules
            .iter()
            .map(|_| rng.random::<f32>() < rate)
            .collect();
        (rate, drawn)
    }

    fn begin(&mut self) -> Result<Pending> {
        let (rate, successor) = self.draw();
        let phase = self.phase();
        let rows = self.batches.next_rows();
        let batch = self.data.batch(&rows);
        let (n, classes) = (batch.rows, self.data.classes);
        let x = Tensor::<2>::from_data(
            TensorData::new(batch.features, [n, self.data.dim]),
            &self.device,
        );
        let one_hot = Tensor::<2>::from_data(
            TensorData::new(batch.one_hot.clone(), [n, classes]),
            &self.device,
        );
        let logits = mixed::forward(
            Layered::of(&self.teacher)?,
            Layered::of(&self.student)?,
            &self.modules,
            &successor,
            Input::Features(x),
        );
        let loss = hard_cross_entropy(logits.clone(), one_hot, batch.labeled);
        let readout = Tensor::cat(
            vec![
                loss.clone().detach(),
                logits.detach().reshape([n * classes]),
            ],
            0,
        )
        .inner();
        let labels = batch
            .one_hot
            .chunks(classes)
            .map(|row| row.iter().position(|v| *v == 1.0).unwrap_or(usize::MAX))
            .collect();
        Ok(Pending {
            readout,
            loss,
            labels,
            rate,
            successor,
            phase,
        })
    }

    fn finish(&mut self, pending: Pending, values: &[f32]) -> Result<TheseusStep> {
        let Some((&loss, logits)) = values.split_first() else {
            return Err(Error::Read("the step's loss is missing".into()));
        };
        let loss = Error::finite(loss, self.step + 1, "task loss")?;
        let grads = GradientsParams::from_grads(pending.loss.backward(), &self.student);
        self.student =
            self.optimizer
                .step(self.settings.learning_rate, self.student.clone(), grads);
        self.step += 1;
        let preds = predictions(logits, self.data.classes);
        let hits = preds
            .iter()
            .zip(&pending.labels)
            .filter(|(p, l)| p == l)
            .count();
        Ok(TheseusStep {
            step: self.step,
            phase: pending.phase,
            rate: pending.rate,
            successor: pending.successor,
            loss,
            batch_accuracy: hits as f32 / pending.labels.len().max(1) as f32,
        })
    }

    /// One step, read back synchronously.
    pub fn step(&mut self) -> Result<TheseusStep> {
        let pending = self.begin()?;
        let values = host(pending.readout.clone())?;
        self.finish(pending, &values)
    }

    /// One step, read back asynchronously (WebGPU in a browser).
    pub async fn step_async(&mut self) -> Result<TheseusStep> {
        let pending = self.begin()?;
        let values = host_async(pending.readout.clone()).await?;
        self.finish(pending, &values)
    }
}
