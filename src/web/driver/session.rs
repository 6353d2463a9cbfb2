//! The driver's session stage: the two students, built when the generation, the data or the
//! device changed, continuing a carried or saved run.

use super::*;
use crate::app::saved_run::SavedRun;
use crate::app::session::Session;
use crate::app::state::Action;
use crate::web::loader;
use crate::web::pace::{after_next_paint, now_ms, yield_to_input};
use crate::web::storage;

impl Driver {
    /// The students: built when the generation, the data or the device changed, continuing a
    /// carried or saved run where there is one.
    pub(super) async fn session(&mut self) -> Flow {
        let generation = self.wanted.generation;
        if !self.run.rebuild && self.run.built_generation == Some(generation) {
            return if self.run.session.is_some() {
                Flow::Next
            } else {
                Flow::Wait
            };
        }
        // On the CPU the students train in a worker: give it a moment to start. Not while the
        // WebGPU build loads: the page moves there in a moment.
        let on_cpu = (self.engine.device.as_ref()).is_some_and(|(_, c)| c.kind == DeviceKind::Cpu);
        if on_cpu && !self.engine.awaiting_webgpu {
            self.remote.wake();
            if self.remote.starting() {
                return Flow::Wait;
            }
        }
        self.run.rebuild = false;
        if self.run.built_generation.is_some_and(|g| g != generation) {
            // The user restarted: the old run is gone for good.
            self.run.carry = None;
            self.run.last_saved = None;
            storage::forget_run();
        }
        self.run.built_generation = Some(generation);
        if std::mem::take(&mut self.run.first_build) {
            self.pick_up_saved_run();
        }
        self.shown.example = usize::MAX;
        self.run.curves.clear();
        self.run.saved_at = (0, now_ms());
        self.show_preview();
        self.build_session().await;
        if self.run.session.is_some() {
            Flow::Next
        } else {
            Flow::Wait
        }
    }

    /// After a reload (or a hand-over from the other build): the students saved in the browser.
    fn pick_up_saved_run(&mut self) {
        match storage::saved_run(&self.wanted.settings) {
            Ok(run) => self.run.carry = run,
            Err(notice) => self.emit(Action::Notice(notice)),
        }
        // Taking over from the CPU-only build mid-run: go on training.
        if loader::state().resume_training {
            self.emit(Action::Play);
        }
    }

    /// The soft targets (and the students picked up), computed on the CPU before the session is
    /// ready.
    fn show_preview(&self) {
        let (Some(d), w) = (&self.material.data, &self.wanted) else {
            return;
        };
        let carried = self.run.carry.as_ref();
        let preview = crate::app::session::preview(
            &w.settings,
            &self.material.teacher,
            d,
            w.example,
            carried,
        );
        if let Ok(l) = preview {
            self.emit(Action::Logits(l, None));
        }
    }

    async fn build_session(&mut self) {
        // Each part of the build is a task of its own, so the page can take input between (the
        // preview before it was one).
        yield_to_input().await;
        // On the CPU a text teacher's first pass runs in the worker; the students follow it.
        if self.read_in_worker() {
            return;
        }
        let (Some(d), Some((_, choice))) = (&self.material.data, &self.engine.device) else {
            return;
        };
        let events = self.events.clone();
        // A text teacher reads the sentences it has not read yet first: seconds, with progress.
        let reading = move |done: usize, total: usize| {
            events.dispatch(Action::Reading(Some((done, total))));
            after_next_paint()
        };
        let built = Session::new(
            &self.wanted.settings,
            choice.device.clone(),
            &self.material.teacher,
            d,
            reading,
        )
        .await;
        self.emit(Action::Reading(None));
        yield_to_input().await;
        let mut s = match built {
            Ok(s) => s,
            Err(e) => {
                self.run.session = None;
                self.remote.forget_run();
                self.emit(Action::Failed(format!("Could not start training: {e}")));
                return;
            }
        };
        if let Some((weights, name)) = self.material.pending_student.take() {
            let describe = weights.architecture.describe();
            match s.distilled.restore(weights, 0) {
                Ok(()) => self.emit(Action::Notice(format!(
                    "Loaded {name} as the distilled student ({describe})."
                ))),
                Err(e) => self.emit(Action::Failed(format!("Could not load {name}: {e}"))),
            }
        }
        if let Some(run) = self.run.carry.take() {
            self.continue_run(&mut s, run);
        }
        self.emit(Action::TeacherTest(std::rc::Rc::new(
            s.teacher_test_logits.clone(),
        )));
        match (s.compression(&self.wanted.settings, now_ms, yield_to_input)).await {
            Ok(c) => self.emit(Action::Compression(c)),
            Err(e) => self.emit(Action::Failed(e.to_string())),
        }
        self.run.session = Some(s);
        self.run.diverged = false;
        self.hand_to_worker().await;
    }

    fn continue_run(&mut self, s: &mut Session, run: SavedRun) {
        match s.restore(&run) {
            Ok(()) => {
                self.run.curves = run.curves.clone();
                self.run.saved_at.0 = run.steps;
                self.emit(Action::Restored {
                    steps: run.steps,
                    curves: run.curves.clone(),
                });
                self.run.last_saved = Some(run);
            }
            Err(e) => self.emit(Action::Notice(format!(
                "The saved student could not be continued ({e}); training starts afresh."
            ))),
        }
    }
}
