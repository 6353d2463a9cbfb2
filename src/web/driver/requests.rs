//! The driver's requests: files out and in, teachers trained in the page, another dataset.

use super::*;
use crate::app::PageTraining;
use crate::app::imports::{Which, check_import};
use crate::engine::catalog::DatasetKind;
use crate::engine::network::Classifier;
use crate::engine::weights::WeightFormat;
use crate::web::work::{self, Request};

impl Driver {
    /// Serves the requests that arrived, in order.
    pub(super) async fn requests(&mut self) {
        while let Some(request) = self.wanted.requests.pop_front() {
            match request {
                Request::Download { which, format } => self.download(which, format).await,
                Request::TrainTeacher { regularised } => self.train_teacher(regularised).await,
                Request::TrainAssistant => self.train_assistant().await,
                Request::SwitchData(next) => self.switch_data(next).await,
                Request::TrainExits => self.train_exits().await,
                Request::ReplaceModules { curriculum } => self.replace_modules(curriculum).await,
                Request::AddEnsembleTeacher => self.add_ensemble_teacher().await,
                Request::DistilEnsemble { teacher_sized } => {
                    self.distil_ensemble(teacher_sized).await
                }
                Request::LoadCmudict => self.load_cmudict().await,
                Request::TrainSequenceStudent(targets) => {
                    self.train_sequence_student(targets).await
                }
                Request::Pronounce(word) => self.pronounce(word),
                Request::RunSweep(steps) => self.run_sweep(steps).await,
                Request::FewClasses => self.run_few_classes().await,
                Request::ExportRecipe(format) => self.export_recipe(format),
                Request::Import {
                    which,
                    weights,
                    name,
                } => {
                    // A student loaded goes on from the students as they are now.
                    self.settle_worker(false).await;
                    self.import(which, weights, name).await
                }
                Request::StudentLink => self.student_link().await,
                Request::CompareDevices => self.compare_devices().await,
                Request::UseOwnData { name, text, label } => {
                    self.use_own_data(name, text, label).await
                }
            }
        }
    }

    async fn download(&mut self, which: Which, format: WeightFormat) {
        self.settle_worker(false).await;
        let Some(s) = &self.run.session else { return };
        let offered = work::offer_download(
            s,
            which,
            format,
            &self.wanted.settings,
            &self.run.curves,
            self.material.teacher_made.as_ref(),
        )
        .await;
        if let Err(e) = offered {
            self.emit(Action::Failed(format!("Could not export: {e}")));
        }
    }

    async fn train_teacher(&mut self, regularised: bool) {
        let Some(s) = &self.run.session else { return };
        let vocab = self.material.teacher.architecture.vocab();
        let plan = PageTraining::teacher_for(self.wanted.settings.dataset, vocab, regularised);
        match work::train_network(s, None, &plan, &self.events).await {
            Ok((weights, accuracy)) => {
                self.emit(Action::TeacherLoaded {
                    name: format!(
                        "trained here ({} epochs{}, {:.1} % on the test set)",
                        plan.epochs,
                        plan.regularisation
                            .describe()
                            .map(|d| format!(", {d}"))
                            .unwrap_or_default(),
                        accuracy * 100.0
                    ),
                    hidden: weights.architecture.hidden_widths(),
                });
                self.material.teacher = weights;
                self.material.own_teacher = true;
                self.material.teacher_made = Some(plan.record("teacher", accuracy));
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
        let vocab = teacher.architecture.vocab();
        let plan = PageTraining::assistant(self.wanted.settings.dataset, vocab);
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
                self.material.teacher_made = Some(plan.record("assistant", assistant_accuracy));
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
                self.emit(Action::Edit(self.wanted.settings.with_dataset(next)));
            }
            Err(e) => self.emit(Action::Failed(format!(
                "Could not load {}: {e}. Nothing was changed.",
                next.title()
            ))),
        }
    }

    /// A checked weight file: the teacher, the distilled student (same shape: it goes on from
    /// the current step), or students of another shape (they restart with it).
    async fn import(&mut self, which: Which, weights: NetworkWeights, name: String) {
        let Some(data) = &self.material.data else {
            return;
        };
        if let Err(e) = check_import(which, &weights.architecture, &name, data) {
            return self.emit(Action::Failed(e));
        }
        if which == Which::Teacher {
            self.emit(Action::TeacherLoaded {
                name,
                hidden: weights.architecture.hidden_widths(),
            });
            self.material.teacher = weights;
            self.material.own_teacher = true;
            self.material.teacher_made = None;
            return;
        }
        let Some(s) = self.run.session.as_mut() else {
            return;
        };
        if weights.architecture == s.distilled.network().architecture() {
            match s.distilled.restore(weights, s.steps_done()) {
                Ok(()) => {
                    self.shown.example = usize::MAX;
                    self.remote.stale = true;
                    let step = s.steps_done();
                    let accuracy = match s.distilled_accuracy(after_next_paint).await {
                        Ok(a) => format!(" ({:.1} % on the test set)", a * 100.0),
                        Err(_) => String::new(),
                    };
                    self.emit(Action::Notice(format!(
                        "Loaded {name} as the distilled student{accuracy}; training continues from step {step}."
                    )));
                }
                Err(e) => self.emit(Action::Failed(format!("Could not load {name}: {e}"))),
            }
            return;
        }
        // Another kind or shape: new students of that shape, then these weights.
        let settings = self.wanted.settings.with_student(&weights.architecture);
        self.material.pending_student = Some((weights, name));
        self.emit(Action::Edit(settings));
    }
}
