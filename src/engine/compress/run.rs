//! The frontier in small steps, for the page: the teacher and one distilled student made small
//! by every recipe, one point at a time, and the pruned and factorized points fine-tuned one
//! training step at a time, so the work can be shown as it goes and cancelled between steps.

use std::collections::VecDeque;

use burn::tensor::Device;

use super::fine_tune::Tuner;
use super::frontier::{Candidate, Point, Recipe, make, measure, recipes};
use crate::engine::data::{Dataset, TransferSet};
use crate::engine::error::Result;
use crate::engine::network::Network;
use crate::engine::train::{DistillSettings, Trainer, logits_host, predictions};
use crate::engine::weights::NetworkWeights;

/// Progress units of making and measuring one point (a fine-tuning step is one).
const MAKE_UNITS: usize = 10;

/// The network a series of points starts from.
pub struct Subject {
    /// "teacher", "your distilled student".
    pub name: String,
    pub weights: NetworkWeights,
    /// Fine-tuned from the teacher (a student) or from the labels (the teacher itself).
    pub distilled: bool,
}

/// What is left to do, in order.
#[derive(Clone, Copy, Debug)]
enum Work {
    Make(usize, Recipe),
    Tune(usize, Recipe),
}

/// Where a frontier run starts: the teacher, the data, and how to fine-tune.
pub struct FrontierSetup {
    pub teacher: NetworkWeights,
    pub set: TransferSet,
    pub test: Dataset,
    /// Fine-tuning settings; `total_steps` is the steps of each fine-tuned point (0: none).
    pub tuning: DistillSettings,
}

pub struct FrontierRun {
    setup: FrontierSetup,
    subjects: Vec<Subject>,
    teacher: Network,
    teacher_top: Vec<usize>,
    queue: VecDeque<Work>,
    tuning: Option<(Candidate, Tuner)>,
    done: usize,
    total: usize,
    device: Device,
}

impl FrontierRun {
    /// Every point of each subject first, then the fine-tuned ones.
    pub fn new(setup: FrontierSetup, subjects: Vec<Subject>, device: &Device) -> Result<Self> {
        let teacher = setup.teacher.to_network(device)?;
        let test = &setup.test;
        let teacher_top = predictions(&logits_host(&teacher, test, device)?, test.classes);
        let mut queue = VecDeque::new();
        for (i, s) in subjects.iter().enumerate() {
            queue.extend(recipes(&s.weights).into_iter().map(|r| Work::Make(i, r)));
        }
        for (i, s) in subjects.iter().enumerate() {
            let tunable = recipes(&s.weights)
                .into_iter()
                .filter(|r| r.tunable(&s.weights));
            if setup.tuning.total_steps > 0 {
                queue.extend(tunable.map(|r| Work::Tune(i, r)));
            }
        }
        let steps = setup.tuning.total_steps;
        let total = queue
            .iter()
            .map(|w| match w {
                Work::Make(..) => MAKE_UNITS,
                Work::Tune(..) => steps,
            })
            .sum();
        Ok(Self {
            setup,
            subjects,
            teacher,
            teacher_top,
            queue,
            tuning: None,
            done: 0,
            total,
            device: device.clone(),
        })
    }

    /// One small piece of work: a point made and measured, a fine-tuning started, or one of
    /// its steps. The point, when one is finished.
    pub fn step(&mut self) -> Result<Option<Point>> {
        if let Some((_, tuning)) = &mut self.tuning {
            self.done += 1;
            if !tuning.step()? {
                return Ok(None);
            }
            let Some((c, tuning)) = self.tuning.take() else {
                return Ok(None);
            };
            return self.point(&c.after_tuning(tuning.weights()?)).map(Some);
        }
        match self.queue.pop_front() {
            Some(Work::Make(i, recipe)) => {
                self.done += MAKE_UNITS;
                match make(
                    &self.subjects[i].weights,
                    &self.subjects[i].name,
                    recipe,
                    &self.device,
                )? {
                    Some(c) => self.point(&c).map(Some),
                    None => Ok(None),
                }
            }
            Some(Work::Tune(i, recipe)) => {
                self.start_tuning(i, recipe)?;
                Ok(None)
            }
            None => Ok(None),
        }
    }

    fn start_tuning(&mut self, i: usize, recipe: Recipe) -> Result<()> {
        let subject = &self.subjects[i];
        let Some(c) = make(&subject.weights, &subject.name, recipe, &self.device)? else {
            // A rank that saves nothing: no point, and no steps to count.
            self.total -= self.setup.tuning.total_steps;
            return Ok(());
        };
        let (set, settings) = (self.setup.set.clone(), self.setup.tuning.clone());
        let architecture = c.weights.architecture.clone();
        let trainer = match subject.distilled {
            true => Trainer::distill(
                architecture,
                self.teacher.clone(),
                set,
                settings,
                &self.device,
            )?,
            false => Trainer::supervised(architecture, set, settings, &self.device)?,
        };
        let steps = self.setup.tuning.total_steps;
        let tuning = Tuner::start(trainer, &c, steps, &self.device)?;
        self.tuning = Some((c, tuning));
        Ok(())
    }

    fn point(&self, c: &Candidate) -> Result<Point> {
        measure(c, &self.setup.test, &self.teacher_top, &self.device)
    }

    pub fn is_done(&self) -> bool {
        self.queue.is_empty() && self.tuning.is_none()
    }

    /// Units done and planned (a point counts [`MAKE_UNITS`], a fine-tuning step one).
    pub fn progress(&self) -> (usize, usize) {
        (self.done.min(self.total), self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::compress::frontier::{Family, pareto};
    use crate::engine::data::{TransferConfig, digits};
    use crate::engine::network::MlpConfig;

    fn trained(hidden: Vec<usize>, set: &TransferSet, device: &Device) -> NetworkWeights {
        let config = MlpConfig {
            hidden,
            ..MlpConfig::student(64, 10)
        };
        let settings = DistillSettings {
            total_steps: 200,
            seed: 1,
            ..DistillSettings::default()
        };
        let mut t = Trainer::supervised(config, set.clone(), settings, device).unwrap();
        for _ in 0..200 {
            t.step().unwrap();
        }
        NetworkWeights::from_network(&t.network()).unwrap()
    }

    #[test]
    fn a_run_measures_every_recipe_then_the_fine_tuned_points() {
        let device = Device::flex();
        let split = digits().unwrap();
        let set = TransferSet::build(&split.train, &TransferConfig::default(), 1).unwrap();
        let teacher = trained(vec![64, 64], &set, &device);
        let student = trained(vec![16], &set, &device);
        let setup = FrontierSetup {
            teacher: teacher.clone(),
            set,
            test: split.test.clone(),
            tuning: DistillSettings {
                total_steps: 30,
                ..DistillSettings::default()
            },
        };
        let subject = |name: &str, weights: &NetworkWeights, distilled| Subject {
            name: name.into(),
            weights: weights.clone(),
            distilled,
        };
        let subjects = vec![
            subject("teacher", &teacher, false),
            subject("student", &student, true),
        ];
        let mut run = FrontierRun::new(setup, subjects, &device).unwrap();
        let mut points = Vec::new();
        let mut last = run.progress();
        while !run.is_done() {
            points.extend(run.step().unwrap());
            let now = run.progress();
            assert!(now.0 >= last.0 && now.1 <= last.1, "{last:?} → {now:?}");
            last = now;
        }
        assert_eq!(last.0, last.1);
        // Teacher 64→64→64→10: as is, 4 pruned, 4 quantized, 3 ranks (rank 32 saves nothing
        // on 64→64), then its 11 fine-tuned. Student 64→16→10: ranks 8 and 4 shrink it, so 11
        // points and 10 fine-tuned.
        assert_eq!(points.len(), 12 + 11 + 11 + 10);
        let tuned = points.iter().filter(|p| p.tuned).count();
        assert_eq!(tuned, 21);
        assert!(points.iter().skip(23).all(|p| p.tuned), "fine-tuned last");
        let teacher_point = &points[0];
        assert_eq!(
            (teacher_point.family, teacher_point.agreement),
            (Family::AsIs, 1.0)
        );
        assert!(!pareto(&points).is_empty());
    }
}
