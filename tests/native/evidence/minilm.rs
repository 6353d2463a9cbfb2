//! Evidence with the pretrained teacher: MiniLM (paraphrase-MiniLM-L3-v2) fine-tuned on the
//! genres of Brown corpus sentences, shipped in 4 bits with its logits on the training split.
//! - the shipped teacher scores what the README says, and it beats the strongest network
//!   trained here from scratch (a bag of words) by the README's margin;
//! - with 5 % of the labels, a bag of words distilled from its soft targets (over word pieces
//!   it never sees) beats the same bag of words trained on those labels alone.
//!
//! Margins measured in the README's runs; the numbers are on each test.

use std::path::Path;

use burn::tensor::Device;
use distill_playground::alone::rerun_alone;
use distill_playground::engine::data::{TransferConfig, TransferSet};
use distill_playground::engine::minilm;
use distill_playground::engine::network::{Architecture, BowConfig, Network};
use distill_playground::engine::text::{Sentences, TextSplit, brown, piece_rows};
use distill_playground::engine::train::fine_tune::{bucketed_accuracy, bucketed_logits};
use distill_playground::engine::train::{DistillSettings, KnownLogits, Trainer};
use distill_playground::engine::weights::load_network;

fn assets() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets")
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(assets().join(path)).unwrap()
}

/// The shipped teacher and the genre task in words (the students' vocabulary).
fn teacher_and_words(device: &Device) -> (Network, TextSplit) {
    let (file, _) = minilm::shipped("brown");
    let (net, _) = load_network(&read(&file), device).unwrap();
    let words = brown(&read("data/brown/brown.tsv.gz"), None).unwrap();
    (net, words)
}

/// The bag of words of the comparisons: 64-wide embeddings, two ReLU layers of 64.
fn bow(words: &TextSplit) -> Architecture {
    BowConfig {
        embed: 64,
        hidden: vec![64, 64],
        ..BowConfig::student(words.tokenizer.vocab_size(), words.tokenizer.max_len(), 15)
    }
    .into()
}

/// Every fourth test sentence (2,870 of 11,478): the teacher reads a sentence in about 5 ms
/// here, so the whole test split would cost a minute of CI. Measured on this quarter: the
/// teacher 33.14 %; this bag of words (one epoch, seed 1) 24.67 %, a gap of 8.5 points,
/// asserted at 5 (the aim). On the whole split (README): 33.22 % against 25.07 %.
#[test]
fn the_shipped_minilm_teacher_beats_a_bag_of_words_trained_here() {
    if rerun_alone(
        module_path!(),
        "the_shipped_minilm_teacher_beats_a_bag_of_words_trained_here",
    ) {
        return;
    }
    let device = Device::flex();
    let (teacher, words) = teacher_and_words(&device);
    let quarter: Vec<usize> = (0..words.test.len()).step_by(4).collect();
    let test = words.test.subset(&quarter);
    let wordpiece = minilm::wordpiece(&assets(), 64).unwrap();
    let rows: Vec<(String, u8)> = quarter
        .iter()
        .map(|&i| (words.test_text[i].clone(), words.test.labels[i]))
        .collect();
    let pieces = piece_rows("brown", &rows, 15, &wordpiece).unwrap();
    let Network::Bert(bert) = &teacher else {
        panic!("the Brown teacher is a BERT")
    };
    let teacher_acc = bucketed_accuracy(bert, &pieces, &device).unwrap();
    let settings = DistillSettings {
        learning_rate: 0.01,
        batch_size: 64,
        total_steps: words.train.len().div_ceil(64),
        seed: 1,
        ..Default::default()
    };
    let data = TransferSet::build(&words.train, &TransferConfig::default(), 1).unwrap();
    let mut scratch = Trainer::supervised(bow(&words), data, settings.clone(), &device).unwrap();
    for _ in 0..settings.total_steps {
        scratch.step().unwrap();
    }
    let bow_acc = scratch.evaluate(&test).unwrap().accuracy;
    eprintln!("MiniLM {teacher_acc}, bag of words {bow_acc}");
    assert!((teacher_acc * 100.0 - 33.14).abs() < 0.01, "{teacher_acc}");
    assert!(teacher_acc - bow_acc > 0.05, "{teacher_acc} vs {bow_acc}");
}

/// The shipped test logits are the shipped teacher's: its first 64 test sentences read again
/// agree to float16's rounding.
#[test]
fn the_shipped_test_logits_are_the_teachers() {
    let device = Device::flex();
    let (teacher, words) = teacher_and_words(&device);
    let (logits, classes) =
        minilm::read_logits(&read(&minilm::shipped_test_logits("brown"))).unwrap();
    assert_eq!((logits.len(), classes), (words.test.len() * 15, 15));
    let wordpiece = minilm::wordpiece(&assets(), 64).unwrap();
    let rows: Vec<(String, u8)> = (0..64)
        .map(|i| (words.test_text[i].clone(), words.test.labels[i]))
        .collect();
    let pieces = piece_rows("brown", &rows, 15, &wordpiece).unwrap();
    let Network::Bert(bert) = &teacher else {
        panic!("the Brown teacher is a BERT")
    };
    let again = bucketed_logits(bert, &pieces, &device).unwrap();
    for (a, b) in again.iter().zip(&logits) {
        assert!((a - b).abs() < 2e-2 * b.abs().max(1.0), "{a} vs {b}");
    }
}

/// 5 % of the training sentences labeled (2,293), the rest unlabeled; the teacher's soft
/// targets from its shipped logits; two passes over the transfer set. Measured (seeds 1–3):
/// distilled 22.00 / 23.87 / 22.90 % against scratch 16.54 / 17.29 / 16.05 %, gaps of 5.5 / 6.6 /
/// 6.8 points; asserted: every gap above 3 and their mean above 4.
#[test]
fn with_few_labels_a_bag_of_words_learns_more_from_minilm_than_from_the_labels() {
    if rerun_alone(
        module_path!(),
        "with_few_labels_a_bag_of_words_learns_more_from_minilm_than_from_the_labels",
    ) {
        return;
    }
    let device = Device::flex();
    let (teacher, words) = teacher_and_words(&device);
    let (_, logits_file) = minilm::shipped("brown");
    let (logits, classes) = minilm::read_logits(&read(&logits_file)).unwrap();
    let train = &words.train;
    let known = KnownLogits::from_table(&train.features, train.dim, &logits, classes).unwrap();
    let transfer = TransferConfig {
        labeled_fraction: 0.05,
        ..Default::default()
    };
    let data = TransferSet::build(train, &transfer, 1).unwrap();
    let wordpiece = minilm::wordpiece(&assets(), 64).unwrap();
    let data = Sentences::of(&words).attach(data, &wordpiece).unwrap();
    let labeled = data.labeled_only();
    let settings = DistillSettings {
        learning_rate: 0.01,
        total_steps: 2 * data.len().div_ceil(64),
        ..Default::default()
    };
    let student = bow(&words);
    let (mut distilled, mut scratch) = (Vec::new(), Vec::new());
    for seed in [1, 2, 3] {
        let settings = DistillSettings {
            seed,
            ..settings.clone()
        };
        let mut kd = Trainer::distill_known(
            student.clone(),
            teacher.clone(),
            data.clone(),
            settings.clone(),
            &device,
            Some(&known),
        )
        .unwrap();
        let mut plain =
            Trainer::supervised(student.clone(), labeled.clone(), settings.clone(), &device)
                .unwrap();
        for _ in 0..settings.total_steps {
            kd.step().unwrap();
            plain.step().unwrap();
        }
        distilled.push(kd.evaluate(&words.test).unwrap().accuracy);
        scratch.push(plain.evaluate(&words.test).unwrap().accuracy);
    }
    eprintln!("distilled {distilled:?}, scratch {scratch:?}");
    let gaps: Vec<f32> = distilled.iter().zip(&scratch).map(|(d, s)| d - s).collect();
    assert!(gaps.iter().all(|g| *g > 0.03), "{gaps:?}");
    assert!(gaps.iter().sum::<f32>() / 3.0 > 0.04, "{gaps:?}");
}
