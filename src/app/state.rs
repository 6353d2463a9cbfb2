//! The page's one state and its reducer: every change a user makes goes through `Action`.

use std::rc::Rc;

use crate::app::views::{Compression, CurvePoint};
use crate::app::{Drawing, Settings, TOUR, check};
use std::collections::BTreeMap;

pub use crate::app::data::Data;
use crate::app::views::ShownAttention;
use crate::engine::catalog::DatasetKind;
use crate::engine::network::NetKind;

/// The device badge's reason after a lost GPU (the notice has the details).
pub const GPU_LOST: &str = "WebGPU stopped working mid-run";

impl AppState {
    /// Inputs and classes of the data in use (your own data's come with its file).
    pub fn data_shape(&self) -> (usize, usize) {
        match &self.data {
            Some(d) => (d.split.train.dim, d.split.train.classes),
            None => (
                self.settings.dataset.inputs(),
                self.settings.dataset.classes(),
            ),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct AppState {
    pub settings: Settings,
    /// Bumped when the students must be rebuilt.
    pub generation: u64,
    pub running: bool,
    pub steps: usize,
    pub device: Option<(String, Option<String>)>,
    /// The students train in a background worker (on the CPU), not in the page itself.
    pub in_worker: bool,
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
    /// Whether a teacher trained here is regularised as Hinton et al.'s was (dropout, jitter).
    pub regularise_teacher: bool,
    /// With a teacher assistant: the original teacher's and the assistant's test accuracy.
    pub assistant: Option<(f32, f32)>,
    /// A typed message shown instead of a test example (text); its version is `drawing_version`.
    pub message: Option<String>,
    /// The attention of the teacher and the distilled student on the message or example shown.
    pub attention: Option<Rc<ShownAttention>>,
    /// Linear CKA of each teacher layer (rows) with each layer of the distilled student.
    pub similarity: Option<Rc<Vec<Vec<f32>>>>,
    /// A student that came in the page's link, for the driver to load first.
    pub link_student: Option<crate::app::labs::Shared<crate::engine::weights::NetworkWeights>>,
    /// The last "link with student" made, or why it could not be.
    pub student_link: Option<Result<String, String>>,
    /// Sentences read and to read while a text teacher reads the transfer set.
    pub reading: Option<(usize, usize)>,
    /// The distilled student's latest test accuracy per text kind (the compression table's
    /// "accuracy kept" of each kind trained in this visit).
    pub kind_accuracy: Rc<BTreeMap<NetKind, f32>>,
    /// The method labs (early exits, module replacing, an ensemble of teachers).
    pub labs: crate::app::labs::Labs,
    /// Where the visitor is: the playground, the index of labs, a lab, or the tools.
    pub place: crate::app::place::Place,
}

impl Default for AppState {
    fn default() -> Self {
        Self {
            settings: Settings::default(),
            generation: 0,
            running: false,
            steps: 0,
            device: None,
            in_worker: false,
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
            teacher_hidden: vec![128; crate::app::teacher_depth(DatasetKind::Digits)],
            compression: None,
            projector: false,
            drawing: None,
            drawing_version: 0,
            tour: None,
            regularise_teacher: false,
            assistant: None,
            message: None,
            attention: None,
            similarity: None,
            link_student: None,
            student_link: None,
            reading: None,
            kind_accuracy: Rc::default(),
            labs: Default::default(),
            place: Default::default(),
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
    /// Where the students train now: a background worker (`true`) or the page.
    InWorker(bool),
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
    /// Regularise (or not) the next teacher trained here.
    RegulariseTeacher(bool),
    /// A teacher assistant now teaches the students.
    AssistantLoaded {
        teacher_accuracy: f32,
        assistant_accuracy: f32,
        hidden: Vec<usize>,
    },
    Projector(bool),
    /// Show a typed message (or go back to the test examples).
    Message(Option<String>),
    Attention(Option<ShownAttention>),
    /// The layer similarity, teacher layers × the distilled student's.
    Similarity(Vec<Vec<f32>>),
    /// A link with the student in it, or why there is none.
    StudentLink(Result<String, String>),
    Reading(Option<(usize, usize)>),
    Notice(String),
    Failed(String),
    /// Training diverged (the message says at which step and what blew up).
    Diverged(String),
    DismissNotices,
    SelectTeacherLayer(Option<usize>),
    /// Go to another place of the page.
    Go(crate::app::place::Place),
    /// Lab work reported (progress, results, its end), or the page's own edit of a lab (a
    /// slider of its view), as a report of an event.
    Lab(crate::app::labs::LabReport<crate::app::labs::LabEvent>),
}

impl AppState {
    /// The only place the page's state changes. Returns `self` unchanged (the same `Rc`) when
    /// nothing changed, so Yew skips the re-render.
    pub fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        match action {
            Action::Edit(settings) | Action::EditOr(Ok(settings)) => self.edit(settings),
            Action::Update(f) => match f(&self.settings) {
                Ok(settings) => self.edit(settings),
                Err(reason) => self.with(|s| s.error = Some(reason)),
            },
            Action::EditOr(Err(reason)) => self.with(|s| s.error = Some(reason)),
            Action::DataFailed { previous, error } => {
                let back = self.edit(previous);
                back.with(|s| s.error = Some(error))
            }
            Action::Tour(Some(k)) => {
                let Some(step) = TOUR.get(k) else {
                    return self;
                };
                let settings = (step.apply)(&self.settings);
                // The files are among the tools; every other step is on the playground.
                let place = match step.panel {
                    "files" => crate::app::place::Place::Tools,
                    _ => crate::app::place::Place::Playground,
                };
                self.edit(settings).with(|s| {
                    s.tour = Some(k);
                    s.place = place;
                })
            }
            Action::Draw(edit) => self.draw(edit),
            other => self.with(|s| s.apply(other)),
        }
    }

    /// A copy changed by `f`.
    fn with(self: Rc<Self>, f: impl FnOnce(&mut AppState)) -> Rc<Self> {
        let mut next = (*self).clone();
        f(&mut next);
        Rc::new(next)
    }

    /// A settings edit: checked (a rejected one keeps the settings and says why); a new dataset
    /// clears what belonged to the old one; a change of how the students learn restarts them.
    fn edit(self: Rc<Self>, settings: Settings) -> Rc<Self> {
        if settings == self.settings {
            return self;
        }
        if let Err(e) = check(&settings) {
            return self.with(|s| s.error = Some(e.to_string()));
        }
        self.clone().with(|next| {
            if settings.dataset != self.settings.dataset {
                next.forget_the_data();
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
        })
    }

    /// What was on show belongs to the old data.
    fn forget_the_data(&mut self) {
        self.data = None;
        self.grid = None;
        self.logits = None;
        self.probe = None;
        self.drawing = None;
        self.drawing_version += 1;
        self.assistant = None;
        self.compression = None;
        self.message = None;
        self.attention = None;
        self.similarity = None;
        self.labs = self.labs.after_new_teacher();
    }

    /// Edits of the hand-drawn digit (only where the dataset has images to draw).
    fn draw(self: Rc<Self>, edit: DrawAction) -> Rc<Self> {
        match edit {
            DrawAction::Start => {
                let Some(side) = self.settings.dataset.image_side() else {
                    return self;
                };
                self.with(|s| {
                    s.drawing = Some(Drawing::new(side));
                    s.probe = None;
                    s.drawing_version += 1;
                })
            }
            DrawAction::Stop => self.with(|s| s.drawing = None),
            _ if self.drawing.is_none() => self,
            edit => self.with(|s| {
                if let Some(d) = s.drawing.as_mut() {
                    match edit {
                        DrawAction::BeginStroke => d.begin_stroke(),
                        DrawAction::Paint(cell) => d.paint(cell),
                        DrawAction::Clear => d.clear(),
                        DrawAction::Undo => {
                            d.undo();
                        }
                        DrawAction::Start | DrawAction::Stop => {}
                    }
                }
                s.drawing_version += 1;
            }),
        }
    }

    /// The actions that set fields, grouped by what they are about.
    fn apply(&mut self, action: Action) {
        match action {
            Action::Play
            | Action::Pause
            | Action::Reset
            | Action::Progress { .. }
            | Action::Restored { .. }
            | Action::Diverged(_) => self.training(action),
            Action::PreferCpu(_)
            | Action::DeviceReady(..)
            | Action::InWorker(_)
            | Action::KeepCpu(_)
            | Action::DeviceLost(_) => self.device(action),
            Action::TeacherLoaded { .. }
            | Action::AssistantLoaded { .. }
            | Action::RegulariseTeacher(_) => self.teacher(action),
            Action::Lab(report) => self.labs.hear(report),
            other => self.view(other),
        }
    }

    fn training(&mut self, action: Action) {
        match action {
            Action::Play => {
                self.running = true;
                if self.diverged {
                    self.diverged = false;
                    self.error = None;
                }
            }
            Action::Pause => self.running = false,
            Action::Reset => self.restart(),
            Action::Progress { steps, point } => {
                self.steps = steps;
                if let Some(p) = point {
                    if self.settings.dataset.is_text() {
                        let mut kept = (*self.kind_accuracy).clone();
                        kept.insert(self.settings.student_kind, p.test_accuracy);
                        self.kind_accuracy = Rc::new(kept);
                    }
                    let mut curves = (*self.curves).clone();
                    curves.push(p);
                    self.curves = Rc::new(curves);
                }
            }
            Action::Restored { steps, curves } => {
                self.steps = steps;
                self.curves = Rc::new(curves);
                // Untrained students moving to another device are not news.
                if steps > 0 {
                    self.notices.push(format!(
                        "Picked up the students where they were: step {steps}."
                    ));
                }
            }
            Action::Diverged(message) => {
                self.running = false;
                self.diverged = true;
                self.error = Some(message);
            }
            _ => {}
        }
    }

    /// The students move to the other device (the driver carries them over).
    fn device(&mut self, action: Action) {
        match action {
            Action::PreferCpu(cpu) => {
                self.prefer_cpu = cpu;
                self.cpu_reason = None;
            }
            Action::DeviceReady(label, reason) => self.device = Some((label, reason)),
            Action::InWorker(on) => self.in_worker = on,
            Action::KeepCpu(reason) => {
                self.prefer_cpu = true;
                self.cpu_reason = Some(reason);
            }
            Action::DeviceLost(reason) => {
                self.prefer_cpu = true;
                self.notices.push(reason);
                self.cpu_reason = Some(GPU_LOST.into());
            }
            _ => {}
        }
    }

    fn teacher(&mut self, action: Action) {
        match action {
            Action::TeacherLoaded { name, hidden } => {
                self.restart();
                // Exits and ensembles were built on the old teacher.
                self.labs = self.labs.after_new_teacher();
                self.assistant = None;
                self.teacher_hidden = hidden;
                self.error = None;
                self.notices.push(format!(
                    "Loaded the teacher {name}; both students start again under it."
                ));
            }
            Action::AssistantLoaded {
                teacher_accuracy,
                assistant_accuracy,
                hidden,
            } => {
                self.restart();
                self.labs = self.labs.after_new_teacher();
                self.teacher_hidden = hidden;
                self.assistant = Some((teacher_accuracy, assistant_accuracy));
                self.notices.push(format!(
                    "A teacher assistant ({}×{}) learned from the teacher: {:.1} % vs the teacher's {:.1} %. Both students now learn from the assistant.",
                    self.teacher_hidden.first().copied().unwrap_or(0),
                    self.teacher_hidden.len(),
                    assistant_accuracy * 100.0,
                    teacher_accuracy * 100.0
                ));
            }
            Action::RegulariseTeacher(on) => self.regularise_teacher = on,
            _ => {}
        }
    }

    /// What is on show, notices and errors.
    fn view(&mut self, action: Action) {
        match action {
            Action::Logits(l, input) => {
                self.logits = Some(Rc::new(l));
                self.logits_input = input;
            }
            Action::DataReady {
                data,
                teacher_hidden,
            } => {
                self.data = Some(data);
                self.teacher_hidden = teacher_hidden;
                self.notices.retain(|n| !n.starts_with("Loading "));
            }
            Action::Grid(g) => self.grid = Some(Rc::new(g)),
            Action::Probe(p) => {
                self.probe = p;
                self.drawing = None;
                self.drawing_version += 1;
            }
            Action::Notice(text) => self.notices.push(text),
            Action::Compression(c) => self.compression = Some(c),
            Action::Tour(None) => self.tour = None,
            Action::Projector(on) => self.projector = on,
            Action::Failed(e) => {
                self.notices.retain(|n| !n.starts_with("Loading "));
                self.error = Some(e);
                self.running = false;
            }
            Action::DismissNotices => {
                self.notices.clear();
                self.error = None;
            }
            Action::SelectTeacherLayer(l) => self.selected_teacher_layer = l,
            Action::Go(place) => self.place = place,
            Action::Message(text) => {
                self.message = text;
                self.drawing = None;
                self.probe = None;
                self.drawing_version += 1;
            }
            Action::Attention(a) => self.attention = a.map(Rc::new),
            Action::Similarity(m) => self.similarity = Some(Rc::new(m)),
            Action::StudentLink(link) => self.student_link = Some(link),
            Action::Reading(r) => self.reading = r,
            _ => {}
        }
    }

    fn restart(&mut self) {
        self.generation += 1;
        self.diverged = false;
        self.steps = 0;
        self.curves = Rc::new(Vec::new());
        self.running = false;
        self.similarity = None;
    }
}
