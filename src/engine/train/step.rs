//! One training step: the forward pass and the mixed loss, the update, and the numbers read
//! back (one step at a time, or a chunk of steps in one device read).

use burn::optim::GradientsParams;
use burn::tensor::{Tensor, TensorData};

use crate::error::{Error, Result};
use crate::loss::{self, AttentionLoss, Projection};
use crate::network::{Classifier, Input, Taps};

use super::aligned::Pooling;
use super::teacher::Targets;
use super::*;

/// Loss terms a step reads back before the batch's logits.
const LOSSES: usize = 5;
const LOSS_NAMES: [&str; LOSSES] = [
    "total loss",
    "hard loss",
    "soft loss",
    "hidden loss",
    "attention loss",
];

impl Trainer {
    /// One training step on the next batch. Reads its metrics back synchronously.
    pub fn step(&mut self) -> Result<StepMetrics> {
        let pending = self.begin_step()?;
        let values = host(pending.readout.clone())?;
        self.finish_step(pending, &values)
    }

    /// One training step whose metrics are read asynchronously (required on WebGPU in a browser).
    pub async fn step_async(&mut self) -> Result<StepMetrics> {
        let pending = self.begin_step()?;
        let values = host_async(pending.readout.clone()).await?;
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
            TensorData::new(self.jittered(&batch.features), [n, dim]),
            &self.device,
        ));
        let one_hot = Tensor::<2>::from_data(
            TensorData::new(batch.one_hot.clone(), [n, classes]),
            &self.device,
        );

        let student = self.student_pass(x.clone());
        let hard = loss::hard_cross_entropy(student.logits.clone(), one_hot.clone(), batch.labeled);
        let (terms, teacher_logits) =
            self.loss_terms(&rows, x, &student, hard, temperature, alpha)?;
        let mut readout = vec![
            terms.total.clone().detach(),
            terms.hard.clone().detach(),
            terms.soft.clone().detach(),
            terms.hidden.clone().detach(),
            terms.attention.clone().detach(),
        ];
        let probed = self.gradient_probe && teacher_logits.is_some();
        if let (true, Some(z_t)) = (self.gradient_probe, teacher_logits) {
            let probe = loss::LogitGradients {
                kind: self.settings.soft_loss,
                form: self.settings.kl,
                temperature,
                alpha,
                one_hot: &one_hot,
                labeled: batch.labeled,
            };
            readout.push(probe.norms(student.logits.clone().detach(), z_t.detach()));
        }
        readout.push(student.logits.detach().reshape([n * classes]));
        Ok(PendingStep {
            terms,
            readout: Tensor::cat(readout, 0).inner(),
            batch,
            temperature,
            alpha,
            epoch: self.batches.epoch(),
            probed,
        })
    }

    /// The student's logits, and its taps only when a layer or attention term reads them: a
    /// transformer's logits alone run its last block for `[CLS]` only, forward and backward.
    fn student_pass(&self, x: Input) -> crate::network::Forward {
        if self.teacher.is_some() && self.reads_taps() {
            return self.student.net.forward(x);
        }
        crate::network::Forward {
            logits: self.student.net.logits(x),
            taps: Taps::new(Vec::new()),
        }
    }

    /// Whether the layer or the attention term is on (both read the networks' taps).
    fn reads_taps(&self) -> bool {
        self.settings.beta > 0.0
            || (self.settings.gamma > 0.0 && self.settings.attention_loss != AttentionLoss::Off)
    }

    /// The batch's images, each shifted at random when the run jitters them. The shifts are
    /// drawn from the seed and the step, so a rewound or restored run repeats them.
    fn jittered(&self, features: &[f32]) -> Vec<f32> {
        let mut rows = features.to_vec();
        let jitter = self.settings.regularisation.jitter;
        if let (Some(image), true) = (self.data.image, jitter > 0) {
            let seed = self.settings.seed ^ (self.step as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let mut rng = <rand::rngs::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(seed);
            super::jitter_images(&mut rows, image, jitter, &mut rng);
        }
        rows
    }

    /// The mixed loss of a step: the hard term alone without a teacher; with one, its targets
    /// (cached or from a forward pass) and the soft, hidden and attention terms. Also returns
    /// the teacher's logits for the batch, when there is a teacher.
    fn loss_terms(
        &self,
        rows: &[usize],
        x: Input,
        student: &crate::network::Forward,
        hard: Tensor<1>,
        temperature: f32,
        alpha: f32,
    ) -> Result<(loss::LossTerms, Option<Tensor<2>>)> {
        let Some(teacher) = &self.teacher else {
            let only_hard = loss::Weights {
                alpha: 1.0,
                beta: 0.0,
                gamma: 0.0,
            };
            let terms = loss::combine(only_hard, hard, self.zero(), self.zero(), self.zero());
            return Ok((terms, None));
        };
        // Only the layer and attention terms read the teacher on the student's positions.
        let deep = self.reads_taps();
        let pooling = self
            .data
            .teacher_rows
            .as_ref()
            .filter(|_| deep)
            .and_then(|t| {
                let words = self.data.alignment(rows)?;
                Some(Pooling::new(&words, t.dim, self.data.dim, &self.device))
            });
        let targets = match teacher.cached(rows, &self.settings, &self.device) {
            Some(t) => t,
            None => self.teacher_targets(teacher, rows, x, pooling.as_ref())?,
        };
        let soft = loss::soft_loss(
            self.settings.soft_loss,
            student.logits.clone(),
            targets.logits.clone(),
            temperature,
            self.settings.kl,
        );
        let pooling = pooling.as_ref();
        let hidden = self.hidden_term(teacher, &student.taps, &targets, pooling)?;
        let attention = self.attention_term(teacher, &student.taps, &targets, pooling)?;
        let weights = loss::Weights {
            alpha,
            beta: self.settings.beta,
            gamma: self.settings.gamma,
        };
        let terms = loss::combine(weights, hard, soft, hidden, attention);
        Ok((terms, Some(targets.logits)))
    }

    /// The teacher's targets for the batch from a forward pass: on the student's rows, or on
    /// its own, pooled onto the student's positions when aligned.
    fn teacher_targets(
        &self,
        teacher: &Teacher,
        rows: &[usize],
        x: Input,
        pooling: Option<&Pooling>,
    ) -> Result<Targets> {
        let x = match &self.data.teacher_rows {
            None => x,
            Some(_) => {
                let (features, dim) = self.data.teacher_batch(rows);
                let n = features.len() / dim.max(1);
                Input::Features(Tensor::<2>::from_data(
                    TensorData::new(features, [n, dim]),
                    &self.device,
                ))
            }
        };
        let targets = teacher.targets(x, &self.settings, &self.architecture)?;
        Ok(match pooling {
            Some(p) => targets.pooled(p, self.architecture.heads().unwrap_or(0)),
            None => targets,
        })
    }

    fn zero(&self) -> Tensor<1> {
        Tensor::<1>::zeros([1], &self.device)
    }

    /// Σ over the hidden pairs of the hidden loss between the student's tap (projected where
    /// the widths differ) and the teacher's. β = 0 switches it off: nothing is then computed.
    fn hidden_term(
        &self,
        teacher: &Teacher,
        student: &Taps,
        targets: &Targets,
        pooling: Option<&Pooling>,
    ) -> Result<Tensor<1>> {
        let mut hidden = self.zero();
        if self.settings.beta <= 0.0 {
            return Ok(hidden);
        }
        for (k, (&(s, _), h_t)) in teacher.hidden_pairs.iter().zip(&targets.hidden).enumerate() {
            let h_s = student
                .hidden(s)
                .cloned()
                .ok_or_else(|| Error::Mapping(format!("the student has no tap hidden.{s}")))?;
            let h_s = pooled_like(h_s, h_t);
            let (h_s, h_t) = self.bridged(k, h_s, h_t.clone());
            // Positions no piece pools into count on neither side (a projection's bias
            // would otherwise put something there).
            let (h_s, h_t) = match pooling {
                Some(p) => (p.masked(h_s), p.masked(h_t)),
                None => (h_s, h_t),
            };
            hidden = hidden.add(loss::hidden_loss(self.settings.hidden_loss, h_s, h_t));
        }
        Ok(hidden)
    }

    /// Hidden pair `k`'s student and teacher states in one width: the student's projected up
    /// (its pair's matrix, or the shared one), or the teacher's projected down (shared).
    fn bridged(&self, k: usize, h_s: Tensor<3>, h_t: Tensor<3>) -> (Tensor<3>, Tensor<3>) {
        if h_s.dims()[2] == h_t.dims()[2] {
            return (h_s, h_t);
        }
        let own = self.student.projections.get(k).and_then(Option::as_ref);
        match (own, &self.student.shared, self.settings.projection) {
            (Some(p), _, _) => (p.forward(h_s), h_t),
            (None, Some(p), Projection::SharedDown) => (h_s, p.forward(h_t)),
            (None, Some(p), _) => (p.forward(h_s), h_t),
            (None, None, _) => (h_s, h_t),
        }
    }

    /// TinyBERT's attention MSE summed over the mapped blocks, or MiniLM's relation KL of the
    /// last blocks; zero without attention transfer or with γ = 0.
    fn attention_term(
        &self,
        teacher: &Teacher,
        student: &Taps,
        targets: &Targets,
        pooling: Option<&Pooling>,
    ) -> Result<Tensor<1>> {
        let missing = |what: String| Error::Mapping(format!("the student has no {what}"));
        if self.settings.gamma <= 0.0 {
            return Ok(self.zero());
        }
        match self.settings.attention_loss {
            AttentionLoss::Off => Ok(self.zero()),
            AttentionLoss::TinyBert => {
                let mut sum = self.zero();
                for (&(s, _), a_t) in teacher.mapping.pairs().iter().zip(&targets.attention) {
                    let a_s = student
                        .attention(s)
                        .cloned()
                        .ok_or_else(|| missing(format!("attention in block {s}")))?;
                    let a_s = match pooling {
                        Some(p) => p.student_attention(a_s),
                        None => a_s,
                    };
                    sum = sum.add(loss::attention_mse(a_s, a_t.clone()));
                }
                Ok(sum)
            }
            AttentionLoss::MiniLm => {
                let depth = self.architecture.depth();
                let (Some(q_s), Some(q_t), Some(mask)) =
                    (student.qkv(depth), targets.qkv.as_ref(), student.mask())
                else {
                    return Err(missing("queries, keys and values for MiniLM".into()));
                };
                let heads = self.architecture.heads().unwrap_or(1);
                let mask = pooling.map_or_else(|| mask.clone(), |p| p.mask.clone());
                Ok(loss::minilm(q_s, q_t, heads, mask))
            }
        }
    }

    fn finish_step(&mut self, pending: PendingStep, values: &[f32]) -> Result<StepMetrics> {
        let losses: [f32; LOSSES] = match values.get(..LOSSES).map(<[f32; LOSSES]>::try_from) {
            Some(Ok(l)) => l,
            _ => return Err(Error::Read("the step's metrics are missing".into())),
        };
        for (what, value) in LOSS_NAMES.into_iter().zip(losses) {
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

        Ok(self.metrics(&pending, losses, &values[LOSSES..], self.step))
    }

    /// What a step measured, from its losses, then its gradient norms (when probed) and its
    /// batch's logits.
    fn metrics(
        &self,
        pending: &PendingStep,
        [total, hard, soft, hidden, attention]: [f32; LOSSES],
        rest: &[f32],
        step: usize,
    ) -> StepMetrics {
        let classes = self.data.classes;
        let (logit_gradients, logits) = match (pending.probed, rest) {
            (true, [h, s, logits @ ..]) => (Some([*h, *s]), logits),
            _ => (None, rest),
        };
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
            attention,
            batch_accuracy: (labeled > 0).then(|| hits as f32 / labeled as f32),
            temperature: pending.temperature,
            alpha: pending.alpha,
            logit_gradients,
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
            let len = LOSSES + 2 * usize::from(p.probed) + p.batch.rows * self.data.classes;
            let Some(v) = values.get(offset..offset + len) else {
                return Err(Error::Read("the chunk's metrics are missing".into()));
            };
            offset += len;
            let losses = [v[0], v[1], v[2], v[3], v[4]];
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
                    what: LOSS_NAMES[i],
                    value: losses[i],
                };
                self.halted = Some(diverged());
                return Err(diverged());
            }
            out.push(self.metrics(p, losses, &v[LOSSES..], first + k + 1));
        }
        if let Some(last) = before.pop() {
            self.last_good = Some(last);
        }
        Ok(out)
    }
}

/// The student's state on the teacher's positions: a conv student's maps averaged over the
/// pixels when its teacher's layer has one position (an MLP's). Pairs that differ otherwise are
/// refused before training starts.
fn pooled_like(h_s: Tensor<3>, h_t: &Tensor<3>) -> Tensor<3> {
    match h_s.dims()[1] > 1 && h_t.dims()[1] == 1 {
        true => h_s.mean_dim(1),
        false => h_s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;

    #[test]
    fn maps_meet_a_one_position_layer_averaged_and_other_states_as_they_are() {
        let device = Device::flex();
        let maps = Tensor::<3>::from_data(
            TensorData::new(
                vec![1.0f32, 10.0, 3.0, 20.0, 5.0, 30.0, 7.0, 40.0],
                [1, 4, 2],
            ),
            &device,
        );
        let mlp_layer = Tensor::<3>::zeros([1, 1, 2], &device);
        let pooled = pooled_like(maps.clone(), &mlp_layer);
        assert_eq!(pooled.dims(), [1, 1, 2]);
        assert_eq!(pooled.into_data().try_to_vec::<f32>().unwrap(), [4.0, 25.0]);
        let same = Tensor::<3>::zeros([1, 4, 2], &device);
        assert_eq!(
            pooled_like(maps.clone(), &same).into_data(),
            maps.into_data()
        );
    }
}
