//! Your own data in the page: the CSV read and checked (every problem named by line and column),
//! kept in this browser when it fits, a teacher trained here with progress, then the page
//! switched to it. Nothing leaves the page. A reload finds the kept file and trains its teacher
//! again; a file that was not kept is asked for again.

use std::rc::Rc;

use burn::tensor::Device;

use super::*;
use crate::app::PageTraining;
use crate::engine::data::parse_own_csv;

/// Seed of your data's train/test split (fixed, so a reload splits it the same way).
const OWN_SPLIT_SEED: u64 = 7;

impl Driver {
    pub(super) async fn use_own_data(
        &mut self,
        name: String,
        text: Rc<String>,
        label: Option<String>,
    ) {
        self.settle_worker(true).await;
        let name = safe_name(&name);
        match own_material(&name, &text, label.as_deref(), &self.events).await {
            Ok((data, teacher, accuracy)) => {
                let kept = match storage::keep_own_csv(&name, &text, label.as_deref()) {
                    Ok(()) => "It is kept in this browser for the next visit.".to_string(),
                    Err(why) => format!(
                        "It is not kept in this browser ({why}): after a reload the page asks for it again."
                    ),
                };
                let d = &data.split.train;
                self.emit(Action::Notice(format!(
                    "Your data '{name}': {} rows, {} features, {} classes. A teacher trained here reaches {:.1} % on its {} test rows. {kept} Nothing was uploaded.",
                    d.len() + data.split.test.len(), d.dim, d.classes, accuracy * 100.0, data.split.test.len()
                )));
                self.material.staged = Some((data, teacher));
                self.emit(Action::Edit(Settings {
                    dataset: DatasetKind::Own,
                    own_name: name,
                    omit_class: None,
                    ..self.wanted.settings.clone()
                }));
            }
            Err(e) => self.emit(Action::Failed(format!(
                "'{name}' could not be used: {}. The page is as it was.",
                plain(&e)
            ))),
        }
    }

    /// Your data kept by an earlier visit, with its teacher trained again.
    pub(super) async fn own_from_browser(&mut self) -> crate::Result<(Data, NetworkWeights)> {
        let name = self.wanted.settings.own_name.clone();
        let Some((text, label)) = storage::own_csv(&name) else {
            return Err(crate::Error::Dataset(format!(
                "'{name}' stays on your computer and this browser did not keep it; pick it again under \"Your own data\""
            )));
        };
        let (data, teacher, _) = own_material(&name, &text, label.as_deref(), &self.events).await?;
        Ok((data, teacher))
    }
}

/// The checked data, a teacher trained on it and that teacher's test accuracy.
async fn own_material(
    name: &str,
    text: &str,
    label: Option<&str>,
    events: &UseReducerDispatcher<AppState>,
) -> crate::Result<(Data, NetworkWeights, f32)> {
    let own = parse_own_csv(name, text.as_bytes(), label, OWN_SPLIT_SEED)?;
    let train = &own.split.train;
    let plan = PageTraining::own_teacher(train.dim, train.classes, train.len());
    let trained = work::train_on(&own.split, &Device::flex(), (None, None), &plan, events).await;
    events.dispatch(Action::TeacherProgress(None));
    let (teacher, accuracy) = trained?;
    Ok((
        Data::features(DatasetKind::Own, own.split),
        teacher,
        accuracy,
    ))
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
