//! A transfer set of word rows, read again by a teacher that tokenizes differently: MiniLM's
//! WordPiece rows of the same examples, in the same order. A row of the training split gets its
//! original sentence (casing, accents and rare words intact: what the teacher was fine-tuned
//! on); an augmented copy, which exists only as word ids, gets its words read back.

use std::collections::HashMap;

use crate::engine::data::TransferSet;

use super::Tokenizer;
use super::spam::TextSplit;
use super::wordpiece::WordPiece;

fn key(row: &[f32]) -> Vec<u32> {
    row.iter().map(|v| v.to_bits()).collect()
}

/// The sentence of every training row, by its word ids.
pub struct Sentences<'a> {
    by_row: HashMap<Vec<u32>, &'a str>,
    words: &'a Tokenizer,
}

impl<'a> Sentences<'a> {
    pub fn of(split: &'a TextSplit) -> Self {
        let dim = split.train.dim.max(1);
        let by_row = split
            .train
            .features
            .chunks(dim)
            .zip(&split.train_text)
            .map(|(row, text)| (key(row), text.as_str()))
            .collect();
        Self {
            by_row,
            words: &split.tokenizer,
        }
    }

    /// The text of a word row: its sentence if it is a training row, else its words.
    pub fn text(&self, row: &[f32]) -> String {
        match self.by_row.get(&key(row)) {
            Some(text) => text.to_string(),
            None => {
                let ids: Vec<u32> = row.iter().map(|&v| v as u32).collect();
                self.words.decode(&ids)
            }
        }
    }

    /// WordPiece rows of `rows` (word rows of `dim` values each).
    pub fn piece_rows(&self, rows: &[f32], dim: usize, wordpiece: &WordPiece) -> Vec<f32> {
        rows.chunks(dim.max(1))
            .flat_map(|row| wordpiece.encode_padded(&self.text(row)))
            .map(|id| id as f32)
            .collect()
    }

    /// `set` with the teacher's WordPiece rows of every example.
    pub fn attach(
        &self,
        set: TransferSet,
        wordpiece: &WordPiece,
    ) -> crate::engine::error::Result<TransferSet> {
        let pieces = self.piece_rows(&set.features, set.dim, wordpiece);
        set.with_teacher_rows(pieces, wordpiece.max_len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::data::TransferConfig;
    use crate::engine::network::{BertConfig, BowConfig};
    use crate::engine::train::{DistillSettings, Trainer};
    use burn::tensor::Device;

    fn split() -> TextSplit {
        let rows = |n: usize| -> Vec<(String, u8)> {
            (0..n)
                .map(|i| {
                    let text = if i % 2 == 0 {
                        "The Café opens early"
                    } else {
                        "Stocks fell sharply"
                    };
                    (format!("{text} {i}"), (i % 2) as u8)
                })
                .collect()
        };
        let train = rows(24);
        let words = Tokenizer::build(train.iter().map(|(t, _)| t.as_str()), 1, 100, 8).unwrap();
        TextSplit::build("t", train, rows(6), 2, words).unwrap()
    }

    fn wordpiece() -> WordPiece {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/teachers/minilm/tokenizer.json");
        WordPiece::from_json(&std::fs::read(path).unwrap(), 12).unwrap()
    }

    /// Base rows get their own sentence (case and accents as written); rows made by
    /// augmentation get their words read back.
    #[test]
    fn the_teacher_reads_the_sentences_not_the_student_words() {
        let (split, wp) = (split(), wordpiece());
        let mut set = TransferSet::build(&split.train, &TransferConfig::default(), 1).unwrap();
        let copy = set.features[..set.dim].to_vec();
        set.push_augmented(copy).unwrap();
        let set = Sentences::of(&split).attach(set, &wp).unwrap();
        let (pieces, dim) = set.teacher_features();
        assert_eq!((dim, pieces.len()), (12, set.len() * 12));
        let first = Sentences::of(&split).text(&set.features[..set.dim]);
        assert!(
            first.starts_with("The Café") || first.starts_with("Stocks"),
            "{first}"
        );
        let expected: Vec<f32> = wp
            .encode_padded(&first)
            .into_iter()
            .map(|i| i as f32)
            .collect();
        assert_eq!(&pieces[..12], expected.as_slice());
        let words = split.tokenizer.decode(
            &set.features[..set.dim]
                .iter()
                .map(|&v| v as u32)
                .collect::<Vec<_>>(),
        );
        let last = &pieces[(set.len() - 1) * 12..];
        let read_back: Vec<f32> = wp
            .encode_padded(&words)
            .into_iter()
            .map(|i| i as f32)
            .collect();
        assert_eq!(
            last,
            read_back.as_slice(),
            "an augmented copy is read from its words"
        );
        assert!(set.clone().push_augmented(vec![0.0; set.dim]).is_err());
    }

    /// A student learns from a teacher that reads pieces (its soft targets only): layer and
    /// attention losses across tokenizers are refused with the reason.
    #[test]
    fn a_student_distils_from_a_teacher_of_word_pieces() {
        let (split, wp) = (split(), wordpiece());
        let device = Device::flex();
        let teacher = BertConfig {
            vocab: wp.vocab_size(),
            max_len: 12,
            width: 8,
            heads: 2,
            layers: 1,
            ff: 16,
            classes: 2,
            dropout: 0.0,
        }
        .init(&device, 1)
        .unwrap();
        let set = TransferSet::build(&split.train, &TransferConfig::default(), 1).unwrap();
        let set = Sentences::of(&split).attach(set, &wp).unwrap();
        let student = BowConfig::student(split.tokenizer.vocab_size(), 8, 2);
        let settings = DistillSettings {
            batch_size: 8,
            total_steps: 3,
            ..DistillSettings::default()
        };
        let mut trainer = Trainer::distill(
            student.clone(),
            teacher.clone(),
            set.clone(),
            settings.clone(),
            &device.clone().autodiff(),
        )
        .unwrap();
        for _ in 0..3 {
            assert!(trainer.step().unwrap().total.is_finite());
        }
        let deeper = DistillSettings {
            beta: 1.0,
            ..settings
        };
        let err = Trainer::distill(student, teacher, set, deeper, &device.autodiff())
            .err()
            .unwrap();
        assert!(err.to_string().contains("its own tokens"), "{err}");
    }
}
