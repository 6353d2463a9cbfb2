//! MT-DNN's Algorithm 1 with distillation: each epoch, every task's batches are put in one
//! list and shuffled, so that the tasks take turns at random; each batch learns its task's
//! labels and its teacher's soft targets through the shared encoder and its task's head.

use crate::train::adam::OnePassAdam;
use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rand::seq::SliceRandom;

use super::MultiTaskSettings;
use super::data::Tasks;
use super::model::SharedBow;
use crate::data::Batches;
use crate::error::{Error, Result};
use crate::loss::{hard_cross_entropy, hinton_kl};
use crate::network::{Bow, BowConfig, Classifier, Input};
use crate::train::host;

pub struct MultiTaskTrainer {
    model: SharedBow,
    optimizer: ModuleOptimizer,
    /// The tasks it learns (indices into `Tasks::tasks`); head `k` is task `learns[k]`'s.
    learns: Vec<usize>,
    /// This epoch's batches, in order: the head and the task's rows.
    order: Vec<(usize, Vec<usize>)>,
    batches: Vec<Batches>,
    rng: ChaCha8Rng,
    settings: MultiTaskSettings,
    device: Device,
    step: usize,
}

impl MultiTaskTrainer {
    /// A student of the tasks `learns`, one head each.
    pub fn new(
        tasks: &Tasks,
        learns: Vec<usize>,
        settings: MultiTaskSettings,
        device: &Device,
    ) -> Result<Self> {
        settings.check()?;
        let mut classes = Vec::new();
        let mut batches = Vec::new();
        for (k, &t) in learns.iter().enumerate() {
            let task = tasks
                .tasks
                .get(t)
                .ok_or_else(|| Error::Settings(format!("there is no task {t}")))?;
            classes.push(task.train.classes);
            batches.push(Batches::new(
                task.train.len(),
                settings.batch_size,
                settings.seed ^ k as u64,
            )?);
        }
        let config = BowConfig {
            vocab: tasks.tokenizer.vocab_size(),
            max_len: tasks.tokenizer.max_len(),
            embed: settings.width,
            hidden: vec![settings.width],
            classes: 2,
        };
        let device = device.clone().inner().autodiff();
        Ok(Self {
            model: SharedBow::new(&config, &classes, &device, settings.seed)?,
            optimizer: OnePassAdam::module(0.0),
            learns,
            order: Vec::new(),
            batches,
            rng: ChaCha8Rng::seed_from_u64(settings.seed ^ 0x6d74_646e),
            settings,
            device,
            step: 0,
        })
    }

    /// Batches in one epoch, over every task it learns.
    pub fn steps_per_epoch(&self) -> usize {
        self.batches.iter().map(Batches::batches_per_epoch).sum()
    }

    /// The network of its `k`-th task, without gradients.
    pub fn network(&self, k: usize) -> Option<Bow> {
        self.model.valid().for_task(k)
    }

    /// A fresh epoch's order: every task's batches, shuffled together.
    fn new_epoch(&mut self) {
        let mut order = Vec::with_capacity(self.steps_per_epoch());
        for (k, b) in self.batches.iter_mut().enumerate() {
            for _ in 0..b.batches_per_epoch() {
                order.push((k, b.next_rows()));
            }
        }
        order.shuffle(&mut self.rng);
        order.reverse();
        self.order = order;
    }

    pub fn step(&mut self, tasks: &Tasks) -> Result<f32> {
        if self.order.is_empty() {
            self.new_epoch();
        }
        let (head, rows) = self
            .order
            .pop()
            .ok_or_else(|| Error::Settings("no task has a batch".into()))?;
        let task = &tasks.tasks[self.learns[head]];
        let (n, dim, classes) = (rows.len(), task.train.dim, task.train.classes);
        let mut x = Vec::with_capacity(n * dim);
        let mut one_hot = vec![0.0; n * classes];
        let mut teacher = Vec::with_capacity(n * classes);
        for (r, &i) in rows.iter().enumerate() {
            x.extend_from_slice(task.train.example(i));
            one_hot[r * classes + usize::from(task.train.labels[i])] = 1.0;
            teacher.extend_from_slice(&task.teacher[i * classes..(i + 1) * classes]);
        }
        let tensor = |v: Vec<f32>, d: usize| {
            Tensor::<2>::from_data(TensorData::new(v, [n, d]), &self.device)
        };
        let net = self
            .model
            .for_task(head)
            .ok_or_else(|| Error::Settings("no head for the task".into()))?;
        let logits = net.logits(Input::Features(tensor(x, dim)));
        let s = &self.settings;
        let hard = hard_cross_entropy(logits.clone(), tensor(one_hot, classes), n);
        let soft = hinton_kl(logits, tensor(teacher, classes), s.temperature);
        let loss = hard.mul_scalar(s.alpha) + soft.mul_scalar(1.0 - s.alpha);
        let value = host(loss.clone().detach())?
            .first()
            .copied()
            .unwrap_or(f32::NAN);
        let value = Error::finite(value, self.step + 1, "multi-task loss")?;
        let grads = GradientsParams::from_grads(loss.backward(), &self.model);
        self.model = self
            .optimizer
            .step(s.learning_rate, self.model.clone(), grads);
        self.step += 1;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Dataset;
    use crate::multitask::Task;
    use crate::text::Special;

    fn task(name: &'static str, classes: usize, rows: usize) -> Task {
        let mut features = Vec::new();
        for r in 0..rows {
            features.extend([2.0, 5.0 + (r % 4) as f32, 3.0, 0.0]);
        }
        let labels = (0..rows).map(|r| (r % classes) as u8).collect();
        Task {
            name,
            train: Dataset::new(name, features.clone(), labels, 4, classes, None).unwrap(),
            test: Dataset::new(name, features, vec![0; rows], 4, classes, None).unwrap(),
            teacher: vec![0.0; rows * classes],
            teacher_accuracy: 0.0,
        }
    }

    fn tasks() -> Tasks {
        let mut words: Vec<String> = Special::ALL.iter().map(|s| s.text().to_string()).collect();
        words.extend(["a", "b", "c", "d"].map(String::from));
        Tasks {
            tokenizer: crate::text::Tokenizer::from_words(words, 4).unwrap(),
            tasks: vec![task("two", 2, 8), task("three", 3, 12)],
        }
    }

    #[test]
    fn a_batch_moves_the_shared_encoder_and_its_own_head_only() {
        let tasks = tasks();
        let settings = MultiTaskSettings {
            batch_size: 4,
            width: 8,
            ..MultiTaskSettings::default()
        };
        let mut t = MultiTaskTrainer::new(&tasks, vec![0, 1], settings, &Device::flex()).unwrap();
        // Two batches of the first task and three of the second, in a shuffled order.
        assert_eq!(t.steps_per_epoch(), 5);
        let values = |m: &SharedBow| {
            let v = |t: Tensor<2>| host(t).unwrap();
            (
                v(m.embedding.weight.val()),
                m.heads
                    .iter()
                    .map(|h| v(h.weight.val()))
                    .collect::<Vec<_>>(),
            )
        };
        t.new_epoch();
        let mut seen = [0; 2];
        for _ in 0..5 {
            let (embedding, heads) = values(&t.model.valid());
            let head = t.order.last().map(|(head, _)| *head).unwrap();
            seen[head] += 1;
            t.step(&tasks).unwrap();
            let (embedding_after, heads_after) = values(&t.model.valid());
            assert_ne!(embedding, embedding_after);
            assert_ne!(heads[head], heads_after[head]);
            assert_eq!(heads[1 - head], heads_after[1 - head]);
        }
        // Every batch of the epoch was used once, and the next step starts a fresh order.
        assert!(t.order.is_empty());
        assert_eq!(seen, [2, 3]);
    }
}
