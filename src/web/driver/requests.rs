//! The driver's requests: files out and in, teachers trained in the page, another dataset.

use super::*;
use crate::app::imports::{Which, check_import};
use crate::app::loading::files_told;
use crate::app::shipped_teacher::ShippedTeacher;
use crate::engine::catalog::DatasetKind;
use crate::engine::weights::WeightFormat;
use crate::web::files;

impl Driver {
    /// Serves the requests that arrived, in order.
    pub(super) async fn requests(&mut self) {
        while let Some(request) = self.wanted.requests.pop_front() {
            match request {
                Request::Download { which, format } => self.download(which, format).await,
                Request::DownloadOnnx { int8 } => self.download_onnx(int8).await,
                Request::SwitchData(next) => self.switch_data(next).await,
                Request::SwitchTeacher(next) => self.switch_teacher(next).await,
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
                Request::UseOwnData { name, text, label } => {
                    self.use_own_data(name, text, label).await
                }
                Request::Lab(request) => self.lab_request(request).await,
                Request::CancelLab => self.cancel_lab(),
            }
        }
    }

    async fn download(&mut self, which: Which, format: WeightFormat) {
        self.settle_worker(false).await;
        let Some(s) = &self.run.session else { return };
        let offered = files::offer_download(
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

    async fn download_onnx(&mut self, int8: bool) {
        self.settle_worker(false).await;
        let Some(s) = &self.run.session else { return };
        if let Err(e) = files::offer_onnx(s, int8).await {
            self.emit(Action::Failed(format!("Could not export to ONNX: {e}")));
        }
    }

    /// Loads the set first and switches the settings only then: a set that fails to load
    /// changes nothing.
    async fn switch_data(&mut self, next: DatasetKind) {
        if next == self.wanted.settings.dataset {
            return;
        }
        let settings = self.wanted.settings.switched_to(next);
        match load_dataset(next, settings.teacher, &self.events).await {
            Ok(loaded) => {
                self.material.staged = Some(loaded);
                self.emit(Action::Edit(settings));
            }
            Err(e) => self.emit(Action::Failed(format!(
                "Could not load {}: {e}. Nothing was changed.",
                next.title()
            ))),
        }
    }

    /// The set with another of its teachers: loaded first, like another set, and the students
    /// start again under it.
    async fn switch_teacher(&mut self, next: ShippedTeacher) {
        if next == self.wanted.settings.teacher {
            return;
        }
        let settings = Settings {
            teacher: next,
            ..self.wanted.settings.clone()
        };
        if let Err(e) = crate::app::check(&settings) {
            return self.emit(Action::Failed(e.to_string()));
        }
        match load_dataset(settings.dataset, next, &self.events).await {
            Ok(loaded) => {
                self.material.staged = Some(loaded);
                self.emit(Action::Edit(settings));
            }
            Err(e) => self.emit(Action::Failed(format!(
                "Could not load the {} teacher: {e}. Nothing was changed.",
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
                teacher: (&weights.architecture).into(),
            });
            self.material.teacher = weights;
            self.material.own_teacher = true;
            self.material.teacher_made = None;
            return;
        }
        let Some(s) = self.run.session.as_mut() else {
            return;
        };
        if weights.architecture
            == crate::engine::network::Classifier::architecture(&s.distilled.network())
        {
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

/// A dataset and its shipped teacher, fetched (with a notice for the large ones).
pub(super) async fn load_dataset(
    kind: DatasetKind,
    teacher: ShippedTeacher,
    dispatch: &UseReducerDispatcher<AppState>,
) -> crate::Result<(Data, NetworkWeights)> {
    let notice = match kind {
        DatasetKind::Mnist => Some("Loading MNIST (11 MB of images, and its teacher)…"),
        DatasetKind::FashionMnist => {
            Some("Loading Fashion-MNIST (9 MB of images, its conv teacher and its logits)…")
        }
        DatasetKind::Spam => Some("Loading the e-mails (0.7 MB) and their transformer teacher…"),
        _ => None,
    };
    if let Some(notice) = notice {
        dispatch.dispatch(Action::Notice(notice.into()));
        // Let the notice show before decompressing blocks the page for a moment.
        after_next_paint().await;
    }
    // The app's loaders take any fetch; the message of a failed one is what the user reads.
    // Brown's five files say which one is on its way.
    let told = files_told(kind, teacher);
    let fetch = |path: String| {
        let k = told.iter().position(|(file, _)| path.ends_with(file));
        if let Some(k) = k {
            let (n, what) = (told.len(), told[k].1);
            dispatch.dispatch(Action::Notice(format!(
                "Loading Brown genres: file {} of {n}, {what}…",
                k + 1
            )));
        }
        async move { files::fetch(&path).await.map_err(|e| e.to_string()) }
    };
    crate::app::loading::load_data(kind, teacher, fetch).await
}
