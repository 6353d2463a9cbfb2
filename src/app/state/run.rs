//! The run slice: the students (their generation, steps and curves), where they train, the data
//! and the teacher they learn from. Changes about 15 times a second while training.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::{Action, AppState, TeacherShape};
use crate::app::data::Data;
use crate::app::views::{Compression, CurvePoint};
use crate::engine::catalog::DatasetKind;
use crate::engine::network::NetKind;
use crate::engine::weights::NetworkWeights;

/// The device badge's reason after a lost GPU (the notice has the details).
pub const GPU_LOST: &str = "WebGPU stopped working mid-run";

#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    /// Bumped when the students must be rebuilt.
    pub generation: u64,
    pub running: bool,
    pub steps: usize,
    pub curves: Rc<Vec<CurvePoint>>,
    /// Training stopped because the numbers blew up: Train reads "Resume", which lets the
    /// students go on from their last good weights (after, say, a lower learning rate).
    pub diverged: bool,
    pub device: Option<(String, Option<String>)>,
    /// The students train in a background worker (on the CPU), not in the page itself.
    pub in_worker: bool,
    pub prefer_cpu: bool,
    /// Why the page moved to the CPU on its own (a lost GPU); `None` when the user chose.
    pub cpu_reason: Option<String>,
    /// The dataset in use, once loaded (MNIST is fetched).
    pub data: Option<Data>,
    /// Hidden widths of the teacher in use (the shipped one unless the user loaded another).
    pub teacher_hidden: Vec<usize>,
    /// Its parameters (0 until a set is loaded).
    pub teacher_params: usize,
    /// Whether a teacher trained here is regularised as Hinton et al.'s was (dropout, jitter).
    pub regularise_teacher: bool,
    /// With a teacher assistant: the original teacher's and the assistant's test accuracy.
    pub assistant: Option<(f32, f32)>,
    /// Sizes and forward times of the teacher and the student.
    pub compression: Option<Compression>,
    /// Sentences read and to read while a text teacher reads the transfer set.
    pub reading: Option<(usize, usize)>,
    /// The teacher's logits of the test examples, `classes` each (from the session).
    pub teacher_test: Option<Rc<Vec<f32>>>,
    /// The distilled student's latest test accuracy per text kind (the compression table's
    /// "accuracy kept" of each kind trained in this visit).
    pub kind_accuracy: Rc<BTreeMap<NetKind, f32>>,
    /// A student that came in the page's link, for the driver to load first.
    pub link_student: Option<crate::app::labs::Shared<NetworkWeights>>,
}

impl Default for Run {
    fn default() -> Self {
        Self {
            generation: 0,
            running: false,
            steps: 0,
            curves: Rc::default(),
            diverged: false,
            device: None,
            in_worker: false,
            prefer_cpu: false,
            cpu_reason: None,
            data: None,
            teacher_hidden: vec![128; crate::app::teacher_depth(DatasetKind::Digits)],
            teacher_params: 0,
            regularise_teacher: false,
            assistant: None,
            compression: None,
            reading: None,
            teacher_test: None,
            kind_accuracy: Rc::default(),
            link_student: None,
        }
    }
}

impl Run {
    /// Inputs and classes of the data in use (your own data's come with its file).
    pub fn data_shape(&self, dataset: DatasetKind) -> (usize, usize) {
        match &self.data {
            Some(d) => (d.split.train.dim, d.split.train.classes),
            None => (dataset.inputs(), dataset.classes()),
        }
    }

    /// Both students from scratch, stopped.
    pub(super) fn restart(&mut self) {
        self.generation += 1;
        self.diverged = false;
        self.steps = 0;
        self.curves = Rc::new(Vec::new());
        self.running = false;
    }
}

impl AppState {
    pub(super) fn restart(&mut self) {
        self.run_mut().restart();
        self.views_mut().similarity = None;
    }

    pub(super) fn training(&mut self, action: Action) {
        let text_kind = self
            .settings
            .dataset
            .is_text()
            .then_some(self.settings.student_kind);
        match action {
            Action::Play => {
                self.run_mut().running = true;
                if self.run.diverged {
                    self.run_mut().diverged = false;
                    self.page_mut().error = None;
                }
            }
            Action::Pause => self.run_mut().running = false,
            Action::Reset => self.restart(),
            Action::Progress { steps, point } => {
                let run = self.run_mut();
                run.steps = steps;
                if let Some(p) = point {
                    if let Some(kind) = text_kind {
                        Rc::make_mut(&mut run.kind_accuracy).insert(kind, p.test_accuracy);
                    }
                    Rc::make_mut(&mut run.curves).push(p);
                }
            }
            Action::Restored { steps, curves } => {
                let run = self.run_mut();
                run.steps = steps;
                run.curves = Rc::new(curves);
                // Untrained students moving to another device are not news.
                if steps > 0 {
                    self.notify(format!(
                        "Picked up the students where they were: step {steps}."
                    ));
                }
            }
            Action::Diverged(message) => {
                let run = self.run_mut();
                run.running = false;
                run.diverged = true;
                self.page_mut().error = Some(message);
            }
            _ => {}
        }
    }

    /// The students move to the other device (the driver carries them over).
    pub(super) fn device(&mut self, action: Action) {
        let run = self.run_mut();
        match action {
            Action::PreferCpu(cpu) => {
                run.prefer_cpu = cpu;
                run.cpu_reason = None;
            }
            Action::DeviceReady(label, reason) => run.device = Some((label, reason)),
            Action::InWorker(on) => run.in_worker = on,
            Action::KeepCpu(reason) => {
                run.prefer_cpu = true;
                run.cpu_reason = Some(reason);
            }
            Action::DeviceLost(reason) => {
                run.prefer_cpu = true;
                run.cpu_reason = Some(GPU_LOST.into());
                self.notify(reason);
            }
            _ => {}
        }
    }

    pub(super) fn teacher(&mut self, action: Action) {
        match action {
            Action::TeacherLoaded { name, teacher } => {
                self.new_teacher(teacher, None);
                self.page_mut().error = None;
                self.notify(format!(
                    "Loaded the teacher {name}; both students start again under it."
                ));
            }
            Action::AssistantLoaded {
                teacher_accuracy,
                assistant_accuracy,
                teacher,
            } => {
                let shape = (
                    teacher.hidden.first().copied().unwrap_or(0),
                    teacher.hidden.len(),
                );
                self.new_teacher(teacher, Some((teacher_accuracy, assistant_accuracy)));
                self.notify(format!(
                    "A teacher assistant ({}×{}) learned from the teacher: {:.1} % vs the teacher's {:.1} %. Both students now learn from the assistant.",
                    shape.0,
                    shape.1,
                    assistant_accuracy * 100.0,
                    teacher_accuracy * 100.0
                ));
            }
            Action::RegulariseTeacher(on) => self.run_mut().regularise_teacher = on,
            _ => {}
        }
    }

    /// What the students learn from and how they measure: the data, the sizes, the reading.
    pub(super) fn material(&mut self, action: Action) {
        match action {
            Action::DataReady { data, teacher } => {
                // A text set opens on a short sentence (one chosen in a link stays).
                if self.settings.example == 0 {
                    self.settings.example = data.text.as_ref().map_or(0, |t| t.opening);
                }
                let run = self.run_mut();
                run.data = Some(data);
                run.teacher_hidden = teacher.hidden;
                run.teacher_params = teacher.params;
                run.teacher_test = None;
                self.page_mut().loaded();
            }
            Action::Compression(c) => self.run_mut().compression = Some(c),
            Action::Reading(r) => self.run_mut().reading = r,
            Action::TeacherTest(t) => self.run_mut().teacher_test = Some(t),
            _ => {}
        }
    }

    /// Another teacher teaches: the students restart, and the labs built on the old one
    /// (exits, ensembles) forget it.
    fn new_teacher(&mut self, teacher: TeacherShape, assistant: Option<(f32, f32)>) {
        self.restart();
        self.labs = self.labs.after_new_teacher();
        let run = self.run_mut();
        run.teacher_hidden = teacher.hidden;
        run.teacher_params = teacher.params;
        run.assistant = assistant;
    }
}
