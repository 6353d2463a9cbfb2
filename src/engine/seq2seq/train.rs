//! Training a student encoder–decoder four ways (Kim & Rush 2016): on the gold pronunciations,
//! word-level KD (KL to the teacher's distribution at every position, along the gold prefix),
//! sequence-level KD (the teacher's own greedy or beam outputs as targets), both, or
//! sequence-level interpolation (of the teacher's beam, the candidate nearest the gold).

use crate::train::adam::OnePassAdam;
use burn::module::Module;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::activation::{log_softmax, softmax};
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::data::{BOS, EOS, MAX_LETTERS, PHONE_IDS, Pair, TARGET_LEN, edit_distance};
use super::model::{Seq2Seq, Seq2SeqConfig, id_rows};
use super::targets::{Targets, check_beam, decode_targets, sequence_targets};
use crate::data::Batches;
use crate::error::{Error, Result};
use crate::limits;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Seq2SeqSettings {
    pub targets: Targets,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub seed: u64,
    /// The teacher's beam for sequence-level targets: 1 decodes greedily, wider takes the best
    /// of that many candidates per word.
    pub beam: usize,
}

impl Seq2SeqSettings {
    /// Refused with the reason: a learning rate, batch or beam out of bounds, interpolation
    /// with nothing to choose from, or distillation without a teacher.
    pub fn check(&self, has_teacher: bool) -> Result<()> {
        limits::LEARNING_RATE.check(self.learning_rate)?;
        limits::BATCH_SIZE.check(self.batch_size)?;
        check_beam(self)?;
        if self.targets.needs_teacher() && !has_teacher {
            return Err(Error::Settings(format!(
                "{}-level distillation needs a teacher",
                self.targets.name()
            )));
        }
        Ok(())
    }
}

/// Exact-match rate of whole pronunciations, and phoneme error rate (edits per gold phoneme).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct G2pScore {
    pub sequence_accuracy: f32,
    pub phoneme_error_rate: f32,
}

pub struct Seq2SeqTrainer {
    student: Seq2Seq,
    teacher: Option<Seq2Seq>,
    optimizer: ModuleOptimizer,
    /// Letters and the phonemes to learn, per word (gold, or the teacher's).
    words: Vec<Vec<u32>>,
    targets: Vec<Vec<u32>>,
    batches: Batches,
    settings: Seq2SeqSettings,
    device: Device,
    step: usize,
}

impl Seq2SeqTrainer {
    pub fn new(
        config: &Seq2SeqConfig,
        pairs: &[Pair],
        teacher: Option<&Seq2Seq>,
        settings: Seq2SeqSettings,
        device: &Device,
    ) -> Result<Self> {
        settings.check(teacher.is_some())?;
        let targets = decode_targets(teacher, pairs, &settings, device)?;
        Self::with_targets(config, pairs, targets, teacher, settings, device)
    }

    /// A trainer on targets already decoded by [`decode_targets`] (the page decodes them a few
    /// words at a time, with progress).
    pub fn with_targets(
        config: &Seq2SeqConfig,
        pairs: &[Pair],
        targets: Vec<Vec<u32>>,
        teacher: Option<&Seq2Seq>,
        settings: Seq2SeqSettings,
        device: &Device,
    ) -> Result<Self> {
        settings.check(teacher.is_some())?;
        if targets.len() != pairs.len() {
            return Err(Error::Settings(format!(
                "{} targets for {} words",
                targets.len(),
                pairs.len()
            )));
        }
        let teacher = teacher.map(Module::valid);
        let device = device.clone().inner();
        let words: Vec<Vec<u32>> = pairs.iter().map(|p| p.letters.clone()).collect();
        let train = device.clone().autodiff();
        train.seed(settings.seed);
        let student = config.init(&train)?;
        Ok(Self {
            student,
            teacher,
            optimizer: OnePassAdam::module(0.0),
            batches: Batches::new(words.len(), settings.batch_size, settings.seed)?,
            words,
            targets,
            settings,
            device,
            step: 0,
        })
    }

    /// The pronunciations the student learns (the teacher's, for sequence-level KD).
    pub fn targets(&self) -> &[Vec<u32>] {
        &self.targets
    }

    pub fn steps_per_epoch(&self) -> usize {
        self.words.len().div_ceil(self.settings.batch_size)
    }

    /// One step; returns its loss.
    pub fn step(&mut self) -> Result<f32> {
        let rows = self.batches.next_rows();
        let words: Vec<Vec<u32>> = rows.iter().map(|&r| self.words[r].clone()).collect();
        let targets: Vec<Vec<u32>> = rows.iter().map(|&r| self.targets[r].clone()).collect();
        let letters = id_rows(&words, MAX_LETTERS, &self.device);
        let prefix = id_rows(
            &targets
                .iter()
                .map(|t| [&[BOS][..], t].concat())
                .collect::<Vec<_>>(),
            TARGET_LEN,
            &self.device,
        );
        let (next, mask, tokens) = next_tokens(&targets, &self.device);
        let logits = self.student.forward(letters.clone(), prefix.clone());
        let log_p = log_softmax(logits, 2);
        let hard = log_p.clone().mul(next).sum().neg().div_scalar(tokens);
        let loss = match (&self.teacher, self.settings.targets) {
            (Some(t), Targets::Word | Targets::Both) => {
                let teacher = t.forward(letters, prefix);
                let kl = word_kl(teacher, log_p, mask, tokens);
                match self.settings.targets {
                    Targets::Both => hard.mul_scalar(0.5).add(kl.mul_scalar(0.5)),
                    _ => kl,
                }
            }
            _ => hard,
        };
        let value = loss
            .clone()
            .detach()
            .inner()
            .into_data()
            .try_to_vec::<f32>()
            .map_err(|e| Error::Read(format!("{e:?}")))?
            .first()
            .copied()
            .unwrap_or(f32::NAN);
        let value = Error::finite(value, self.step + 1, "sequence loss")?;
        let grads = GradientsParams::from_grads(loss.backward(), &self.student);
        self.student =
            self.optimizer
                .step(self.settings.learning_rate, self.student.clone(), grads);
        self.step += 1;
        Ok(value)
    }

    /// The student, detached (dropout off).
    pub fn network(&self) -> Seq2Seq {
        self.student.valid()
    }
}

/// One-hot next tokens `[batch, TARGET_LEN, ids]` (the phonemes, then the end token), the mask
/// of real positions `[batch, TARGET_LEN, 1]`, and how many there are.
fn next_tokens(targets: &[Vec<u32>], device: &Device) -> (Tensor<3>, Tensor<3>, f32) {
    let n = targets.len();
    let mut one_hot = vec![0.0f32; n * TARGET_LEN * PHONE_IDS];
    let mut mask = vec![0.0f32; n * TARGET_LEN];
    for (i, t) in targets.iter().enumerate() {
        let next = t.iter().take(TARGET_LEN - 1).copied().chain([EOS]);
        for (pos, id) in next.enumerate() {
            one_hot[(i * TARGET_LEN + pos) * PHONE_IDS + id as usize] = 1.0;
            mask[i * TARGET_LEN + pos] = 1.0;
        }
    }
    let tokens = mask.iter().sum::<f32>().max(1.0);
    (
        Tensor::from_data(TensorData::new(one_hot, [n, TARGET_LEN, PHONE_IDS]), device),
        Tensor::from_data(TensorData::new(mask, [n, TARGET_LEN, 1]), device),
        tokens,
    )
}

/// KL(teacher ‖ student) summed over classes at every real position, averaged over them.
fn word_kl(
    teacher: Tensor<3>,
    log_p_student: Tensor<3>,
    mask: Tensor<3>,
    tokens: f32,
) -> Tensor<1> {
    let log_p_teacher = log_softmax(teacher, 2);
    let p_teacher = softmax(log_p_teacher.clone(), 2).detach();
    let per_class = p_teacher.mul(log_p_teacher.detach().sub(log_p_student));
    per_class.mul(mask).sum().div_scalar(tokens)
}

/// Greedy pronunciations of `pairs` scored against the dictionary's.
pub fn evaluate(model: &Seq2Seq, pairs: &[Pair], device: &Device) -> Result<G2pScore> {
    evaluate_beam(model, pairs, 1, device)
}

/// The pronunciations of `pairs` scored against the dictionary's: each word's best of a beam
/// of `width` (1 decodes greedily, all words at once).
pub fn evaluate_beam(
    model: &Seq2Seq,
    pairs: &[Pair],
    width: usize,
    device: &Device,
) -> Result<G2pScore> {
    let words: Vec<Vec<u32>> = pairs.iter().map(|p| p.letters.clone()).collect();
    let said = sequence_targets(model, &words, width, device)?;
    let (mut exact, mut edits, mut phones) = (0usize, 0usize, 0usize);
    for (p, s) in pairs.iter().zip(&said) {
        exact += usize::from(&p.phones == s);
        edits += edit_distance(&p.phones, s);
        phones += p.phones.len();
    }
    Ok(G2pScore {
        sequence_accuracy: exact as f32 / pairs.len().max(1) as f32,
        phoneme_error_rate: edits as f32 / phones.max(1) as f32,
    })
}
