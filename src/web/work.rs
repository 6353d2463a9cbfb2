//! The driver's longer pieces of work: loading a dataset, training a network in the page with
//! progress, checking an imported weight file, offering a download, and handing the page to the
//! WebGPU build. Each reports through the reducer's actions.

use yew::prelude::*;

use super::error::WebError;
use super::files;
use super::loader;
use super::pace::{after_next_paint, now_ms};
use super::storage;
use crate::app::imports::Which;
use crate::app::loading;
use crate::app::saved_run::SavedRun;
use crate::app::session::{CurvePoint, Session};
use crate::app::state::{self, Action, AppState};
use crate::app::{PageTraining, Settings};
use crate::engine::catalog::DatasetKind;
use crate::engine::weights::{FileInfo, NetworkWeights, WeightFormat};

/// The tools a run can be written out for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecipeFormat {
    TextBrewer,
    Torchdistill,
}

/// Work for the driver that needs the session: files out, files in (already parsed and checked).
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    Download {
        which: Which,
        format: WeightFormat,
    },
    Import {
        which: Which,
        weights: NetworkWeights,
        name: String,
    },
    /// Train a new teacher (the shipped shape) on all labeled training examples, regularised as
    /// Hinton et al.'s or not, then distil from it.
    TrainTeacher {
        regularised: bool,
    },
    /// Distil a teacher assistant (half the teacher's width) from the teacher; the students then
    /// learn from it.
    TrainAssistant,
    /// Load another dataset (and its shipped teacher), then switch the settings to it.
    SwitchData(DatasetKind),
    /// FastBERT: train exits on the teacher.
    TrainExits,
    /// BERT-of-Theseus on the teacher, with a curriculum rate or a constant one.
    ReplaceModules {
        curriculum: bool,
    },
    /// Another teacher for the ensemble, trained here with the next seed.
    AddEnsembleTeacher,
    /// A student distilled from the ensemble: of the teachers' shape, or the page's student's.
    DistilEnsemble {
        teacher_sized: bool,
    },
    /// Fetch CMUdict and its encoder–decoder teacher.
    LoadCmudict,
    /// An encoder–decoder student on CMUdict, learning from these targets.
    TrainSequenceStudent(crate::engine::seq2seq::Targets),
    /// Pronounce a typed word with the teacher and the student.
    Pronounce(String),
    /// An α × T sweep of short distillation runs, this many steps per cell.
    RunSweep(usize),
    /// The few-classes lesson: distilled against scratch on 2, 3, 5 and 10 digit classes.
    FewClasses,
    /// The run's settings as a TextBrewer or torchdistill config, downloaded.
    ExportRecipe(RecipeFormat),
    /// A link with the settings and the distilled student's weights in its fragment.
    StudentLink,
    /// Time the same training steps on the CPU engine and on WebGPU.
    CompareDevices,
    /// Your own CSV, read in the page: check it, keep it, train its teacher, switch to it.
    UseOwnData {
        name: String,
        text: std::rc::Rc<String>,
        /// The label column's name; `None`: `label`, `class`, `target` or `y`, else the last.
        label: Option<String>,
    },
}

/// Saves what the WebGPU build picks up (settings, the students), unmounts this app and hands
/// the document to that build. Refuses, saying why, when the students could not be kept or a
/// teacher made here would be lost (the user is asked when they chose WebGPU themselves).
pub fn hand_over_to_webgpu(
    settings: &Settings,
    run: Option<&SavedRun>,
    own_teacher: bool,
    asked: bool,
    training: bool,
) -> Result<(), String> {
    if let Some(run) = run {
        storage::save_run(run)
            .map_err(|e| format!("the WebGPU build could not take the students over: {e}"))?;
    }
    if own_teacher {
        if !asked {
            return Err("the WebGPU build is ready, but moving to it would drop the teacher made here (Try WebGPU moves anyway)".into());
        }
        let ok = gloo::dialogs::confirm(
            "WebGPU runs in another build of this page. The students and settings move to it; \
             the teacher trained or loaded here does not (download it first to keep it). Switch \
             now?",
        );
        if !ok {
            return Err("you kept the teacher made here (WebGPU runs in another build)".into());
        }
    }
    storage::persist(settings);
    if asked {
        loader::remember_choice(false);
    }
    super::unmount();
    loader::switch_to_webgpu(training);
    Ok(())
}

pub async fn load_dataset(
    kind: DatasetKind,
    dispatch: &UseReducerDispatcher<AppState>,
) -> crate::Result<(state::Data, NetworkWeights)> {
    let notice = match kind {
        DatasetKind::Mnist => Some("Loading MNIST (11 MB of images, and its teacher)…"),
        DatasetKind::Spam => Some("Loading the e-mails (0.7 MB) and their transformer teacher…"),
        _ => None,
    };
    if let Some(notice) = notice {
        dispatch.dispatch(Action::Notice(notice.into()));
        // Let the notice show before decompressing blocks the page for a moment.
        after_next_paint().await;
    }
    // The app's loaders take any fetch; the message of a failed one is what the user reads.
    let fetch = |path: String| async move { files::fetch(&path).await.map_err(|e| e.to_string()) };
    loading::load_data(kind, fetch).await
}

/// Trains, on every labeled training example, in chunks between frames with progress: a teacher
/// from the labels (`from: None`), or a teacher assistant distilled from `from`. Returns its
/// weights and test accuracy.
pub async fn train_network(
    s: &Session,
    from: Option<&NetworkWeights>,
    plan: &PageTraining,
    dispatch: &UseReducerDispatcher<AppState>,
) -> crate::Result<(NetworkWeights, f32)> {
    // A text teacher has read the training sentences already (the session's).
    let known = match &s.text {
        Some(t) => from.map(|w| t.known(crate::app::text_data::fingerprint(w))),
        None => None,
    };
    train_on(
        &s.split,
        &s.device(),
        (from, known.as_ref()),
        plan,
        dispatch,
    )
    .await
}

/// [`train_network`] on any split and device (your own data's teacher has no session yet).
pub async fn train_on(
    split: &crate::engine::data::Split,
    device: &burn::tensor::Device,
    (from, known): (
        Option<&NetworkWeights>,
        Option<&crate::engine::train::KnownLogits>,
    ),
    plan: &PageTraining,
    dispatch: &UseReducerDispatcher<AppState>,
) -> crate::Result<(NetworkWeights, f32)> {
    let data = crate::engine::data::TransferSet::build(
        &split.train,
        &crate::engine::data::TransferConfig::default(),
        2,
    )?;
    let settings = plan.settings(data.len());
    let total = settings.total_steps;
    let mut trainer = match from {
        None => {
            crate::engine::train::Trainer::supervised(plan.config.clone(), data, settings, device)?
        }
        Some(teacher) => {
            let teacher = teacher.to_network(device)?;
            crate::engine::train::Trainer::distill_known(
                plan.config.clone(),
                teacher,
                data,
                settings,
                device,
                known,
            )?
        }
    };
    let mut shown = f64::NEG_INFINITY;
    while trainer.steps_done() < total {
        let start = now_ms();
        while trainer.steps_done() < total && now_ms() - start < 10.0 {
            trainer
                .steps_async(5.min(total - trainer.steps_done()))
                .await?;
        }
        if now_ms() - shown > 66.0 {
            shown = now_ms();
            dispatch.dispatch(Action::TeacherProgress(Some((trainer.steps_done(), total))));
        }
        after_next_paint().await;
    }
    let weights = NetworkWeights::from_network_async(&trainer.network()).await?;
    let cpu = burn::tensor::Device::flex();
    let accuracy = crate::engine::train::accuracy(&weights.to_network(&cpu)?, &split.test, &cpu)?;
    Ok((weights, accuracy))
}

/// Reads a network from its device (asynchronously: WebGPU allows nothing else), writes the file
/// with what produced it, and offers it as a download.
pub async fn offer_download(
    s: &Session,
    which: Which,
    format: WeightFormat,
    settings: &Settings,
    curves: &[CurvePoint],
    teacher_made: Option<&serde_json::Value>,
) -> Result<(), WebError> {
    let steps = s.steps_done();
    let (weights, role, name) = match which {
        Which::Student => (
            NetworkWeights::from_network_async(&s.distilled.network()).await?,
            "student",
            format!("distilled-student-step{steps}"),
        ),
        Which::Scratch => (
            NetworkWeights::from_network_async(&s.scratch.network()).await?,
            "scratch-student",
            format!("scratch-student-step{steps}"),
        ),
        Which::Teacher => (s.teacher.clone(), "teacher", "teacher".to_string()),
    };
    let mut info = serde_json::json!({
        "dataset": settings.dataset.name(),
        "made_by": format!("Distill Playground v{} (page)", crate::VERSION),
        "settings": settings.distill_settings(),
        "transfer": settings.transfer_config(),
        "steps": steps,
        "metrics": curves.last(),
    });
    if let (Which::Teacher, Some(made), Some(map)) = (which, teacher_made, info.as_object_mut()) {
        map.insert("trained_here".into(), made.clone());
    }
    let info = FileInfo {
        role: role.into(),
        info,
    };
    let bytes = weights.to_format(format, &info)?;
    files::download(&format!("{name}.{}", format.extension()), &bytes)
}
