//! The e-mails in the page, natively: the shipped teacher's logits of every message come with
//! it, so its students start without the teacher reading 5,837 messages first; another teacher
//! still reads them all.

use burn::tensor::Device;
use futures_lite::future::block_on;

use super::served::{nudged, replacing, served, without};
use distill_playground::app::Settings;
use distill_playground::app::loading::{SPAM_LOGITS, load_spam};
use distill_playground::app::session::Session;
use distill_playground::app::state::Data;
use distill_playground::engine::catalog::DatasetKind;
use distill_playground::engine::train::logits_host;
use distill_playground::engine::weights::NetworkWeights;

/// A small session on the e-mails under `teacher`, and how many slices the teacher read.
fn session(data: &Data, teacher: &NetworkWeights) -> (Session, usize) {
    let settings = Settings {
        text_width: 16,
        text_depth: 1,
        batch_size: 8,
        ..Settings::default().with_dataset(DatasetKind::Spam)
    };
    let reads = std::cell::Cell::new(0);
    let counting = |_: usize, _: usize| {
        reads.set(reads.get() + 1);
        std::future::ready(())
    };
    let s = block_on(Session::new(
        &settings,
        Device::flex(),
        teacher,
        data,
        counting,
    ))
    .unwrap();
    (s, reads.get())
}

/// Largest gap between shipped (float16) and computed logits, relative to the logit's size.
fn worst_gap(shipped: &[f32], computed: &[f32]) -> f32 {
    assert_eq!(shipped.len(), computed.len());
    let gap = |(a, b): (&f32, &f32)| (a - b).abs() / b.abs().max(1.0);
    shipped.iter().zip(computed).map(gap).fold(0.0, f32::max)
}

#[test]
fn the_shipped_logits_are_the_shipped_teachers_and_spare_it_the_first_pass() {
    let (data, teacher) = block_on(load_spam(served)).unwrap();
    let (s, reads) = session(&data, &teacher);
    assert_eq!(reads, 0, "the teacher read messages it shipped logits of");
    // They are this teacher's logits, to float16's precision: a teacher retrained without
    // writing them again (distill eval --logits-out … --train-logits-out …) fails here.
    let cpu = Device::flex();
    let net = teacher.to_network(&cpu).unwrap();
    let test = logits_host(&net, &data.split.test, &cpu).unwrap();
    let gap = worst_gap(&s.teacher_test_logits, &test);
    assert!(gap < 2e-3, "test logits off by {gap}");
    let text = data.text.as_ref().unwrap();
    let fp = distill_playground::app::text_data::fingerprint(&teacher);
    let train = logits_host(&net, &data.split.train, &cpu).unwrap();
    let shipped = text.known(fp).all(&data.split.train.features).unwrap();
    let gap = worst_gap(&shipped, &train);
    assert!(gap < 2e-3, "training logits off by {gap}");
}

#[test]
fn another_teacher_reads_every_message_itself() {
    let (data, teacher) = block_on(load_spam(served)).unwrap();
    let other = nudged(&teacher);
    let (s, reads) = session(&data, &other);
    assert!(reads >= 100, "{reads} slices read");
    let cpu = Device::flex();
    let test = logits_host(&other.to_network(&cpu).unwrap(), &data.split.test, &cpu).unwrap();
    assert!(worst_gap(&s.teacher_test_logits, &test) < 1e-5);
}

#[test]
fn a_missing_or_wrong_logit_file_is_named_and_nothing_loads() {
    for (file, _) in SPAM_LOGITS {
        let gone = without(file);
        let err = block_on(load_spam(gone)).map(|_| ()).unwrap_err();
        assert!(err.to_string().contains(file), "{err}");
    }
    let swapped = |path: String| served(path.replace("spam-logits", "spam-test-logits"));
    let err = block_on(load_spam(swapped)).map(|_| ()).unwrap_err();
    assert!(err.to_string().contains("training messages"), "{err}");
    let corrupt = replacing(
        "spam-test-logits.safetensors",
        b"\x08\0\0\0\0\0\0\0{}garbage",
    );
    let err = block_on(load_spam(corrupt)).map(|_| ()).unwrap_err();
    assert!(err.to_string().contains("spam-test-logits"), "{err}");
}

#[test]
fn the_page_opens_on_a_short_message_unless_a_link_chose_one() {
    use distill_playground::app::message::says_something;
    use distill_playground::app::state::{Action, AppState};
    use distill_playground::app::text_data::HEAD_VIEW_TOKENS;
    use std::rc::Rc;
    let (data, _) = block_on(load_spam(served)).unwrap();
    let text = data.text.clone().unwrap();
    let tokens = |i: usize| {
        let row = data.split.test.example(i);
        row.iter().filter(|&&id| id != 0.0).count()
    };
    let unknown = |i: usize| {
        data.split
            .test
            .example(i)
            .iter()
            .filter(|&&id| id == 1.0)
            .count()
    };
    let says = |i: usize| says_something(&text.split.test_text[i]);
    let ham = |i: usize| data.split.test.labels[i] == 0;
    let readable = |i: usize| tokens(i) <= HEAD_VIEW_TOKENS && unknown(i) <= 1 && says(i) && ham(i);
    let opening = text.opening;
    assert!(tokens(0) > HEAD_VIEW_TOKENS, "the first e-mail is long");
    assert!(readable(opening), "{opening}");
    assert!(!(0..opening).any(readable));
    let ready = |example: usize| {
        let state = AppState {
            settings: Settings {
                example,
                ..Settings::default().switched_to(DatasetKind::Spam)
            },
            ..AppState::default()
        };
        let action = Action::DataReady {
            data: data.clone(),
            teacher: distill_playground::app::state::TeacherShape {
                hidden: vec![64; 4],
                params: 0,
            },
        };
        Rc::new(state).reduce(action).settings.example
    };
    assert_eq!(ready(0), opening);
    assert_eq!(ready(7), 7, "an example a link chose stays");
    // Another set starts from its own opening example.
    let shown = Settings {
        example: 7,
        ..Settings::default()
    };
    assert_eq!(shown.switched_to(DatasetKind::Brown).example, 0);
}
