//! Adversarial imitation with privileged information (Liu, Chen & Liu 2019): a teacher reads
//! Brown's part-of-speech tags beside the words; the student, of words alone, goes under the
//! teacher's frozen classifier and learns to make its features pass for the teacher's before a
//! critic. The page follows the critic's and the student's accuracy over the run, and sets the
//! four networks side by side. Engine: `engine::imitation`. It fetches Brown on demand.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::plugin::{Fetch, Lab, LabContext, Started};
use crate::app::jobs::{Ended, Flow, Job, Progress, StepFuture};
use crate::engine::imitation::{ImitationRun, ImitationSettings, ImitationStep, Stage, Tagged};
use crate::engine::text::BROWN_FILE;

/// The weights the page offers.
pub const LAMBDAS: [f32; 3] = [0.0, 0.1, 0.5];
/// One point of the curves every this many imitation steps.
const EVERY: usize = 5;

pub struct Imitation;

#[derive(Clone, Debug, PartialEq)]
pub struct ImitationLab {
    pub lambda: f32,
    /// Training and test sentences, and tags, once read.
    pub sizes: Option<(usize, usize, usize)>,
    /// Test accuracy of each network in `Stage::ALL` order, as each finishes.
    pub scores: [Option<f32>; 4],
    /// The critic's and the student's accuracy over the imitation's steps.
    pub curve: Vec<ImitationStep>,
    /// Steps the critic learns alone first.
    pub critic_steps: usize,
}

impl Default for ImitationLab {
    fn default() -> Self {
        let s = ImitationSettings::default();
        Self {
            lambda: s.lambda,
            sizes: None,
            scores: [None; 4],
            curve: Vec::new(),
            critic_steps: s.critic_steps,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ImitationRequest {
    /// Read Brown (once), then train the four networks.
    Train { lambda: f32 },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ImitationEvent {
    Lambda(f32),
    Started,
    Sizes(usize, usize, usize),
    Point(ImitationStep),
    Scored(Stage, f32),
}

#[derive(Default)]
pub struct ImitationMemory {
    data: Option<Rc<Tagged>>,
}

impl Lab for Imitation {
    const ID: &'static str = "imitation";
    const TITLE: &'static str = "Privileged information";
    const SUMMARY: &'static str = "A teacher that also reads each word's part of speech, and a student of words alone that learns to make its features pass for the teacher's before a critic. Watch the critic lose its certainty.";
    const SOURCE: &'static str = "Liu, Chen & Liu 2019";
    const OWN_MATERIAL: bool = true;
    type State = ImitationLab;
    type Request = ImitationRequest;
    type Event = ImitationEvent;
    type Memory = ImitationMemory;

    fn start(
        request: ImitationRequest,
        context: &LabContext,
        memory: &Rc<RefCell<ImitationMemory>>,
    ) -> crate::Result<Started<ImitationEvent>> {
        let ImitationRequest::Train { lambda } = request;
        let settings = ImitationSettings {
            lambda,
            ..ImitationSettings::default()
        };
        settings.check()?;
        Ok(Started::Job(Box::new(ImitationJob {
            fetch: context.fetch.clone(),
            memory: memory.clone(),
            settings,
            run: None,
            events: vec![ImitationEvent::Started],
        })))
    }

    fn reduce(lab: &mut ImitationLab, event: ImitationEvent) {
        match event {
            ImitationEvent::Lambda(l) => lab.lambda = l,
            ImitationEvent::Started => {
                lab.scores = [None; 4];
                lab.curve.clear();
            }
            ImitationEvent::Sizes(train, test, tags) => lab.sizes = Some((train, test, tags)),
            ImitationEvent::Point(p) => lab.curve.push(p),
            ImitationEvent::Scored(stage, accuracy) => {
                if let Some(i) = Stage::ALL.iter().position(|s| *s == stage) {
                    lab.scores[i] = Some(accuracy);
                }
            }
        }
    }

    fn after_new_teacher(lab: &ImitationLab) -> ImitationLab {
        lab.clone()
    }
}

/// Brown read (once), then the run a step at a time.
struct ImitationJob {
    fetch: Fetch,
    memory: Rc<RefCell<ImitationMemory>>,
    settings: ImitationSettings,
    run: Option<(Rc<Tagged>, ImitationRun)>,
    events: Vec<ImitationEvent>,
}

impl ImitationJob {
    async fn load(&mut self) -> crate::Result<Rc<Tagged>> {
        if let Some(data) = &self.memory.borrow().data {
            return Ok(data.clone());
        }
        let bytes = (self.fetch)(format!("assets/{BROWN_FILE}"))
            .await
            .map_err(crate::Error::Dataset)?;
        let data = Rc::new(Tagged::from_gz(&bytes, self.settings.sentences)?);
        self.memory.borrow_mut().data = Some(data.clone());
        Ok(data)
    }

    async fn advance(&mut self) -> crate::Result<Flow> {
        let Some((data, run)) = &mut self.run else {
            let data = self.load().await?;
            let (train, test) = (data.train_words.len(), data.test_words.len());
            self.events.push(ImitationEvent::Sizes(train, test, data.tags.len()));
            let run = ImitationRun::new(&data, self.settings.clone(), &Device::flex())?;
            self.run = Some((data, run));
            return Ok(Flow::More);
        };
        let stepped = run.step(data)?;
        if let Some(s) = stepped.imitation.filter(|s| s.step % EVERY == 0) {
            self.events.push(ImitationEvent::Point(s));
        }
        if let Some((stage, accuracy)) = stepped.finished {
            self.events.push(ImitationEvent::Scored(stage, accuracy));
        }
        Ok(if run.is_over() { Flow::Done } else { Flow::More })
    }
}

impl Job for ImitationJob {
    type Event = ImitationEvent;

    fn step(&mut self) -> StepFuture<'_> {
        Box::pin(self.advance())
    }

    fn progress(&self) -> Progress {
        match &self.run {
            None => Progress::new(0, 1, "Brown's sentences and tags"),
            Some((_, run)) => {
                let (done, total) = run.progress();
                let what = run.stage().map_or("done", Stage::title);
                Progress::new(done, total, what)
            }
        }
    }

    fn take_events(&mut self) -> Vec<ImitationEvent> {
        std::mem::take(&mut self.events)
    }

    fn finish(&mut self, _: &Ended) -> Vec<ImitationEvent> {
        std::mem::take(&mut self.events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_run_clears_the_scores_and_the_curve() {
        let mut lab = ImitationLab::default();
        let point = ImitationStep {
            step: 5,
            critic: 0.9,
            student: None,
        };
        Imitation::reduce(&mut lab, ImitationEvent::Point(point));
        Imitation::reduce(&mut lab, ImitationEvent::Scored(Stage::PlainKd, 0.25));
        assert_eq!((lab.curve.len(), lab.scores[2]), (1, Some(0.25)));
        Imitation::reduce(&mut lab, ImitationEvent::Started);
        assert_eq!((lab.curve.len(), lab.scores), (0, [None; 4]));
    }
}
