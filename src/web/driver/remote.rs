//! The driver's training worker: on the CPU the students train there and the page only draws.
//! The page's session stays the reference for files and teachers; it is handed to the worker
//! whenever it is built or its students change, and kept up to date by the worker's snapshots.

use super::second_reader::{Heard, SecondReader};
use super::*;
use crate::app::session::Share;
use crate::app::trainer_protocol::{FirstPass, FromTrainer, Start, ToTrainer};
use crate::app::views::{Shown, Views};
use crate::web::training_worker::TrainerLink;

/// How long a page on the CPU waits for the worker before training by itself (a worker that
/// comes up later still takes the run over).
const WORKER_WAIT_MS: f64 = 5_000.0;
/// How long the page waits for the snapshot it asked for.
const SETTLE_WAIT_MS: f64 = 10_000.0;
/// A first pass in the worker reports every slice (tens of milliseconds apart on the e-mails,
/// seconds for MiniLM on a slow phone, after building the teacher); this long
/// without a word, the worker is taken for lost (crashed, out of memory) and the page reads.
const READ_SILENCE_MS: f64 = 30_000.0;
/// How often the page redraws how far the readers got: each draw takes the page's thread from
/// the two cores reading.
const READ_SAY_MS: f64 = 150.0;

enum Link {
    /// Not needed yet (the page has trained only on WebGPU so far).
    Idle,
    /// Started at this time, not heard from yet.
    Starting(TrainerLink, f64),
    Up(TrainerLink),
    /// No worker (this browser has none, or it failed): the page trains itself.
    Off,
}

/// The worker, and the run it trains for the page.
pub(super) struct Remote {
    link: Link,
    next_id: u64,
    /// The run handed over (the page's session), and whether the worker has built it.
    run: Option<(u64, bool)>,
    /// What the worker was last told: the settings and whether to train; what to show.
    told: Option<(Settings, bool)>,
    shown: Option<Shown>,
    /// The page's students changed (a file loaded): hand the run over again.
    pub(super) stale: bool,
    /// The snapshot the page asked for has arrived.
    answered: bool,
    /// The teacher's first pass under way in the worker: its id and the teacher's fingerprint.
    reading: Option<(u64, u64)>,
    /// When the worker last said how far it read (or was asked to).
    read_heard: f64,
    /// The worker could not read with this teacher: the page reads itself.
    read_here: bool,
    /// Reads it still owes the read under way (two when it takes the second reader's half
    /// over), and how far it got in the latest.
    main_left: u8,
    main_read: (usize, usize),
    /// When the page last said how far they got.
    read_said: f64,
    /// The whole read, for the worker to finish when the second reader is lost.
    whole: Option<FirstPass>,
    second: SecondReader,
}

impl Remote {
    pub(super) fn new() -> Self {
        Self {
            link: Link::Idle,
            next_id: 1,
            run: None,
            told: None,
            shown: None,
            stale: false,
            answered: false,
            reading: None,
            read_heard: 0.0,
            read_here: false,
            main_left: 0,
            main_read: (0, 0),
            read_said: 0.0,
            whole: None,
            second: SecondReader::new(),
        }
    }

    /// Starts the worker the first time a run is on the CPU.
    pub(super) fn wake(&mut self) {
        if !matches!(self.link, Link::Idle) {
            return;
        }
        self.link = match TrainerLink::spawn() {
            Ok(link) => Link::Starting(link, now_ms()),
            Err(e) => {
                gloo::console::warn!(format!("the students train in the page: {e}"));
                Link::Off
            }
        };
    }

    /// Whether the page should wait for the worker before building a CPU run.
    pub(super) fn starting(&self) -> bool {
        matches!(self.link, Link::Starting(_, since) if now_ms() - since < WORKER_WAIT_MS)
    }

    /// The worker, once it is up.
    pub(super) fn link(&self) -> Option<&TrainerLink> {
        self.up()
    }

    fn up(&self) -> Option<&TrainerLink> {
        match &self.link {
            Link::Up(link) => Some(link),
            _ => None,
        }
    }

    /// The run the worker trains, if the page's session is handed over.
    pub(super) fn training(&self) -> bool {
        self.run.is_some()
    }

    /// The page's session is gone (new students, data or device): the worker's run stops.
    pub(super) fn forget_run(&mut self) {
        if let (Some(_), Some((settings, _)), Some(link)) = (self.run, self.told.take(), self.up())
        {
            link.send(ToTrainer::Control {
                settings,
                running: false,
                single_step: false,
            });
        }
        self.run = None;
        self.shown = None;
    }
}

impl Driver {
    /// Hands the page's session to the worker (CPU only, once the worker is up), and says
    /// where the students train now (one dispatch, so one render).
    pub(super) async fn hand_to_worker(&mut self) {
        self.remote.stale = false;
        self.remote.forget_run();
        let handed = self.start_worker_run().await;
        // Only a text teacher reads (another one, trained or loaded): the second reader starts
        // with a text run, not with the page.
        if handed && (self.material.data.as_ref()).is_some_and(|d| d.text.is_some()) {
            self.remote.second.wake();
        }
        self.emit(Action::InWorker(handed));
    }

    /// Hands a text teacher's first pass to the worker when this run trains there: whether it
    /// went (the students are built when the logits come back).
    pub(super) fn read_in_worker(&mut self) -> bool {
        let on_cpu = (self.engine.device.as_ref()).is_some_and(|(_, c)| c.kind == DeviceKind::Cpu);
        let (Some(data), true, false) = (&self.material.data, on_cpu, self.remote.read_here) else {
            return false;
        };
        let (w, teacher) = (&self.wanted, &self.material.teacher);
        let (fp, shipped_pieces) = shipped_piece_teacher(data, teacher);
        // The shipped MiniLM comes with its logits: only Tang's copies are new to it.
        let nothing_new = shipped_pieces && w.settings.tang().copies == 0;
        if data.text.is_none() || nothing_new || self.remote.up().is_none() {
            return false;
        }
        // An error here is the session's to say, with the page's own reading.
        if !crate::app::session::unread_rows(&w.settings, teacher, data).is_ok_and(|n| n > 0) {
            return false;
        }
        let id = self.remote.next_id;
        self.remote.next_id += 1;
        let whole = FirstPass {
            id,
            settings: w.settings.clone(),
            dataset: data.kind,
            teacher: (!shipped_pieces).then(|| teacher.clone()),
            share: Share::WHOLE,
        };
        let half = |part| FirstPass {
            share: Share { part, of: 2 },
            ..whole.clone()
        };
        let r = &mut self.remote;
        let pass = match r.second.read(half(1), now_ms()) {
            true => half(0),
            false => whole.clone(),
        };
        let Some(link) = r.up() else {
            return false;
        };
        link.send(ToTrainer::Read(Box::new(pass)));
        (r.reading, r.whole) = (Some((id, fp)), Some(whole));
        (r.main_left, r.main_read, r.read_heard) = (1, (0, 0), now_ms());
        true
    }

    /// One reader's logits came back: the page keeps them, and builds the students once both
    /// readers are done.
    fn part_read(&mut self, known: crate::engine::train::KnownLogits) {
        let (Some((_, fp)), Some(data)) = (self.remote.reading, &self.material.data) else {
            return;
        };
        if let Some(Err(e)) = data.text.as_ref().map(|t| t.remember(fp, known)) {
            // Asking the worker again would bring the same logits back: the page reads.
            gloo::console::warn!(format!("{e}: the teacher reads in the page"));
            self.remote.read_here = true;
            return self.first_pass_over();
        }
        if self.remote.main_left == 0 && !self.remote.second.reading() {
            self.first_pass_over();
        }
    }

    /// The second reader's half goes to the training worker, which reads it after its own.
    fn main_reads_the_rest(&mut self, why: String) {
        gloo::console::warn!(format!("{why}: the training worker reads its half"));
        let r = &mut self.remote;
        let (Some(whole), Some(link)) = (r.whole.clone(), r.up()) else {
            return;
        };
        link.send(ToTrainer::Read(Box::new(whole)));
        r.main_left += 1;
        r.read_heard = now_ms();
    }

    /// Both readers' rows read, of their rows to read.
    fn say_how_far(&mut self) {
        let ((a, b), (c, d)) = (self.remote.main_read, self.remote.second.progress());
        if now_ms() - self.remote.read_said < READ_SAY_MS && a + c < b + d {
            return;
        }
        self.remote.read_said = now_ms();
        self.emit(Action::Reading(Some((a + c, b + d))));
    }

    /// Takes what the second reader said.
    fn hear_second(&mut self) {
        loop {
            match self.remote.second.hear(now_ms(), READ_SILENCE_MS) {
                Heard::Nothing => return,
                Heard::Progress => self.say_how_far(),
                Heard::Read(known) => self.part_read(known),
                Heard::Lost(why) => self.main_reads_the_rest(why),
            }
        }
    }

    fn first_pass_over(&mut self) {
        let r = &mut self.remote;
        (r.reading, r.whole, r.main_left) = (None, None, 0);
        r.second.forget();
        self.run.rebuild = true;
        self.emit(Action::Reading(None));
    }

    /// Sends the run to the worker; whether it went.
    async fn start_worker_run(&mut self) -> bool {
        let on_cpu = self
            .engine
            .device
            .as_ref()
            .is_some_and(|(_, c)| c.kind == DeviceKind::Cpu);
        let (Some(s), Some(data), true) = (&self.run.session, &self.material.data, on_cpu) else {
            return false;
        };
        if self.remote.up().is_none() {
            return false;
        }
        let w = &self.wanted;
        let (fp, shipped_pieces) = shipped_piece_teacher(data, &self.material.teacher);
        let start = async {
            let run = s.snapshot(&w.settings, &[]).await?;
            let known = (data.text.as_ref())
                .filter(|_| !shipped_pieces)
                .map(|t| t.known(fp));
            Ok::<_, crate::Error>((run, known))
        };
        let (run, known) = match start.await {
            Ok(parts) => parts,
            Err(e) => {
                self.emit(Action::Failed(e.to_string()));
                return false;
            }
        };
        let id = self.remote.next_id;
        self.remote.next_id += 1;
        let shown = Shown {
            example: w.example,
            input: w.input.clone(),
            text: w.text.clone(),
            similarity: false,
        };
        let start = Start {
            id,
            settings: w.settings.clone(),
            dataset: data.kind,
            teacher: (!shipped_pieces).then(|| self.material.teacher.clone()),
            distilled: run.distilled,
            scratch: run.scratch,
            steps: run.steps,
            known,
            shown: shown.clone(),
            running: w.running,
        };
        if let Some(link) = self.remote.up() {
            link.send(ToTrainer::Start(Box::new(start)));
        }
        self.remote.run = Some((id, false));
        self.remote.told = Some((w.settings.clone(), w.running));
        self.remote.shown = Some(shown);
        true
    }

    /// Brings the page's session up to the worker's students (pausing them first if asked):
    /// before a file is written or loaded, and before the students move to another device.
    pub(super) async fn settle_worker(&mut self, pause: bool) {
        // The page's students are newer than the worker's (a file was just loaded): they go to
        // the worker, never the other way.
        if self.remote.stale {
            return;
        }
        let Some(link) = self.remote.up().filter(|_| self.remote.training()) else {
            return;
        };
        link.send(ToTrainer::Snapshot { pause });
        self.remote.answered = false;
        // A text step takes a fraction of a second; a worker gone silent is not waited for.
        let since = now_ms();
        while !self.remote.answered && now_ms() - since < SETTLE_WAIT_MS {
            sleep_ms(5).await;
            self.hear_worker();
        }
    }

    /// Tells the worker what changed: the settings, train or pause, one step, what to show.
    pub(super) fn tell_worker(&mut self) {
        let single = std::mem::take(&mut self.wanted.single_step);
        let w = &self.wanted;
        let told = (w.settings.clone(), w.running);
        let shown = Shown {
            example: w.example,
            input: w.input.clone(),
            text: w.text.clone(),
            similarity: false,
        };
        let r = &mut self.remote;
        let control = single || r.told.as_ref() != Some(&told);
        let show = r.shown.as_ref() != Some(&shown);
        let Some(link) = r.up() else { return };
        if control {
            link.send(ToTrainer::Control {
                settings: told.0.clone(),
                running: told.1,
                single_step: single,
            });
        }
        if show {
            link.send(ToTrainer::Show(shown.clone()));
        }
        r.told = Some(told);
        r.shown = Some(shown);
    }

    /// Takes what the worker sent: its greeting, then the current run's progress, views and
    /// snapshots (an older run's messages are dropped).
    pub(super) fn hear_worker(&mut self) {
        loop {
            let message = match &mut self.remote.link {
                Link::Starting(link, _) | Link::Up(link) => link.next(),
                Link::Idle | Link::Off => None,
            };
            let Some(message) = message else { break };
            if message == FromTrainer::Hello {
                self.worker_up();
                continue;
            }
            // Lab work belongs to no run; a run's messages only to the current one.
            let reading = self.remote.reading.map(|(id, _)| id);
            let current = message.run() == self.remote.run.map(|(id, _)| id)
                || (reading.is_some() && message.run() == reading);
            if current || matches!(message, FromTrainer::Lab(_)) {
                self.take_worker_message(message);
            }
        }
        self.hear_second();
        self.watch_the_read();
    }

    /// A worker silent in the middle of a read would leave the students unbuilt for good: the
    /// page reads by itself instead (a late answer carries an id no longer waited for).
    fn watch_the_read(&mut self) {
        let owed = self.remote.reading.is_some() && self.remote.main_left > 0;
        if owed && now_ms() - self.remote.read_heard > READ_SILENCE_MS {
            gloo::console::warn!(
                "the training worker stopped answering: the teacher reads in the page"
            );
            self.remote.read_here = true;
            self.first_pass_over();
        }
    }

    fn worker_up(&mut self) {
        if let Link::Starting(..) = self.remote.link
            && let Link::Starting(link, _) = std::mem::replace(&mut self.remote.link, Link::Off)
        {
            self.remote.link = Link::Up(link);
            // A CPU run the page built meanwhile goes to the worker.
            self.remote.stale = self.run.session.is_some();
        }
    }

    fn take_worker_message(&mut self, message: FromTrainer) {
        match message {
            FromTrainer::Hello => {}
            FromTrainer::Reading { done, total, .. } => {
                (self.remote.read_heard, self.remote.main_read) = (now_ms(), (done, total));
                self.say_how_far();
            }
            FromTrainer::Read { known, .. } => {
                self.remote.main_left = self.remote.main_left.saturating_sub(1);
                self.part_read(known);
            }
            FromTrainer::Failed { id, message } if Some(id) == self.remote.reading.map(|r| r.0) => {
                gloo::console::warn!(format!("{message}: the teacher reads in the page"));
                self.remote.read_here = true;
                self.first_pass_over();
            }
            FromTrainer::Ready { id } => self.remote.run = Some((id, true)),
            FromTrainer::Progress { steps, point, .. } => {
                if let Some(p) = point {
                    self.run.curves.push(p);
                }
                self.emit(Action::Progress { steps, point });
            }
            FromTrainer::Views { steps, views, .. } => self.show_views(steps, *views),
            FromTrainer::Snapshot {
                steps,
                asked,
                distilled,
                scratch,
                ..
            } => {
                self.keep_snapshot(steps, distilled, scratch);
                self.remote.answered |= asked;
            }
            FromTrainer::Diverged { message, .. } => self.emit(Action::Diverged(message)),
            FromTrainer::Failed { message, .. } => self.worker_failed(message),
            FromTrainer::Lab(report) => self.hear_labs(vec![report]),
        }
    }

    fn show_views(&mut self, steps: usize, views: Views) {
        self.shown.steps = steps;
        self.emit(Action::Progress { steps, point: None });
        self.emit(Action::Logits(views.logits, views.drawing));
        if let Some(g) = views.grid {
            self.emit(Action::Grid(g));
        }
        if views.attention.is_some() {
            self.emit(Action::Attention(views.attention));
        }
        if let Some(m) = views.similarity {
            self.emit(Action::Similarity(m));
        }
    }

    /// The worker's students: the page's session takes them (files and teachers read it), and
    /// they are saved in the browser as the page's own run would be.
    fn keep_snapshot(&mut self, steps: usize, distilled: NetworkWeights, scratch: NetworkWeights) {
        let run = SavedRun {
            settings: self.wanted.settings.clone(),
            steps,
            curves: self.run.curves.clone(),
            distilled,
            scratch,
        };
        if let Some(s) = self.run.session.as_mut()
            && let Err(e) = s.restore(&run)
        {
            self.emit(Action::Failed(e.to_string()));
        }
        self.run.saved_at = (steps, now_ms());
        if let Err(notice) = storage::save_run(&run)
            && !std::mem::replace(&mut self.run.save_refused, true)
        {
            self.emit(Action::Notice(notice));
        }
        self.run.last_saved = Some(run);
    }

    /// A run the worker could not build goes back to the page, which trains it itself; a
    /// failure during training is shown like the page's own.
    fn worker_failed(&mut self, message: String) {
        if self.remote.run.is_some_and(|(_, ready)| !ready) {
            gloo::console::warn!(format!("{message}: the students train in the page"));
            self.remote.forget_run();
            self.remote.link = Link::Off;
            return self.emit(Action::InWorker(false));
        }
        self.emit(Action::Failed(message));
    }
}

/// The teacher's fingerprint, and whether it is the set's shipped teacher of word pieces
/// (Brown's MiniLM): the worker then loads it, and its logits, with the set rather than take
/// 68 MB of floats and 45,000 rows.
fn shipped_piece_teacher(data: &crate::app::data::Data, teacher: &NetworkWeights) -> (u64, bool) {
    let fp = crate::app::text_data::fingerprint(teacher);
    let shipped = (data.text.as_ref())
        .and_then(|t| t.pieces.as_ref())
        .is_some_and(|p| p.shipped == fp);
    (fp, shipped)
}
