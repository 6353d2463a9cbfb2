//! "Smaller networks": the page's teacher and its distilled student made small by pruning,
//! quantization and factorization, each point measured on the test set, the pruned and
//! factorized ones also fine-tuned; the points fill the frontier as they finish. Engine:
//! `engine::compress`.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::plugin::{Lab, LabContext, Started};
use crate::app::jobs::{Ended, Flow, Job, Progress, StepFuture};
use crate::engine::compress::frontier::Point;
use crate::engine::compress::run::{FrontierRun, FrontierSetup, Subject};
use crate::engine::network::Network;
use crate::engine::train::DistillSettings;
use crate::engine::weights::NetworkWeights;

/// Fine-tuning steps of each pruned or factorized point the page starts with, and its bounds.
pub const DEFAULT_STEPS: usize = 150;
pub const STEPS_RANGE: (usize, usize) = (0, 2000);

/// Test messages a text set's points are measured on in the page.
pub const TEXT_TEST: usize = 200;

/// The student's name on the picture.
pub const STUDENT: &str = "your distilled student";

pub struct Compress;

#[derive(Clone, Debug, PartialEq)]
pub struct CompressLab {
    pub steps: usize,
    pub points: Vec<Point>,
    /// The last run was cancelled before its last point.
    pub cancelled: bool,
}

impl Default for CompressLab {
    fn default() -> Self {
        Self {
            steps: DEFAULT_STEPS,
            points: Vec::new(),
            cancelled: false,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CompressRequest {
    Run { steps: usize },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CompressEvent {
    /// Fine-tuning steps, as the user typed them (clamped to [`STEPS_RANGE`]).
    Steps(usize),
    Start,
    Point(Point),
    Finished { cancelled: bool },
}

impl Lab for Compress {
    const ID: &'static str = "compress";
    const TITLE: &'static str = "Smaller networks";
    const SUMMARY: &'static str = "Distillation beside the other ways to make a network small: the teacher and your student pruned, quantized to 8 and 4 bits, and factorized, each as a point of bytes against accuracy, with the frontier of the best.";
    const SOURCE: &'static str = "Han et al. 2015; Jacob et al. 2018; Denton et al. 2014";
    type State = CompressLab;
    type Request = CompressRequest;
    type Event = CompressEvent;
    type Memory = ();

    fn start(
        request: CompressRequest,
        context: &LabContext,
        _: &Rc<RefCell<()>>,
    ) -> crate::Result<Started<CompressEvent>> {
        let CompressRequest::Run { steps } = request;
        let run = context.run()?;
        let session = run.session;
        if session.steps_done() == 0 {
            return Err(crate::Error::Settings(
                "train the students first: your distilled student is one of the points".into(),
            ));
        }
        let setup = FrontierSetup {
            teacher: run.teacher.clone(),
            set: session.distilled.transfer_set().clone(),
            // A transformer reads a message in milliseconds in wasm: the text sets' points are
            // measured on an even spread of TEXT_TEST messages.
            test: match run.settings.dataset.is_text() {
                true => session.split.test.spread(TEXT_TEST),
                false => session.split.test.clone(),
            },
            tuning: DistillSettings {
                total_steps: steps.clamp(STEPS_RANGE.0, STEPS_RANGE.1),
                ..run.settings.distill_settings()
            },
        };
        Ok(Started::Job(Box::new(CompressJob {
            setup: Some(setup),
            student: session.distilled.network(),
            run: None,
            events: vec![CompressEvent::Start],
        })))
    }

    fn reduce(lab: &mut CompressLab, event: CompressEvent) {
        match event {
            CompressEvent::Steps(n) => lab.steps = n.clamp(STEPS_RANGE.0, STEPS_RANGE.1),
            CompressEvent::Start => {
                lab.points.clear();
                lab.cancelled = false;
            }
            CompressEvent::Point(p) => lab.points.push(p),
            CompressEvent::Finished { cancelled } => lab.cancelled = cancelled,
        }
    }

    fn after_new_teacher(lab: &CompressLab) -> CompressLab {
        CompressLab {
            steps: lab.steps,
            ..CompressLab::default()
        }
    }
}

/// The frontier, point after point. The student is read once, asynchronously (it may live on
/// the page's GPU), before the run is built on the CPU.
struct CompressJob {
    setup: Option<FrontierSetup>,
    student: Network,
    run: Option<FrontierRun>,
    events: Vec<CompressEvent>,
}

impl CompressJob {
    async fn begin(&mut self) -> crate::Result<Flow> {
        let student = NetworkWeights::from_network_async(&self.student).await?;
        let Some(setup) = self.setup.take() else {
            return Ok(Flow::Done);
        };
        let subjects = vec![
            Subject {
                name: "teacher".into(),
                weights: setup.teacher.clone(),
                distilled: false,
            },
            Subject {
                name: STUDENT.into(),
                weights: student,
                distilled: true,
            },
        ];
        self.run = Some(FrontierRun::new(setup, subjects, &Device::flex())?);
        Ok(Flow::More)
    }

    fn advance(&mut self) -> crate::Result<Flow> {
        let Some(run) = &mut self.run else {
            return Ok(Flow::Done);
        };
        if let Some(point) = run.step()? {
            self.events.push(CompressEvent::Point(point));
        }
        Ok(if run.is_done() { Flow::Done } else { Flow::More })
    }
}

impl Job for CompressJob {
    type Event = CompressEvent;

    fn step(&mut self) -> StepFuture<'_> {
        Box::pin(async move {
            match self.run {
                None => self.begin().await,
                Some(_) => self.advance(),
            }
        })
    }

    fn progress(&self) -> Progress {
        let (done, total) = self.run.as_ref().map_or((0, 1), FrontierRun::progress);
        Progress::new(done, total, "making the points")
    }

    fn take_events(&mut self) -> Vec<CompressEvent> {
        std::mem::take(&mut self.events)
    }

    fn finish(&mut self, ended: &Ended) -> Vec<CompressEvent> {
        let cancelled = *ended != Ended::Done;
        vec![CompressEvent::Finished { cancelled }]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::compress::frontier::Family;

    #[test]
    fn points_fill_the_lab_and_a_new_run_clears_them() {
        let mut lab = CompressLab::default();
        Compress::reduce(&mut lab, CompressEvent::Steps(99_999));
        assert_eq!(lab.steps, STEPS_RANGE.1);
        let point = Point {
            method: "teacher".into(),
            strength: "float32".into(),
            family: Family::AsIs,
            tuned: false,
            bytes: 100,
            accuracy: 0.9,
            agreement: 1.0,
            forward_ms: 1.0,
        };
        Compress::reduce(&mut lab, CompressEvent::Start);
        Compress::reduce(&mut lab, CompressEvent::Point(point.clone()));
        Compress::reduce(&mut lab, CompressEvent::Finished { cancelled: true });
        assert_eq!((lab.points.len(), lab.cancelled), (1, true));
        Compress::reduce(&mut lab, CompressEvent::Start);
        assert!(lab.points.is_empty() && !lab.cancelled);
        let kept = Compress::after_new_teacher(&lab);
        assert_eq!(kept.steps, STEPS_RANGE.1);
    }
}
