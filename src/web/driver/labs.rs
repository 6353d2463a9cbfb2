//! Lab work, from the driver's side: one arm for every lab. A request goes to the training
//! worker when the worker has the students (or the work needs none); otherwise, or when the work
//! needs the page's WebGPU device, it runs here, through the same host and runner, a turn per
//! frame. Reports from either place reach the reducer the same way; a teacher trained here is
//! also taken by the driver, since the students then learn from it.

use super::*;
use crate::app::labs::teachers::{TeacherRequest, Trained};
use crate::app::labs::{LabContext, LabEvent, LabReport, LabRequest, RunContext};
use crate::app::trainer_protocol::ToTrainer;

impl Driver {
    /// Sends `request` to where its work runs.
    pub(super) async fn lab_request(&mut self, request: LabRequest) {
        let needs_no_run = matches!(request, LabRequest::teachers(TeacherRequest::Own { .. }));
        let in_worker = !request.in_page() && (self.remote.training() || needs_no_run);
        if in_worker && let Some(link) = self.remote.link() {
            // The worker's students pause while the lab works; the page's copy follows them.
            link.send(ToTrainer::Lab(request));
            return;
        }
        // Work in the page reads the page's copy of the students: bring it up to date.
        self.settle_worker(false).await;
        let reports = {
            let d = &mut *self;
            let context = lab_context(&d.run, &d.material, &d.wanted, &d.engine, &d.fetch);
            d.labs.request(request, &context)
        };
        self.hear_labs(reports);
    }

    /// Stops the lab work under way, wherever it runs.
    pub(super) fn cancel_lab(&mut self) {
        if let Some(link) = self.remote.link() {
            link.send(ToTrainer::CancelLab);
        }
        let reports = self.labs.cancel();
        self.hear_labs(reports);
    }

    /// One turn of the page's own lab work, if any. Whether it worked.
    pub(super) async fn lab_turn(&mut self) -> bool {
        if !self.labs.busy() {
            let input = self.wanted.input.clone();
            let reports = self.labs.show(input);
            self.hear_labs(reports);
            return false;
        }
        let d = &mut *self;
        let context = lab_context(&d.run, &d.material, &d.wanted, &d.engine, &d.fetch);
        let reports = d.labs.turn(&now_ms, &context).await;
        self.hear_labs(reports);
        true
    }

    /// Reports of lab work, from the worker or the page's host.
    pub(super) fn hear_labs(&mut self, reports: Vec<LabReport<LabEvent>>) {
        for report in reports {
            match &report {
                LabReport::Event(LabEvent::teachers(trained)) => self.take_teacher(trained.clone()),
                // A refused request or failed work is said where every error is.
                LabReport::Ended {
                    ended: Ended::Failed(why) | Ended::Diverged(why),
                    ..
                } => self.emit(Action::Failed(why.clone())),
                _ => {}
            }
            self.emit(Action::Lab(report));
        }
    }

    /// A teacher trained here becomes the students' teacher (your own data's, with its data).
    fn take_teacher(&mut self, t: Trained) {
        let record = match &t.request {
            TeacherRequest::Own { split } => return self.own_teacher_ready(*split.clone(), t),
            TeacherRequest::Teacher { .. } => {
                self.emit(Action::TeacherLoaded {
                    name: format!(
                        "trained here ({} epochs{}, {:.1} % on the test set)",
                        t.plan.epochs,
                        t.plan
                            .regularisation
                            .describe()
                            .map(|d| format!(", {d}"))
                            .unwrap_or_default(),
                        t.accuracy * 100.0
                    ),
                    teacher: (&t.weights.architecture).into(),
                });
                t.plan.record("teacher", t.accuracy)
            }
            TeacherRequest::Assistant => {
                self.emit(Action::AssistantLoaded {
                    teacher_accuracy: t.teacher_accuracy.unwrap_or(f32::NAN),
                    assistant_accuracy: t.accuracy,
                    teacher: (&t.weights.architecture).into(),
                });
                t.plan.record("assistant", t.accuracy)
            }
        };
        self.material.teacher = t.weights;
        self.material.own_teacher = true;
        self.material.teacher_made = Some(record);
        let stopped = self.labs.new_teacher();
        self.hear_labs(stopped);
    }
}

/// What the page's own lab host may read: the run, the teacher, the settings and the device.
fn lab_context<'a>(
    run: &'a Run,
    material: &'a Material,
    wanted: &'a Wanted,
    engine: &'a Engine,
    fetch: &'a crate::app::labs::Fetch,
) -> LabContext<'a> {
    let gpu = engine
        .device
        .as_ref()
        .filter(|(_, c)| c.kind == DeviceKind::WebGpu)
        .map(|(_, c)| &c.device);
    let no_gpu = match &engine.device {
        Some((_, c)) if c.kind == DeviceKind::WebGpu => None,
        Some((_, c)) => Some(
            c.fallback_reason
                .clone()
                .unwrap_or_else(|| "the page runs on the CPU".into()),
        ),
        None => Some("the page has no device yet".into()),
    };
    LabContext {
        run: run.session.as_ref().map(|s| RunContext {
            session: s,
            teacher: &material.teacher,
            settings: &wanted.settings,
        }),
        fetch,
        gpu,
        no_gpu,
    }
}
