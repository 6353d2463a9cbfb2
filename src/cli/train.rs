//! `train-teacher` and `distill`.

use std::path::Path;
use std::time::Instant;

use burn::tensor::Device;
use serde_json::json;

use crate::engine::data::Dataset;
use crate::engine::data::{TransferConfig, TransferSet};
use crate::engine::error::Result;
use crate::engine::loss::{AttentionLoss, KlForm};
use crate::engine::mapping::MappingScheme;
use crate::engine::network::{Classifier, Ensemble};
use crate::engine::schedule::Schedule;
use crate::engine::text::Sentences;
use crate::engine::text::{Neighbours, TangAugment, text_transfer_set};
use crate::engine::train::fine_tune::bucketed_logits;
use crate::engine::train::{
    DistillSettings, Trainer, accuracy, fraction_equal, logits_host, predictions,
};
use crate::engine::weights::{FileInfo, save_network};

use super::*;

pub(super) fn train_teacher(
    args: TrainTeacherArgs,
    assets: &Path,
    device: &Device,
    quiet: bool,
) -> Result<()> {
    let t = &args.train;
    let kind = match args.kind {
        Some(kinds::TeacherKind::Minilm) => {
            return super::minilm::minilm_teacher(&args, assets, device, quiet);
        }
        Some(kinds::TeacherKind::Scratch(kind)) => Some(kind),
        None => None,
    };
    let kind = kinds::kind_for(kind, t.dataset)?;
    let tokenizer = tokenizer_of(&FileInfo::default(), args.tokenizer.as_deref())?;
    let data_set = load_data(t.dataset, assets, t.seed, tokenizer)?;
    let split = &data_set.split;
    let dropout = args.dropout.unwrap_or(match kind {
        kinds::NetKind::Transformer => 0.1,
        _ => 0.0,
    });
    let config = kinds::architecture(
        kind,
        args.hidden.as_deref(),
        kinds::Role::Teacher,
        args.heads,
        dropout,
        args.activation,
        &data_set.shape(),
    )?;
    let data = TransferSet::build(&split.train, &TransferConfig::default(), t.seed)?;
    let steps = steps_for(t.epochs, data.len(), t.batch_size);
    let settings = DistillSettings {
        learning_rate: t.lr,
        batch_size: t.batch_size,
        total_steps: steps,
        seed: t.seed,
        regularisation: t.regularisation(kind, dropout),
        ..Default::default()
    };
    println!(
        "Training a teacher {} ({} parameters) on {} ({} examples) for {} epochs ({steps} steps)",
        config.describe(),
        config.declared_params(),
        t.dataset.name(),
        data.len(),
        t.epochs
    );
    let trained = (config, data, settings);
    train_and_save(t, trained, &data_set, device, quiet)
}

/// A teacher's steps, its test accuracy, and its file.
fn train_and_save(
    t: &TrainArgs,
    (config, data, settings): (Architecture, TransferSet, DistillSettings),
    data_set: &Data,
    device: &Device,
    quiet: bool,
) -> Result<()> {
    let split = &data_set.split;
    let steps = settings.total_steps;
    let start = Instant::now();
    let mut trainer = Trainer::supervised(config, data, settings.clone(), device)?;
    run_steps(&mut trainer, steps, "teacher", quiet)?;
    let eval = trainer.evaluate(&split.test)?;
    println!(
        "Test accuracy {:.2} % on {} examples ({:.1} s)",
        eval.accuracy * 100.0,
        split.test.len(),
        start.elapsed().as_secs_f32()
    );
    let mut info = json!({
        "dataset": t.dataset.name(),
        "epochs": t.epochs,
        "steps": steps,
        "settings": settings,
        "metrics": {"test_accuracy": eval.accuracy},
    });
    with_tokenizer(&mut info, data_set.tokenizer());
    let info = FileInfo {
        role: "teacher".into(),
        info,
    };
    write(&t.out, &save_network(&trainer.network(), &info)?)?;
    println!("Saved {}", t.out.display());
    Ok(())
}

/// A text network's file carries its tokenizer, so every later command reads the same tokens.
fn with_tokenizer(info: &mut serde_json::Value, tokenizer: Option<&Tokenizer>) {
    if let (Some(t), Some(map)) = (tokenizer, info.as_object_mut()) {
        match serde_json::to_value(t) {
            Ok(v) => {
                map.insert("tokenizer".into(), v);
            }
            Err(e) => eprintln!("warning: the tokenizer could not be stored ({e})"),
        }
    }
}

/// What a distillation run is set up with, before its first step.
struct Prepared {
    teacher_path: PathBuf,
    data_set: Data,
    config: Architecture,
    transfer: TransferConfig,
    data: TransferSet,
    steps: usize,
    settings: DistillSettings,
    teachers: Ensemble,
}

impl Prepared {
    /// The teacher(s), the data and the student's shape, the transfer set and the settings;
    /// the toolkit configs are written here when asked for.
    fn new(args: &DistillArgs, assets: &Path, device: &Device) -> Result<Self> {
        let t = &args.train;
        let (teacher, teacher_path, data_set) = args.teacher_and_data(assets, device)?;
        let kind = kinds::kind_for(args.kind, t.dataset)?;
        let config = kinds::architecture(
            kind,
            args.student.as_deref(),
            kinds::Role::Student,
            args.heads,
            args.dropout,
            args.activation,
            &data_set.shape(),
        )?;
        let transfer = args.transfer();
        let data = args.transfer_set(&data_set, &transfer, &teacher)?;
        let steps = steps_for(t.epochs, data.len(), t.batch_size);
        let settings = DistillSettings {
            regularisation: t.regularisation(kind, args.dropout),
            ..args.settings(steps)?
        };
        write_recipes(
            args,
            &teacher.architecture(),
            &config,
            &settings,
            data.len(),
        )?;
        let teachers = args.ensemble(teacher, &data_set, device)?;
        Ok(Self {
            teacher_path,
            data_set,
            config,
            transfer,
            data,
            steps,
            settings,
            teachers,
        })
    }
}

pub(super) fn distill(
    args: DistillArgs,
    assets: &Path,
    device: &Device,
    quiet: bool,
) -> Result<()> {
    let p = Prepared::new(&args, assets, device)?;
    let split = &p.data_set.split;
    let (teacher_preds, teacher_acc) = teacher_on_test(&args, &p, assets, device)?;
    let scratch_data = p.data.labeled_only();
    let (config, settings, steps) = (&p.config, &p.settings, p.steps);
    let mut trainer = distilling_trainer(&args, &p, assets, device)?;
    announce(&trainer, config, &p.teachers, teacher_acc, settings, steps);
    let member_accs = match p.data_set.pieces {
        Some(_) => vec![teacher_acc],
        None => members_report(&p.teachers, &split.test, device)?,
    };
    let start = Instant::now();
    let last = run_steps(&mut trainer, steps, "distill", quiet)?;
    let eval = trainer.evaluate_against(&split.test, &teacher_preds)?;
    report("distilled", &eval, start.elapsed().as_secs_f32());
    if let Some(m) = last {
        print_final_losses(&m, settings);
    }
    let scratch_eval = if args.compare_scratch {
        let plain = DistillSettings {
            mapping: MappingScheme::None,
            ..settings.clone()
        };
        let scratch = Trainer::supervised(config.clone(), scratch_data, plain, device)?;
        Some(versus_scratch(scratch, split, steps, quiet, &eval)?)
    } else {
        None
    };
    let metrics = json!({
        "test_accuracy": eval.accuracy,
        "teacher_agreement": eval.teacher_agreement,
        "teacher_test_accuracy": teacher_acc,
        "each_teacher_test_accuracy": member_accs,
        "scratch_test_accuracy": scratch_eval.map(|e| e.accuracy),
    });
    let info = FileInfo {
        role: "student".into(),
        info: student_info(&args, &p, metrics),
    };
    write(&args.train.out, &save_network(&trainer.network(), &info)?)?;
    println!("Saved {}", args.train.out.display());
    Ok(())
}

/// The distillation run: from the teachers, or from the lead teacher's logits read from a file.
fn distilling_trainer(
    args: &DistillArgs,
    p: &Prepared,
    assets: &Path,
    device: &Device,
) -> Result<Trainer> {
    let (config, settings) = (p.config.clone(), p.settings.clone());
    match super::minilm::known_logits(args, &p.data_set, assets)? {
        Some(known) => {
            let lead = p.teachers.members()[0].clone();
            Trainer::distill_known(config, lead, p.data.clone(), settings, device, Some(&known))
        }
        None => {
            Trainer::distill_ensemble(config, p.teachers.clone(), p.data.clone(), settings, device)
        }
    }
}

/// The teachers' predictions of the test split and their accuracy (a MiniLM teacher reads its
/// own pieces of the test sentences).
/// The shipped MiniLM teacher's predictions come from its shipped test logits (reading 11,478
/// sentences takes it a minute).
fn teacher_on_test(
    args: &DistillArgs,
    p: &Prepared,
    assets: &Path,
    device: &Device,
) -> Result<(Vec<usize>, f32)> {
    let test = &p.data_set.split.test;
    let shipped = || {
        let path = assets.join(crate::engine::minilm::shipped_test_logits(
            args.train.dataset.name(),
        ));
        let bytes = super::read(&path, crate::engine::weights::MAX_FILE_BYTES).ok()?;
        let (logits, classes) = crate::engine::minilm::read_logits(&bytes).ok()?;
        (classes == test.classes && logits.len() == test.len() * classes).then_some(logits)
    };
    let logits = match &p.data_set.pieces {
        Some(_)
            if args.teacher.is_empty()
                && let Some(l) = shipped() =>
        {
            l
        }
        Some(pieces) => bucketed_logits(&p.teachers, &pieces.test, device)?,
        None => logits_host(&p.teachers, test, device)?,
    };
    let preds = predictions(&logits, test.classes);
    let accuracy = fraction_equal(&preds, test.labels.iter().map(|&l| usize::from(l)));
    Ok((preds, accuracy))
}

/// What a distilled student's file says of how it was made.
fn student_info(args: &DistillArgs, p: &Prepared, metrics: serde_json::Value) -> serde_json::Value {
    let mut info = json!({
        "dataset": args.train.dataset.name(),
        "teacher": p.teacher_path.display().to_string(),
        "teachers": args.teacher.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "teacher_weights": p.teachers.weights(),
        "transfer": p.transfer,
        "settings": p.settings,
        "steps": p.steps,
        "metrics": metrics,
    });
    with_tokenizer(&mut info, p.data_set.tokenizer());
    info
}

impl DistillArgs {
    /// The teacher (the given file or the shipped one), its path, and the data read with its
    /// tokenizer, checked to fit each other.
    fn teacher_and_data(
        &self,
        assets: &Path,
        device: &Device,
    ) -> Result<(Network, std::path::PathBuf, Data)> {
        let t = &self.train;
        let TeacherData {
            teacher,
            path,
            data,
        } = teacher_and_data(
            t.dataset,
            self.teacher.first().map(PathBuf::as_path),
            self.tokenizer.as_deref(),
            (assets, t.seed),
            device,
        )?;
        Ok((teacher, path, data))
    }

    /// The lead teacher and any further --teacher, with their weights, each checked to fit the
    /// data and read the lead's tokens.
    fn ensemble(&self, lead: Network, data: &Data, device: &Device) -> Result<Ensemble> {
        if data.pieces.is_some() && self.teacher.len() > 1 {
            return Err(Error::Settings(
                "a MiniLM teacher reads word pieces: it cannot join an ensemble of word-level \
                 teachers"
                    .into(),
            ));
        }
        let mut members = vec![lead];
        for path in self.teacher.iter().skip(1) {
            let (net, _) = load_weights(path, device)?;
            check_fits(&net.architecture(), path, self.train.dataset, data)?;
            members.push(net);
        }
        let weights = match &self.teacher_weights {
            None => vec![1.0; members.len()],
            Some(list) => parse_weights(list)?,
        };
        Ensemble::new(members, &weights)
    }

    /// The transfer set: for text, Tang's augmentation replaces the image one, with word
    /// replacement drawn from the teacher's embeddings; three augmented sentences are shown.
    fn transfer_set(
        &self,
        data: &Data,
        transfer: &TransferConfig,
        teacher: &Network,
    ) -> Result<TransferSet> {
        let seed = self.train.seed;
        let Some(text) = &data.text else {
            return TransferSet::build(&data.split.train, transfer, seed);
        };
        let aug = TangAugment {
            p_mask: self.p_mask,
            p_replace: self.p_replace,
            p_ngram: self.p_ngram,
            copies: self.augment_copies,
        };
        // Tang's replacements are the teacher's nearest words; a teacher of word pieces has
        // none of the student's words, so its students replace none.
        let neighbours = match teacher.token_embeddings() {
            Some(table) if aug.copies > 0 && aug.p_replace > 0.0 && data.pieces.is_none() => {
                let [_, width] = table.dims();
                let values = table
                    .into_data()
                    .try_to_vec::<f32>()
                    .map_err(|e| Error::Read(format!("{e:?}")))?;
                Some(Neighbours::from_embeddings(&values, width, 5)?)
            }
            _ => None,
        };
        let set = text_transfer_set(
            &data.split.train,
            transfer,
            &text.tokenizer,
            &aug,
            neighbours.as_ref(),
            seed,
        )?;
        show_augmented(&set, &text.tokenizer);
        match &data.pieces {
            Some(pieces) => Sentences::of(text).attach(set, &pieces.wordpiece),
            None => Ok(set),
        }
    }

    /// The transfer set the flags describe.
    fn transfer(&self) -> TransferConfig {
        TransferConfig {
            labeled_fraction: self.labeled_fraction,
            include_unlabeled: !self.no_unlabeled,
            augment_copies: self.augment_copies,
            noise_std: self.noise,
            mask_prob: self.mask,
            omit_class: self.omit_class,
        }
    }

    /// The distillation settings the flags describe, for a run of `steps`.
    fn settings(&self, steps: usize) -> Result<DistillSettings> {
        let t = &self.train;
        Ok(DistillSettings {
            temperature: Schedule::parse(&self.temperature)?,
            alpha: Schedule::parse(&self.alpha)?,
            beta: self.beta,
            soft_loss: self.soft_loss,
            hidden_loss: self.hidden_loss,
            mapping: MappingScheme::parse(&self.mapping)?,
            match_embeddings: self.match_embeddings,
            projection: self.projection,
            attention_loss: self.attention,
            gamma: self.gamma,
            learning_rate: t.lr,
            batch_size: t.batch_size,
            total_steps: steps,
            seed: t.seed,
            regularisation: Default::default(),
            kl: KlForm {
                t_squared: !self.no_t_squared,
                reduction: self.kl_reduction,
            },
        })
    }
}

/// The run as TextBrewer's and torchdistill's configs, where asked for.
fn write_recipes(
    args: &DistillArgs,
    teacher: &crate::engine::network::Architecture,
    student: &crate::engine::network::Architecture,
    settings: &DistillSettings,
    examples: usize,
) -> Result<()> {
    let recipe = crate::engine::recipes::Recipe {
        teacher,
        student,
        settings,
        dataset: args.train.dataset.name(),
        examples,
    };
    if let Some(path) = &args.textbrewer {
        let (config, notes) = recipe.textbrewer()?;
        // DistillationConfig.from_dict takes only its own fields: the notes are printed.
        for n in notes {
            println!("  TextBrewer: {n}");
        }
        let text = serde_json::to_string_pretty(&config)
            .map_err(|e| crate::engine::error::Error::Settings(e.to_string()))?;
        write(path, text.as_bytes())?;
        println!("Saved {}", path.display());
    }
    if let Some(path) = &args.torchdistill {
        write(path, recipe.torchdistill()?.0.as_bytes())?;
        println!("Saved {}", path.display());
    }
    Ok(())
}

fn print_final_losses(m: &StepMetrics, settings: &DistillSettings) {
    let hidden = if settings.beta > 0.0 {
        format!("{:.4}", m.hidden)
    } else {
        "off (β = 0)".to_string()
    };
    let attention = match settings.attention_loss {
        AttentionLoss::Off => String::new(),
        kind => format!(", attention ({}) {:.4}", kind.name(), m.attention),
    };
    println!(
        "Final losses: hard {:.4}, soft {:.4}, hidden {hidden}{attention}",
        m.hard, m.soft
    );
}

/// Three augmented sentences next to their originals, so what the student reads is visible.
fn show_augmented(set: &TransferSet, tokenizer: &Tokenizer) {
    if set.augmented == 0 {
        return;
    }
    let base = set.labeled + set.unlabeled;
    let row = |i: usize| -> Vec<u32> {
        set.features[i * set.dim..(i + 1) * set.dim]
            .iter()
            .map(|&v| v as u32)
            .collect()
    };
    println!("Augmented copies (Tang et al.), for example:");
    for i in 0..3.min(base) {
        println!(
            "  {}\n→ {}",
            tokenizer.decode(&row(i)),
            tokenizer.decode(&row(base + i))
        );
    }
}

/// Trains the same student from the labels alone, on the same batches, and reports the gain.
fn versus_scratch(
    mut scratch: Trainer,
    split: &Split,
    steps: usize,
    quiet: bool,
    distilled: &Evaluation,
) -> Result<Evaluation> {
    let start = Instant::now();
    run_steps(&mut scratch, steps, "scratch", quiet)?;
    let e = scratch.evaluate(&split.test)?;
    report("scratch", &e, start.elapsed().as_secs_f32());
    println!(
        "Distillation gain: {:+.2} percentage points",
        (distilled.accuracy - e.accuracy) * 100.0
    );
    Ok(e)
}

/// "1,2,0.5" as weights.
fn parse_weights(list: &str) -> Result<Vec<f32>> {
    list.split(',')
        .map(|w| {
            w.trim().parse::<f32>().map_err(|_| {
                Error::Settings(format!(
                    "'{w}' in --teacher-weights '{list}' is not a number (use e.g. 1,1,2)"
                ))
            })
        })
        .collect()
}

/// Each teacher's test accuracy, printed for an ensemble (one teacher was announced already).
fn members_report(teachers: &Ensemble, test: &Dataset, device: &Device) -> Result<Vec<f32>> {
    let mut accs = Vec::new();
    for (k, (net, w)) in teachers
        .members()
        .iter()
        .zip(teachers.weights())
        .enumerate()
    {
        let acc = accuracy(net, test, device)?;
        if teachers.members().len() > 1 {
            println!(
                "  teacher {}: {}, weight {w:.2}, test accuracy {:.2} %",
                k + 1,
                net.architecture().describe(),
                acc * 100.0
            );
        }
        accs.push(acc);
    }
    Ok(accs)
}

/// What is about to be distilled from what, on which transfer set.
fn announce(
    trainer: &Trainer,
    config: &Architecture,
    teacher: &Ensemble,
    teacher_acc: f32,
    settings: &DistillSettings,
    steps: usize,
) {
    let set = trainer.transfer_set();
    let t = teacher.architecture();
    let k = teacher.members().len();
    let from = match k {
        1 => format!(
            "teacher {} ({} parameters",
            t.describe(),
            t.declared_params()
        ),
        _ => format!("an ensemble of {k} teachers (the weighted average of their soft targets"),
    };
    println!(
        "Distilling {} ({} parameters) from {from}, test accuracy {:.2} %)",
        config.describe(),
        config.declared_params(),
        teacher_acc * 100.0
    );
    let mapping = trainer.mapping().map(|m| m.pairs().to_vec());
    println!(
        "Transfer set: {} labeled + {} unlabeled + {} augmented; T {}, α {}, β {}, mapping {:?}; {steps} steps",
        set.labeled,
        set.unlabeled,
        set.augmented,
        settings.temperature,
        settings.alpha,
        settings.beta,
        mapping.unwrap_or_default(),
    );
}
