//! `multitask`: MT-DNN's several tasks (Liu et al. 2019), distilled: one student with a shared
//! encoder and a head per task, against single-task students of the same size, over seeds.

use std::path::Path;

use burn::tensor::Device;
use clap::Args;

use crate::engine::catalog::read_brown;
use crate::engine::error::Result;
use crate::engine::minilm::{shipped, shipped_test_logits};
use crate::engine::multitask::{MultiTaskRun, MultiTaskSettings, Student, TaskFiles, Tasks};
use crate::engine::text::SPAM_TSV_GZ;

use super::{column_means, read, step_bar, whole_numbers};

#[derive(Args, Debug)]
pub struct MultiTaskArgs {
    /// Brown's training sentences (the e-mails are used whole).
    #[arg(long, default_value_t = 12_000)]
    pub brown_sentences: usize,
    /// Epochs of every student.
    #[arg(long, default_value_t = 3)]
    pub epochs: usize,
    /// Seeds, comma-separated; the table gives each and their mean.
    #[arg(long, default_value = "1,2,3")]
    pub seeds: String,
}

/// A logit file under `assets/`.
fn logit_file(assets: &Path, name: &str) -> Result<Vec<u8>> {
    read(&assets.join(name), 8 << 20)
}

/// Both tasks, with their shipped teachers' logits.
fn read_tasks(assets: &Path, brown_sentences: usize) -> Result<Tasks> {
    let brown = read_brown(assets)?;
    let spam_logits = [
        logit_file(assets, "teachers/spam-logits.safetensors")?,
        logit_file(assets, "teachers/spam-test-logits.safetensors")?,
    ];
    let brown_logits = [
        logit_file(assets, &shipped("brown").1)?,
        logit_file(assets, &shipped_test_logits("brown"))?,
    ];
    let files = TaskFiles {
        spam: SPAM_TSV_GZ,
        spam_logits: [&spam_logits[0], &spam_logits[1]],
        brown: &brown,
        brown_logits: [&brown_logits[0], &brown_logits[1]],
    };
    Tasks::read(&files, brown_sentences)
}

pub(super) fn multitask(
    args: MultiTaskArgs,
    assets: &Path,
    device: &Device,
    quiet: bool,
) -> Result<()> {
    let seeds = whole_numbers("--seeds", &args.seeds)?;
    let base = MultiTaskSettings {
        brown_sentences: args.brown_sentences,
        epochs: args.epochs,
        ..MultiTaskSettings::default()
    };
    base.check()?;
    let tasks = read_tasks(assets, base.brown_sentences)?;
    for t in &tasks.tasks {
        println!(
            "{}: {} training rows, {} test; the teacher {:.1} %",
            t.name,
            t.train.len(),
            t.test.len(),
            t.teacher_accuracy * 100.0
        );
    }
    println!(
        "{:>6}{:>16}{:>16}{:>16}{:>16}   (test accuracy, %)",
        "seed", "e-mails, multi", "e-mails, single", "Brown, multi", "Brown, single"
    );
    let mut rows = Vec::new();
    for seed in seeds {
        let row = one_seed(
            &tasks,
            MultiTaskSettings {
                seed,
                ..base.clone()
            },
            device,
            quiet,
        )?;
        println!("{seed:>6}{}", cells(&row));
        rows.push(row);
    }
    if rows.len() > 1 {
        println!("{:>6}{}", "mean", cells(&column_means(&rows)));
    }
    Ok(())
}

fn cells(row: &[f32]) -> String {
    row.iter().map(|v| format!("{:>16.2}", v * 100.0)).collect()
}

/// E-mails multi, e-mails single, Brown multi, Brown single.
fn one_seed(
    tasks: &Tasks,
    settings: MultiTaskSettings,
    device: &Device,
    quiet: bool,
) -> Result<Vec<f32>> {
    let mut run = MultiTaskRun::new(tasks, settings, device)?;
    let bar = step_bar(run.progress().1, "steps", quiet);
    let mut row = vec![f32::NAN; 4];
    while !run.is_over() {
        let scored = run.step(tasks)?;
        bar.set_position(run.progress().0 as u64);
        let Some((student, scores)) = scored else {
            continue;
        };
        for (task, accuracy) in scores {
            let single = usize::from(matches!(student, Student::Single(_)));
            if let Some(cell) = row.get_mut(2 * task + single) {
                *cell = accuracy;
            }
        }
    }
    bar.finish_and_clear();
    Ok(row)
}
