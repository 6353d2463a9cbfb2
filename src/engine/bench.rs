//! Native speed measurements (`distill bench`): distillation steps per second, split into the
//! teacher's forward pass and the student's step, the FLOPs they do, and the machine's matmul
//! peak on the same backend for scale. Numbers are reported, never asserted.

use web_time::Instant;

use burn::tensor::{Device, Tensor, TensorData};
use serde::Serialize;

use crate::data::{Dataset, Split, TransferConfig, TransferSet};
use crate::error::{Error, Result};
use crate::network::{Architecture, Classifier, Input, Network};
use crate::train::{DistillSettings, Trainer};

/// One dataset × batch-size measurement.
#[derive(Clone, Debug, Serialize)]
pub struct StepBench {
    pub dataset: String,
    pub batch: usize,
    pub teacher: String,
    pub student: String,
    /// `kd` (Hinton's loss), or `kd+hidden` (also β = 1 MSE terms on the skip mapping's pairs,
    /// through learned projections: teacher layers 2, 4, 6 for a 3-layer student).
    pub loss: String,
    /// The playground step per second: student forward + backward + Adam, the teacher's targets
    /// gathered from the precomputed cache.
    pub steps_per_s: f64,
    pub step_ms: f64,
    /// The full step per second, what the peers time: the teacher's forward on every batch, then
    /// the student's step.
    pub full_steps_per_s: f64,
    /// A whole step when the teacher runs on every batch (its forward pass, then the student's
    /// step): what a step costs without the cache, as with attention transfer.
    pub step_with_teacher_ms: f64,
    /// What the teacher's forward pass on one batch costs (paid once per transfer row, up front,
    /// since the teacher is frozen; this is what every step would pay without the cache).
    pub teacher_forward_ms: f64,
    /// One-off: the teacher over the whole transfer set.
    pub teacher_cache_ms: f64,
    /// Multiply-adds × 2 of one student step: forward F·B, backward 2·F·B (F = forward FLOPs
    /// of one example, [`forward_flops`]).
    pub student_flops_per_step: f64,
    pub teacher_flops_per_batch: f64,
    pub student_gflops: f64,
    pub teacher_gflops: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct MatmulPeak {
    pub size: usize,
    /// Median time of one multiplication.
    pub ms: f64,
    pub gflops: f64,
}

/// Multiply-adds × 2 of one example's forward pass (the matrix products; element-wise work
/// is left out). MLP: 2·W. Transformer, per token: the projections 2·(4d² + 2·d·ff) and the
/// attention 4·L·d per block. BiLSTM: per token and direction 2·4h·(e + h). Bag of words: the
/// mean L·e plus its MLP. Conv net: 2·pixels·c_out·c_in·9 per block, plus its classifier.
pub fn forward_flops(arch: &Architecture) -> f64 {
    let mlp =
        |widths: &[usize]| -> f64 { widths.windows(2).map(|w| 2.0 * (w[0] * w[1]) as f64).sum() };
    match arch {
        Architecture::Mlp(c) => c.layer_shapes().map(|(i, o)| 2.0 * (i * o) as f64).sum(),
        Architecture::Transformer(c) => {
            let (l, d, f) = (c.max_len as f64, c.width as f64, c.ff as f64);
            let per_token = c.blocks as f64 * (2.0 * (4.0 * d * d + 2.0 * d * f) + 4.0 * l * d);
            l * per_token + mlp(&[c.width, c.classes])
        }
        Architecture::Bert(c) => {
            let (l, d, f) = (c.max_len as f64, c.width as f64, c.ff as f64);
            let per_token = c.layers as f64 * (2.0 * (4.0 * d * d + 2.0 * d * f) + 4.0 * l * d);
            l * per_token + mlp(&[c.width, c.classes])
        }
        Architecture::BiLstm(c) => {
            let (l, e, h) = (c.max_len as f64, c.embed as f64, c.hidden as f64);
            2.0 * l * 2.0 * 4.0 * h * (e + h) + mlp(&[2 * c.hidden, c.fc, c.classes])
        }
        Architecture::Cnn(c) => {
            let mut c_in = 1;
            let mut total = 0.0;
            for (k, &c_out) in c.channels.iter().enumerate() {
                let pixels = c.side_after(k).pow(2);
                total += 2.0 * (pixels * c_out * c_in * 9) as f64;
                c_in = c_out;
            }
            let last = c.side_after(c.channels.len()).pow(2) * c_in;
            total + mlp(&[last, c.classes])
        }
        Architecture::Bow(c) => {
            let widths: Vec<usize> = std::iter::once(c.embed)
                .chain(c.hidden.iter().copied())
                .chain([c.classes])
                .collect();
            (c.max_len * c.embed) as f64 + mlp(&widths)
        }
    }
}

/// Median of `runs` timings of `f`, in milliseconds.
fn median_ms(runs: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        f()?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

fn read(t: Tensor<2>) -> Result<Vec<f32>> {
    t.into_data()
        .try_to_vec::<f32>()
        .map_err(|e| Error::Read(format!("{e:?}")))
}

/// The first rows of `train`, a whole number of batches of `batch`, so every timed step has a
/// full batch (1,437 digits at batch 1,024 would otherwise alternate 1,024 and 413 rows). The
/// peers sample full batches too.
fn whole_batches(train: &Dataset, batch: usize) -> Dataset {
    let rows = (train.len() / batch).max(1) * batch;
    train.subset(&(0..rows.min(train.len())).collect::<Vec<_>>())
}

/// Distillation speed for one dataset and batch size: `steps` timed steps after a warm-up,
/// with the hidden-state terms when `hidden`.
pub fn distill_steps(
    dataset: &str,
    split: &Split,
    (teacher, student): (&Network, &Architecture),
    (batch, hidden): (usize, bool),
    steps: usize,
    device: &Device,
) -> Result<StepBench> {
    let data = TransferSet::build(
        &whole_batches(&split.train, batch),
        &TransferConfig::default(),
        1,
    )?;
    let rows = data.len();
    let settings = DistillSettings {
        batch_size: batch,
        total_steps: 2 * steps + 40,
        beta: if hidden { 1.0 } else { 0.0 },
        ..Default::default()
    };
    let cache_start = Instant::now();
    let mut trainer = Trainer::distill(student.clone(), teacher.clone(), data, settings, device)?;
    // The cache is built lazily by the backend: the first step forces it.
    trainer.step()?;
    let teacher_cache_ms = cache_start.elapsed().as_secs_f64() * 1e3;
    let step_ms = ms_per_step(&mut trainer, steps)?;
    trainer.drop_teacher_cache();
    let step_with_teacher_ms = ms_per_step(&mut trainer, steps)?;
    let teacher_forward_ms = teacher_forward(teacher, split, batch.min(rows), device)?;
    let b = batch as f64;
    let student_flops_per_step = 3.0 * b * forward_flops(student);
    let teacher_flops_per_batch = b * forward_flops(&teacher.architecture());
    Ok(StepBench {
        dataset: dataset.into(),
        batch,
        teacher: teacher.architecture().describe(),
        student: student.describe(),
        loss: if hidden { "kd+hidden" } else { "kd" }.into(),
        steps_per_s: 1e3 / step_ms,
        step_ms,
        full_steps_per_s: 1e3 / step_with_teacher_ms,
        step_with_teacher_ms,
        teacher_forward_ms,
        teacher_cache_ms,
        student_flops_per_step,
        teacher_flops_per_batch,
        student_gflops: student_flops_per_step / step_ms / 1e6,
        teacher_gflops: teacher_flops_per_batch / teacher_forward_ms / 1e6,
    })
}

/// Milliseconds per step over `steps` timed steps, after up to 20 untimed ones.
fn ms_per_step(trainer: &mut Trainer, steps: usize) -> Result<f64> {
    for _ in 0..steps.min(20) {
        trainer.step()?;
    }
    let start = Instant::now();
    for _ in 0..steps {
        trainer.step()?;
    }
    Ok(start.elapsed().as_secs_f64() * 1e3 / steps as f64)
}

/// The median time of the teacher's forward pass over the first `rows` training rows.
pub fn teacher_forward(
    teacher: &Network,
    split: &Split,
    rows: usize,
    device: &Device,
) -> Result<f64> {
    let x = Tensor::<2>::from_data(
        TensorData::new(
            split.train.features[..rows * split.train.dim].to_vec(),
            [rows, split.train.dim],
        ),
        device,
    );
    median_ms(50, || {
        read(teacher.logits(Input::Features(x.clone()))).map(|_| ())
    })
}

/// Square f32 matmul throughput on `device`: the ceiling the small layers are far from.
pub fn matmul_peak(size: usize, device: &Device) -> Result<MatmulPeak> {
    let values: Vec<f32> = (0..size * size).map(|i| (i % 7) as f32 * 0.1).collect();
    let a = Tensor::<2>::from_data(TensorData::new(values.clone(), [size, size]), device);
    let b = Tensor::<2>::from_data(TensorData::new(values, [size, size]), device);
    read(a.clone().matmul(b.clone()))?;
    let ms = median_ms(9, || read(a.clone().matmul(b.clone())).map(|_| ()))?;
    Ok(MatmulPeak {
        size,
        ms,
        gflops: 2.0 * (size as f64).powi(3) / ms / 1e6,
    })
}

/// The scale sweep's batch sizes and student widths (`distill bench --scale`, and the page's).
pub const SCALE_BATCHES: [usize; 5] = [64, 128, 256, 512, 1024];
pub const SCALE_WIDTHS: [usize; 5] = [32, 64, 128, 256, 512];

/// One point of the scale sweep: the full step (the teacher every batch) of a student with three
/// hidden layers of `width`.
#[derive(Clone, Debug, Serialize)]
pub struct ScalePoint {
    pub batch: usize,
    pub width: usize,
    pub full_steps_per_s: f64,
    /// The teacher's forward FLOPs and the student's forward and backward FLOPs per full step,
    /// over its time: how close the step gets to the matmul peak.
    pub gflops: f64,
}

/// The full step of `teacher` with a `width`-wide three-layer student at `batch`: `steps` timed
/// steps after a few untimed ones.
pub fn scale_point(
    split: &Split,
    teacher: &Network,
    (batch, width): (usize, usize),
    steps: usize,
    device: &Device,
) -> Result<ScalePoint> {
    let arch = teacher.architecture();
    let student = Architecture::from(crate::network::MlpConfig {
        hidden: vec![width; 3],
        ..crate::network::MlpConfig::student(arch.inputs(), arch.classes())
    });
    let data = TransferSet::build(
        &whole_batches(&split.train, batch),
        &TransferConfig::default(),
        1,
    )?;
    let settings = DistillSettings {
        batch_size: batch,
        total_steps: steps + 10,
        ..Default::default()
    };
    let mut trainer = Trainer::distill(student.clone(), teacher.clone(), data, settings, device)?;
    trainer.drop_teacher_cache();
    for _ in 0..steps.clamp(1, 5) {
        trainer.step()?;
    }
    let start = Instant::now();
    for _ in 0..steps {
        trainer.step()?;
    }
    let step_s = start.elapsed().as_secs_f64() / steps as f64;
    let b = batch as f64;
    let flops = 3.0 * b * forward_flops(&student) + b * forward_flops(&arch);
    Ok(ScalePoint {
        batch,
        width,
        full_steps_per_s: 1.0 / step_s,
        gflops: flops / step_s / 1e9,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::MlpConfig;

    #[test]
    fn a_short_bench_reports_consistent_numbers() {
        let device = Device::flex();
        let split = crate::data::digits().unwrap();
        let teacher = MlpConfig::teacher(64, 10).init(&device, 1).unwrap();
        let student = Architecture::from(MlpConfig::student(64, 10));
        let teacher = Network::from(teacher);
        let r = distill_steps(
            "digits",
            &split,
            (&teacher, &student),
            (32, false),
            5,
            &device,
        )
        .unwrap();
        assert!(r.step_with_teacher_ms > 0.0);
        assert!(r.step_ms > 0.0 && r.teacher_forward_ms > 0.0);
        assert!((r.steps_per_s * r.step_ms - 1e3).abs() < 1e-6);
        assert!((r.full_steps_per_s * r.step_with_teacher_ms - 1e3).abs() < 1e-6);
        assert_eq!(r.loss, "kd");
        let h = distill_steps(
            "digits",
            &split,
            (&teacher, &student),
            (32, true),
            5,
            &device,
        )
        .unwrap();
        assert_eq!(h.loss, "kd+hidden");
        // 64·32 + 32·32·2 + 32·10 = 4,416 weights in the default student.
        assert_eq!(r.student_flops_per_step, 6.0 * 32.0 * 4416.0);
        // 2·n³ floating-point operations per multiplication, in the measured time.
        let peak = matmul_peak(64, &device).unwrap();
        assert!(peak.ms > 0.0);
        assert!((peak.gflops * peak.ms * 1e6 - 2.0 * 64f64.powi(3)).abs() < 1e-3);
    }

    /// The native build turns on gemm's AVX-512 kernels (picked at run time where the CPU has
    /// them): products at the step's shapes, plain and transposed as the backward pass takes
    /// them, match a float64 reference.
    #[test]
    fn matrix_products_match_a_float64_reference() {
        let device = Device::flex();
        let shapes = [
            (64, 64, 128),
            (64, 128, 128),
            (256, 128, 10),
            (37, 65, 33),
            (128, 64, 32),
        ];
        for (m, k, n) in shapes {
            let a: Vec<f32> = (0..m * k)
                .map(|i| ((i * 7919) % 113) as f32 / 56.0 - 1.0)
                .collect();
            let b: Vec<f32> = (0..k * n)
                .map(|i| ((i * 104_729) % 97) as f32 / 48.0 - 1.0)
                .collect();
            let reference = |i: usize, j: usize| -> f64 {
                (0..k)
                    .map(|p| a[i * k + p] as f64 * b[p * n + j] as f64)
                    .sum()
            };
            let lhs = Tensor::<2>::from_data(TensorData::new(a.clone(), [m, k]), &device);
            let rhs = Tensor::<2>::from_data(TensorData::new(b.clone(), [k, n]), &device);
            let plain = read(lhs.clone().matmul(rhs.clone())).unwrap();
            // (Bᵀ·Aᵀ)ᵀ = A·B, through strided operands.
            let strided = read(rhs.transpose().matmul(lhs.transpose()).transpose()).unwrap();
            for (got, what) in [(&plain, "A·B"), (&strided, "(Bᵀ·Aᵀ)ᵀ")] {
                for i in 0..m {
                    for j in 0..n {
                        let want = reference(i, j);
                        let err = (got[i * n + j] as f64 - want).abs();
                        assert!(
                            err < 1e-4 * (1.0 + want.abs()),
                            "{what} {m}×{k}×{n} at ({i}, {j}): {} against {want}",
                            got[i * n + j]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_scale_point_counts_both_networks_flops() {
        let device = Device::flex();
        let split = crate::data::digits().unwrap();
        let teacher = Network::from(MlpConfig::teacher(64, 10).init(&device, 1).unwrap());
        let p = scale_point(&split, &teacher, (128, 64), 3, &device).unwrap();
        assert_eq!((p.batch, p.width), (128, 64));
        // Student 64→64×3→10: 4,096 + 2·4,096 + 640 weights; teacher 64→128×6→10.
        let student = 2.0 * (4096.0 + 8192.0 + 640.0);
        let teacher = 2.0 * (64.0 * 128.0 + 5.0 * 128.0 * 128.0 + 1280.0);
        let flops = 128.0 * (3.0 * student + teacher);
        assert!(
            (p.gflops * 1e9 / p.full_steps_per_s - flops).abs() < 1.0,
            "{p:?}"
        );
    }

    #[test]
    fn timed_steps_see_whole_batches() {
        let train = crate::data::digits().unwrap().train;
        let n = train.len();
        assert!((1408..1472).contains(&n), "{n} digits");
        assert_eq!(whole_batches(&train, 1024).len(), 1024);
        assert_eq!(whole_batches(&train, 64).len(), 1408);
        // A batch larger than the set takes it all.
        assert_eq!(whole_batches(&train, 4096).len(), n);
    }
}
