//! FastBERT's early exits: the exits trained on the page's teacher, and the speed S.

use std::rc::Rc;

use super::Shared;
use crate::engine::exits::{ExitPoint, ExitTable, leave_at, normalised_entropy};

/// The speed the panel opens at: most digits leave by the third layer at the teacher's accuracy.
pub const DEFAULT_SPEED: f32 = 0.2;

#[derive(Clone, Debug, PartialEq)]
pub struct ExitsLab {
    pub speed: f32,
    /// Steps done and total while the exits train.
    pub progress: Option<(usize, usize)>,
    pub result: Option<Shared<ExitsResult>>,
    /// Every exit's distribution for the drawing or message on show (exits × classes), with
    /// the input version it belongs to.
    pub input: Option<(u64, Vec<f32>)>,
}

impl Default for ExitsLab {
    fn default() -> Self {
        Self {
            speed: DEFAULT_SPEED,
            progress: None,
            result: None,
            input: None,
        }
    }
}

/// Trained exits on the test set, with the points to set against them.
#[derive(Debug)]
pub struct ExitsResult {
    pub table: ExitTable,
    /// The curve at 21 speeds from 0 to 1 (computed once; the slider reads the table).
    pub curve: Vec<ExitPoint>,
    pub teacher_accuracy: f32,
    /// The distilled student's accuracy and its FLOPs as a fraction of the teacher's, when
    /// there was one to measure.
    pub student: Option<(f32, f64)>,
}

impl ExitsResult {
    pub fn new(table: ExitTable, teacher_accuracy: f32, student: Option<(f32, f64)>) -> Self {
        Self {
            curve: table.curve(21),
            table,
            teacher_accuracy,
            student,
        }
    }
}

pub enum ExitsAction {
    Progress(Option<(usize, usize)>),
    Ready(ExitsResult),
    Speed(f32),
    /// The exits' distributions for a drawn or typed input (None: back to test examples).
    Input(Option<(u64, Vec<f32>)>),
}

impl ExitsLab {
    pub fn apply(&mut self, action: ExitsAction) {
        match action {
            ExitsAction::Progress(p) => self.progress = p,
            ExitsAction::Ready(r) => {
                self.result = Some(Shared(Rc::new(r)));
                self.progress = None;
            }
            ExitsAction::Speed(s) if s.is_finite() => self.speed = s.clamp(0.0, 1.0),
            ExitsAction::Speed(_) => {}
            ExitsAction::Input(input) => self.input = input,
        }
    }
}

/// One exit of one example, as the panel lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct ExitRow {
    pub exit: usize,
    pub top: usize,
    pub confidence: f32,
    pub entropy: f32,
    /// The example leaves here.
    pub leaves: bool,
    /// It never reaches this exit.
    pub skipped: bool,
    /// The exit's whole distribution over the classes.
    pub probs: Vec<f32>,
}

/// Test example `i` at `speed`: every exit's top class, confidence and normalised entropy, and
/// where it leaves.
pub fn example_rows(table: &ExitTable, i: usize, speed: f32) -> Vec<ExitRow> {
    if i >= table.examples() {
        return Vec::new();
    }
    rows(&table.distributions(i), speed)
}

/// The rows of an input's exits from their distributions (flat, `classes` each).
pub fn input_rows(flat: &[f32], classes: usize, speed: f32) -> Vec<ExitRow> {
    rows(&flat.chunks(classes.max(1)).collect::<Vec<_>>(), speed)
}

fn rows(distributions: &[&[f32]], speed: f32) -> Vec<ExitRow> {
    let exit = leave_at(distributions, speed);
    distributions
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let (top, confidence) = p
                .iter()
                .copied()
                .enumerate()
                .fold((0, f32::MIN), |b, (c, v)| if v > b.1 { (c, v) } else { b });
            ExitRow {
                exit: k + 1,
                top,
                confidence,
                entropy: normalised_entropy(p),
                leaves: k + 1 == exit,
                skipped: k + 1 > exit,
                probs: p.to_vec(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_leaves_at_its_first_sure_exit() {
        // Three exits, two classes: unsure, sure, sure.
        let flat = [0.5, 0.5, 0.02, 0.98, 0.01, 0.99];
        let rows = input_rows(&flat, 2, 0.2);
        let marks: Vec<(bool, bool)> = rows.iter().map(|r| (r.leaves, r.skipped)).collect();
        assert_eq!(marks, vec![(false, false), (true, false), (false, true)]);
        assert_eq!((rows[1].top, rows[0].entropy), (1, 1.0));
        // At S = 0 nothing leaves early.
        assert!(input_rows(&flat, 2, 0.0)[2].leaves);
    }
}
