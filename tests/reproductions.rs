//! Fast variants of the claims in REPRODUCTIONS.md, small enough for every CI run: the same
//! recipe on less data and smaller networks, fixed seeds, margins from the measured runs. The
//! full runs are commands there (`bash scripts/reproduce.sh`). Claims with a fast variant
//! elsewhere: little labeled data (tests/distillation.rs), Tang's augmentation and the
//! attention losses (tests/text_distillation.rs).

#![cfg(not(target_arch = "wasm32"))]

use burn::tensor::Device;
use distill_playground::engine::data::{
    Dataset, Split, TransferConfig, TransferSet, digits, mnist_from_gz,
};
use distill_playground::engine::network::{Architecture, MlpConfig, Network};
use distill_playground::engine::schedule::Schedule;
use distill_playground::engine::train::{
    DistillSettings, Regularisation, Trainer, accuracy, logits_host, omitted_class_report,
};
use distill_playground::engine::weights::load_mlp;

const DIGITS_TEACHER: &[u8] = include_bytes!("../assets/teachers/digits.safetensors");

/// The first `n` MNIST training images and the 10,000 test images.
fn mnist(n: usize) -> Split {
    let read = |name: &str| std::fs::read(format!("assets/data/mnist/{name}")).unwrap();
    mnist_from_gz(
        &read("train-images-idx3-ubyte.gz"),
        &read("train-labels-idx1-ubyte.gz"),
        &read("t10k-images-idx3-ubyte.gz"),
        &read("t10k-labels-idx1-ubyte.gz"),
        n,
    )
    .unwrap()
}

fn mlp(hidden: &[usize]) -> Architecture {
    MlpConfig {
        inputs: 784,
        hidden: hidden.to_vec(),
        classes: 10,
        activation: Default::default(),
    }
    .into()
}

fn train(mut t: Trainer, epochs: usize) -> Network {
    let steps = epochs * t.transfer_set().len().div_ceil(t.settings().batch_size);
    for _ in 0..steps {
        t.step().unwrap();
    }
    t.network()
}

/// Test errors out of 10,000.
fn errors(net: &Network, split: &Split) -> usize {
    let acc = accuracy(net, &split.test, &Device::flex()).unwrap();
    ((1.0 - acc) * split.test.len() as f32).round() as usize
}

/// Hinton et al.'s MNIST table in shape, on 6,000 images: a regularised 2×256 teacher (dropout
/// 0.2 / 0.5, ±2-pixel jitter, 24 epochs), a 2×64 student distilled from it at T = 20, α = 0.1,
/// and the same student from the labels alone (the same 12 epochs at the same rate).
///
/// Measured (seeds 1–3, test errors of 10,000): teacher 401 / 411 / 422, distilled 631 / 615 /
/// 633, scratch 703 / 685 / 705; sums 1,234 < 1,879 < 2,093. With an 8-epoch teacher (1,995
/// errors, before input dropout worked) the distilled student lost to scratch (2,298 vs 2,093):
/// a teacher barely better than the student has little to pass on, which is the point.
/// The margins are about half and 60 % of the measured gaps.
const TEACHER_EPOCHS: usize = 24;
const STUDENT_EPOCHS: usize = 12;
const STUDENT_LR: f64 = 0.003;

#[test]
fn hinton_mnist_in_shape_teacher_then_distilled_then_scratch() {
    let split = mnist(6000);
    let data = TransferSet::build(&split.train, &TransferConfig::default(), 1).unwrap();
    let device = Device::flex();
    let (mut t, mut d, mut s) = (0, 0, 0);
    for seed in [1, 2, 3] {
        let base = DistillSettings {
            batch_size: 128,
            seed,
            ..Default::default()
        };
        let teach = DistillSettings {
            regularisation: Regularisation::hinton(),
            ..base.clone()
        };
        let teacher = Trainer::supervised(mlp(&[256, 256]), data.clone(), teach, &device).unwrap();
        let teacher = train(teacher, TEACHER_EPOCHS);
        // Both students: the same steps at the same learning rate.
        let plain = DistillSettings {
            learning_rate: STUDENT_LR,
            ..base
        };
        let kd = DistillSettings {
            temperature: Schedule::constant(20.0),
            alpha: Schedule::constant(0.1),
            ..plain.clone()
        };
        let student = mlp(&[64, 64]);
        let distilled =
            Trainer::distill(student.clone(), teacher.clone(), data.clone(), kd, &device);
        let distilled = train(distilled.unwrap(), STUDENT_EPOCHS);
        let scratch = Trainer::supervised(student, data.clone(), plain, &device).unwrap();
        let scratch = train(scratch, STUDENT_EPOCHS);
        let e = (
            errors(&teacher, &split),
            errors(&distilled, &split),
            errors(&scratch, &split),
        );
        eprintln!(
            "seed {seed}: teacher {} errors, distilled {}, scratch {}",
            e.0, e.1, e.2
        );
        (t, d, s) = (t + e.0, d + e.1, s + e.2);
    }
    eprintln!("sums over 3 seeds: teacher {t}, distilled {d}, scratch {s}");
    assert!(t + 330 < d, "teacher {t} well ahead of distilled {d}");
    assert!(d + 130 < s, "distilled {d} well ahead of scratch {s}");
}

/// Hinton et al.'s omitted 3, on the 8×8 digits at their T = 20 and α = 0.1: a student that
/// never saw a 3 recognises most of the 37 test 3s once its 3-logit is raised by a bias chosen
/// on the training set. Measured (seeds 1–3): 13.5 / 2.7 / 27.0 % before the fix, 83.8 / 73.0 /
/// 64.9 % after (biases 6, 5, 3.25); means 14.4 → 73.9 %. At the page's T = 4 and α = 0.5 no 3
/// was recognised before the fix (71.2 % after). On MNIST (REPRODUCTIONS.md) the student
/// already recognises 94 % before the fix: 8×8 digits carry less dark knowledge about a 3.
#[test]
fn omitted_three_recognised_and_more_after_the_bias_fix() {
    let device = Device::flex();
    let split = digits().unwrap();
    let (teacher, _) = load_mlp(DIGITS_TEACHER, &device).unwrap();
    let (mut before, mut after) = (0.0, 0.0);
    for seed in [1, 2, 3] {
        let transfer = TransferConfig {
            omit_class: Some(3),
            ..Default::default()
        };
        let data = TransferSet::build(&split.train, &transfer, seed).unwrap();
        // Hinton's T and α: the soft targets carry almost all of the signal.
        let settings = DistillSettings {
            temperature: Schedule::constant(20.0),
            alpha: Schedule::constant(0.1),
            seed,
            ..Default::default()
        };
        let student = MlpConfig::student(64, 10);
        let t = Trainer::distill(&student, &teacher, data, settings, &device).unwrap();
        let net = train(t, 30);
        let logits = |d: &Dataset| logits_host(&net, d, &device).unwrap();
        let r = omitted_class_report(
            3,
            10,
            (&logits(&split.train), &split.train.labels),
            (&logits(&split.test), &split.test.labels),
        );
        eprintln!(
            "seed {seed}: 3s recognised {:.3}, with a bias of {} {:.3}",
            r.recall, r.bias, r.recall_with_bias
        );
        (before, after) = (before + r.recall / 3.0, after + r.recall_with_bias / 3.0);
    }
    eprintln!("means: {before:.3} before the fix, {after:.3} after");
    assert!(after > 0.5, "after the fix most 3s are recognised: {after}");
    assert!(
        after > before + 0.3,
        "the fix recognises far more: {before} → {after}"
    );
}
