//! A second worker for a text teacher's first pass. Where the machine has two cores or more, it
//! reads one half of the sentences while the training worker reads the other: the students wait
//! about half as long. It only ever reads. When it fails or falls silent, the training worker
//! reads its half too.

use crate::app::trainer_protocol::{FirstPass, FromTrainer, ToTrainer};
use crate::web::training_worker::TrainerLink;

enum Link {
    Idle,
    Starting(TrainerLink),
    Up(TrainerLink),
    /// One core, no workers, or it failed once: the training worker reads alone.
    Off,
}

/// Its half of the read under way.
struct Part {
    id: u64,
    done: usize,
    total: usize,
    heard: f64,
}

/// What the second reader said about the read under way.
pub(super) enum Heard {
    Nothing,
    /// How far it got.
    Progress,
    Read(crate::engine::train::KnownLogits),
    /// It cannot read its half (it failed, or fell silent): the training worker must.
    Lost(String),
}

pub(super) struct SecondReader {
    link: Link,
    part: Option<Part>,
}

impl SecondReader {
    pub(super) fn new() -> Self {
        Self {
            link: Link::Idle,
            part: None,
        }
    }

    /// Starts it beside the training worker, where there is a core for it.
    pub(super) fn wake(&mut self) {
        if !matches!(self.link, Link::Idle) {
            return;
        }
        let cores = web_sys::window().map_or(1.0, |w| w.navigator().hardware_concurrency());
        let spawned = (cores >= 2.0).then(TrainerLink::spawn_reader);
        self.link = match spawned {
            Some(Ok(link)) => Link::Starting(link),
            _ => Link::Off,
        };
    }

    /// Hands it `pass` (its share set by the caller): whether it took it.
    pub(super) fn read(&mut self, pass: FirstPass, now: f64) -> bool {
        let Link::Up(link) = &self.link else {
            return false;
        };
        self.part = Some(Part {
            id: pass.id,
            done: 0,
            total: 0,
            heard: now,
        });
        link.send(ToTrainer::Read(Box::new(pass)));
        true
    }

    /// Whether its half is still to come.
    pub(super) fn reading(&self) -> bool {
        self.part.is_some()
    }

    /// Its rows read and to read.
    pub(super) fn progress(&self) -> (usize, usize) {
        self.part.as_ref().map_or((0, 0), |p| (p.done, p.total))
    }

    /// The read is over or given up: what it still sends for it is dropped.
    pub(super) fn forget(&mut self) {
        self.part = None;
    }

    /// Takes its next message about the read under way; lost when silent for `silence_ms`.
    pub(super) fn hear(&mut self, now: f64, silence_ms: f64) -> Heard {
        loop {
            let message = match &mut self.link {
                Link::Starting(link) | Link::Up(link) => link.next(),
                Link::Idle | Link::Off => None,
            };
            let Some(message) = message else { break };
            if let Some(heard) = self.take(message, now) {
                return heard;
            }
        }
        match &self.part {
            Some(p) if now - p.heard > silence_ms => {
                self.give_up("the second reader stopped answering".into())
            }
            _ => Heard::Nothing,
        }
    }

    fn take(&mut self, message: FromTrainer, now: f64) -> Option<Heard> {
        if message == FromTrainer::Hello {
            // Only a starting link moves: taking any other out would drop a live worker.
            if let Link::Starting(..) = self.link
                && let Link::Starting(link) = std::mem::replace(&mut self.link, Link::Off)
            {
                self.link = Link::Up(link);
            }
            return None;
        }
        let part = self.part.as_mut().filter(|p| message.run() == Some(p.id))?;
        match message {
            FromTrainer::Reading { done, total, .. } => {
                (part.done, part.total, part.heard) = (done, total, now);
                Some(Heard::Progress)
            }
            FromTrainer::Read { known, .. } => {
                self.part = None;
                Some(Heard::Read(known))
            }
            FromTrainer::Failed { message, .. } => Some(self.give_up(message)),
            _ => None,
        }
    }

    /// It is not asked again: a worker that failed once would likely fail the same way.
    fn give_up(&mut self, why: String) -> Heard {
        self.part = None;
        self.link = Link::Off;
        Heard::Lost(why)
    }
}
