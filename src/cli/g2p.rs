//! `g2p-teacher` and `g2p`: sequence-level knowledge distillation on CMUdict.

use std::path::Path;
use std::time::Instant;

use burn::tensor::Device;
use serde_json::json;

use crate::engine::error::Result;
use crate::engine::seq2seq::data::spell;
use crate::engine::seq2seq::{
    Candidate, G2p, G2pScore, Seq2Seq, Seq2SeqConfig, Seq2SeqSettings, Seq2SeqTrainer, Targets,
    decode_targets, evaluate, evaluate_beam, from_beam, load_seq2seq, save_seq2seq,
};

use super::*;

fn cmudict(assets: &Path) -> Result<G2p> {
    G2p::from_gz(&read(
        &assets.join("data/cmudict/cmudict.tsv.gz"),
        MAX_FILE_BYTES,
    )?)
}

/// The shipped encoder–decoder teacher.
pub fn shipped_g2p_teacher(assets: &Path) -> PathBuf {
    assets.join("teachers/cmudict.safetensors")
}

fn shape(args: &G2pShape, default: Seq2SeqConfig) -> Seq2SeqConfig {
    Seq2SeqConfig {
        width: args.width.unwrap_or(default.width),
        heads: args.heads.unwrap_or(default.heads),
        layers: args.layers.unwrap_or(default.layers),
        ff: args.ff.unwrap_or(default.ff),
    }
}

/// Trains `config` for `epochs` on the training words and `targets` (one per word), with
/// progress.
fn train(
    config: &Seq2SeqConfig,
    data: &G2p,
    (teacher, targets): (Option<&Seq2Seq>, Vec<Vec<u32>>),
    settings: Seq2SeqSettings,
    epochs: usize,
    device: &Device,
    quiet: bool,
) -> Result<Seq2Seq> {
    let what = settings.targets.name();
    let mut trainer =
        Seq2SeqTrainer::with_targets(config, &data.train, targets, teacher, settings, device)?;
    let steps = epochs * trainer.steps_per_epoch();
    let bar = step_bar(steps, what, quiet);
    for _ in 0..steps {
        trainer.step()?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(trainer.network())
}

fn show(what: &str, s: &G2pScore, secs: f32) {
    println!(
        "{what:>9}: {:.2} % of test words exactly right, phoneme error rate {:.2} % ({secs:.0} s)",
        s.sequence_accuracy * 100.0,
        s.phoneme_error_rate * 100.0
    );
}

pub(super) fn g2p_teacher(
    args: G2pTeacherArgs,
    assets: &Path,
    device: &Device,
    quiet: bool,
) -> Result<()> {
    let data = cmudict(assets)?;
    let config = shape(&args.shape, Seq2SeqConfig::teacher());
    println!(
        "Training an encoder–decoder teacher ({}) on {} CMUdict words for {} epochs",
        config.describe(),
        data.train.len(),
        args.epochs
    );
    let settings = Seq2SeqSettings {
        targets: Targets::Gold,
        learning_rate: args.lr,
        batch_size: args.batch_size,
        seed: args.seed,
        beam: 1,
    };
    let start = Instant::now();
    let gold = decode_targets(None, &data.train, &settings, device)?;
    let model = train(
        &config,
        &data,
        (None, gold),
        settings,
        args.epochs,
        device,
        quiet,
    )?;
    let score = evaluate(&model, &data.test, device)?;
    show("teacher", &score, start.elapsed().as_secs_f32());
    let info = json!({"role": "teacher", "dataset": "cmudict", "epochs": args.epochs,
                      "seed": args.seed, "test": score});
    write(
        &args.out,
        &save_seq2seq(&model, &config, &info.to_string())?,
    )?;
    println!("Saved {}", args.out.display());
    Ok(())
}

pub(super) fn g2p(args: G2pArgs, assets: &Path, device: &Device, quiet: bool) -> Result<()> {
    // A bad beam is named before the teacher is read and scored.
    crate::engine::seq2seq::beam::check_width(args.beam)?;
    crate::engine::seq2seq::beam::check_width(args.student_beam)?;
    let data = cmudict(assets)?;
    let path = args
        .teacher
        .clone()
        .unwrap_or_else(|| shipped_g2p_teacher(assets));
    let (teacher, teacher_config) = read_g2p_teacher(&path, device)?;
    if let Some(out) = &args.logits_out {
        write(out, &teacher_logits(&teacher, &data, device)?)?;
        println!("Saved {}", out.display());
    }
    let config = shape(&args.shape, Seq2SeqConfig::student());
    let teacher_score = evaluate(&teacher, &data.test, device)?;
    println!("Teacher {}:", teacher_config.describe());
    show("teacher", &teacher_score, 0.0);
    println!("Student {}, {} epochs:", config.describe(), args.epochs);
    let last = students(&args, &data, &teacher, &config, device, quiet)?;
    if let (Some(out), Some((model, targets))) = (&args.out, &last) {
        let info = json!({"role": "student", "dataset": "cmudict", "targets": targets,
                          "teacher": path.display().to_string()});
        write(out, &save_seq2seq(model, &config, &info.to_string())?)?;
        println!("Saved {} (the {} student)", out.display(), targets.name());
    }
    if let Some(word) = &args.say {
        say(word, &teacher, last.as_ref().map(|(m, _)| m), device)?;
    }
    Ok(())
}

/// Trains a student on each kind of targets that `args` asks for (all by default), and
/// scores it; returns the last. The teacher's beam is searched once for every kind.
fn students(
    args: &G2pArgs,
    data: &G2p,
    teacher: &Seq2Seq,
    config: &Seq2SeqConfig,
    device: &Device,
    quiet: bool,
) -> Result<Option<(Seq2Seq, Targets)>> {
    let settings = |targets| Seq2SeqSettings {
        targets,
        learning_rate: args.lr,
        batch_size: args.batch_size,
        seed: args.seed,
        beam: args.beam,
    };
    let runs = asked_targets(args.targets.as_deref())?;
    for &t in &runs {
        settings(t).check(true)?;
    }
    let found = shared_beam(args.beam, &runs, data, teacher, device)?;
    let mut last = None;
    for targets in runs {
        let start = Instant::now();
        let learned = match &found {
            Some(found) if targets.uses_beam() => from_beam(targets, &data.train, found),
            _ => decode_targets(Some(teacher), &data.train, &settings(targets), device)?,
        };
        let same = learned.iter().zip(&data.train);
        let same = same.filter(|(l, p)| **l == p.phones).count();
        let run = (Some(teacher), learned);
        let model = train(
            config,
            data,
            run,
            settings(targets),
            args.epochs,
            device,
            quiet,
        )?;
        let score = evaluate(&model, &data.test, device)?;
        show(targets.name(), &score, start.elapsed().as_secs_f32());
        println!(
            "{:>11}  its targets are the dictionary's on {:.1} % of the training words",
            "",
            same as f64 * 100.0 / data.train.len().max(1) as f64
        );
        if args.student_beam > 1 {
            greedy_against_beam(&model, data, args.student_beam, device)?;
        }
        last = Some((model, targets));
    }
    Ok(last)
}

/// `--targets a,b`, or every kind.
fn asked_targets(list: Option<&str>) -> Result<Vec<Targets>> {
    match list {
        Some(list) => list.split(',').map(|t| t.trim().parse()).collect(),
        None => Ok(Targets::ALL.to_vec()),
    }
}

/// The teacher's beam over the training words, when a run learns from it.
fn shared_beam(
    width: usize,
    runs: &[Targets],
    data: &G2p,
    teacher: &Seq2Seq,
    device: &Device,
) -> Result<Option<Vec<Vec<Candidate>>>> {
    if width == 1 || !runs.iter().any(|t| t.uses_beam()) {
        return Ok(None);
    }
    let start = Instant::now();
    let words: Vec<Vec<u32>> = data.train.iter().map(|p| p.letters.clone()).collect();
    let found = teacher.beams(&words, width, device)?;
    println!(
        "The teacher's beam of {width} over {} words: {:.0} s",
        words.len(),
        start.elapsed().as_secs_f32()
    );
    Ok(Some(found))
}

/// The student's test score and speed decoding greedily and with a beam of `width`.
fn greedy_against_beam(model: &Seq2Seq, data: &G2p, width: usize, device: &Device) -> Result<()> {
    for w in [1, width] {
        let start = Instant::now();
        let score = evaluate_beam(model, &data.test, w, device)?;
        let rate = data.test.len() as f64 / start.elapsed().as_secs_f64();
        let how = if w == 1 {
            "greedy".into()
        } else {
            format!("beam {w}")
        };
        println!(
            "{how:>11}: {:.2} % exactly right, phoneme error rate {:.2} %, {rate:.0} words/s",
            score.sequence_accuracy * 100.0,
            score.phoneme_error_rate * 100.0
        );
    }
    Ok(())
}

/// The teacher of `path`, an error naming the file when it is not one.
fn read_g2p_teacher(path: &Path, device: &Device) -> Result<(Seq2Seq, Seq2SeqConfig)> {
    let (teacher, config, _) =
        load_seq2seq(&read(path, MAX_FILE_BYTES)?, device).map_err(|e| match e {
            Error::Weights(m) => Error::Weights(format!("{}: {m}", path.display())),
            other => other,
        })?;
    Ok((teacher, config))
}

/// The first 100 test words, their gold prefixes and the teacher's logits along them.
fn teacher_logits(teacher: &Seq2Seq, data: &G2p, device: &Device) -> Result<Vec<u8>> {
    use crate::engine::seq2seq::data::{BOS, MAX_LETTERS, PHONE_IDS, TARGET_LEN};
    use crate::engine::seq2seq::model::id_rows;
    let pairs = &data.test[..data.test.len().min(100)];
    let letters: Vec<Vec<u32>> = pairs.iter().map(|p| p.letters.clone()).collect();
    let prefixes: Vec<Vec<u32>> = pairs
        .iter()
        .map(|p| [&[BOS][..], &p.phones].concat())
        .collect();
    let (l, pr) = (
        id_rows(&letters, MAX_LETTERS, device),
        id_rows(&prefixes, TARGET_LEN, device),
    );
    let logits = crate::engine::train::host(teacher.forward(l.clone(), pr.clone()))?;
    let as_f32 = |t: burn::tensor::Tensor<2, burn::tensor::Int>| -> Result<Vec<f32>> {
        crate::engine::train::host(t.float())
    };
    let n = pairs.len();
    let le = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let parts = [
        ("letters", vec![n, MAX_LETTERS], le(&as_f32(l)?)),
        ("prefix", vec![n, TARGET_LEN], le(&as_f32(pr)?)),
        ("logits", vec![n, TARGET_LEN, PHONE_IDS], le(&logits)),
    ];
    let views = parts
        .iter()
        .map(|(name, shape, data)| {
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, shape.clone(), data)
                .map(|v| (name.to_string(), v))
                .map_err(|e| Error::Weights(e.to_string()))
        })
        .collect::<Result<Vec<_>>>()?;
    safetensors::serialize(views, None).map_err(|e| Error::Weights(e.to_string()))
}

/// A word's pronunciation by the teacher and the last student.
fn say(word: &str, teacher: &Seq2Seq, student: Option<&Seq2Seq>, device: &Device) -> Result<()> {
    let letters = crate::engine::seq2seq::data::letters(word)?;
    let by = |m: &Seq2Seq| -> Result<String> {
        Ok(spell(
            &m.greedy(std::slice::from_ref(&letters), device)?.concat(),
        ))
    };
    println!("{word}: teacher /{}/", by(teacher)?);
    if let Some(s) = student {
        println!("{word}: student /{}/", by(s)?);
    }
    Ok(())
}
