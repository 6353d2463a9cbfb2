//! The text set as the page holds it: the sentences and the tokenizer they were read with, the
//! example messages to click, and the teacher's nearest words for Tang's replacement (found once
//! per teacher: 6,000 words against 6,000).

use std::cell::RefCell;
use std::rc::Rc;

use crate::app::Settings;
use crate::app::message::{example_messages, says_something};
use crate::app::piece_teacher::{PieceTeacher, reads_pieces};
use crate::engine::data::TransferSet;
use crate::engine::error::{Error, Result};
use crate::engine::loss::AttentionLoss;
use crate::engine::network::{Classifier, Network};
use crate::engine::text::{Neighbours, Special, TextSplit, text_transfer_set};
use crate::engine::train::KnownLogits;
use crate::engine::weights::NetworkWeights;

/// Example messages of each class the page offers to click.
pub const EXAMPLES_PER_CLASS: usize = 3;

/// Nearest words per word that replacement picks from (Tang et al. drew from a word's tag class).
pub const NEIGHBOURS: usize = 5;

/// Longest sentence the head view draws (beyond it the lines are a tangle), and so the longest
/// the page opens on.
pub const HEAD_VIEW_TOKENS: usize = 24;

pub struct TextData {
    pub split: TextSplit,
    /// `(class, text)`, [`EXAMPLES_PER_CLASS`] of each class.
    pub examples: Vec<(u8, String)>,
    /// The test example the page opens on ([`opening_example`]).
    pub opening: usize,
    /// The shipped teacher that reads word pieces, and what it shipped with (Brown).
    pub pieces: Option<PieceTeacher>,
    /// The shipped teacher's logits of the set's sentences, so that it never reads them here.
    pub shipped: Option<ShippedLogits>,
    /// What was learnt from one teacher (its fingerprint): its nearest words, and its logits of
    /// the sentences it read.
    teacher: RefCell<Option<TeacherReading>>,
}

/// Logits a teacher shipped with: the page starts from them instead of running the teacher over
/// every sentence (10 s for the e-mails in wasm, an hour for Brown's MiniLM).
#[derive(Clone, Debug)]
pub struct ShippedLogits {
    /// [`fingerprint`] of the teacher they are from.
    pub teacher: u64,
    pub known: KnownLogits,
}

struct TeacherReading {
    fingerprint: u64,
    /// Its forward time per sentence, milliseconds, once measured.
    ms_per_sentence: Option<f64>,
    neighbours: Option<Rc<Neighbours>>,
    known: KnownLogits,
}

/// Sentences the teacher reads between two frames (about 40 ms natively, a few frames in wasm).
const READ_SLICE: usize = 48;

/// Values of a large tensor a fingerprint reads: one in [`FINGERPRINT_STRIDE`] (MiniLM's 17
/// million would take a second in wasm, and another teacher differs nearly everywhere).
const FINGERPRINT_WHOLE: usize = 1 << 16;
const FINGERPRINT_STRIDE: usize = 61;

/// A fingerprint of a network's weights: another teacher (loaded, trained) has another one.
pub fn fingerprint(weights: &NetworkWeights) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for (name, values) in &weights.tensors {
        name.hash(&mut h);
        values.len().hash(&mut h);
        let stride = match values.len() > FINGERPRINT_WHOLE {
            true => FINGERPRINT_STRIDE,
            false => 1,
        };
        (values.iter().step_by(stride)).for_each(|v| v.to_bits().hash(&mut h));
    }
    h.finish()
}

/// The first test example of the first class with at most [`HEAD_VIEW_TOKENS`] tokens that
/// reads as a sentence (six words with letters, at most one `[UNK]`), else of any class, else the
/// first short one, else the shortest: its
/// attention maps have few enough cells to read, with a token on each, and the head view draws
/// it. The first e-mail of the test split fills all 64 tokens: 4,096 cells of noise to a
/// newcomer.
pub fn opening_example(split: &TextSplit) -> usize {
    let test = &split.test;
    let count =
        |i: usize, of: fn(f32) -> bool| test.example(i).iter().filter(|&&id| of(id)).count();
    let ids = |i: usize| count(i, |id| id != Special::Pad as u32 as f32);
    let unknown = |i: usize| count(i, |id| id == Special::Unk as u32 as f32);
    let short = |i: &usize| ids(*i) <= HEAD_VIEW_TOKENS;
    let says = |i: usize| split.test_text.get(i).is_some_and(|t| says_something(t));
    let readable = |i: &usize| short(i) && unknown(*i) <= 1 && says(*i);
    // Of the first class first: the e-mails' shortest spam is not for a projector.
    let first_class = |i: &usize| test.labels.get(*i) == Some(&0);
    let all = 0..test.len();
    all.clone()
        .find(|i| readable(i) && first_class(i))
        .or_else(|| all.clone().find(readable))
        .or_else(|| all.clone().find(short))
        .or_else(|| all.min_by_key(|&i| ids(i)))
        .unwrap_or(0)
}

impl std::fmt::Debug for TextData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TextData({} sentences)", self.split.train_text.len())
    }
}

impl TextData {
    pub fn new(split: TextSplit) -> Self {
        // One of each of many classes (Brown's 15 genres), else a few.
        let per_class = match split.test.classes > EXAMPLES_PER_CLASS {
            true => 1,
            false => EXAMPLES_PER_CLASS,
        };
        let examples = example_messages(&split, per_class);
        Self {
            opening: opening_example(&split),
            split,
            examples,
            pieces: None,
            shipped: None,
            teacher: RefCell::new(None),
        }
    }

    /// The set with the teacher that reads word pieces it was shipped with.
    pub fn with_pieces(self, pieces: PieceTeacher) -> Self {
        Self {
            pieces: Some(pieces),
            ..self
        }
    }

    /// The set with the logits its shipped teacher gave its sentences.
    pub fn with_shipped(self, shipped: ShippedLogits) -> Self {
        Self {
            shipped: Some(shipped),
            ..self
        }
    }

    /// The piece teacher's tools when `teacher` reads pieces: refused with the reason on a set
    /// without them.
    pub fn pieces_for(
        &self,
        teacher: &crate::engine::network::Architecture,
    ) -> Result<Option<&PieceTeacher>> {
        match (reads_pieces(teacher), &self.pieces) {
            (false, _) => Ok(None),
            (true, Some(p)) => Ok(Some(p)),
            (true, None) => Err(Error::ModelConfig(
                "this teacher reads word pieces, and this set has no WordPiece tokenizer: load it on Brown".into(),
            )),
        }
    }

    /// What is kept about `teacher` (whose weights have `fingerprint`), started afresh for
    /// another teacher.
    fn reading<T>(&self, fingerprint: u64, f: impl FnOnce(&mut TeacherReading) -> T) -> T {
        let mut slot = self.teacher.borrow_mut();
        // The shipped teacher starts from the logits it came with.
        let known = || match &self.shipped {
            Some(s) if s.teacher == fingerprint => s.known.clone(),
            _ => KnownLogits::new(self.split.train.dim, self.split.train.classes),
        };
        let fresh = || TeacherReading {
            fingerprint,
            ms_per_sentence: None,
            neighbours: None,
            known: known(),
        };
        let reading = match slot.as_mut() {
            Some(r) if r.fingerprint == fingerprint => r,
            _ => slot.insert(fresh()),
        };
        f(reading)
    }

    /// The nearest words in `teacher`'s embedding space (found once per teacher).
    pub fn neighbours(&self, teacher: &Network, fingerprint: u64) -> Result<Rc<Neighbours>> {
        if let Some(n) = self.reading(fingerprint, |r| r.neighbours.clone()) {
            return Ok(n);
        }
        let table = teacher
            .token_embeddings()
            .ok_or_else(|| Error::ModelConfig("the teacher has no word embeddings".into()))?;
        let width = table.dims()[1];
        let values = table
            .into_data()
            .try_to_vec::<f32>()
            .map_err(|e| Error::Read(format!("{e:?}")))?;
        let found = Rc::new(Neighbours::from_embeddings(&values, width, NEIGHBOURS)?);
        self.reading(fingerprint, |r| r.neighbours = Some(found.clone()));
        Ok(found)
    }

    /// Has the teacher read every row of `features` it has not read yet, a slice at a time,
    /// awaiting `between(done, total)` after each so the page keeps drawing (and can say how far
    /// it got).
    /// A teacher of its own rows (word pieces) reads `own` (`(values, dim)`, the same examples
    /// in the same order) instead.
    pub async fn read_with_teacher<F: std::future::Future<Output = ()>>(
        &self,
        teacher: &Network,
        fingerprint: u64,
        (features, own): (&[f32], (&[f32], usize)),
        mut between: impl FnMut(usize, usize) -> F,
    ) -> Result<()> {
        let (own, own_dim) = own;
        let missing = self.reading(fingerprint, |r| r.known.missing(features));
        let cpu = burn::tensor::Device::flex();
        for (k, part) in missing.chunks(READ_SLICE).enumerate() {
            self.reading(fingerprint, |r| {
                r.known
                    .learn_read_as(teacher, features, (own, own_dim), part, &cpu)
            })?;
            between(
                (k * READ_SLICE + part.len()).min(missing.len()),
                missing.len(),
            )
            .await;
        }
        Ok(())
    }

    /// A piece teacher's logits of the test rows: shipped with it, or read here (another
    /// teacher of pieces, loaded from a file). `None` for a teacher of words.
    pub fn piece_test_logits(
        &self,
        teacher: &Network,
        fingerprint: u64,
    ) -> Result<Option<Vec<f32>>> {
        let Some(p) = self.pieces_for(&teacher.architecture())? else {
            return Ok(None);
        };
        if p.shipped == fingerprint {
            return Ok(Some(p.test_logits.clone()));
        }
        let rows: Vec<f32> = self.split.test_text.iter().flat_map(|t| p.row(t)).collect();
        let test = crate::engine::data::Dataset::new(
            "test pieces",
            rows,
            self.split.test.labels.clone(),
            p.wordpiece.max_len(),
            self.split.test.classes,
            None,
        )?;
        let cpu = burn::tensor::Device::flex();
        crate::engine::train::logits_host(teacher, &test, &cpu).map(Some)
    }

    /// A piece teacher's logits of test sentence `i`: shipped with it, or read here.
    pub fn piece_test_row(&self, teacher: &NetworkWeights, i: usize) -> Result<Vec<f32>> {
        let p = self.pieces_for(&teacher.architecture)?.ok_or_else(|| {
            Error::ModelConfig("this teacher reads the students' words, not word pieces".into())
        })?;
        let classes = self.split.test.classes;
        if p.shipped == fingerprint(teacher)
            && let Some(row) = p.test_logits.get(i * classes..(i + 1) * classes)
        {
            return Ok(row.to_vec());
        }
        let text = self.split.test_text.get(i).map_or("", String::as_str);
        let one = crate::engine::data::Dataset::new(
            "pieces",
            p.row(text),
            vec![0],
            p.wordpiece.max_len(),
            classes,
            None,
        )?;
        let cpu = burn::tensor::Device::flex();
        crate::engine::train::logits_host(&teacher.to_network(&cpu)?, &one, &cpu)
    }

    /// Rows of `features` the teacher has not read yet.
    pub fn unread(&self, fingerprint: u64, features: &[f32]) -> usize {
        self.reading(fingerprint, |r| r.known.missing(features).len())
    }

    /// The teacher's forward time per sentence, measured by `time` once per teacher.
    pub fn timed_teacher(
        &self,
        fingerprint: u64,
        time: impl FnOnce() -> Result<f64>,
    ) -> Result<f64> {
        if let Some(ms) = self.reading(fingerprint, |r| r.ms_per_sentence) {
            return Ok(ms);
        }
        let ms = time()?;
        self.reading(fingerprint, |r| r.ms_per_sentence = Some(ms));
        Ok(ms)
    }

    /// The teacher's logits of the rows it has read.
    pub fn known(&self, fingerprint: u64) -> KnownLogits {
        self.reading(fingerprint, |r| r.known.clone())
    }

    /// Takes logits another copy of the page read with the same teacher (the training worker
    /// gets the page's, so the teacher does not read every sentence twice). Logits of another
    /// shape are refused.
    pub fn remember(&self, fingerprint: u64, known: KnownLogits) -> Result<()> {
        let (dim, classes) = (self.split.train.dim, self.split.train.classes);
        if !known.fits(dim, classes) {
            return Err(Error::ModelConfig(format!(
                "the teacher's logits handed over are not for {dim} inputs and {classes} classes"
            )));
        }
        self.reading(fingerprint, |r| r.known.absorb(known));
        Ok(())
    }

    /// The transfer set the settings ask for, with Tang's augmented copies when asked.
    pub fn transfer_set(
        &self,
        settings: &Settings,
        teacher: &Network,
        fingerprint: u64,
    ) -> Result<TransferSet> {
        let aug = settings.tang();
        // A teacher of word pieces has none of the students' words to find neighbours among.
        let pieces = self.pieces_for(&teacher.architecture())?;
        let neighbours = if aug.copies > 0 && aug.p_replace > 0.0 && pieces.is_none() {
            Some(self.neighbours(teacher, fingerprint)?)
        } else {
            None
        };
        let set = text_transfer_set(
            &self.split.train,
            &settings.transfer_config(),
            &self.split.tokenizer,
            &aug,
            neighbours.as_deref(),
            settings.seed,
        )?;
        // The pieces are read (2 s natively for Brown) only when the teacher will read them:
        // for its layers and attention, or for rows it shipped no logits of.
        let d = settings.distill_settings();
        let deep = d.beta > 0.0 || (d.gamma > 0.0 && d.attention_loss != AttentionLoss::Off);
        let unread = || !self.reading(fingerprint, |r| r.known.missing(&set.features).is_empty());
        match pieces {
            Some(p) if deep || unread() => p.attach(set, &self.split),
            _ => Ok(set),
        }
    }
}
