//! Beam search for the encoder–decoder. Kim & Rush (2016) decode the teacher with it for
//! sequence-level distillation: the `width` most probable pronunciations of a word, each with
//! its total log-probability, instead of the greedy one.

use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::data::{BOS, EOS, MAX_LETTERS, PAD, PHONE_IDS, TARGET_LEN, edit_distance};
use super::model::{Seq2Seq, id_rows};
use crate::engine::error::{Error, Result};

/// The widest beam the engine takes: wider only costs time on words of up to 14 phonemes.
pub const MAX_BEAM: usize = 64;

/// One pronunciation found by the search, with its log-probability under the model (its end
/// token's included, when it ended before the length limit).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub phonemes: Vec<u32>,
    pub log_prob: f32,
}

/// Refused with the reason unless 1 ≤ `width` ≤ [`MAX_BEAM`].
pub fn check_width(width: usize) -> Result<()> {
    if (1..=MAX_BEAM).contains(&width) {
        return Ok(());
    }
    Err(Error::Settings(format!(
        "a beam of {width}: the beam keeps 1 to {MAX_BEAM} candidates (1 is greedy decoding)"
    )))
}

impl Seq2Seq {
    /// The `width` most probable pronunciations of `letters` that the beam finds, best first.
    /// A candidate grows by a phoneme or closes with the end token (the start and padding ids
    /// are never chosen); one still open at the length limit ends there. A width of 1 is greedy
    /// decoding, for a model that never prefers those two ids.
    pub fn beam(&self, letters: &[u32], width: usize, device: &Device) -> Result<Vec<Candidate>> {
        check_width(width)?;
        let (memory, pad) = self.encode(id_rows(&[letters.to_vec()], MAX_LETTERS, device));
        let mut open = vec![Candidate {
            phonemes: Vec::new(),
            log_prob: 0.0,
        }];
        let mut closed = Vec::new();
        for t in 0..TARGET_LEN {
            let k = open.len();
            let prefixes: Vec<Vec<u32>> = open
                .iter()
                .map(|c| [&[BOS][..], &c.phonemes].concat())
                .collect();
            let logits = self.decode(
                memory.clone().repeat_dim(0, k),
                pad.clone().repeat_dim(0, k),
                id_rows(&prefixes, t + 1, device),
            );
            let steps = next_log_probs(logits.narrow(1, t, 1))?;
            let best = best_extensions(&open, &steps, width);
            open = Vec::with_capacity(width);
            for (from, id, log_prob) in best {
                let mut phonemes = open_phonemes(&prefixes[from]);
                let ends = id == EOS;
                if !ends {
                    phonemes.push(id);
                }
                let candidate = Candidate { phonemes, log_prob };
                if ends {
                    closed.push(candidate)
                } else {
                    open.push(candidate)
                }
            }
            if open.is_empty() || done(&open, &closed, width) {
                break;
            }
        }
        closed.extend(open);
        closed.sort_by(|a, b| b.log_prob.total_cmp(&a.log_prob));
        closed.truncate(width);
        Ok(closed)
    }

    /// The log-probability the model gives `phonemes` (then the end token, when they are
    /// shorter than the length limit) for `letters`: the score the beam ranks by.
    pub fn log_prob(&self, letters: &[u32], phonemes: &[u32], device: &Device) -> Result<f32> {
        let prefix = [&[BOS][..], phonemes].concat();
        let logits = self.forward(
            id_rows(&[letters.to_vec()], MAX_LETTERS, device),
            id_rows(&[prefix], TARGET_LEN, device),
        );
        let table = crate::engine::train::host(log_softmax(logits, 2))?;
        let mut total = 0.0;
        for (t, &id) in phonemes.iter().chain(&[EOS]).enumerate().take(TARGET_LEN) {
            total += table[t * PHONE_IDS + id as usize];
        }
        Ok(total)
    }
}

/// Sequence-level interpolation (Kim & Rush 2016): of the teacher's beam, the candidate closest
/// to the gold pronunciation (fewest phoneme edits; the more probable of two as close). `None`
/// for an empty beam.
pub fn closest_to_gold<'a>(candidates: &'a [Candidate], gold: &[u32]) -> Option<&'a Candidate> {
    candidates.iter().min_by(|a, b| {
        let (da, db) = (
            edit_distance(gold, &a.phonemes),
            edit_distance(gold, &b.phonemes),
        );
        da.cmp(&db).then(b.log_prob.total_cmp(&a.log_prob))
    })
}

/// The phonemes of a prefix (without its start token).
fn open_phonemes(prefix: &[u32]) -> Vec<u32> {
    prefix[1..].to_vec()
}

/// The log-probabilities of the next id for each open candidate, `[candidates][PHONE_IDS]`.
fn next_log_probs(logits: Tensor<3>) -> Result<Vec<Vec<f32>>> {
    let flat = crate::engine::train::host(log_softmax(logits, 2))?;
    Ok(flat.chunks(PHONE_IDS).map(<[f32]>::to_vec).collect())
}

/// The `width` best one-id extensions of the open candidates: `(candidate, id, total)`.
fn best_extensions(open: &[Candidate], steps: &[Vec<f32>], width: usize) -> Vec<(usize, u32, f32)> {
    let mut all: Vec<(usize, u32, f32)> = Vec::with_capacity(open.len() * PHONE_IDS);
    for (from, (c, step)) in open.iter().zip(steps).enumerate() {
        let ids = step
            .iter()
            .enumerate()
            .filter(|(id, _)| ![PAD, BOS].contains(&(*id as u32)));
        for (id, lp) in ids {
            all.push((from, id as u32, c.log_prob + lp));
        }
    }
    all.sort_by(|a, b| b.2.total_cmp(&a.2));
    all.truncate(width);
    all
}

/// Whether no open candidate can still beat the worst of `width` closed ones: a log-probability
/// only falls as a candidate grows.
fn done(open: &[Candidate], closed: &[Candidate], width: usize) -> bool {
    if closed.len() < width {
        return false;
    }
    let mut scores: Vec<f32> = closed.iter().map(|c| c.log_prob).collect();
    scores.sort_by(|a, b| b.total_cmp(a));
    let bar = scores[width - 1];
    open.iter().all(|c| c.log_prob <= bar)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::seq2seq::data::letters;
    use crate::engine::seq2seq::{Seq2SeqConfig, load_seq2seq};

    fn teacher(device: &Device) -> Seq2Seq {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/assets/teachers/cmudict.safetensors"
        );
        let bytes = std::fs::read(path).expect("the shipped pronouncing teacher");
        load_seq2seq(&bytes, device).expect("it loads").0
    }

    const WORDS: [&str; 8] = [
        "cat", "through", "knight", "photo", "queue", "zebra", "bough", "xylem",
    ];

    #[test]
    fn a_beam_of_one_is_greedy_decoding() {
        let device = Device::flex();
        let model = teacher(&device);
        for word in WORDS {
            let l = letters(word).unwrap();
            let greedy = model
                .greedy(std::slice::from_ref(&l), &device)
                .unwrap()
                .concat();
            let beam = model.beam(&l, 1, &device).unwrap();
            assert_eq!(beam.len(), 1);
            assert_eq!(beam[0].phonemes, greedy, "{word}");
        }
    }

    #[test]
    fn candidates_are_distinct_best_first_and_scored_as_the_model_scores_them() {
        let device = Device::flex();
        let model = teacher(&device);
        let (mut greedy_total, mut beam_total) = (0.0, 0.0);
        for word in WORDS {
            let l = letters(word).unwrap();
            let found = model.beam(&l, 4, &device).unwrap();
            assert_eq!(found.len(), 4, "{word}");
            assert!(found.windows(2).all(|w| w[0].log_prob >= w[1].log_prob));
            for (i, c) in found.iter().enumerate() {
                assert!(
                    found[..i].iter().all(|o| o.phonemes != c.phonemes),
                    "{word}"
                );
                let scored = model.log_prob(&l, &c.phonemes, &device).unwrap();
                assert!(
                    (scored - c.log_prob).abs() < 1e-3,
                    "{word}: {scored} against {}",
                    c.log_prob
                );
            }
            let greedy = model
                .greedy(std::slice::from_ref(&l), &device)
                .unwrap()
                .concat();
            greedy_total += model.log_prob(&l, &greedy, &device).unwrap();
            beam_total += found[0].log_prob;
        }
        // The beam's best is at least as probable as the greedy pronunciation on the whole.
        assert!(
            beam_total >= greedy_total - 1e-3,
            "{beam_total} against {greedy_total}"
        );
    }

    #[test]
    fn interpolation_takes_the_candidate_nearest_gold_then_the_more_probable() {
        let c = |phonemes: Vec<u32>, log_prob: f32| Candidate { phonemes, log_prob };
        let beam = [
            c(vec![5, 6, 7], -0.5),
            c(vec![5, 9, 7], -1.0),
            c(vec![5, 9, 8], -0.7),
        ];
        // Gold 5 9 7: the second candidate matches it, though the first is more probable.
        assert_eq!(closest_to_gold(&beam, &[5, 9, 7]), Some(&beam[1]));
        // Gold 5 6 8: the first and the third are one edit away; the first is more probable.
        assert_eq!(closest_to_gold(&beam, &[5, 6, 8]), Some(&beam[0]));
        assert_eq!(closest_to_gold(&[], &[5]), None);
    }

    #[test]
    fn a_beam_of_zero_or_past_the_limit_is_refused_with_the_reason() {
        let device = Device::flex();
        let model = Seq2SeqConfig::student().init(&device).unwrap();
        for width in [0, MAX_BEAM + 1] {
            let err = model.beam(&[3, 4], width, &device).unwrap_err().to_string();
            assert!(err.contains(&format!("a beam of {width}")), "{err}");
        }
    }
}
