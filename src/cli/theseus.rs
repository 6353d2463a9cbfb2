//! `theseus`: BERT-of-Theseus module replacing, against the same student distilled by KD.

use std::path::Path;
use std::time::Instant;

use burn::tensor::Device;
use serde_json::json;

use crate::engine::data::{Dataset, TransferConfig, TransferSet};
use crate::engine::error::Result;
use crate::engine::network::Classifier;
use crate::engine::theseus::{ReplaceRate, TheseusSettings, TheseusTrainer};
use crate::engine::train::{DistillSettings, Trainer, accuracy};
use crate::engine::weights::{NetworkWeights, save_network};

use super::*;

pub(super) fn theseus(
    args: TheseusArgs,
    assets: &Path,
    device: &Device,
    quiet: bool,
) -> Result<()> {
    let TeacherData {
        teacher,
        path,
        data,
    } = teacher_and_data(
        args.dataset,
        args.teacher.as_deref(),
        None,
        (assets, args.seed),
        device,
    )?;
    let transfer = TransferSet::build(&data.split.train, &TransferConfig::default(), args.seed)?;
    let settings = theseus_settings(&args, transfer.len())?;
    let mut trainer = TheseusTrainer::new(&teacher, &transfer, settings.clone(), device)?;
    let teacher_acc = accuracy(&teacher, &data.split.test, device)?;
    announce(&args, &trainer, &teacher, teacher_acc);
    let initial = trainer.network();
    let start = Instant::now();
    replace(&mut trainer, &data.split.test, device, quiet)?;
    let student = trainer.network();
    let acc = accuracy(&student, &data.split.test, device)?;
    println!(
        "  Theseus: {} ({} parameters), test accuracy {:.2} % ({:.1} s)",
        student.architecture().describe(),
        student.architecture().declared_params(),
        acc * 100.0,
        start.elapsed().as_secs_f32()
    );
    let kd_acc = match args.compare_kd {
        true => Some(versus_kd(
            &args, &teacher, transfer, &initial, device, &data,
        )?),
        false => None,
    };
    let info = FileInfo {
        role: "student".into(),
        info: json!({
            "dataset": args.dataset.name(),
            "teacher": path.display().to_string(),
            "method": "theseus",
            "theseus": settings,
            "metrics": {"test_accuracy": acc, "teacher_test_accuracy": teacher_acc,
                        "kd_test_accuracy": kd_acc},
        }),
    };
    write(&args.out, &save_network(&student, &info)?)?;
    println!("Saved {}", args.out.display());
    Ok(())
}

/// The flags as settings: epochs become steps over `examples` transfer examples.
fn theseus_settings(args: &TheseusArgs, examples: usize) -> Result<TheseusSettings> {
    let per_epoch = examples.div_ceil(args.batch_size.max(1));
    Ok(TheseusSettings {
        successors: args.successors,
        rate: ReplaceRate::parse(&args.rate)?,
        replacing_steps: args.replacing_epochs * per_epoch,
        finetune_steps: args.finetune_epochs * per_epoch,
        learning_rate: args.lr,
        batch_size: args.batch_size,
        seed: args.seed,
    })
}

fn announce(args: &TheseusArgs, trainer: &TheseusTrainer, teacher: &Network, accuracy: f32) {
    let settings = trainer.settings();
    println!(
        "Replacing teacher {} ({:.2} %) module by module: {} successors, each for {:?} of its \
         layers; rate {}; {} + {} steps. No distillation loss: cross-entropy on the labels only.",
        teacher.architecture().describe(),
        accuracy * 100.0,
        args.successors,
        trainer.modules().first().map_or(0, |m| m.len()),
        settings.rate,
        settings.replacing_steps,
        settings.finetune_steps
    );
}

/// Every step, with a progress bar; the successors alone are measured after phase 1.
fn replace(
    trainer: &mut TheseusTrainer,
    test: &Dataset,
    device: &Device,
    quiet: bool,
) -> Result<()> {
    let replacing = trainer.settings().replacing_steps;
    let bar = step_bar(trainer.total_steps(), "theseus", quiet);
    let mut replaced = 0usize;
    for _ in 0..trainer.total_steps() {
        let s = trainer.step()?;
        replaced += s.successor.iter().filter(|r| **r).count();
        bar.inc(1);
        if s.step == replacing {
            bar.suspend(|| phase_one(trainer, test, device, replaced));
        }
    }
    bar.finish_and_clear();
    Ok(())
}

/// At the end of phase 1: how the successors do alone, before fine-tuning.
fn phase_one(trainer: &TheseusTrainer, test: &Dataset, device: &Device, replaced: usize) {
    let steps = trainer.settings().replacing_steps * trainer.modules().len();
    match accuracy(&trainer.network(), test, device) {
        Ok(acc) => println!(
            "  after replacing ({:.0} % of module runs were successors): successors alone {:.2} %",
            100.0 * replaced as f32 / steps.max(1) as f32,
            acc * 100.0
        ),
        Err(e) => eprintln!("warning: could not evaluate the successors ({e})"),
    }
}

/// The same student distilled by KD for the same number of steps: from the same start (the
/// successors as initialised, from the teacher's first layers), so only the method differs,
/// and from a fresh start, so the start's share shows. Returns the first.
fn versus_kd(
    args: &TheseusArgs,
    teacher: &Network,
    transfer: TransferSet,
    initial: &Network,
    device: &Device,
    data: &Data,
) -> Result<f32> {
    let steps = (args.replacing_epochs + args.finetune_epochs)
        * transfer.len().div_ceil(args.batch_size.max(1));
    let settings = DistillSettings {
        learning_rate: args.lr,
        batch_size: args.batch_size,
        total_steps: steps.max(1),
        seed: args.seed,
        ..Default::default()
    };
    let mut same = 0.0;
    for (what, from_teacher) in [("same start", true), ("fresh start", false)] {
        let mut kd = Trainer::distill(
            initial.architecture(),
            teacher.clone(),
            transfer.clone(),
            settings.clone(),
            device,
        )?;
        if from_teacher {
            kd.restore(NetworkWeights::from_network(initial)?, 0)?;
        }
        for _ in 0..steps {
            kd.step()?;
        }
        let acc = accuracy(&kd.network(), &data.split.test, device)?;
        println!(
            "       KD: the same student, {what}, T 4, α 0.5, {steps} steps: {:.2} %",
            acc * 100.0
        );
        if from_teacher {
            same = acc;
        }
    }
    Ok(same)
}
