//! The page's one state and its reducer: every change a user makes goes through `Action`.

use std::rc::Rc;

use crate::app::session::{Compression, CurvePoint};
use crate::app::{Drawing, Settings, TOUR, check};
use crate::engine::data::{DatasetKind, Split};

/// Every teacher the page ships is 6 layers deep (the layer-mapping editor is drawn for six).
pub const TEACHER_DEPTH: usize = 6;

/// The dataset the page shows, shared with the driver; compared by identity, since MNIST's
/// 20,000 images would make every re-render compare megabytes.
#[derive(Clone, Debug)]
pub struct Data {
    pub kind: DatasetKind,
    pub split: Rc<Split>,
}

impl PartialEq for Data {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && Rc::ptr_eq(&self.split, &other.split)
    }
}

/// The device badge's reason after a lost GPU (the notice has the details).
pub const GPU_LOST: &str = "WebGPU stopped working mid-run";

#[derive(Clone, Debug, PartialEq)]
pub struct AppState {
    pub settings: Settings,
    /// Bumped when the students must be rebuilt.
    pub generation: u64,
    pub running: bool,
    pub steps: usize,
    pub device: Option<(String, Option<String>)>,
    pub prefer_cpu: bool,
    /// Why the page moved to the CPU on its own (a lost GPU); `None` when the user chose.
    pub cpu_reason: Option<String>,
    /// Teacher, distilled and scratch logits of the selected example.
    pub logits: Option<Rc<[Vec<f32>; 3]>>,
    /// The `drawing_version` those logits were computed for (None: a test example). The page
    /// shows it so a reader (or a test) can tell bars that caught up with a drawing from old ones.
    pub logits_input: Option<u64>,
    /// The dataset in use, once loaded (MNIST is fetched).
    pub data: Option<Data>,
    /// Teacher, distilled and scratch logits over the decision-map grid (2-D sets).
    pub grid: Option<Rc<[Vec<f32>; 3]>>,
    /// A point of the plane clicked on a decision map, shown instead of a test example.
    pub probe: Option<[f32; 2]>,
    pub curves: Rc<Vec<CurvePoint>>,
    /// Messages for the user (ignored link fields, restarts).
    pub notices: Vec<String>,
    /// The last thing that went wrong; settings were kept.
    pub error: Option<String>,
    /// Training stopped because the numbers blew up: Train reads "Resume", which lets the
    /// students go on from their last good weights (after, say, a lower learning rate).
    pub diverged: bool,
    pub selected_teacher_layer: Option<usize>,
    /// Hidden widths of the teacher in use (the shipped one unless the user loaded another).
    pub teacher_hidden: Vec<usize>,
    /// Sizes and forward times of the teacher and the student.
    pub compression: Option<Compression>,
    /// Larger type for a projector.
    pub projector: bool,
    /// A hand-drawn digit shown instead of a test example; the version is bumped on every change
    /// of the drawing or the probe.
    pub drawing: Option<Drawing>,
    pub drawing_version: u64,
    /// The guided tour's current step.
    pub tour: Option<usize>,
    /// Steps done and total while a teacher trains in the page.
    pub teacher_training: Option<(usize, usize)>,
    /// With a teacher assistant: the original teacher's and the assistant's test accuracy.
    pub assistant: Option<(f32, f32)>,
}

impl Default for AppState {
    fn default() -> Self {
        Self {
            settings: Settings::default(),
            generation: 0,
            running: false,
            steps: 0,
            device: None,
            prefer_cpu: false,
            cpu_reason: None,
            logits: None,
            logits_input: None,
            data: None,
            grid: None,
            probe: None,
            curves: Rc::default(),
            notices: Vec::new(),
            error: None,
            diverged: false,
            selected_teacher_layer: None,
            teacher_hidden: vec![128; TEACHER_DEPTH],
            compression: None,
            projector: false,
            drawing: None,
            drawing_version: 0,
            tour: None,
            teacher_training: None,
            assistant: None,
        }
    }
}

/// Edits of the hand-drawn digit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DrawAction {
    Start,
    Stop,
    BeginStroke,
    Paint(usize),
    Clear,
    Undo,
}

/// A settings edit relative to the settings it is applied to, or why it is impossible.
pub type SettingsEdit = Rc<dyn Fn(&Settings) -> Result<Settings, String>>;

pub enum Action {
    /// Any settings edit. Rejected edits keep the old settings and show why.
    Edit(Settings),
    /// An edit of the current settings (what panels send: they may not have seen the latest).
    Update(SettingsEdit),
    /// A change that only makes sense with a reason shown if refused (mapping toggles).
    EditOr(Result<Settings, String>),
    Play,
    Pause,
    Reset,
    PreferCpu(bool),
    DeviceReady(String, Option<String>),
    Progress {
        steps: usize,
        point: Option<CurvePoint>,
    },
    /// Logits, with the drawing or probe version they belong to (None: a test example).
    Logits([Vec<f32>; 3], Option<u64>),
    /// The dataset is loaded, with its shipped teacher's hidden widths.
    DataReady {
        data: Data,
        teacher_hidden: Vec<usize>,
    },
    /// A dataset could not be loaded: the settings go back to `previous`.
    DataFailed {
        previous: Settings,
        error: String,
    },
    Grid([Vec<f32>; 3]),
    /// Show the soft targets at a point of the plane (or go back to test examples).
    Probe(Option<[f32; 2]>),
    /// A saved run was picked up (after a reload or a device switch).
    Restored {
        steps: usize,
        curves: Vec<CurvePoint>,
    },
    /// WebGPU failed mid-run; training continues on the CPU from the last save.
    DeviceLost(String),
    /// The CPU is kept for a reason other than the user's choice (the CPU-only build, or a
    /// refused switch); WebGPU stays on offer.
    KeepCpu(String),
    /// Another teacher was loaded: both students start again under it.
    TeacherLoaded {
        name: String,
        hidden: Vec<usize>,
    },
    Compression(Compression),
    Draw(DrawAction),
    /// Go to a step of the guided tour (setting its controls), or end it.
    Tour(Option<usize>),
    TeacherProgress(Option<(usize, usize)>),
    /// A teacher assistant now teaches the students.
    AssistantLoaded {
        teacher_accuracy: f32,
        assistant_accuracy: f32,
        hidden: Vec<usize>,
    },
    Projector(bool),
    Notice(String),
    Failed(String),
    /// Training diverged (the message says at which step and what blew up).
    Diverged(String),
    DismissNotices,
    SelectTeacherLayer(Option<usize>),
}

impl AppState {
    /// The only place the page's state changes. Returns `self` unchanged (the same `Rc`) when
    /// nothing changed, so Yew skips the re-render.
    pub fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Edit(settings) => {
                if settings == self.settings {
                    return self;
                }
                match check(&settings, TEACHER_DEPTH) {
                    Ok(()) => {
                        if settings.dataset != self.settings.dataset {
                            // What was on show belongs to the old data.
                            next.data = None;
                            next.grid = None;
                            next.logits = None;
                            next.probe = None;
                            next.drawing = None;
                            next.drawing_version += 1;
                            next.assistant = None;
                            next.compression = None;
                        }
                        if self.settings.needs_restart(&settings) {
                            next.restart();
                            if self.steps > 0 {
                                next.notices.push(
                                    "That setting changes how the students learn: both students restarted from scratch.".into(),
                                );
                            }
                        }
                        next.settings = settings;
                        next.error = None;
                    }
                    Err(e) => next.error = Some(e.to_string()),
                }
            }
            Action::EditOr(Ok(settings)) => return self.reduce(Action::Edit(settings)),
            Action::Update(f) => {
                return match f(&self.settings) {
                    Ok(settings) => self.reduce(Action::Edit(settings)),
                    Err(reason) => self.reduce(Action::EditOr(Err(reason))),
                };
            }
            Action::EditOr(Err(reason)) => next.error = Some(reason),
            Action::Play => {
                next.running = true;
                if self.diverged {
                    next.diverged = false;
                    next.error = None;
                }
            }
            Action::Pause => next.running = false,
            Action::Reset => next.restart(),
            // The students move to the other device (the driver carries them over).
            Action::PreferCpu(cpu) => {
                next.prefer_cpu = cpu;
                next.cpu_reason = None;
            }
            Action::DeviceReady(label, reason) => next.device = Some((label, reason)),
            Action::Progress { steps, point } => {
                next.steps = steps;
                if let Some(p) = point {
                    let mut curves = (*self.curves).clone();
                    curves.push(p);
                    next.curves = Rc::new(curves);
                }
            }
            Action::Logits(l, input) => {
                next.logits = Some(Rc::new(l));
                next.logits_input = input;
            }
            Action::DataReady {
                data,
                teacher_hidden,
            } => {
                next.data = Some(data);
                next.teacher_hidden = teacher_hidden;
                next.notices.retain(|n| !n.starts_with("Loading "));
            }
            Action::DataFailed { previous, error } => {
                let mut back = (*Rc::new(next).reduce(Action::Edit(previous))).clone();
                back.error = Some(error);
                return Rc::new(back);
            }
            Action::Grid(g) => next.grid = Some(Rc::new(g)),
            Action::Probe(p) => {
                next.probe = p;
                next.drawing = None;
                next.drawing_version += 1;
            }
            Action::Restored { steps, curves } => {
                next.steps = steps;
                next.curves = Rc::new(curves);
                // Untrained students moving to another device are not news.
                if steps > 0 {
                    next.notices.push(format!(
                        "Picked up the students where they were: step {steps}."
                    ));
                }
            }
            Action::KeepCpu(reason) => {
                next.prefer_cpu = true;
                next.cpu_reason = Some(reason);
            }
            Action::DeviceLost(reason) => {
                next.prefer_cpu = true;
                next.notices.push(reason);
                next.cpu_reason = Some(GPU_LOST.into());
            }
            Action::Notice(text) => next.notices.push(text),
            Action::Compression(c) => next.compression = Some(c),
            Action::Tour(None) => next.tour = None,
            Action::TeacherProgress(p) => next.teacher_training = p,
            Action::AssistantLoaded {
                teacher_accuracy,
                assistant_accuracy,
                hidden,
            } => {
                next.restart();
                next.teacher_hidden = hidden;
                next.assistant = Some((teacher_accuracy, assistant_accuracy));
                next.notices.push(format!(
                    "A teacher assistant ({}×{}) learned from the teacher: {:.1} % vs the teacher's {:.1} %. Both students now learn from the assistant.",
                    next.teacher_hidden.first().copied().unwrap_or(0),
                    next.teacher_hidden.len(),
                    assistant_accuracy * 100.0,
                    teacher_accuracy * 100.0
                ));
            }
            Action::Tour(Some(k)) => {
                let Some(step) = TOUR.get(k) else {
                    return self;
                };
                let settings = (step.apply)(&self.settings);
                let mut moved = (*Rc::new(next).reduce(Action::Edit(settings))).clone();
                moved.tour = Some(k);
                return Rc::new(moved);
            }
            Action::Draw(DrawAction::Start) => {
                let Some(side) = self.settings.dataset.image_side() else {
                    return self;
                };
                next.drawing = Some(Drawing::new(side));
                next.probe = None;
                next.drawing_version += 1;
            }
            Action::Draw(DrawAction::Stop) => next.drawing = None,
            Action::Draw(edit) => {
                let Some(d) = next.drawing.as_mut() else {
                    return self;
                };
                match edit {
                    DrawAction::BeginStroke => d.begin_stroke(),
                    DrawAction::Paint(cell) => d.paint(cell),
                    DrawAction::Clear => d.clear(),
                    DrawAction::Undo => {
                        d.undo();
                    }
                    DrawAction::Start | DrawAction::Stop => {}
                }
                next.drawing_version += 1;
            }
            Action::Projector(on) => next.projector = on,
            Action::TeacherLoaded { name, hidden } => {
                next.restart();
                next.assistant = None;
                next.teacher_hidden = hidden;
                next.error = None;
                next.notices.push(format!(
                    "Loaded the teacher {name}; both students start again under it."
                ));
            }
            Action::Failed(e) => {
                next.notices.retain(|n| !n.starts_with("Loading "));
                next.error = Some(e);
                next.running = false;
            }
            Action::Diverged(message) => {
                next.running = false;
                next.diverged = true;
                next.error = Some(message);
            }
            Action::DismissNotices => {
                next.notices.clear();
                next.error = None;
            }
            Action::SelectTeacherLayer(l) => next.selected_teacher_layer = l,
        }
        Rc::new(next)
    }

    fn restart(&mut self) {
        self.generation += 1;
        self.diverged = false;
        self.steps = 0;
        self.curves = Rc::new(Vec::new());
        self.running = false;
    }
}
