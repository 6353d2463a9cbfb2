//! Brown's genres in the page, natively: the fine-tuned MiniLM teaches students of the set's own
//! words from the logits it shipped with, its layers and attention reach them through the
//! alignment of pieces with words, and the views show its own tokens.

use burn::tensor::Device;
use futures_lite::future::block_on;

use super::served::{served, without};
use distill_playground::app::Settings;
use distill_playground::app::loading::{BROWN_FILES, load_brown};
use distill_playground::app::session::Session;
use distill_playground::app::state::Data;
use distill_playground::app::views::Shown;
use distill_playground::engine::catalog::DatasetKind;
use distill_playground::engine::loss::AttentionLoss;
use distill_playground::engine::network::{Classifier, NetKind};
use distill_playground::engine::weights::NetworkWeights;

fn brown() -> (Data, NetworkWeights) {
    block_on(load_brown(served)).unwrap()
}

fn session(settings: &Settings, (data, teacher): &(Data, NetworkWeights)) -> Session {
    let reads = std::cell::Cell::new(0);
    let counting = |_: usize, _: usize| {
        reads.set(reads.get() + 1);
        std::future::ready(())
    };
    let s = block_on(Session::new(
        settings,
        Device::flex(),
        teacher,
        data,
        counting,
    ))
    .unwrap();
    // Every training sentence came with its logits: the teacher read none of them here.
    assert_eq!(
        reads.get(),
        0,
        "the teacher read sentences it shipped logits of"
    );
    s
}

/// The share of `labels` that `logits` rank first (the scratch teacher's tests use it too).
pub(super) fn accuracy(logits: &[f32], labels: &[u8], classes: usize) -> f32 {
    let preds = distill_playground::engine::train::predictions(logits, classes);
    let right = preds
        .iter()
        .zip(labels)
        .filter(|(p, l)| **p == usize::from(**l));
    right.count() as f32 / labels.len() as f32
}

#[test]
fn brown_loads_with_minilm_and_students_of_its_own_words() {
    let loaded = brown();
    let (data, teacher) = &loaded;
    let text = data.text.as_ref().unwrap();
    assert_eq!(teacher.architecture.kind(), "bert");
    assert_eq!(
        (data.split.train.len(), data.split.test.len()),
        (45_862, 2_870)
    );
    let settings = Settings::default()
        .with_dataset(DatasetKind::Brown)
        .with_kind(NetKind::Bow)
        .unwrap();
    let mut s = session(&settings, &loaded);
    // The students read words, the teacher 30,522 pieces.
    let student = s.distilled.network().architecture();
    assert_eq!(student.vocab(), Some(text.split.tokenizer.vocab_size()));
    assert_eq!(student.inputs(), data.split.train.dim);
    // The shipped test logits are the teacher's (33 % over the whole test split).
    let test = &data.split.test;
    let teacher_accuracy = accuracy(&s.teacher_test_logits, &test.labels, test.classes);
    assert!(
        (0.30..0.37).contains(&teacher_accuracy),
        "{teacher_accuracy}"
    );
    // From its shipped logits alone the teacher reads no row: its pieces are not even made.
    assert!(s.distilled.transfer_set().teacher_rows.is_none());
    block_on(s.steps(3)).unwrap();
    // The soft targets shown for a test sentence are the shipped ones.
    let students = block_on(s.students()).unwrap();
    let [t, ..] = s.example_logits(&students, 5).unwrap();
    assert_eq!(t, s.teacher_test_logits[5 * 15..6 * 15]);
}

#[test]
fn a_typed_sentence_and_the_attention_view_are_read_in_pieces() {
    let loaded = brown();
    let settings = Settings::default().with_dataset(DatasetKind::Brown);
    let s = session(&settings, &loaded);
    let text = loaded.0.text.as_ref().unwrap();
    let students = block_on(s.students()).unwrap();
    // A typed sentence: the teacher reads its words in pieces, and says what it read.
    let words = text
        .split
        .tokenizer
        .encode("The jury said it was unbelievably fine")
        .unwrap();
    let input: Vec<f32> = words.iter().map(|&id| id as f32).collect();
    let [teacher, ..] = s.input_logits(&students, &input).unwrap();
    assert_eq!(teacher.len(), 15);
    let shown = Shown {
        example: 0,
        input: Some((1, input)),
        text: Some("The jury said it was unbelievably fine".into()),
        similarity: true,
    };
    let views = block_on(s.views(&shown, &settings)).unwrap();
    let attention = views.attention.unwrap();
    let pieces = attention.teacher_tokens.unwrap();
    assert_eq!(pieces.first().map(String::as_str), Some("[CLS]"));
    assert!(pieces.iter().any(|p| p == "jury"), "{pieces:?}");
    // It read the sentence as typed: "unbelievably", which the students' words lack, in pieces.
    assert!(pieces.iter().any(|p| p.starts_with("##")), "{pieces:?}");
    let maps = attention.teacher.unwrap();
    assert_eq!(maps.attention[0].len(), 12, "MiniLM has 12 heads");
    // The layer similarity compares the teacher's [CLS] on pieces with the students'.
    assert_eq!(views.similarity.map(|rows| rows.len()), Some(3));
}

#[test]
fn minilm_teaches_a_transformer_through_aligned_layers_and_attention() {
    let loaded = brown();
    let settings = Settings {
        beta: 1.0,
        gamma: 1.0,
        attention_loss: AttentionLoss::TinyBert,
        batch_size: 8,
        ..Settings::default().with_dataset(DatasetKind::Brown)
    };
    let mut s = session(&settings, &loaded);
    assert!(s.distilled.transfer_set().is_aligned());
    block_on(s.steps(2)).unwrap();
    let point = block_on(s.curve_point(|| std::future::ready(()))).unwrap();
    assert!(point.hidden.is_finite() && point.hidden > 0.0, "{point:?}");
    assert!(
        point.attention.is_finite() && point.attention > 0.0,
        "{point:?}"
    );
}

#[test]
fn augmented_copies_the_teacher_cannot_read_in_time_are_refused_with_the_way_out() {
    let loaded = brown();
    let settings = Settings {
        augment_copies: 1,
        ..Settings::default().with_dataset(DatasetKind::Brown)
    };
    let between = |_: usize, _: usize| std::future::ready(());
    let built = block_on(Session::new(
        &settings,
        Device::flex(),
        &loaded.1,
        &loaded.0,
        between,
    ));
    let err = built.map(|_| ()).unwrap_err().to_string();
    assert!(
        err.contains("set the copies to 0") && err.contains("--augment-copies"),
        "{err}"
    );
}

#[test]
fn a_missing_or_wrong_brown_file_is_named_and_nothing_loads() {
    for (k, (file, _)) in BROWN_FILES.iter().enumerate() {
        let gone = without(file);
        let err = block_on(load_brown(gone))
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains(file), "file {k}: {err}");
    }
    // The test logits in place of the training ones: refused by their number of rows.
    let swapped = |path: String| served(path.replace("minilm-logits", "minilm-test-logits"));
    let err = block_on(load_brown(swapped))
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(err.contains("training sentences"), "{err}");
}

/// The page's teacher assistant learns from the logits MiniLM shipped, on the students' words:
/// no sentence is read in pieces, and it is the students' vocabulary it embeds. (Its whole run,
/// one epoch of Brown, is minutes: the test takes a few turns and cancels.)
#[test]
fn a_teacher_assistant_starts_from_minilms_shipped_logits() {
    use distill_playground::app::jobs::Ended;
    use distill_playground::app::labs::teachers::{TeacherRequest, assistant_plan};
    use distill_playground::app::labs::{
        Fetch, LabContext, LabHost, LabReport, LabRequest, RunContext,
    };
    let loaded = brown();
    let settings = Settings::default().with_dataset(DatasetKind::Brown);
    let s = session(&settings, &loaded);
    let fetch: Fetch = std::rc::Rc::new(|path: String| Box::pin(served(path)));
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
    let plan = assistant_plan(context.run_of_any_teacher().unwrap());
    let words = loaded.0.text.as_ref().unwrap().split.tokenizer.vocab_size();
    assert_eq!(plan.config.vocab(), Some(words));
    assert_eq!(plan.config.kind(), "transformer");
    let mut host = LabHost::default();
    let request = LabRequest::teachers(TeacherRequest::Assistant);
    let mut reports = host.request(request, &context);
    let t = std::cell::Cell::new(0.0);
    let now = || {
        t.set(t.get() + 1.0);
        t.get()
    };
    for _ in 0..3 {
        assert!(host.busy(), "the assistant did not start: {reports:?}");
        reports = block_on(host.turn(&now, &context));
    }
    let ended = host.cancel().into_iter().find_map(|r| match r {
        LabReport::Ended { ended, .. } => Some(ended),
        _ => None,
    });
    assert_eq!(ended, Some(Ended::Cancelled), "{reports:?}");
}
