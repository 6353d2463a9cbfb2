//! `sweep`: an α × T grid of short distillation runs, each the same steps on the same batches
//! from the same start, printed as a table of test accuracies (and written as CSV).

use std::path::Path;

use burn::tensor::Device;

use crate::engine::data::{TransferConfig, TransferSet};
use crate::engine::error::Result;
use crate::engine::sweep::{SweepGrid, SweepResult, SweepRun};
use crate::engine::train::DistillSettings;

use super::*;

pub(super) fn sweep(args: SweepArgs, assets: &Path, device: &Device, quiet: bool) -> Result<()> {
    let grid = SweepGrid::parse(&args.alphas, &args.temperatures)?;
    let TeacherData { teacher, data, .. } = teacher_and_data(
        args.dataset,
        args.teacher.as_deref(),
        None,
        (assets, args.seed),
        device,
    )?;
    let kind = kinds::kind_for(args.kind, args.dataset)?;
    let student = kinds::architecture(
        kind,
        args.student.as_deref(),
        kinds::Role::Student,
        4,
        0.0,
        Default::default(),
        &data.shape(),
    )?;
    let transfer = TransferConfig {
        labeled_fraction: args.labeled_fraction,
        ..TransferConfig::default()
    };
    let set = TransferSet::build(&data.split.train, &transfer, args.seed)?;
    let run = SweepRun {
        student,
        teacher: &teacher,
        data: &set,
        test: &data.split.test,
        base: DistillSettings {
            learning_rate: args.lr,
            batch_size: args.batch_size,
            seed: args.seed,
            ..DistillSettings::default()
        },
        steps: args.steps,
    };
    let bar = step_bar(grid.len(), "cells", quiet);
    let result = run.run(&grid, device, |_| bar.inc(1))?;
    bar.finish_and_clear();
    print_table(&result);
    if let Some(path) = &args.csv {
        write(path, result.to_csv().as_bytes())?;
        println!("Saved {}", path.display());
    }
    Ok(())
}

fn print_table(result: &SweepResult) {
    let grid = &result.grid;
    println!(
        "Test accuracy (%) after {} steps per cell: α down, T across",
        result.steps
    );
    let head: String = grid
        .temperatures
        .iter()
        .map(|t| format!("{:>8}", format!("T={t}")))
        .collect();
    println!("{:>8}{head}", "");
    let best = result.best();
    for (r, alpha) in grid.alphas.iter().enumerate() {
        let cells: String = (0..grid.temperatures.len())
            .map(|c| {
                let i = r * grid.temperatures.len() + c;
                let mark = if best.map(|b| b.0) == Some(i) {
                    "*"
                } else {
                    " "
                };
                match result.cells.get(i).copied().flatten() {
                    Some(acc) => format!("{:>7.2}{mark}", acc * 100.0),
                    None => format!("{:>8}", "diverged"),
                }
            })
            .collect();
        println!("{:>8}{cells}", format!("α={alpha}"));
    }
    if let Some((i, acc)) = best
        && let Some((alpha, t)) = grid.cell(i)
    {
        println!("Best (*): α = {alpha}, T = {t}: {:.2} %", acc * 100.0);
    }
}
