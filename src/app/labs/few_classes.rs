//! "Few classes, little dark knowledge": distilled against scratch on the first 2, 3, 5 and 10
//! digit classes, with the shipped digits teacher and the CLI's plan (so the page shows the
//! README's numbers). Engine: `engine::few_classes`.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::plugin::{Lab, LabContext, Started};
use crate::app::jobs::{Ended, Flow, Job, Progress, StepFuture, ready};
use crate::engine::data::Split;
use crate::engine::few_classes::{CountRun, FewClassesPlan, FewClassesRow, mean_row};
use crate::engine::network::MlpConfig;
use crate::engine::weights::NetworkWeights;

pub struct FewClasses;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct FewClassesLab {
    pub rows: Vec<FewClassesRow>,
    pub cancelled: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FewClassesRequest {
    Run,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FewClassesEvent {
    Start,
    Row(FewClassesRow),
    Finished { cancelled: bool },
}

impl Lab for FewClasses {
    const ID: &'static str = "few-classes";
    const TITLE: &'static str = "Few classes, little dark knowledge";
    const SUMMARY: &'static str = "The same distillation on the first 2, 3, 5 and 10 digit classes: a soft target over k classes carries k − 1 numbers about the wrong ones, so the teacher has less to pass on when there are few.";
    const SOURCE: &'static str = "Hinton et al. 2015";
    const OWN_MATERIAL: bool = true;
    type State = FewClassesLab;
    type Request = FewClassesRequest;
    type Event = FewClassesEvent;
    type Memory = ();

    fn start(
        _: FewClassesRequest,
        _: &LabContext,
        _: &Rc<RefCell<()>>,
    ) -> crate::Result<Started<FewClassesEvent>> {
        let split = crate::engine::data::digits()?;
        Ok(Started::Job(Box::new(FewClassesJob {
            plan: FewClassesPlan::default(),
            teacher: crate::app::loading::built_in_teacher()?,
            student: MlpConfig::student(split.train.dim, split.train.classes),
            split,
            at: (0, 0),
            run: None,
            scores: Vec::new(),
            events: vec![FewClassesEvent::Start],
            cpu: Device::flex(),
        })))
    }

    fn reduce(lab: &mut FewClassesLab, event: FewClassesEvent) {
        match event {
            FewClassesEvent::Start => *lab = FewClassesLab::default(),
            FewClassesEvent::Row(row) => lab.rows.push(row),
            FewClassesEvent::Finished { cancelled } => lab.cancelled = cancelled,
        }
    }

    /// Its own data and teacher (the shipped digits'): a new page teacher changes nothing.
    fn after_new_teacher(lab: &FewClassesLab) -> FewClassesLab {
        lab.clone()
    }
}

/// Every class count, every seed, both students step by step.
struct FewClassesJob {
    plan: FewClassesPlan,
    teacher: NetworkWeights,
    student: MlpConfig,
    split: Split,
    /// The class count's index and the seed's index being trained.
    at: (usize, usize),
    run: Option<CountRun>,
    /// The scores of the current count's finished seeds.
    scores: Vec<(f32, f32)>,
    events: Vec<FewClassesEvent>,
    cpu: Device,
}

impl FewClassesJob {
    fn step_run(&mut self) -> crate::Result<Flow> {
        let (Some(&k), Some(&seed)) = (
            self.plan.counts.get(self.at.0),
            self.plan.seeds.get(self.at.1),
        ) else {
            return Ok(Flow::Done);
        };
        let mut run = match self.run.take() {
            Some(run) => run,
            None => CountRun::new(
                &self.plan,
                &self.teacher,
                &self.student,
                &self.split,
                (k, seed),
                &self.cpu,
            )?,
        };
        run.step()?;
        if run.steps_done() < self.plan.steps {
            self.run = Some(run);
            return Ok(Flow::More);
        }
        self.scores.push(run.score(&self.cpu)?);
        self.at.1 += 1;
        if self.at.1 == self.plan.seeds.len() {
            self.events
                .push(FewClassesEvent::Row(mean_row(k, &self.scores)));
            self.scores.clear();
            self.at = (self.at.0 + 1, 0);
        }
        Ok(if self.at.0 == self.plan.counts.len() {
            Flow::Done
        } else {
            Flow::More
        })
    }
}

impl Job for FewClassesJob {
    type Event = FewClassesEvent;

    fn step(&mut self) -> StepFuture<'_> {
        ready(self.step_run())
    }

    fn progress(&self) -> Progress {
        let (seeds, steps) = (self.plan.seeds.len(), self.plan.steps);
        let finished_runs = self.at.0 * seeds + self.at.1;
        let in_run = self.run.as_ref().map_or(0, CountRun::steps_done);
        let total = self.plan.counts.len() * seeds * steps;
        Progress::new(
            finished_runs * steps + in_run,
            total,
            "training the students",
        )
    }

    fn take_events(&mut self) -> Vec<FewClassesEvent> {
        std::mem::take(&mut self.events)
    }

    fn finish(&mut self, ended: &Ended) -> Vec<FewClassesEvent> {
        vec![FewClassesEvent::Finished {
            cancelled: *ended != Ended::Done,
        }]
    }
}
