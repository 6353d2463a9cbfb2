//! The frontier in small steps, for the page: the teacher and one distilled student made small
//! by every recipe, one point at a time, and the pruned and factorized points fine-tuned one
//! training step at a time, so the work can be shown as it goes and cancelled between steps.

use std::collections::VecDeque;

use burn::tensor::Device;

use super::fine_tune::Tuner;
use super::frontier::{Candidate, Point, Recipe, make, measure, recipes};
use crate::data::{Dataset, TransferSet};
use crate::error::Result;
use crate::network::Network;
use crate::train::{DistillSettings, Trainer, logits_host, predictions};
use crate::weights::NetworkWeights;

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
    /// The points left to make: the subject and the recipe.
    queue: VecDeque<(usize, Recipe)>,
    /// Points made that are fine-tuned once every point is made, and their subjects.
    to_tune: VecDeque<(usize, Candidate)>,
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
            queue.extend(recipes(&s.weights).into_iter().map(|r| (i, r)));
        }
        let steps = setup.tuning.total_steps;
        let total = queue
            .iter()
            .map(|(i, r)| MAKE_UNITS + Self::tuned_steps(&subjects[*i], r, steps))
            .sum();
        Ok(Self {
            setup,
            subjects,
            teacher,
            teacher_top,
            queue,
            to_tune: VecDeque::new(),
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
        if let Some((i, recipe)) = self.queue.pop_front() {
            return self.make(i, recipe);
        }
        if let Some((i, c)) = self.to_tune.pop_front() {
            self.start_tuning(i, c)?;
        }
        Ok(None)
    }

    /// Fine-tuning steps `recipe`'s point of `subject` takes (none if it is not tuned).
    fn tuned_steps(subject: &Subject, recipe: &Recipe, steps: usize) -> usize {
        match recipe.tunable(&subject.weights) {
            true => steps,
            false => 0,
        }
    }

    /// A point made and measured, kept for fine-tuning if its recipe allows.
    fn make(&mut self, i: usize, recipe: Recipe) -> Result<Option<Point>> {
        self.done += MAKE_UNITS;
        let subject = &self.subjects[i];
        let steps = Self::tuned_steps(subject, &recipe, self.setup.tuning.total_steps);
        let Some(c) = make(&subject.weights, &subject.name, recipe, &self.device)? else {
            // A rank that saves nothing: no point, and no steps to count.
            self.total -= steps;
            return Ok(None);
        };
        let point = self.point(&c)?;
        if steps > 0 {
            self.to_tune.push_back((i, c));
        }
        Ok(Some(point))
    }

    fn start_tuning(&mut self, i: usize, c: Candidate) -> Result<()> {
        let subject = &self.subjects[i];
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
        self.queue.is_empty() && self.to_tune.is_empty() && self.tuning.is_none()
    }

    /// Units done and planned (a point counts [`MAKE_UNITS`], a fine-tuning step one).
    pub fn progress(&self) -> (usize, usize) {
        (self.done.min(self.total), self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compress::frontier::{Family, pareto};
    use crate::data::{TransferConfig, digits};
    use crate::network::MlpConfig;

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
