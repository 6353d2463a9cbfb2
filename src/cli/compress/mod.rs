//! `compress`: the frontier of ways to make a network small, on one dataset: the shipped
//! teacher pruned, quantized and factorized, students distilled from it and made small the
//! same ways, the points that can be fine-tuned again after fine-tuning, as bytes against test
//! accuracy, the Pareto frontier marked; `--csv` writes it. On the e-mails the text students;
//! on Brown the pretrained MiniLM teacher alone.

mod students;
mod tuning;

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use clap::Args;

use crate::engine::catalog::DatasetKind;
use crate::engine::compress::frontier::{Candidate, Point, candidates, measure, pareto};
use crate::engine::data::{TransferConfig, TransferSet};
use crate::engine::error::{Error, Result};
use crate::engine::network::{Architecture, Network};
use crate::engine::train::{logits_host, predictions};
use crate::engine::weights::NetworkWeights;

use super::{teacher_and_data, write};
use students::{DEFAULT_IMAGE_STUDENTS, students};
use tuning::Frontier;

#[derive(Args, Debug)]
pub struct CompressArgs {
    /// Any dataset: images, 2-D sets, the e-mails (spam) or Brown (its MiniLM teacher alone).
    #[arg(long, default_value = "digits")]
    pub dataset: DatasetKind,
    /// The distilled students: hidden layers such as 32x2, comma-separated; on a text set the
    /// kinds (bow, bilstm, transformer; all three by default).
    #[arg(long, default_value = DEFAULT_IMAGE_STUDENTS)]
    pub students: String,
    /// Students distilled with ALBERT's sharing: one layer at every depth after the first
    /// (MLPs; "" for none).
    #[arg(long, default_value = "64x4")]
    pub shared: String,
    /// Epochs of each student (default 20; 3 on a text set).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Steps of fine-tuning after pruning (the mask held), factorizing or quantizing (on the
    /// grid, straight through) (0: none).
    #[arg(long, default_value_t = 300)]
    pub fine_tune_steps: usize,
    /// Measure on the first N test examples only (0: all; MiniLM reads Brown's slowly).
    #[arg(long, default_value_t = 0)]
    pub test: usize,
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
    let td = teacher_and_data(args.dataset, None, None, (assets, args.seed), device)?;
    let students = students(&args, &td.data)?;
    // MiniLM reads its own word pieces of the test sentences.
    let full = td
        .data
        .pieces
        .as_ref()
        .map_or(&td.data.split.test, |p| &p.test);
    let test = full.spread(args.test);
    let teacher_top = predictions(&logits_host(&td.teacher, &test, device)?, test.classes);
    let f = Frontier {
        set: TransferSet::build(&td.data.split.train, &TransferConfig::default(), args.seed)?,
        args: &args,
        device,
        quiet,
    };
    let all = made_small(&f, &td.teacher, &students)?;
    let points = all
        .iter()
        .map(|c| measure(c, &test, &teacher_top, device))
        .collect::<Result<Vec<_>>>()?;
    print_table(&points, args.dataset);
    notes(&td.teacher, students.is_empty());
    if let Some(path) = &args.csv {
        write(path, &to_csv(&points)?)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// Every candidate: the teacher's, each student's, the fine-tuned ones, and the first student
/// distilled from a pruned teacher.
fn made_small(
    f: &Frontier,
    teacher: &Network,
    students: &[students::Student],
) -> Result<Vec<Candidate>> {
    let teacher_weights = NetworkWeights::from_network(teacher)?;
    let mut all = candidates(&teacher_weights, "teacher", f.device)?;
    // The teacher fine-tunes on the labels; a student, as it learned, from the teacher.
    all.extend(f.tuned(&all, None)?);
    for s in students {
        let student = f.distil(s, teacher)?;
        let own = candidates(&student, &s.name, f.device)?;
        all.extend(f.tuned(&own, Some(teacher))?);
        all.extend(own);
    }
    let combined = f.distilled_from_pruned_teacher(&all, students.first())?;
    all.extend(combined);
    Ok(all)
}

/// What the table leaves out, and why.
fn notes(teacher: &Network, no_students: bool) {
    let architecture = crate::engine::network::Classifier::architecture(teacher);
    if !matches!(architecture, Architecture::Mlp(_)) {
        println!(
            "(the {} teacher is neither fine-tuned after pruning nor factorized: MLPs only, so far)",
            architecture.kind()
        );
    }
    if no_students {
        println!("(no students: the MiniLM teacher reads word pieces, the students words)");
    }
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
        "  {:<60}{:<24}{:>10}{:>10}{:>11}{:>12}",
        "method", "strength", "bytes", "accuracy", "agreement", "forward ms"
    );
    for i in order {
        let p = &points[i];
        let mark = if frontier.contains(&i) { '*' } else { ' ' };
        println!(
            "{mark} {:<60}{:<24}{:>10}{:>9.2}%{:>10.2}%{:>12.2}",
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
