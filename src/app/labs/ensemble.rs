//! An ensemble of teachers (MT-DNN): the page's teacher and teachers trained here with other
//! seeds, their weights (live while a student learns from them), and the accuracies to compare.

use crate::engine::loss::host;

/// At most this many teachers in the page (each trains for a few seconds).
pub const MAX_TEACHERS: usize = 4;

#[derive(Clone, Debug, PartialEq)]
pub struct EnsembleLab {
    /// The student has the teachers' shape (MT-DNN's setting, where the claim is made), not the
    /// page's smaller student.
    pub teacher_sized: bool,
    pub teachers: Vec<Member>,
    /// One per teacher, as the sliders set them (not normalised).
    pub weights: Vec<f32>,
    /// Every teacher's test logits (host, `[examples × classes]` each), so the ensemble's
    /// accuracy follows the sliders without running anything.
    pub test_logits: Option<super::Shared<Vec<Vec<f32>>>>,
    /// The student distilled from the ensemble, once trained.
    pub student_accuracy: Option<f32>,
    /// Steps done and total while a teacher or the student trains, with what.
    pub progress: Option<(usize, usize)>,
    pub working_on: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub name: String,
    pub accuracy: f32,
}

impl Default for EnsembleLab {
    fn default() -> Self {
        Self {
            teacher_sized: true,
            teachers: Vec::new(),
            weights: Vec::new(),
            test_logits: None,
            student_accuracy: None,
            progress: None,
            working_on: None,
        }
    }
}

pub enum EnsembleAction {
    TeacherSized(bool),
    /// The teachers as they now are, with their test logits (a teacher was added).
    Members(Vec<Member>, Vec<Vec<f32>>),
    Weight(usize, f32),
    Progress(Option<(usize, usize)>, Option<String>),
    StudentDone(Option<f32>),
    Clear,
}

impl EnsembleLab {
    pub fn apply(&mut self, action: EnsembleAction) {
        match action {
            EnsembleAction::TeacherSized(on) => self.teacher_sized = on,
            EnsembleAction::Members(members, logits) => {
                self.weights.resize(members.len(), 1.0);
                self.teachers = members;
                self.test_logits = Some(super::Shared(std::rc::Rc::new(logits)));
            }
            EnsembleAction::Weight(k, w) if w.is_finite() && w >= 0.0 => {
                if let Some(slot) = self.weights.get_mut(k) {
                    *slot = w;
                }
            }
            EnsembleAction::Weight(..) => {}
            EnsembleAction::Progress(p, what) => {
                self.progress = p;
                self.working_on = what;
            }
            EnsembleAction::StudentDone(a) => {
                self.progress = None;
                self.working_on = None;
                if a.is_some() {
                    self.student_accuracy = a;
                }
            }
            EnsembleAction::Clear => {
                *self = Self {
                    teacher_sized: self.teacher_sized,
                    ..Self::default()
                }
            }
        }
    }

    /// The weights as fractions of their sum (what the ensemble uses), or why they cannot be.
    pub fn shares(&self) -> Result<Vec<f32>, String> {
        crate::engine::network::ensemble::shares(&self.weights).map_err(|e| e.to_string())
    }

    /// The ensemble's test accuracy at the current weights: the top class of Σₖ wₖ softmax(zₖ).
    pub fn ensemble_accuracy(&self, labels: &[u8], classes: usize) -> Option<f32> {
        let logits = self.test_logits.as_ref()?;
        let shares = self.shares().ok()?;
        let mut hits = 0;
        for (i, &label) in labels.iter().enumerate() {
            let rows = logits
                .iter()
                .map(|z| z.get(i * classes..(i + 1) * classes))
                .collect::<Option<Vec<_>>>()?;
            let mixed = host::mix(&rows, &shares);
            hits += usize::from(host::argmax(&mixed) == Some(usize::from(label)));
        }
        Some(hits as f32 / labels.len().max(1) as f32)
    }

    /// Whether the student beat every teacher it learned from.
    pub fn student_beats_every_teacher(&self) -> Option<bool> {
        let s = self.student_accuracy?;
        Some(self.teachers.iter().all(|t| s > t.accuracy))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_follow_the_teachers_and_refuse_all_zero() {
        let mut lab = EnsembleLab::default();
        let m = |a| Member {
            name: "t".into(),
            accuracy: a,
        };
        // Two examples, two classes: teacher 1 right on example 0 only, teacher 2 on 1 only,
        // teacher 2 the surer.
        let logits = vec![vec![2.0, 0.0, 1.0, 0.0], vec![0.0, 1.0, 0.0, 3.0]];
        lab.apply(EnsembleAction::Members(vec![m(0.5), m(0.5)], logits));
        assert_eq!(lab.weights, vec![1.0, 1.0]);
        lab.apply(EnsembleAction::Weight(1, 3.0));
        lab.apply(EnsembleAction::Weight(5, 3.0));
        lab.apply(EnsembleAction::Weight(0, f32::NAN));
        assert_eq!(lab.shares().unwrap(), vec![0.25, 0.75]);
        // Example 0: 0.25·0.88 + 0.75·0.27 → class 0 is 0.42: teacher 2 wins it too.
        assert_eq!(lab.ensemble_accuracy(&[0, 1], 2), Some(0.5));
        lab.apply(EnsembleAction::Weight(1, 1.0));
        // Equal weights: example 0 → 0.5·0.88 + 0.5·0.27 = 0.575 for class 0; example 1 → class 1.
        assert_eq!(lab.ensemble_accuracy(&[0, 1], 2), Some(1.0));
        lab.apply(EnsembleAction::Weight(0, 0.0));
        lab.apply(EnsembleAction::Weight(1, 0.0));
        assert!(lab.shares().unwrap_err().contains("every weight is 0"));
        assert_eq!(lab.student_beats_every_teacher(), None);
        lab.apply(EnsembleAction::StudentDone(Some(0.925)));
        assert_eq!(
            lab.ensemble_accuracy(&[0, 1], 2),
            None,
            "no weights, no ensemble"
        );
        assert_eq!(lab.student_beats_every_teacher(), Some(true));
    }
}
