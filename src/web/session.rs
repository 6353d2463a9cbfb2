//! The page's training session: the teacher, the data, the distilled student and the scratch
//! student, stepped in time-boxed chunks. Metrics and displayed logits are computed on a CPU copy
//! of the student's weights, read asynchronously, so WebGPU never sees a synchronous read.

use burn::tensor::Device;

use crate::data::{Split, TransferSet, digits};
use crate::loss::host;
use crate::model::Mlp;
pub use crate::playground::CurvePoint;
use crate::playground::{Settings, omitted_class_report};
use crate::saved_run::SavedRun;
use crate::train::{Trainer, fraction_equal, logits_host, predictions};
use crate::weights::MlpWeights;

/// The page's data: 8×8 digits, ten classes.
pub const INPUTS: usize = 64;
pub const CLASSES: usize = 10;

const DIGITS_TEACHER: &[u8] = include_bytes!("../../assets/teachers/digits.safetensors");

/// The teacher shipped with the page (assets/teachers/digits.safetensors, built in).
pub fn shipped_teacher() -> crate::Result<MlpWeights> {
    Ok(MlpWeights::from_safetensors(DIGITS_TEACHER)?.0)
}

pub struct Session {
    pub split: Split,
    /// Teacher logits of every test example, `[test, 10]`, computed once.
    pub teacher_test_logits: Vec<f32>,
    pub distilled: Trainer,
    pub scratch: Trainer,
    pub teacher: MlpWeights,
    /// The teacher on the CPU, for drawn digits and timing (built once).
    teacher_cpu: Mlp,
    omit_class: Option<u8>,
    device: Device,
    cpu: Device,
    /// Running sums since the last curve point.
    window: (usize, f32, f32, f32, f32, usize),
}

impl Session {
    pub fn new(settings: &Settings, device: Device, teacher: &MlpWeights) -> crate::Result<Self> {
        let cpu = Device::flex();
        let split = digits()?;
        let teacher_weights = teacher.clone();
        let teacher = teacher_weights.to_mlp(&device)?;
        let teacher_cpu = teacher_weights.to_mlp(&cpu)?;
        let teacher_test_logits = logits_host(&teacher_cpu, &split.test, &cpu)?;
        let transfer = settings.transfer_config();
        let data = TransferSet::build(&split.train, &transfer, settings.seed)?;
        let config = settings.student_config(split.train.dim, split.train.classes);
        let distill_settings = settings.distill_settings();
        // Same transfer set and seed, so the same batches in the same order: the scratch student
        // learns from the labels in them, the distilled one also from the teacher.
        let scratch =
            Trainer::supervised(&config, data.clone(), distill_settings.clone(), &device)?;
        let distilled = Trainer::distill(&config, &teacher, data, distill_settings, &device)?;
        Ok(Self {
            split,
            teacher_test_logits,
            distilled,
            scratch,
            teacher: teacher_weights,
            teacher_cpu,
            omit_class: settings.omit_class,
            device,
            cpu,
            window: (0, 0.0, 0.0, 0.0, 0.0, 0),
        })
    }

    /// The device the students train on.
    pub fn device(&self) -> Device {
        self.device.clone()
    }

    pub fn steps_done(&self) -> usize {
        self.distilled.steps_done()
    }

    /// `n` steps of each student, their numbers read back once per student.
    pub async fn steps(&mut self, n: usize) -> crate::Result<()> {
        let metrics = self.distilled.steps_async(n).await?;
        self.scratch.steps_async(n).await?;
        let w = &mut self.window;
        for m in metrics {
            w.0 += 1;
            w.1 += m.hard;
            w.2 += m.soft;
            w.3 += m.hidden;
            if let Some(acc) = m.batch_accuracy {
                w.4 += acc;
                w.5 += 1;
            }
        }
        Ok(())
    }

    /// Both students' weights, read asynchronously, with what is needed to pick the run up again.
    pub async fn snapshot(
        &self,
        settings: &Settings,
        curves: &[CurvePoint],
    ) -> crate::Result<SavedRun> {
        Ok(SavedRun {
            settings: settings.clone(),
            steps: self.steps_done(),
            curves: curves.to_vec(),
            distilled: MlpWeights::from_mlp_async(&self.distilled.network()).await?,
            scratch: MlpWeights::from_mlp_async(&self.scratch.network()).await?,
        })
    }

    /// Continues a saved run in this session (same students, same batches from its step on).
    pub fn restore(&mut self, run: &SavedRun) -> crate::Result<()> {
        self.distilled.restore(&run.distilled, run.steps)?;
        self.scratch.restore(&run.scratch, run.steps)?;
        self.window = (0, 0.0, 0.0, 0.0, 0.0, 0);
        Ok(())
    }

    /// A CPU copy of a network, read asynchronously.
    async fn on_cpu(&self, net: &Mlp) -> crate::Result<Mlp> {
        MlpWeights::from_mlp_async(net).await?.to_mlp(&self.cpu)
    }

    /// Test metrics of both students, and the losses averaged since the last point.
    pub async fn curve_point(&mut self) -> crate::Result<CurvePoint> {
        let test = &self.split.test;
        let labels: Vec<usize> = test.labels.iter().map(|l| usize::from(*l)).collect();
        let frac = |a: &[usize], b: &[usize]| fraction_equal(a, b.iter().copied());
        let student = self.on_cpu(&self.distilled.network()).await?;
        let scratch = self.on_cpu(&self.scratch.network()).await?;
        let test_logits = logits_host(&student, test, &self.cpu)?;
        let preds = predictions(&test_logits, test.classes);
        let scratch_preds = predictions(&logits_host(&scratch, test, &self.cpu)?, test.classes);
        let teacher_preds = predictions(&self.teacher_test_logits, test.classes);
        let (n, hard, soft, hidden, acc, labeled) = self.window;
        self.window = (0, 0.0, 0.0, 0.0, 0.0, 0);
        let mean = |v: f32, k: usize| if k == 0 { f32::NAN } else { v / k as f32 };
        Ok(CurvePoint {
            step: self.steps_done(),
            hard: mean(hard, n),
            soft: mean(soft, n),
            hidden: mean(hidden, n),
            train_accuracy: mean(acc, labeled),
            test_accuracy: frac(&preds, &labels),
            scratch_test_accuracy: frac(&scratch_preds, &labels),
            agreement: frac(&preds, &teacher_preds),
            omitted: match self.omit_class {
                None => None,
                Some(class) => {
                    let train = &self.split.train;
                    let train_logits = logits_host(&student, train, &self.cpu)?;
                    Some(omitted_class_report(
                        class,
                        test.classes,
                        (&train_logits, &train.labels),
                        (&test_logits, &test.labels),
                    ))
                }
            },
        })
    }

    /// Logits of any input (a hand-drawn digit) from the teacher and both students.
    pub async fn input_logits(&self, input: &[f32]) -> crate::Result<[Vec<f32>; 3]> {
        let one = crate::data::Dataset {
            name: "drawn".into(),
            features: input.to_vec(),
            labels: vec![0],
            dim: input.len(),
            classes: CLASSES,
            image: Some((8, 8)),
        };
        let student = self.on_cpu(&self.distilled.network()).await?;
        let scratch = self.on_cpu(&self.scratch.network()).await?;
        Ok([
            logits_host(&self.teacher_cpu, &one, &self.cpu)?,
            logits_host(&student, &one, &self.cpu)?,
            logits_host(&scratch, &one, &self.cpu)?,
        ])
    }

    /// Logits of test example `index` from the teacher, the distilled and the scratch student.
    pub async fn example_logits(&self, index: usize) -> crate::Result<[Vec<f32>; 3]> {
        let test = &self.split.test;
        let i = index.min(test.len().saturating_sub(1));
        let one = test.subset(&[i]);
        let classes = test.classes;
        let teacher = self.teacher_test_logits[i * classes..(i + 1) * classes].to_vec();
        let student = self.on_cpu(&self.distilled.network()).await?;
        let scratch = self.on_cpu(&self.scratch.network()).await?;
        Ok([
            teacher,
            logits_host(&student, &one, &self.cpu)?,
            logits_host(&scratch, &one, &self.cpu)?,
        ])
    }
}

/// What distillation buys, measured on the CPU copy the page reads from.
#[derive(Clone, Debug, PartialEq)]
pub struct Compression {
    pub teacher_params: usize,
    pub student_params: usize,
    /// Median forward time over the test set, milliseconds.
    pub teacher_ms: f64,
    pub student_ms: f64,
    pub teacher_accuracy: f32,
}

impl Session {
    /// Times the teacher's and the student's forward pass over the test set (median of 7).
    pub fn compression(&self, now_ms: impl Fn() -> f64) -> crate::Result<Compression> {
        let test = &self.split.test;
        let student = self.distilled.network().config().init(&self.cpu, 0)?;
        let time = |net: &Mlp| -> crate::Result<f64> {
            let mut runs = Vec::new();
            for _ in 0..7 {
                let start = now_ms();
                logits_host(net, test, &self.cpu)?;
                runs.push(now_ms() - start);
            }
            runs.sort_by(f64::total_cmp);
            Ok(runs[runs.len() / 2])
        };
        let labels: Vec<usize> = test.labels.iter().map(|l| usize::from(*l)).collect();
        Ok(Compression {
            teacher_params: self.teacher.config.num_params(),
            student_params: self.distilled.network().config().num_params(),
            teacher_ms: time(&self.teacher_cpu)?,
            student_ms: time(&student)?,
            teacher_accuracy: fraction_equal(
                &predictions(&self.teacher_test_logits, test.classes),
                labels.into_iter(),
            ),
        })
    }
}

/// Logits of test example `index` from the teacher and the untrained students, computed on the
/// CPU in milliseconds: shown while a GPU session warms up (compiling its kernels takes seconds).
/// The students' initial weights are drawn on the host, so they equal the GPU students' exactly.
pub fn preview(
    settings: &Settings,
    teacher: &MlpWeights,
    index: usize,
) -> crate::Result<[Vec<f32>; 3]> {
    let cpu = Device::flex();
    let test = digits()?.test;
    let one = test.subset(&[index.min(test.len().saturating_sub(1))]);
    let teacher = logits_host(&teacher.to_mlp(&cpu)?, &one, &cpu)?;
    let student = settings
        .student_config(INPUTS, CLASSES)
        .init(&cpu, settings.seed)?;
    let student = logits_host(&student, &one, &cpu)?;
    Ok([teacher, student.clone(), student])
}

/// Top class and its probability, for labels.
pub fn top(probs: &[f32]) -> (usize, f32) {
    let i = host::argmax(probs).unwrap_or(0);
    (i, probs.get(i).copied().unwrap_or(0.0))
}
