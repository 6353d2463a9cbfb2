//! `cross-lingual`: Xu & Yang's cross-lingual distillation on the parallel verses, over seeds:
//! the English teacher, the Spanish student from its soft targets, the gold and few-label
//! Spanish students, and with --lambda above 0 the adapted teacher and its student.

use std::path::Path;

use burn::tensor::Device;
use clap::Args;

use crate::engine::crosslingual::{
    Bilingual, CrossLingualRun, CrossLingualSettings, Finished, Learner,
};
use crate::engine::error::Result;
use crate::engine::text::VERSES_FILE;

use super::{read, step_bar, whole_numbers};

#[derive(Args, Debug)]
pub struct CrossLingualArgs {
    /// T of the teacher's soft targets.
    #[arg(long, default_value_t = 2.0)]
    pub temperature: f32,
    /// Weight of the adversarial feature adaptation (0: no adapted teacher).
    #[arg(long, default_value_t = 0.1)]
    pub lambda: f32,
    #[arg(long, default_value_t = 4)]
    pub teacher_epochs: usize,
    #[arg(long, default_value_t = 4)]
    pub student_epochs: usize,
    /// Percent of the parallel verses whose Spanish labels the floor student reads.
    #[arg(long, default_value_t = 1.0)]
    pub few_percent: f32,
    /// Seeds, comma-separated; the table gives each and their mean.
    #[arg(long, default_value = "1,2,3")]
    pub seeds: String,
}

/// The columns, in the table's order.
const COLUMNS: [&str; 8] = [
    "teacher EN",
    "adapted EN",
    "critic",
    "critic adapt",
    "distilled ES",
    "adapted ES",
    "gold ES",
    "1 % ES",
];

pub(super) fn cross_lingual(
    args: CrossLingualArgs,
    assets: &Path,
    device: &Device,
    quiet: bool,
) -> Result<()> {
    let seeds = whole_numbers("--seeds", &args.seeds)?;
    let base = CrossLingualSettings {
        temperature: args.temperature,
        lambda: args.lambda,
        teacher_epochs: args.teacher_epochs,
        student_epochs: args.student_epochs,
        few_percent: args.few_percent,
        ..CrossLingualSettings::default()
    };
    // Refused before the verses are read.
    base.check()?;
    let data = Bilingual::from_gz(&read(&assets.join(VERSES_FILE), 8 << 20)?)?;
    println!(
        "Verses: {} labelled English, {} parallel pairs, {} test; T = {}, λ = {}",
        data.english.labelled.len(),
        data.spanish.parallel.len(),
        data.spanish.test.len(),
        args.temperature,
        args.lambda
    );
    let header: Vec<String> = COLUMNS.iter().map(|n| format!("{n:>13}")).collect();
    println!("{:>6}{}   (test accuracy, %)", "seed", header.join(""));
    let mut rows = Vec::new();
    for seed in seeds {
        let settings = CrossLingualSettings {
            seed,
            ..base.clone()
        };
        let row = one_seed(&data, settings, device, quiet)?;
        println!("{seed:>6}{}", cells(&row));
        rows.push(row);
    }
    let n = rows.len().max(1) as f32;
    let mean: Vec<Option<f32>> = (0..COLUMNS.len())
        .map(|c| {
            let v: Vec<f32> = rows.iter().filter_map(|r| r[c]).collect();
            (!v.is_empty()).then(|| v.iter().sum::<f32>() / v.len() as f32)
        })
        .collect();
    if n > 1.0 {
        println!("{:>6}{}", "mean", cells(&mean));
    }
    Ok(())
}

fn cells(row: &[Option<f32>]) -> String {
    row.iter()
        .map(|v| match v {
            Some(v) => format!("{:>13.1}", v * 100.0),
            None => format!("{:>13}", "–"),
        })
        .collect()
}

/// One experiment; its scores in the columns' order.
fn one_seed(
    data: &Bilingual,
    settings: CrossLingualSettings,
    device: &Device,
    quiet: bool,
) -> Result<Vec<Option<f32>>> {
    let mut run = CrossLingualRun::new(data, settings, device)?;
    let bar = step_bar(run.progress().1, "steps", quiet);
    let mut row = vec![None; COLUMNS.len()];
    while !run.is_over() {
        let finished = run.step(data)?;
        bar.set_position(run.progress().0 as u64);
        match finished {
            Some(Finished::Teacher {
                adapted,
                accuracy,
                critic,
            }) => {
                row[usize::from(adapted)] = Some(accuracy);
                row[2 + usize::from(adapted)] = critic;
            }
            Some(Finished::Student { learner, accuracy }) => {
                let column = match learner {
                    Learner::Distilled => 4,
                    Learner::AdaptedDistilled => 5,
                    Learner::Gold => 6,
                    Learner::Few | Learner::AdaptedTeacher => 7,
                };
                row[column] = Some(accuracy);
            }
            None => {}
        }
    }
    bar.finish_and_clear();
    Ok(row)
}
