//! A transfer set of word rows, read again by a teacher that tokenizes differently: MiniLM's
//! WordPiece rows of the same examples, in the same order. A row of the training split gets its
//! original sentence (casing, accents and rare words intact: what the teacher was fine-tuned
//! on); an augmented copy, which exists only as word ids, gets its words read back.

use std::collections::HashMap;

use crate::data::TransferSet;

use super::Tokenizer;
use super::align::piece_words;
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

    /// The text of a word row and the words of its row in order: its sentence and that
    /// sentence's words if it is a training row, else the words of its ids.
    pub fn text_and_words(&self, row: &[f32]) -> (String, Vec<String>) {
        match self.by_row.get(&key(row)) {
            Some(text) => (text.to_string(), super::words(text)),
            None => {
                let ids: Vec<u32> = row.iter().map(|&v| v as u32).collect();
                let words: Vec<String> = Tokenizer::word_ids(&ids)
                    .iter()
                    .map(|&id| self.words.word(id).to_string())
                    .collect();
                (words.join(" "), words)
            }
        }
    }

    /// The text of a word row: its sentence if it is a training row, else its words.
    pub fn text(&self, row: &[f32]) -> String {
        self.text_and_words(row).0
    }

    /// WordPiece rows of `rows` (word rows of `dim` values each), and for each piece the word
    /// of its row it belongs to ([`piece_words`]).
    pub fn piece_rows(
        &self,
        rows: &[f32],
        dim: usize,
        wordpiece: &WordPiece,
    ) -> (Vec<f32>, Vec<u16>) {
        let (mut pieces, mut aligned) = (Vec::new(), Vec::new());
        for row in rows.chunks(dim.max(1)) {
            let (text, words) = self.text_and_words(row);
            pieces.extend(
                wordpiece
                    .encode_padded(&text)
                    .into_iter()
                    .map(|id| id as f32),
            );
            aligned.extend(piece_words(&text, &words, dim, wordpiece));
        }
        (pieces, aligned)
    }

    /// `set` with the teacher's WordPiece rows of every example, aligned with its words.
    pub fn attach(
        &self,
        set: TransferSet,
        wordpiece: &WordPiece,
    ) -> crate::error::Result<TransferSet> {
        let (pieces, aligned) = self.piece_rows(&set.features, set.dim, wordpiece);
        set.with_teacher_rows(pieces, wordpiece.max_len())?
            .with_alignment(aligned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::TransferConfig;
    use crate::network::{BertConfig, BowConfig};
    use crate::train::{DistillSettings, Trainer};
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
        let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
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

    fn piece_teacher(wp: &WordPiece, heads: usize) -> crate::network::Network {
        BertConfig {
            vocab: wp.vocab_size(),
            max_len: 12,
            width: 8,
            heads,
            layers: 2,
            ff: 16,
            classes: 2,
            dropout: 0.0,
        }
        .init(&Device::flex(), 1)
        .map(crate::network::Network::Bert)
        .unwrap()
    }

    /// Without an alignment a teacher of pieces teaches through its soft targets alone: layer
    /// and attention losses are refused with the reason.
    #[test]
    fn an_unaligned_teacher_of_word_pieces_gives_soft_targets_only() {
        let (split, wp) = (split(), wordpiece());
        let device = Device::flex().autodiff();
        let teacher = piece_teacher(&wp, 2);
        let set = TransferSet::build(&split.train, &TransferConfig::default(), 1).unwrap();
        let (pieces, _) = Sentences::of(&split).piece_rows(&set.features, set.dim, &wp);
        let set = set.with_teacher_rows(pieces, 12).unwrap();
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
            &device,
        )
        .unwrap();
        for _ in 0..3 {
            assert!(trainer.step().unwrap().total.is_finite());
        }
        let deeper = DistillSettings {
            beta: 1.0,
            ..settings
        };
        let err = Trainer::distill(student, teacher, set, deeper, &device)
            .err()
            .unwrap();
        assert!(err.to_string().contains("no alignment"), "{err}");
    }

    /// Aligned, a transformer student learns the teacher's pooled states (its hidden term
    /// falls, from a forward pass or the cache), TinyBERT's attention with the teacher's 4 heads averaged into its 2, and
    /// MiniLM's relations over words.
    #[test]
    fn an_aligned_teacher_of_word_pieces_teaches_layers_and_attention() {
        use crate::loss::AttentionLoss;
        use crate::network::TransformerConfig;
        let (split, wp) = (split(), wordpiece());
        let device = Device::flex().autodiff();
        let teacher = piece_teacher(&wp, 4);
        let set = TransferSet::build(&split.train, &TransferConfig::default(), 1).unwrap();
        let set = Sentences::of(&split).attach(set, &wp).unwrap();
        let student = TransformerConfig {
            heads: 2,
            ..TransformerConfig::student(split.tokenizer.vocab_size(), 8, 2)
        };
        // Without attention the teacher's pooled states come from its cache.
        let arms = [
            (AttentionLoss::TinyBert, 1.0),
            (AttentionLoss::MiniLm, 1.0),
            (AttentionLoss::Off, 0.0),
        ];
        for (attention_loss, gamma) in arms {
            let settings = DistillSettings {
                batch_size: 8,
                total_steps: 40,
                learning_rate: 0.01,
                beta: 1.0,
                gamma,
                attention_loss,
                ..DistillSettings::default()
            };
            let mut trainer = Trainer::distill(
                student.clone(),
                teacher.clone(),
                set.clone(),
                settings,
                &device,
            )
            .unwrap();
            let hidden: Vec<f32> = (0..40).map(|_| trainer.step().unwrap().hidden).collect();
            let attention = trainer.step().unwrap().attention;
            assert_eq!(
                attention > 0.0,
                gamma > 0.0,
                "{attention_loss:?}: {attention}"
            );
            let (first, last) = (
                hidden[..5].iter().sum::<f32>(),
                hidden[35..].iter().sum::<f32>(),
            );
            assert!(last < 0.7 * first, "{attention_loss:?}: {hidden:?}");
        }
    }
}
