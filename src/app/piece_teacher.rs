//! What the page keeps for a teacher that reads its own tokens: Brown's fine-tuned MiniLM reads
//! WordPiece pieces where the students read words. Its tokenizer, and the logits it shipped with
//! for the training and test sentences, so the page never runs 57,340 sentences through a
//! 17-million-parameter encoder in wasm.

use crate::engine::data::TransferSet;
use crate::engine::error::{Error, Result};
use crate::engine::network::Architecture;
use crate::engine::text::wordpiece::WordPiece;
use crate::engine::text::{Sentences, TextSplit, Tokenizer};

/// The page reads every `PAGE_TEST_EVERY`-th test sentence (2,870 of Brown's 11,478): a curve
/// point evaluates both students on all of them.
pub const PAGE_TEST_EVERY: usize = 4;

#[derive(Clone)]
pub struct PieceTeacher {
    pub wordpiece: WordPiece,
    /// Fingerprint of the teacher the shipped logits are from ([`super::text_data::fingerprint`]);
    /// its logits of the training rows are the set's [`super::text_data::ShippedLogits`].
    pub shipped: u64,
    /// Its logits of the page's test rows, `[test, classes]`.
    pub test_logits: Vec<f32>,
}

impl std::fmt::Debug for PieceTeacher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PieceTeacher({} pieces)", self.wordpiece.vocab_size())
    }
}

/// Whether a teacher reads word pieces rather than the students' words.
pub fn reads_pieces(teacher: &Architecture) -> bool {
    matches!(teacher, Architecture::Bert(_))
}

impl PieceTeacher {
    /// The padded piece row of one sentence (ids as `f32`, like every text row).
    pub fn row(&self, text: &str) -> Vec<f32> {
        let ids = self.wordpiece.encode_padded(text);
        ids.into_iter().map(|id| id as f32).collect()
    }

    /// The pieces of one sentence as the teacher reads them, `[CLS]` to `[SEP]`.
    pub fn tokens(&self, text: &str) -> Vec<String> {
        let ids = self.wordpiece.encode(text);
        let piece = |id: u32| self.wordpiece.piece(id).unwrap_or("[UNK]").to_string();
        ids.into_iter().map(piece).collect()
    }

    /// The sentence of a students' word row that is not in the sets (a typed message): its
    /// words read back, unknown ones as `[UNK]`.
    pub fn words_read_back(row: &[u32], words: &Tokenizer) -> String {
        let ids = Tokenizer::word_ids(row);
        let read: Vec<&str> = ids.iter().map(|&id| words.word(id)).collect();
        read.join(" ")
    }

    /// `set` with the teacher's piece rows of every example, aligned with the students' words.
    pub fn attach(&self, set: TransferSet, split: &TextSplit) -> Result<TransferSet> {
        Sentences::of(split).attach(set, &self.wordpiece)
    }
}

/// The page's test rows: every [`PAGE_TEST_EVERY`]-th sentence of `split`, and the matching
/// rows of the teacher's logits of the whole test split.
pub fn page_test_rows(split: &mut TextSplit, test_logits: &[f32]) -> Result<Vec<f32>> {
    let classes = split.test.classes;
    if test_logits.len() != split.test.len() * classes {
        return Err(Error::Dataset(format!(
            "the teacher's test logits hold {} values; {} test sentences of {classes} classes need {}",
            test_logits.len(),
            split.test.len(),
            split.test.len() * classes
        )));
    }
    let kept: Vec<usize> = (0..split.test.len()).step_by(PAGE_TEST_EVERY).collect();
    split.test = split.test.subset(&kept);
    split.test_text = kept.iter().map(|&i| split.test_text[i].clone()).collect();
    Ok(kept
        .iter()
        .flat_map(|&i| test_logits[i * classes..(i + 1) * classes].iter().copied())
        .collect())
}
