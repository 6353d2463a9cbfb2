//! An ensemble of teachers (MT-DNN): the page's teacher and teachers trained here with other
//! seeds, their weights (live while a student learns from them), and a student distilled from
//! their weighted soft targets. Engine: `engine::network::ensemble`.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::plugin::{Lab, LabContext, Started};
use crate::app::PageTraining;
use crate::app::jobs::{Ended, Flow, Job, Progress, StepFuture, ready};
use crate::app::page_training::TrainingJob;
use crate::engine::data::{Dataset, TransferConfig, TransferSet};
use crate::engine::loss::host;
use crate::engine::network::{Ensemble as Teachers, Network};
use crate::engine::schedule::Schedule;
use crate::engine::train::{DistillSettings, Trainer, accuracy, logits_host};
use crate::engine::weights::NetworkWeights;

/// At most this many teachers in the page (each trains for a few seconds).
pub const MAX_TEACHERS: usize = 4;

pub struct Ensemble;

#[derive(Clone, Debug, PartialEq)]
pub struct EnsembleLab {
    /// The student has the teachers' shape (MT-DNN's setting, where the claim is made), not the
    /// page's smaller student.
    pub teacher_sized: bool,
    pub teachers: Vec<Member>,
    /// One per teacher, as the sliders set them (not normalised).
    pub weights: Vec<f32>,
    /// Every teacher's test logits (host, `[examples × classes]` each), so the ensemble's
    /// accuracy follows the sliders without running anything.
    pub test_logits: Option<super::Shared<Vec<Vec<f32>>>>,
    /// The student distilled from the ensemble, once trained.
    pub student_accuracy: Option<f32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub name: String,
    pub accuracy: f32,
}

impl Default for EnsembleLab {
    fn default() -> Self {
        Self {
            teacher_sized: true,
            teachers: Vec::new(),
            weights: Vec::new(),
            test_logits: None,
            student_accuracy: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum EnsembleRequest {
    /// Another teacher of the page teacher's shape, trained here with the next seed.
    AddTeacher,
    /// A student distilled from the ensemble: of the teachers' shape, or the page's student's.
    Distil { teacher_sized: bool },
    /// The weights as the sliders set them (a student learning from the ensemble takes them at
    /// its next step).
    Weights(Vec<f32>),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum EnsembleEvent {
    TeacherSized(bool),
    /// The teachers as they now are, with their test logits (a teacher was added).
    Members(Vec<Member>, Vec<Vec<f32>>),
    Weight(usize, f32),
    StudentDone(Option<f32>),
}

/// The teachers trained here with their seeds, and the weights the sliders set.
#[derive(Default)]
pub struct EnsembleMemory {
    members: Vec<(NetworkWeights, u64)>,
    weights: Vec<f32>,
}

impl EnsembleMemory {
    /// The weights for `members` teachers (1 for any the sliders have not set).
    fn weights(&self, members: usize) -> Vec<f32> {
        let mut w = self.weights.clone();
        w.resize(members, 1.0);
        w
    }
}

impl Lab for Ensemble {
    const ID: &'static str = "ensemble";
    const TITLE: &'static str = "Several teachers";
    const SUMMARY: &'static str = "Train more teachers here with other seeds, weight them with sliders, and distil one student from their averaged soft targets.";
    const SOURCE: &'static str = "MT-DNN, Liu et al. 2019";
    type State = EnsembleLab;
    type Request = EnsembleRequest;
    type Event = EnsembleEvent;
    type Memory = EnsembleMemory;

    fn start(
        request: EnsembleRequest,
        context: &LabContext,
        memory: &Rc<RefCell<EnsembleMemory>>,
    ) -> crate::Result<Started<EnsembleEvent>> {
        match request {
            EnsembleRequest::Weights(w) => {
                memory.borrow_mut().weights = w;
                Ok(Started::Now(Vec::new()))
            }
            EnsembleRequest::AddTeacher => add_teacher(context, memory),
            EnsembleRequest::Distil { teacher_sized } => distil(context, memory, teacher_sized),
        }
    }

    fn answers_at_once(request: &EnsembleRequest) -> bool {
        matches!(request, EnsembleRequest::Weights(_))
    }

    fn reduce(lab: &mut EnsembleLab, event: EnsembleEvent) {
        match event {
            EnsembleEvent::TeacherSized(on) => lab.teacher_sized = on,
            EnsembleEvent::Members(members, logits) => {
                lab.weights.resize(members.len(), 1.0);
                lab.teachers = members;
                lab.test_logits = Some(super::Shared(Rc::new(logits)));
            }
            EnsembleEvent::Weight(k, w) if w.is_finite() && w >= 0.0 => {
                if let Some(slot) = lab.weights.get_mut(k) {
                    *slot = w;
                }
            }
            EnsembleEvent::Weight(..) => {}
            EnsembleEvent::StudentDone(a) => {
                if a.is_some() {
                    lab.student_accuracy = a;
                }
            }
        }
    }

    fn after_new_teacher(lab: &EnsembleLab) -> EnsembleLab {
        EnsembleLab {
            teacher_sized: lab.teacher_sized,
            ..EnsembleLab::default()
        }
    }
}

fn add_teacher(
    context: &LabContext,
    memory: &Rc<RefCell<EnsembleMemory>>,
) -> crate::Result<Started<EnsembleEvent>> {
    let run = context.run()?;
    let trained = memory.borrow().members.len();
    if trained + 1 >= MAX_TEACHERS {
        return Err(crate::Error::Settings(format!(
            "an ensemble here has at most {MAX_TEACHERS} teachers"
        )));
    }
    let seed = 3 + trained as u64;
    let plan = PageTraining {
        seed,
        ..PageTraining::teacher(run.settings.dataset, run.teacher.architecture.vocab())
    };
    let what = format!("teacher {} (seed {seed})", trained + 2);
    let split = &run.session.split;
    Ok(Started::Job(Box::new(TeacherJob {
        job: TrainingJob::new(&plan, split, None, &run.session.device(), what)?,
        seed,
        teacher: run.teacher.clone(),
        test: split.test.clone(),
        memory: memory.clone(),
    })))
}

/// Another teacher trains; then every teacher's accuracy and test logits go to the panel.
struct TeacherJob {
    job: TrainingJob,
    seed: u64,
    teacher: NetworkWeights,
    test: Dataset,
    memory: Rc<RefCell<EnsembleMemory>>,
}

impl TeacherJob {
    fn members(&self) -> crate::Result<EnsembleEvent> {
        let cpu = Device::flex();
        let memory = self.memory.borrow();
        let mut members = Vec::new();
        let mut logits = Vec::new();
        let all = std::iter::once((&self.teacher, None))
            .chain(memory.members.iter().map(|(w, seed)| (w, Some(*seed))));
        for (k, (weights, seed)) in all.enumerate() {
            let net = weights.to_network(&cpu)?;
            let name = match seed {
                None => "the page's teacher".to_string(),
                Some(seed) => format!("teacher {} (trained here, seed {seed})", k + 1),
            };
            members.push(Member {
                name,
                accuracy: accuracy(&net, &self.test, &cpu)?,
            });
            logits.push(logits_host(&net, &self.test, &cpu)?);
        }
        Ok(EnsembleEvent::Members(members, logits))
    }
}

impl Job for TeacherJob {
    type Event = EnsembleEvent;

    fn step(&mut self) -> StepFuture<'_> {
        self.job.step()
    }

    fn progress(&self) -> Progress {
        self.job.progress()
    }

    fn take_events(&mut self) -> Vec<EnsembleEvent> {
        Vec::new()
    }

    fn finish(&mut self, _: &Ended) -> Vec<EnsembleEvent> {
        let Some((weights, _)) = self.job.take_trained() else {
            return Vec::new();
        };
        self.memory.borrow_mut().members.push((weights, self.seed));
        // A teacher that trained but cannot be read back is left out of the panel's list.
        self.members().into_iter().collect()
    }
}

fn distil(
    context: &LabContext,
    memory: &Rc<RefCell<EnsembleMemory>>,
    teacher_sized: bool,
) -> crate::Result<Started<EnsembleEvent>> {
    let run = context.run()?;
    let cpu = Device::flex();
    let data = TransferSet::build(&run.session.split.train, &TransferConfig::default(), 1)?;
    let members: Vec<Network> = {
        let m = memory.borrow();
        std::iter::once(run.teacher)
            .chain(m.members.iter().map(|(w, _)| w))
            .map(|w| w.to_network(&cpu))
            .collect::<crate::Result<_>>()?
    };
    let weights = memory.borrow().weights(members.len());
    let teachers = Teachers::new(members, &weights)?;
    let s = run.settings;
    let teacher = &run.teacher.architecture;
    let student = match teacher_sized {
        true => teacher.clone(),
        false => s.student_architecture(teacher)?,
    };
    let epochs = if s.dataset.is_text() { 1 } else { 30 };
    let total = epochs * data.len().div_ceil(64);
    let settings = DistillSettings {
        temperature: Schedule::constant(s.temperature),
        alpha: Schedule::constant(s.alpha),
        total_steps: total,
        seed: 1,
        ..Default::default()
    };
    let what = format!("the student ({})", student.describe());
    Ok(Started::Job(Box::new(StudentJob {
        trainer: Trainer::distill_ensemble(student, teachers, data, settings, &cpu)?,
        applied: weights,
        total,
        what,
        test: run.session.split.test.clone(),
        memory: memory.clone(),
        cpu,
    })))
}

/// A student distilled from the ensemble; the sliders' weights reach it between steps.
struct StudentJob {
    trainer: Trainer,
    applied: Vec<f32>,
    total: usize,
    what: String,
    test: Dataset,
    memory: Rc<RefCell<EnsembleMemory>>,
    cpu: Device,
}

impl StudentJob {
    fn advance(&mut self) -> crate::Result<Flow> {
        let wanted = self.memory.borrow().weights(self.applied.len());
        if wanted != self.applied {
            self.trainer.set_teacher_weights(&wanted)?;
            self.applied = wanted;
        }
        self.trainer.step()?;
        Ok(match self.trainer.steps_done() < self.total {
            true => Flow::More,
            false => Flow::Done,
        })
    }
}

impl Job for StudentJob {
    type Event = EnsembleEvent;

    fn step(&mut self) -> StepFuture<'_> {
        ready(self.advance())
    }

    fn progress(&self) -> Progress {
        Progress::new(self.trainer.steps_done(), self.total, self.what.clone())
    }

    fn take_events(&mut self) -> Vec<EnsembleEvent> {
        Vec::new()
    }

    fn finish(&mut self, ended: &Ended) -> Vec<EnsembleEvent> {
        let score = match ended {
            Ended::Done => accuracy(&self.trainer.network(), &self.test, &self.cpu).ok(),
            _ => None,
        };
        vec![EnsembleEvent::StudentDone(score)]
    }
}

impl EnsembleLab {
    /// The weights as fractions of their sum (what the ensemble uses), or why they cannot be.
    pub fn shares(&self) -> Result<Vec<f32>, String> {
        crate::engine::network::ensemble::shares(&self.weights).map_err(|e| e.to_string())
    }

    /// The ensemble's test accuracy at the current weights: the top class of Σₖ wₖ softmax(zₖ).
    pub fn ensemble_accuracy(&self, labels: &[u8], classes: usize) -> Option<f32> {
        let logits = self.test_logits.as_ref()?;
        let shares = self.shares().ok()?;
        let mut hits = 0;
        for (i, &label) in labels.iter().enumerate() {
            let rows = logits
                .iter()
                .map(|z| z.get(i * classes..(i + 1) * classes))
                .collect::<Option<Vec<_>>>()?;
            let mixed = host::mix(&rows, &shares);
            hits += usize::from(host::argmax(&mixed) == Some(usize::from(label)));
        }
        Some(hits as f32 / labels.len().max(1) as f32)
    }

    /// Whether the student beat every teacher it learned from.
    pub fn student_beats_every_teacher(&self) -> Option<bool> {
        let s = self.student_accuracy?;
        Some(self.teachers.iter().all(|t| s > t.accuracy))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_follow_the_teachers_and_refuse_all_zero() {
        let mut lab = EnsembleLab::default();
        let m = |a| Member {
            name: "t".into(),
            accuracy: a,
        };
        // Two examples, two classes: teacher 1 right on example 0 only, teacher 2 on 1 only,
        // teacher 2 the surer.
        let logits = vec![vec![2.0, 0.0, 1.0, 0.0], vec![0.0, 1.0, 0.0, 3.0]];
        Ensemble::reduce(
            &mut lab,
            EnsembleEvent::Members(vec![m(0.5), m(0.5)], logits),
        );
        assert_eq!(lab.weights, vec![1.0, 1.0]);
        Ensemble::reduce(&mut lab, EnsembleEvent::Weight(1, 3.0));
        Ensemble::reduce(&mut lab, EnsembleEvent::Weight(5, 3.0));
        Ensemble::reduce(&mut lab, EnsembleEvent::Weight(0, f32::NAN));
        assert_eq!(lab.shares().unwrap(), vec![0.25, 0.75]);
        // Example 0: 0.25·0.88 + 0.75·0.27 → class 0 is 0.42: teacher 2 wins it too.
        assert_eq!(lab.ensemble_accuracy(&[0, 1], 2), Some(0.5));
        Ensemble::reduce(&mut lab, EnsembleEvent::Weight(1, 1.0));
        // Equal weights: example 0 → 0.5·0.88 + 0.5·0.27 = 0.575 for class 0; example 1 → class 1.
        assert_eq!(lab.ensemble_accuracy(&[0, 1], 2), Some(1.0));
        Ensemble::reduce(&mut lab, EnsembleEvent::Weight(0, 0.0));
        Ensemble::reduce(&mut lab, EnsembleEvent::Weight(1, 0.0));
        assert!(lab.shares().unwrap_err().contains("every weight is 0"));
        assert_eq!(lab.student_beats_every_teacher(), None);
        Ensemble::reduce(&mut lab, EnsembleEvent::StudentDone(Some(0.925)));
        assert_eq!(
            lab.ensemble_accuracy(&[0, 1], 2),
            None,
            "no weights, no ensemble"
        );
        assert_eq!(lab.student_beats_every_teacher(), Some(true));
    }
}
