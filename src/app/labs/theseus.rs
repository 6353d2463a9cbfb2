//! BERT-of-Theseus: each successor stands in for k teacher layers, at first at random (a
//! constant rate p, or a curriculum), then alone; then the same student by KD from the same start
//! for as many steps, to compare. Engine: `engine::theseus`.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::plugin::{Lab, LabContext, Started};
use crate::app::jobs::{Ended, Flow, Job, Progress, StepFuture, ready};
use crate::engine::data::{Dataset, TransferConfig, TransferSet};
use crate::engine::network::{Classifier, Network};
use crate::engine::schedule::Schedule;
use crate::engine::theseus::{Phase, ReplaceRate, TheseusSettings, TheseusStep, TheseusTrainer};
use crate::engine::train::{DistillSettings, Trainer, accuracy};
use crate::engine::weights::NetworkWeights;

/// Steps kept for the strip of module tiles.
pub const STRIP_STEPS: usize = 24;

pub struct Theseus;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TheseusLab {
    /// Phase 1 follows the curriculum p = min(1, θ·t + b) instead of a constant p.
    pub curriculum: bool,
    /// The teacher layers (1-based, inclusive) each successor stands in for.
    pub modules: Vec<(usize, usize)>,
    pub replacing_steps: usize,
    /// Steps of the run (replacing and fine-tuning); the KD comparison takes as many again.
    pub steps: usize,
    /// The latest steps, oldest first: per module, whether the successor ran.
    pub strip: Vec<(usize, Phase, Vec<bool>)>,
    /// (step, p) as training went.
    pub rate: Vec<(usize, f32)>,
    /// (step, test accuracy of the successors alone).
    pub accuracy: Vec<(usize, f32)>,
    pub result: Option<TheseusResult>,
    /// The KD student of the comparison is training.
    pub kd_running: bool,
}

/// How it ended: the successors against the same student distilled by KD.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TheseusResult {
    pub student: String,
    pub teacher_accuracy: f32,
    pub theseus_accuracy: f32,
    pub kd_accuracy: f32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TheseusRequest {
    Replace { curriculum: bool },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TheseusEvent {
    Curriculum(bool),
    Start {
        modules: Vec<(usize, usize)>,
        replacing_steps: usize,
        total: usize,
    },
    Steps(Vec<TheseusStep>),
    Accuracy(usize, f32),
    /// The KD comparison began (after the replacing run).
    KdStarted,
    Done(Option<TheseusResult>),
}

/// Module replacing in the page: half as many successors as teacher layers, 20 + 10 epochs
/// (1 + 1 on text); the curriculum reaches p = 1 three quarters into phase 1.
fn page_theseus(
    teacher: &Network,
    examples: usize,
    text: bool,
    curriculum: bool,
) -> TheseusSettings {
    let per_epoch = examples.div_ceil(64);
    let epochs = |images: usize| if text { 1 } else { images };
    let replacing = epochs(20) * per_epoch;
    TheseusSettings {
        successors: (teacher.architecture().depth() / 2).max(1),
        rate: match curriculum {
            true => ReplaceRate::Linear {
                base: 0.3,
                slope: 0.7 / (0.75 * replacing as f32).max(1.0),
            },
            false => ReplaceRate::Constant { p: 0.5 },
        },
        replacing_steps: replacing,
        finetune_steps: epochs(10) * per_epoch,
        ..TheseusSettings::default()
    }
}

impl Lab for Theseus {
    const ID: &'static str = "theseus";
    const TITLE: &'static str = "Module replacing";
    const SUMMARY: &'static str = "Each small successor stands in for two teacher layers, at random at first, then alone; no distillation loss at all. Then the same student by KD from the same start, to compare.";
    const SOURCE: &'static str = "BERT-of-Theseus, Xu et al. 2020";
    type State = TheseusLab;
    type Request = TheseusRequest;
    type Event = TheseusEvent;
    type Memory = ();

    fn start(
        request: TheseusRequest,
        context: &LabContext,
        _: &Rc<RefCell<()>>,
    ) -> crate::Result<Started<TheseusEvent>> {
        let TheseusRequest::Replace { curriculum } = request;
        let cpu = Device::flex();
        let run = context.run()?;
        let teacher = run.teacher.to_network(&cpu)?;
        let data = TransferSet::build(&run.session.split.train, &TransferConfig::default(), 1)?;
        let text = run.settings.dataset.is_text();
        let settings = page_theseus(&teacher, data.len(), text, curriculum);
        let replacing_steps = settings.replacing_steps;
        let trainer = TheseusTrainer::new(&teacher, &data, settings, &cpu)?;
        let (total, initial) = (trainer.total_steps(), trainer.network());
        let start = TheseusEvent::Start {
            modules: trainer
                .modules()
                .iter()
                .map(|m| (m.start + 1, m.end))
                .collect(),
            replacing_steps,
            total,
        };
        let s = run.settings;
        let kd_settings = DistillSettings {
            temperature: Schedule::constant(s.temperature),
            alpha: Schedule::constant(s.alpha),
            total_steps: total,
            seed: 1,
            ..Default::default()
        };
        Ok(Started::Job(Box::new(TheseusJob {
            trainer,
            kd: None,
            kd_settings,
            initial,
            teacher,
            data,
            test: run.session.split.test.clone(),
            theseus_accuracy: None,
            events: vec![start],
            batch: Vec::new(),
            cpu,
        })))
    }

    fn reduce(lab: &mut TheseusLab, event: TheseusEvent) {
        match event {
            TheseusEvent::Curriculum(on) => lab.curriculum = on,
            TheseusEvent::Start {
                modules,
                replacing_steps,
                total,
            } => {
                *lab = TheseusLab {
                    curriculum: lab.curriculum,
                    modules,
                    replacing_steps,
                    steps: total,
                    ..TheseusLab::default()
                }
            }
            TheseusEvent::Steps(steps) => lab.record(steps),
            TheseusEvent::Accuracy(step, acc) => lab.accuracy.push((step, acc)),
            TheseusEvent::KdStarted => lab.kd_running = true,
            TheseusEvent::Done(result) => {
                lab.kd_running = false;
                lab.result = result;
            }
        }
    }

    fn after_new_teacher(lab: &TheseusLab) -> TheseusLab {
        TheseusLab {
            curriculum: lab.curriculum,
            ..TheseusLab::default()
        }
    }
}

/// The replacing run (its steps to the strip, the successors' accuracy about twelve times),
/// then the KD comparison.
struct TheseusJob {
    trainer: TheseusTrainer,
    kd: Option<Trainer>,
    kd_settings: DistillSettings,
    initial: Network,
    teacher: Network,
    data: TransferSet,
    test: Dataset,
    theseus_accuracy: Option<f32>,
    events: Vec<TheseusEvent>,
    /// Steps not yet sent to the strip.
    batch: Vec<TheseusStep>,
    cpu: Device,
}

impl TheseusJob {
    fn replace(&mut self) -> crate::Result<Flow> {
        let total = self.trainer.total_steps();
        let s = self.trainer.step()?;
        let step = s.step;
        self.batch.push(s);
        if step % (total / 12).max(1) == 0 || step == total {
            self.flush();
            let acc = accuracy(&self.trainer.network(), &self.test, &self.cpu)?;
            self.events.push(TheseusEvent::Accuracy(step, acc));
        }
        if step == total {
            self.theseus_accuracy = Some(accuracy(&self.trainer.network(), &self.test, &self.cpu)?);
            let mut kd = Trainer::distill(
                self.initial.architecture(),
                self.teacher.clone(),
                self.data.clone(),
                self.kd_settings.clone(),
                &self.cpu,
            )?;
            kd.restore(NetworkWeights::from_network(&self.initial)?, 0)?;
            self.kd = Some(kd);
            self.events.push(TheseusEvent::KdStarted);
        }
        Ok(Flow::More)
    }

    fn distil(&mut self) -> crate::Result<Flow> {
        let Some(kd) = self.kd.as_mut() else {
            return Ok(Flow::Done);
        };
        if kd.steps_done() < self.kd_settings.total_steps {
            kd.step()?;
            return Ok(Flow::More);
        }
        let result = TheseusResult {
            student: self.initial.architecture().describe(),
            teacher_accuracy: accuracy(&self.teacher, &self.test, &self.cpu)?,
            theseus_accuracy: self.theseus_accuracy.unwrap_or(f32::NAN),
            kd_accuracy: accuracy(&kd.network(), &self.test, &self.cpu)?,
        };
        self.events.push(TheseusEvent::Done(Some(result)));
        Ok(Flow::Done)
    }

    fn flush(&mut self) {
        if !self.batch.is_empty() {
            self.events
                .push(TheseusEvent::Steps(std::mem::take(&mut self.batch)));
        }
    }
}

impl Job for TheseusJob {
    type Event = TheseusEvent;

    fn step(&mut self) -> StepFuture<'_> {
        ready(match self.kd {
            None => self.replace(),
            Some(_) => self.distil(),
        })
    }

    fn progress(&self) -> Progress {
        let total = self.trainer.total_steps();
        match &self.kd {
            None => Progress::new(self.trainer.steps_done(), 2 * total, "replacing modules"),
            Some(kd) => Progress::new(total + kd.steps_done(), 2 * total, "the same student by KD"),
        }
    }

    fn take_events(&mut self) -> Vec<TheseusEvent> {
        self.flush();
        std::mem::take(&mut self.events)
    }

    fn finish(&mut self, ended: &Ended) -> Vec<TheseusEvent> {
        match ended {
            Ended::Done => Vec::new(),
            _ => vec![TheseusEvent::Done(None)],
        }
    }
}

impl TheseusLab {
    fn record(&mut self, steps: Vec<TheseusStep>) {
        for s in steps {
            if self.rate.last().is_none_or(|&(_, p)| p != s.rate) || s.step % 10 == 0 {
                self.rate.push((s.step, s.rate));
            }
            self.strip.push((s.step, s.phase, s.successor));
        }
        let extra = self.strip.len().saturating_sub(STRIP_STEPS);
        self.strip.drain(..extra);
    }

    /// The share of module runs in the strip that were successors.
    pub fn successor_share(&self) -> f32 {
        let (ran, all) = self.strip.iter().fold((0, 0), |(r, a), (_, _, s)| {
            (r + s.iter().filter(|x| **x).count(), a + s.len())
        });
        ran as f32 / all.max(1) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(step: usize, rate: f32, successor: Vec<bool>) -> TheseusStep {
        TheseusStep {
            step,
            phase: Phase::Replacing,
            rate,
            successor,
            loss: 1.0,
            batch_accuracy: 0.5,
        }
    }

    #[test]
    fn the_strip_keeps_the_latest_steps_and_the_rate_its_changes() {
        let mut lab = TheseusLab::default();
        Theseus::reduce(
            &mut lab,
            TheseusEvent::Start {
                modules: vec![(1, 2), (3, 4), (5, 6)],
                replacing_steps: 20,
                total: 30,
            },
        );
        let steps = (1..=30)
            .map(|k| step(k, 0.3 + 0.01 * k as f32, vec![k % 2 == 0, true, false]))
            .collect();
        Theseus::reduce(&mut lab, TheseusEvent::Steps(steps));
        assert_eq!(lab.strip.len(), STRIP_STEPS);
        assert_eq!(lab.strip[0].0, 30 - STRIP_STEPS + 1);
        assert_eq!(lab.rate.len(), 30, "every change of p is kept");
        assert!((lab.successor_share() - 0.5).abs() < 1e-6);
        Theseus::reduce(&mut lab, TheseusEvent::Curriculum(true));
        Theseus::reduce(
            &mut lab,
            TheseusEvent::Start {
                modules: vec![(1, 6)],
                replacing_steps: 1,
                total: 2,
            },
        );
        assert!(lab.curriculum && lab.strip.is_empty() && lab.rate.is_empty());
    }
}
