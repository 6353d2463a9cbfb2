//! `compress`: the frontier of ways to make a network small, on one dataset: the shipped
//! teacher pruned and quantized, students distilled from it, and those students pruned and
//! quantized, as bytes against test accuracy, the Pareto frontier marked; `--csv` writes it.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use clap::Args;

use crate::engine::catalog::DatasetKind;
use crate::engine::compress::fine_tune::fine_tune;
use crate::engine::compress::frontier::{
    Candidate, Point, SPARSITIES, candidates, fine_tuned, measure, pareto,
};
use crate::engine::compress::prune::{Scope, magnitude_mask};
use crate::engine::data::{TransferConfig, TransferSet};
use crate::engine::error::{Error, Result};
use crate::engine::network::{Architecture, MlpConfig, Network};
use crate::engine::train::{DistillSettings, Trainer, logits_host, predictions};
use crate::engine::weights::NetworkWeights;

use super::{load_data, load_weights, run_steps, shipped_teacher, steps_for, write};

#[derive(Args, Debug)]
pub struct CompressArgs {
    /// digits, mnist, fashion-mnist, or a 2-D set (the text sets are not yet compressed).
    #[arg(long, default_value = "digits")]
    pub dataset: DatasetKind,
    /// The distilled students' hidden layers, comma-separated shapes such as 32x2.
    #[arg(long, default_value = "64x2,32x2,16x2")]
    pub students: String,
    /// Epochs of each student.
    #[arg(long, default_value_t = 20)]
    pub epochs: usize,
    /// Steps of fine-tuning after pruning, the mask held (0: no fine-tuned points).
    #[arg(long, default_value_t = 300)]
    pub fine_tune_steps: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also write the points as CSV.
    #[arg(long)]
    pub csv: Option<PathBuf>,
}

pub(super) fn compress(
    args: CompressArgs,
    assets: &Path,
    device: &Device,
    quiet: bool,
) -> Result<()> {
    let shapes = student_shapes(&args)?;
    let data = load_data(args.dataset, assets, args.seed, None)?;
    let (teacher, _) = load_weights(&shipped_teacher(assets, args.dataset), device)?;
    let test = &data.split.test;
    let teacher_top = predictions(&logits_host(&teacher, test, device)?, test.classes);
    let set = TransferSet::build(&data.split.train, &TransferConfig::default(), args.seed)?;
    let teacher_weights = NetworkWeights::from_network(&teacher)?;
    let mut all = candidates(&teacher_weights, "teacher", device)?;
    // The teacher fine-tunes on the labels; a student, as it learned, from the teacher.
    all.extend(tuned(
        ("teacher", &teacher_weights),
        None,
        &set,
        &args,
        device,
    )?);
    for (spec, hidden) in args.students.split(',').zip(shapes) {
        let config = MlpConfig {
            hidden,
            ..MlpConfig::student(set.dim, set.classes)
        };
        let student = distil(config, &teacher, &set, &args, device, quiet)?;
        let name = format!("student {}, distilled", spec.trim());
        all.extend(candidates(&student, &name, device)?);
        all.extend(tuned(
            (&name, &student),
            Some(&teacher),
            &set,
            &args,
            device,
        )?);
    }
    let points = all
        .iter()
        .map(|c| measure(c, test, &teacher_top, device))
        .collect::<Result<Vec<_>>>()?;
    print_table(&points, args.dataset);
    if !matches!(teacher_weights.architecture, Architecture::Mlp(_)) {
        println!(
            "(the {} teacher's pruned points are not fine-tuned: MLPs only, so far)",
            teacher_weights.architecture.kind()
        );
    }
    if let Some(path) = &args.csv {
        write(path, &to_csv(&points)?)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// The students' hidden layers; a text set is refused first.
fn student_shapes(args: &CompressArgs) -> Result<Vec<Vec<usize>>> {
    if args.dataset.is_text() {
        return Err(Error::Settings(format!(
            "{}: the text networks are not compressed yet; try digits, mnist or fashion-mnist",
            args.dataset.name()
        )));
    }
    args.students
        .split(',')
        .map(MlpConfig::parse_hidden)
        .collect()
}

fn distil(
    config: MlpConfig,
    teacher: &Network,
    set: &TransferSet,
    args: &CompressArgs,
    device: &Device,
    quiet: bool,
) -> Result<NetworkWeights> {
    let settings = DistillSettings {
        total_steps: steps_for(
            args.epochs,
            set.len(),
            DistillSettings::default().batch_size,
        ),
        seed: args.seed,
        ..DistillSettings::default()
    };
    let steps = settings.total_steps;
    let mut trainer = Trainer::distill(config, teacher.clone(), set.clone(), settings, device)?;
    run_steps(&mut trainer, steps, "distilling a student", quiet)?;
    NetworkWeights::from_network(&trainer.network())
}

/// `network` pruned at every sparsity and fine-tuned with its mask held: from `teacher` when
/// it has one, else from the labels.
fn tuned(
    (name, network): (&str, &NetworkWeights),
    teacher: Option<&Network>,
    set: &TransferSet,
    args: &CompressArgs,
    device: &Device,
) -> Result<Vec<Candidate>> {
    let mut out = Vec::new();
    // Fine-tuning with a held mask is written for MLPs so far; a conv net's pruned points stay
    // as they fall (the table says so).
    let mlp = matches!(network.architecture, Architecture::Mlp(_));
    if args.fine_tune_steps == 0 || !mlp {
        return Ok(out);
    }
    for sparsity in SPARSITIES {
        let mask = magnitude_mask(network, sparsity, Scope::Global)?;
        let mut pruned = network.clone();
        mask.apply(&mut pruned)?;
        let settings = DistillSettings {
            total_steps: args.fine_tune_steps,
            seed: args.seed,
            ..DistillSettings::default()
        };
        let config = network.architecture.clone();
        let mut trainer = match teacher {
            Some(t) => Trainer::distill(config, t.clone(), set.clone(), settings, device)?,
            None => Trainer::supervised(config, set.clone(), settings, device)?,
        };
        fine_tune(&mut trainer, &pruned, &mask, args.fine_tune_steps, device)?;
        let weights = NetworkWeights::from_network(&trainer.network())?;
        out.push(fine_tuned(name, weights, &mask, sparsity));
    }
    Ok(out)
}

/// Fewest bytes first, the frontier marked with `*`.
fn print_table(points: &[Point], dataset: DatasetKind) {
    let frontier = pareto(points);
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by_key(|&i| points[i].bytes);
    println!(
        "{}: {} points, {} on the frontier (*)",
        dataset.name(),
        points.len(),
        frontier.len()
    );
    println!(
        "  {:<48}{:<24}{:>10}{:>10}{:>11}{:>12}",
        "method", "strength", "bytes", "accuracy", "agreement", "forward ms"
    );
    for i in order {
        let p = &points[i];
        let mark = if frontier.contains(&i) { '*' } else { ' ' };
        println!(
            "{mark} {:<48}{:<24}{:>10}{:>9.2}%{:>10.2}%{:>12.2}",
            p.method,
            p.strength,
            p.bytes,
            p.accuracy * 100.0,
            p.agreement * 100.0,
            p.forward_ms
        );
    }
}

/// The points as CSV (a method or strength holds commas: the csv crate quotes them).
fn to_csv(points: &[Point]) -> Result<Vec<u8>> {
    let bad = |e: String| Error::Settings(format!("writing the CSV: {e}"));
    let frontier = pareto(points);
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "method",
        "strength",
        "bytes",
        "accuracy",
        "agreement",
        "forward_ms",
        "frontier",
    ];
    w.write_record(header).map_err(|e| bad(e.to_string()))?;
    for (i, p) in points.iter().enumerate() {
        w.write_record([
            p.method.clone(),
            p.strength.clone(),
            p.bytes.to_string(),
            format!("{:.6}", p.accuracy),
            format!("{:.6}", p.agreement),
            format!("{:.3}", p.forward_ms),
            frontier.contains(&i).to_string(),
        ])
        .map_err(|e| bad(e.to_string()))?;
    }
    w.into_inner().map_err(|e| bad(e.to_string()))
}
