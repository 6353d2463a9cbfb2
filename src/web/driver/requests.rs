//! The driver's requests: files out and in, teachers trained in the page, another dataset.

use super::*;
use crate::app::{PageTraining, state};
use crate::engine::data::DatasetKind;
use crate::engine::network::{Architecture, Classifier};
use crate::engine::weights::{MlpWeights, WeightFormat};
use crate::web::work::{self, Request, Which};

impl Driver {
    /// Serves the requests that arrived, in order.
    pub(super) async fn requests(&mut self) {
        while let Some(request) = self.wanted.requests.pop_front() {
            match request {
                Request::Download { which, format } => self.download(which, format).await,
                Request::TrainTeacher => self.train_teacher().await,
                Request::TrainAssistant => self.train_assistant().await,
                Request::SwitchData(next) => self.switch_data(next).await,
                Request::Import {
                    which,
                    weights,
                    name,
                } => self.import(which, weights, name),
            }
        }
    }

    async fn download(&mut self, which: Which, format: WeightFormat) {
        let Some(s) = &self.run.session else { return };
        let offered =
            work::offer_download(s, which, format, &self.wanted.settings, &self.run.curves).await;
        if let Err(e) = offered {
            self.emit(Action::Failed(format!("Could not export: {e}")));
        }
    }

    async fn train_teacher(&mut self) {
        let Some(s) = &self.run.session else { return };
        let plan = PageTraining::teacher(self.wanted.settings.dataset);
        match work::train_network(s, None, &plan, &self.events).await {
            Ok((weights, accuracy)) => {
                self.emit(Action::TeacherLoaded {
                    name: format!(
                        "trained here ({} epochs, {:.1} % on the test set)",
                        plan.epochs,
                        accuracy * 100.0
                    ),
                    hidden: weights.architecture.hidden_widths(),
                });
                self.material.teacher = weights;
                self.material.own_teacher = true;
            }
            Err(e) => self.emit(Action::Failed(format!(
                "Training the teacher failed: {e}. The current teacher is kept."
            ))),
        }
        self.emit(Action::TeacherProgress(None));
    }

    async fn train_assistant(&mut self) {
        let Some(s) = &self.run.session else { return };
        let teacher = &self.material.teacher;
        let cpu = burn::tensor::Device::flex();
        let plan = PageTraining::assistant(self.wanted.settings.dataset);
        let trained = async {
            let net = teacher.to_network(&cpu)?;
            let teacher_accuracy = crate::engine::train::accuracy(&net, &s.split.test, &cpu)?;
            let (weights, accuracy) =
                work::train_network(s, Some(teacher), &plan, &self.events).await?;
            Ok::<_, crate::Error>((weights, accuracy, teacher_accuracy))
        };
        match trained.await {
            Ok((weights, assistant_accuracy, teacher_accuracy)) => {
                self.emit(Action::AssistantLoaded {
                    teacher_accuracy,
                    assistant_accuracy,
                    hidden: weights.architecture.hidden_widths(),
                });
                self.material.teacher = weights;
                self.material.own_teacher = true;
            }
            Err(e) => self.emit(Action::Failed(format!(
                "Training the assistant failed: {e}. The current teacher is kept."
            ))),
        }
        self.emit(Action::TeacherProgress(None));
    }

    /// Loads the set first and switches the settings only then: a set that fails to load
    /// changes nothing.
    async fn switch_data(&mut self, next: DatasetKind) {
        if next == self.wanted.settings.dataset {
            return;
        }
        match work::load_dataset(next, &self.events).await {
            Ok(loaded) => {
                self.material.staged = Some(loaded);
                let mut settings = self.wanted.settings.clone();
                settings.dataset = next;
                if settings
                    .omit_class
                    .is_some_and(|c| usize::from(c) >= next.classes())
                {
                    settings.omit_class = None;
                }
                self.emit(Action::Edit(settings));
            }
            Err(e) => self.emit(Action::Failed(format!(
                "Could not load {}: {e}. Nothing was changed.",
                next.title()
            ))),
        }
    }

    /// A checked weight file: the teacher, the distilled student (same shape: it goes on from
    /// the current step), or students of another shape (they restart with it).
    fn import(&mut self, which: Which, weights: MlpWeights, name: String) {
        let kind = self.wanted.settings.dataset;
        if let Err(e) = work::check_import(which, &weights, &name, kind) {
            return self.emit(Action::Failed(e));
        }
        if which == Which::Teacher {
            self.emit(Action::TeacherLoaded {
                name,
                hidden: weights.config.hidden.clone(),
            });
            self.material.teacher = weights.into();
            self.material.own_teacher = true;
            return;
        }
        let Some(s) = self.run.session.as_mut() else {
            return;
        };
        if Architecture::from(&weights.config) == s.distilled.network().architecture() {
            match s.distilled.restore(&weights, s.steps_done()) {
                Ok(()) => {
                    self.shown.example = usize::MAX;
                    let step = s.steps_done();
                    self.emit(Action::Notice(format!(
                        "Loaded {name} as the distilled student; training continues from step {step}."
                    )));
                }
                Err(e) => self.emit(Action::Failed(format!("Could not load {name}: {e}"))),
            }
            return;
        }
        // Another shape: new students of that shape, then these weights.
        let mut settings = self.wanted.settings.clone();
        settings.student_hidden = weights.config.hidden.clone();
        if settings
            .mapping
            .resolve(settings.student_hidden.len(), state::TEACHER_DEPTH)
            .is_err()
        {
            settings.mapping = crate::engine::mapping::MappingScheme::Skip;
        }
        self.material.pending_student = Some((weights, name));
        self.emit(Action::Edit(settings));
    }
}
