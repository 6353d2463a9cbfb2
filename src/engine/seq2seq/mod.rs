//! Sequence-level knowledge distillation (Kim & Rush 2016) on a real sequence task: CMUdict's
//! grapheme-to-phoneme pairs. A transformer encoder–decoder teacher spells a word's
//! pronunciation one phoneme at a time; a smaller student learns it from the gold
//! pronunciations, from the teacher's distribution at each position (word level), from the
//! teacher's own greedy pronunciations (sequence level), or from both.

pub mod beam;
pub mod data;
pub mod file;
pub mod model;
pub mod targets;
pub mod train;

pub use beam::{Candidate, MAX_BEAM};
pub use data::{G2p, Pair};
pub use file::{load_seq2seq, save_seq2seq};
pub use model::{Seq2Seq, Seq2SeqConfig};
pub use targets::{Targets, decode_targets, from_beam};
pub use train::{G2pScore, Seq2SeqSettings, Seq2SeqTrainer, evaluate, evaluate_beam};
