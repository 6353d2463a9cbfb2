//! Teachers the page trains for itself: a new teacher (plain or regularised as Hinton et al.'s),
//! a teacher assistant distilled from the teacher, and the teacher of your own CSV. Not a lab of
//! its own (the files panel and "Your own data" ask for it), but the same kind of work: a job in
//! the training worker with progress and a cancel. The driver takes the trained network.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::plugin::{Lab, LabContext, RunContext, Started};
use crate::app::PageTraining;
use crate::app::jobs::{Ended, Job, Progress, StepFuture};
use crate::app::page_training::TrainingJob;
use crate::app::text_data::fingerprint;
use crate::engine::data::Split;
use crate::engine::weights::NetworkWeights;

pub struct Teachers;

/// Which network the page trains.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TeacherRequest {
    /// A teacher of the shipped shape on every labeled training example.
    Teacher { regularised: bool },
    /// A teacher assistant (half the teacher's width) distilled from the teacher.
    Assistant,
    /// The teacher of your own CSV, before the page switches to it.
    Own { split: Box<Split> },
}

/// A network trained here, with how it was trained (JSON, for its weight file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trained {
    pub request: TeacherRequest,
    #[serde(with = "crate::app::trainer_protocol::as_safetensors")]
    pub weights: NetworkWeights,
    pub accuracy: f32,
    /// The teacher's test accuracy, beside an assistant's.
    pub teacher_accuracy: Option<f32>,
    #[serde(with = "crate::app::trainer_protocol::as_json")]
    pub plan: PageTraining,
}

impl Lab for Teachers {
    const ID: &'static str = "teacher";
    const TITLE: &'static str = "Teachers trained here";
    const SUMMARY: &'static str =
        "A new teacher, a teacher assistant, or your own data's teacher, trained in this browser.";
    const SOURCE: &'static str = "Hinton et al. 2015; Mirzadeh et al. 2020";
    const LISTED: bool = false;
    type State = ();
    type Request = TeacherRequest;
    type Event = Trained;
    type Memory = ();

    fn start(
        request: TeacherRequest,
        context: &LabContext,
        _: &Rc<RefCell<()>>,
    ) -> crate::Result<Started<Trained>> {
        let job = match &request {
            TeacherRequest::Own { split } => own_teacher(split, &request)?,
            TeacherRequest::Teacher { regularised } => {
                let run = context.run()?;
                let (kind, vocab) = (run.settings.dataset, run.teacher.architecture.vocab());
                let plan = PageTraining::teacher_for(kind, vocab, *regularised);
                let split = &run.session.split;
                let job = TrainingJob::new(&plan, split, None, &run.session.device(), "a new teacher")?;
                TeacherJob { job, request, plan, teacher_accuracy: None }
            }
            TeacherRequest::Assistant => assistant(context.run_of_any_teacher()?, &request)?,
        };
        Ok(Started::Job(Box::new(job)))
    }

    fn reduce(_: &mut (), _: Trained) {}
}

/// Your data's teacher: the shipped teachers' depth, sized to the file.
fn own_teacher(split: &Split, request: &TeacherRequest) -> crate::Result<TeacherJob> {
    let train = &split.train;
    let plan = PageTraining::own_teacher(train.dim, train.classes, train.len());
    let job = TrainingJob::new(&plan, split, None, &Device::flex(), "your data's teacher")?;
    Ok(TeacherJob { job, request: request.clone(), plan, teacher_accuracy: None })
}

/// An assistant of half the teacher's width, distilled from the teacher (whose test accuracy
/// it is set against), reusing what the teacher read of the text set. From MiniLM it learns
/// from the logits MiniLM shipped, on the students' words.
fn assistant(run: &RunContext, request: &TeacherRequest) -> crate::Result<TeacherJob> {
    let session = run.session;
    let plan = assistant_plan(run);
    let known = session.text.as_ref().map(|t| t.known(fingerprint(run.teacher)));
    let test = &session.split.test;
    let predicted = crate::engine::train::predictions(&session.teacher_test_logits, test.classes);
    let right = predicted.iter().zip(&test.labels).filter(|(p, l)| **p == usize::from(**l));
    let teacher_accuracy = right.count() as f32 / test.len().max(1) as f32;
    let from = Some((run.teacher, known.as_ref()));
    let job = TrainingJob::new(&plan, &session.split, from, &session.device(), "the assistant")?;
    Ok(TeacherJob {
        job,
        request: request.clone(),
        plan,
        teacher_accuracy: Some(teacher_accuracy),
    })
}

/// The assistant the run's teacher gets, over the students' words (a teacher of word pieces has
/// a vocabulary of its own).
pub fn assistant_plan(run: &RunContext) -> PageTraining {
    let students = crate::engine::network::Classifier::architecture(&run.session.distilled.network());
    PageTraining::assistant(run.settings.dataset, students.vocab())
}

struct TeacherJob {
    job: TrainingJob,
    request: TeacherRequest,
    plan: PageTraining,
    teacher_accuracy: Option<f32>,
}

impl Job for TeacherJob {
    type Event = Trained;

    fn step(&mut self) -> StepFuture<'_> {
        self.job.step()
    }

    fn progress(&self) -> Progress {
        self.job.progress()
    }

    fn take_events(&mut self) -> Vec<Trained> {
        Vec::new()
    }

    fn finish(&mut self, ended: &Ended) -> Vec<Trained> {
        let Some((weights, accuracy)) = self.job.take_trained() else {
            return Vec::new();
        };
        debug_assert_eq!(*ended, Ended::Done);
        vec![Trained {
            request: self.request.clone(),
            weights,
            accuracy,
            teacher_accuracy: self.teacher_accuracy,
            plan: self.plan.clone(),
        }]
    }
}
