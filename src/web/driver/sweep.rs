//! The α × T sweep in the page: every cell a short run of the page's student from the same start
//! on the same batches, on the CPU engine in 10 ms slices, with progress and a cancel that acts
//! between slices. The students pause meanwhile.

use burn::tensor::Device;

use super::labs::Sliced;
use super::*;
use crate::app::labs::LabAction;
use crate::app::labs::sweep::SweepAction;
use crate::engine::sweep::{SweepGrid, SweepRun};
use crate::engine::train::Trainer;

/// Whether the sweep went to its end or stopped at a cancel.
enum Ended {
    Done,
    Cancelled,
}

impl Driver {
    pub(super) async fn run_sweep(&mut self, steps: usize) {
        self.settle_worker(true).await;
        self.wanted.cancel_lab = false;
        let ended = self.sweep(steps).await;
        let cancelled = matches!(ended, Ok(Ended::Cancelled));
        if let Err(e) = ended {
            self.emit(Action::Failed(format!(
                "The sweep stopped: {e}. The cells finished so far are kept."
            )));
        }
        self.sweep_action(SweepAction::Finished { cancelled });
    }

    fn sweep_action(&self, action: SweepAction) {
        self.emit(Action::Lab(LabAction::Sweep(action)));
    }

    async fn sweep(&mut self, steps: usize) -> crate::Result<Ended> {
        let cpu = Device::flex();
        let Some(s) = &self.run.session else {
            return Err(crate::Error::Settings("the data is still loading".into()));
        };
        let teacher = self.material.teacher.to_network(&cpu)?;
        let data = s.distilled.transfer_set().clone();
        let test = s.split.test.clone();
        let settings = &self.wanted.settings;
        let student = settings.student_architecture(&self.material.teacher.architecture)?;
        let run = SweepRun {
            student,
            teacher: &teacher,
            data: &data,
            test: &test,
            base: settings.distill_settings(),
            steps,
        };
        let grid = SweepGrid::default();
        self.sweep_action(SweepAction::Start(grid.clone(), steps));
        for i in 0..grid.len() {
            let Some((alpha, t)) = grid.cell(i) else {
                break;
            };
            let trainer = run.trainer(alpha, t, &cpu)?;
            let done_before = i * steps;
            match self
                .sweep_cell(trainer, done_before, grid.len() * steps)
                .await?
            {
                Some(trainer) => {
                    let score = trainer.map(|t| run.score(&t, &cpu)).transpose()?;
                    self.sweep_action(SweepAction::Cell(score));
                }
                None => return Ok(Ended::Cancelled),
            }
        }
        Ok(Ended::Done)
    }

    /// One cell's steps in slices: the trained cell, `Some(None)` if it diverged, `None` at a
    /// cancel.
    async fn sweep_cell(
        &mut self,
        mut trainer: Trainer,
        done_before: usize,
        total: usize,
    ) -> crate::Result<Option<Option<Trainer>>> {
        let steps = trainer.settings().total_steps;
        let events = self.events.clone();
        let report = |done: usize| {
            events.dispatch(Action::Lab(LabAction::Sweep(SweepAction::Progress(
                done_before + done,
                total,
            ))))
        };
        let step = || match trainer.step() {
            Ok(m) => Ok(Some(m.step)),
            Err(e) if e.is_divergence() => Ok(None),
            Err(e) => Err(e),
        };
        Ok(
            match self.in_cancellable_slices(steps, step, report).await? {
                Sliced::Done => Some(Some(trainer)),
                Sliced::Stopped => Some(None),
                Sliced::Cancelled => None,
            },
        )
    }
}
