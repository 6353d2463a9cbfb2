//! The native command line: a thin shell over the engine. Errors are printed once, in `run`'s
//! caller, with a non-zero exit.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::tensor::Device;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::engine::data::{self, DatasetKind, Split, TransferConfig, TransferSet};
use crate::engine::error::{Error, Result};
use crate::engine::loss::{HiddenLoss, SoftLoss};
use crate::engine::mapping::MappingScheme;
use crate::engine::network::{Activation, Mlp, MlpConfig};
use crate::engine::schedule::Schedule;
use crate::engine::train::{DistillSettings, Evaluation, StepMetrics, Trainer, accuracy};
use crate::engine::weights::{FileInfo, MlpWeights, WeightFormat, load_mlp, save_network};

#[derive(Parser, Debug)]
#[command(
    name = "distill",
    version,
    about = "Knowledge distillation on the command line: train a teacher, distil a student, evaluate, export.",
    after_help = "Examples:\n  distill train-teacher --dataset digits --out teacher.safetensors\n  \
                  distill distill --dataset digits --labeled-fraction 0.1 --compare-scratch --out student.safetensors\n  \
                  distill eval --weights student.safetensors --dataset digits\n  \
                  distill export --weights student.safetensors --out student-export.safetensors"
)]
pub struct Cli {
    /// Folder holding the shipped data and teachers (default: ./assets, else the source tree's).
    #[arg(long, global = true)]
    pub assets: Option<PathBuf>,
    /// Hide progress bars (for logs and scripts).
    #[arg(long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Train a teacher on labels alone and save it.
    TrainTeacher(TrainTeacherArgs),
    /// Distil a student from a teacher and save it.
    Distill(Box<DistillArgs>),
    /// Test accuracy of a weights file (and agreement with a teacher).
    Eval(EvalArgs),
    /// Write a weights file (PyTorch-layout safetensors, or burnpack) with a JSON sidecar.
    Export(ExportArgs),
    /// Write a network's logits for test examples (with the inputs and labels) to safetensors,
    /// to check another implementation against.
    Predict(PredictArgs),
    /// Measure distillation speed on this machine's CPU (steps/s, teacher vs student, GFLOP/s).
    Bench(BenchArgs),
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Datasets to measure, comma-separated (their shipped teachers are used).
    #[arg(long, default_value = "digits,mnist")]
    pub datasets: String,
    /// Batch sizes, comma-separated.
    #[arg(long, default_value = "64,256")]
    pub batches: String,
    /// Timed steps per measurement (after 20 warm-up steps).
    #[arg(long, default_value_t = 300)]
    pub steps: usize,
    /// Also write the results as JSON here.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// digits, mnist, moons, circles, spirals or xor.
    #[arg(long, default_value = "digits")]
    pub dataset: DatasetKind,
    /// Passes over the training data.
    #[arg(long, default_value_t = 40)]
    pub epochs: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    #[arg(long, default_value_t = 64)]
    pub batch_size: usize,
    /// Seed of weight initialisation, batch order and data selection.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Where to write the weights (safetensors).
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
pub struct TrainTeacherArgs {
    #[command(flatten)]
    pub train: TrainArgs,
    /// Hidden layers: "128x6" (six of 128) or "256,128".
    #[arg(long, default_value = "128x6")]
    pub hidden: String,
    #[arg(long, default_value = "relu")]
    pub activation: Activation,
}

#[derive(Args, Debug)]
pub struct DistillArgs {
    #[command(flatten)]
    pub train: TrainArgs,
    /// Teacher weights (default: the shipped teacher of the dataset).
    #[arg(long)]
    pub teacher: Option<PathBuf>,
    /// Student hidden layers: "32x3" or "64,32".
    #[arg(long, default_value = "32x3")]
    pub student: String,
    #[arg(long, default_value = "relu")]
    pub activation: Activation,
    /// Temperature T: a number (4), a linear schedule (8..1).
    #[arg(long, default_value = "4")]
    pub temperature: String,
    /// α, the weight of the hard labels: a number, a schedule (0..1) or "bam" (teacher annealing).
    #[arg(long, default_value = "0.5")]
    pub alpha: String,
    /// β, the weight of the hidden-state loss (0 = off).
    #[arg(long, default_value_t = 0.0)]
    pub beta: f32,
    /// hinton (T²·KL of soft targets) or mse (Tang et al.: MSE of logits).
    #[arg(long, default_value = "hinton")]
    pub soft_loss: SoftLoss,
    /// mse, pkd (normalised, Patient KD) or cosine.
    #[arg(long, default_value = "mse")]
    pub hidden_loss: HiddenLoss,
    /// skip, last, none, teacher layers for student 1,2,3 ("2,4,6") or pairs ("1:2,3:6").
    #[arg(long, default_value = "skip")]
    pub mapping: String,
    /// Fraction of training examples (per class) that keep their label.
    #[arg(long, default_value_t = 1.0)]
    pub labeled_fraction: f32,
    /// Leave the unlabeled remainder of the training set out of the transfer set.
    #[arg(long)]
    pub no_unlabeled: bool,
    /// Augmented, unlabeled copies of every transfer example.
    #[arg(long, default_value_t = 0)]
    pub augment_copies: usize,
    /// Std of the pixel noise of augmented copies.
    #[arg(long, default_value_t = 0.1)]
    pub noise: f32,
    /// Probability that a pixel of an augmented copy is masked to 0 (image datasets only).
    #[arg(long, default_value_t = 0.1)]
    pub mask: f32,
    /// Remove every example of this class from the transfer set (Hinton's omitted class).
    #[arg(long)]
    pub omit_class: Option<u8>,
    /// Also train the same student without the teacher on the labeled examples, and compare.
    #[arg(long)]
    pub compare_scratch: bool,
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    #[arg(long)]
    pub weights: PathBuf,
    #[arg(long, default_value = "digits")]
    pub dataset: DatasetKind,
    /// Also report how often the network agrees with this teacher.
    #[arg(long)]
    pub teacher: Option<PathBuf>,
    /// Seed of the toy sets' generation and split (image sets have fixed splits).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// A weights file (safetensors or burnpack).
    #[arg(long)]
    pub weights: PathBuf,
    /// Output file; the description goes next to it as `<out>.json`.
    #[arg(long)]
    pub out: PathBuf,
    /// safetensors (PyTorch layout) or burnpack (burn's format). Default: from the extension
    /// of --out (.bpk is burnpack), else safetensors.
    #[arg(long)]
    pub format: Option<ExportFormat>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ExportFormat {
    Safetensors,
    Burnpack,
}

#[derive(Args, Debug)]
pub struct PredictArgs {
    #[arg(long)]
    pub weights: PathBuf,
    #[arg(long, default_value = "digits")]
    pub dataset: DatasetKind,
    /// How many test examples, from the first.
    #[arg(long, default_value_t = 100)]
    pub count: usize,
    /// Seed of the toy sets' generation and split (image sets have fixed splits).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output safetensors with `inputs` [n, in], `logits` [n, classes] (float32), `labels` [n] (uint8).
    #[arg(long)]
    pub out: PathBuf,
}

fn assets_dir(flag: &Option<PathBuf>) -> PathBuf {
    match flag {
        Some(dir) => dir.clone(),
        None if Path::new("assets/data").is_dir() => PathBuf::from("assets"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("assets"),
    }
}

/// The shipped teacher of a dataset.
pub fn shipped_teacher(assets: &Path, dataset: DatasetKind) -> PathBuf {
    assets
        .join("teachers")
        .join(format!("{}.safetensors", dataset.name()))
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    }
    std::fs::write(path, bytes)
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))
}

fn load_weights(path: &Path, device: &Device) -> Result<(Mlp, FileInfo)> {
    load_mlp(&read(path)?, device).map_err(|e| match e {
        Error::Weights(m) => Error::Weights(format!("{}: {m}", path.display())),
        other => other,
    })
}

struct Progress {
    bar: ProgressBar,
}

impl Progress {
    fn new(len: usize, label: &str, quiet: bool) -> Self {
        let bar = if quiet {
            ProgressBar::hidden()
        } else {
            ProgressBar::new(len as u64)
        };
        let style = ProgressStyle::with_template(
            "{prefix:>9} [{elapsed_precise}] {wide_bar} {pos}/{len} steps ({per_sec}, eta {eta}) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_prefix(label.to_string());
        Self { bar }
    }

    fn update(&self, m: &StepMetrics) {
        self.bar.set_position(m.step as u64);
        if m.step.is_multiple_of(10) {
            self.bar.set_message(format!("loss {:.4}", m.total));
        }
    }
}

/// Runs `steps` training steps with a progress bar.
fn run_steps(
    trainer: &mut Trainer,
    steps: usize,
    label: &str,
    quiet: bool,
) -> Result<Option<StepMetrics>> {
    let progress = Progress::new(steps, label, quiet);
    let mut last = None;
    for _ in 0..steps {
        let m = trainer.step()?;
        progress.update(&m);
        last = Some(m);
    }
    progress.bar.finish_and_clear();
    Ok(last)
}

fn steps_for(epochs: usize, examples: usize, batch: usize) -> usize {
    (epochs * examples.div_ceil(batch.max(1))).max(1)
}

fn load_split(kind: DatasetKind, assets: &Path, seed: u64) -> Result<Split> {
    data::load(kind, assets, seed)
}

pub fn run(cli: Cli) -> Result<()> {
    let assets = assets_dir(&cli.assets);
    let device = Device::flex();
    match cli.command {
        Command::TrainTeacher(args) => train_teacher(args, &assets, &device, cli.quiet),
        Command::Distill(args) => distill(*args, &assets, &device, cli.quiet),
        Command::Eval(args) => eval(args, &assets, &device),
        Command::Export(args) => export(args, &device),
        Command::Predict(args) => predict(args, &assets, &device),
        Command::Bench(args) => bench(args, &assets, &device, cli.quiet),
    }
}

fn train_teacher(
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

fn distill(args: DistillArgs, assets: &Path, device: &Device, quiet: bool) -> Result<()> {
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
    let transfer = TransferConfig {
        labeled_fraction: args.labeled_fraction,
        include_unlabeled: !args.no_unlabeled,
        augment_copies: args.augment_copies,
        noise_std: args.noise,
        mask_prob: args.mask,
        omit_class: args.omit_class,
    };
    let data = TransferSet::build(&split.train, &transfer, t.seed)?;
    let steps = steps_for(t.epochs, data.len(), t.batch_size);
    let settings = DistillSettings {
        temperature: Schedule::parse(&args.temperature)?,
        alpha: Schedule::parse(&args.alpha)?,
        beta: args.beta,
        soft_loss: args.soft_loss,
        hidden_loss: args.hidden_loss,
        mapping: MappingScheme::parse(&args.mapping)?,
        learning_rate: t.lr,
        batch_size: t.batch_size,
        total_steps: steps,
        seed: t.seed,
    };
    let teacher_acc = accuracy(&teacher, &split.test, device)?;
    let scratch_data = data.labeled_only();
    let mut trainer = Trainer::distill(&config, &teacher, data, settings.clone(), device)?;
    let set = trainer.transfer_set();
    println!(
        "Distilling {} ({} parameters) from teacher {} ({} parameters, test accuracy {:.2} %)",
        config.describe(),
        config.num_params(),
        teacher.config().describe(),
        teacher.config().num_params(),
        teacher_acc * 100.0
    );
    println!(
        "Transfer set: {} labeled + {} unlabeled + {} augmented; T {}, α {}, β {}, mapping {:?}; {steps} steps",
        set.labeled,
        set.unlabeled,
        set.augmented,
        settings.temperature,
        settings.alpha,
        settings.beta,
        trainer
            .mapping()
            .map(|m| m.pairs().to_vec())
            .unwrap_or_default(),
    );
    let start = Instant::now();
    let last = run_steps(&mut trainer, steps, "distill", quiet)?;
    let eval = trainer.evaluate(&split.test)?;
    report("distilled", &eval, start.elapsed().as_secs_f32());
    if let Some(m) = last {
        println!(
            "Final losses: hard {:.4}, soft {:.4}, hidden {}",
            m.hard,
            m.soft,
            if settings.beta > 0.0 {
                format!("{:.4}", m.hidden)
            } else {
                "off (β = 0)".to_string()
            }
        );
    }
    let mut scratch_eval = None;
    if args.compare_scratch {
        let scratch_settings = DistillSettings {
            mapping: MappingScheme::None,
            ..settings.clone()
        };
        let mut scratch = Trainer::supervised(&config, scratch_data, scratch_settings, device)?;
        let start = Instant::now();
        run_steps(&mut scratch, steps, "scratch", quiet)?;
        let e = scratch.evaluate(&split.test)?;
        report("scratch", &e, start.elapsed().as_secs_f32());
        println!(
            "Distillation gain: {:+.2} percentage points",
            (eval.accuracy - e.accuracy) * 100.0
        );
        scratch_eval = Some(e);
    }
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

fn report(what: &str, eval: &Evaluation, secs: f32) {
    match eval.teacher_agreement {
        Some(agree) => println!(
            "{what:>9}: test accuracy {:.2} %, agrees with the teacher on {:.2} % ({secs:.1} s)",
            eval.accuracy * 100.0,
            agree * 100.0
        ),
        None => println!(
            "{what:>9}: test accuracy {:.2} % ({secs:.1} s)",
            eval.accuracy * 100.0
        ),
    }
}

/// A network read from `path` must take the dataset's inputs and give its classes.
fn check_fits(
    config: &MlpConfig,
    path: &Path,
    dataset: DatasetKind,
    data: &crate::engine::data::Dataset,
) -> Result<()> {
    if config.inputs != data.dim || config.classes != data.classes {
        return Err(Error::Weights(format!(
            "{} expects {} inputs and {} classes; {} has {} and {}",
            path.display(),
            config.inputs,
            config.classes,
            dataset.name(),
            data.dim,
            data.classes
        )));
    }
    Ok(())
}

fn eval(args: EvalArgs, assets: &Path, device: &Device) -> Result<()> {
    let split = load_split(args.dataset, assets, args.seed)?;
    let (net, file) = load_weights(&args.weights, device)?;
    let config = net.config();
    check_fits(&config, &args.weights, args.dataset, &split.test)?;
    let acc = accuracy(&net, &split.test, device)?;
    println!(
        "{} ({} {}): test accuracy {:.2} % on {} {} examples",
        args.weights.display(),
        if file.role.is_empty() {
            "network"
        } else {
            &file.role
        },
        config.describe(),
        acc * 100.0,
        split.test.len(),
        args.dataset.name()
    );
    if let Some(path) = &args.teacher {
        let (teacher, _) = load_weights(path, device)?;
        let classes = split.test.classes;
        let a = crate::engine::train::predictions(
            &crate::engine::train::logits_host(&net, &split.test, device)?,
            classes,
        );
        let b = crate::engine::train::predictions(
            &crate::engine::train::logits_host(&teacher, &split.test, device)?,
            classes,
        );
        let agree = crate::engine::train::fraction_equal(&a, b.into_iter());
        println!(
            "Agrees with the teacher on {:.2} % of test examples",
            agree * 100.0
        );
    }
    Ok(())
}

fn export(args: ExportArgs, device: &Device) -> Result<()> {
    let (net, file) = load_weights(&args.weights, device)?;
    let config = net.config();
    let format = match args.format {
        Some(ExportFormat::Safetensors) => WeightFormat::Safetensors,
        Some(ExportFormat::Burnpack) => WeightFormat::Burnpack,
        None if args.out.extension().is_some_and(|e| e == "bpk") => WeightFormat::Burnpack,
        None => WeightFormat::Safetensors,
    };
    write(
        &args.out,
        &MlpWeights::from_mlp(&net)?.to_format(format, &file)?,
    )?;
    let names: Vec<serde_json::Value> = (0..=config.depth())
        .map(|k| json!({"weight": format!("{}.weight", 2 * k), "bias": format!("{}.bias", 2 * k)}))
        .collect();
    let layout = match format {
        WeightFormat::Safetensors => {
            "safetensors in PyTorch nn.Linear layout: weight [out, in], bias [out], float32; names are torch.nn.Sequential indices (Linear at even indices, activation at odd)"
        }
        WeightFormat::Burnpack => {
            "burnpack (burn's format): burn module names (hidden.{i}, output), weight [in, out], bias [out], float32"
        }
    };
    let sidecar = json!({
        "format": crate::engine::weights::FORMAT,
        "file": format.extension(),
        "layout": layout,
        "architecture": crate::engine::network::Architecture::from(&config),
        "parameters": config.num_params(),
        "layers": names,
        "role": file.role,
        "info": file.info,
    });
    let mut json_path = args.out.clone().into_os_string();
    json_path.push(".json");
    let json_path = PathBuf::from(json_path);
    let text = serde_json::to_string_pretty(&sidecar).map_err(|e| Error::Weights(e.to_string()))?;
    write(&json_path, text.as_bytes())?;
    println!("Wrote {} and {}", args.out.display(), json_path.display());
    Ok(())
}

fn predict(args: PredictArgs, assets: &Path, device: &Device) -> Result<()> {
    let split = load_split(args.dataset, assets, args.seed)?;
    let (net, _) = load_weights(&args.weights, device)?;
    let test = &split.test;
    check_fits(&net.config(), &args.weights, args.dataset, test)?;
    let n = args.count.min(test.len());
    let rows: Vec<usize> = (0..n).collect();
    let subset = test.subset(&rows);
    let logits = crate::engine::train::logits_host(&net, &subset, device)?;
    let le = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let (inputs, logits_bytes) = (le(&subset.features), le(&logits));
    let views = [
        (
            "inputs",
            safetensors::Dtype::F32,
            vec![n, test.dim],
            &inputs[..],
        ),
        (
            "logits",
            safetensors::Dtype::F32,
            vec![n, test.classes],
            &logits_bytes[..],
        ),
        (
            "labels",
            safetensors::Dtype::U8,
            vec![n],
            &subset.labels[..],
        ),
    ]
    .into_iter()
    .map(|(name, dtype, shape, data)| {
        safetensors::tensor::TensorView::new(dtype, shape, data)
            .map(|v| (name.to_string(), v))
            .map_err(|e| Error::Weights(e.to_string()))
    })
    .collect::<Result<Vec<_>>>()?;
    let bytes = safetensors::serialize(views, None).map_err(|e| Error::Weights(e.to_string()))?;
    write(&args.out, &bytes)?;
    println!(
        "Wrote the logits of {n} {} test examples to {}",
        args.dataset.name(),
        args.out.display()
    );
    Ok(())
}

fn bench(args: BenchArgs, assets: &Path, device: &Device, quiet: bool) -> Result<()> {
    let list = |text: &str| -> Vec<String> {
        text.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let datasets = list(&args.datasets)
        .iter()
        .map(|d| d.parse::<DatasetKind>())
        .collect::<Result<Vec<_>>>()?;
    let batches = list(&args.batches)
        .iter()
        .map(|b| match b.parse::<usize>() {
            Ok(n) if (1..=crate::engine::train::MAX_BATCH).contains(&n) => Ok(n),
            _ => Err(Error::Settings(format!(
                "batch size '{b}' must be a number in 1..={}",
                crate::engine::train::MAX_BATCH
            ))),
        })
        .collect::<Result<Vec<_>>>()?;
    if args.steps == 0 {
        return Err(Error::Settings("--steps must be at least 1".into()));
    }
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new((datasets.len() * batches.len() + 1) as u64)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix:>9} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_prefix("bench");
    bar.set_message("matmul peak");
    let peak = crate::engine::bench::matmul_peak(1024, device)?;
    bar.inc(1);
    let mut results = Vec::new();
    for kind in &datasets {
        let split = load_split(*kind, assets, 42)?;
        let (teacher, _) = load_weights(&shipped_teacher(assets, *kind), device)?;
        for &batch in &batches {
            bar.set_message(format!("{} batch {batch}", kind.name()));
            results.push(crate::engine::bench::distill_steps(
                kind.name(),
                &split,
                &teacher,
                batch,
                args.steps,
                device,
            )?);
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "CPU (burn Flex, {threads} threads): f32 matmul 1024³ peak {:.1} GFLOP/s",
        peak.gflops
    );
    println!(
        "{:<7} {:>5} {:>9} {:>9} {:>12} {:>11} {:>10} {:>10}",
        "dataset",
        "batch",
        "steps/s",
        "step ms",
        "student GF/s",
        "teacher ms",
        "teacher GF/s",
        "cache ms"
    );
    for r in &results {
        println!(
            "{:<7} {:>5} {:>9.0} {:>9.3} {:>12.2} {:>11.3} {:>10.2} {:>10.0}",
            r.dataset,
            r.batch,
            r.steps_per_s,
            r.step_ms,
            r.student_gflops,
            r.teacher_forward_ms,
            r.teacher_gflops,
            r.teacher_cache_ms
        );
    }
    println!(
        "FLOPs per step: student 6·B·W (forward 2·B·W, backward 4·B·W; W = weights), teacher 2·B·W per batch (once per transfer row, cached)."
    );
    if let Some(out) = &args.out {
        let report = json!({
            "machine": {
                "threads": threads,
                "os": std::env::consts::OS,
                "arch": std::env::consts::ARCH,
            },
            "engine": crate::VERSION,
            "backend": "burn 0.22 Flex (CPU), simd + rayon",
            "matmul_peak": peak,
            "distill": results,
        });
        let text =
            serde_json::to_string_pretty(&report).map_err(|e| Error::Settings(e.to_string()))?;
        write(out, text.as_bytes())?;
        println!("Wrote {}", out.display());
    }
    Ok(())
}
