//! "Few classes, little dark knowledge" in the page: the shipped digits teacher and the CLI's
//! plan (so the page shows the README's numbers), each run on the CPU engine in 10 ms slices
//! with progress and a cancel between slices. The students pause meanwhile.

use burn::tensor::Device;

use super::labs::Sliced;
use super::*;
use crate::app::labs::LabAction;
use crate::app::labs::few_classes::FewClassesAction;
use crate::engine::few_classes::{CountRun, FewClassesPlan, mean_row};
use crate::engine::network::MlpConfig;

impl Driver {
    pub(super) async fn run_few_classes(&mut self) {
        self.settle_worker(true).await;
        self.wanted.cancel_lab = false;
        let ended = self.few_classes().await;
        if let Err(e) = &ended {
            self.emit(Action::Failed(format!(
                "The few-classes lesson stopped: {e}. The class counts finished so far are kept."
            )));
        }
        let cancelled = matches!(ended, Ok(false));
        self.few_classes_action(FewClassesAction::Finished { cancelled });
    }

    fn few_classes_action(&self, action: FewClassesAction) {
        self.emit(Action::Lab(LabAction::FewClasses(action)));
    }

    /// Every class count; `Ok(false)` at a cancel.
    async fn few_classes(&mut self) -> crate::Result<bool> {
        let cpu = Device::flex();
        let plan = FewClassesPlan::default();
        let teacher = crate::app::loading::built_in_teacher()?;
        let split = crate::engine::data::digits()?;
        let student = MlpConfig::student(split.train.dim, split.train.classes);
        let total = plan.counts.len() * plan.seeds.len() * plan.steps;
        self.few_classes_action(FewClassesAction::Start(total));
        let mut done = 0;
        for &k in &plan.counts {
            let mut runs = Vec::new();
            for &seed in &plan.seeds {
                let mut run = CountRun::new(&plan, &teacher, &student, &split, (k, seed), &cpu)?;
                if !self
                    .run_in_slices(&mut run, plan.steps, done, total)
                    .await?
                {
                    return Ok(false);
                }
                done += plan.steps;
                runs.push(run.score(&cpu)?);
            }
            self.few_classes_action(FewClassesAction::Row(mean_row(k, &runs)));
        }
        Ok(true)
    }

    /// `steps` of both students in 10 ms slices; false at a cancel.
    async fn run_in_slices(
        &mut self,
        run: &mut CountRun,
        steps: usize,
        done_before: usize,
        total: usize,
    ) -> crate::Result<bool> {
        let events = self.events.clone();
        let report = |done: usize| {
            let progress = FewClassesAction::Progress(done_before + done, total);
            events.dispatch(Action::Lab(LabAction::FewClasses(progress)))
        };
        let step = || run.step().map(|()| Some(run.steps_done()));
        let ended = self.in_cancellable_slices(steps, step, report).await?;
        Ok(!matches!(ended, Sliced::Cancelled))
    }
}
