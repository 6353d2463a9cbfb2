//! Text classification: a word-level tokenizer, the shipped SpamAssassin set, and Tang et al.'s
//! augmentation of the transfer set.
//!
//! Text datasets are ordinary [`Dataset`](crate::data::Dataset)s whose feature rows are
//! token ids (stored as `f32`, which is exact for ids below 2²⁴), `max_len` per row, `[CLS]`
//! first and `[PAD]` (id 0) after the end. Splits, transfer sets, batches and the teacher cache
//! therefore work on text unchanged; the text networks read those rows as ids.

mod align;
mod augment;
mod brown;
mod retokenize;
mod spam;
pub mod tokenizer;
pub(crate) mod tsv;
mod verses;
pub mod wordpiece;

pub use align::piece_words;
pub use augment::{Neighbours, TangAugment, augment_examples, augment_words};
pub use brown::{
    BROWN_FILE, BROWN_GENRES, BROWN_MAX_LEN, BROWN_PIECES, BrownSentence, brown, brown_pieces,
    brown_sentences, piece_rows,
};
pub use retokenize::Sentences;
pub use spam::{
    SPAM_CLASSES, SPAM_MAX_LEN, SPAM_TSV_GZ, TextSplit, spam, spam_from_gz, spam_sentences,
};
pub use tokenizer::{Special, Tokenizer, words};
pub use verses::{VERSE_GENRES, VERSES_FILE, VersePair, verse_pairs};

use crate::data::{Dataset, TransferConfig, TransferSet};
use crate::error::Result;

/// A transfer set of sentences: labeled and unlabeled ones as `config` says, then Tang's
/// augmented copies of all of them (`aug.copies` each; the image augmentation of `config` does
/// not apply to token ids and is switched off).
pub fn text_transfer_set(
    train: &Dataset,
    config: &TransferConfig,
    tokenizer: &Tokenizer,
    aug: &TangAugment,
    neighbours: Option<&Neighbours>,
    seed: u64,
) -> Result<TransferSet> {
    let plain = TransferConfig {
        augment_copies: 0,
        ..config.clone()
    };
    let mut set = TransferSet::build(train, &plain, seed)?;
    let copies = augment_examples(set.base_rows(), tokenizer, aug, neighbours, seed)?;
    set.push_augmented(copies)?;
    Ok(set)
}
