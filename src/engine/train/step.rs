//! One training step: the forward pass and the mixed loss, the update, and the numbers read
//! back (one step at a time, or a chunk of steps in one device read).

use burn::optim::GradientsParams;
use burn::tensor::{Int, Tensor, TensorData};

use crate::engine::error::{Error, Result};
use crate::engine::loss::{self};
use crate::engine::mapping::LayerMapping;
use crate::engine::network::{Classifier, Input, Tap, Taps};

use super::*;

/// A tap a mapping names, or why the network has none (a mapping is checked against the depths
/// before training, so this only fails for a network kind that lacks the tap).
fn tap(taps: &Taps, name: Tap, whose: &str) -> Result<Tensor<2>> {
    match name {
        Tap::Hidden(layer) => taps.hidden(layer).cloned(),
        Tap::Attention(_) => None,
    }
    .ok_or_else(|| Error::Mapping(format!("the {whose} network has no tap {name}")))
}

impl Trainer {
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
}
