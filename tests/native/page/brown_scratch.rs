//! Brown's genres with the teacher trained here from scratch: a transformer of the students' own
//! words, shipped with its logits, beside the pretrained MiniLM on the same sentences.

use burn::tensor::Device;
use futures_lite::future::block_on;

use super::brown::accuracy;
use super::served::{served, without};
use distill_playground::app::Settings;
use distill_playground::app::loading::{
    BROWN_SCRATCH_FILES, load_brown, load_brown_scratch, load_data,
};
use distill_playground::app::session::Session;
use distill_playground::app::shipped_teacher::ShippedTeacher;
use distill_playground::app::state::Data;
use distill_playground::app::teacher_depth;
use distill_playground::engine::catalog::DatasetKind;
use distill_playground::engine::loss::AttentionLoss;
use distill_playground::engine::train::logits_host;
use distill_playground::engine::weights::NetworkWeights;

fn scratch() -> (Data, NetworkWeights) {
    block_on(load_data(
        DatasetKind::Brown,
        ShippedTeacher::Scratch,
        served,
    ))
    .unwrap()
}

fn settings() -> Settings {
    let s = Settings::default().with_dataset(DatasetKind::Brown);
    Settings {
        teacher: ShippedTeacher::Scratch,
        text_width: 16,
        text_depth: 1,
        batch_size: 8,
        ..s
    }
}

/// A session under the loaded teacher, and how many slices of sentences the teacher read.
fn session(settings: &Settings, (data, teacher): &(Data, NetworkWeights)) -> (Session, usize) {
    let reads = std::cell::Cell::new(0);
    let counting = |_: usize, _: usize| {
        reads.set(reads.get() + 1);
        std::future::ready(())
    };
    let s = Session::new(settings, Device::flex(), teacher, data, counting);
    (block_on(s).unwrap(), reads.get())
}

#[test]
fn the_scratch_teacher_reads_the_students_words_on_minilms_test_sentences() {
    let loaded = scratch();
    let (data, teacher) = &loaded;
    let text = data.text.as_ref().unwrap();
    assert_eq!(data.teacher, ShippedTeacher::Scratch);
    assert!(text.pieces.is_none(), "a teacher of words needs no pieces");
    assert_eq!(teacher.architecture.kind(), "transformer");
    assert_eq!(
        teacher.architecture.vocab(),
        Some(text.split.tokenizer.vocab_size())
    );
    // As deep as MiniLM, so the mapping editor and the links hold under either teacher.
    let blocks = teacher.architecture.hidden_widths().len();
    assert_eq!(blocks, teacher_depth(DatasetKind::Brown));
    // The same page test sentences as under MiniLM, so the two teachers' students compare.
    let (minilm, _) = block_on(load_brown(served)).unwrap();
    let other = minilm.text.as_ref().unwrap();
    assert_eq!(text.split.test_text, other.split.test_text);
    assert_eq!(data.split.test.labels, minilm.split.test.labels);
}

#[test]
fn its_shipped_logits_are_its_own_and_spare_it_the_first_pass() {
    let loaded = scratch();
    let (data, teacher) = &loaded;
    let (s, reads) = session(&settings(), &loaded);
    assert_eq!(reads, 0, "the teacher read sentences it shipped logits of");
    let cpu = Device::flex();
    let net = teacher.to_network(&cpu).unwrap();
    let gap = |shipped: &[f32], computed: &[f32]| {
        let one = |(a, b): (&f32, &f32)| (a - b).abs() / b.abs().max(1.0);
        shipped.iter().zip(computed).map(one).fold(0.0, f32::max)
    };
    let test = logits_host(&net, &data.split.test, &cpu).unwrap();
    assert_eq!(s.teacher_test_logits.len(), test.len());
    let worst = gap(&s.teacher_test_logits, &test);
    assert!(worst < 2e-3, "test logits off by {worst}");
    let first = data.split.train.subset(&(0..2_000).collect::<Vec<_>>());
    let fp = distill_playground::app::text_data::fingerprint(teacher);
    let known = data.text.as_ref().unwrap().known(fp);
    let shipped = known.all(&first.features).unwrap();
    let worst = gap(&shipped, &logits_host(&net, &first, &cpu).unwrap());
    assert!(worst < 2e-3, "training logits off by {worst}");
}

#[test]
fn pretraining_gives_minilm_a_clear_margin_over_the_scratch_teacher() {
    let (s, _) = session(&settings(), &scratch());
    let minilm = block_on(load_brown(served)).unwrap();
    let (m, _) = session(
        &Settings::default().with_dataset(DatasetKind::Brown),
        &minilm,
    );
    let test = &minilm.0.split.test;
    let scratch = accuracy(&s.teacher_test_logits, &test.labels, test.classes);
    let pretrained = accuracy(&m.teacher_test_logits, &test.labels, test.classes);
    // Measured on the page's 2,870 test sentences: about 23 % against 33 %.
    assert!(
        pretrained - scratch > 0.05,
        "{pretrained} against {scratch}"
    );
    assert!(
        scratch > 1.5 / 15.0,
        "the scratch teacher learned nothing: {scratch}"
    );
}

#[test]
fn its_students_can_match_its_embeddings_which_minilms_pieces_cannot_offer() {
    let tinybert = Settings {
        beta: 1.0,
        gamma: 1.0,
        attention_loss: AttentionLoss::TinyBert,
        match_embeddings: true,
        ..settings()
    };
    let (mut s, _) = session(&tinybert, &scratch());
    block_on(s.steps(2)).unwrap();
    let point = block_on(s.curve_point(|| std::future::ready(()))).unwrap();
    assert!(point.hidden.is_finite() && point.hidden > 0.0, "{point:?}");
    let minilm = block_on(load_brown(served)).unwrap();
    let under_minilm = Settings {
        teacher: ShippedTeacher::Minilm,
        ..tinybert
    };
    let between = |_: usize, _: usize| std::future::ready(());
    let built = Session::new(&under_minilm, Device::flex(), &minilm.1, &minilm.0, between);
    let err = block_on(built).map(|_| ()).unwrap_err().to_string();
    assert!(err.contains("embedding"), "{err}");
}

#[test]
fn a_missing_scratch_file_is_named_and_minilm_is_refused_on_the_emails() {
    for (file, _) in BROWN_SCRATCH_FILES {
        let err = block_on(load_brown_scratch(without(file)))
            .map(|_| ())
            .unwrap_err();
        assert!(err.to_string().contains(file), "{err}");
    }
    let swapped =
        |path: String| served(path.replace("transformer-logits", "transformer-test-logits"));
    let err = block_on(load_brown_scratch(swapped))
        .map(|_| ())
        .unwrap_err();
    assert!(err.to_string().contains("training sentences"), "{err}");
    let err = block_on(load_data(DatasetKind::Spam, ShippedTeacher::Minilm, served))
        .map(|_| ())
        .unwrap_err();
    assert!(err.to_string().contains("Brown's genres only"), "{err}");
}

#[test]
fn the_labs_take_the_scratch_teacher_and_refuse_minilms_pieces() {
    use distill_playground::app::labs::{Fetch, LabContext, RunContext};
    use std::rc::Rc;
    let fetch: Fetch = Rc::new(|path: String| Box::pin(served(path)));
    let minilm = Settings::default().with_dataset(DatasetKind::Brown);
    for (settings, loaded) in [
        (settings(), scratch()),
        (minilm, block_on(load_brown(served)).unwrap()),
    ] {
        let (s, _) = session(&settings, &loaded);
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
        match (settings.teacher, context.run()) {
            (ShippedTeacher::Scratch, run) => assert!(run.is_ok()),
            (ShippedTeacher::Minilm, run) => {
                let err = run.map(|_| ()).unwrap_err().to_string();
                assert!(err.contains("teacher menu"), "{err}");
            }
        }
    }
}
