//! Where labs' work runs: the training worker has one host, the page another (for work that
//! needs the page's WebGPU device, and for browsers without workers). One job at a time: a job
//! asked for while another runs waits its turn (a preset asks for several in a row), while a
//! request that answers at once (a weight moved, a word pronounced) is served even then.

use std::collections::VecDeque;

use super::plugin::{LabReport, Running};
use super::{LabContext, LabEvent, LabRequest, Memories, Started};
use crate::app::jobs::{Ended, Runner};

#[derive(Default)]
pub struct LabHost {
    memories: Memories,
    running: Option<Running<LabEvent>>,
    /// The input on show, for the labs that answer it.
    shown: Option<(u64, Vec<f32>)>,
    /// Requests for work that wait for the job under way, in order.
    waiting: VecDeque<LabRequest>,
}

impl LabHost {
    /// Starts a request's work, or answers it at once. While a job runs, a request for more
    /// work waits until that job ends (and is then started with the context of that moment).
    pub fn request(
        &mut self,
        request: LabRequest,
        context: &LabContext,
    ) -> Vec<LabReport<LabEvent>> {
        if self.running.is_some() && !request.answers_at_once() {
            self.waiting.push_back(request);
            return Vec::new();
        }
        self.start(request, context)
    }

    fn start(&mut self, request: LabRequest, context: &LabContext) -> Vec<LabReport<LabEvent>> {
        let lab = request.lab();
        match request.start(context, &self.memories) {
            Ok(Started::Now(events)) => events.into_iter().map(LabReport::Event).collect(),
            Ok(Started::Job(job)) => {
                let mut running = Running {
                    lab,
                    job,
                    runner: Runner::default(),
                };
                let reports = running.first();
                self.running = Some(running);
                reports
            }
            Err(e) => vec![LabReport::Ended {
                lab: lab.to_string(),
                ended: Ended::Failed(e.to_string()),
            }],
        }
    }

    /// Whether a job is under way.
    pub fn busy(&self) -> bool {
        self.running.is_some()
    }

    /// One turn of the job under way (none if there is none). When it ends, the next request
    /// that waited starts, with `context`.
    pub async fn turn(
        &mut self,
        now: &impl Fn() -> f64,
        context: &LabContext<'_>,
    ) -> Vec<LabReport<LabEvent>> {
        let Some(running) = self.running.as_mut() else {
            return Vec::new();
        };
        let (mut reports, over) = running.turn(now).await;
        if over {
            self.running = None;
            reports.extend(self.answer_shown());
            while self.running.is_none()
                && let Some(next) = self.waiting.pop_front()
            {
                reports.extend(self.start(next, context));
            }
        }
        reports
    }

    /// Stops the job under way (it reports what it finished), and the requests that waited
    /// for it are dropped.
    pub fn cancel(&mut self) -> Vec<LabReport<LabEvent>> {
        self.waiting.clear();
        let Some(mut running) = self.running.take() else {
            return Vec::new();
        };
        running.cancel()
    }

    /// The input on show changed: what the labs have to say about it.
    pub fn show(&mut self, input: Option<(u64, Vec<f32>)>) -> Vec<LabReport<LabEvent>> {
        if self.shown == input {
            return Vec::new();
        }
        self.shown = input;
        self.answer_shown()
    }

    fn answer_shown(&self) -> Vec<LabReport<LabEvent>> {
        self.memories
            .on_show(self.shown.as_ref())
            .into_iter()
            .map(LabReport::Event)
            .collect()
    }

    /// The page's teacher or data changed: work built on the old one stops, and what it kept
    /// goes (labs with their own material keep theirs).
    pub fn new_teacher(&mut self) -> Vec<LabReport<LabEvent>> {
        let stopped = self.cancel();
        self.memories.after_new_teacher();
        stopped
    }
}
