//! The two students' training as a job, the one loop both hosts run: the training worker on the
//! CPU, and the page on WebGPU (or without a worker). Steps go in reads of a few; a curve point
//! is measured at the page's marks.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use super::Session;
use crate::app::CurvePoint;
use crate::app::jobs::{Ended, Flow, Job, Progress, StepFuture};

/// How a host gives way inside a step (between the two students, between slices of a test-set
/// evaluation): the page yields to input, the worker to its messages.
pub type Between = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = ()>>>>;

/// Training for one turn of the runner.
pub struct Lesson<'a> {
    session: &'a mut Session,
    per_read: usize,
    /// One step only (the Step button), with a curve point after it.
    single: bool,
    between: Between,
    points: Vec<CurvePoint>,
}

impl<'a> Lesson<'a> {
    /// Steps of `per_read` (one if `single`), giving way with `between`.
    pub fn new(session: &'a mut Session, per_read: usize, single: bool, between: Between) -> Self {
        Self {
            session,
            per_read: if single { 1 } else { per_read.max(1) },
            single,
            between,
            points: Vec::new(),
        }
    }

    async fn advance(&mut self) -> crate::Result<Flow> {
        let s = &mut *self.session;
        let before = s.steps_done();
        let between = self.between.clone();
        s.steps_between(self.per_read, || between()).await?;
        let every = s.point_every();
        if s.steps_done() / every != before / every || self.single {
            let between = self.between.clone();
            self.points.push(s.curve_point(|| between()).await?);
        }
        Ok(if self.single { Flow::Done } else { Flow::More })
    }
}

impl Job for Lesson<'_> {
    type Event = CurvePoint;

    fn step(&mut self) -> StepFuture<'_> {
        Box::pin(self.advance())
    }

    fn progress(&self) -> Progress {
        Progress::new(self.session.steps_done(), 0, "training the students")
    }

    fn take_events(&mut self) -> Vec<CurvePoint> {
        std::mem::take(&mut self.points)
    }

    fn finish(&mut self, _: &Ended) -> Vec<CurvePoint> {
        Vec::new()
    }
}
