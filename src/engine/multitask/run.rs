//! The comparison a step at a time: the multi-task student, then a single-task student of each
//! task, the same size and the same epochs. Each is scored on every task it learned.

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::{MultiTaskSettings, MultiTaskTrainer, Tasks};
use crate::error::Result;
use crate::train::accuracy;

/// Who trains, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Student {
    /// One encoder, both tasks' heads.
    MultiTask,
    /// Its own encoder, the one task.
    Single(usize),
}

impl Student {
    fn learns(self, tasks: usize) -> Vec<usize> {
        match self {
            Student::MultiTask => (0..tasks).collect(),
            Student::Single(t) => vec![t],
        }
    }
}

/// A finished student and its test accuracy on each task it learned (by task index).
pub type Scored = (Student, Vec<(usize, f32)>);

pub struct MultiTaskRun {
    settings: MultiTaskSettings,
    queue: Vec<Student>,
    now: Option<(Student, MultiTaskTrainer, usize)>,
    steps: Vec<usize>,
    finished_steps: usize,
    device: Device,
}

impl MultiTaskRun {
    pub fn new(tasks: &Tasks, settings: MultiTaskSettings, device: &Device) -> Result<Self> {
        let n = tasks.tasks.len();
        let order: Vec<Student> = std::iter::once(Student::MultiTask)
            .chain((0..n).map(Student::Single))
            .collect();
        settings.check()?;
        // An epoch: every batch of every task the student learns (the last of each may be short).
        let batches = |t: usize| {
            let rows = tasks.tasks[t].train.len();
            rows.div_ceil(settings.batch_size.min(rows).max(1))
        };
        let steps = order
            .iter()
            .map(|s| settings.epochs * s.learns(n).into_iter().map(batches).sum::<usize>())
            .collect();
        let mut run = Self {
            settings,
            queue: order.into_iter().rev().collect(),
            now: None,
            steps,
            finished_steps: 0,
            device: device.clone(),
        };
        run.next(tasks)?;
        Ok(run)
    }

    fn next(&mut self, tasks: &Tasks) -> Result<()> {
        self.now = match self.queue.pop() {
            None => None,
            Some(s) => {
                let learns = s.learns(tasks.tasks.len());
                let t = MultiTaskTrainer::new(tasks, learns, self.settings.clone(), &self.device)?;
                Some((s, t, 0))
            }
        };
        Ok(())
    }

    /// Steps done and in all.
    pub fn progress(&self) -> (usize, usize) {
        let now = self.now.as_ref().map_or(0, |(_, _, done)| *done);
        (self.finished_steps + now, self.steps.iter().sum())
    }

    /// The student training now.
    pub fn training(&self) -> Option<Student> {
        self.now.as_ref().map(|(s, _, _)| *s)
    }

    pub fn is_over(&self) -> bool {
        self.now.is_none()
    }

    /// One step; when a student finishes, its test accuracy on each task it learned.
    pub fn step(&mut self, tasks: &Tasks) -> Result<Option<Scored>> {
        let index = self.steps.len() - 1 - self.queue.len();
        let Some((student, trainer, done)) = self.now.as_mut() else {
            return Ok(None);
        };
        trainer.step(tasks)?;
        *done += 1;
        let total = self.steps.get(index).copied().unwrap_or(0);
        if *done < total {
            return Ok(None);
        }
        let student = *student;
        let learns = student.learns(tasks.tasks.len());
        let mut scores = Vec::with_capacity(learns.len());
        for (k, &t) in learns.iter().enumerate() {
            if let Some(net) = trainer.network(k) {
                scores.push((t, accuracy(&net, &tasks.tasks[t].test, &self.device)?));
            }
        }
        self.finished_steps += total;
        self.next(tasks)?;
        Ok(Some((student, scores)))
    }
}
