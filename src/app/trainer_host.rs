//! The training worker's side of [`super::trainer_protocol`]: it builds the run the page hands
//! it, trains while the page says so, and sends back progress, the views at about 15 Hz and both
//! students about once a second. It knows nothing of the browser: the worker feeds it messages
//! and a clock, and tests drive it natively.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;

use burn::tensor::Device;

use crate::app::Settings;
use crate::app::loading;
use crate::app::saved_run::SavedRun;
use crate::app::session::Session;
use crate::app::state::Data;
use crate::app::text_data::fingerprint;
use crate::app::trainer_protocol::{FromTrainer, Start, ToTrainer};
use crate::app::views::Shown;
use crate::engine::catalog::DatasetKind;

/// Reads a file the page serves (the worker fetches the sets itself, as the page does).
pub type Fetch = Box<dyn Fn(String) -> Pin<Box<dyn Future<Output = Result<Vec<u8>, String>>>>>;

/// Where the worker's messages go.
pub type Send = Box<dyn Fn(FromTrainer)>;

/// The layer similarity comes with the views about once a second while training.
const SIMILARITY_EVERY_MS: f64 = 1000.0;
/// The views refresh at about 15 Hz while training, the page's own rate.
const VIEWS_EVERY_MS: f64 = 66.0;
const SNAPSHOT_EVERY_MS: f64 = 1000.0;
/// Work per turn before the worker looks at its messages again (a pause is obeyed within it).
const TURN_MS: f64 = 20.0;

pub struct TrainerHost {
    fetch: Fetch,
    send: Send,
    data: Option<Data>,
    queue: VecDeque<ToTrainer>,
    run: Option<HostRun>,
}

struct HostRun {
    id: u64,
    session: Session,
    settings: Settings,
    running: bool,
    single_step: bool,
    diverged: bool,
    shown: Shown,
    /// What the views last showed: the step, when, and whether they are due anyway.
    views_at: (usize, f64),
    views_due: bool,
    /// When the views last carried the layer similarity.
    similarity_at: f64,
    snapshot_at: (usize, f64),
    snapshot_asked: bool,
}

impl TrainerHost {
    pub fn new(fetch: Fetch, send: Send) -> Self {
        Self {
            fetch,
            send,
            data: None,
            queue: VecDeque::new(),
            run: None,
        }
    }

    /// Takes a message from the page; the next [`TrainerHost::turn`] acts on it, in order (a
    /// control sent right after a run applies to that run).
    pub fn receive(&mut self, message: ToTrainer) {
        self.queue.push_back(message);
    }

    /// Whether a turn has work to do now (else the worker can wait for a message).
    pub fn busy(&self) -> bool {
        !self.queue.is_empty()
            || self.run.as_ref().is_some_and(|r| {
                r.running
                    || r.single_step
                    || r.views_due
                    || r.snapshot_asked
                    || r.views_at.0 != r.session.steps_done()
            })
    }

    /// Acts on the messages that arrived, trains for a while, and sends what changed. `now` is
    /// a clock in milliseconds; `between` gives way to the worker's messages inside long work.
    pub async fn turn<F: Future<Output = ()>>(
        &mut self,
        now: impl Fn() -> f64,
        mut between: impl FnMut() -> F,
    ) {
        while let Some(message) = self.queue.pop_front() {
            match message {
                ToTrainer::Start(start) => self.start(*start).await,
                other => self.apply(other),
            }
        }
        let Some(run) = self.run.as_mut() else { return };
        run.train(&self.send, &now, &mut between).await;
        run.views(&self.send, &now).await;
        run.snapshot(&self.send, &now).await;
    }

    fn apply(&mut self, message: ToTrainer) {
        let Some(run) = self.run.as_mut() else { return };
        match message {
            ToTrainer::Start(_) => {}
            ToTrainer::Control {
                settings,
                running,
                single_step,
            } => {
                if run.settings != settings {
                    if let Err(e) = run.session.retune(&settings) {
                        let message = e.to_string();
                        (self.send)(FromTrainer::Failed {
                            id: run.id,
                            message,
                        });
                    }
                    run.settings = settings;
                    run.views_due = true;
                }
                run.running = running;
                run.single_step |= single_step;
            }
            ToTrainer::Show(shown) => {
                if run.shown != shown {
                    run.shown = shown;
                    run.views_due = true;
                }
            }
            ToTrainer::Snapshot { pause } => {
                run.running &= !pause;
                run.snapshot_asked = true;
            }
        }
    }

    async fn start(&mut self, start: Start) {
        let id = start.id;
        self.run = None;
        match self.build(start).await {
            Ok(run) => {
                self.run = Some(run);
                (self.send)(FromTrainer::Ready { id });
            }
            Err(e) => (self.send)(FromTrainer::Failed {
                id,
                message: format!("the training worker could not start the run: {e}"),
            }),
        }
    }

    async fn build(&mut self, start: Start) -> crate::Result<HostRun> {
        let data = self.data_for(start.dataset).await?;
        if let (Some(text), Some(known)) = (&data.text, start.known) {
            text.remember(fingerprint(&start.teacher), known)?;
        }
        let no_wait = |_, _| std::future::ready(());
        let mut session = Session::new(
            &start.settings,
            Device::flex(),
            &start.teacher,
            &data,
            no_wait,
        )
        .await?;
        session.restore(&SavedRun {
            settings: start.settings.clone(),
            steps: start.steps,
            curves: Vec::new(),
            distilled: start.distilled,
            scratch: start.scratch,
        })?;
        Ok(HostRun {
            id: start.id,
            snapshot_at: (session.steps_done(), f64::NEG_INFINITY),
            session,
            settings: start.settings,
            running: start.running,
            single_step: false,
            diverged: false,
            shown: start.shown,
            views_at: (usize::MAX, f64::NEG_INFINITY),
            views_due: true,
            similarity_at: f64::NEG_INFINITY,
            snapshot_asked: false,
        })
    }

    /// The set the run names, loaded once (the teacher comes with the run).
    async fn data_for(&mut self, kind: DatasetKind) -> crate::Result<Data> {
        if let Some(d) = self.data.as_ref().filter(|d| d.kind == kind) {
            return Ok(d.clone());
        }
        self.data = None;
        let fetch = &self.fetch;
        let (data, _) = loading::load_data(kind, fetch).await?;
        self.data = Some(data.clone());
        Ok(data)
    }
}

impl HostRun {
    /// Steps for up to [`TURN_MS`] while training (one step when asked for one), with a curve
    /// point at the page's marks. A divergence or an error stops training and says so.
    async fn train<F: Future<Output = ()>>(
        &mut self,
        send: &Send,
        now: &impl Fn() -> f64,
        between: &mut impl FnMut() -> F,
    ) {
        let single = std::mem::take(&mut self.single_step);
        if !(self.running || single) {
            return;
        }
        let s = &mut self.session;
        if std::mem::take(&mut self.diverged) {
            s.resume();
        }
        let per_read = if single {
            1
        } else {
            s.steps_per_read(&self.settings)
        };
        let every = s.point_every();
        let start = now();
        loop {
            let before = s.steps_done();
            if let Err(e) = s.steps_between(per_read, &mut *between).await {
                self.running = false;
                self.diverged = e.is_divergence();
                let (id, message) = (self.id, e.to_string());
                send(if self.diverged {
                    FromTrainer::Diverged { id, message }
                } else {
                    FromTrainer::Failed { id, message }
                });
                return;
            }
            let point = if s.steps_done() / every != before / every || single {
                match s.curve_point(&mut *between).await {
                    Ok(p) => Some(p),
                    Err(e) => {
                        let message = e.to_string();
                        send(FromTrainer::Failed {
                            id: self.id,
                            message,
                        });
                        None
                    }
                }
            } else {
                None
            };
            // The counter moves with the views; progress goes out with each curve point.
            if point.is_some() {
                let steps = s.steps_done();
                send(FromTrainer::Progress {
                    id: self.id,
                    steps,
                    point,
                });
            }
            if single || now() - start > TURN_MS {
                return;
            }
        }
    }

    /// The views, when what they show changed, or at most every [`VIEWS_EVERY_MS`] as the
    /// students learn.
    async fn views(&mut self, send: &Send, now: &impl Fn() -> f64) {
        let steps = self.session.steps_done();
        let moved = steps != self.views_at.0 && now() - self.views_at.1 >= VIEWS_EVERY_MS;
        if !(self.views_due || moved) {
            return;
        }
        self.views_due = false;
        self.views_at = (steps, now());
        let shown = Shown {
            similarity: !self.running || now() - self.similarity_at >= SIMILARITY_EVERY_MS,
            ..self.shown.clone()
        };
        if shown.similarity {
            self.similarity_at = now();
        }
        match self.session.views(&shown, &self.settings).await {
            Ok(views) => send(FromTrainer::Views {
                id: self.id,
                steps,
                views: Box::new(views),
            }),
            Err(e) => send(FromTrainer::Failed {
                id: self.id,
                message: e.to_string(),
            }),
        }
    }

    /// Both students, about once a second while training, as soon as training stops, and
    /// whenever the page asks.
    async fn snapshot(&mut self, send: &Send, now: &impl Fn() -> f64) {
        let steps = self.session.steps_done();
        let due = !self.running || now() - self.snapshot_at.1 >= SNAPSHOT_EVERY_MS;
        let asked = std::mem::take(&mut self.snapshot_asked);
        if !asked && (steps == self.snapshot_at.0 || !due) {
            return;
        }
        self.snapshot_at = (steps, now());
        match self.session.snapshot(&self.settings, &[]).await {
            Ok(run) => send(FromTrainer::Snapshot {
                id: self.id,
                steps,
                asked,
                distilled: run.distilled,
                scratch: run.scratch,
            }),
            Err(e) => send(FromTrainer::Failed {
                id: self.id,
                message: e.to_string(),
            }),
        }
    }
}
