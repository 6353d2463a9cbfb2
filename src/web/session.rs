//! The page's training session: the teacher, the data, the distilled student and the scratch
//! student, stepped in time-boxed chunks. Metrics and displayed logits are computed on a CPU copy
//! of the student's weights, read asynchronously, so WebGPU never sees a synchronous read.

use burn::tensor::Device;

use crate::data::{Split, TransferConfig, TransferSet, digits};
use crate::loss::host;
use crate::model::Mlp;
use crate::playground::Settings;
use crate::train::{Trainer, fraction_equal, logits_host, predictions};
use crate::weights::{MlpWeights, load_mlp};

const DIGITS_TEACHER: &[u8] = include_bytes!("../../assets/teachers/digits.safetensors");

/// One point of the live curves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CurvePoint {
    pub step: usize,
    pub hard: f32,
    pub soft: f32,
    pub hidden: f32,
    pub train_accuracy: f32,
    pub test_accuracy: f32,
    pub scratch_test_accuracy: f32,
    pub agreement: f32,
}

pub struct Session {
    pub split: Split,
    /// Teacher logits of every test example, `[test, 10]`, computed once.
    pub teacher_test_logits: Vec<f32>,
    pub distilled: Trainer,
    pub scratch: Trainer,
    cpu: Device,
    /// Running sums since the last curve point.
    window: (usize, f32, f32, f32, f32, usize),
}

impl Session {
    pub fn new(settings: &Settings, device: Device) -> crate::Result<Self> {
        let cpu = Device::flex();
        let split = digits()?;
        let (teacher, _) = load_mlp(DIGITS_TEACHER, &device)?;
        let (teacher_cpu, _) = load_mlp(DIGITS_TEACHER, &cpu)?;
        let teacher_test_logits = logits_host(&teacher_cpu, &split.test, &cpu)?;
        let transfer = TransferConfig {
            labeled_fraction: settings.labeled_fraction,
            ..Default::default()
        };
        let data = TransferSet::build(&split.train, &transfer, settings.seed)?;
        let config = settings.student_config(split.train.dim, split.train.classes);
        let distill_settings = settings.distill_settings();
        let scratch = Trainer::supervised(
            &config,
            data.labeled_only(),
            distill_settings.clone(),
            &device,
        )?;
        let distilled = Trainer::distill(&config, &teacher, data, distill_settings, &device)?;
        Ok(Self {
            split,
            teacher_test_logits,
            distilled,
            scratch,
            cpu,
            window: (0, 0.0, 0.0, 0.0, 0.0, 0),
        })
    }

    pub fn steps(&self) -> usize {
        self.distilled.steps_done()
    }

    /// One step of each student.
    pub async fn step(&mut self) -> crate::Result<()> {
        let m = self.distilled.step_async().await?;
        self.scratch.step_async().await?;
        let w = &mut self.window;
        w.0 += 1;
        w.1 += m.hard;
        w.2 += m.soft;
        w.3 += m.hidden;
        if let Some(acc) = m.batch_accuracy {
            w.4 += acc;
            w.5 += 1;
        }
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
        let preds = predictions(&logits_host(&student, test, &self.cpu)?, test.classes);
        let scratch_preds = predictions(&logits_host(&scratch, test, &self.cpu)?, test.classes);
        let teacher_preds = predictions(&self.teacher_test_logits, test.classes);
        let (n, hard, soft, hidden, acc, labeled) = self.window;
        self.window = (0, 0.0, 0.0, 0.0, 0.0, 0);
        let mean = |v: f32, k: usize| if k == 0 { f32::NAN } else { v / k as f32 };
        Ok(CurvePoint {
            step: self.steps(),
            hard: mean(hard, n),
            soft: mean(soft, n),
            hidden: mean(hidden, n),
            train_accuracy: mean(acc, labeled),
            test_accuracy: frac(&preds, &labels),
            scratch_test_accuracy: frac(&scratch_preds, &labels),
            agreement: frac(&preds, &teacher_preds),
        })
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

/// Top class and its probability, for labels.
pub fn top(probs: &[f32]) -> (usize, f32) {
    let i = host::argmax(probs).unwrap_or(0);
    (i, probs.get(i).copied().unwrap_or(0.0))
}
