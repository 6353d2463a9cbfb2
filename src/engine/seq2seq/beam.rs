//! Beam search for the encoder–decoder. Kim & Rush (2016) decode the teacher with it for
//! sequence-level distillation: the `width` most probable pronunciations of a word, each with
//! its total log-probability, instead of the greedy one.

use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::data::{BOS, EOS, MAX_LETTERS, PAD, PHONE_IDS, TARGET_LEN, edit_distance};
use super::model::{Seq2Seq, id_rows};
use crate::error::{Error, Result};

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

/// Rows of one decoder pass when many words are searched together: the words of a chunk times
/// the width.
const BEAM_ROWS: usize = 1024;

impl Seq2Seq {
    /// The `width` most probable pronunciations of `letters` that the beam finds, best first.
    /// A candidate grows by a phoneme or closes with the end token (the start and padding ids
    /// are never chosen); one still open at the length limit ends there. A width of 1 is greedy
    /// decoding, for a model that never prefers those two ids.
    pub fn beam(&self, letters: &[u32], width: usize, device: &Device) -> Result<Vec<Candidate>> {
        let mut found = self.beams(&[letters.to_vec()], width, device)?;
        Ok(found.pop().unwrap_or_default())
    }

    /// [`Seq2Seq::beam`] for every word, searched together: one decoder pass per position for
    /// a chunk of words, each word's candidates chosen apart.
    pub fn beams(
        &self,
        words: &[Vec<u32>],
        width: usize,
        device: &Device,
    ) -> Result<Vec<Vec<Candidate>>> {
        check_width(width)?;
        let mut found = Vec::with_capacity(words.len());
        for chunk in words.chunks((BEAM_ROWS / width).max(1)) {
            found.extend(self.beam_chunk(chunk, width, device)?);
        }
        Ok(found)
    }

    fn beam_chunk(
        &self,
        words: &[Vec<u32>],
        width: usize,
        device: &Device,
    ) -> Result<Vec<Vec<Candidate>>> {
        let (memory, pad) = self.encode(id_rows(words, MAX_LETTERS, device));
        let mut searches: Vec<Search> = words.iter().map(|_| Search::new()).collect();
        for t in 0..TARGET_LEN {
            let (owners, prefixes) = open_rows(&searches);
            if owners.is_empty() {
                break;
            }
            let rows = Tensor::<1, Int>::from_data(
                TensorData::new(owners.clone(), [owners.len()]),
                device,
            );
            let logits = self.decode(
                memory.clone().select(0, rows.clone()),
                pad.clone().select(0, rows),
                id_rows(&prefixes, t + 1, device),
            );
            let steps = next_log_probs(logits.narrow(1, t, 1))?;
            let mut at = 0;
            for search in searches.iter_mut().filter(|s| !s.over) {
                let n = search.open.len();
                search.advance(&steps[at..at + n], width);
                at += n;
            }
        }
        Ok(searches.into_iter().map(|s| s.finish(width)).collect())
    }

    /// The log-probability the model gives `phonemes` (then the end token, when they are
    /// shorter than the length limit) for `letters`: the score the beam ranks by.
    pub fn log_prob(&self, letters: &[u32], phonemes: &[u32], device: &Device) -> Result<f32> {
        let prefix = [&[BOS][..], phonemes].concat();
        let logits = self.forward(
            id_rows(&[letters.to_vec()], MAX_LETTERS, device),
            id_rows(&[prefix], TARGET_LEN, device),
        );
        let table = crate::train::host(log_softmax(logits, 2))?;
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

/// One word's search: the candidates still growing, those closed, and whether it is over.
struct Search {
    open: Vec<Candidate>,
    closed: Vec<Candidate>,
    over: bool,
}

impl Search {
    fn new() -> Self {
        let start = Candidate {
            phonemes: Vec::new(),
            log_prob: 0.0,
        };
        Self {
            open: vec![start],
            closed: Vec::new(),
            over: false,
        }
    }

    /// Keeps the `width` best one-id extensions of the open candidates, given each one's
    /// log-probabilities of the next id.
    fn advance(&mut self, steps: &[Vec<f32>], width: usize) {
        let mut open = Vec::with_capacity(width);
        for (from, id, log_prob) in best_extensions(&self.open, steps, width) {
            let mut phonemes = self.open[from].phonemes.clone();
            if id == EOS {
                self.closed.push(Candidate { phonemes, log_prob });
            } else {
                phonemes.push(id);
                open.push(Candidate { phonemes, log_prob });
            }
        }
        self.open = open;
        self.over = self.open.is_empty() || done(&self.open, &self.closed, width);
    }

    /// The best `width` candidates, closed or still open at the length limit.
    fn finish(mut self, width: usize) -> Vec<Candidate> {
        self.closed.extend(self.open);
        self.closed
            .sort_by(|a, b| b.log_prob.total_cmp(&a.log_prob));
        self.closed.truncate(width);
        self.closed
    }
}

/// The word (its row in the chunk) and the prefix of every open candidate of every search
/// still going, in order.
fn open_rows(searches: &[Search]) -> (Vec<i64>, Vec<Vec<u32>>) {
    let mut owners = Vec::new();
    let mut prefixes = Vec::new();
    for (word, search) in searches.iter().enumerate().filter(|(_, s)| !s.over) {
        for c in &search.open {
            owners.push(word as i64);
            prefixes.push([&[BOS][..], &c.phonemes].concat());
        }
    }
    (owners, prefixes)
}

/// The log-probabilities of the next id for each open candidate, `[candidates][PHONE_IDS]`.
fn next_log_probs(logits: Tensor<3>) -> Result<Vec<Vec<f32>>> {
    let flat = crate::train::host(log_softmax(logits, 2))?;
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
    use crate::seq2seq::data::letters;
    use crate::seq2seq::{Seq2SeqConfig, load_seq2seq};

    fn teacher(device: &Device) -> Seq2Seq {
        let path = concat!(
            concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
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
    fn greedy_decoding_with_the_cache_says_what_recomputing_every_position_says() {
        let device = Device::flex();
        let model = teacher(&device);
        let data = crate::seq2seq::G2p::from_gz(
            &std::fs::read(concat!(
                concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
                "/assets/data/cmudict/cmudict.tsv.gz"
            ))
            .expect("the shipped pairs"),
        )
        .expect("they parse");
        let words: Vec<Vec<u32>> = data.test[..300].iter().map(|p| p.letters.clone()).collect();
        let cached = model.greedy(&words, &device).unwrap();
        // A beam of 1 decodes every position afresh at each step.
        let fresh = model.beams(&words, 1, &device).unwrap();
        for ((w, c), f) in words.iter().zip(&cached).zip(&fresh) {
            assert_eq!(c, &f[0].phonemes, "{w:?}");
        }
    }

    #[test]
    fn words_searched_together_find_what_each_finds_alone() {
        let device = Device::flex();
        let model = teacher(&device);
        let words: Vec<Vec<u32>> = WORDS.iter().map(|w| letters(w).unwrap()).collect();
        let together = model.beams(&words, 3, &device).unwrap();
        assert_eq!(together.len(), WORDS.len());
        for ((word, l), found) in WORDS.iter().zip(&words).zip(&together) {
            let alone = model.beam(l, 3, &device).unwrap();
            let ids = |c: &[Candidate]| c.iter().map(|c| c.phonemes.clone()).collect::<Vec<_>>();
            assert_eq!(ids(found), ids(&alone), "{word}");
            for (a, b) in found.iter().zip(&alone) {
                assert!((a.log_prob - b.log_prob).abs() < 1e-4, "{word}");
            }
        }
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
