//! Long work as one shape: a job takes a small step at a time, says how far it is, reports what
//! it finished as it goes, can be cancelled between steps, and keeps what it finished. One
//! runner paces every job with one set of constants, wherever it runs: in the training worker
//! on the CPU, or in the page (WebGPU, or a browser without workers). The host only decides how
//! to give way between turns (a worker reads its messages, the page lets the browser paint).

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};

/// How long work is paced, everywhere.
pub mod pace {
    /// Work in one turn before the host gives way (input, messages, painting).
    pub const TURN_MS: f64 = 12.0;
    /// Progress, counters and the views refresh at about 15 Hz while work runs.
    pub const REPORT_MS: f64 = 66.0;
    /// The layer similarity (a probe batch through both networks, then CKA) about once a second.
    pub const SIMILARITY_MS: f64 = 1000.0;
    /// Both students are saved (in memory and in the browser) about once a second.
    pub const SAVE_MS: f64 = 1000.0;
}

/// Where a job stands: steps done of its total, and what it is working on.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub what: String,
}

impl Progress {
    pub fn new(done: usize, total: usize, what: impl Into<String>) -> Self {
        Self {
            done,
            total,
            what: what.into(),
        }
    }

    /// Done as a fraction of the total (0 before the total is known).
    pub fn fraction(&self) -> f64 {
        self.done as f64 / self.total.max(1) as f64
    }
}

/// A future of a job's step: jobs on the CPU finish it at once; a job that fetches or reads a
/// GPU waits in it.
pub type StepFuture<'a> = Pin<Box<dyn Future<Output = crate::Result<Flow>> + 'a>>;

/// Whether a job goes on after a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    More,
    Done,
}

/// A piece of long work.
pub trait Job {
    /// What it reports besides progress: results as they finish, the outcome at the end.
    type Event;

    /// One small unit of work (milliseconds at most).
    fn step(&mut self) -> StepFuture<'_>;

    fn progress(&self) -> Progress;

    /// What finished since the last call.
    fn take_events(&mut self) -> Vec<Self::Event>;

    /// The last events once the job is over: done, cancelled or failed. A cancelled or failed
    /// job reports what it finished and keeps it.
    fn finish(&mut self, ended: &Ended) -> Vec<Self::Event>;
}

/// How a job ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Ended {
    Done,
    Cancelled,
    /// The numbers blew up (the trainers went back to their last good weights).
    Diverged(String),
    Failed(String),
}

/// What a turn of the runner produced, for the host to send or dispatch.
#[derive(Debug, PartialEq)]
pub struct Turn<E> {
    /// Progress, when a report is due (at [`pace::REPORT_MS`], and at the end).
    pub progress: Option<Progress>,
    pub events: Vec<E>,
    /// Set once the job is over: it must not be stepped again.
    pub ended: Option<Ended>,
}

/// Runs jobs in turns of [`pace::TURN_MS`], reporting at [`pace::REPORT_MS`].
#[derive(Debug)]
pub struct Runner {
    reported_at: f64,
}

impl Default for Runner {
    fn default() -> Self {
        Self {
            reported_at: f64::NEG_INFINITY,
        }
    }
}

impl Runner {
    /// Steps `job` until its turn is used up or it ends. `now` is a clock in milliseconds.
    pub async fn turn<J: Job + ?Sized>(
        &mut self,
        job: &mut J,
        now: &impl Fn() -> f64,
    ) -> Turn<J::Event> {
        let start = now();
        let mut ended = None;
        while ended.is_none() && now() - start < pace::TURN_MS {
            match job.step().await {
                Ok(Flow::More) => {}
                Ok(Flow::Done) => ended = Some(Ended::Done),
                Err(e) if e.is_divergence() => ended = Some(Ended::Diverged(e.to_string())),
                Err(e) => ended = Some(Ended::Failed(e.to_string())),
            }
        }
        let mut events = job.take_events();
        if let Some(end) = &ended {
            events.extend(job.finish(end));
        }
        let due = ended.is_some() || now() - self.reported_at >= pace::REPORT_MS;
        if due {
            self.reported_at = now();
        }
        Turn {
            progress: due.then(|| job.progress()),
            events,
            ended,
        }
    }

    /// Ends `job` at a cancel: it reports what it finished.
    pub fn cancel<J: Job + ?Sized>(&mut self, job: &mut J) -> Turn<J::Event> {
        let mut events = job.take_events();
        events.extend(job.finish(&Ended::Cancelled));
        Turn {
            progress: Some(job.progress()),
            events,
            ended: Some(Ended::Cancelled),
        }
    }
}

/// A step that is done at once (most jobs run on the CPU).
pub fn ready(flow: crate::Result<Flow>) -> StepFuture<'static> {
    Box::pin(std::future::ready(flow))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_lite::future::block_on;
    use std::cell::Cell;

    /// Counts to `total`, reporting every tenth number as it goes.
    struct Count {
        at: usize,
        total: usize,
        fail_at: Option<usize>,
        tens: Vec<usize>,
    }

    impl Job for Count {
        type Event = usize;
        fn step(&mut self) -> StepFuture<'_> {
            self.at += 1;
            if self.at.is_multiple_of(10) {
                self.tens.push(self.at);
            }
            if Some(self.at) == self.fail_at {
                return ready(Err(crate::Error::Settings("no more".into())));
            }
            ready(Ok(if self.at == self.total {
                Flow::Done
            } else {
                Flow::More
            }))
        }
        fn progress(&self) -> Progress {
            Progress::new(self.at, self.total, "counting")
        }
        fn take_events(&mut self) -> Vec<usize> {
            std::mem::take(&mut self.tens)
        }
        fn finish(&mut self, _: &Ended) -> Vec<usize> {
            vec![self.at]
        }
    }

    fn count(total: usize) -> Count {
        Count {
            at: 0,
            total,
            fail_at: None,
            tens: Vec::new(),
        }
    }

    /// A clock that moves 1 ms each time it is read.
    fn ticking() -> impl Fn() -> f64 {
        let t = Cell::new(0.0);
        move || {
            t.set(t.get() + 1.0);
            t.get()
        }
    }

    #[test]
    fn a_turn_is_bounded_by_the_clock_and_reports_at_its_pace() {
        let (mut runner, mut job, now) = (Runner::default(), count(1000), ticking());
        let first = block_on(runner.turn(&mut job, &now));
        // Each step reads the clock once: a 12 ms turn takes about a dozen steps, not all 1000.
        assert!((5..=13).contains(&job.at), "{}", job.at);
        assert_eq!(first.progress.map(|p| p.done), Some(job.at));
        assert_eq!(first.events, vec![10]);
        let second = block_on(runner.turn(&mut job, &now));
        assert_eq!(second.progress, None, "the next report waits for its 66 ms");
        assert!(second.ended.is_none());
    }

    #[test]
    fn a_job_runs_to_its_end_and_says_so_once() {
        let (mut runner, mut job, now) = (Runner::default(), count(25), ticking());
        let mut events = Vec::new();
        let ended = loop {
            let turn = block_on(runner.turn(&mut job, &now));
            events.extend(turn.events);
            if let Some(end) = turn.ended {
                assert_eq!(turn.progress.map(|p| p.done), Some(25));
                break end;
            }
        };
        assert_eq!((ended, events), (Ended::Done, vec![10, 20, 25]));
    }

    #[test]
    fn a_cancel_keeps_what_finished_and_a_failure_says_why() {
        let (mut runner, mut job, now) = (Runner::default(), count(1000), ticking());
        let turn = block_on(runner.turn(&mut job, &now));
        let cancelled = runner.cancel(&mut job);
        assert_eq!(cancelled.ended, Some(Ended::Cancelled));
        assert_eq!(cancelled.events, vec![job.at]);
        assert!(turn.ended.is_none());
        let mut failing = Count {
            fail_at: Some(3),
            ..count(1000)
        };
        let turn = block_on(runner.turn(&mut failing, &now));
        assert_eq!(
            turn.ended,
            Some(Ended::Failed("invalid training settings: no more".into()))
        );
        assert_eq!(turn.events, vec![3], "what it had is reported");
    }
}
