//! Every tunable number's one declaration: its key (in links and saved settings), what it is
//! called in messages, its bounds and its default. The trainer's checks, the page's link and
//! saved-settings reader, its controls and the CLI all read these, so a value one of them takes
//! is a value all of them take.

use std::fmt::Display;

use crate::error::{Error, Result};

/// A numeric setting: inclusive bounds and a default.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bound<T> {
    /// Its key in a link (`#T=4&alpha=0.5…`).
    pub key: &'static str,
    /// Its name in messages.
    pub what: &'static str,
    pub min: T,
    pub max: T,
    pub default: T,
}

impl<T: PartialOrd + Display + Copy> Bound<T> {
    pub fn contains(&self, v: T) -> bool {
        // NaN is neither ≥ min nor ≤ max, so it is never contained.
        v >= self.min && v <= self.max
    }

    /// `v` if it lies within the bounds, or an error that gives them.
    pub fn check(&self, v: T) -> Result<T> {
        if self.contains(v) {
            Ok(v)
        } else {
            Err(Error::Settings(format!(
                "{} = {v} is out of range: it must lie between {} and {}",
                self.what, self.min, self.max
            )))
        }
    }
}

/// Softmax temperature T (the page's slider is logarithmic between these bounds).
pub const TEMPERATURE: Bound<f32> = Bound {
    key: "T",
    what: "temperature T",
    min: 0.5,
    max: 50.0,
    default: 4.0,
};

/// α: the weight of the hard-label cross-entropy (the soft term gets 1 − α).
pub const ALPHA: Bound<f32> = Bound {
    key: "alpha",
    what: "α",
    min: 0.0,
    max: 1.0,
    default: 0.5,
};

/// β: the weight of the hidden-state terms.
pub const BETA: Bound<f32> = Bound {
    key: "beta",
    what: "β",
    min: 0.0,
    max: 10.0,
    default: 0.0,
};

/// Weight of the attention-transfer term (TinyBERT, MiniLM).
pub const GAMMA: Bound<f32> = Bound {
    key: "gamma",
    what: "γ",
    min: 0.0,
    max: 100.0,
    default: 1.0,
};

pub const LEARNING_RATE: Bound<f64> = Bound {
    key: "lr",
    what: "learning rate",
    min: 1e-5,
    max: 1.0,
    default: 1e-3,
};

pub const BATCH_SIZE: Bound<usize> = Bound {
    key: "batch",
    what: "batch size",
    min: 1,
    max: 4096,
    default: 64,
};

/// The share of the training examples that keep their labels in the transfer set.
pub const LABELED_FRACTION: Bound<f32> = Bound {
    key: "labeled",
    what: "labeled fraction",
    min: 0.01,
    max: 1.0,
    default: 0.1,
};

/// Augmented copies of every transfer example (each adds the whole set again).
pub const AUGMENT_COPIES: Bound<usize> = Bound {
    key: "augment",
    what: "augmented copies",
    min: 0,
    max: 4,
    default: 0,
};

/// Hidden layers of the page's students.
pub const STUDENT_DEPTH: Bound<usize> = Bound {
    key: "student",
    what: "student hidden layers",
    min: 1,
    max: 6,
    default: 3,
};

/// Width of each hidden layer of the page's students.
pub const STUDENT_WIDTH: Bound<usize> = Bound {
    key: "student",
    what: "student width",
    min: 1,
    max: 256,
    default: 32,
};

/// Width of the page's text students (embeddings, states, blocks).
pub const TEXT_WIDTH: Bound<usize> = Bound {
    key: "text",
    what: "text student width",
    min: 4,
    max: 128,
    default: 32,
};

/// Transformer blocks (or bag-of-words ReLU layers) of the page's text students.
pub const TEXT_DEPTH: Bound<usize> = Bound {
    key: "text",
    what: "text student blocks",
    min: 1,
    max: 4,
    default: 2,
};

/// Attention heads per block of the page's transformer students.
pub const HEADS: Bound<usize> = Bound {
    key: "heads",
    what: "attention heads",
    min: 1,
    max: 8,
    default: 4,
};

/// Tang et al.'s augmentation: the chance a word is masked.
pub const P_MASK: Bound<f32> = Bound {
    key: "pMask",
    what: "masking probability",
    min: 0.0,
    max: 1.0,
    default: 0.1,
};

/// The chance a word is replaced by one of its nearest words.
pub const P_REPLACE: Bound<f32> = Bound {
    key: "pReplace",
    what: "replacement probability",
    min: 0.0,
    max: 1.0,
    default: 0.1,
};

/// The chance a sentence is cut to one of its n-grams.
pub const P_NGRAM: Bound<f32> = Bound {
    key: "pNgram",
    what: "n-gram probability",
    min: 0.0,
    max: 1.0,
    default: 0.25,
};

/// The test example on show.
pub const EXAMPLE: Bound<usize> = Bound {
    key: "example",
    what: "example",
    min: 0,
    max: 100_000,
    default: 0,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive_and_refuse_nan() {
        assert_eq!(TEMPERATURE.check(0.5).unwrap(), 0.5);
        assert_eq!(TEMPERATURE.check(50.0).unwrap(), 50.0);
        let err = TEMPERATURE.check(0.49).unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid training settings: temperature T = 0.49 is out of range: it must lie between 0.5 and 50"
        );
        assert!(!ALPHA.contains(f32::NAN));
        assert!(BATCH_SIZE.check(0).is_err() && BATCH_SIZE.check(4097).is_err());
    }

    #[test]
    fn every_default_lies_within_its_bounds() {
        for b in [TEMPERATURE, ALPHA, BETA, LABELED_FRACTION] {
            assert!(b.contains(b.default), "{}", b.key);
        }
        assert!(LEARNING_RATE.contains(LEARNING_RATE.default));
        for b in [
            BATCH_SIZE,
            AUGMENT_COPIES,
            STUDENT_DEPTH,
            STUDENT_WIDTH,
            EXAMPLE,
        ] {
            assert!(b.contains(b.default), "{}", b.what);
        }
    }
}
