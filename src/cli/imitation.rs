//! `imitation`: adversarial imitation KD (Liu, Chen & Liu 2019) on Brown's genres, over seeds:
//! the teacher with part-of-speech tags, a teacher without, the student by plain KD and the
//! student by adversarial imitation, with the critic's accuracy at the end.

use std::path::Path;

use burn::tensor::Device;
use clap::Args;

use crate::engine::catalog::read_brown;
use crate::engine::error::Result;
use crate::engine::imitation::{ImitationRun, ImitationSettings, Stage, Tagged};

use super::{column_means, step_bar, whole_numbers};

#[derive(Args, Debug)]
pub struct ImitationArgs {
    /// Training sentences (Brown's first, in its fair order).
    #[arg(long, default_value_t = 12_000)]
    pub sentences: usize,
    /// Epochs of every network.
    #[arg(long, default_value_t = 3)]
    pub epochs: usize,
    /// Steps the critic learns before the student starts.
    #[arg(long, default_value_t = 100)]
    pub critic_steps: usize,
    /// Weight of fooling the critic.
    #[arg(long, default_value_t = 0.1)]
    pub lambda: f32,
    /// Seeds, comma-separated; the table gives each and their mean.
    #[arg(long, default_value = "1,2,3")]
    pub seeds: String,
}

pub(super) fn imitation(
    args: ImitationArgs,
    assets: &Path,
    device: &Device,
    quiet: bool,
) -> Result<()> {
    let seeds = whole_numbers("--seeds", &args.seeds)?;
    let base = ImitationSettings {
        sentences: args.sentences,
        epochs: args.epochs,
        critic_steps: args.critic_steps,
        lambda: args.lambda,
        ..ImitationSettings::default()
    };
    base.check()?;
    let data = Tagged::from_gz(&read_brown(assets)?, base.sentences)?;
    println!(
        "Brown: {} training sentences, {} test, {} tags; λ = {}",
        data.train_words.len(),
        data.test_words.len(),
        data.tags.len(),
        base.lambda
    );
    println!(
        "{:>6}{:>14}{:>14}{:>11}{:>11}{:>9}   (test accuracy, %; the critic's over the last 50 steps)",
        "seed", "teacher+tags", "teacher words", "plain KD", "imitation", "critic"
    );
    let mut rows = Vec::new();
    for seed in seeds {
        let row = one_seed(
            &data,
            ImitationSettings {
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
    let widths = [14, 14, 11, 11, 9];
    row.iter()
        .zip(widths)
        .map(|(v, w)| format!("{:>w$.1}", v * 100.0))
        .collect()
}

/// The four accuracies in stage order, then the critic's mean over its last 50 steps.
fn one_seed(
    data: &Tagged,
    settings: ImitationSettings,
    device: &Device,
    quiet: bool,
) -> Result<Vec<f32>> {
    let mut run = ImitationRun::new(data, settings, device)?;
    let bar = step_bar(run.progress().1, "steps", quiet);
    let mut row = vec![f32::NAN; 5];
    let mut critic = Vec::new();
    while !run.is_over() {
        let stepped = run.step(data)?;
        bar.set_position(run.progress().0 as u64);
        critic.extend(stepped.imitation.map(|s| s.critic));
        if let Some((stage, accuracy)) = stepped.finished {
            let at = Stage::ALL.iter().position(|s| *s == stage).unwrap_or(0);
            row[at] = accuracy;
        }
    }
    bar.finish_and_clear();
    let last = &critic[critic.len().saturating_sub(50)..];
    row[4] = last.iter().sum::<f32>() / last.len().max(1) as f32;
    Ok(row)
}
