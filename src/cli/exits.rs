//! `exits`: FastBERT's early exits on a trained teacher, and the accuracy–speed curve.

use std::path::Path;
use std::time::Instant;

use burn::tensor::Device;

use crate::engine::data::Dataset;
use crate::engine::data::{TransferConfig, TransferSet};
use crate::engine::error::Result;
use crate::engine::exits::{ExitBranches, ExitSettings, ExitTable, ExitTrainer, network_flops};
use crate::engine::network::Classifier;
use crate::engine::train::accuracy;

use super::*;

pub(super) fn exits(args: ExitsArgs, assets: &Path, device: &Device, quiet: bool) -> Result<()> {
    let TeacherData { teacher, data, .. } = teacher_and_data(
        args.dataset,
        args.teacher.as_deref(),
        None,
        (assets, args.seed),
        device,
    )?;
    let branches = match &args.load {
        Some(file) => {
            let exits = ExitBranches::from_safetensors(
                &read(file, MAX_FILE_BYTES)?,
                &teacher.architecture(),
                device,
            )
            .map_err(|e| match e {
                Error::Weights(m) => Error::Weights(format!("{}: {m}", file.display())),
                other => other,
            })?;
            println!("Read the exits from {}", file.display());
            exits
        }
        None => train(&args, &teacher, &data, device, quiet)?,
    };
    if let Some(out) = &args.out {
        write(out, &branches.to_safetensors(&teacher.architecture())?)?;
        println!("Saved {}", out.display());
    }
    if let Some(out) = &args.probs_out {
        write(
            out,
            &probabilities(&teacher, &branches, &data.split.test, device)?,
        )?;
        println!("Saved {}", out.display());
    }
    let table = ExitTable::measure(&teacher, &branches, &data.split.test, device)?;
    print_curve(&table, args.points);
    if let Some(student) = &args.student {
        let (net, _) = load_weights(student, device)?;
        check_fits(&net.architecture(), student, args.dataset, &data)?;
        let acc = accuracy(&net, &data.split.test, device)?;
        let flops = network_flops(&net.architecture());
        println!(
            "Distilled student {}: {:.2} %, {} layers, {:.3} of the teacher's FLOPs",
            net.architecture().describe(),
            acc * 100.0,
            net.architecture().depth(),
            flops as f64 / table.full_flops().max(1) as f64
        );
    }
    Ok(())
}

/// Exits trained on the training inputs (the trainer drops their labels).
fn train(
    args: &ExitsArgs,
    teacher: &Network,
    data: &Data,
    device: &Device,
    quiet: bool,
) -> Result<ExitBranches> {
    let transfer = TransferSet::build(&data.split.train, &TransferConfig::default(), args.seed)?;
    let settings = ExitSettings {
        learning_rate: args.lr,
        batch_size: args.batch_size,
        seed: args.seed,
    };
    let mut trainer = ExitTrainer::new(teacher, transfer, settings, device)?;
    let steps = trainer.steps_for(args.epochs);
    let arch = teacher.architecture();
    println!(
        "Training {} exits of teacher {} for {} epochs ({steps} steps), the teacher frozen and \
         no labels read",
        arch.depth() - 1,
        arch.describe(),
        args.epochs
    );
    let start = Instant::now();
    let bar = step_bar(steps, "exits", quiet);
    let mut loss = 0.0;
    for _ in 0..steps {
        loss = trainer.step()?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    println!(
        "Final exit loss (Σ KL to the teacher) {loss:.4} ({:.1} s)",
        start.elapsed().as_secs_f32()
    );
    Ok(trainer.branches())
}

/// The first 100 test inputs and every exit's probabilities for them.
fn probabilities(
    teacher: &Network,
    branches: &ExitBranches,
    test: &Dataset,
    device: &Device,
) -> Result<Vec<u8>> {
    let n = test.len().min(100);
    let subset = test.subset(&(0..n).collect::<Vec<_>>());
    let probs = ExitTable::pending(teacher, branches, &subset, device)?
        .into_data()
        .try_to_vec::<f32>()
        .map_err(|e| Error::Read(format!("{e:?}")))?;
    let arch = teacher.architecture();
    let le = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let (inputs, probs_bytes) = (le(&subset.features), le(&probs));
    fn view(shape: Vec<usize>, data: &[u8]) -> Result<safetensors::tensor::TensorView<'_>> {
        safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape, data)
            .map_err(|e| Error::Weights(e.to_string()))
    }
    let views = vec![
        ("inputs".to_string(), view(vec![n, subset.dim], &inputs)?),
        (
            "probs".to_string(),
            view(vec![n, arch.depth(), arch.classes()], &probs_bytes)?,
        ),
    ];
    safetensors::serialize(views, None).map_err(|e| Error::Weights(e.to_string()))
}

fn print_curve(table: &ExitTable, points: usize) {
    println!(
        "{:>6} {:>9} {:>7} {:>7}  left at exit 1..{}",
        "speed",
        "accuracy",
        "layers",
        "FLOPs",
        table.exits()
    );
    for p in table.curve(points) {
        println!(
            "{:>6.2} {:>8.2} % {:>7.2} {:>7.3}  {:?}",
            p.speed,
            p.accuracy * 100.0,
            p.layers,
            p.flops_fraction,
            p.left_at
        );
    }
}
