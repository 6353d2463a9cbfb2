//! The training worker's logic, natively: a run handed over trains exactly as it would have in
//! the page, reports what the page shows, and says what went wrong; its messages survive the
//! codec the browser uses (gloo-worker's bincode).

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use futures_lite::future::block_on;

use super::served::{nudged, served};
use distill_playground::app::Settings;
use distill_playground::app::loading::built_in_teacher;
use distill_playground::app::loading::load_spam;
use distill_playground::app::session::Session;
use distill_playground::app::session::{Share, unread_rows};
use distill_playground::app::state::Data;
use distill_playground::app::text_data::fingerprint;
use distill_playground::app::trainer_host::TrainerHost;
use distill_playground::app::trainer_protocol::FirstPass;
use distill_playground::app::trainer_protocol::{FromTrainer, Start, ToTrainer};
use distill_playground::app::views::Shown;
use distill_playground::engine::catalog::DatasetKind;
use distill_playground::engine::data::digits;
use distill_playground::engine::train::{KnownLogits, logits_host};
use distill_playground::engine::weights::NetworkWeights;

fn digits_data() -> Data {
    Data::features(DatasetKind::Digits, digits().unwrap())
}

fn session(settings: &Settings) -> Session {
    let teacher = built_in_teacher().unwrap();
    let between = |_, _| std::future::ready(());
    block_on(Session::new(
        settings,
        Device::flex(),
        &teacher,
        &digits_data(),
        between,
    ))
    .unwrap()
}

fn start(id: u64, settings: &Settings, s: &Session) -> Start {
    let run = block_on(s.snapshot(settings, &[])).unwrap();
    Start {
        id,
        settings: settings.clone(),
        dataset: DatasetKind::Digits,
        teacher: Some(built_in_teacher().unwrap()),
        distilled: run.distilled,
        scratch: run.scratch,
        steps: run.steps,
        known: None,
        shown: Shown {
            example: 3,
            input: None,
            text: None,
            similarity: false,
        },
        running: false,
    }
}

/// A host whose messages land in a list; no file is ever fetched (digits are built in).
fn host() -> (TrainerHost, Rc<RefCell<Vec<FromTrainer>>>) {
    host_serving(|path: String| std::future::ready(Err(format!("{path} is not served in tests"))))
}

/// A host that fetches files with `fetch`.
fn host_serving(
    fetch: impl Fn(String) -> std::future::Ready<Result<Vec<u8>, String>> + 'static,
) -> (TrainerHost, Rc<RefCell<Vec<FromTrainer>>>) {
    let sent = Rc::new(RefCell::new(Vec::new()));
    let inbox = sent.clone();
    let fetch: distill_playground::app::labs::Fetch = Rc::new(move |path: String| {
        Box::pin(fetch(path)) as std::pin::Pin<Box<dyn std::future::Future<Output = _>>>
    });
    let send = Box::new(move |m| inbox.borrow_mut().push(m));
    (TrainerHost::new(fetch, send), sent)
}

/// A clock that moves 10 ms per reading, so turns end and refreshes fall due.
fn clock() -> impl Fn() -> f64 {
    let t = std::cell::Cell::new(0.0);
    move || {
        t.set(t.get() + 10.0);
        t.get()
    }
}

fn turn(h: &mut TrainerHost, now: &impl Fn() -> f64) {
    block_on(h.turn(now, Rc::new(|| Box::pin(std::future::ready(())))));
}

fn control(settings: &Settings, running: bool) -> ToTrainer {
    ToTrainer::Control {
        settings: settings.clone(),
        running,
        single_step: false,
    }
}

fn last_snapshot(sent: &[FromTrainer]) -> Option<(usize, NetworkWeights, NetworkWeights)> {
    sent.iter().rev().find_map(|m| match m {
        FromTrainer::Snapshot {
            steps,
            distilled,
            scratch,
            ..
        } => Some((*steps, distilled.clone(), scratch.clone())),
        _ => None,
    })
}

#[test]
fn a_run_handed_to_the_worker_trains_exactly_as_in_the_page() {
    let settings = Settings::default();
    // The page trained a little before the worker took over.
    let mut page = session(&settings);
    block_on(page.steps(10)).unwrap();
    let (mut h, sent) = host();
    let now = clock();
    // The page says "train" right after handing the run over: it applies to that run. It
    // sends no teacher: the worker loads the set's shipped one.
    let shipped = Start {
        teacher: None,
        ..start(7, &settings, &page)
    };
    h.receive(ToTrainer::Start(Box::new(shipped)));
    h.receive(control(&settings, true));
    turn(&mut h, &now);
    assert!(matches!(sent.borrow()[0], FromTrainer::Ready { id: 7 }));
    while sent
        .borrow()
        .iter()
        .all(|m| !matches!(m, FromTrainer::Progress { steps: 50.., .. }))
    {
        turn(&mut h, &now);
    }
    h.receive(control(&settings, false));
    turn(&mut h, &now);
    assert!(!h.busy(), "paused, with everything sent");
    let (steps, distilled, scratch) = last_snapshot(&sent.borrow()).expect("a snapshot on pause");
    // What the page does with a saved run (a reload): the same students, batches from step 10.
    let handed = block_on(page.snapshot(&settings, &[])).unwrap();
    let mut page = session(&settings);
    page.restore(&handed).unwrap();
    block_on(page.steps(steps - 10)).unwrap();
    let here = block_on(page.snapshot(&settings, &[])).unwrap();
    let same = distilled == here.distilled && scratch == here.scratch;
    assert!(
        same,
        "the worker's students differ from the page's after {steps} steps"
    );
    let sent = sent.borrow();
    // Curve points at the page's marks, and views of the example shown, all of run 7.
    let marks: Vec<usize> = sent
        .iter()
        .filter_map(|m| match m {
            FromTrainer::Progress { point: Some(p), .. } => Some(p.step),
            _ => None,
        })
        .collect();
    assert_eq!(
        &marks[..2],
        [25, 50],
        "points at the page's marks from step 10 on"
    );
    assert!(sent.iter().all(|m| m.run() == Some(7)));
    let views = sent
        .iter()
        .filter(|m| matches!(m, FromTrainer::Views { .. }))
        .count();
    assert!(
        views >= 2,
        "views when the run started and as it trained: {views}"
    );
}

#[test]
fn a_step_retunes_and_shows_what_the_page_asks() {
    let settings = Settings::default();
    let page = session(&settings);
    let (mut h, sent) = host();
    let now = clock();
    h.receive(ToTrainer::Start(Box::new(start(1, &settings, &page))));
    turn(&mut h, &now);
    let hotter = Settings {
        temperature: settings.temperature * 2.0,
        ..settings.clone()
    };
    h.receive(ToTrainer::Control {
        settings: hotter,
        running: false,
        single_step: true,
    });
    let drawn = Shown {
        example: 0,
        input: Some((4, vec![0.5; 64])),
        text: None,
        similarity: false,
    };
    h.receive(ToTrainer::Show(drawn));
    turn(&mut h, &now);
    let log = sent.borrow();
    let one = log.iter().find_map(|m| match m {
        FromTrainer::Progress { steps, point, .. } => Some((*steps, point.is_some())),
        _ => None,
    });
    assert_eq!(one, Some((1, true)), "one step, with its curve point");
    let drawing = log.iter().rev().find_map(|m| match m {
        FromTrainer::Views { views, .. } => Some(views.drawing),
        _ => None,
    });
    assert_eq!(drawing, Some(Some(4)), "the views are of the drawing");
    // Paused, the views carry the layer similarity: 6 teacher layers × 3 student layers.
    let similarity = log.iter().rev().find_map(|m| match m {
        FromTrainer::Views { views, .. } => views.similarity.clone(),
        _ => None,
    });
    let m = similarity.expect("the layer similarity");
    assert_eq!((m.len(), m[0].len()), (6, 3));
    assert!(m.iter().flatten().all(|v| (0.0..=1.0).contains(v)), "{m:?}");
    assert!(!log.iter().any(|m| matches!(m, FromTrainer::Failed { .. })));
    drop(log);
    // Asked for, a snapshot comes although the students have not moved since the last one;
    // asked with a pause, training stops first.
    h.receive(ToTrainer::Snapshot { pause: false });
    h.receive(control(&settings, true));
    h.receive(ToTrainer::Snapshot { pause: true });
    turn(&mut h, &now);
    let asked: Vec<usize> = sent
        .borrow()
        .iter()
        .filter_map(|m| match m {
            FromTrainer::Snapshot {
                asked: true, steps, ..
            } => Some(*steps),
            _ => None,
        })
        .collect();
    assert_eq!(asked, [1], "one answer, before any further step");
    assert!(!h.busy(), "paused");
}

#[test]
fn runs_that_cannot_start_or_blow_up_say_so_with_their_id() {
    let settings = Settings::default();
    let page = session(&settings);
    let (mut h, sent) = host();
    let now = clock();
    // Students of another shape than the settings ask for.
    let mut wrong = start(2, &settings, &page);
    wrong.settings.student_hidden.push(16);
    h.receive(ToTrainer::Start(Box::new(wrong)));
    turn(&mut h, &now);
    let failed = sent.borrow().iter().find_map(|m| match m {
        FromTrainer::Failed { id: 2, message } => Some(message.clone()),
        _ => None,
    });
    assert!(failed.is_some_and(|m| m.contains("could not start")));
    // A set the worker cannot fetch.
    let mut mnist = start(3, &settings, &page);
    mnist.dataset = DatasetKind::Mnist;
    h.receive(ToTrainer::Start(Box::new(mnist)));
    turn(&mut h, &now);
    assert!(
        matches!(sent.borrow().last(), Some(FromTrainer::Failed { id: 3, message }) if message.contains("not served"))
    );
    // Blown-up weights: the run stops and says it diverged.
    let mut poisoned = start(4, &settings, &page);
    poisoned
        .distilled
        .tensors
        .values_mut()
        .for_each(|t| t.fill(f32::NAN));
    poisoned.running = true;
    h.receive(ToTrainer::Start(Box::new(poisoned)));
    turn(&mut h, &now);
    turn(&mut h, &now);
    let sent = sent.borrow();
    let diverged = sent
        .iter()
        .filter(|m| matches!(m, FromTrainer::Diverged { id: 4, .. }));
    assert_eq!(diverged.count(), 1, "stopped after the first: {sent:?}");
}

#[test]
fn messages_survive_the_browsers_codec() {
    let settings = Settings {
        temperature: 7.5,
        ..Settings::default()
    };
    let page = session(&settings);
    let start = start(9, &settings, &page);
    let to = ToTrainer::Start(Box::new(start.clone()));
    let back: ToTrainer = bincode::deserialize(&bincode::serialize(&to).unwrap()).unwrap();
    assert_eq!(back, to);
    let views = block_on(page.views(&start.shown, &settings)).unwrap();
    let from = FromTrainer::Views {
        id: 9,
        steps: 0,
        views: Box::new(views),
    };
    let back: FromTrainer = bincode::deserialize(&bincode::serialize(&from).unwrap()).unwrap();
    assert_eq!(back, from);
    // A curve point, with a NaN (no labeled rows in the window) beside finite numbers.
    let mut page = page;
    block_on(page.steps(3)).unwrap();
    let mut point = block_on(page.curve_point(|| std::future::ready(()))).unwrap();
    point.train_accuracy = f32::NAN;
    let from = FromTrainer::Progress {
        id: 9,
        steps: 3,
        point: Some(point),
    };
    let back: FromTrainer = bincode::deserialize(&bincode::serialize(&from).unwrap()).unwrap();
    let Some(FromTrainer::Progress { point: Some(p), .. }) = Some(back) else {
        panic!("not a progress message")
    };
    assert!(p.train_accuracy.is_nan());
    assert_eq!((p.test_accuracy, p.hard), (point.test_accuracy, point.hard));
    // A damaged weight file inside a message is an error, not a half-read network.
    let mut bytes = bincode::serialize(&to).unwrap();
    let n = bytes.len();
    bytes[n / 2..n / 2 + 64].fill(0xff);
    assert!(bincode::deserialize::<ToTrainer>(&bytes).is_err());
}

/// Settings for a small run on the e-mails.
fn spam_settings() -> Settings {
    Settings {
        text_width: 16,
        text_depth: 1,
        batch_size: 8,
        ..Settings::default().with_dataset(DatasetKind::Spam)
    }
}

#[test]
fn the_worker_reads_for_a_new_text_teacher_and_the_page_builds_without_reading() {
    let (data, shipped) = block_on(load_spam(served)).unwrap();
    let settings = spam_settings();
    let teacher = nudged(&shipped);
    // The shipped teacher has read every message; another one has read none.
    assert_eq!(unread_rows(&settings, &shipped, &data).unwrap(), 0);
    let unread = unread_rows(&settings, &teacher, &data).unwrap();
    assert!(unread > 5_000, "{unread} messages to read");
    let (mut h, sent) = host_serving(served);
    let pass = |id, teacher: &NetworkWeights| {
        ToTrainer::Read(Box::new(FirstPass {
            id,
            settings: settings.clone(),
            dataset: DatasetKind::Spam,
            teacher: Some(teacher.clone()),
            share: Share::WHOLE,
        }))
    };
    h.receive(pass(5, &teacher));
    turn(&mut h, &clock());
    let sent = std::mem::take(&mut *sent.borrow_mut());
    let progress: Vec<(usize, usize)> = sent
        .iter()
        .filter_map(|m| match m {
            FromTrainer::Reading { id: 5, done, total } => Some((*done, *total)),
            _ => None,
        })
        .collect();
    assert!(
        progress.len() >= 100,
        "{} progress messages",
        progress.len()
    );
    assert!(progress.windows(2).all(|w| w[0].0 < w[1].0));
    assert_eq!(progress.last(), Some(&(unread, unread)));
    let Some(FromTrainer::Read { id: 5, known }) = sent.last().cloned() else {
        panic!("no logits came back: {:?}", sent.last());
    };
    // The page takes them: nothing is left to read, and its session reads no slice and holds
    // this teacher's own logits of the test messages.
    let (page, _) = block_on(load_spam(served)).unwrap();
    let text = page.text.as_ref().unwrap();
    text.remember(fingerprint(&teacher), known).unwrap();
    assert_eq!(unread_rows(&settings, &teacher, &page).unwrap(), 0);
    let slices = std::cell::Cell::new(0);
    let counting = |_, _| {
        slices.set(slices.get() + 1);
        std::future::ready(())
    };
    let s = block_on(Session::new(
        &settings,
        Device::flex(),
        &teacher,
        &page,
        counting,
    ))
    .unwrap();
    assert_eq!(slices.get(), 0, "the page read again");
    let cpu = Device::flex();
    let net = teacher.to_network(&cpu).unwrap();
    let test = logits_host(&net, &data.split.test, &cpu).unwrap();
    let gap =
        (s.teacher_test_logits.iter().zip(&test)).fold(0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(gap < 1e-5, "test logits off by {gap}");
}

#[test]
fn a_first_pass_the_worker_cannot_read_fails_with_its_id() {
    // The set's files cannot be fetched.
    let (mut h, sent) = host();
    h.receive(ToTrainer::Read(Box::new(FirstPass {
        id: 8,
        settings: spam_settings(),
        dataset: DatasetKind::Spam,
        teacher: None,
        share: Share::WHOLE,
    })));
    turn(&mut h, &clock());
    let sent = sent.borrow();
    assert!(
        matches!(sent.last(), Some(FromTrainer::Failed { id: 8, message }) if message.contains("could not read") && message.contains("not served")),
        "{sent:?}"
    );
    assert!(!sent.iter().any(|m| matches!(m, FromTrainer::Read { .. })));
}

/// The read progress a host sent for `id`, and the logits it sent back.
fn read_by(
    h: &mut TrainerHost,
    sent: &RefCell<Vec<FromTrainer>>,
    pass: FirstPass,
) -> (usize, KnownLogits) {
    let id = pass.id;
    h.receive(ToTrainer::Read(Box::new(pass)));
    turn(h, &clock());
    let sent = std::mem::take(&mut *sent.borrow_mut());
    let total = sent.iter().rev().find_map(|m| match m {
        FromTrainer::Reading { id: i, total, .. } if *i == id => Some(*total),
        _ => None,
    });
    let Some(FromTrainer::Read { id: i, known }) = sent.last().cloned() else {
        panic!("no logits came back: {:?}", sent.last());
    };
    assert_eq!(i, id);
    (total.unwrap_or(0), known)
}

#[test]
fn two_workers_read_one_half_each_and_one_reads_the_rest_when_the_other_is_lost() {
    let (data, shipped) = block_on(load_spam(served)).unwrap();
    let settings = spam_settings();
    let teacher = nudged(&shipped);
    let unread = unread_rows(&settings, &teacher, &data).unwrap();
    let pass = |share| FirstPass {
        id: 9,
        settings: settings.clone(),
        dataset: DatasetKind::Spam,
        teacher: Some(teacher.clone()),
        share,
    };
    let ((mut a, sent_a), (mut b, sent_b)) = (host_serving(served), host_serving(served));
    let (first, known_a) = read_by(&mut a, &sent_a, pass(Share { part: 0, of: 2 }));
    let (second, known_b) = read_by(&mut b, &sent_b, pass(Share { part: 1, of: 2 }));
    // A message sent twice may fall in both halves and be read twice (ten are, here). The
    // halves are halves of the rows, repeats and all: 2,917 and 2,829 new messages.
    assert!(
        (unread..unread + 20).contains(&(first + second)),
        "{first} + {second} of {unread}"
    );
    let even = (unread * 2 / 5)..(unread * 3 / 5);
    assert!(
        even.contains(&first) && even.contains(&second),
        "{first} and {second} rows"
    );
    // One half leaves the other unread; both leave nothing.
    let fp = fingerprint(&teacher);
    let (page, _) = block_on(load_spam(served)).unwrap();
    let text = page.text.as_ref().unwrap();
    text.remember(fp, known_a.clone()).unwrap();
    assert_eq!(
        unread_rows(&settings, &teacher, &page).unwrap(),
        unread - first
    );
    text.remember(fp, known_b).unwrap();
    assert_eq!(unread_rows(&settings, &teacher, &page).unwrap(), 0);
    // The second worker lost: the first reads the whole, which is only the other half to it.
    let (rest, known) = read_by(&mut a, &sent_a, pass(Share::WHOLE));
    assert_eq!(rest, unread - first);
    let (alone, _) = block_on(load_spam(served)).unwrap();
    alone.text.as_ref().unwrap().remember(fp, known).unwrap();
    assert_eq!(unread_rows(&settings, &teacher, &alone).unwrap(), 0);
}
