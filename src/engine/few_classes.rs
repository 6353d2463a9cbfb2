//! "Few classes, little dark knowledge": the same distillation on the first 2, 3, 5 and 10
//! digit classes. A soft target over k classes carries k − 1 numbers about the wrong classes, so
//! with few classes there is little for the teacher to pass on beyond the label. Both students
//! see the same labeled examples (no unlabeled ones), so the gain is the soft targets' alone.

use burn::tensor::Device;

use crate::data::{Dataset, Split, TransferConfig, TransferSet};
use crate::error::{Error, Result};
use crate::network::{Architecture, MlpConfig, Network};
use crate::schedule::Schedule;
use crate::train::{DistillSettings, Trainer, accuracy};
use crate::weights::{MlpWeights, NetworkWeights};

/// The lesson's setting: which class counts, the run, and the seeds averaged over.
#[derive(Clone, Debug, PartialEq)]
pub struct FewClassesPlan {
    pub counts: Vec<usize>,
    pub steps: usize,
    pub labeled_fraction: f32,
    pub seeds: Vec<u64>,
    pub temperature: f32,
    pub alpha: f32,
    pub learning_rate: f64,
}

impl Default for FewClassesPlan {
    fn default() -> Self {
        Self {
            counts: vec![2, 3, 5, 10],
            steps: 400,
            labeled_fraction: 0.02,
            seeds: vec![1, 2, 3],
            temperature: 4.0,
            alpha: 0.5,
            learning_rate: 3e-3,
        }
    }
}

/// One class count's result, averaged over the seeds.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FewClassesRow {
    pub classes: usize,
    pub distilled: f32,
    pub scratch: f32,
}

impl FewClassesRow {
    /// Test-accuracy points the teacher is worth.
    pub fn gain(&self) -> f32 {
        self.distilled - self.scratch
    }
}

/// The examples of classes `0..k`, as a `k`-class set.
pub fn first_classes(data: &Dataset, k: usize) -> Result<Dataset> {
    let rows: Vec<usize> = (0..data.len())
        .filter(|&i| usize::from(data.labels[i]) < k)
        .collect();
    let sub = data.subset(&rows);
    Dataset::new(
        format!("{} (classes 0–{})", data.name, k - 1),
        sub.features,
        sub.labels,
        sub.dim,
        k,
        sub.image,
    )
}

/// An MLP teacher cut to its first `k` outputs: its softmax over those classes is its belief
/// given that the answer is one of them.
pub fn teacher_for(teacher: &NetworkWeights, k: usize, device: &Device) -> Result<Network> {
    let mut w = MlpWeights::try_from(teacher.clone())?;
    let classes = w.config.classes;
    if k < 2 || k > classes {
        return Err(Error::Settings(format!(
            "the lesson needs 2 to {classes} classes, not {k}"
        )));
    }
    let inputs = w.config.hidden.last().copied().unwrap_or(w.config.inputs);
    if let Some((weight, bias)) = w.layers.last_mut() {
        weight.truncate(k * inputs);
        bias.truncate(k);
    }
    w.config = MlpConfig {
        classes: k,
        ..w.config
    };
    NetworkWeights::from(&w).to_network(device)
}

/// One class count and seed: the distilled and the scratch student, the same start and batches.
pub struct CountRun {
    pub distilled: Trainer,
    pub scratch: Trainer,
    test: Dataset,
}

impl CountRun {
    pub fn new(
        plan: &FewClassesPlan,
        teacher: &NetworkWeights,
        student: &MlpConfig,
        split: &Split,
        (k, seed): (usize, u64),
        device: &Device,
    ) -> Result<Self> {
        let (train, test) = (
            first_classes(&split.train, k)?,
            first_classes(&split.test, k)?,
        );
        let transfer = TransferConfig {
            labeled_fraction: plan.labeled_fraction,
            include_unlabeled: false,
            ..TransferConfig::default()
        };
        let data = TransferSet::build(&train, &transfer, seed)?;
        let settings = DistillSettings {
            temperature: Schedule::constant(plan.temperature),
            alpha: Schedule::constant(plan.alpha),
            learning_rate: plan.learning_rate,
            total_steps: plan.steps,
            seed,
            ..DistillSettings::default()
        };
        let arch: Architecture = MlpConfig {
            classes: k,
            ..student.clone()
        }
        .into();
        let teacher = teacher_for(teacher, k, device)?;
        Ok(Self {
            distilled: Trainer::distill(
                arch.clone(),
                teacher,
                data.clone(),
                settings.clone(),
                device,
            )?,
            scratch: Trainer::supervised(arch, data, settings, device)?,
            test,
        })
    }

    /// One step of each student.
    pub fn step(&mut self) -> Result<()> {
        self.distilled.step()?;
        self.scratch.step()?;
        Ok(())
    }

    pub fn steps_done(&self) -> usize {
        self.distilled.steps_done()
    }

    /// The distilled and the scratch student's test accuracy.
    pub fn score(&self, device: &Device) -> Result<(f32, f32)> {
        Ok((
            accuracy(&self.distilled.network(), &self.test, device)?,
            accuracy(&self.scratch.network(), &self.test, device)?,
        ))
    }
}

/// The distilled and the scratch student's test accuracy for `k` classes and one seed.
pub fn run_count(
    plan: &FewClassesPlan,
    teacher: &NetworkWeights,
    student: &MlpConfig,
    split: &Split,
    count_and_seed: (usize, u64),
    device: &Device,
) -> Result<(f32, f32)> {
    let mut run = CountRun::new(plan, teacher, student, split, count_and_seed, device)?;
    for _ in 0..plan.steps {
        run.step()?;
    }
    run.score(device)
}

/// The mean over seeds of each class count's `(distilled, scratch)` runs.
pub fn mean_row(classes: usize, runs: &[(f32, f32)]) -> FewClassesRow {
    let n = runs.len().max(1) as f32;
    FewClassesRow {
        classes,
        distilled: runs.iter().map(|r| r.0).sum::<f32>() / n,
        scratch: runs.iter().map(|r| r.1).sum::<f32>() / n,
    }
}

/// Every class count, averaged over the seeds; `progress(done, total)` after each run.
pub fn run(
    plan: &FewClassesPlan,
    teacher: &NetworkWeights,
    student: &MlpConfig,
    split: &Split,
    device: &Device,
    mut progress: impl FnMut(usize, usize),
) -> Result<Vec<FewClassesRow>> {
    let total = plan.counts.len() * plan.seeds.len();
    let (mut rows, mut done) = (Vec::new(), 0);
    for &k in &plan.counts {
        let mut runs = Vec::new();
        for &seed in &plan.seeds {
            runs.push(run_count(plan, teacher, student, split, (k, seed), device)?);
            done += 1;
            progress(done, total);
        }
        rows.push(mean_row(k, &runs));
    }
    Ok(rows)
}
