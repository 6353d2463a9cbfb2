//! Which shipped teacher a set is distilled from. Brown's genres come with two: a transformer
//! trained here from scratch on the labels, and the pretrained MiniLM fine-tuned on them, so the
//! page can put what pretraining gives beside what it does not.

use serde::{Deserialize, Serialize};

use crate::engine::catalog::DatasetKind;
use crate::engine::error::{Error, Result};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShippedTeacher {
    /// The network trained here from scratch on the set's labels (every set has one).
    #[default]
    Scratch,
    /// MiniLM-L3, pretrained on English text and paraphrases, fine-tuned on the set (Brown genres).
    Minilm,
}

impl ShippedTeacher {
    /// Its spelling in a link.
    pub fn name(self) -> &'static str {
        match self {
            ShippedTeacher::Scratch => "scratch",
            ShippedTeacher::Minilm => "minilm",
        }
    }

    /// What the teacher menu calls it.
    pub fn title(self) -> &'static str {
        match self {
            ShippedTeacher::Scratch => "transformer trained here",
            ShippedTeacher::Minilm => "MiniLM, pretrained",
        }
    }

    /// One line on what this teacher is, for the menu.
    pub fn explain(self, kind: DatasetKind) -> &'static str {
        match (self, kind) {
            (ShippedTeacher::Minilm, _) => {
                "MiniLM-L3 (17 M parameters) was pretrained on English text and paraphrase pairs, then fine-tuned here on the genres: 33.2 % of Brown's test sentences. It reads word pieces; its pieces are pooled onto the students' words."
            }
            (ShippedTeacher::Scratch, DatasetKind::Brown) => {
                "A 3-block transformer of the students' words, trained here from scratch on the genres' labels alone: 24.1 % of Brown's test sentences, what a teacher knows without pretraining. It reads the same words as the students."
            }
            (ShippedTeacher::Scratch, _) => {
                "The network trained from scratch on this set's labels, shipped with the page."
            }
        }
    }

    /// The teachers a set ships, its default first.
    pub fn offered(kind: DatasetKind) -> &'static [ShippedTeacher] {
        match kind {
            DatasetKind::Brown => &[ShippedTeacher::Minilm, ShippedTeacher::Scratch],
            _ => &[ShippedTeacher::Scratch],
        }
    }

    /// The teacher a set opens with.
    pub fn default_for(kind: DatasetKind) -> Self {
        Self::offered(kind)[0]
    }

    /// Refused with the reason when `kind` does not ship this teacher.
    pub fn check(self, kind: DatasetKind) -> Result<()> {
        if Self::offered(kind).contains(&self) {
            return Ok(());
        }
        Err(Error::Settings(format!(
            "{} ships no {} teacher: MiniLM is fine-tuned on Brown's genres only",
            kind.title(),
            self.title()
        )))
    }
}

impl std::str::FromStr for ShippedTeacher {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        [ShippedTeacher::Scratch, ShippedTeacher::Minilm]
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| Error::Settings(format!("'{s}' is not a teacher: scratch or minilm")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brown_opens_on_minilm_and_offers_the_scratch_teacher_too() {
        assert_eq!(
            ShippedTeacher::default_for(DatasetKind::Brown),
            ShippedTeacher::Minilm
        );
        ShippedTeacher::Scratch
            .check(DatasetKind::Brown)
            .expect("Brown ships a scratch teacher");
        for kind in [DatasetKind::Spam, DatasetKind::Digits, DatasetKind::Mnist] {
            assert_eq!(ShippedTeacher::default_for(kind), ShippedTeacher::Scratch);
            let err = ShippedTeacher::Minilm.check(kind).unwrap_err().to_string();
            assert!(err.contains("Brown's genres only"), "{err}");
        }
    }

    #[test]
    fn spellings_round_trip_and_a_bad_one_is_named() {
        for t in [ShippedTeacher::Scratch, ShippedTeacher::Minilm] {
            assert_eq!(t.name().parse::<ShippedTeacher>().ok(), Some(t));
        }
        let err = "bert".parse::<ShippedTeacher>().unwrap_err().to_string();
        assert!(err.contains("'bert'"), "{err}");
    }
}
