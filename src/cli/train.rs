//! `train-teacher` and `distill`.

use std::path::Path;
use std::time::Instant;

use burn::tensor::Device;
use serde_json::json;

use crate::engine::data::{TransferConfig, TransferSet};
use crate::engine::error::Result;
use crate::engine::mapping::MappingScheme;
use crate::engine::network::MlpConfig;
use crate::engine::schedule::Schedule;
use crate::engine::train::{DistillSettings, Trainer, accuracy};
use crate::engine::weights::{FileInfo, save_network};

use super::*;

pub(super) fn train_teacher(
    args: TrainTeacherArgs,
    assets: &Path,
    device: &Device,
    quiet: bool,
) -> Result<()> {
    let t = &args.train;
    let split = load_split(t.dataset, assets, t.seed)?;
    let config = MlpConfig {
        inputs: split.train.dim,
        hidden: MlpConfig::parse_hidden(&args.hidden)?,
        classes: split.train.classes,
        activation: args.activation,
    };
    let data = TransferSet::build(&split.train, &TransferConfig::default(), t.seed)?;
    let steps = steps_for(t.epochs, data.len(), t.batch_size);
    let settings = DistillSettings {
        learning_rate: t.lr,
        batch_size: t.batch_size,
        total_steps: steps,
        seed: t.seed,
        ..Default::default()
    };
    println!(
        "Training a teacher {} ({} parameters) on {} ({} examples) for {} epochs ({steps} steps)",
        config.describe(),
        config.num_params(),
        t.dataset.name(),
        data.len(),
        t.epochs
    );
    let start = Instant::now();
    let mut trainer = Trainer::supervised(&config, data, settings.clone(), device)?;
    run_steps(&mut trainer, steps, "teacher", quiet)?;
    let eval = trainer.evaluate(&split.test)?;
    println!(
        "Test accuracy {:.2} % on {} examples ({:.1} s)",
        eval.accuracy * 100.0,
        split.test.len(),
        start.elapsed().as_secs_f32()
    );
    let info = FileInfo {
        role: "teacher".into(),
        info: json!({
            "dataset": t.dataset.name(),
            "epochs": t.epochs,
            "steps": steps,
            "settings": settings,
            "metrics": {"test_accuracy": eval.accuracy},
        }),
    };
    write(&t.out, &save_network(&trainer.network(), &info)?)?;
    println!("Saved {}", t.out.display());
    Ok(())
}

pub(super) fn distill(
    args: DistillArgs,
    assets: &Path,
    device: &Device,
    quiet: bool,
) -> Result<()> {
    let t = &args.train;
    let split = load_split(t.dataset, assets, t.seed)?;
    let teacher_path = args
        .teacher
        .clone()
        .unwrap_or_else(|| shipped_teacher(assets, t.dataset));
    let (teacher, _) = load_weights(&teacher_path, device)?;
    let config = MlpConfig {
        inputs: split.train.dim,
        hidden: MlpConfig::parse_hidden(&args.student)?,
        classes: split.train.classes,
        activation: args.activation,
    };
    let transfer = args.transfer();
    let data = TransferSet::build(&split.train, &transfer, t.seed)?;
    let steps = steps_for(t.epochs, data.len(), t.batch_size);
    let settings = args.settings(steps)?;
    let teacher_acc = accuracy(&teacher, &split.test, device)?;
    let scratch_data = data.labeled_only();
    let mut trainer = Trainer::distill(&config, &teacher, data, settings.clone(), device)?;
    announce(&trainer, &config, &teacher, teacher_acc, &settings, steps);
    let start = Instant::now();
    let last = run_steps(&mut trainer, steps, "distill", quiet)?;
    let eval = trainer.evaluate(&split.test)?;
    report("distilled", &eval, start.elapsed().as_secs_f32());
    if let Some(m) = last {
        print_final_losses(&m, settings.beta);
    }
    let scratch_eval = if args.compare_scratch {
        let scratch = Trainer::supervised(
            &config,
            scratch_data,
            DistillSettings {
                mapping: MappingScheme::None,
                ..settings.clone()
            },
            device,
        )?;
        Some(versus_scratch(scratch, &split, steps, quiet, &eval)?)
    } else {
        None
    };
    let info = FileInfo {
        role: "student".into(),
        info: json!({
            "dataset": t.dataset.name(),
            "teacher": teacher_path.display().to_string(),
            "transfer": transfer,
            "settings": settings,
            "steps": steps,
            "metrics": {
                "test_accuracy": eval.accuracy,
                "teacher_agreement": eval.teacher_agreement,
                "teacher_test_accuracy": teacher_acc,
                "scratch_test_accuracy": scratch_eval.map(|e| e.accuracy),
            },
        }),
    };
    write(&t.out, &save_network(&trainer.network(), &info)?)?;
    println!("Saved {}", t.out.display());
    Ok(())
}

impl DistillArgs {
    /// The transfer set the flags describe.
    fn transfer(&self) -> TransferConfig {
        TransferConfig {
            labeled_fraction: self.labeled_fraction,
            include_unlabeled: !self.no_unlabeled,
            augment_copies: self.augment_copies,
            noise_std: self.noise,
            mask_prob: self.mask,
            omit_class: self.omit_class,
        }
    }

    /// The distillation settings the flags describe, for a run of `steps`.
    fn settings(&self, steps: usize) -> Result<DistillSettings> {
        let t = &self.train;
        Ok(DistillSettings {
            temperature: Schedule::parse(&self.temperature)?,
            alpha: Schedule::parse(&self.alpha)?,
            beta: self.beta,
            soft_loss: self.soft_loss,
            hidden_loss: self.hidden_loss,
            mapping: MappingScheme::parse(&self.mapping)?,
            learning_rate: t.lr,
            batch_size: t.batch_size,
            total_steps: steps,
            seed: t.seed,
            ..DistillSettings::default()
        })
    }
}

fn print_final_losses(m: &StepMetrics, beta: f32) {
    let hidden = if beta > 0.0 {
        format!("{:.4}", m.hidden)
    } else {
        "off (β = 0)".to_string()
    };
    println!(
        "Final losses: hard {:.4}, soft {:.4}, hidden {hidden}",
        m.hard, m.soft
    );
}

/// Trains the same student from the labels alone, on the same batches, and reports the gain.
fn versus_scratch(
    mut scratch: Trainer,
    split: &Split,
    steps: usize,
    quiet: bool,
    distilled: &Evaluation,
) -> Result<Evaluation> {
    let start = Instant::now();
    run_steps(&mut scratch, steps, "scratch", quiet)?;
    let e = scratch.evaluate(&split.test)?;
    report("scratch", &e, start.elapsed().as_secs_f32());
    println!(
        "Distillation gain: {:+.2} percentage points",
        (distilled.accuracy - e.accuracy) * 100.0
    );
    Ok(e)
}

/// What is about to be distilled from what, on which transfer set.
fn announce(
    trainer: &Trainer,
    config: &MlpConfig,
    teacher: &Mlp,
    teacher_acc: f32,
    settings: &DistillSettings,
    steps: usize,
) {
    let set = trainer.transfer_set();
    println!(
        "Distilling {} ({} parameters) from teacher {} ({} parameters, test accuracy {:.2} %)",
        config.describe(),
        config.num_params(),
        teacher.config().describe(),
        teacher.config().num_params(),
        teacher_acc * 100.0
    );
    let mapping = trainer.mapping().map(|m| m.pairs().to_vec());
    println!(
        "Transfer set: {} labeled + {} unlabeled + {} augmented; T {}, α {}, β {}, mapping {:?}; {steps} steps",
        set.labeled,
        set.unlabeled,
        set.augmented,
        settings.temperature,
        settings.alpha,
        settings.beta,
        mapping.unwrap_or_default(),
    );
}
