//! The method labs, each a panel of its own beside the students: FastBERT's early exits,
//! BERT-of-Theseus, an ensemble of teachers, sequence-level KD and the α × T sweep. Their state,
//! without a DOM; the driver does the work and reports here through [`LabAction`].

pub mod ensemble;
pub mod exits;
pub mod few_classes;
pub mod sequence;
pub mod sweep;
pub mod theseus;

use std::rc::Rc;

/// A value the labs share with the views, compared by identity (tables of every test example
/// would make every render compare megabytes).
#[derive(Debug)]
pub struct Shared<T>(pub Rc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Labs {
    pub exits: exits::ExitsLab,
    pub theseus: theseus::TheseusLab,
    pub ensemble: ensemble::EnsembleLab,
    pub sequence: sequence::SequenceLab,
    pub sweep: sweep::SweepLab,
    pub few_classes: few_classes::FewClassesLab,
    /// Cancel presses, counted: each change tells the driver to stop the lab work under way.
    pub cancels: u64,
}

pub enum LabAction {
    Exits(exits::ExitsAction),
    Theseus(theseus::TheseusAction),
    Ensemble(ensemble::EnsembleAction),
    Sequence(sequence::SequenceAction),
    Sweep(sweep::SweepAction),
    FewClasses(few_classes::FewClassesAction),
    Cancel,
}

impl Labs {
    pub fn apply(&mut self, action: LabAction) {
        match action {
            LabAction::Exits(a) => self.exits.apply(a),
            LabAction::Theseus(a) => self.theseus.apply(a),
            LabAction::Ensemble(a) => self.ensemble.apply(a),
            LabAction::Sequence(a) => self.sequence.apply(a),
            LabAction::Sweep(a) => self.sweep.apply(a),
            LabAction::FewClasses(a) => self.few_classes.apply(a),
            LabAction::Cancel => self.cancels += 1,
        }
    }

    /// What stays when the page's data or teacher changes: the sequence lab, which has its own.
    pub fn after_new_teacher(&self) -> Self {
        Self {
            sequence: self.sequence.clone(),
            // Its own data and teacher (the shipped digits'), like the sequence lab.
            few_classes: self.few_classes.clone(),
            sweep: sweep::SweepLab {
                steps: self.sweep.steps,
                ..Default::default()
            },
            cancels: self.cancels,
            ..Self::default()
        }
    }

    /// Whether any lab is working (the others wait: one piece of work at a time).
    pub fn busy(&self) -> bool {
        self.exits.progress.is_some()
            || self.theseus.progress.is_some()
            || self.ensemble.progress.is_some()
            || self.sequence.progress.is_some()
            || self.sweep.progress.is_some()
            || self.few_classes.progress.is_some()
    }
}

/// Points of a line chart scaled into a `width × height` box: x and y each from their range to
/// the box (y up), as an SVG `points` attribute.
pub fn polyline(points: &[(f64, f64)], x: (f64, f64), y: (f64, f64), size: (f64, f64)) -> String {
    points
        .iter()
        .map(|&(px, py)| {
            let (sx, sy) = scale((px, py), x, y, size);
            format!("{sx:.1},{sy:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One point into the box (y up), clamped to it.
pub fn scale(p: (f64, f64), x: (f64, f64), y: (f64, f64), (w, h): (f64, f64)) -> (f64, f64) {
    let fx = ((p.0 - x.0) / (x.1 - x.0).max(1e-12)).clamp(0.0, 1.0);
    let fy = ((p.1 - y.0) / (y.1 - y.0).max(1e-12)).clamp(0.0, 1.0);
    (fx * w, h - fy * h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_scale_into_the_box_with_y_up() {
        assert_eq!(
            scale((0.5, 0.9), (0.0, 1.0), (0.8, 1.0), (200.0, 100.0)),
            (100.0, 50.0)
        );
        assert_eq!(
            scale((2.0, 0.0), (0.0, 1.0), (0.8, 1.0), (200.0, 100.0)),
            (200.0, 100.0)
        );
        let line = polyline(
            &[(0.0, 0.8), (1.0, 1.0)],
            (0.0, 1.0),
            (0.8, 1.0),
            (200.0, 100.0),
        );
        assert_eq!(line, "0.0,100.0 200.0,0.0");
    }
}
