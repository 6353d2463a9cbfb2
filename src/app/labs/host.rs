//! Where labs' work runs: the training worker has one host, the page another (for work that
//! needs the page's WebGPU device, and for browsers without workers). One job at a time; a
//! request that answers at once (a weight moved, a word pronounced) is served even while a job
//! runs.

use super::plugin::{LabReport, Running};
use super::{LabContext, LabEvent, LabRequest, Memories, Started};
use crate::app::jobs::{Ended, Runner};

#[derive(Default)]
pub struct LabHost {
    memories: Memories,
    running: Option<Running<LabEvent>>,
    /// The input on show, for the labs that answer it.
    shown: Option<(u64, Vec<f32>)>,
}

impl LabHost {
    /// Starts a request's work (or answers it at once). A request while another job runs waits
    /// its turn: it is refused with the reason, and nothing changes.
    pub fn request(
        &mut self,
        request: LabRequest,
        context: &LabContext,
    ) -> Vec<LabReport<LabEvent>> {
        let lab = request.lab();
        let ended = |ended| {
            vec![LabReport::Ended {
                lab: lab.to_string(),
                ended,
            }]
        };
        let busy = self.running.as_ref().map(|r| r.lab);
        match request.start(context, &self.memories) {
            Ok(Started::Now(events)) => events.into_iter().map(LabReport::Event).collect(),
            Ok(Started::Job(_)) if busy.is_some() => ended(Ended::Failed(format!(
                "other work is under way ({}); cancel it or wait for it",
                busy.unwrap_or_default()
            ))),
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
            Err(e) => ended(Ended::Failed(e.to_string())),
        }
    }

    /// Whether a job is under way.
    pub fn busy(&self) -> bool {
        self.running.is_some()
    }

    /// One turn of the job under way (none if there is none).
    pub async fn turn(&mut self, now: &impl Fn() -> f64) -> Vec<LabReport<LabEvent>> {
        let Some(running) = self.running.as_mut() else {
            return Vec::new();
        };
        let (mut reports, over) = running.turn(now).await;
        if over {
            self.running = None;
            reports.extend(self.answer_shown());
        }
        reports
    }

    /// Stops the job under way; it reports what it finished.
    pub fn cancel(&mut self) -> Vec<LabReport<LabEvent>> {
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
