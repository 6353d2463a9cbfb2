//! The page's one state and its reducer: every change a user makes goes through `Action`.

use std::rc::Rc;

use yew::prelude::*;

use super::session::CurvePoint;
use crate::playground::{Settings, check};

/// The teacher the page ships is 6 layers deep.
pub const TEACHER_DEPTH: usize = 6;

#[derive(Clone, Debug, PartialEq, Default)]
pub struct AppState {
    pub settings: Settings,
    /// Bumped when the students must be rebuilt.
    pub generation: u64,
    pub running: bool,
    pub steps: usize,
    pub device: Option<(String, Option<String>)>,
    pub prefer_cpu: bool,
    /// Teacher, distilled and scratch logits of the selected example.
    pub logits: Option<Rc<[Vec<f32>; 3]>>,
    pub curves: Rc<Vec<CurvePoint>>,
    /// Messages for the user (ignored link fields, restarts).
    pub notices: Vec<String>,
    /// The last thing that went wrong; settings were kept.
    pub error: Option<String>,
    pub selected_teacher_layer: Option<usize>,
}

pub enum Action {
    /// Any settings edit. Rejected edits keep the old settings and show why.
    Edit(Settings),
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
    Logits([Vec<f32>; 3]),
    Failed(String),
    DismissNotices,
    SelectTeacherLayer(Option<usize>),
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Edit(settings) => {
                if settings == self.settings {
                    return self;
                }
                match check(&settings, TEACHER_DEPTH) {
                    Ok(()) => {
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
            Action::EditOr(Err(reason)) => next.error = Some(reason),
            Action::Play => next.running = true,
            Action::Pause => next.running = false,
            Action::Reset => next.restart(),
            Action::PreferCpu(cpu) => {
                next.prefer_cpu = cpu;
                next.restart();
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
            Action::Logits(l) => next.logits = Some(Rc::new(l)),
            Action::Failed(e) => {
                next.error = Some(e);
                next.running = false;
            }
            Action::DismissNotices => {
                next.notices.clear();
                next.error = None;
            }
            Action::SelectTeacherLayer(l) => next.selected_teacher_layer = l,
        }
        Rc::new(next)
    }
}

impl AppState {
    fn restart(&mut self) {
        self.generation += 1;
        self.steps = 0;
        self.curves = Rc::new(Vec::new());
        self.running = false;
    }
}
