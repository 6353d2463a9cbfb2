//! Sequence-level KD on CMUdict: the student's targets (one control), the scores, and a typed
//! word's pronunciation by the teacher and the student with each position's distribution.

use crate::engine::seq2seq::data::{PHONES, spell};
use crate::engine::seq2seq::{G2pScore, Targets};

#[derive(Clone, Debug, PartialEq)]
pub struct SequenceLab {
    pub targets: Targets,
    /// The data and the teacher are loaded (with the teacher's score on the page's test words).
    pub teacher: Option<G2pScore>,
    pub progress: Option<(usize, usize)>,
    pub working_on: Option<String>,
    /// The students trained in this visit: what each learned from, and its score.
    pub students: Vec<(Targets, G2pScore)>,
    pub said: Option<Said>,
}

impl Default for SequenceLab {
    fn default() -> Self {
        Self {
            targets: Targets::Sequence,
            teacher: None,
            progress: None,
            working_on: None,
            students: Vec::new(),
            said: None,
        }
    }
}

/// A word as the teacher and the latest student pronounce it.
#[derive(Clone, Debug, PartialEq)]
pub struct Said {
    pub word: String,
    pub teacher: Pronunciation,
    pub student: Option<Pronunciation>,
}

/// Phoneme ids and, per position, the distribution over phoneme ids.
#[derive(Clone, Debug, PartialEq)]
pub struct Pronunciation {
    pub ids: Vec<u32>,
    pub positions: Vec<Vec<f32>>,
}

impl Pronunciation {
    pub fn arpabet(&self) -> String {
        spell(&self.ids)
    }

    /// The `k` likeliest choices at position `i`, named ("end" for the end token).
    pub fn top(&self, i: usize, k: usize) -> Vec<(String, f32)> {
        let Some(p) = self.positions.get(i) else {
            return Vec::new();
        };
        let mut order: Vec<usize> = (0..p.len()).collect();
        order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
        order
            .into_iter()
            .take(k)
            .map(|id| (name(id as u32), p[id]))
            .collect()
    }
}

fn name(id: u32) -> String {
    match id {
        0 => "pad".into(),
        1 => "start".into(),
        2 => "end".into(),
        id => PHONES
            .get(id as usize - 3)
            .map_or("?".into(), |p| p.to_string()),
    }
}

pub enum SequenceAction {
    Targets(Targets),
    Loaded(G2pScore),
    Progress(Option<(usize, usize)>, Option<String>),
    Student(Option<(Targets, G2pScore)>),
    Said(Said),
}

impl SequenceLab {
    pub fn apply(&mut self, action: SequenceAction) {
        match action {
            SequenceAction::Targets(t) => self.targets = t,
            SequenceAction::Loaded(score) => self.teacher = Some(score),
            SequenceAction::Progress(p, what) => {
                self.progress = p;
                self.working_on = what;
            }
            SequenceAction::Student(done) => {
                self.progress = None;
                self.working_on = None;
                self.students.extend(done);
            }
            SequenceAction::Said(said) => self.said = Some(said),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_name_their_likeliest_phonemes() {
        // Ids: pad, start, end, AA, AE, AH, ...
        let p = Pronunciation {
            ids: vec![3, 5],
            positions: vec![
                vec![0.0, 0.0, 0.1, 0.6, 0.3],
                vec![0.0, 0.0, 0.9, 0.05, 0.05],
            ],
        };
        assert_eq!(p.arpabet(), "AA AH");
        assert_eq!(p.top(0, 2), vec![("AA".into(), 0.6), ("AE".into(), 0.3)]);
        assert_eq!(p.top(1, 1), vec![("end".into(), 0.9)]);
        assert!(p.top(2, 3).is_empty());
        let mut lab = SequenceLab::default();
        lab.apply(SequenceAction::Progress(Some((1, 4)), Some("x".into())));
        let score = G2pScore {
            sequence_accuracy: 0.3,
            phoneme_error_rate: 0.2,
        };
        lab.apply(SequenceAction::Student(Some((Targets::Word, score))));
        assert_eq!((lab.progress, lab.students.len()), (None, 1));
    }
}
