//! The page: a Yew front end over the engine. State lives in one reducer (`state.rs`); one driver
//! loop (`drive`) owns the training session and is the only code that touches it.

pub mod components;
mod device;
mod files;
pub use crate::app::{session, state};

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

pub use device::{DeviceChoice, DeviceKind, Pick, engine, pick_device};
use session::{CurvePoint, Session};
use state::{Action, AppState};

use crate::engine::data::DatasetKind;
use crate::engine::network::{Architecture, Classifier};

/// Yew's hook for the app's reducer, which lives in `app::state` and is tested natively.
impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        AppState::reduce(self, action)
    }
}
use crate::app::saved_run::{MAX_SAVED_CHARS, SavedRun};
use crate::app::{PageTraining, Settings};
use crate::engine::weights::{FileInfo, MlpWeights, WeightFormat};

const STORAGE_KEY: &str = "distill-playground/settings";
/// The trained students (see `saved_run`).
const RUN_KEY: &str = "distill-playground/run";

/// Which network a file request is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    Student,
    Scratch,
    Teacher,
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
        weights: MlpWeights,
        name: String,
    },
    /// Train a new teacher (the shipped shape) on all labeled training examples, then distil
    /// from it.
    TrainTeacher,
    /// Distil a teacher assistant (half the teacher's width) from the teacher; the students then
    /// learn from it.
    TrainAssistant,
    /// Load another dataset (and its shipped teacher), then switch the settings to it.
    SwitchData(DatasetKind),
}

type Requests = Rc<RefCell<Vec<Request>>>;

/// What the driver loop needs to know of the UI state; written on every render.
#[derive(Clone, Default)]
struct Control {
    settings: Settings,
    generation: u64,
    running: bool,
    single_step: bool,
    prefer_cpu: bool,
    /// Why the CPU is used when the page, not the user, chose it.
    cpu_reason: Option<String>,
    example: usize,
    /// The hand-drawn digit or the clicked point on show, with its version.
    input: Option<(u64, Vec<f32>)>,
}

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

fn now_ms() -> f64 {
    window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Resumes right after the browser's next paint: a chunk of training per frame leaves every frame
/// room to handle input and draw (a bare macrotask yield does not guarantee a rendering
/// opportunity, and the slider lagged by several frames).
async fn after_next_paint() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let Some(w) = window() else {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
            return;
        };
        let after_paint = wasm_bindgen::closure::Closure::once_into_js(move || {
            if let Ok(channel) = web_sys::MessageChannel::new() {
                channel.port1().set_onmessage(Some(resolve.unchecked_ref()));
                let _ = channel.port2().post_message(&wasm_bindgen::JsValue::NULL);
            } else {
                let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
            }
        });
        let _ = w.request_animation_frame(after_paint.unchecked_ref());
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Resumes in a new task: input that arrived meanwhile (a slider drag) is handled first, since
/// the browser runs input before ordinary tasks.
async fn yield_to_input() {
    let promise = js_sys::Promise::new(&mut |resolve, _| match web_sys::MessageChannel::new() {
        Ok(channel) => {
            channel.port1().set_onmessage(Some(resolve.unchecked_ref()));
            let _ = channel.port2().post_message(&wasm_bindgen::JsValue::NULL);
        }
        Err(_) => {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Waits `ms` milliseconds (idle polling while paused).
async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Initial settings: the link's hash wins, then what this browser saved, then the defaults.
fn initial_state() -> AppState {
    let mut state = AppState {
        prefer_cpu: engine::cpu_remembered(),
        ..AppState::default()
    };
    let hash = window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    if hash.trim_start_matches('#').is_empty() {
        let saved = window()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
        if let Some(text) = saved {
            match Settings::from_saved(&text) {
                Ok((s, ignored)) if crate::app::check(&s, state::TEACHER_DEPTH).is_ok() => {
                    state.settings = s;
                    if !ignored.is_empty() {
                        state.notices.push(format!(
                            "Some settings saved in this browser were out of range and left at their defaults — {}",
                            ignored.join("; ")
                        ));
                    }
                }
                _ => state.notices.push(
                    "The settings saved in this browser could not be read; defaults are used."
                        .into(),
                ),
            }
        }
    } else {
        let (settings, ignored) = Settings::from_hash(&hash);
        state.settings = settings;
        if !ignored.is_empty() {
            state.notices.push(format!(
                "Some settings in the link were ignored and left at their defaults — {}",
                ignored.join("; ")
            ));
        }
    }
    state
}

fn persist(settings: &Settings) {
    let Some(w) = window() else { return };
    let hash = format!("#{}", settings.to_hash());
    if let Ok(history) = w.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&hash));
    }
    if let (Some(storage), Ok(json)) = (
        w.local_storage().ok().flatten(),
        serde_json::to_string(settings),
    ) {
        let _ = storage.set_item(STORAGE_KEY, &json);
    }
}

fn storage() -> Option<web_sys::Storage> {
    window().and_then(|w| w.local_storage().ok().flatten())
}

/// The run this browser saved, if it fits the current settings. A damaged entry is reported and
/// removed; a run of other settings is simply not resumed.
fn saved_run(settings: &Settings) -> Result<Option<SavedRun>, String> {
    let Some(text) = storage().and_then(|s| s.get_item(RUN_KEY).ok().flatten()) else {
        return Ok(None);
    };
    let kind = settings.dataset;
    let expected = settings.student_config(kind.inputs(), kind.classes());
    match SavedRun::decode(&text, &expected) {
        Ok(run) if !run.settings.needs_restart(settings) => Ok(Some(run)),
        Ok(_) => Ok(None),
        Err(e) => {
            forget_run();
            Err(format!(
                "The student saved in this browser could not be restored ({e}); training starts afresh."
            ))
        }
    }
}

fn save_run(run: &SavedRun) -> Result<(), String> {
    let text = run.encode().map_err(|e| e.to_string())?;
    if text.len() > MAX_SAVED_CHARS {
        return Err(
            "This student is too large to keep in the browser; it will not survive a reload."
                .into(),
        );
    }
    storage()
        .and_then(|s| s.set_item(RUN_KEY, &text).ok())
        .ok_or_else(|| "The browser refused to store the student (storage full or disabled); it will not survive a reload.".to_string())
}

fn forget_run() {
    if let Some(s) = storage() {
        let _ = s.remove_item(RUN_KEY);
    }
}

/// The one loop that owns the session: builds it, steps it in time-boxed chunks, reports, and
/// keeps the run saved so a reload, a device switch or a lost GPU loses nothing.
async fn drive(
    control: Rc<RefCell<Control>>,
    requests: Requests,
    dispatch: UseReducerDispatcher<AppState>,
) {
    // A curve point evaluates both students on the whole test set: MNIST's 10,000 images are
    // measured every 100 steps, the small sets every 25.
    let curve_every = |d: &state::Data| if d.split.test.len() > 2000 { 100 } else { 25 };
    // Work per frame, in quanta of a few steps with a yield between them: input is handled
    // within one quantum, and the rest of a 60 Hz frame is left for rendering.
    const CHUNK_MS: f64 = 12.0;
    const SAVE_EVERY_MS: f64 = 1000.0;
    const UI_EVERY_MS: f64 = 66.0;
    let mut ui_at = f64::NEG_INFINITY;
    let mut shown_drawing: Option<u64> = None;
    let mut session: Option<Session> = None;
    // The session's students stopped after a divergence (cleared with a new session or on Train).
    let mut diverged = false;
    let mut built_generation: Option<u64> = None;
    let mut device: Option<(bool, DeviceChoice)> = None;
    let mut shown = (usize::MAX, usize::MAX);
    let mut curves: Vec<CurvePoint> = Vec::new();
    // The latest snapshot, in memory: what a lost GPU falls back to.
    let mut last_saved: Option<SavedRun> = None;
    let mut saved_at = (0usize, f64::NEG_INFINITY);
    let mut save_refused = false;
    // What the next session build continues from.
    let mut carry: Option<SavedRun> = None;
    let mut first_build = true;
    let mut rebuild = true;
    // The digits teacher, replaced by the dataset's own when the data is loaded.
    let mut teacher = match session::built_in_teacher() {
        Ok(t) => t,
        Err(e) => {
            dispatch.dispatch(Action::Failed(format!(
                "The shipped teacher could not be read: {e}"
            )));
            return;
        }
    };
    // A teacher trained or loaded here: not kept across a reload (the saved run holds students).
    let mut own_teacher = false;
    // A loaded student whose shape needs new students: used once they are built.
    let mut pending_student: Option<(MlpWeights, String)> = None;
    // The dataset in use and one that just failed to load (not retried until another is chosen).
    let mut data: Option<state::Data> = None;
    let mut failed: Option<DatasetKind> = None;
    // A dataset loaded on request, waiting for the settings to switch to it.
    let mut staged: Option<(state::Data, MlpWeights)> = None;
    // The user pressed "Try WebGPU" (in the CPU-only build, the hand-over may come later).
    let mut webgpu_asked = false;
    // This CPU-only build runs on the CPU until the WebGPU build it asked for has loaded.
    let mut awaiting_webgpu = false;
    loop {
        let ctrl = control.borrow().clone();
        let kind = ctrl.settings.dataset;
        if failed.is_some_and(|f| f != kind) {
            failed = None;
        }
        if data.as_ref().is_none_or(|d| d.kind != kind) && failed.is_none() {
            // Another dataset: its own split and shipped teacher; the old session goes.
            session = None;
            rebuild = true;
            let loaded = match staged.take() {
                Some((d, t)) if d.kind == kind => Ok((d, t)),
                _ => load_dataset(kind, &dispatch).await,
            };
            match loaded {
                Ok((d, shipped)) => {
                    teacher = shipped;
                    own_teacher = false;
                    if let Ok(l) =
                        session::preview(&ctrl.settings, &teacher, &d.split, ctrl.example, None)
                    {
                        dispatch.dispatch(Action::Logits(l, None));
                    }
                    dispatch.dispatch(Action::DataReady {
                        data: d.clone(),
                        teacher_hidden: teacher.config.hidden.clone(),
                    });
                    data = Some(d);
                }
                Err(e) => {
                    // Only a link can name a set that was never loaded: fall back to digits.
                    failed = Some(kind);
                    let back = data.as_ref().map_or(DatasetKind::Digits, |d| d.kind);
                    dispatch.dispatch(Action::DataFailed {
                        previous: Settings {
                            dataset: back,
                            omit_class: None,
                            ..ctrl.settings.clone()
                        },
                        error: format!(
                            "Could not load {}: {e}. The page uses {} instead.",
                            kind.title(),
                            back.title()
                        ),
                    });
                }
            }
        }
        let Some(d) = data.clone() else {
            sleep_ms(100).await;
            continue;
        };
        let every = curve_every(&d);
        // The user flipped the device badge (or the page kept the CPU for a reason of its own).
        let preference_changed = device
            .as_ref()
            .is_some_and(|(cpu, _)| *cpu != ctrl.prefer_cpu);
        if preference_changed {
            webgpu_asked = !ctrl.prefer_cpu;
        }
        // This CPU-only build started first while the WebGPU build downloads: hand over once it
        // is there, or stay if it failed to load.
        let waiting_for_webgpu = awaiting_webgpu && !ctrl.prefer_cpu;
        if waiting_for_webgpu
            && !engine::webgpu_ready()
            && let Some(note) = engine::webgpu_failed()
        {
            stay_on_cpu(&control, &dispatch, &note);
        }
        if device.is_none() || preference_changed || (waiting_for_webgpu && engine::webgpu_ready())
        {
            awaiting_webgpu = false;
            // Carry the students over: from the old device if it still answers, else the last save.
            if let Some(s) = session.take() {
                carry = s
                    .snapshot(&ctrl.settings, &curves)
                    .await
                    .ok()
                    .or(last_saved.clone());
            }
            let on_cpu = |reason: String| DeviceChoice {
                device: burn::tensor::Device::flex(),
                kind: DeviceKind::Cpu,
                fallback_reason: Some(reason),
            };
            let choice = if ctrl.prefer_cpu {
                on_cpu(
                    ctrl.cpu_reason
                        .clone()
                        .unwrap_or_else(|| "you chose the CPU".into()),
                )
            } else {
                match pick_device().await {
                    Pick::Ready(choice) => choice,
                    // WebGPU in the CPU-only build: hand the page to the other build once it
                    // has loaded (the user asked for it, or the loader wants it).
                    Pick::LoadWebGpuEngine if device.is_some() || engine::webgpu_wanted() => {
                        if engine::webgpu_ready() {
                            match hand_over_to_webgpu(
                                &ctrl.settings,
                                carry.as_ref(),
                                own_teacher,
                                webgpu_asked,
                                ctrl.running,
                            ) {
                                Ok(()) => return,
                                Err(reason) => {
                                    stay_on_cpu(&control, &dispatch, &reason);
                                    on_cpu(reason)
                                }
                            }
                        } else {
                            engine::load_webgpu();
                            awaiting_webgpu = true;
                            on_cpu(WEBGPU_LOADING.into())
                        }
                    }
                    // At start: the loader chose this build although there is an adapter.
                    Pick::LoadWebGpuEngine => {
                        let reason = engine::loader_note()
                            .unwrap_or_else(|| "this build of the page has no WebGPU".into());
                        stay_on_cpu(&control, &dispatch, &reason);
                        on_cpu(reason)
                    }
                }
            };
            dispatch.dispatch(Action::DeviceReady(
                choice.label().to_string(),
                choice.fallback_reason.clone(),
            ));
            // The choice may have kept the CPU for a reason of its own.
            device = Some((control.borrow().prefer_cpu, choice));
            rebuild = true;
        }
        let Some((_, choice)) = &device else { continue };
        if rebuild || built_generation != Some(ctrl.generation) {
            rebuild = false;
            if built_generation.is_some_and(|g| g != ctrl.generation) {
                // The user restarted: the old run is gone for good.
                carry = None;
                last_saved = None;
                forget_run();
            }
            built_generation = Some(ctrl.generation);
            if std::mem::take(&mut first_build) {
                match saved_run(&ctrl.settings) {
                    Ok(run) => carry = run,
                    Err(notice) => dispatch.dispatch(Action::Notice(notice)),
                }
                // Taking over from the CPU-only build mid-run: go on training.
                if engine::resume_training() {
                    dispatch.dispatch(Action::Play);
                }
            }
            shown = (usize::MAX, usize::MAX);
            curves.clear();
            saved_at = (0, now_ms());
            // The soft targets (and the students picked up) can be read before the session is
            // ready.
            if let Ok(l) = session::preview(
                &ctrl.settings,
                &teacher,
                &d.split,
                ctrl.example,
                carry.as_ref(),
            ) {
                dispatch.dispatch(Action::Logits(l, None));
            }
            match Session::new(
                &ctrl.settings,
                choice.device.clone(),
                &teacher,
                d.split.clone(),
            ) {
                Ok(mut s) => {
                    if let Some((weights, name)) = pending_student.take() {
                        match s.distilled.restore(&weights, 0) {
                            Ok(()) => dispatch.dispatch(Action::Notice(format!(
                                "Loaded {name} as the distilled student ({}).",
                                weights.config.describe()
                            ))),
                            Err(e) => dispatch
                                .dispatch(Action::Failed(format!("Could not load {name}: {e}"))),
                        }
                    }
                    if let Some(run) = carry.take() {
                        match s.restore(&run) {
                            Ok(()) => {
                                curves = run.curves.clone();
                                saved_at.0 = run.steps;
                                dispatch.dispatch(Action::Restored {
                                    steps: run.steps,
                                    curves: run.curves.clone(),
                                });
                                last_saved = Some(run);
                            }
                            Err(e) => dispatch.dispatch(Action::Notice(format!(
                                "The saved student could not be continued ({e}); training starts afresh."
                            ))),
                        }
                    }
                    match s.compression(now_ms) {
                        Ok(c) => dispatch.dispatch(Action::Compression(c)),
                        Err(e) => dispatch.dispatch(Action::Failed(e.to_string())),
                    }
                    session = Some(s);
                    diverged = false;
                }
                Err(e) => {
                    session = None;
                    dispatch.dispatch(Action::Failed(format!("Could not start training: {e}")));
                }
            }
        }
        let Some(s) = session.as_mut() else {
            sleep_ms(100).await;
            continue;
        };
        let pending: Vec<Request> = std::mem::take(&mut *requests.borrow_mut());
        for request in pending {
            match request {
                Request::Download { which, format } => {
                    if let Err(e) = offer_download(s, which, format, &ctrl.settings, &curves).await
                    {
                        dispatch.dispatch(Action::Failed(format!("Could not export: {e}")));
                    }
                }
                Request::TrainAssistant => {
                    let cpu = burn::tensor::Device::flex();
                    let teacher_accuracy = teacher
                        .to_mlp(&cpu)
                        .and_then(|t| crate::engine::train::accuracy(&t, &s.split.test, &cpu));
                    let plan = PageTraining::assistant(kind);
                    let trained = match teacher_accuracy {
                        Ok(ta) => train_network(s, Some(&teacher), &plan, &dispatch)
                            .await
                            .map(|(w, a)| (w, a, ta)),
                        Err(e) => Err(e),
                    };
                    match trained {
                        Ok((weights, accuracy, teacher_accuracy)) => {
                            dispatch.dispatch(Action::AssistantLoaded {
                                teacher_accuracy,
                                assistant_accuracy: accuracy,
                                hidden: weights.config.hidden.clone(),
                            });
                            teacher = weights;
                            own_teacher = true;
                        }
                        Err(e) => dispatch.dispatch(Action::Failed(format!(
                            "Training the assistant failed: {e}. The current teacher is kept."
                        ))),
                    }
                    dispatch.dispatch(Action::TeacherProgress(None));
                }
                Request::SwitchData(next) if next != kind => {
                    match load_dataset(next, &dispatch).await {
                        Ok(loaded) => {
                            staged = Some(loaded);
                            let mut settings = ctrl.settings.clone();
                            settings.dataset = next;
                            if settings
                                .omit_class
                                .is_some_and(|c| usize::from(c) >= next.classes())
                            {
                                settings.omit_class = None;
                            }
                            dispatch.dispatch(Action::Edit(settings));
                        }
                        Err(e) => dispatch.dispatch(Action::Failed(format!(
                            "Could not load {}: {e}. Nothing was changed.",
                            next.title()
                        ))),
                    }
                }
                Request::SwitchData(_) => {}
                Request::TrainTeacher => {
                    let plan = PageTraining::teacher(kind);
                    match train_network(s, None, &plan, &dispatch).await {
                        Ok((weights, accuracy)) => {
                            dispatch.dispatch(Action::TeacherLoaded {
                                name: format!(
                                    "trained here ({} epochs, {:.1} % on the test set)",
                                    plan.epochs,
                                    accuracy * 100.0
                                ),
                                hidden: weights.config.hidden.clone(),
                            });
                            teacher = weights;
                            own_teacher = true;
                        }
                        Err(e) => dispatch.dispatch(Action::Failed(format!(
                            "Training the teacher failed: {e}. The current teacher is kept."
                        ))),
                    }
                    dispatch.dispatch(Action::TeacherProgress(None));
                }
                Request::Import {
                    which,
                    weights,
                    name,
                } => {
                    match check_import(which, &weights, &name, kind) {
                        Err(e) => dispatch.dispatch(Action::Failed(e)),
                        Ok(()) if which == Which::Teacher => {
                            dispatch.dispatch(Action::TeacherLoaded {
                                name,
                                hidden: weights.config.hidden.clone(),
                            });
                            teacher = weights;
                            own_teacher = true;
                        }
                        Ok(())
                            if Architecture::from(&weights.config)
                                == s.distilled.network().architecture() =>
                        {
                            match s.distilled.restore(&weights, s.steps_done()) {
                                Ok(()) => {
                                    shown = (usize::MAX, usize::MAX);
                                    dispatch.dispatch(Action::Notice(format!(
                                        "Loaded {name} as the distilled student; training continues from step {}.",
                                        s.steps_done()
                                    )));
                                }
                                Err(e) => dispatch.dispatch(Action::Failed(format!(
                                    "Could not load {name}: {e}"
                                ))),
                            }
                        }
                        Ok(()) => {
                            // Another shape: new students of that shape, then these weights.
                            let mut settings = ctrl.settings.clone();
                            settings.student_hidden = weights.config.hidden.clone();
                            if settings
                                .mapping
                                .resolve(settings.student_hidden.len(), state::TEACHER_DEPTH)
                                .is_err()
                            {
                                settings.mapping = crate::engine::mapping::MappingScheme::Skip;
                            }
                            pending_student = Some((weights, name));
                            dispatch.dispatch(Action::Edit(settings));
                        }
                    }
                }
            }
        }
        let d = ctrl.settings.distill_settings();
        for trainer in [&mut s.distilled, &mut s.scratch] {
            let now = trainer.settings();
            if now.temperature != d.temperature
                || now.alpha != d.alpha
                || now.learning_rate != d.learning_rate
            {
                // The reducer checked these settings; a refusal here is still worth showing.
                if let Err(e) = trainer.retune(d.temperature, d.alpha, d.learning_rate) {
                    dispatch.dispatch(Action::Failed(e.to_string()));
                }
            }
        }
        // Train (or Resume) after a divergence: the students go on from their last good weights.
        if diverged && (ctrl.running || ctrl.single_step) {
            s.resume();
            diverged = false;
        }
        let mut stepped = false;
        let mut lost_device: Option<String> = None;
        if ctrl.running || ctrl.single_step {
            if ctrl.single_step {
                control.borrow_mut().single_step = false;
            }
            let start = now_ms();
            // Steps per device read: on WebGPU every read is a GPU round trip.
            let per_read = if ctrl.single_step {
                1
            } else if choice.kind == DeviceKind::WebGpu {
                8
            } else {
                5
            };
            loop {
                let before = s.steps_done();
                match s.steps(per_read).await {
                    Ok(()) => {}
                    // Blown-up numbers are the run's, not the device's: never a fallback.
                    Err(e) if e.is_divergence() => {
                        diverged = true;
                        dispatch.dispatch(Action::Diverged(e.to_string()));
                        break;
                    }
                    Err(e) if choice.kind == DeviceKind::WebGpu => {
                        lost_device = Some(e.to_string());
                        break;
                    }
                    Err(e) => {
                        dispatch.dispatch(Action::Failed(e.to_string()));
                        break;
                    }
                }
                stepped = true;
                if s.steps_done() / every != before / every || ctrl.single_step {
                    match s.curve_point(after_next_paint).await {
                        Ok(p) => {
                            curves.push(p);
                            dispatch.dispatch(Action::Progress {
                                steps: s.steps_done(),
                                point: Some(p),
                            });
                        }
                        Err(e) => dispatch.dispatch(Action::Failed(e.to_string())),
                    }
                }
                if ctrl.single_step || now_ms() - start > CHUNK_MS {
                    break;
                }
                // Short quanta with a yield between them: a drag waits for one quantum, not for
                // the whole chunk.
                yield_to_input().await;
            }
            if !ctrl.running || now_ms() - ui_at > UI_EVERY_MS {
                dispatch.dispatch(Action::Progress {
                    steps: s.steps_done(),
                    point: None,
                });
            }
        }
        if let Some(reason) = lost_device {
            // Drop the session without reading it: the last save is what survives.
            session = None;
            carry = last_saved.clone();
            // wgpu's errors run on with causes and backtraces; the first clause says it.
            let short = reason.split("Caused by").next().unwrap_or(&reason).trim();
            let message = format!(
                "WebGPU stopped working ({short}); continuing on the CPU from step {}",
                carry.as_ref().map_or(0, |r| r.steps)
            );
            {
                let mut c = control.borrow_mut();
                c.prefer_cpu = true;
                c.cpu_reason = Some(state::GPU_LOST.into());
            }
            dispatch.dispatch(Action::DeviceLost(message));
            device = None;
            continue;
        }
        if saved_at.0 != s.steps_done() && (!ctrl.running || now_ms() - saved_at.1 > SAVE_EVERY_MS)
        {
            saved_at = (s.steps_done(), now_ms());
            match s.snapshot(&ctrl.settings, &curves).await {
                Ok(run) => {
                    match save_run(&run) {
                        Err(notice) if !save_refused => {
                            save_refused = true;
                            dispatch.dispatch(Action::Notice(notice));
                        }
                        _ => {}
                    }
                    last_saved = Some(run);
                }
                Err(e) => dispatch.dispatch(Action::Failed(e.to_string())),
            }
        }
        // While training, the counter and the student's bars refresh at about 15 Hz: each refresh
        // re-renders the page, and doing it every frame cost the slider its frames.
        let ui_due = !ctrl.running || now_ms() - ui_at > UI_EVERY_MS;
        let drawing_version = ctrl.input.as_ref().map(|d| d.0);
        if shown.0 != ctrl.example
            || shown_drawing != drawing_version
            || (ui_due && (stepped || shown.1 != s.steps_done()))
        {
            shown_drawing = drawing_version;
            ui_at = now_ms();
            // The counter too: the last chunk before a pause may not have shown its steps.
            dispatch.dispatch(Action::Progress {
                steps: s.steps_done(),
                point: None,
            });
            let views = async {
                let students = s.students().await?;
                let logits = match &ctrl.input {
                    Some((_, pixels)) => s.input_logits(&students, pixels)?,
                    None => s.example_logits(&students, ctrl.example)?,
                };
                Ok::<_, crate::Error>((logits, s.grid_logits(&students)?))
            };
            match views.await {
                Ok((logits, grid)) => {
                    dispatch.dispatch(Action::Logits(logits, drawing_version));
                    if let Some(g) = grid {
                        dispatch.dispatch(Action::Grid(g));
                    }
                }
                Err(e) => dispatch.dispatch(Action::Failed(e.to_string())),
            }
            shown = (ctrl.example, s.steps_done());
        }
        if ctrl.running {
            after_next_paint().await;
        } else {
            sleep_ms(50).await;
        }
    }
}

/// A dataset and its shipped teacher, fetched where they are not built in.
/// Keeps the CPU without the user having chosen it; "Try WebGPU" stays on offer.
fn stay_on_cpu(
    control: &Rc<RefCell<Control>>,
    dispatch: &UseReducerDispatcher<AppState>,
    reason: &str,
) {
    let mut c = control.borrow_mut();
    c.prefer_cpu = true;
    c.cpu_reason = Some(reason.to_string());
    dispatch.dispatch(Action::KeepCpu(reason.to_string()));
}

/// Why a CPU-only build that wants WebGPU runs on the CPU for now.
const WEBGPU_LOADING: &str =
    "the WebGPU build of the page is still loading (the students move to it when it is ready)";

/// Saves what the WebGPU build picks up (settings, the students), unmounts this app and hands
/// the document to that build. Refuses, saying why, when the students could not be kept or a
/// teacher made here would be lost (the user is asked when they chose WebGPU themselves).
fn hand_over_to_webgpu(
    settings: &Settings,
    run: Option<&SavedRun>,
    own_teacher: bool,
    asked: bool,
    training: bool,
) -> Result<(), String> {
    if let Some(run) = run {
        save_run(run)
            .map_err(|e| format!("the WebGPU build could not take the students over: {e}"))?;
    }
    if own_teacher {
        if !asked {
            return Err("the WebGPU build is ready, but moving to it would drop the teacher made here (Try WebGPU moves anyway)".into());
        }
        let ok = window()
            .and_then(|w| {
                w.confirm_with_message(
                    "WebGPU runs in another build of this page. The students and settings move \
                     to it; the teacher trained or loaded here does not (download it first to \
                     keep it). Switch now?",
                )
                .ok()
            })
            .unwrap_or(false);
        if !ok {
            return Err("you kept the teacher made here (WebGPU runs in another build)".into());
        }
    }
    persist(settings);
    if asked {
        engine::remember_choice(false);
    }
    unmount();
    engine::switch_to_webgpu(training);
    Ok(())
}

async fn load_dataset(
    kind: DatasetKind,
    dispatch: &UseReducerDispatcher<AppState>,
) -> crate::Result<(state::Data, MlpWeights)> {
    if kind == DatasetKind::Mnist {
        dispatch.dispatch(Action::Notice(
            "Loading MNIST (11 MB of images, and its teacher)…".into(),
        ));
        // Let the notice show before decompressing blocks the page for a moment.
        after_next_paint().await;
    }
    let split = session::load_split(kind, |path| async move { files::fetch(&path).await }).await?;
    let teacher =
        session::shipped_teacher(kind, |path| async move { files::fetch(&path).await }).await?;
    Ok((
        state::Data {
            kind,
            split: Rc::new(split),
        },
        teacher,
    ))
}

/// Trains, on every labeled training example, in chunks between frames with progress: a teacher
/// from the labels (`from: None`), or a teacher assistant distilled from `from`. Returns its
/// weights and test accuracy.
async fn train_network(
    s: &Session,
    from: Option<&MlpWeights>,
    plan: &PageTraining,
    dispatch: &UseReducerDispatcher<AppState>,
) -> crate::Result<(MlpWeights, f32)> {
    let train = &s.split.train;
    let data = crate::engine::data::TransferSet::build(
        train,
        &crate::engine::data::TransferConfig::default(),
        2,
    )?;
    let batch = 64;
    let total = (plan.epochs * data.len().div_ceil(batch)).max(1);
    let settings = crate::engine::train::DistillSettings {
        batch_size: batch,
        total_steps: total,
        seed: 2,
        learning_rate: plan.learning_rate,
        ..Default::default()
    };
    let mut trainer = match from {
        None => {
            crate::engine::train::Trainer::supervised(&plan.config, data, settings, &s.device())?
        }
        Some(teacher) => {
            let teacher = teacher.to_mlp(&s.device())?;
            crate::engine::train::Trainer::distill(
                &plan.config,
                &teacher,
                data,
                settings,
                &s.device(),
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
    let weights = MlpWeights::from_network_async(&trainer.network()).await?;
    let cpu = burn::tensor::Device::flex();
    let accuracy = crate::engine::train::accuracy(&weights.to_mlp(&cpu)?, &s.split.test, &cpu)?;
    Ok((weights, accuracy))
}

/// What the page accepts: a network for the dataset in use, ReLU, and for a teacher, six hidden
/// layers (the layer-mapping editor is drawn for them).
fn check_import(
    which: Which,
    weights: &MlpWeights,
    name: &str,
    kind: DatasetKind,
) -> Result<(), String> {
    let c = &weights.config;
    let refuse = |why: String| {
        Err(format!(
            "Could not load {name}: {why}. Nothing was changed."
        ))
    };
    if c.inputs != kind.inputs() || c.classes != kind.classes() {
        return refuse(format!(
            "it maps {} inputs to {} classes; {} needs {} → {}",
            c.inputs,
            c.classes,
            kind.title(),
            kind.inputs(),
            kind.classes()
        ));
    }
    if c.activation != crate::engine::network::Activation::Relu {
        return refuse(format!(
            "it uses {:?}; the page trains ReLU networks",
            c.activation
        ));
    }
    if which == Which::Teacher && c.depth() != state::TEACHER_DEPTH {
        return refuse(format!(
            "it has {} hidden layers; the page's teacher has {}",
            c.depth(),
            state::TEACHER_DEPTH
        ));
    }
    if which == Which::Student && c.depth() > crate::app::MAX_STUDENT_DEPTH {
        return refuse(format!(
            "a student has at most {} hidden layers",
            crate::app::MAX_STUDENT_DEPTH
        ));
    }
    Ok(())
}

/// Reads a network from its device (asynchronously: WebGPU allows nothing else), writes the file
/// with what produced it, and offers it as a download.
async fn offer_download(
    s: &Session,
    which: Which,
    format: WeightFormat,
    settings: &Settings,
    curves: &[CurvePoint],
) -> crate::Result<()> {
    let steps = s.steps_done();
    let (weights, role, name) = match which {
        Which::Student => (
            MlpWeights::from_network_async(&s.distilled.network()).await?,
            "student",
            format!("distilled-student-step{steps}"),
        ),
        Which::Scratch => (
            MlpWeights::from_network_async(&s.scratch.network()).await?,
            "scratch-student",
            format!("scratch-student-step{steps}"),
        ),
        Which::Teacher => (s.teacher.clone(), "teacher", "teacher".to_string()),
    };
    let info = FileInfo {
        role: role.into(),
        info: serde_json::json!({
            "dataset": settings.dataset.name(),
            "made_by": format!("Distill Playground v{} (page)", crate::VERSION),
            "settings": settings.distill_settings(),
            "transfer": settings.transfer_config(),
            "steps": steps,
            "metrics": curves.last(),
        }),
    };
    let bytes = weights.to_format(format, &info)?;
    files::download(&format!("{name}.{}", format.extension()), &bytes)
        .map_err(crate::Error::Settings)
}

#[component]
fn App() -> Html {
    let state = use_reducer(initial_state);
    let control = use_mut_ref(Control::default);
    let requests: Requests = use_mut_ref(Vec::new);
    {
        let mut c = control.borrow_mut();
        c.settings = state.settings.clone();
        c.generation = state.generation;
        c.running = state.running;
        c.prefer_cpu = state.prefer_cpu;
        c.cpu_reason = state.cpu_reason.clone();
        c.example = state.settings.example;
        // MNIST's digits were centred by their mass; a drawing is shown to the networks the same way.
        c.input = match (&state.drawing, state.probe) {
            (Some(d), _) if state.settings.dataset == DatasetKind::Mnist => {
                Some((state.drawing_version, d.centered()))
            }
            (Some(d), _) => Some((state.drawing_version, d.pixels.clone())),
            (None, Some(p)) => Some((state.drawing_version, p.to_vec())),
            (None, None) => None,
        };
    }
    {
        let control = control.clone();
        let requests = requests.clone();
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(drive(control, requests, dispatch));
        });
    }
    // Saved a moment after the last change: a drag of the T slider would otherwise write the URL
    // and localStorage on every input event (several milliseconds each, in the drag's path).
    // Leaving the page saves what is still pending.
    let unsaved = use_mut_ref(|| None::<Settings>);
    {
        let unsaved = unsaved.clone();
        use_effect_with(state.settings.clone(), move |settings| {
            *unsaved.borrow_mut() = Some(settings.clone());
            let save = wasm_bindgen::closure::Closure::once(move || {
                if let Some(s) = unsaved.borrow_mut().take() {
                    persist(&s);
                }
            });
            let timer = window().and_then(|w| {
                w.set_timeout_with_callback_and_timeout_and_arguments_0(
                    save.as_ref().unchecked_ref(),
                    250,
                )
                .ok()
            });
            move || {
                if let (Some(w), Some(id)) = (window(), timer) {
                    w.clear_timeout_with_handle(id);
                }
                drop(save);
            }
        });
    }
    use_effect_with((), move |_| {
        let flush = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
            if let Some(s) = unsaved.borrow_mut().take() {
                persist(&s);
            }
        });
        let w = window();
        if let Some(w) = &w {
            let _ = w.add_event_listener_with_callback("pagehide", flush.as_ref().unchecked_ref());
        }
        move || {
            if let Some(w) = w {
                let _ = w.remove_event_listener_with_callback(
                    "pagehide",
                    flush.as_ref().unchecked_ref(),
                );
            }
        }
    });
    // The tour brings the panel it talks about into view.
    use_effect_with(state.tour, |tour| {
        let panel = tour.and_then(|k| crate::app::TOUR.get(k)).map(|t| t.panel);
        if let (Some(panel), Some(doc)) = (panel, window().and_then(|w| w.document()))
            && let Ok(Some(el)) = doc.query_selector(&format!(".panel.{panel}"))
        {
            el.scroll_into_view();
        }
    });
    // Projector mode scales every rem-sized thing: the class sits on <html>.
    use_effect_with(state.projector, |on| {
        if let Some(root) = window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            root.set_class_name(if *on { "projector" } else { "" });
        }
    });
    // A restart forgets the saved students at once, so a reload right after Reset starts afresh
    // (the driver forgets them too, but only when its loop comes round).
    use_effect_with(state.generation, |generation| {
        if *generation > 0 {
            forget_run();
        }
    });

    let dispatch = state.dispatcher();
    let request = {
        let requests = requests.clone();
        Callback::from(move |r: Request| requests.borrow_mut().push(r))
    };
    let step_once = {
        let control = control.clone();
        Callback::from(move |_: MouseEvent| control.borrow_mut().single_step = true)
    };
    // Space toggles training anywhere but in a text field.
    {
        let state = state.clone();
        use_effect_with(state.running, move |_| {
            let listener = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(
                move |e: web_sys::KeyboardEvent| {
                    let typing = e
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                        .is_some_and(|i| i.type_() == "text" || i.type_() == "number");
                    if e.key() == " "
                        && !typing
                        && e.target()
                            .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
                            .is_none_or(|el| el.tag_name() != "BUTTON")
                    {
                        e.prevent_default();
                        state.dispatch(if state.running {
                            Action::Pause
                        } else {
                            Action::Play
                        });
                    }
                },
            );
            let doc = window().and_then(|w| w.document());
            if let Some(doc) = &doc {
                let _ = doc
                    .add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
            }
            move || {
                if let Some(doc) = doc {
                    let _ = doc.remove_event_listener_with_callback(
                        "keydown",
                        listener.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }

    // Most panels re-render only when what they show changes (not on every T or logit update).
    let view = components::calm(&state);
    html! {
        <>
            <header class="top">
                <h1>{ "Distill Playground" }</h1>
                <span class="version">{ format!("engine v{}", crate::VERSION) }</span>
                <components::DeviceBadge device={state.device.clone()} prefer_cpu={state.prefer_cpu} dispatch={dispatch.clone()} />
                <button id="tour-start" class="tour-toggle" onclick={ let d = dispatch.clone(); Callback::from(move |_: MouseEvent| d.dispatch(Action::Tour(Some(0)))) }>
                    { "Guided tour" }
                </button>
                <button id="projector" class="projector-toggle" aria-pressed={state.projector.to_string()}
                        onclick={ let d = dispatch.clone(); let on = state.projector; Callback::from(move |_: MouseEvent| d.dispatch(Action::Projector(!on))) }>
                    { if state.projector { "Normal type" } else { "Projector mode" } }
                </button>
            </header>
            <components::Notices notices={state.notices.clone()} error={state.error.clone()} dispatch={dispatch.clone()} />
            <main class={classes!("grid", state.tour.and_then(|k| crate::app::TOUR.get(k)).map(|t| format!("tour-focus-{}", t.panel)))}>
                <components::SoftTargets state={state.clone()} />
                <components::DecisionMaps state={state.clone()} />
                <components::Training state={state.clone()} view={view.clone()} step_once={step_once} request={request.clone()} />
                <components::Presets state={state.clone()} view={view.clone()} />
                <components::Compression state={state.clone()} view={view.clone()} />
                <components::LossControls state={state.clone()} view={view.clone()} />
                <components::MappingEditor state={state.clone()} view={view.clone()} />
                <components::Files state={state.clone()} view={view} request={request} />
            </main>
            <components::Tour state={state.clone()} />
            <footer class="credits">
                { "Digits: E. Alpaydin, C. Kaynak (UCI, CC BY 4.0). MNIST: Y. LeCun, C. Cortes, C. J. C. Burges (CC BY-SA 3.0). Teachers (128×6; 64×6 for the 2-D sets) shipped with the page. " }
                { "Hinton, Vinyals & Dean 2015 · Tang et al. 2019 · Sun et al. 2019 (Patient KD) · Clark et al. 2019 (BAM)." }
            </footer>
        </>
    }
}

// cubecl registers its kernels with `inventory` constructors. Unless the program runs them itself,
// wasm-ld treats the page's binary as a "command" and re-runs every constructor at the start of
// each exported function — every callback from JavaScript. That cost most of the page's time.
unsafe extern "C" {
    fn __wasm_call_ctors();
}

/// The page binaries' `main`: runs the constructors once, then mounts the page.
pub fn boot() {
    // SAFETY: called once, first thing in `main`, before any code that relies on the constructors.
    unsafe { __wasm_call_ctors() };
    start();
}

thread_local! {
    static MOUNTED: RefCell<Option<yew::AppHandle<App>>> = const { RefCell::new(None) };
}

/// Mounts the page.
pub fn start() {
    console_error_panic_hook::set_once();
    let app = yew::Renderer::<App>::new().render();
    MOUNTED.with(|m| *m.borrow_mut() = Some(app));
}

/// Takes the page down (its effects remove their listeners and timers) before another build
/// mounts its own.
fn unmount() {
    if let Some(app) = MOUNTED.with(|m| m.borrow_mut().take()) {
        app.destroy();
    }
}
