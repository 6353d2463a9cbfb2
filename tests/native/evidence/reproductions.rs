//! Fast variants of the claims in REPRODUCTIONS.md, small enough for every CI run: the same
//! recipe on less data and smaller networks, fixed seeds, margins from the measured runs. The
//! full runs are commands there (`bash scripts/reproduce.sh`). Claims with a fast variant
//! elsewhere: little labeled data (tests/native/evidence/distillation.rs), Tang's augmentation and the
//! attention losses (tests/native/evidence/text.rs).

use burn::tensor::Device;
use distill_playground::alone::rerun_alone;
use distill_playground::engine::data::{
    Dataset, Split, TransferConfig, TransferSet, digits, mnist_from_gz,
};
use distill_playground::engine::loss::HiddenLoss;
use distill_playground::engine::mapping::MappingScheme;
use distill_playground::engine::network::{Architecture, Classifier, Ensemble, MlpConfig, Network};
use distill_playground::engine::schedule::Schedule;
use distill_playground::engine::train::{
    DistillSettings, Regularisation, Trainer, accuracy, logits_host, omitted_class_report,
};
use distill_playground::engine::weights::load_mlp;

const DIGITS_TEACHER: &[u8] = include_bytes!("../../../assets/teachers/digits.safetensors");

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
        ranks: Vec::new(),
        shared: false,
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
    errors_of(net, split)
}

fn errors_of(net: &impl Classifier, split: &Split) -> usize {
    let acc = accuracy(net, &split.test, &Device::flex()).unwrap();
    ((1.0 - acc) * split.test.len() as f32).round() as usize
}

/// Hinton et al.'s MNIST table in shape, on 6,000 images: a regularised 2×256 teacher (dropout
/// 0.2 / 0.5, ±2-pixel jitter, 24 epochs), a 2×64 student distilled from it at T = 20, α = 0.1,
/// and the same student from the labels alone (the same 12 epochs at the same rate).
///
/// Measured (seeds 1–3, test errors of 10,000): teacher 411 / 412 / 431, distilled 613 / 606 /
/// 621, scratch 703 / 685 / 705; sums 1,254 < 1,840 < 2,093 (with gemm's AVX2 kernels, before
/// its AVX-512 ones: 1,234 < 1,879 < 2,093). With an 8-epoch teacher (1,995 errors, before
/// input dropout worked) the distilled student lost to scratch (2,298 vs 2,093): a teacher barely
/// better than the student has little to pass on, which is the point. The margins are
/// about half and 60 % of the measured gaps.
///
/// Then MT-DNN's ensemble: the three teachers' averaged soft targets make 378 errors against the
/// best teacher's 411 (370 against 401 with AVX2); the margin is half the gap. A 2×64 student
/// distilled from the ensemble beats scratch by a wide margin; against the students of single
/// teachers its three-seed sum gained 23, −11 and 81 errors on seeds 1–3, 4–6 and 7–9 (67 on 1–3
/// with AVX2), so at this scale that gain is within the seeds' noise and is only reported.
/// REPRODUCTIONS.md measures the claim at full scale.
const TEACHER_EPOCHS: usize = 24;
const STUDENT_EPOCHS: usize = 12;
const STUDENT_LR: f64 = 0.003;

#[test]
fn hinton_mnist_in_shape_then_an_ensemble_of_the_teachers_helps() {
    if rerun_alone(
        module_path!(),
        "hinton_mnist_in_shape_then_an_ensemble_of_the_teachers_helps",
    ) {
        return;
    }
    let split = mnist(6000);
    let data = TransferSet::build(&split.train, &TransferConfig::default(), 1).unwrap();
    let device = Device::flex();
    let (mut t, mut d, mut s) = (0, 0, 0);
    let mut best_teacher = usize::MAX;
    let mut teachers = Vec::new();
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
        best_teacher = best_teacher.min(e.0);
        teachers.push(teacher);
    }
    eprintln!("sums over 3 seeds: teacher {t}, distilled {d}, scratch {s}");
    let ensemble = Ensemble::new(teachers, &[1.0; 3]).unwrap();
    let ensemble_errors = errors_of(&ensemble, &split);
    eprintln!("ensemble of the three teachers: {ensemble_errors} errors");
    let mut from_ensemble = 0;
    for seed in [1, 2, 3] {
        let kd = DistillSettings {
            temperature: Schedule::constant(20.0),
            alpha: Schedule::constant(0.1),
            learning_rate: STUDENT_LR,
            batch_size: 128,
            seed,
            ..Default::default()
        };
        let student =
            Trainer::distill_ensemble(mlp(&[64, 64]), ensemble.clone(), data.clone(), kd, &device);
        let e = errors(&train(student.unwrap(), STUDENT_EPOCHS), &split);
        eprintln!("seed {seed}: distilled from the ensemble {e} errors");
        from_ensemble += e;
    }
    eprintln!("sum: {from_ensemble} from the ensemble, {d} from one teacher each");
    assert!(
        ensemble_errors + 16 < best_teacher,
        "ensemble {ensemble_errors} vs the best teacher {best_teacher}"
    );
    // What the ensemble's student does show: it learns from the soft targets (1,817 against
    // scratch's 2,093; the margin is half the gap).
    assert!(
        from_ensemble + 130 < s,
        "from the ensemble {from_ensemble} vs scratch {s}"
    );
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
    if rerun_alone(
        module_path!(),
        "omitted_three_recognised_and_more_after_the_bias_fix",
    ) {
        return;
    }
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

/// An MLP of `hidden` layers on the 8×8 digits.
fn digits_mlp(hidden: &[usize]) -> Architecture {
    MlpConfig {
        inputs: 64,
        hidden: hidden.to_vec(),
        classes: 10,
        activation: Default::default(),
        ranks: Vec::new(),
        shared: false,
    }
    .into()
}

/// Test accuracy of `student` distilled from `teacher` on `data` and of the same student trained
/// on its labeled rows alone, the same number of steps (the CLI's `--compare-scratch`).
fn distilled_and_scratch(
    student: &Architecture,
    teacher: &Network,
    data: &TransferSet,
    settings: &DistillSettings,
    test: &Dataset,
) -> (f32, f32) {
    let device = Device::flex();
    let steps = settings.total_steps;
    let run = |mut t: Trainer| {
        for _ in 0..steps {
            t.step().unwrap();
        }
        accuracy(&t.network(), test, &device).unwrap()
    };
    let d = Trainer::distill(
        student.clone(),
        teacher.clone(),
        data.clone(),
        settings.clone(),
        &device,
    );
    let s = Trainer::supervised(
        student.clone(),
        data.labeled_only(),
        settings.clone(),
        &device,
    );
    (run(d.unwrap()), run(s.unwrap()))
}

/// Mirzadeh et al. (2020): distillation helps less as the gap between teacher and student grows,
/// and a teacher assistant of middle size bridges the gap. On the 8×8 digits (10 % labeled, the
/// shipped 6×128 teacher, T = 4, α = 0.5, 40 epochs, the CLI's defaults), the first half holds
/// and the second does not: a 2×4 student loses to scratch whether it learns from the teacher or
/// from the page's 64×6 assistant (itself distilled from the teacher). REPRODUCTIONS.md has the
/// same on MNIST. Measured (seeds 1–3, test accuracy %): 2×32 distilled 92.76 / 93.31 / 93.59
/// vs scratch 88.02 / 90.81 / 89.42; 2×4 distilled 45.96 / 42.34 / 59.33, through the
/// assistant 46.52 / 40.39 / 58.50, scratch 52.37 / 44.01 / 64.35.
#[test]
fn distillation_helps_less_across_a_wide_gap_and_an_assistant_does_not_bridge_it_here() {
    if rerun_alone(
        module_path!(),
        "distillation_helps_less_across_a_wide_gap_and_an_assistant_does_not_bridge_it_here",
    ) {
        return;
    }
    let device = Device::flex();
    let split = digits().unwrap();
    let (teacher, _) = load_mlp(DIGITS_TEACHER, &device).unwrap();
    let teacher = Network::from(teacher);
    let few = TransferConfig {
        labeled_fraction: 0.1,
        ..Default::default()
    };
    let (mut wide, mut narrow, mut via) = ((0.0, 0.0), (0.0, 0.0), 0.0);
    for seed in [1, 2, 3] {
        let all = TransferSet::build(&split.train, &TransferConfig::default(), seed).unwrap();
        let assistant_settings = DistillSettings {
            learning_rate: 3e-3,
            total_steps: 40 * all.len().div_ceil(64),
            seed,
            ..Default::default()
        };
        let assistant = Trainer::distill(
            digits_mlp(&[64; 6]),
            teacher.clone(),
            all,
            assistant_settings,
            &device,
        );
        let assistant = train(assistant.unwrap(), 40);
        let data = TransferSet::build(&split.train, &few, seed).unwrap();
        let settings = DistillSettings {
            total_steps: 40 * data.len().div_ceil(64),
            seed,
            ..Default::default()
        };
        let add = |sum: &mut (f32, f32), (d, s): (f32, f32)| *sum = (sum.0 + d, sum.1 + s);
        let run = |width: usize, from: &Network| {
            distilled_and_scratch(
                &digits_mlp(&[width; 2]),
                from,
                &data,
                &settings,
                &split.test,
            )
        };
        add(&mut wide, run(32, &teacher));
        let n = run(4, &teacher);
        add(&mut narrow, n);
        let (through, _) = run(4, &assistant);
        via += through;
        eprintln!(
            "seed {seed}: 2×4 distilled {:.4}, scratch {:.4}, through the assistant {through:.4}",
            n.0, n.1
        );
    }
    let gain = |(d, s): (f32, f32)| (d - s) / 3.0;
    let via_gain = via / 3.0 - narrow.1 / 3.0;
    eprintln!(
        "mean gains over scratch: 2×32 {:.4}, 2×4 {:.4}, 2×4 through the assistant {via_gain:.4}",
        gain(wide),
        gain(narrow)
    );
    assert!(gain(wide) > 0.02, "a 2×32 student gains: {}", gain(wide));
    assert!(
        gain(narrow) < -0.02,
        "a 2×4 student loses: {}",
        gain(narrow)
    );
    assert!(
        via_gain < -0.02,
        "and still loses through the assistant: {via_gain}"
    );
}

/// Patient KD (Sun et al. 2019) on MLPs: the hidden-state loss, β = 0.5, on a narrow 8×3 student
/// of the shipped 6×128 digits teacher (10 % labeled, 40 epochs). Two of the paper's choices hold
/// in shape: PKD's normalised states beat raw MSE on them, and "skip" (teacher layers 2, 4, 6)
/// beats "last" (4, 5, 6). The paper's main claim does not hold here: no hidden loss at all
/// does as well (74.03 % mean; REPRODUCTIONS.md). Measured (seeds 1–5, test accuracy %): skip
/// 75.77 / 79.11 / 70.75 / 70.47 / 71.31, last 50.97 / 66.02 / 69.36 / 69.92 / 65.74, skip with
/// MSE 34.26 / 64.90 / 55.43 / 56.27 / 64.90; means 73.48, 64.40, 55.15.
#[test]
fn patient_kd_normalised_states_and_skip_in_the_papers_order() {
    if rerun_alone(
        module_path!(),
        "patient_kd_normalised_states_and_skip_in_the_papers_order",
    ) {
        return;
    }
    let device = Device::flex();
    let split = digits().unwrap();
    let (teacher, _) = load_mlp(DIGITS_TEACHER, &device).unwrap();
    let few = TransferConfig {
        labeled_fraction: 0.1,
        ..Default::default()
    };
    let student = digits_mlp(&[8; 3]);
    let mut sums = [0.0; 3];
    for seed in 1..=5 {
        let data = TransferSet::build(&split.train, &few, seed).unwrap();
        let runs = [
            (HiddenLoss::Pkd, MappingScheme::Skip),
            (HiddenLoss::Pkd, MappingScheme::Last),
            (HiddenLoss::Mse, MappingScheme::Skip),
        ];
        for (sum, (hidden_loss, mapping)) in sums.iter_mut().zip(runs) {
            let settings = DistillSettings {
                beta: 0.5,
                hidden_loss,
                mapping,
                total_steps: 40 * data.len().div_ceil(64),
                seed,
                ..Default::default()
            };
            let t = Trainer::distill(student.clone(), &teacher, data.clone(), settings, &device);
            let net = train(t.unwrap(), 40);
            *sum += accuracy(&net, &split.test, &device).unwrap() / 5.0;
        }
    }
    let [skip, last, mse] = sums;
    eprintln!("means: skip {skip:.4}, last {last:.4}, skip with MSE {mse:.4}");
    assert!(skip > last + 0.04, "skip {skip} ahead of last {last}");
    assert!(
        skip > mse + 0.08,
        "normalised {skip} ahead of raw MSE {mse}"
    );
}
