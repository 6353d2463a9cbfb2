//! Stages 2 to 4 of adversarial imitation: the student's encoder under the teacher's frozen
//! classifier; a critic first learns to tell the teacher's features (of words and tags) from
//! the student's (of words alone); then the student learns the genres through the frozen
//! classifier and, weighted by λ, to make its features pass for the teacher's, while the critic
//! keeps learning.

use crate::train::adam::OnePassAdam;
use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::critic::{Critic, critic_accuracy, domain_loss, last_hidden};
use crate::data::{Batches, Dataset};
use crate::error::{Error, Result};
use crate::loss::hard_cross_entropy;
use crate::network::{Bow, BowConfig};
use crate::train::{host, predictions};

/// One step: the critic's accuracy before its update, and the student's on the batch (none
/// while the critic is pretrained and the student waits).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImitationStep {
    pub step: usize,
    pub critic: f32,
    pub student: Option<f32>,
}

pub struct Imitator {
    teacher: Bow,
    student: Bow,
    critic: Critic,
    student_optimizer: ModuleOptimizer,
    critic_optimizer: ModuleOptimizer,
    tagged: Dataset,
    words: Dataset,
    batches: Batches,
    lambda: f32,
    critic_steps: usize,
    learning_rate: f64,
    device: Device,
    step: usize,
}

impl Imitator {
    /// `tagged` and `words` are the same sentences, row for row.
    pub fn new(
        teacher: &Bow,
        student: &BowConfig,
        (tagged, words): (&Dataset, &Dataset),
        (lambda, critic_steps): (f32, usize),
        (learning_rate, batch_size, seed): (f64, usize, u64),
        device: &Device,
    ) -> Result<Self> {
        if tagged.len() != words.len() || tagged.labels != words.labels {
            return Err(Error::Settings(
                "the teacher's and the student's rows are not the same sentences".into(),
            ));
        }
        let device = device.clone().inner().autodiff();
        let teacher = teacher.clone().fork(&device).no_grad();
        let mut net = student.init(&device, seed)?;
        if net.hidden.last().map(|l| l.weight.dims())
            != teacher.hidden.last().map(|l| l.weight.dims())
        {
            return Err(Error::ModelConfig(
                "the student's last layer must be the teacher's width: it goes under the teacher's classifier".into(),
            ));
        }
        net.classifier = teacher.classifier.clone();
        let width = student.hidden.last().copied().unwrap_or(student.embed);
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x696d_6974);
        Ok(Self {
            critic: Critic::new(width, &mut rng, &device),
            teacher,
            student: net,
            student_optimizer: OnePassAdam::module(0.0),
            critic_optimizer: OnePassAdam::module(0.0),
            batches: Batches::new(words.len(), batch_size, seed)?,
            tagged: tagged.clone(),
            words: words.clone(),
            lambda,
            critic_steps,
            learning_rate,
            device,
            step: 0,
        })
    }

    pub fn steps_per_epoch(&self) -> usize {
        self.batches.batches_per_epoch()
    }

    /// The student: its encoder and the teacher's classifier.
    pub fn network(&self) -> Bow {
        self.student.valid()
    }

    fn rows(&self, data: &Dataset, rows: &[usize]) -> Tensor<2> {
        let mut features = Vec::with_capacity(rows.len() * data.dim);
        for &i in rows {
            features.extend_from_slice(data.example(i));
        }
        Tensor::from_data(
            TensorData::new(features, [rows.len(), data.dim]),
            &self.device,
        )
    }

    pub fn step(&mut self) -> Result<ImitationStep> {
        let rows = self.batches.next_rows();
        let (teacher, _) = last_hidden(&self.teacher, self.rows(&self.tagged, &rows))?;
        let (student, logits) = last_hidden(&self.student, self.rows(&self.words, &rows))?;
        let a = self.critic.forward(teacher.clone().detach());
        let b = self.critic.forward(student.clone().detach());
        let critic = critic_accuracy(&a, &b)?;
        let grads = GradientsParams::from_grads(domain_loss(a, b).backward(), &self.critic);
        self.critic = self
            .critic_optimizer
            .step(self.learning_rate, self.critic.clone(), grads);
        self.step += 1;
        if self.step <= self.critic_steps {
            return Ok(ImitationStep {
                step: self.step,
                critic,
                student: None,
            });
        }
        let accuracy = self.learn(&rows, student, teacher, logits)?;
        Ok(ImitationStep {
            step: self.step,
            critic,
            student: Some(accuracy),
        })
    }

    /// The student's update: the genres through the frozen classifier, and fooling the critic.
    fn learn(
        &mut self,
        rows: &[usize],
        student: Tensor<2>,
        teacher: Tensor<2>,
        logits: Tensor<2>,
    ) -> Result<f32> {
        let classes = self.words.classes;
        let mut one_hot = vec![0.0; rows.len() * classes];
        for (r, &i) in rows.iter().enumerate() {
            one_hot[r * classes + usize::from(self.words.labels[i])] = 1.0;
        }
        let one_hot = Tensor::from_data(
            TensorData::new(one_hot, [rows.len(), classes]),
            &self.device,
        );
        let seen = host(logits.clone().detach())?;
        let task = hard_cross_entropy(logits, one_hot, rows.len());
        let fooled = domain_loss(self.critic.forward(student), self.critic.forward(teacher));
        let loss = task + fooled.mul_scalar(self.lambda);
        let value = host(loss.clone().detach())?
            .first()
            .copied()
            .unwrap_or(f32::NAN);
        Error::finite(value, self.step, "imitation loss")?;
        let grads = GradientsParams::from_grads(loss.backward(), &self.student);
        self.student = self
            .student_optimizer
            .step(self.learning_rate, self.student.clone(), grads);
        let hits = predictions(&seen, classes)
            .iter()
            .zip(rows)
            .filter(|(p, i)| **p == usize::from(self.words.labels[**i]))
            .count();
        Ok(hits as f32 / rows.len().max(1) as f32)
    }
}
