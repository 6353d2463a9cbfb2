//! The α × T sweep: every cell a short run of the page's student from the same start on the same
//! batches; the cells' accuracies fill the grid as they finish. Engine: `engine::sweep`.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::plugin::{Lab, LabContext, Started};
use crate::app::jobs::{Ended, Flow, Job, Progress, StepFuture, ready};
use crate::engine::data::{Dataset, TransferSet};
use crate::engine::network::{Architecture, Network};
use crate::engine::sweep::{SweepGrid, SweepResult, SweepRun};
use crate::engine::train::{DistillSettings, Trainer};

/// Steps per cell the page starts with, and its bounds.
pub const DEFAULT_STEPS: usize = 300;
pub const STEPS_RANGE: (usize, usize) = (50, 3000);

pub struct Sweep;

#[derive(Clone, Debug, PartialEq)]
pub struct SweepLab {
    pub steps: usize,
    pub result: Option<SweepResult>,
    /// The last run was cancelled before its last cell.
    pub cancelled: bool,
}

impl Default for SweepLab {
    fn default() -> Self {
        Self {
            steps: DEFAULT_STEPS,
            result: None,
            cancelled: false,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SweepRequest {
    Run { steps: usize },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SweepEvent {
    /// Steps per cell, as the user typed them (clamped to [`STEPS_RANGE`]).
    Steps(usize),
    Start(SweepGrid, usize),
    /// A cell finished: its accuracy, or `None` if it diverged.
    Cell(Option<f32>),
    Finished {
        cancelled: bool,
    },
}

impl Lab for Sweep {
    const ID: &'static str = "sweep";
    const TITLE: &'static str = "α × T sweep";
    const SUMMARY: &'static str = "Twenty-five short runs of the page's student, one per (α, T), from the same start on the same batches: which mix of labels and soft targets, at which temperature, teaches best.";
    const SOURCE: &'static str = "Hinton et al. 2015";
    type State = SweepLab;
    type Request = SweepRequest;
    type Event = SweepEvent;
    type Memory = ();

    fn start(
        request: SweepRequest,
        context: &LabContext,
        _: &Rc<RefCell<()>>,
    ) -> crate::Result<Started<SweepEvent>> {
        let SweepRequest::Run { steps } = request;
        let steps = steps.clamp(STEPS_RANGE.0, STEPS_RANGE.1);
        let cpu = Device::flex();
        let run = context.run()?;
        let session = run.session;
        let mut job = SweepJob {
            student: run
                .settings
                .student_architecture(&run.teacher.architecture)?,
            teacher: run.teacher.to_network(&cpu)?,
            data: session.distilled.transfer_set().clone(),
            test: session.split.test.clone(),
            base: run.settings.distill_settings(),
            result: SweepResult::new(SweepGrid::default(), steps),
            cell: None,
            events: Vec::new(),
            cpu,
        };
        job.events
            .push(SweepEvent::Start(job.result.grid.clone(), steps));
        Ok(Started::Job(Box::new(job)))
    }

    fn reduce(lab: &mut SweepLab, event: SweepEvent) {
        match event {
            SweepEvent::Steps(n) => lab.steps = n.clamp(STEPS_RANGE.0, STEPS_RANGE.1),
            SweepEvent::Start(grid, steps) => {
                lab.result = Some(SweepResult::new(grid, steps));
                lab.cancelled = false;
            }
            SweepEvent::Cell(acc) => {
                if let Some(r) = &mut lab.result {
                    r.cells.push(acc);
                }
            }
            SweepEvent::Finished { cancelled } => lab.cancelled = cancelled,
        }
    }

    fn after_new_teacher(lab: &SweepLab) -> SweepLab {
        SweepLab {
            steps: lab.steps,
            ..SweepLab::default()
        }
    }
}

/// The grid, cell after cell.
struct SweepJob {
    student: Architecture,
    teacher: Network,
    data: TransferSet,
    test: Dataset,
    base: DistillSettings,
    result: SweepResult,
    /// The cell training now.
    cell: Option<Trainer>,
    events: Vec<SweepEvent>,
    cpu: Device,
}

impl SweepJob {
    fn run(&self) -> SweepRun<'_> {
        SweepRun {
            student: self.student.clone(),
            teacher: &self.teacher,
            data: &self.data,
            test: &self.test,
            base: self.base.clone(),
            steps: self.result.steps,
        }
    }

    fn step_cell(&mut self) -> crate::Result<Flow> {
        let i = self.result.cells.len();
        let Some((alpha, t)) = self.result.grid.cell(i) else {
            return Ok(Flow::Done);
        };
        let mut trainer = match self.cell.take() {
            Some(trainer) => trainer,
            None => self.run().trainer(alpha, t, &self.cpu)?,
        };
        let finished = match trainer.step() {
            Ok(m) if m.step >= self.result.steps => {
                Some(Some(self.run().score(&trainer, &self.cpu)?))
            }
            Ok(_) => None,
            Err(e) if e.is_divergence() => Some(None),
            Err(e) => return Err(e),
        };
        match finished {
            Some(score) => {
                self.result.cells.push(score);
                self.events.push(SweepEvent::Cell(score));
            }
            None => self.cell = Some(trainer),
        }
        Ok(if self.result.is_done() {
            Flow::Done
        } else {
            Flow::More
        })
    }
}

impl Job for SweepJob {
    type Event = SweepEvent;

    fn step(&mut self) -> StepFuture<'_> {
        ready(self.step_cell())
    }

    fn progress(&self) -> Progress {
        let steps = self.result.steps;
        let in_cell = self.cell.as_ref().map_or(0, Trainer::steps_done);
        let done = self.result.cells.len() * steps + in_cell;
        Progress::new(done, self.result.grid.len() * steps, "training the cells")
    }

    fn take_events(&mut self) -> Vec<SweepEvent> {
        std::mem::take(&mut self.events)
    }

    fn finish(&mut self, ended: &Ended) -> Vec<SweepEvent> {
        let cancelled = *ended != Ended::Done;
        vec![SweepEvent::Finished { cancelled }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_fills_its_cells_and_a_cancel_keeps_them() {
        let mut lab = SweepLab::default();
        Sweep::reduce(&mut lab, SweepEvent::Steps(10));
        assert_eq!(lab.steps, STEPS_RANGE.0);
        Sweep::reduce(&mut lab, SweepEvent::Start(SweepGrid::default(), 100));
        Sweep::reduce(&mut lab, SweepEvent::Cell(Some(0.9)));
        Sweep::reduce(&mut lab, SweepEvent::Cell(None));
        Sweep::reduce(&mut lab, SweepEvent::Finished { cancelled: true });
        let r = lab.result.as_ref().unwrap();
        assert_eq!(
            (r.cells.len(), r.best(), r.is_done()),
            (2, Some((0, 0.9)), false)
        );
        assert!(lab.cancelled);
    }
}
