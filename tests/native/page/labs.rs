//! The labs' work, natively, through the host the worker and the page run: each request starts
//! its job, the job reports progress and results and ends, a cancel keeps what finished, and a
//! second job waits for the first.

use std::rc::Rc;

use burn::tensor::Device;
use futures_lite::future::block_on;

use distill_playground::app::Settings;
use distill_playground::app::data::Data;
use distill_playground::app::jobs::Ended;
use distill_playground::app::labs::cross_lingual::{CrossLingualRequest, Readout};
use distill_playground::app::labs::devices::DevicesRequest;
use distill_playground::app::labs::ensemble::EnsembleRequest;
use distill_playground::app::labs::exits::{ExitsEvent, ExitsRequest};
use distill_playground::app::labs::imitation::ImitationRequest;
use distill_playground::app::labs::multitask::MultiTaskRequest;
use distill_playground::app::labs::sequence::{SequenceEvent, SequenceRequest, Taught};
use distill_playground::app::labs::sweep::SweepRequest;
use distill_playground::app::labs::teachers::TeacherRequest;
use distill_playground::app::labs::theseus::TheseusRequest;
use distill_playground::app::labs::{
    Fetch, LabContext, LabEvent, LabHost, LabReport, LabRequest, Labs, RunContext,
};
use distill_playground::app::loading::built_in_teacher;
use distill_playground::app::session::Session;
use distill_playground::app::trainer_protocol::FromTrainer;
use distill_playground::engine::catalog::DatasetKind;
use distill_playground::engine::data::digits;
use distill_playground::engine::seq2seq::Targets;
use distill_playground::engine::seq2seq::data::spell;

fn session(settings: &Settings) -> Session {
    let data = Data::features(DatasetKind::Digits, digits().unwrap());
    let teacher = built_in_teacher().unwrap();
    let between = |_, _| std::future::ready(());
    block_on(Session::new(
        settings,
        Device::flex(),
        &teacher,
        &data,
        between,
    ))
    .unwrap()
}

/// Files of the repository, as the page's server would give them.
fn served() -> Fetch {
    Rc::new(|path: String| {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(&path);
        Box::pin(std::future::ready(
            std::fs::read(file).map_err(|e| format!("{path}: {e}")),
        ))
    })
}

/// What the worker sends goes through gloo-worker's codec (bincode), which reads no
/// self-describing forms: every report is written and read back as the page would.
fn survives_the_codec(report: &LabReport<LabEvent>) {
    let message = FromTrainer::Lab(report.clone());
    let bytes = bincode::serialize(&message).expect("the worker can write it");
    let back: FromTrainer = bincode::deserialize(&bytes).expect("the page can read it");
    assert_eq!(back, message);
}

/// A clock that moves 1 ms per reading: turns end after a dozen steps.
fn clock() -> impl Fn() -> f64 {
    let t = std::cell::Cell::new(0.0);
    move || {
        t.set(t.get() + 1.0);
        t.get()
    }
}

/// Starts `request` and runs turns until its work ends, or until `stop` says to cancel; every
/// report goes into the page's lab state, as the page would take them.
fn run(
    host: &mut LabHost,
    labs: &mut Labs,
    session: &Session,
    request: LabRequest,
    stop: impl Fn(&Labs) -> bool,
) -> Ended {
    let settings = Settings::default();
    let labs = std::cell::RefCell::new(labs);
    let stop = || stop(&labs.borrow());
    drive(host, (session, &settings), request, stop, |r| {
        labs.borrow_mut().hear(r)
    })
}

/// [`run`] under `settings`, handing each report to `heard`.
fn drive(
    host: &mut LabHost,
    (session, settings): (&Session, &Settings),
    request: LabRequest,
    stop: impl Fn() -> bool,
    mut heard: impl FnMut(LabReport<LabEvent>),
) -> Ended {
    let fetch = served();
    let context = LabContext {
        run: Some(RunContext {
            session,
            teacher: &session.teacher,
            settings,
        }),
        fetch: &fetch,
        gpu: None,
        no_gpu: Some("no WebGPU in tests".into()),
    };
    let now = clock();
    let mut reports = host.request(request, &context);
    loop {
        for r in reports.drain(..) {
            survives_the_codec(&r);
            if let LabReport::Ended { ended, .. } = &r {
                let ended = ended.clone();
                heard(r);
                return ended;
            }
            heard(r);
        }
        reports = match stop() {
            true => host.cancel(),
            false => block_on(host.turn(&now, &context)),
        };
    }
}

#[test]
fn exits_train_then_answer_the_input_on_show() {
    let s = session(&Settings::default());
    let (mut host, mut labs) = (LabHost::default(), Labs::default());
    let request = LabRequest::exits(ExitsRequest::Train);
    assert_eq!(
        run(&mut host, &mut labs, &s, request, |_| false),
        Ended::Done
    );
    let result = labs.states.exits.result.clone().expect("the exits' table");
    assert!(
        result.teacher_accuracy > 0.95,
        "{}",
        result.teacher_accuracy
    );
    assert!(labs.work.is_none() && !host.busy());
    // A drawing on show: every exit's distribution, five exits of ten classes.
    let shown = host.show(Some((7, vec![0.5; 64])));
    let Some(LabReport::Event(LabEvent::exits(ExitsEvent::Input(Some((7, probs)))))) =
        shown.first()
    else {
        panic!("no answer for the drawing: {shown:?}")
    };
    assert_eq!(probs.len(), 6 * 10, "five exits and the teacher's own");
}

#[test]
fn a_cancelled_sweep_keeps_its_finished_cells_and_a_second_job_waits_its_turn() {
    let s = session(&Settings::default());
    let (mut host, mut labs) = (LabHost::default(), Labs::default());
    let request = LabRequest::sweep(SweepRequest::Run { steps: 50 });
    let two_cells = |l: &Labs| {
        l.states
            .sweep
            .result
            .as_ref()
            .is_some_and(|r| r.cells.len() == 2)
    };
    assert_eq!(
        run(&mut host, &mut labs, &s, request, two_cells),
        Ended::Cancelled
    );
    let lab = &labs.states.sweep;
    assert!(lab.cancelled);
    assert_eq!(
        lab.result.as_ref().map(|r| r.cells.len()),
        Some(2),
        "the finished cells stay"
    );

    // While one job runs, a request for another waits its turn and starts when the first ends,
    // as a preset's requests do.
    let settings = Settings::default();
    let fetch = served();
    let context = LabContext {
        run: Some(RunContext {
            session: &s,
            teacher: &s.teacher,
            settings: &settings,
        }),
        fetch: &fetch,
        gpu: None,
        no_gpu: None,
    };
    host.request(LabRequest::sweep(SweepRequest::Run { steps: 50 }), &context);
    let waits = host.request(LabRequest::exits(ExitsRequest::Train), &context);
    assert!(waits.is_empty(), "{waits:?}");
    let now = clock();
    let mut ended = Vec::new();
    // Bounded: a request that never starts fails the test rather than hanging it.
    for _ in 0..100_000 {
        if ended.len() == 2 {
            break;
        }
        for report in block_on(host.turn(&now, &context)) {
            if let LabReport::Ended { lab, ended: how } = report {
                ended.push((lab, how));
            }
        }
    }
    assert_eq!(
        ended,
        [
            ("sweep".to_string(), Ended::Done),
            ("exits".to_string(), Ended::Done)
        ]
    );
    // A Cancel stops the job under way and drops the requests that waited.
    host.request(LabRequest::sweep(SweepRequest::Run { steps: 50 }), &context);
    host.request(LabRequest::exits(ExitsRequest::Train), &context);
    host.cancel();
    assert!(!host.busy());
    assert!(block_on(host.turn(&now, &context)).is_empty());
    host.request(LabRequest::sweep(SweepRequest::Run { steps: 50 }), &context);
    // Weights move at once, even while a job runs.
    let now = host.request(
        LabRequest::ensemble(EnsembleRequest::Weights(vec![1.0, 2.0])),
        &context,
    );
    assert!(now.is_empty() && host.busy());
}

#[test]
fn module_replacing_cancelled_says_so_and_keeps_its_steps() {
    let s = session(&Settings::default());
    let (mut host, mut labs) = (LabHost::default(), Labs::default());
    let request = LabRequest::theseus(TheseusRequest::Replace { curriculum: true });
    let some_steps = |l: &Labs| l.states.theseus.strip.len() >= 10;
    assert_eq!(
        run(&mut host, &mut labs, &s, request, some_steps),
        Ended::Cancelled
    );
    let lab = &labs.states.theseus;
    assert_eq!(lab.modules, vec![(1, 2), (3, 4), (5, 6)]);
    assert!(lab.strip.len() >= 10 && lab.result.is_none());
}

#[test]
fn a_second_teacher_joins_the_ensemble_and_its_student_can_be_cancelled() {
    let s = session(&Settings::default());
    let (mut host, mut labs) = (LabHost::default(), Labs::default());
    let add = LabRequest::ensemble(EnsembleRequest::AddTeacher);
    assert_eq!(run(&mut host, &mut labs, &s, add, |_| false), Ended::Done);
    let lab = &labs.states.ensemble;
    assert_eq!(lab.teachers.len(), 2);
    assert!(lab.teachers[1].accuracy > 0.9, "{:?}", lab.teachers);
    assert!(
        lab.ensemble_accuracy(&s.split.test.labels, 10)
            .is_some_and(|a| a > 0.9)
    );
    let distil = LabRequest::ensemble(EnsembleRequest::Distil {
        teacher_sized: false,
    });
    let started = |l: &Labs| l.progress("ensemble").is_some_and(|p| p.done > 20);
    assert_eq!(
        run(&mut host, &mut labs, &s, distil, started),
        Ended::Cancelled
    );
    assert_eq!(
        labs.states.ensemble.student_accuracy, None,
        "a cancelled student is not scored"
    );
}

#[test]
fn cmudict_loads_and_a_typed_word_is_pronounced() {
    let s = session(&Settings::default());
    let (mut host, mut labs) = (LabHost::default(), Labs::default());
    let load = LabRequest::sequence(SequenceRequest::Load);
    assert_eq!(run(&mut host, &mut labs, &s, load, |_| false), Ended::Done);
    let teacher = labs.states.sequence.teacher.expect("the teacher's score");
    assert!(teacher.sequence_accuracy > 0.4, "{teacher:?}");
    let fetch = served();
    let context = LabContext {
        run: None,
        fetch: &fetch,
        gpu: None,
        no_gpu: None,
    };
    let said = host.request(
        LabRequest::sequence(SequenceRequest::Pronounce {
            word: "phone".into(),
            beam: 3,
        }),
        &context,
    );
    let Some(LabReport::Event(LabEvent::sequence(SequenceEvent::Said(said)))) = said.first() else {
        panic!("{said:?}")
    };
    assert_eq!(
        (said.word.as_str(), said.student.is_none()),
        ("phone", true)
    );
    assert!(!said.teacher.arpabet().is_empty());
    // The teacher's beam of 3 for it, best first, and CMUdict's own pronunciation beside it.
    assert_eq!(said.beam.len(), 3);
    assert!(said.beam.windows(2).all(|w| w[0].log_prob >= w[1].log_prob));
    assert_eq!(said.gold.as_deref().map(spell).as_deref(), Some("F OW N"));

    // Interpolation with a greedy teacher has nothing to choose from: refused, nothing trained.
    let greedy = Taught {
        targets: Targets::Interpolated,
        beam: 1,
    };
    let refused = run(&mut host, &mut labs, &s, train(greedy), |_| false);
    assert!(
        matches!(&refused, Ended::Failed(m) if m.contains("a beam of 1 gives one candidate")),
        "{refused:?}"
    );
    // With a beam, the teacher decodes the words first, with progress, a hundred at a time.
    let beam = Taught {
        targets: Targets::Interpolated,
        beam: 3,
    };
    let decoding = |l: &Labs| {
        l.progress("sequence")
            .is_some_and(|p| p.what.contains("beam of 3") && p.done >= 200)
    };
    assert_eq!(
        run(&mut host, &mut labs, &s, train(beam), decoding),
        Ended::Cancelled
    );
    assert!(labs.states.sequence.students.is_empty());
}

#[test]
fn verses_load_and_a_student_that_read_no_spanish_label_reads_spanish() {
    let s = session(&Settings::default());
    let (mut host, mut labs) = (LabHost::default(), Labs::default());
    let load = LabRequest::cross_lingual(CrossLingualRequest::Load);
    assert_eq!(run(&mut host, &mut labs, &s, load, |_| false), Ended::Done);
    let lab = labs.states.cross_lingual.clone();
    let loaded = lab.loaded.expect("the verses' sizes");
    assert_eq!(
        (loaded.parallel, loaded.test, loaded.verses.len()),
        (12164, 6241, 40)
    );
    // The first verse to pick is on show, in both languages.
    assert_eq!(lab.spanish, loaded.verses[0].spanish);
    // Cancelled once the student from the teacher is scored (the baselines are the CLI's and
    // the evidence tests' work); the verse on show is read as it is scored.
    let train = LabRequest::cross_lingual(CrossLingualRequest::Train {
        temperature: 2.0,
        lambda: 0.1,
        english: "And Jesus answered and said unto his disciples in Galilee".into(),
        spanish: String::new(),
    });
    let scored = |l: &Labs| l.states.cross_lingual.scores.distilled.is_some();
    assert_eq!(
        run(&mut host, &mut labs, &s, train, scored),
        Ended::Cancelled
    );
    let lab = &labs.states.cross_lingual;
    let (teacher, distilled) = (lab.scores.teacher.unwrap(), lab.scores.distilled.unwrap());
    assert!(teacher > 0.5 && distilled > 0.4, "{teacher} {distilled}");
    assert_eq!(lab.scores.gold, None);
    let Some(Readout {
        teacher: Ok(logits),
        student: Err(why),
    }) = &lab.readout
    else {
        panic!("{:?}", lab.readout)
    };
    assert_eq!(logits.len(), 7);
    // Jesus answering his disciples: the Gospels.
    let top = (0..7).max_by(|&a, &b| logits[a].total_cmp(&logits[b]));
    assert_eq!(top, Some(4), "{logits:?}");
    assert!(why.contains("empty"), "{why}");
}

#[test]
fn brown_s_tags_are_read_and_the_curves_follow_the_imitating_student() {
    let s = session(&Settings::default());
    let (mut host, mut labs) = (LabHost::default(), Labs::default());
    let train = LabRequest::imitation(ImitationRequest::Train { lambda: 0.1 });
    // Cancelled once the imitation has drawn ten points past the critic's 100 steps alone.
    let imitating = |l: &Labs| l.states.imitation.curve.len() >= 30;
    assert_eq!(
        run(&mut host, &mut labs, &s, train, imitating),
        Ended::Cancelled
    );
    let lab = &labs.states.imitation;
    let (train, test, tags) = lab.sizes.expect("the sizes");
    assert_eq!((train, test), (12_000, 11_478));
    assert!(tags > 100, "{tags}");
    // The three networks before the imitation are scored; the imitation was cut short.
    assert!(
        lab.scores[..3].iter().all(|s| s.is_some_and(|a| a > 0.15)),
        "{:?}",
        lab.scores
    );
    assert_eq!(lab.scores[3], None);
    // A point every 5 steps: the critic alone first, then the student beside it.
    let steps: Vec<usize> = lab.curve.iter().map(|p| p.step).collect();
    assert_eq!(steps[..3], [5, 10, 15]);
    assert!(lab.curve[..20].iter().all(|p| p.student.is_none()));
    assert!(lab.curve[20..].iter().all(|p| p.student.is_some()));
    assert!(lab.curve[19].critic > 0.9, "{:?}", lab.curve[19]);
}

#[test]
fn both_tasks_load_with_their_teachers_and_the_multi_task_student_is_scored_on_each() {
    let s = session(&Settings::default());
    let (mut host, mut labs) = (LabHost::default(), Labs::default());
    let train = LabRequest::multitask(MultiTaskRequest::Train);
    // Cancelled once the multi-task student is scored (the single ones are the CLI's).
    let scored = |l: &Labs| {
        l.states
            .multitask
            .scores
            .first()
            .is_some_and(|s| s[0].is_some())
    };
    assert_eq!(
        run(&mut host, &mut labs, &s, train, scored),
        Ended::Cancelled
    );
    let lab = &labs.states.multitask;
    let rows: Vec<(&str, usize)> = lab
        .tasks
        .iter()
        .map(|t| (t.name.as_str(), t.train))
        .collect();
    assert_eq!(rows, [("e-mails", 4670), ("Brown genres", 12_000)]);
    assert!(lab.tasks[0].teacher > 0.95 && lab.tasks[1].teacher > 0.3);
    let [mail, brown] = [lab.scores[0], lab.scores[1]];
    assert!(mail[0].is_some_and(|a| a > 0.85), "{mail:?}");
    assert!(brown[0].is_some_and(|a| a > 0.15), "{brown:?}");
    assert_eq!((mail[1], brown[1]), (None, None));
}

fn train(taught: Taught) -> LabRequest {
    LabRequest::sequence(SequenceRequest::Train(taught))
}

#[test]
fn compare_devices_times_the_cpu_and_says_why_not_webgpu() {
    let s = session(&Settings::default());
    let (mut host, mut labs) = (LabHost::default(), Labs::default());
    let compare = LabRequest::devices(DevicesRequest::Compare);
    assert_eq!(
        run(&mut host, &mut labs, &s, compare, |_| false),
        Ended::Done
    );
    let c = &labs.states.devices;
    assert!(c.cpu.is_some_and(|r| r > 10.0), "{c:?}");
    assert_eq!(c.webgpu, Some(Err("no WebGPU in tests".into())));
}

#[test]
fn your_own_datas_teacher_trains_without_a_run() {
    let (mut host, mut labs) = (LabHost::default(), Labs::default());
    let split = distill_playground::engine::data::toy_split(
        distill_playground::engine::data::ToyKind::Moons,
        1,
    );
    let fetch = served();
    let context = LabContext {
        run: None,
        fetch: &fetch,
        gpu: None,
        no_gpu: None,
    };
    let request = LabRequest::teachers(TeacherRequest::Own {
        split: Box::new(split),
    });
    let mut reports = host.request(request, &context);
    let now = clock();
    let trained = loop {
        let done = reports.iter().find_map(|r| match r {
            LabReport::Event(LabEvent::teachers(t)) => Some(t.clone()),
            _ => None,
        });
        if let Some(t) = done {
            break t;
        }
        reports.iter().cloned().for_each(|r| labs.hear(r));
        reports = block_on(host.turn(&now, &context));
    };
    assert!(trained.accuracy > 0.9, "{}", trained.accuracy);
    assert_eq!(trained.weights.architecture.inputs(), 2);
}

#[test]
fn a_teacher_trained_here_reaches_the_page() {
    let s = session(&Settings::default());
    let (mut host, mut labs) = (LabHost::default(), Labs::default());
    let request = LabRequest::teachers(TeacherRequest::Teacher { regularised: false });
    assert_eq!(
        run(&mut host, &mut labs, &s, request, |_| false),
        Ended::Done
    );
}

/// The text assistant preset's work: a transformer of half the e-mails' teacher's width,
/// distilled from it (its logits shipped with it), reported with its test accuracy beside the
/// teacher's.
#[test]
fn a_text_assistant_is_distilled_at_half_the_teachers_width() {
    use distill_playground::app::labs::teachers::Trained;
    use distill_playground::engine::network::Architecture;
    let fetch = |path: String| {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(&path);
        std::future::ready(std::fs::read(file).map_err(|e| format!("{path}: {e}")))
    };
    let (data, teacher) = block_on(distill_playground::app::loading::load_spam(fetch)).unwrap();
    let settings = Settings::default().switched_to(DatasetKind::Spam);
    let between = |_, _| std::future::ready(());
    let s = block_on(Session::new(
        &settings,
        Device::flex(),
        &teacher,
        &data,
        between,
    ))
    .unwrap();
    let mut trained: Vec<Trained> = Vec::new();
    let request = LabRequest::teachers(TeacherRequest::Assistant);
    let heard = |r: LabReport<LabEvent>| {
        if let LabReport::Event(LabEvent::teachers(t)) = r {
            trained.push(t);
        }
    };
    let ended = drive(
        &mut LabHost::default(),
        (&s, &settings),
        request,
        || false,
        heard,
    );
    assert_eq!(ended, Ended::Done);
    let [t] = &trained[..] else {
        panic!("{} results", trained.len())
    };
    let (Architecture::Transformer(a), Architecture::Transformer(of)) =
        (&t.weights.architecture, &teacher.architecture)
    else {
        panic!("not transformers")
    };
    assert_eq!((a.width, a.blocks), (of.width / 2, of.blocks));
    let teacher_accuracy = t.teacher_accuracy.unwrap();
    eprintln!(
        "assistant {} %, teacher {teacher_accuracy}",
        t.accuracy * 100.0
    );
    assert!(
        (teacher_accuracy - 0.9683).abs() < 1e-3,
        "{teacher_accuracy}"
    );
    // Measured 95.89 % (two passes over the e-mails, the plan's seed 2).
    assert!(t.accuracy > 0.93, "{}", t.accuracy);
}
