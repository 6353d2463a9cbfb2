//! The training worker's side of [`super::trainer_protocol`]: it builds the run the page hands
//! it, trains while the page says so, and sends back progress, the views at about 15 Hz and both
//! students about once a second; and it runs the labs' work, the students pausing meanwhile.
//! Both go through the one runner ([`crate::app::jobs`]). It knows nothing of the browser: the
//! worker feeds it messages and a clock, and tests drive it natively.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use burn::tensor::Device;

use crate::app::Settings;
use crate::app::data::Data;
use crate::app::jobs::{Ended, Runner, pace};
use crate::app::labs::{Fetch, LabContext, LabHost, LabReport, RunContext};
use crate::app::loading;
use crate::app::saved_run::SavedRun;
use crate::app::session::{self, Lesson, Session};
use crate::app::shipped_teacher::ShippedTeacher;
use crate::app::text_data::fingerprint;
use crate::app::trainer_protocol::{FirstPass, FromTrainer, Start, ToTrainer};
use crate::app::views::Shown;
use crate::engine::catalog::DatasetKind;
use crate::engine::weights::NetworkWeights;

/// Where the worker's messages go.
pub type Send = Box<dyn Fn(FromTrainer)>;

/// How the worker gives way inside long work (to its messages).
pub type Yield = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = ()>>>>;

pub struct TrainerHost {
    fetch: Fetch,
    send: Send,
    data: Option<Data>,
    /// The teacher shipped with `data`.
    shipped_teacher: Option<NetworkWeights>,
    queue: VecDeque<ToTrainer>,
    run: Option<HostRun>,
    labs: LabHost,
    /// The teacher the labs' memories were built on.
    lab_teacher: Option<u64>,
}

struct HostRun {
    id: u64,
    session: Session,
    settings: Settings,
    running: bool,
    single_step: bool,
    diverged: bool,
    runner: Runner,
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
            shipped_teacher: None,
            queue: VecDeque::new(),
            run: None,
            labs: LabHost::default(),
            lab_teacher: None,
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
            || self.labs.busy()
            || self.run.as_ref().is_some_and(|r| {
                r.running
                    || r.single_step
                    || r.views_due
                    || r.snapshot_asked
                    || r.views_at.0 != r.session.steps_done()
            })
    }

    /// Acts on the messages that arrived, works for a turn, and sends what changed: a lab's
    /// work if one runs (the students wait), else the students. `now` is a clock in
    /// milliseconds; `between` gives way to the worker's messages inside long work.
    pub async fn turn(&mut self, now: impl Fn() -> f64, between: Yield) {
        while let Some(message) = self.queue.pop_front() {
            match message {
                ToTrainer::Read(pass) => self.first_pass(*pass, between.clone()).await,
                ToTrainer::Start(start) => self.start(*start).await,
                other => self.apply(other),
            }
        }
        if self.labs.busy() {
            let context = lab_context(&self.run, &self.fetch);
            let reports = self.labs.turn(&now, &context).await;
            self.send_lab(reports);
            return;
        }
        let Some(run) = self.run.as_mut() else { return };
        run.train(&self.send, &now, between).await;
        run.views(&self.send, &now).await;
        run.snapshot(&self.send, &now).await;
    }

    fn send_lab(&self, reports: Vec<LabReport<crate::app::labs::LabEvent>>) {
        for report in reports {
            (self.send)(FromTrainer::Lab(report));
        }
    }

    fn apply(&mut self, message: ToTrainer) {
        match message {
            ToTrainer::Lab(request) => {
                let context = lab_context(&self.run, &self.fetch);
                let reports = self.labs.request(request, &context);
                self.send_lab(reports);
            }
            ToTrainer::CancelLab => {
                let reports = self.labs.cancel();
                self.send_lab(reports);
            }
            ToTrainer::Show(shown) => {
                let reports = self.labs.show(shown.input.clone());
                self.send_lab(reports);
                if let Some(run) = self.run.as_mut()
                    && run.shown != shown
                {
                    run.shown = shown;
                    run.views_due = true;
                }
            }
            other => {
                if let Some(run) = self.run.as_mut() {
                    run.apply(other, &self.send);
                }
            }
        }
    }

    async fn start(&mut self, mut start: Start) {
        let id = start.id;
        self.run = None;
        let teacher = match self.teacher_of(&mut start).await {
            Ok(teacher) => teacher,
            Err(e) => {
                return (self.send)(FromTrainer::Failed {
                    id,
                    message: format!("the training worker could not load the teacher: {e}"),
                });
            }
        };
        let teacher = fingerprint(teacher);
        if self.lab_teacher.replace(teacher) != Some(teacher) {
            let reports = self.labs.new_teacher();
            self.send_lab(reports);
        }
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

    /// A text teacher's first pass, with its progress after every slice; the logits go back
    /// whole (the worker keeps them too, for the run that follows).
    async fn first_pass(&mut self, pass: FirstPass, between: Yield) {
        let id = pass.id;
        let read = async {
            let data = self.data_for(pass.dataset, pass.settings.teacher).await?;
            let teacher = match &pass.teacher {
                Some(teacher) => teacher,
                None => self.shipped_teacher.as_ref().ok_or_else(|| {
                    crate::Error::Dataset(format!("{} has no shipped teacher", data.kind.title()))
                })?,
            };
            let send = &self.send;
            let progress = |done, total| {
                send(FromTrainer::Reading { id, done, total });
                between()
            };
            session::first_pass(&pass.settings, teacher, &data, pass.share, progress).await
        };
        let message = match read.await {
            Ok(Some(known)) => FromTrainer::Read { id, known },
            Ok(None) => FromTrainer::Failed {
                id,
                message: "the teacher has nothing to read on a set of images".into(),
            },
            Err(e) => FromTrainer::Failed {
                id,
                message: format!("the training worker could not read with the teacher: {e}"),
            },
        };
        (self.send)(message);
    }

    /// The run's teacher: the one it carries, else the set's shipped one (kept in `start`).
    async fn teacher_of<'a>(&mut self, start: &'a mut Start) -> crate::Result<&'a NetworkWeights> {
        if start.teacher.is_none() {
            self.data_for(start.dataset, start.settings.teacher).await?;
            start.teacher = self.shipped_teacher.clone();
        }
        start.teacher.as_ref().ok_or_else(|| {
            crate::Error::Dataset(format!("{} has no shipped teacher", start.dataset.title()))
        })
    }

    async fn build(&mut self, start: Start) -> crate::Result<HostRun> {
        let data = self.data_for(start.dataset, start.settings.teacher).await?;
        let Some(teacher) = start.teacher else {
            return Err(crate::Error::Dataset(
                "the run came without a teacher".into(),
            ));
        };
        if let (Some(text), Some(known)) = (&data.text, start.known) {
            text.remember(fingerprint(&teacher), known)?;
        }
        let no_wait = |_, _| std::future::ready(());
        let mut session =
            Session::new(&start.settings, Device::flex(), &teacher, &data, no_wait).await?;
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
            runner: Runner::default(),
            shown: start.shown,
            views_at: (usize::MAX, f64::NEG_INFINITY),
            views_due: true,
            similarity_at: f64::NEG_INFINITY,
            snapshot_asked: false,
        })
    }

    /// The set the run names, loaded once (the teacher comes with the run). Your own data has
    /// no file the worker could fetch: the page sends its split with the run.
    async fn data_for(
        &mut self,
        kind: DatasetKind,
        teacher: ShippedTeacher,
    ) -> crate::Result<Data> {
        if let Some(d) = self.data.as_ref().filter(|d| d.is(kind, teacher)) {
            return Ok(d.clone());
        }
        self.data = None;
        self.shipped_teacher = None;
        let fetch = self.fetch.clone();
        let (data, teacher) = loading::load_data(kind, teacher, move |path| fetch(path)).await?;
        self.data = Some(data.clone());
        self.shipped_teacher = Some(teacher);
        Ok(data)
    }
}

impl HostRun {
    fn apply(&mut self, message: ToTrainer, send: &Send) {
        match message {
            ToTrainer::Control {
                settings,
                running,
                single_step,
            } => {
                if self.settings != settings {
                    if let Err(e) = self.session.retune(&settings) {
                        let message = e.to_string();
                        send(FromTrainer::Failed {
                            id: self.id,
                            message,
                        });
                    }
                    self.settings = settings;
                    self.views_due = true;
                }
                self.running = running;
                self.single_step |= single_step;
            }
            ToTrainer::Snapshot { pause } => {
                self.running &= !pause;
                self.snapshot_asked = true;
            }
            ToTrainer::Read(_)
            | ToTrainer::Start(_)
            | ToTrainer::Show(_)
            | ToTrainer::Lab(_)
            | ToTrainer::CancelLab => {}
        }
    }

    /// One turn of the runner over the students (one step when asked for one), with a curve
    /// point at the page's marks. A divergence or an error stops training and says so.
    async fn train(&mut self, send: &Send, now: &impl Fn() -> f64, between: Yield) {
        let single = std::mem::take(&mut self.single_step);
        if !(self.running || single) {
            return;
        }
        if std::mem::take(&mut self.diverged) {
            self.session.resume();
        }
        let per_read = self.session.steps_per_read(&self.settings);
        let mut lesson = Lesson::new(&mut self.session, per_read, single, between);
        let turn = self.runner.turn(&mut lesson, now).await;
        let steps = self.session.steps_done();
        // The counter moves with the views; progress goes out with each curve point.
        for point in turn.events {
            send(FromTrainer::Progress {
                id: self.id,
                steps,
                point: Some(point),
            });
        }
        let id = self.id;
        match turn.ended {
            Some(Ended::Diverged(message)) => {
                (self.running, self.diverged) = (false, true);
                send(FromTrainer::Diverged { id, message });
            }
            Some(Ended::Failed(message)) => {
                self.running = false;
                send(FromTrainer::Failed { id, message });
            }
            Some(Ended::Done | Ended::Cancelled) | None => {}
        }
    }

    /// The views, when what they show changed, or at most every [`pace::REPORT_MS`] as the
    /// students learn.
    async fn views(&mut self, send: &Send, now: &impl Fn() -> f64) {
        let steps = self.session.steps_done();
        let moved = steps != self.views_at.0 && now() - self.views_at.1 >= pace::REPORT_MS;
        if !(self.views_due || moved) {
            return;
        }
        self.views_due = false;
        self.views_at = (steps, now());
        let shown = Shown {
            similarity: !self.running || now() - self.similarity_at >= pace::SIMILARITY_MS,
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
        let due = !self.running || now() - self.snapshot_at.1 >= pace::SAVE_MS;
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

/// What the worker's labs may read: its students, their teacher and settings (no WebGPU).
fn lab_context<'a>(run: &'a Option<HostRun>, fetch: &'a Fetch) -> LabContext<'a> {
    LabContext {
        run: run.as_ref().map(|r| RunContext {
            session: &r.session,
            teacher: &r.session.teacher,
            settings: &r.settings,
        }),
        fetch,
        gpu: None,
        no_gpu: Some("the training worker has no WebGPU".into()),
    }
}
