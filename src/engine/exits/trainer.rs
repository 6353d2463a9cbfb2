//! Training the exits: the teacher runs frozen (on the plain device, no autodiff graph), and each
//! branch learns the teacher's final distribution on the transfer set's inputs. Labels are never
//! read.

use crate::train::adam::OnePassAdam;
use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::ExitBranches;
use crate::data::{Batches, TransferSet};
use crate::error::{Error, Result};
use crate::limits;
use crate::loss::hinton_kl;
use crate::network::{Classifier, Input, Network};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExitSettings {
    pub learning_rate: f64,
    pub batch_size: usize,
    pub seed: u64,
}

impl Default for ExitSettings {
    fn default() -> Self {
        Self {
            learning_rate: 3e-3,
            batch_size: 64,
            seed: 1,
        }
    }
}

/// Trains a teacher's exit branches a step at a time.
pub struct ExitTrainer {
    teacher: Network,
    branches: ExitBranches,
    optimizer: ModuleOptimizer,
    data: TransferSet,
    batches: Batches,
    settings: ExitSettings,
    device: Device,
    step: usize,
}

impl ExitTrainer {
    pub fn new(
        teacher: &Network,
        data: TransferSet,
        settings: ExitSettings,
        device: &Device,
    ) -> Result<Self> {
        limits::LEARNING_RATE.check(settings.learning_rate)?;
        limits::BATCH_SIZE.check(settings.batch_size)?;
        let arch = teacher.architecture();
        data.check_fits(arch.inputs(), arch.classes(), "the teacher")?;
        let device = device.clone().inner();
        let branches = ExitBranches::init(&arch, &device.clone().autodiff(), settings.seed)?;
        let batches = Batches::new(data.len(), settings.batch_size, settings.seed)?;
        Ok(Self {
            teacher: teacher.valid(),
            branches,
            optimizer: OnePassAdam::module(0.0),
            // Structurally label-free: the branches learn from the teacher alone.
            data: data.inputs_only(),
            batches,
            settings,
            device,
            step: 0,
        })
    }

    /// Σ over branches of KL(teacher ‖ branch) on the next batch.
    fn loss(&mut self) -> Result<Tensor<1>> {
        let rows = self.batches.next_rows();
        let batch = self.data.batch(&rows);
        let x = Tensor::<2>::from_data(
            TensorData::new(batch.features, [batch.rows, self.data.dim]),
            &self.device,
        );
        let out = self.teacher.forward(Input::Features(x));
        let target = out.logits;
        let mut total = Tensor::<1>::zeros([1], &self.device);
        for z in self.branches.logits(&out.taps)? {
            total = total.add(hinton_kl(z, target.clone(), 1.0));
        }
        Ok(total)
    }

    fn update(&mut self, loss: Tensor<1>) {
        let grads = GradientsParams::from_grads(loss.backward(), &self.branches);
        self.branches =
            self.optimizer
                .step(self.settings.learning_rate, self.branches.clone(), grads);
        self.step += 1;
    }

    /// One step; returns its loss (read synchronously).
    pub fn step(&mut self) -> Result<f32> {
        let loss = self.loss()?;
        let values = read(
            loss.clone()
                .detach()
                .inner()
                .into_data()
                .try_to_vec::<f32>(),
        )?;
        let value = values.first().copied().unwrap_or(f32::NAN);
        self.check(value)?;
        self.update(loss);
        Ok(value)
    }

    /// `n` steps read back together (one device read, as the page needs on WebGPU); returns
    /// their mean loss. A non-finite loss puts the branches back as they were before the chunk.
    pub async fn steps_async(&mut self, n: usize) -> Result<f32> {
        let (before, optimizer, step) = (self.branches.clone(), self.optimizer.clone(), self.step);
        let mut losses = Vec::with_capacity(n);
        for _ in 0..n {
            let loss = self.loss()?;
            losses.push(loss.clone().detach().inner());
            self.update(loss);
        }
        if losses.is_empty() {
            return Ok(0.0);
        }
        let values = Tensor::cat(losses, 0)
            .into_data_async()
            .await
            .map_err(|e| Error::Read(format!("{e:?}")))?;
        let values = read(values.try_to_vec::<f32>())?;
        if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
            self.branches = before;
            self.optimizer = optimizer;
            self.seek(step)?;
            return self.check(*bad).map(|_| 0.0);
        }
        Ok(values.iter().sum::<f32>() / values.len() as f32)
    }

    /// Puts the batch order back at `step` (the seeded order is replayed).
    fn seek(&mut self, step: usize) -> Result<()> {
        self.batches = Batches::at(
            self.data.len(),
            self.settings.batch_size,
            self.settings.seed,
            step,
        )?;
        self.step = step;
        Ok(())
    }

    fn check(&self, value: f32) -> Result<()> {
        Error::finite(value, self.step + 1, "exit loss").map(|_| ())
    }

    /// The branches as trained so far, detached from autodiff.
    pub fn branches(&self) -> ExitBranches {
        self.branches.valid()
    }

    pub fn teacher(&self) -> &Network {
        &self.teacher
    }

    pub fn steps_done(&self) -> usize {
        self.step
    }

    pub fn epoch(&self) -> usize {
        self.batches.epoch()
    }

    /// Steps in `epochs` passes over the transfer set.
    pub fn steps_for(&self, epochs: usize) -> usize {
        epochs * self.data.len().div_ceil(self.settings.batch_size)
    }
}

fn read<T, E: std::fmt::Debug>(r: std::result::Result<T, E>) -> Result<T> {
    r.map_err(|e| Error::Read(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{TransferConfig, digits};
    use crate::exits::ExitTable;
    use crate::train::accuracy;
    use crate::weights::load_network;

    const TEACHER: &[u8] = include_bytes!("../../../assets/teachers/digits.safetensors");

    /// The shipped 6×128 digits teacher, 10 epochs of exits. Measured: 98.05 % at S = 0 (the
    /// teacher), 98.05 % at S = 0.2 with 2.90 layers on average (0.44 of the FLOPs), 94.99 % at
    /// S = 1 with every example leaving at layer 1. Untrained exits are unsure everywhere: at
    /// S = 0.2 every example runs all six layers.
    #[test]
    fn trained_exits_let_sure_examples_leave_early_at_the_teachers_accuracy() {
        let device = Device::flex();
        let (teacher, _) = load_network(TEACHER, &device).unwrap();
        let split = digits().unwrap();
        let data = TransferSet::build(&split.train, &TransferConfig::default(), 1).unwrap();
        let mut trainer =
            ExitTrainer::new(&teacher, data, ExitSettings::default(), &device).unwrap();
        let untrained = ExitTable::measure(&teacher, &trainer.branches(), &split.test, &device)
            .unwrap()
            .at(0.2);
        assert_eq!(untrained.layers, 6.0);
        let first = trainer.step().unwrap();
        let mut last = first;
        for _ in 1..trainer.steps_for(10) {
            last = trainer.step().unwrap();
        }
        assert!(last < first / 2.0, "exit loss {first} → {last}");
        let table =
            ExitTable::measure(&teacher, &trainer.branches(), &split.test, &device).unwrap();
        let teacher_acc = accuracy(&teacher, &split.test, &device).unwrap();
        assert_eq!(table.at(0.0).accuracy, teacher_acc);
        let quick = table.at(0.2);
        assert!(quick.layers < 3.5, "{quick:?}");
        assert!(
            quick.accuracy >= teacher_acc - 0.006,
            "{quick:?} vs {teacher_acc}"
        );
        let fastest = table.at(1.0);
        assert_eq!(fastest.layers, 1.0);
        assert!(fastest.accuracy > 0.92, "{fastest:?}");
    }
}
