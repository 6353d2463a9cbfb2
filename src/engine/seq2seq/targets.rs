//! What an encoder–decoder student learns from (Kim & Rush 2016): the dictionary's
//! pronunciations, or the teacher's, decoded greedily, from its beam, or the beam's candidate
//! nearest the dictionary's (sequence-level interpolation).

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::beam::{Candidate, closest_to_gold};
use super::data::Pair;
use super::model::Seq2Seq;
use super::train::Seq2SeqSettings;
use crate::error::{Error, Result};

/// What the student learns from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Targets {
    /// The dictionary's pronunciations (no teacher).
    Gold,
    /// Word-level KD: the teacher's distribution at each position of the gold pronunciation.
    Word,
    /// Sequence-level KD: the teacher's greedy pronunciation of each word, as if it were gold.
    Sequence,
    /// Both: the teacher's pronunciations, and its distributions along them.
    Both,
    /// Sequence-level interpolation: of the teacher's beam, the candidate nearest the gold
    /// pronunciation (fewest edits).
    Interpolated,
}

impl Targets {
    pub const ALL: [Targets; 5] = [
        Targets::Gold,
        Targets::Word,
        Targets::Sequence,
        Targets::Both,
        Targets::Interpolated,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Targets::Gold => "gold",
            Targets::Word => "word",
            Targets::Sequence => "sequence",
            Targets::Both => "both",
            Targets::Interpolated => "interpolated",
        }
    }

    pub fn needs_teacher(self) -> bool {
        self != Targets::Gold
    }

    /// Whether the targets are decoded by the teacher (greedily, or with its beam).
    pub fn uses_beam(self) -> bool {
        matches!(
            self,
            Targets::Sequence | Targets::Both | Targets::Interpolated
        )
    }
}

impl std::str::FromStr for Targets {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Targets::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| {
                Error::Settings(format!(
                    "unknown targets '{s}' (gold, word, sequence, both or interpolated)"
                ))
            })
    }
}

/// The width must be one the beam takes, and interpolation needs two candidates to choose from.
pub(super) fn check_beam(settings: &Seq2SeqSettings) -> Result<()> {
    super::beam::check_width(settings.beam)?;
    if settings.targets == Targets::Interpolated && settings.beam < 2 {
        return Err(Error::Settings(format!(
            "sequence-level interpolation picks the teacher's candidate nearest the gold one, \
             and a beam of {} gives one candidate: take a beam of 2 or more (Kim & Rush used 5)",
            settings.beam
        )));
    }
    Ok(())
}

/// The teacher's pronunciation of each word: greedy for a beam of 1, else the best of its beam.
pub(super) fn sequence_targets(
    teacher: &Seq2Seq,
    words: &[Vec<u32>],
    beam: usize,
    device: &Device,
) -> Result<Vec<Vec<u32>>> {
    if beam == 1 {
        return teacher.greedy(words, device);
    }
    let found = teacher.beams(words, beam, device)?;
    Ok(found.iter().map(|c| best(c).to_vec()).collect())
}

fn best(candidates: &[Candidate]) -> &[u32] {
    candidates.first().map_or(&[], |c| &c.phonemes)
}

/// The pronunciations the student learns for `pairs` under `settings`: the dictionary's, or the
/// teacher's. Decoding is per word, so a caller may decode a few words at a time.
pub fn decode_targets(
    teacher: Option<&Seq2Seq>,
    pairs: &[Pair],
    settings: &Seq2SeqSettings,
    device: &Device,
) -> Result<Vec<Vec<u32>>> {
    let words = || pairs.iter().map(|p| p.letters.clone()).collect::<Vec<_>>();
    match (teacher, settings.targets) {
        (Some(t), Targets::Sequence | Targets::Both) => {
            sequence_targets(t, &words(), settings.beam, device)
        }
        (Some(t), Targets::Interpolated) => {
            let found = t.beams(&words(), settings.beam, device)?;
            Ok(from_beam(Targets::Interpolated, pairs, &found))
        }
        _ => Ok(pairs.iter().map(|p| p.phones.clone()).collect()),
    }
}

/// The targets that the teacher's beams `found` (one per pair) give: the best candidate for
/// sequence-level KD, the one nearest the dictionary's for interpolation, and the dictionary's
/// own for gold and word-level KD. One search serves every kind.
pub fn from_beam(targets: Targets, pairs: &[Pair], found: &[Vec<Candidate>]) -> Vec<Vec<u32>> {
    let pick = |(p, c): (&Pair, &Vec<Candidate>)| match targets {
        Targets::Sequence | Targets::Both => best(c).to_vec(),
        Targets::Interpolated => {
            closest_to_gold(c, &p.phones).map_or_else(|| p.phones.clone(), |c| c.phonemes.clone())
        }
        Targets::Gold | Targets::Word => p.phones.clone(),
    };
    pairs.iter().zip(found).map(pick).collect()
}
