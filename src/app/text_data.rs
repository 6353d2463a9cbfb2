//! The text set as the page holds it: the sentences and the tokenizer they were read with, the
//! example messages to click, and the teacher's nearest words for Tang's replacement (found once
//! per teacher: 6,000 words against 6,000).

use std::cell::RefCell;
use std::rc::Rc;

use crate::app::Settings;
use crate::app::message::example_messages;
use crate::engine::data::TransferSet;
use crate::engine::error::{Error, Result};
use crate::engine::network::Network;
use crate::engine::text::{Neighbours, TextSplit, text_transfer_set};
use crate::engine::train::KnownLogits;
use crate::engine::weights::NetworkWeights;

/// Example messages of each class the page offers to click.
pub const EXAMPLES_PER_CLASS: usize = 3;

/// Nearest words per word that replacement picks from (Tang et al. drew from a word's tag class).
pub const NEIGHBOURS: usize = 5;

pub struct TextData {
    pub split: TextSplit,
    /// `(class, text)`, [`EXAMPLES_PER_CLASS`] of each class.
    pub examples: Vec<(u8, String)>,
    /// What was learnt from one teacher (its fingerprint): its nearest words, and its logits of
    /// the sentences it read.
    teacher: RefCell<Option<TeacherReading>>,
}

struct TeacherReading {
    fingerprint: u64,
    neighbours: Option<Rc<Neighbours>>,
    known: KnownLogits,
}

/// Sentences the teacher reads between two frames (about 40 ms natively, a few frames in wasm).
const READ_SLICE: usize = 48;

/// A fingerprint of a network's weights: another teacher (loaded, trained) has another one.
pub fn fingerprint(weights: &NetworkWeights) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for (name, values) in &weights.tensors {
        name.hash(&mut h);
        values.iter().for_each(|v| v.to_bits().hash(&mut h));
    }
    h.finish()
}

impl std::fmt::Debug for TextData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TextData({} sentences)", self.split.train_text.len())
    }
}

impl TextData {
    pub fn new(split: TextSplit) -> Self {
        let examples = example_messages(&split, EXAMPLES_PER_CLASS);
        Self {
            split,
            examples,
            teacher: RefCell::new(None),
        }
    }

    /// What is kept about `teacher` (whose weights have `fingerprint`), started afresh for
    /// another teacher.
    fn reading<T>(&self, fingerprint: u64, f: impl FnOnce(&mut TeacherReading) -> T) -> T {
        let mut slot = self.teacher.borrow_mut();
        let fresh = || TeacherReading {
            fingerprint,
            neighbours: None,
            known: KnownLogits::new(self.split.train.dim, self.split.train.classes),
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
    pub async fn read_with_teacher<F: std::future::Future<Output = ()>>(
        &self,
        teacher: &Network,
        fingerprint: u64,
        features: &[f32],
        mut between: impl FnMut(usize, usize) -> F,
    ) -> Result<()> {
        let missing = self.reading(fingerprint, |r| r.known.missing(features));
        let cpu = burn::tensor::Device::flex();
        for (k, part) in missing.chunks(READ_SLICE).enumerate() {
            self.reading(fingerprint, |r| {
                r.known.learn(teacher, features, part, &cpu)
            })?;
            between(
                (k * READ_SLICE + part.len()).min(missing.len()),
                missing.len(),
            )
            .await;
        }
        Ok(())
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
        let neighbours = if aug.copies > 0 && aug.p_replace > 0.0 {
            Some(self.neighbours(teacher, fingerprint)?)
        } else {
            None
        };
        text_transfer_set(
            &self.split.train,
            &settings.transfer_config(),
            &self.split.tokenizer,
            &aug,
            neighbours.as_deref(),
            settings.seed,
        )
    }
}
