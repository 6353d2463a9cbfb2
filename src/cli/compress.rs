//! `compress`: the frontier of ways to make a network small, on one dataset: the shipped
//! teacher pruned and quantized, students distilled from it, and those students pruned and
//! quantized, as bytes against test accuracy, the Pareto frontier marked; `--csv` writes it.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use clap::Args;

use crate::engine::catalog::DatasetKind;
use crate::engine::compress::fine_tune::{Tuner, Tuning};
use crate::engine::compress::frontier::{
    Candidate, Point, Recipe, candidates, make, measure, pareto,
};
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
    /// Students distilled with ALBERT's sharing: one layer at every depth after the first.
    #[arg(long, default_value = "64x4")]
    pub shared: String,
    /// Epochs of each student.
    #[arg(long, default_value_t = 20)]
    pub epochs: usize,
    /// Steps of fine-tuning after pruning (the mask held), factorizing or quantizing (on the
    /// grid, straight through) (0: none).
    #[arg(long, default_value_t = 300)]
    pub fine_tune_steps: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also write the points as CSV.
    #[arg(long)]
    pub csv: Option<PathBuf>,
}

/// What every student and fine-tuning run of one frontier shares.
struct Frontier<'a> {
    set: TransferSet,
    args: &'a CompressArgs,
    device: &'a Device,
    quiet: bool,
}

pub(super) fn compress(
    args: CompressArgs,
    assets: &Path,
    device: &Device,
    quiet: bool,
) -> Result<()> {
    let students = student_configs(&args)?;
    let data = load_data(args.dataset, assets, args.seed, None)?;
    let (teacher, _) = load_weights(&shipped_teacher(assets, args.dataset), device)?;
    let test = &data.split.test;
    let teacher_top = predictions(&logits_host(&teacher, test, device)?, test.classes);
    let f = Frontier {
        set: TransferSet::build(&data.split.train, &TransferConfig::default(), args.seed)?,
        args: &args,
        device,
        quiet,
    };
    let teacher_weights = NetworkWeights::from_network(&teacher)?;
    let mut all = candidates(&teacher_weights, "teacher", device)?;
    // The teacher fine-tunes on the labels; a student, as it learned, from the teacher.
    all.extend(f.tuned(&all, None)?);
    for (name, config) in students {
        let student = f.distil(config.into(), &teacher)?;
        let own = candidates(&student, &name, device)?;
        all.extend(f.tuned(&own, Some(&teacher))?);
        all.extend(own);
    }
    all.extend(f.distilled_from_pruned_teacher(&teacher_weights)?);
    let points = all
        .iter()
        .map(|c| measure(c, test, &teacher_top, device))
        .collect::<Result<Vec<_>>>()?;
    print_table(&points, args.dataset);
    if !matches!(teacher_weights.architecture, Architecture::Mlp(_)) {
        println!(
            "(the {} teacher is neither fine-tuned after pruning nor factorized: MLPs only, so far)",
            teacher_weights.architecture.kind()
        );
    }
    if let Some(path) = &args.csv {
        write(path, &to_csv(&points)?)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// The students by name: the plain shapes, then the shared ones. A text set is refused first.
fn student_configs(args: &CompressArgs) -> Result<Vec<(String, MlpConfig)>> {
    if args.dataset.is_text() {
        return Err(Error::Settings(format!(
            "{}: the text networks are not compressed yet; try digits, mnist or fashion-mnist",
            args.dataset.name()
        )));
    }
    let (inputs, classes) = (args.dataset.inputs(), args.dataset.classes());
    let specs = |list: &str, shared: bool| -> Result<Vec<(String, MlpConfig)>> {
        list.split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|spec| {
                let config = MlpConfig {
                    hidden: MlpConfig::parse_hidden(spec)?,
                    shared,
                    ..MlpConfig::student(inputs, classes)
                };
                config.validate()?;
                let kind = if shared {
                    "shared, distilled"
                } else {
                    "distilled"
                };
                Ok((format!("student {}, {kind}", spec.trim()), config))
            })
            .collect()
    };
    Ok([specs(&args.students, false)?, specs(&args.shared, true)?].concat())
}

impl Frontier<'_> {
    fn settings(&self, steps: usize) -> DistillSettings {
        DistillSettings {
            total_steps: steps,
            seed: self.args.seed,
            ..DistillSettings::default()
        }
    }

    fn distil(&self, config: Architecture, teacher: &Network) -> Result<NetworkWeights> {
        let batch = DistillSettings::default().batch_size;
        let steps = steps_for(self.args.epochs, self.set.len(), batch);
        let (set, settings) = (self.set.clone(), self.settings(steps));
        let mut trainer = Trainer::distill(config, teacher.clone(), set, settings, self.device)?;
        run_steps(&mut trainer, steps, "distilling a student", self.quiet)?;
        NetworkWeights::from_network(&trainer.network())
    }

    /// A trainer of `architecture` for fine-tuning: from `teacher` when there is one, else
    /// from the labels.
    fn tuner(&self, architecture: Architecture, teacher: Option<&Network>) -> Result<Trainer> {
        let settings = self.settings(self.args.fine_tune_steps);
        match teacher {
            Some(t) => Trainer::distill(
                architecture,
                t.clone(),
                self.set.clone(),
                settings,
                self.device,
            ),
            None => Trainer::supervised(architecture, self.set.clone(), settings, self.device),
        }
    }

    /// The pruned, factorized and quantized points of `own` fine-tuned (a pruned one with its
    /// mask held, a quantized one on its grid). MLPs only so far: a conv net's points stay as
    /// they fall (the table says so).
    fn tuned(&self, own: &[Candidate], teacher: Option<&Network>) -> Result<Vec<Candidate>> {
        let steps = self.args.fine_tune_steps;
        let mut out = Vec::new();
        for c in own
            .iter()
            .filter(|c| steps > 0 && c.recipe.tunable(&c.weights))
        {
            let trainer = self.tuner(c.weights.architecture.clone(), teacher)?;
            let tuning = Tuner::start(trainer, c, steps, self.device)?;
            out.push(c.after_tuning(tuning.finish()?));
        }
        Ok(out)
    }

    /// The combination the other way round: the teacher pruned to 70 % and fine-tuned, then
    /// the first student distilled from it.
    fn distilled_from_pruned_teacher(&self, teacher: &NetworkWeights) -> Result<Vec<Candidate>> {
        let recipe = Recipe::Prune(PRUNED_TEACHER);
        let first = student_configs(self.args)?.into_iter().next();
        let (Some((name, config)), true) = (first, recipe.tunable(teacher)) else {
            return Ok(Vec::new());
        };
        let Some(pruned) = make(teacher, "teacher", recipe, self.device)? else {
            return Ok(Vec::new());
        };
        let trainer = self.tuner(teacher.architecture.clone(), None)?;
        let steps = self.args.fine_tune_steps;
        let tuning = Tuning::start(
            trainer,
            &pruned.weights,
            pruned.mask.as_ref(),
            steps,
            self.device,
        )?;
        let tuned = tuning.finish()?.to_network(self.device)?;
        let student = self.distil(config.into(), &tuned)?;
        let subject = format!("{name} from the teacher pruned to 70 %");
        Ok(make(&student, &subject, Recipe::AsIs, self.device)?
            .into_iter()
            .collect())
    }
}

/// The sparsity of the pruned teacher a student is distilled from.
const PRUNED_TEACHER: f32 = 0.7;

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
