//! `few-classes`: the gain of distillation over scratch on the first 2, 3, 5 and 10 digit
//! classes, averaged over seeds.

use std::path::Path;

use burn::tensor::Device;

use crate::engine::catalog::DatasetKind;
use crate::engine::error::Result;
use crate::engine::few_classes::{self, FewClassesPlan};
use crate::engine::network::MlpConfig;
use crate::engine::weights::NetworkWeights;

use super::*;

pub(super) fn few_classes(
    args: FewClassesArgs,
    assets: &Path,
    device: &Device,
    quiet: bool,
) -> Result<()> {
    let plan = FewClassesPlan {
        counts: whole_numbers("--classes", &args.classes)?
            .into_iter()
            .map(|k| k as usize)
            .collect(),
        steps: args.steps,
        labeled_fraction: args.labeled_fraction,
        seeds: whole_numbers("--seeds", &args.seeds)?,
        ..FewClassesPlan::default()
    };
    let path = shipped_teacher(assets, DatasetKind::Digits);
    let (teacher, _) = load_weights(&path, device)?;
    let teacher = NetworkWeights::from_network(&teacher)?;
    let split = data::digits()?;
    let student = MlpConfig {
        hidden: MlpConfig::parse_hidden(&args.student)?,
        ..MlpConfig::student(64, 10)
    };
    let runs = plan.counts.len() * plan.seeds.len();
    let bar = step_bar(runs, "runs", quiet);
    let rows = few_classes::run(&plan, &teacher, &student, &split, device, |done, _| {
        bar.set_position(done as u64)
    })?;
    bar.finish_and_clear();
    println!(
        "Digits, {} % of the examples, {} steps, mean of {} seeds: test accuracy (%)",
        plan.labeled_fraction * 100.0,
        plan.steps,
        plan.seeds.len()
    );
    println!(
        "{:>8}{:>11}{:>9}{:>8}",
        "classes", "distilled", "scratch", "gain"
    );
    for r in &rows {
        println!(
            "{:>8}{:>11.2}{:>9.2}{:>+8.2}",
            r.classes,
            r.distilled * 100.0,
            r.scratch * 100.0,
            r.gain() * 100.0
        );
    }
    Ok(())
}
