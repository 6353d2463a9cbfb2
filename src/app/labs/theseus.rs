//! BERT-of-Theseus: which modules ran at each step, the replacement rate, and how the
//! successors do alone as training goes on.

use crate::engine::theseus::{Phase, TheseusStep};

/// Steps kept for the strip of module tiles.
pub const STRIP_STEPS: usize = 24;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TheseusLab {
    /// Phase 1 follows the curriculum p = min(1, θ·t + b) instead of a constant p.
    pub curriculum: bool,
    pub progress: Option<(usize, usize)>,
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
#[derive(Clone, Debug, PartialEq)]
pub struct TheseusResult {
    pub student: String,
    pub teacher_accuracy: f32,
    pub theseus_accuracy: f32,
    pub kd_accuracy: f32,
}

pub enum TheseusAction {
    Curriculum(bool),
    Start {
        modules: Vec<(usize, usize)>,
        replacing_steps: usize,
        total: usize,
    },
    Steps(Vec<TheseusStep>),
    Accuracy(usize, f32),
    /// The KD comparison's steps done of its total (after the replacing run).
    KdProgress(usize, usize),
    Done(Option<TheseusResult>),
}

impl TheseusLab {
    pub fn apply(&mut self, action: TheseusAction) {
        match action {
            TheseusAction::Curriculum(on) => self.curriculum = on,
            TheseusAction::Start {
                modules,
                replacing_steps,
                total,
            } => {
                *self = Self {
                    curriculum: self.curriculum,
                    progress: Some((0, 2 * total)),
                    modules,
                    replacing_steps,
                    steps: total,
                    ..Self::default()
                }
            }
            TheseusAction::Steps(steps) => self.record(steps),
            TheseusAction::Accuracy(step, acc) => self.accuracy.push((step, acc)),
            TheseusAction::KdProgress(done, steps) => {
                self.kd_running = true;
                self.progress = Some((steps + done, 2 * steps));
            }
            TheseusAction::Done(result) => {
                self.progress = None;
                self.kd_running = false;
                self.result = result;
            }
        }
    }

    fn record(&mut self, steps: Vec<TheseusStep>) {
        for s in steps {
            if self.progress.is_some() {
                self.progress = Some((s.step, 2 * self.steps));
            }
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
        lab.apply(TheseusAction::Start {
            modules: vec![(1, 2), (3, 4), (5, 6)],
            replacing_steps: 20,
            total: 30,
        });
        let steps = (1..=30)
            .map(|k| step(k, 0.3 + 0.01 * k as f32, vec![k % 2 == 0, true, false]))
            .collect();
        lab.apply(TheseusAction::Steps(steps));
        assert_eq!(lab.strip.len(), STRIP_STEPS);
        assert_eq!(lab.strip[0].0, 30 - STRIP_STEPS + 1);
        assert_eq!(lab.progress, Some((30, 60)), "the KD comparison follows");
        assert_eq!(lab.rate.len(), 30, "every change of p is kept");
        assert!((lab.successor_share() - 0.5).abs() < 1e-6);
        lab.apply(TheseusAction::Curriculum(true));
        lab.apply(TheseusAction::Start {
            modules: vec![(1, 6)],
            replacing_steps: 1,
            total: 2,
        });
        assert!(lab.curriculum && lab.strip.is_empty() && lab.rate.is_empty());
    }
}
