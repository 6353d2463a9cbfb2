//! The page's one state and its reducer: every change a user makes goes through `Action`.
//!
//! The state is in slices, each changed only through `Rc::make_mut`, so a panel given one slice
//! re-renders only when that slice changes: the settings, the run (students, data, teacher), the
//! views (what is on show for the example), the labs, and the page around them.

mod page;
mod run;
mod views;

use std::rc::Rc;

use crate::app::views::{Compression, CurvePoint};
use crate::app::{Settings, TOUR, check};

pub use crate::app::data::Data;
use crate::app::views::ShownAttention;
pub use page::Page;
pub use run::{GPU_LOST, Run};
pub use views::Views;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppState {
    pub settings: Settings,
    pub run: Rc<Run>,
    pub views: Rc<Views>,
    /// The labs: every lab's state, the work under way, how the last work ended.
    pub labs: crate::app::labs::Labs,
    pub page: Rc<Page>,
}

impl AppState {
    /// Inputs and classes of the data in use (your own data's come with its file).
    pub fn data_shape(&self) -> (usize, usize) {
        self.run.data_shape(self.settings.dataset)
    }

    fn run_mut(&mut self) -> &mut Run {
        Rc::make_mut(&mut self.run)
    }

    fn views_mut(&mut self) -> &mut Views {
        Rc::make_mut(&mut self.views)
    }

    fn page_mut(&mut self) -> &mut Page {
        Rc::make_mut(&mut self.page)
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

/// What the page shows of a teacher: its hidden widths (the mapping editor's layers or blocks)
/// and its size.
#[derive(Clone, Debug, PartialEq)]
pub struct TeacherShape {
    pub hidden: Vec<usize>,
    pub params: usize,
}

impl From<&crate::engine::network::Architecture> for TeacherShape {
    fn from(a: &crate::engine::network::Architecture) -> Self {
        Self {
            hidden: a.hidden_widths(),
            params: a.declared_params() as usize,
        }
    }
}

#[derive(Debug, PartialEq)]
pub enum Action {
    /// Whole settings (the driver's: another dataset, a loaded student's shape). Rejected
    /// settings keep the old ones and show why.
    Edit(Settings),
    /// A user's edit of the settings as they are (what the controls send).
    Set(crate::app::settings::Edit),
    /// Something the user asked for cannot be done; the reason is shown, nothing changes.
    Refuse(String),
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
    /// The dataset is loaded, with its shipped teacher's shape.
    DataReady {
        data: Data,
        teacher: TeacherShape,
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
        teacher: TeacherShape,
    },
    Compression(Compression),
    /// The teacher's logits of every test example (for the dark-knowledge map), once a
    /// session has them.
    TeacherTest(Rc<Vec<f32>>),
    Draw(DrawAction),
    /// Go to a step of the guided tour (setting its controls), or end it.
    Tour(Option<usize>),
    /// Regularise (or not) the next teacher trained here.
    RegulariseTeacher(bool),
    /// A teacher assistant now teaches the students.
    AssistantLoaded {
        teacher_accuracy: f32,
        assistant_accuracy: f32,
        teacher: TeacherShape,
    },
    Projector(bool),
    /// Show a typed message (or go back to the test examples).
    Message(Option<String>),
    Attention(Option<ShownAttention>),
    /// The layer similarity, teacher layers × the distilled student's.
    Similarity(Vec<Vec<f32>>),
    /// The conv teacher's first block on the image shown (`None`: another teacher).
    FirstBlock(Option<crate::engine::network::FirstBlock>),
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
            Action::Edit(settings) => self.edit(settings),
            Action::Set(edit) => match edit.apply(&self.settings) {
                Ok(settings) => self.edit(settings),
                Err(reason) => self.with(|s| s.page_mut().error = Some(reason)),
            },
            Action::Refuse(reason) => self.with(|s| s.page_mut().error = Some(reason)),
            Action::DataFailed { previous, error } => {
                let back = self.edit(previous);
                back.with(|s| s.page_mut().error = Some(error))
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
                    let page = s.page_mut();
                    page.tour = Some(k);
                    page.place = place;
                })
            }
            // Strokes with no drawing open change nothing (and cost no render).
            Action::Draw(edit)
                if self.views.drawing.is_none()
                    && !matches!(edit, DrawAction::Start | DrawAction::Stop) =>
            {
                self
            }
            Action::Draw(edit) => self.with(|s| s.draw(edit)),
            other => self.with(|s| s.apply(other)),
        }
    }

    /// A copy changed by `f` (the slices it leaves alone are shared with `self`).
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
            return self.with(|s| s.page_mut().error = Some(e.to_string()));
        }
        self.clone().with(|next| {
            if settings.dataset != self.settings.dataset {
                next.forget_the_data();
            }
            if self.settings.needs_restart(&settings) {
                next.restart();
                if self.run.steps > 0 {
                    next.notify(
                        "That setting changes how the students learn: both students restarted from scratch.".into(),
                    );
                }
            }
            next.settings = settings;
            if next.page.error.is_some() {
                next.page_mut().error = None;
            }
        })
    }

    /// The actions that set fields, by the slice they are about.
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
            Action::DataReady { .. }
            | Action::Compression(_)
            | Action::Reading(_)
            | Action::TeacherTest(_) => self.material(action),
            Action::Logits(..)
            | Action::Grid(_)
            | Action::Probe(_)
            | Action::Message(_)
            | Action::Attention(_)
            | Action::Similarity(_)
            | Action::FirstBlock(_)
            | Action::SelectTeacherLayer(_) => self.view(action),
            Action::Lab(report) => self.labs.hear(report),
            other => self.page_action(other),
        }
    }
}
