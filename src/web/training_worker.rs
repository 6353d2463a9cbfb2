//! The students' training worker, on gloo-worker. The page's CPU-only build is started a second
//! time in a dedicated worker (`www/train-worker.js`); without a document, its `main` registers
//! [`TrainingWorker`] instead of mounting the page. The worker runs a [`TrainerHost`] (the
//! students and the labs' work); the page
//! talks to it through a [`TrainerLink`].

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use futures_channel::mpsc::{UnboundedReceiver, unbounded};
use gloo::worker::{HandlerId, Registrable, Spawnable, Worker, WorkerBridge, WorkerScope};

use crate::app::labs::Fetch;
use crate::app::trainer_host::TrainerHost;
use crate::app::trainer_protocol::{FromTrainer, ToTrainer};
use crate::web::files;
use crate::web::pace::{sleep_ms, yield_to_input};

/// The loader script the worker starts from (it imports the CPU-only build named in engines.json).
const LOADER: &str = "train-worker.js";
const READER: &str = "train-worker.js?reader";

/// Messages the worker holds for its loop, and the page to answer.
#[derive(Default)]
struct Inbox {
    messages: VecDeque<ToTrainer>,
    page: Option<HandlerId>,
}

pub struct TrainingWorker {
    inbox: Rc<RefCell<Inbox>>,
}

impl Worker for TrainingWorker {
    type Message = ();
    type Input = ToTrainer;
    type Output = FromTrainer;

    fn create(scope: &WorkerScope<Self>) -> Self {
        let inbox = Rc::new(RefCell::new(Inbox::default()));
        wasm_bindgen_futures::spawn_local(serve(scope.clone(), inbox.clone()));
        Self { inbox }
    }

    fn update(&mut self, _: &WorkerScope<Self>, _: ()) {}

    fn connected(&mut self, scope: &WorkerScope<Self>, id: HandlerId) {
        self.inbox.borrow_mut().page = Some(id);
        scope.respond(id, FromTrainer::Hello);
    }

    fn received(&mut self, _: &WorkerScope<Self>, message: ToTrainer, id: HandlerId) {
        let mut inbox = self.inbox.borrow_mut();
        inbox.page = Some(id);
        inbox.messages.push_back(message);
    }
}

/// The worker's loop: hand the messages to the host, let it work, give way to new messages.
async fn serve(scope: WorkerScope<TrainingWorker>, inbox: Rc<RefCell<Inbox>>) {
    let answer = inbox.clone();
    let send = Box::new(move |message| {
        if let Some(page) = answer.borrow().page {
            scope.respond(page, message);
        }
    });
    let fetch: Fetch = Rc::new(|path| {
        Box::pin(async move { files::fetch(&path).await.map_err(|e| e.to_string()) })
    });
    let mut host = TrainerHost::new(fetch, send);
    loop {
        let arrived: Vec<_> = inbox.borrow_mut().messages.drain(..).collect();
        arrived.into_iter().for_each(|m| host.receive(m));
        if host.busy() {
            host.turn(js_sys::Date::now, Rc::new(|| Box::pin(yield_to_input())))
                .await;
            yield_to_input().await;
        } else {
            sleep_ms(5).await;
        }
    }
}

/// The worker side of the page's build: called by `main` when there is no document.
pub fn register() {
    console_error_panic_hook::set_once();
    TrainingWorker::registrar().register();
}

/// The page's end: starts the worker, sends it messages, and holds what it sent back.
pub struct TrainerLink {
    bridge: WorkerBridge<TrainingWorker>,
    replies: UnboundedReceiver<FromTrainer>,
}

impl TrainerLink {
    /// Starts the worker (it says [`FromTrainer::Hello`] once it is up); an error if this
    /// browser has no workers.
    pub fn spawn() -> Result<Self, String> {
        Self::spawn_as(LOADER)
    }

    /// A second worker that only reads with teachers, told apart by its address (a browser's
    /// tools, and the tests, list workers by it).
    pub fn spawn_reader() -> Result<Self, String> {
        Self::spawn_as(READER)
    }

    fn spawn_as(loader: &str) -> Result<Self, String> {
        let global = js_sys::global();
        if !js_sys::Reflect::has(&global, &"Worker".into()).unwrap_or(false) {
            return Err("this browser has no Web Workers".into());
        }
        let (tx, replies) = unbounded();
        let bridge = TrainingWorker::spawner()
            .callback(move |reply| {
                if tx.unbounded_send(reply).is_err() {
                    gloo::console::warn!("a message from the training worker came after the page");
                }
            })
            .spawn_with_loader(loader);
        Ok(Self { bridge, replies })
    }

    pub fn send(&self, message: ToTrainer) {
        self.bridge.send(message);
    }

    /// The next message the worker sent, if one is waiting.
    pub fn next(&mut self) -> Option<FromTrainer> {
        self.replies.try_recv().ok()
    }
}
