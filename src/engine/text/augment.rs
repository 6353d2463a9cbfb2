//! Tang et al. 2019's augmentation of the transfer set: every word is masked with probability
//! `p_mask` or, failing that, replaced with probability `p_replace`; then, with probability
//! `p_ngram`, only a random n-gram of the sentence is kept (n uniform in 1..=5). Augmented copies
//! carry no label: the teacher labels them through its soft targets.
//!
//! Tang et al. replace a word with another of the same part of speech, which needs a tagger.
//! Here a word is replaced by one of its nearest neighbours in the *teacher's* token-embedding
//! space ([`Neighbours`]): words the teacher treats alike, found without a tagger.

use burn::tensor::{Device, Tensor, TensorData};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

use super::{Special, Tokenizer};
use crate::error::{Error, Result};

/// Tang's augmentation knobs (the paper's values are the defaults).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TangAugment {
    pub p_mask: f32,
    pub p_replace: f32,
    pub p_ngram: f32,
    /// Augmented copies of every transfer sentence (Tang used 20).
    pub copies: usize,
}

impl Default for TangAugment {
    fn default() -> Self {
        Self {
            p_mask: 0.1,
            p_replace: 0.1,
            p_ngram: 0.25,
            copies: 0,
        }
    }
}

/// Longest n-gram n-gram sampling keeps.
pub const MAX_NGRAM: usize = 5;

impl TangAugment {
    pub fn validate(&self) -> Result<()> {
        for (what, p) in [
            ("p_mask", self.p_mask),
            ("p_replace", self.p_replace),
            ("p_ngram", self.p_ngram),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(Error::Settings(format!("{what} {p} must be in [0, 1]")));
            }
        }
        if self.p_mask + self.p_replace > 1.0 {
            return Err(Error::Settings(format!(
                "p_mask + p_replace = {} is more than 1",
                self.p_mask + self.p_replace
            )));
        }
        if self.copies > 20 {
            return Err(Error::Settings(format!(
                "{} augmented copies per sentence: at most 20",
                self.copies
            )));
        }
        Ok(())
    }
}

/// For every token id, its nearest words by cosine similarity of the teacher's embeddings.
#[derive(Clone, Debug, PartialEq)]
pub struct Neighbours {
    lists: Vec<Vec<u32>>,
}

impl Neighbours {
    /// The `k` nearest words of every word, from an embedding table `[vocab, width]` (row-major).
    /// Special tokens are neither replaced nor used as replacements.
    pub fn from_embeddings(table: &[f32], width: usize, k: usize) -> Result<Self> {
        if width == 0 || !table.len().is_multiple_of(width) {
            return Err(Error::Settings(
                "the embedding table does not have whole rows".into(),
            ));
        }
        let vocab = table.len() / width;
        let mut unit = table.to_vec();
        for row in unit.chunks_mut(width) {
            let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
            row.iter_mut().for_each(|v| *v /= norm);
        }
        // Cosine similarities a block of rows at a time, as one matrix product each: 6,000 words
        // are 36 M dot products, seconds in a loop on wasm, a fraction of one as matmuls.
        let device = Device::flex();
        let all = Tensor::<2>::from_data(TensorData::new(unit.clone(), [vocab, width]), &device);
        let all_t = all.transpose();
        let first_word = Special::ALL.len();
        let mut lists = vec![Vec::new(); vocab];
        for start in (first_word..vocab).step_by(NEIGHBOUR_BLOCK) {
            let end = (start + NEIGHBOUR_BLOCK).min(vocab);
            let rows = Tensor::<2>::from_data(
                TensorData::new(
                    unit[start * width..end * width].to_vec(),
                    [end - start, width],
                ),
                &device,
            );
            let scores = rows.matmul(all_t.clone()).into_data();
            let scores = scores
                .as_slice::<f32>()
                .map_err(|e| Error::Settings(format!("word similarities: {e:?}")))?;
            for (i, row) in scores.chunks(vocab).enumerate() {
                lists[start + i] = nearest(row, start + i, first_word, k);
            }
        }
        Ok(Self { lists })
    }

    pub fn of(&self, id: u32) -> &[u32] {
        self.lists.get(id as usize).map_or(&[], Vec::as_slice)
    }
}

/// Rows of similarities computed per matrix product.
const NEIGHBOUR_BLOCK: usize = 256;

/// The `k` words most similar to word `me` (ties by id), special tokens and `me` left out.
fn nearest(similarity: &[f32], me: usize, first_word: usize, k: usize) -> Vec<u32> {
    let mut scored: Vec<(f32, u32)> = similarity
        .iter()
        .enumerate()
        .skip(first_word)
        .filter(|&(j, _)| j != me)
        .map(|(j, s)| (*s, j as u32))
        .collect();
    let k = k.min(scored.len());
    if k > 0 {
        scored.select_nth_unstable_by(k - 1, |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    }
    scored.truncate(k);
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, j)| j).collect()
}

/// One augmented version of a sentence's word ids.
pub fn augment_words(
    words: &[u32],
    aug: &TangAugment,
    neighbours: Option<&Neighbours>,
    rng: &mut ChaCha8Rng,
) -> Vec<u32> {
    let mut out: Vec<u32> = words
        .iter()
        .map(|&id| {
            let u: f32 = rng.random();
            if u < aug.p_mask {
                return Special::Mask.id();
            }
            if u < aug.p_mask + aug.p_replace
                && let Some(choices) = neighbours.map(|n| n.of(id)).filter(|c| !c.is_empty())
            {
                return choices[rng.random_range(0..choices.len())];
            }
            id
        })
        .collect();
    if !out.is_empty() && rng.random::<f32>() < aug.p_ngram {
        let n = rng.random_range(1..=MAX_NGRAM).min(out.len());
        let start = rng.random_range(0..=out.len() - n);
        out = out[start..start + n].to_vec();
    }
    out
}

/// `aug.copies` augmented copies of every token row in `rows` (`max_len` ids each, as f32), as
/// rows of the same shape, seeded.
pub fn augment_examples(
    rows: &[f32],
    tokenizer: &Tokenizer,
    aug: &TangAugment,
    neighbours: Option<&Neighbours>,
    seed: u64,
) -> Result<Vec<f32>> {
    aug.validate()?;
    let len = tokenizer.max_len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7461_6e67);
    let mut out = Vec::with_capacity(rows.len() * aug.copies);
    for _ in 0..aug.copies {
        for row in rows.chunks(len) {
            let ids: Vec<u32> = row.iter().map(|&v| v as u32).collect();
            let words = augment_words(&Tokenizer::word_ids(&ids), aug, neighbours, &mut rng);
            out.extend(tokenizer.row(&words).into_iter().map(|id| id as f32));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokenizer() -> Tokenizer {
        Tokenizer::build(["a b c d e f g h a b c d e f g h"], 1, 100, 12).unwrap()
    }

    #[test]
    fn masking_alone_masks_about_p_mask_of_the_words() {
        let aug = TangAugment {
            p_mask: 0.3,
            p_replace: 0.0,
            p_ngram: 0.0,
            copies: 1,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let words: Vec<u32> = (5..13).collect();
        let (mut masked, mut total) = (0, 0);
        for _ in 0..500 {
            let out = augment_words(&words, &aug, None, &mut rng);
            assert_eq!(out.len(), words.len());
            for (a, b) in out.iter().zip(&words) {
                assert!(*a == *b || *a == Special::Mask.id());
            }
            masked += out.iter().filter(|&&id| id == Special::Mask.id()).count();
            total += out.len();
        }
        let rate = masked as f32 / total as f32;
        assert!((rate - 0.3).abs() < 0.03, "{rate}");
    }

    #[test]
    fn ngram_sampling_keeps_a_contiguous_piece_of_one_to_five_words() {
        let aug = TangAugment {
            p_mask: 0.0,
            p_replace: 0.0,
            p_ngram: 1.0,
            copies: 1,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let words: Vec<u32> = (5..13).collect();
        let mut lengths = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let out = augment_words(&words, &aug, None, &mut rng);
            lengths.insert(out.len());
            let start = words.iter().position(|w| *w == out[0]).unwrap();
            assert_eq!(out, words[start..start + out.len()]);
        }
        assert_eq!(lengths.into_iter().collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    }

    #[test]
    fn replacement_draws_from_the_nearest_words_of_the_embedding() {
        // Words 5 and 6 point the same way, 7 the opposite way, 8 at right angles.
        let mut table = vec![0.0; 5 * 2];
        table.extend([1.0, 0.0, 2.0, 0.1, -1.0, 0.0, 0.0, 1.0]);
        let near = Neighbours::from_embeddings(&table, 2, 1).unwrap();
        assert_eq!(
            (near.of(5), near.of(6), near.of(2)),
            (&[6][..], &[5][..], &[][..])
        );
        let aug = TangAugment {
            p_mask: 0.0,
            p_replace: 1.0,
            p_ngram: 0.0,
            copies: 1,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        assert_eq!(
            augment_words(&[5, 6, 5], &aug, Some(&near), &mut rng),
            [6, 5, 6]
        );
    }

    #[test]
    fn copies_are_seeded_rows_of_the_same_shape() {
        let t = tokenizer();
        let rows: Vec<f32> = t
            .encode("a b c d e f g h")
            .unwrap()
            .into_iter()
            .map(|id| id as f32)
            .collect();
        let aug = TangAugment {
            copies: 3,
            ..Default::default()
        };
        let out = augment_examples(&rows, &t, &aug, None, 9).unwrap();
        assert_eq!(out.len(), 3 * rows.len());
        assert_eq!(out, augment_examples(&rows, &t, &aug, None, 9).unwrap());
        assert_ne!(out, augment_examples(&rows, &t, &aug, None, 10).unwrap());
        for row in out.chunks(12) {
            assert_eq!(row[0], Special::Cls.id() as f32);
        }
        let too_many = TangAugment {
            copies: 21,
            ..Default::default()
        };
        assert!(augment_examples(&rows, &t, &too_many, None, 9).is_err());
    }
}
