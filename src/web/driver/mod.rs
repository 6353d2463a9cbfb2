//! The training driver: the one owner of the session. The page sends it [`Command`]s on one
//! channel (what the user changed); it sends the reducer [`Action`]s (what happened). Nothing
//! else touches the session, and no copy of the page's state is shared with it.
//!
//! What one turn of [`Driver::run`] does, in order: take the commands that arrived, make sure
//! the data, the device and the session are there, serve requests (files, teachers), train one
//! chunk, save, refresh the views. A slider's path: component → `Action` → reducer → the App's
//! effect sends a `Command` → the driver applies it before its next chunk.

mod device;
mod labs;
mod own_data;
mod recipes;
mod remote;
mod request;
mod requests;
mod second_reader;
mod session;

pub use request::{RecipeFormat, Request};

use std::collections::VecDeque;

use futures_channel::mpsc::UnboundedReceiver;
use yew::prelude::*;

use crate::app::Settings;
use crate::app::jobs::{Ended, Runner, pace};
use crate::app::labs::{Fetch, LabHost};
use crate::app::saved_run::SavedRun;
use crate::app::session::{CurvePoint, Lesson, Session};
use crate::app::shipped_teacher::ShippedTeacher;
use crate::app::state::{Action, AppState, Data};
use crate::engine::catalog::DatasetKind;
use crate::engine::weights::NetworkWeights;
use crate::web::device::{DeviceChoice, DeviceKind};
use crate::web::pace::{after_next_paint, now_ms, sleep_ms, yield_to_input};
use crate::web::storage;

/// What the page tells the driver.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// The settings in force, and the generation of the students (bumped by a restart). Boxed:
    /// every other command is small.
    Settings {
        settings: Box<Settings>,
        generation: u64,
    },
    /// Train continuously, or pause.
    Run(bool),
    /// One chunk of a single step.
    StepOnce,
    /// The device the user (or the page) prefers, and why the CPU when the page chose it.
    Device {
        prefer_cpu: bool,
        reason: Option<String>,
    },
    /// What the soft-target view shows: a test example, or a drawing / a point with its version.
    Show {
        example: usize,
        input: Option<(u64, Vec<f32>)>,
        text: Option<String>,
    },
    /// Work that needs the session: files out and in, datasets, and the labs' work.
    Request(Request),
}

/// What the user asked for, as the commands said it.
struct Wanted {
    settings: Settings,
    generation: u64,
    running: bool,
    single_step: bool,
    prefer_cpu: bool,
    cpu_reason: Option<String>,
    example: usize,
    input: Option<(u64, Vec<f32>)>,
    /// The typed message of `input`.
    text: Option<String>,
    requests: VecDeque<Request>,
}

impl Wanted {
    /// What the page's first state asks for, with the student of its link loaded first.
    fn from(first: &AppState) -> Self {
        Self {
            settings: first.settings.clone(),
            generation: first.run.generation,
            running: first.run.running,
            single_step: false,
            prefer_cpu: first.run.prefer_cpu,
            cpu_reason: first.run.cpu_reason.clone(),
            example: first.settings.example,
            input: None,
            text: None,
            requests: first
                .run
                .link_student
                .iter()
                .map(|w| Request::Import {
                    which: crate::web::Which::Student,
                    weights: (*w.0).clone(),
                    name: "the student from the link (16-bit weights)".into(),
                })
                .collect(),
        }
    }
}

/// The run: its students, what they learned, and what keeps them across reloads and devices.
#[derive(Default)]
struct Run {
    session: Option<Session>,
    built_generation: Option<u64>,
    rebuild: bool,
    first_build: bool,
    /// The students stopped after a divergence (cleared by a new session or by Train).
    diverged: bool,
    curves: Vec<CurvePoint>,
    /// What the next session continues from.
    carry: Option<SavedRun>,
    /// The latest snapshot in memory: what a lost GPU falls back to.
    last_saved: Option<SavedRun>,
    saved_at: (usize, f64),
    save_refused: bool,
}

/// The dataset and the teacher.
struct Material {
    data: Option<Data>,
    /// A set and teacher that failed to load (not retried until another is chosen).
    failed: Option<(DatasetKind, ShippedTeacher)>,
    /// A set loaded on request, waiting for the settings to switch to it.
    staged: Option<(Data, NetworkWeights)>,
    teacher: NetworkWeights,
    /// A teacher trained or loaded here (not kept across a reload or a build hand-over).
    own_teacher: bool,
    /// How a teacher trained here was trained, for the metadata of its downloaded file.
    teacher_made: Option<serde_json::Value>,
    /// A loaded student of another shape, used once students of that shape are built.
    pending_student: Option<(NetworkWeights, String)>,
}

/// Where the students train.
#[derive(Default)]
struct Engine {
    /// The device and whether the CPU was preferred when it was chosen.
    device: Option<(bool, DeviceChoice)>,
    /// The user pressed "Try WebGPU".
    webgpu_asked: bool,
    /// This CPU-only build runs on the CPU until the WebGPU build it asked for has loaded.
    awaiting_webgpu: bool,
}

/// What the views last showed.
struct Shown {
    example: usize,
    steps: usize,
    drawing: Option<u64>,
    at: f64,
    /// When the layer similarity was last measured.
    similarity_at: f64,
    /// What the conv teacher's first block was last shown for: the example, the drawing's
    /// version, and the teacher's and the data's addresses (another teacher or set, new maps).
    first_block: Option<(usize, Option<u64>, usize, usize)>,
}

pub struct Driver {
    commands: UnboundedReceiver<Command>,
    events: UseReducerDispatcher<AppState>,
    wanted: Wanted,
    run: Run,
    material: Material,
    engine: Engine,
    shown: Shown,
    remote: remote::Remote,
    /// Lab work that runs in the page (it needs the page's WebGPU, or there is no worker).
    labs: LabHost,
    /// The students' runner when they train in the page (on WebGPU, or without a worker).
    runner: Runner,
    /// How lab work here fetches files.
    fetch: Fetch,
    /// Your own CSV, while its teacher trains.
    own: Option<own_data::OwnPending>,
}

/// Whether a turn goes on to the next stage.
enum Flow {
    Next,
    /// Nothing to do until something changes: wait a little.
    Wait,
    /// The page was handed to the other build: the driver stops.
    Stop,
}

impl Driver {
    /// A driver starting from the page's first state (the App sends it commands from then on).
    pub fn new(
        first: &AppState,
        commands: UnboundedReceiver<Command>,
        events: UseReducerDispatcher<AppState>,
    ) -> crate::Result<Self> {
        Ok(Self {
            commands,
            events,
            wanted: Wanted::from(first),
            run: Run {
                rebuild: true,
                first_build: true,
                saved_at: (0, f64::NEG_INFINITY),
                ..Run::default()
            },
            material: Material {
                data: None,
                failed: None,
                staged: None,
                teacher: crate::app::loading::built_in_teacher()?,
                own_teacher: false,
                teacher_made: None,
                pending_student: None,
            },
            engine: Engine::default(),
            shown: Shown {
                example: usize::MAX,
                steps: usize::MAX,
                drawing: None,
                at: f64::NEG_INFINITY,
                similarity_at: f64::NEG_INFINITY,
                first_block: None,
            },
            remote: remote::Remote::new(),
            labs: LabHost::default(),
            runner: Runner::default(),
            fetch: std::rc::Rc::new(|path: String| Box::pin(fetch_text(path))),
            own: None,
        })
    }

    fn emit(&self, action: Action) {
        self.events.dispatch(action);
    }

    /// The loop: what happens between two frames, in order.
    pub async fn run(mut self) {
        loop {
            if !self.take_commands() {
                return;
            }
            self.hear_worker();
            // Lab work in the page: a turn per frame, the students waiting meanwhile.
            if self.lab_turn().await {
                after_next_paint().await;
                continue;
            }
            let flow = match self.data().await {
                Flow::Next => match self.device().await {
                    Flow::Next => self.session().await,
                    other => other,
                },
                other => other,
            };
            match flow {
                Flow::Stop => return,
                Flow::Wait => {
                    sleep_ms(100).await;
                    continue;
                }
                Flow::Next => {}
            }
            if self.remote.stale {
                self.hand_to_worker().await;
            }
            self.requests().await;
            let stepped = match self.train_chunk().await {
                Ok(stepped) => stepped,
                Err(lost) => {
                    self.fall_back_to_cpu(&lost);
                    continue;
                }
            };
            self.save().await;
            self.views(stepped).await;
            self.first_block();
            if self.wanted.running {
                after_next_paint().await;
            } else {
                sleep_ms(50).await;
            }
        }
    }

    /// Applies every command that arrived. False once the page is gone (the channel closed).
    fn take_commands(&mut self) -> bool {
        loop {
            match self.commands.try_recv() {
                Ok(command) => self.apply(command),
                Err(e) if e.is_closed() => return false,
                Err(_) => return true,
            }
        }
    }

    fn apply(&mut self, command: Command) {
        let w = &mut self.wanted;
        match command {
            Command::Settings {
                settings,
                generation,
            } => {
                w.example = settings.example;
                w.settings = *settings;
                w.generation = generation;
            }
            Command::Run(on) => w.running = on,
            Command::StepOnce => w.single_step = true,
            Command::Device { prefer_cpu, reason } => {
                w.prefer_cpu = prefer_cpu;
                w.cpu_reason = reason;
            }
            Command::Show {
                example,
                input,
                text,
            } => {
                w.example = example;
                w.input = input;
                w.text = text;
            }
            Command::Request(r) => w.requests.push_back(r),
        }
    }

    /// The dataset the settings name, with its shipped teacher; the old session goes with the
    /// old data. A set that cannot be loaded puts the settings back, with the reason.
    async fn data(&mut self) -> Flow {
        let (kind, teacher) = (self.wanted.settings.dataset, self.wanted.settings.teacher);
        let m = &mut self.material;
        if m.failed.is_some_and(|f| f != (kind, teacher)) {
            m.failed = None;
        }
        if m.data.as_ref().is_some_and(|d| d.is(kind, teacher)) || m.failed.is_some() {
            return if m.data.is_some() {
                Flow::Next
            } else {
                Flow::Wait
            };
        }
        let loaded = match m.staged.take() {
            Some((d, t)) if d.is(kind, teacher) => Ok((d, t)),
            // Your data's teacher trains first; the stage waits for it.
            _ if kind == DatasetKind::Own => match self.own_from_browser().await {
                Ok(()) => return Flow::Wait,
                Err(e) => Err(e),
            },
            _ => requests::load_dataset(kind, teacher, &self.events).await,
        };
        self.run.session = None;
        self.remote.forget_run();
        self.run.rebuild = true;
        match loaded {
            Ok((d, shipped)) => self.data_ready(d, shipped),
            Err(e) => self.data_failed((kind, teacher), &e.to_string()),
        }
        if self.material.data.is_some() {
            Flow::Next
        } else {
            Flow::Wait
        }
    }

    fn data_ready(&mut self, data: Data, teacher: NetworkWeights) {
        let w = &self.wanted;
        if let Ok(l) = crate::app::session::preview(&w.settings, &teacher, &data, w.example, None) {
            self.emit(Action::Logits(l, None));
        }
        self.emit(Action::DataReady {
            data: data.clone(),
            teacher: (&teacher.architecture).into(),
        });
        self.material.teacher = teacher;
        self.material.own_teacher = false;
        self.material.teacher_made = None;
        self.material.data = Some(data);
    }

    /// Only a link can name a set that was never loaded: the page falls back to the one in use.
    fn data_failed(&mut self, (kind, teacher): (DatasetKind, ShippedTeacher), error: &str) {
        self.material.failed = Some((kind, teacher));
        let (back, back_teacher) = self
            .material
            .data
            .as_ref()
            .map_or((DatasetKind::Digits, ShippedTeacher::Scratch), |d| {
                (d.kind, d.teacher)
            });
        self.emit(Action::DataFailed {
            previous: Settings {
                dataset: back,
                teacher: back_teacher,
                omit_class: None,
                ..self.wanted.settings.clone()
            },
            error: format!(
                "Could not load {}: {error}. The page uses {} instead.",
                kind.title(),
                back.title()
            ),
        });
    }

    /// Retunes the running students to the settings (T, α, learning rate apply at once).
    fn retune(&mut self) {
        let Some(s) = self.run.session.as_mut() else {
            return;
        };
        if let Err(e) = s.retune(&self.wanted.settings) {
            self.emit(Action::Failed(e.to_string()));
        }
    }

    /// One turn of the runner over the students, in quanta of a few steps with a yield to
    /// input between them (the worker runs the same job for a CPU run). `Ok(stepped)`;
    /// `Err(reason)` when the WebGPU device failed.
    async fn train_chunk(&mut self) -> Result<bool, String> {
        if self.remote.training() {
            self.tell_worker();
            return Ok(false);
        }
        self.retune();
        let single = std::mem::take(&mut self.wanted.single_step);
        if !(self.wanted.running || single) {
            return Ok(false);
        }
        let on_gpu = self
            .engine
            .device
            .as_ref()
            .is_some_and(|(_, c)| c.kind == DeviceKind::WebGpu);
        let Some(s) = self.run.session.as_mut() else {
            return Ok(false);
        };
        // Train (or Resume) after a divergence: the students go on from their last good weights.
        if std::mem::take(&mut self.run.diverged) {
            s.resume();
        }
        // Steps per device read: on WebGPU every read is a GPU round trip.
        let per_read = if on_gpu {
            8
        } else {
            s.steps_per_read(&self.wanted.settings)
        };
        let between: crate::app::session::Between = std::rc::Rc::new(|| Box::pin(yield_to_input()));
        let mut lesson = Lesson::new(s, per_read, single, between);
        let turn = self.runner.turn(&mut lesson, &now_ms).await;
        let steps = s.steps_done();
        for p in turn.events {
            self.run.curves.push(p);
            self.events.dispatch(Action::Progress {
                steps,
                point: Some(p),
            });
        }
        match turn.ended {
            // Blown-up numbers are the run's, not the device's: never a fallback.
            Some(Ended::Diverged(message)) => {
                self.run.diverged = true;
                self.events.dispatch(Action::Diverged(message));
            }
            Some(Ended::Failed(message)) if on_gpu => return Err(message),
            Some(Ended::Failed(message)) => self.events.dispatch(Action::Failed(message)),
            Some(Ended::Done | Ended::Cancelled) | None => {}
        }
        Ok(true)
    }

    /// Keeps the run saved (in memory and in the browser) about once a second while training,
    /// and at once when paused, so a reload, a device switch or a lost GPU loses nothing.
    async fn save(&mut self) {
        // The worker's snapshots keep a run it trains saved.
        if self.remote.training() {
            return;
        }
        let Some(s) = &self.run.session else { return };
        let (steps, now) = (s.steps_done(), now_ms());
        let due = !self.wanted.running || now - self.run.saved_at.1 > pace::SAVE_MS;
        if self.run.saved_at.0 == steps || !due {
            return;
        }
        self.run.saved_at = (steps, now);
        match s.snapshot(&self.wanted.settings, &self.run.curves).await {
            Ok(run) => {
                if let Err(notice) = storage::save_run(&run)
                    && !std::mem::replace(&mut self.run.save_refused, true)
                {
                    self.emit(Action::Notice(notice));
                }
                self.run.last_saved = Some(run);
            }
            Err(e) => self.emit(Action::Failed(e.to_string())),
        }
    }

    /// The conv teacher's filters and maps of the image shown, when it changed (a forward pass
    /// through one block: well under a millisecond, so on the page's thread).
    fn first_block(&mut self) {
        let (w, m) = (&self.wanted, &self.material);
        let Some(data) = &m.data else { return };
        let teacher = m
            .teacher
            .tensors
            .values()
            .next()
            .map_or(0, |t| t.as_ptr() as usize);
        let key = (
            w.example,
            w.input.as_ref().map(|d| d.0),
            teacher,
            std::rc::Rc::as_ptr(&data.split) as usize,
        );
        if self.shown.first_block == Some(key) {
            return;
        }
        self.shown.first_block = Some(key);
        let input = w.input.as_ref().map(|d| d.1.as_slice());
        let block = crate::app::session::first_block(&m.teacher, data, w.example, input);
        self.emit(Action::FirstBlock(block));
    }

    /// The step counter, the bars of the example (or drawing) and the decision maps, refreshed
    /// when what they show changed, at most about 15 times a second while training.
    async fn views(&mut self, stepped: bool) {
        // The worker sends the views of a run it trains.
        if self.remote.training() {
            return;
        }
        let Some(s) = &self.run.session else { return };
        let w = &self.wanted;
        let due = !w.running || now_ms() - self.shown.at > pace::REPORT_MS;
        let drawing = w.input.as_ref().map(|d| d.0);
        let moved = stepped || self.shown.steps != s.steps_done();
        if self.shown.example == w.example && self.shown.drawing == drawing && !(due && moved) {
            return;
        }
        self.shown.drawing = drawing;
        self.shown.at = now_ms();
        // The counter too: the last chunk before a pause may not have shown its steps.
        self.events.dispatch(Action::Progress {
            steps: s.steps_done(),
            point: None,
        });
        let similarity = !w.running || now_ms() - self.shown.similarity_at >= pace::SIMILARITY_MS;
        if similarity {
            self.shown.similarity_at = now_ms();
        }
        let shown = crate::app::views::Shown {
            example: w.example,
            input: w.input.clone(),
            text: w.text.clone(),
            similarity,
        };
        match s.views(&shown, &w.settings).await {
            Ok(views) => {
                self.events
                    .dispatch(Action::Logits(views.logits, views.drawing));
                if let Some(g) = views.grid {
                    self.events.dispatch(Action::Grid(g));
                }
                if views.attention.is_some() {
                    self.events.dispatch(Action::Attention(views.attention));
                }
                if let Some(m) = views.similarity {
                    self.events.dispatch(Action::Similarity(m));
                }
            }
            Err(e) => self.events.dispatch(Action::Failed(e.to_string())),
        }
        self.shown.example = w.example;
        self.shown.steps = s.steps_done();
    }
}

/// A file of the page's own, for the labs that fetch their data.
async fn fetch_text(path: String) -> Result<Vec<u8>, String> {
    crate::web::files::fetch(&path)
        .await
        .map_err(|e| e.to_string())
}

/// Why a CPU-only build that wants WebGPU runs on the CPU for now.
const WEBGPU_LOADING: &str =
    "the WebGPU build of the page is still loading (the students move to it when it is ready)";
