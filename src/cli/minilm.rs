//! `train-teacher --kind minilm`: the pretrained MiniLM fine-tuned on a text set, written in
//! 4 bits (the page's teacher) with its logits on the training split (the page's transfer set).

use std::path::Path;
use std::time::Instant;

use burn::tensor::Device;
use serde_json::json;

use crate::engine::catalog::DatasetKind;
use crate::engine::data::Split;
use crate::engine::error::{Error, Result};
use crate::engine::minilm;
use crate::engine::network::{Bert, Classifier};
use crate::engine::text::{BROWN_PIECES, brown_pieces, piece_rows, spam_sentences};
use crate::engine::train::fine_tune::{
    FineTuneSettings, bucketed_accuracy, bucketed_logits, fine_tune,
};
use crate::engine::weights::{FileInfo, NetworkWeights};

use super::args::{DistillArgs, TrainTeacherArgs};
use super::{step_bar, write};

/// The split in WordPiece rows of `pieces`, cut to the first `limit` training sentences.
fn piece_split(dataset: DatasetKind, assets: &Path, pieces: usize) -> Result<Split> {
    let wordpiece = minilm::wordpiece(assets, pieces)?;
    match dataset {
        DatasetKind::Brown => {
            brown_pieces(&crate::engine::catalog::read_brown(assets)?, &wordpiece)
        }
        DatasetKind::Spam => {
            let [train, test] = spam_sentences(crate::engine::text::SPAM_TSV_GZ)?;
            let classes = crate::engine::text::SPAM_CLASSES.len();
            Ok(Split {
                train: piece_rows("spam", &train, classes, &wordpiece)?,
                test: piece_rows("spam", &test, classes, &wordpiece)?,
            })
        }
        other => Err(Error::Settings(format!(
            "MiniLM reads sentences: --dataset spam or brown, not {}",
            other.name()
        ))),
    }
}

/// The data a student of a MiniLM teacher trains on: words with its own vocabulary, and the
/// test split as the teacher reads it.
pub(super) fn data_for(
    teacher: &Bert,
    dataset: DatasetKind,
    assets: &Path,
    seed: u64,
) -> Result<super::Data> {
    let arch = teacher.architecture();
    let data = super::load_data(dataset, assets, seed, None)?;
    let Some(text) = &data.text else {
        return Err(Error::Settings(format!(
            "a MiniLM teacher reads sentences: {} is not a text set",
            dataset.name()
        )));
    };
    if arch.classes() != data.split.train.classes {
        return Err(Error::Weights(format!(
            "the MiniLM teacher has {} classes; {} has {}",
            arch.classes(),
            dataset.name(),
            data.split.train.classes
        )));
    }
    let wordpiece = minilm::wordpiece(assets, arch.inputs())?;
    let rows: Vec<(String, u8)> = text
        .test_text
        .iter()
        .cloned()
        .zip(data.split.test.labels.iter().copied())
        .collect();
    let test = piece_rows(dataset.name(), &rows, arch.classes(), &wordpiece)?;
    Ok(super::Data {
        pieces: Some(super::Pieces { wordpiece, test }),
        ..data
    })
}

pub(super) fn minilm_teacher(
    args: &TrainTeacherArgs,
    assets: &Path,
    device: &Device,
    quiet: bool,
) -> Result<()> {
    let t = &args.train;
    let pieces = args.pieces.unwrap_or(BROWN_PIECES);
    let mut split = piece_split(t.dataset, assets, pieces)?;
    if let Some(limit) = args.limit {
        let rows: Vec<usize> = (0..limit.min(split.train.len())).collect();
        split.train = split.train.subset(&rows);
    }
    let settings = FineTuneSettings {
        learning_rate: args.minilm_lr,
        batch_size: t.batch_size,
        epochs: args.minilm_epochs,
        warmup: args.warmup,
        weight_decay: args.minilm_weight_decay,
        freeze_word_embeddings: !args.train_embeddings,
        four_bit: args.four_bit,
        seed: t.seed,
        ..FineTuneSettings::default()
    };
    settings.validate()?;
    let classes = split.train.classes;
    let net = minilm::pretrained(assets, pieces, classes, t.seed, &device.clone().autodiff())?;
    let total = settings.steps(split.train.len());
    println!(
        "Fine-tuning MiniLM ({}) on {} ({} sentences, rows of {pieces} pieces): {} epochs, {total} steps, peak rate {} after {:.0} % warm-up",
        net.architecture().describe(),
        t.dataset.name(),
        split.train.len(),
        settings.epochs,
        settings.learning_rate,
        settings.warmup * 100.0
    );
    let start = Instant::now();
    let bar = step_bar(total, "MiniLM", quiet);
    let mut last = 0.0;
    let net = fine_tune(net, &split.train, &settings, |step, _, loss| {
        bar.set_position(step as u64);
        last = 0.9 * last + 0.1 * loss;
        if step.is_multiple_of(10) {
            bar.set_message(format!("loss {last:.3}"));
        }
        true
    })?;
    bar.finish_and_clear();
    let trained_in = start.elapsed().as_secs_f32();
    report_and_save(args, net, &split, &settings, trained_in, device)
}

/// Test accuracy in float32 and in the 4-bit file, the file, and the logits.
fn report_and_save(
    args: &TrainTeacherArgs,
    net: Bert,
    split: &Split,
    settings: &FineTuneSettings,
    trained_in: f32,
    device: &Device,
) -> Result<()> {
    let t = &args.train;
    let f32_accuracy = bucketed_accuracy(&net, &split.test, device)?;
    let weights = NetworkWeights::from_network(&net.into())?;
    let mut info = FileInfo {
        role: "teacher".into(),
        info: json!({
            "dataset": t.dataset.name(),
            "pretrained": "sentence-transformers/paraphrase-MiniLM-L3-v2 (pocket-encoder 0.1.2)",
            "tokenizer": "wordpiece",
            "fine_tune": settings,
            "metrics": {"test_accuracy_f32": f32_accuracy},
        }),
    };
    if let Some(path) = &args.f32_out {
        write(path, &weights.to_safetensors(&info)?)?;
    }
    let bytes = weights.to_q4_safetensors(&info)?;
    let (q4, _) = NetworkWeights::from_safetensors(&bytes)?;
    let q4_net = match q4.to_network(device)? {
        crate::engine::network::Network::Bert(b) => b,
        _ => return Err(Error::Weights("the 4-bit file is not a BERT".into())),
    };
    let q4_accuracy = bucketed_accuracy(&q4_net, &split.test, device)?;
    println!(
        "Test accuracy {:.2} % in float32, {:.2} % in 4 bits ({} test sentences; {trained_in:.0} s of fine-tuning)",
        f32_accuracy * 100.0,
        q4_accuracy * 100.0,
        split.test.len()
    );
    info.info["metrics"]["test_accuracy"] = json!(q4_accuracy);
    let bytes = weights.to_q4_safetensors(&info)?;
    write(&t.out, &bytes)?;
    println!(
        "Saved {} ({:.1} MB)",
        t.out.display(),
        bytes.len() as f64 / 1e6
    );
    if let Some(path) = &args.logits_out {
        let logits = bucketed_logits(&q4_net, &split.train, device)?;
        write(path, &minilm::write_logits(&logits, split.train.classes)?)?;
        println!(
            "Saved its logits on the {} training sentences to {}",
            split.train.len(),
            path.display()
        );
    }
    Ok(())
}

/// The teacher's logits of the training split from a file (--teacher-logits, or the shipped
/// MiniLM teacher's own), keyed by the students' rows.
pub(super) fn known_logits(
    args: &DistillArgs,
    data: &super::Data,
    assets: &Path,
) -> Result<Option<crate::engine::train::KnownLogits>> {
    let shipped = args.teacher.is_empty() && data.pieces.is_some();
    let path = match (&args.teacher_logits, shipped) {
        (Some(path), _) => path.clone(),
        (None, true) => assets.join(crate::engine::minilm::shipped(args.train.dataset.name()).1),
        (None, false) => return Ok(None),
    };
    let (logits, classes) = crate::engine::minilm::read_logits(&super::read(
        &path,
        crate::engine::weights::MAX_FILE_BYTES,
    )?)?;
    let train = &data.split.train;
    if classes != train.classes || logits.len() != train.len() * classes {
        return Err(Error::Settings(format!(
            "{} holds logits of {} rows of {classes} classes; the training split has {} of {}",
            path.display(),
            logits.len() / classes.max(1),
            train.len(),
            train.classes
        )));
    }
    println!(
        "Teacher logits of the {} training sentences: {}",
        train.len(),
        path.display()
    );
    let known = crate::engine::train::KnownLogits::from_table(
        &train.features,
        train.dim,
        &logits,
        classes,
    )?;
    Ok(Some(known))
}
