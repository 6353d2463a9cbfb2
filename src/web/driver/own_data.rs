//! Your own data in the page: the CSV read and checked here (every problem named by line and
//! column), its teacher trained in the training worker with progress, then the page switched
//! to it and the file kept in this browser when it fits. Nothing leaves the page. A reload finds
//! the kept file and trains its teacher again; a file that was not kept is asked for again.

use std::rc::Rc;

use super::*;
use crate::app::labs::LabRequest;
use crate::app::labs::teachers::{TeacherRequest, Trained};
use crate::engine::data::{Split, parse_own_csv};

/// Seed of your data's train/test split (fixed, so a reload splits it the same way).
const OWN_SPLIT_SEED: u64 = 7;

/// A CSV whose teacher is training.
pub(super) struct OwnPending {
    name: String,
    text: Rc<String>,
    label: Option<String>,
    /// Picked up from the browser after a reload (the settings already name it).
    reload: bool,
}

impl Driver {
    /// A file the user picked or dropped: checked here, its teacher trained in the worker.
    pub(super) async fn use_own_data(
        &mut self,
        name: String,
        text: Rc<String>,
        label: Option<String>,
    ) {
        let name = safe_name(&name);
        match parse_own_csv(&name, text.as_bytes(), label.as_deref(), OWN_SPLIT_SEED) {
            Ok(own) => {
                let pending = OwnPending {
                    name,
                    text,
                    label,
                    reload: false,
                };
                self.train_own_teacher(pending, own.split).await
            }
            Err(e) => self.emit(Action::Failed(format!(
                "'{name}' could not be used: {}. The page is as it was.",
                plain(&e)
            ))),
        }
    }

    /// Your data kept by an earlier visit: its teacher trains again (the data stage waits).
    pub(super) async fn own_from_browser(&mut self) -> crate::Result<()> {
        if self.own.is_some() {
            return Ok(());
        }
        let name = self.wanted.settings.own_name.clone();
        let Some((text, label)) = storage::own_csv(&name) else {
            return Err(crate::Error::Dataset(format!(
                "'{name}' stays on your computer and this browser did not keep it; pick it again under \"Your own data\""
            )));
        };
        let own = parse_own_csv(&name, text.as_bytes(), label.as_deref(), OWN_SPLIT_SEED)?;
        let text = Rc::new(text);
        let pending = OwnPending {
            name,
            text,
            label,
            reload: true,
        };
        self.train_own_teacher(pending, own.split).await;
        Ok(())
    }

    async fn train_own_teacher(&mut self, pending: OwnPending, split: Split) {
        self.own = Some(pending);
        let request = LabRequest::teachers(TeacherRequest::Own {
            split: Box::new(split),
        });
        self.lab_request(request).await;
    }

    /// The teacher of your data trained: the data is staged and the page switches to it.
    pub(super) fn own_teacher_ready(&mut self, split: Split, trained: Trained) {
        let Some(OwnPending {
            name,
            text,
            label,
            reload,
        }) = self.own.take()
        else {
            return;
        };
        let data = Data::features(DatasetKind::Own, split);
        self.material.staged = Some((data.clone(), trained.weights));
        if reload {
            return;
        }
        let kept = match storage::keep_own_csv(&name, &text, label.as_deref()) {
            Ok(()) => "It is kept in this browser for the next visit.".to_string(),
            Err(why) => format!(
                "It is not kept in this browser ({why}): after a reload the page asks for it again."
            ),
        };
        let d = &data.split.train;
        self.emit(Action::Notice(format!(
            "Your data '{name}': {} rows, {} features, {} classes. A teacher trained here reaches {:.1} % on its {} test rows. {kept} Nothing was uploaded.",
            d.len() + data.split.test.len(), d.dim, d.classes, trained.accuracy * 100.0, data.split.test.len()
        )));
        self.emit(Action::Edit(Settings {
            dataset: DatasetKind::Own,
            own_name: name,
            omit_class: None,
            ..self.wanted.settings.clone()
        }));
    }
}

/// An error as a sentence, without the kind the engine files it under.
fn plain(e: &crate::Error) -> String {
    match e {
        crate::Error::Dataset(m) => m.clone(),
        other => other.to_string(),
    }
}

/// A file name fit for a link: letters, digits, '.', '-' and '_' kept, the rest '_'.
fn safe_name(name: &str) -> String {
    name.chars()
        .take(60)
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}
