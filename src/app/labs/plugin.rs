//! What a lab is: its name and summary for the index, its state in the page, the requests the
//! page sends, the events its work reports, and how it starts that work. The work is a
//! [`Job`] run by the [`LabHost`], in the training worker (or in the page without one).

use std::cell::RefCell;
use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::app::Settings;
use crate::app::jobs::{Ended, Job, Progress, Runner};
use crate::app::session::Session;
use crate::engine::weights::NetworkWeights;

/// Reads a file the page serves (the CMUdict lab fetches its data).
pub type Fetch = Rc<dyn Fn(String) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, String>>>>>;

/// The run in progress where a lab's work starts: the students, their teacher and settings.
pub struct RunContext<'a> {
    pub session: &'a Session,
    /// The teacher the students learn from now.
    pub teacher: &'a NetworkWeights,
    pub settings: &'a Settings,
}

/// What a lab's work may read where it starts.
pub struct LabContext<'a> {
    /// `None` while the page's data is still loading (your own data's teacher needs none).
    pub run: Option<RunContext<'a>>,
    pub fetch: &'a Fetch,
    /// The page's WebGPU device, when it has one (the work then runs in the page).
    pub gpu: Option<&'a burn::tensor::Device>,
    /// Why there is no WebGPU device, when there is none.
    pub no_gpu: Option<String>,
}

impl LabContext<'_> {
    /// The run, or why there is none yet.
    pub fn run(&self) -> crate::Result<&RunContext<'_>> {
        let run = self.run_of_any_teacher()?;
        if crate::app::piece_teacher::reads_pieces(&run.teacher.architecture) {
            return Err(crate::Error::Settings(
                "the labs run the teacher on the students' words, and Brown's MiniLM reads \
                 word pieces: choose the transformer trained here in the teacher menu, or \
                 another set"
                    .into(),
            ));
        }
        Ok(run)
    }

    /// The run, whatever its teacher reads: for work that takes only the teacher's logits of
    /// the training rows, which MiniLM shipped (a teacher assistant).
    pub fn run_of_any_teacher(&self) -> crate::Result<&RunContext<'_>> {
        self.run
            .as_ref()
            .ok_or_else(|| crate::Error::Settings("the data is still loading".into()))
    }
}

/// What a request started.
pub enum Started<E> {
    /// Long work, run in turns.
    Job(Box<dyn Job<Event = E>>),
    /// An answer at once (a word pronounced, a weight changed).
    Now(Vec<E>),
}

impl<E: 'static> Started<E> {
    /// The same, its events wrapped (for the registry's enums).
    pub fn map<F: 'static>(self, wrap: fn(E) -> F) -> Started<F> {
        match self {
            Started::Job(job) => Started::Job(Box::new(Wrapped { job, wrap })),
            Started::Now(events) => Started::Now(events.into_iter().map(wrap).collect()),
        }
    }
}

struct Wrapped<E, F> {
    job: Box<dyn Job<Event = E>>,
    wrap: fn(E) -> F,
}

impl<E, F> Job for Wrapped<E, F> {
    type Event = F;
    fn step(&mut self) -> crate::app::jobs::StepFuture<'_> {
        self.job.step()
    }
    fn progress(&self) -> Progress {
        self.job.progress()
    }
    fn take_events(&mut self) -> Vec<F> {
        self.job.take_events().into_iter().map(self.wrap).collect()
    }
    fn finish(&mut self, ended: &Ended) -> Vec<F> {
        self.job.finish(ended).into_iter().map(self.wrap).collect()
    }
}

/// A lab: one engine module does the science, this describes it to the page and the worker.
pub trait Lab: 'static {
    /// Its name in links (`#lab=exits`) and element ids.
    const ID: &'static str;
    const TITLE: &'static str;
    /// One or two sentences for the index of labs.
    const SUMMARY: &'static str;
    /// The paper or idea it reproduces, for the index.
    const SOURCE: &'static str;

    /// What the page shows of it.
    type State: Clone + Debug + Default + PartialEq;
    /// What the page asks of its work.
    type Request: Clone + Debug + PartialEq + Serialize + DeserializeOwned;
    /// What its work reports.
    type Event: Clone + Debug + PartialEq + Serialize + DeserializeOwned;
    /// What its work keeps between requests, where it runs (trained teachers, exits, a model).
    type Memory: Default;

    /// The work a request starts.
    fn start(
        request: Self::Request,
        context: &LabContext,
        memory: &Rc<RefCell<Self::Memory>>,
    ) -> crate::Result<Started<Self::Event>>;

    /// Whether a request answers at once (a weight moved, a word pronounced) rather than start
    /// a job: such requests are served even while another job runs; the others wait their turn.
    fn answers_at_once(_request: &Self::Request) -> bool {
        false
    }

    /// The page's state after an event.
    fn reduce(state: &mut Self::State, event: Self::Event);

    /// What the lab has to say about the drawing or message on show (the exits' answers).
    fn on_show(
        _input: Option<&(u64, Vec<f32>)>,
        _memory: &Rc<RefCell<Self::Memory>>,
    ) -> Vec<Self::Event> {
        Vec::new()
    }

    /// The state it keeps when the page's teacher or data changes (most labs start again).
    fn after_new_teacher(_state: &Self::State) -> Self::State {
        Self::State::default()
    }

    /// Whether its work keeps its memory across a new teacher (labs with their own data do).
    const OWN_MATERIAL: bool = false;
    /// Whether the index of labs lists it (the teachers' work has no view of its own).
    const LISTED: bool = true;
    /// Whether its work runs in the page even when a worker is up (it times the page's WebGPU).
    const IN_PAGE: bool = false;
    /// Whether its view answers the example or drawing on show (its page then shows them).
    const USES_INPUT: bool = false;
}

/// A job in progress with its runner, its lab and what it reports.
pub struct Running<E> {
    pub lab: &'static str,
    pub job: Box<dyn Job<Event = E>>,
    pub runner: Runner,
}

/// What the page hears of a lab's work.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub enum LabReport<E> {
    /// Work started or went on: how far it is.
    Progress {
        lab: String,
        progress: Progress,
    },
    Event(E),
    /// The work is over (the events before it said what it finished).
    Ended {
        lab: String,
        ended: Ended,
    },
}

impl<E> Running<E> {
    /// What the page hears as the work starts: its progress at nought, and what it reported
    /// on starting.
    pub fn first(&mut self) -> Vec<LabReport<E>> {
        let events = self.job.take_events();
        self.reports(Some(self.job.progress()), events, None)
    }

    /// One turn of the work; its reports, in order.
    pub async fn turn(&mut self, now: &impl Fn() -> f64) -> (Vec<LabReport<E>>, bool) {
        let turn = self.runner.turn(self.job.as_mut(), now).await;
        (
            self.reports(turn.progress, turn.events, turn.ended.clone()),
            turn.ended.is_some(),
        )
    }

    /// Stops the work; it reports what it finished.
    pub fn cancel(&mut self) -> Vec<LabReport<E>> {
        let turn = self.runner.cancel(self.job.as_mut());
        self.reports(turn.progress, turn.events, turn.ended)
    }

    fn reports(
        &self,
        progress: Option<Progress>,
        events: Vec<E>,
        ended: Option<Ended>,
    ) -> Vec<LabReport<E>> {
        let lab = self.lab.to_string();
        let mut out: Vec<LabReport<E>> = progress
            .map(|progress| LabReport::Progress {
                lab: lab.clone(),
                progress,
            })
            .into_iter()
            .collect();
        out.extend(events.into_iter().map(LabReport::Event));
        out.extend(ended.map(|ended| LabReport::Ended { lab, ended }));
        out
    }
}
