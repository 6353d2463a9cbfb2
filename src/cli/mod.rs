//! The native command line: a thin shell over the engine. Errors are printed once, in `run`'s
//! caller, with a non-zero exit.

mod args;
mod bench;
mod cka;
mod compress;
mod cross_lingual;
mod exits;
mod few_classes;
mod g2p;
mod imitation;
mod inspect;
mod kinds;
pub mod memory;
mod minilm;
mod multitask;
mod onnx;
mod prune;
mod sweep;
mod theseus;
mod train;

pub use args::*;

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::engine::catalog::DatasetKind;
use crate::engine::data::{self, Split};
use crate::engine::error::{Error, Result};
use crate::engine::network::{Architecture, Network};
use crate::engine::text::{TextSplit, Tokenizer};
use crate::engine::train::{Evaluation, StepMetrics, Trainer};
use crate::engine::weights::{FileInfo, MAX_FILE_BYTES, MAX_INFO_BYTES, load_network};

use bench::bench;
use cka::cka;
pub use compress::CompressArgs;
use compress::compress;
pub use cross_lingual::CrossLingualArgs;
use cross_lingual::cross_lingual;
use exits::exits;
use few_classes::few_classes;
use g2p::{g2p, g2p_teacher};
pub use imitation::ImitationArgs;
use imitation::imitation;
use inspect::{eval, export, predict};
pub use multitask::MultiTaskArgs;
use multitask::multitask;
pub use onnx::OnnxArgs;
pub use prune::{FactorizeArgs, PruneArgs};
use prune::{factorize, prune};
use sweep::sweep;
use theseus::theseus;
use train::{distill, train_teacher};

#[derive(Parser, Debug)]
#[command(
    name = "distill",
    version,
    about = "Knowledge distillation on the command line: train a teacher, distil a student, evaluate, export.",
    after_help = "Examples:\n  distill train-teacher --dataset digits --out teacher.safetensors\n  \
                  distill distill --dataset digits --labeled-fraction 0.1 --compare-scratch --out student.safetensors\n  \
                  distill distill --dataset spam --kind bilstm --soft-loss mse --augment-copies 4 --out bilstm.safetensors\n  \
                  distill predict --weights bilstm.safetensors --text \"WIN a FREE trip now!!!\"\n  \
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
    /// FastBERT's early exits: a classifier after every layer of a frozen teacher, taught by its
    /// final classifier without labels; prints accuracy against layers run at each speed.
    Exits(ExitsArgs),
    /// BERT-of-Theseus: successors of one layer replace the teacher's modules at random, then
    /// train alone; labels only, no distillation loss. Compare with KD with --compare-kd.
    Theseus(TheseusArgs),
    /// Train an encoder–decoder teacher on CMUdict (a word's letters to its phonemes).
    G2pTeacher(G2pTeacherArgs),
    /// Sequence-level KD (Kim & Rush 2016) on CMUdict: a small student from the gold
    /// pronunciations, word-level KD, sequence-level KD, or both.
    G2p(G2pArgs),
    /// Linear CKA of every teacher layer with every student layer, on a probe batch.
    Cka(CkaArgs),
    /// An α × T grid of short distillation runs (same steps, same batches, same start), as a
    /// table of test accuracies with the best cell marked; --csv writes it out.
    Sweep(SweepArgs),
    /// "Few classes, little dark knowledge": distilled against scratch on the first 2, 3, 5
    /// and 10 digit classes, with the gain per class count.
    FewClasses(FewClassesArgs),
    /// Cross-lingual distillation (Xu & Yang 2017) on parallel Bible verses: a Spanish student
    /// learns the genre from an English teacher's soft targets, with no Spanish label; compared
    /// with gold and 1 % Spanish labels, with and without adversarial feature adaptation.
    CrossLingual(CrossLingualArgs),
    /// Adversarial imitation KD (Liu, Chen & Liu 2019) on Brown's genres: a teacher that also
    /// reads part-of-speech tags, and a student of words alone that learns to pass its features
    /// for the teacher's; compared with a teacher without tags and a student by plain KD.
    Imitation(ImitationArgs),
    /// MT-DNN's several tasks, distilled (Liu et al. 2019): one student with a shared encoder
    /// and a head per task learns the e-mails and Brown's genres from their shipped teachers,
    /// batches of both shuffled together; against single-task students of the same size.
    Multitask(MultiTaskArgs),
    /// The ways to make a network small on one frontier: the shipped teacher pruned and
    /// quantized, distilled students, and those pruned and quantized; bytes against accuracy,
    /// the Pareto frontier marked (--csv writes it).
    Compress(CompressArgs),
    /// Prune a weight file by magnitude (globally or per layer) and write it with its mask,
    /// which torch.nn.utils.prune.custom_from_mask takes.
    Prune(PruneArgs),
    /// Factorize an MLP's weight file by truncated SVD: each layer where the rank makes it
    /// smaller becomes two (PyTorch: two nn.Linear).
    Factorize(FactorizeArgs),
    /// A weight file as an ONNX model (float32, or int8 weights with --int8) for onnxruntime in
    /// Python or in a web page.
    Onnx(OnnxArgs),
}

pub(super) fn assets_dir(flag: &Option<PathBuf>) -> PathBuf {
    match flag {
        Some(dir) => dir.clone(),
        None if Path::new("assets/data").is_dir() => PathBuf::from("assets"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("assets"),
    }
}

/// The shipped teacher of a dataset.
pub fn shipped_teacher(assets: &Path, dataset: DatasetKind) -> PathBuf {
    match dataset {
        // Brown's only teacher is the fine-tuned MiniLM.
        DatasetKind::Brown => assets.join(crate::engine::minilm::shipped("brown").0),
        _ => assets
            .join("teachers")
            .join(format!("{}.safetensors", dataset.name())),
    }
}

pub(super) fn read(path: &Path, limit: usize) -> Result<Vec<u8>> {
    data::read_capped(path, limit)
}

pub(super) fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    }
    std::fs::write(path, bytes)
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))
}

pub(super) fn load_weights(path: &Path, device: &Device) -> Result<(Network, FileInfo)> {
    load_network(&read(path, MAX_FILE_BYTES)?, device).map_err(|e| match e {
        Error::Weights(m) => Error::Weights(format!("{}: {m}", path.display())),
        other => other,
    })
}

/// A dataset as a command uses it: its split and, for text, the sentences and the tokenizer.
pub(super) struct Data {
    pub split: Split,
    pub text: Option<TextSplit>,
    /// The test sentences as a teacher with its own tokenizer (MiniLM's WordPiece) reads them.
    pub pieces: Option<Pieces>,
}

/// A teacher's own tokenizer and its rows of the test split.
pub(super) struct Pieces {
    pub wordpiece: crate::engine::text::wordpiece::WordPiece,
    pub test: data::Dataset,
}

impl Data {
    /// What a network on this data must take and give.
    pub fn shape(&self) -> kinds::Shape {
        kinds::Shape {
            inputs: self.split.train.dim,
            classes: self.split.train.classes,
            vocab: self.text.as_ref().map(|t| t.tokenizer.vocab_size()),
        }
    }

    pub fn tokenizer(&self) -> Option<&Tokenizer> {
        self.text.as_ref().map(|t| &t.tokenizer)
    }
}

/// Loads a dataset; a text set is tokenized with `tokenizer` (a network's), or with a
/// vocabulary built from its training split.
pub(super) fn load_data(
    kind: DatasetKind,
    assets: &Path,
    seed: u64,
    tokenizer: Option<Tokenizer>,
) -> Result<Data> {
    if !kind.is_text() {
        return Ok(Data {
            split: crate::engine::catalog::load(kind, assets, seed)?,
            text: None,
            pieces: None,
        });
    }
    let text = match kind {
        DatasetKind::Brown => {
            crate::engine::text::brown(&crate::engine::catalog::read_brown(assets)?, tokenizer)?
        }
        _ => crate::engine::text::spam(tokenizer)?,
    };
    Ok(Data {
        split: Split {
            train: text.train.clone(),
            test: text.test.clone(),
        },
        text: Some(text),
        pieces: None,
    })
}

/// The tokenizer of a text network: from `--tokenizer FILE` if given, else the one its weight
/// file carries (`None` for networks that read features).
pub(super) fn tokenizer_of(info: &FileInfo, flag: Option<&Path>) -> Result<Option<Tokenizer>> {
    if let Some(path) = flag {
        let text = String::from_utf8(read(path, MAX_INFO_BYTES)?).map_err(|_| {
            Error::Dataset(format!(
                "{} is not a text (JSON) tokenizer file",
                path.display()
            ))
        })?;
        return Tokenizer::from_json(&text)
            .map(Some)
            .map_err(|e| Error::Dataset(format!("{}: {e}", path.display())));
    }
    match info.info.get("tokenizer") {
        Some(value) => serde_json::from_value(value.clone())
            .map(Some)
            .map_err(|e| Error::Weights(format!("the tokenizer in the weight file: {e}"))),
        None => Ok(None),
    }
}

/// The tokenizer of a text network, which must have one.
pub(super) fn text_tokenizer(
    net: &Network,
    info: &FileInfo,
    flag: Option<&Path>,
    path: &Path,
) -> Result<Option<Tokenizer>> {
    use crate::engine::network::Classifier;
    let tokenizer = tokenizer_of(info, flag)?;
    if net.architecture().vocab().is_some() && tokenizer.is_none() {
        return Err(Error::Weights(format!(
            "{} is a text network without a tokenizer: give one with --tokenizer",
            path.display()
        )));
    }
    Ok(tokenizer)
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

/// A progress bar of `len` steps, labelled, hidden when `quiet`.
pub(super) fn step_bar(len: usize, label: &str, quiet: bool) -> ProgressBar {
    Progress::new(len, label, quiet).bar
}

/// Runs `steps` training steps with a progress bar.
pub(super) fn run_steps(
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

/// A comma-separated list of whole numbers (`what`, the flag, names it in errors).
pub(super) fn whole_numbers(what: &str, text: &str) -> Result<Vec<u64>> {
    text.split(',')
        .map(|v| {
            v.trim()
                .parse()
                .map_err(|_| Error::Settings(format!("{what}: '{v}' is not a whole number")))
        })
        .collect()
}

/// The mean of each column of `rows` (a table's last line over its seeds).
pub(super) fn column_means(rows: &[Vec<f32>]) -> Vec<f32> {
    let columns = rows.first().map_or(0, Vec::len);
    (0..columns)
        .map(|c| rows.iter().map(|r| r[c]).sum::<f32>() / rows.len() as f32)
        .collect()
}

pub(super) fn steps_for(epochs: usize, examples: usize, batch: usize) -> usize {
    (epochs * examples.div_ceil(batch.max(1))).max(1)
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
        Command::Exits(args) => exits(args, &assets, &device, cli.quiet),
        Command::Theseus(args) => theseus(args, &assets, &device, cli.quiet),
        Command::G2pTeacher(args) => g2p_teacher(args, &assets, &device, cli.quiet),
        Command::G2p(args) => g2p(args, &assets, &device, cli.quiet),
        Command::Cka(args) => cka(args, &assets, &device),
        Command::Sweep(args) => sweep(args, &assets, &device, cli.quiet),
        Command::FewClasses(args) => few_classes(args, &assets, &device, cli.quiet),
        Command::CrossLingual(args) => cross_lingual(args, &assets, &device, cli.quiet),
        Command::Imitation(args) => imitation(args, &assets, &device, cli.quiet),
        Command::Multitask(args) => multitask(args, &assets, &device, cli.quiet),
        Command::Compress(args) => compress(args, &assets, &device, cli.quiet),
        Command::Prune(args) => prune(args, &device),
        Command::Onnx(args) => onnx::onnx(args, &device),
        Command::Factorize(args) => factorize(args, &device),
    }
}

pub(super) fn report(what: &str, eval: &Evaluation, secs: f32) {
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

/// What a command that starts from a teacher reads: the teacher (the given file, else the
/// dataset's shipped one), its path, and the data read with its tokenizer (or the `tokenizer`
/// file), checked to fit each other.
pub(super) struct TeacherData {
    pub teacher: Network,
    pub path: PathBuf,
    pub data: Data,
}

pub(super) fn teacher_and_data(
    dataset: DatasetKind,
    teacher: Option<&Path>,
    tokenizer: Option<&Path>,
    (assets, seed): (&Path, u64),
    device: &Device,
) -> Result<TeacherData> {
    let path = teacher.map_or_else(|| shipped_teacher(assets, dataset), Path::to_path_buf);
    let (net, info) = load_weights(&path, device)?;
    if let Network::Bert(bert) = &net {
        let data = minilm::data_for(bert, dataset, assets, seed)?;
        return Ok(TeacherData {
            teacher: net,
            path,
            data,
        });
    }
    let tokenizer = text_tokenizer(&net, &info, tokenizer, &path)?;
    let data = load_data(dataset, assets, seed, tokenizer)?;
    check_fits(
        &crate::engine::network::Classifier::architecture(&net),
        &path,
        dataset,
        &data,
    )?;
    Ok(TeacherData {
        teacher: net,
        path,
        data,
    })
}

/// A network read from `path` must take the dataset's inputs (and vocabulary) and give its
/// classes.
pub(super) fn check_fits(
    arch: &Architecture,
    path: &Path,
    dataset: DatasetKind,
    data: &Data,
) -> Result<()> {
    let shape = data.shape();
    if (arch.inputs(), arch.classes()) != (shape.inputs, shape.classes) {
        return Err(Error::Weights(format!(
            "{} expects {} inputs and {} classes; {} has {} and {}",
            path.display(),
            arch.inputs(),
            arch.classes(),
            dataset.name(),
            shape.inputs,
            shape.classes
        )));
    }
    if arch.vocab() != shape.vocab {
        return Err(Error::Weights(format!(
            "{} reads a vocabulary of {} words; the tokenizer has {}",
            path.display(),
            arch.vocab().unwrap_or(0),
            shape.vocab.unwrap_or(0)
        )));
    }
    Ok(())
}
