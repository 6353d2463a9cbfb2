//! The α × T sweep in the page: the grid's cells as they finish, the progress, and how the run
//! ended (done or cancelled).

use crate::engine::sweep::{SweepGrid, SweepResult};

/// Steps per cell the page starts with, and its bounds.
pub const DEFAULT_STEPS: usize = 300;
pub const STEPS_RANGE: (usize, usize) = (50, 3000);

#[derive(Clone, Debug, PartialEq)]
pub struct SweepLab {
    pub steps: usize,
    /// Steps done of all the cells' steps, while running.
    pub progress: Option<(usize, usize)>,
    pub result: Option<SweepResult>,
    /// The last run was cancelled before its last cell.
    pub cancelled: bool,
}

impl Default for SweepLab {
    fn default() -> Self {
        Self {
            steps: DEFAULT_STEPS,
            progress: None,
            result: None,
            cancelled: false,
        }
    }
}

pub enum SweepAction {
    /// Steps per cell, as the user typed them (clamped to [`STEPS_RANGE`]).
    Steps(usize),
    Start(SweepGrid, usize),
    Progress(usize, usize),
    /// A cell finished: its accuracy, or `None` if it diverged.
    Cell(Option<f32>),
    Finished {
        cancelled: bool,
    },
}

impl SweepLab {
    pub fn apply(&mut self, action: SweepAction) {
        match action {
            SweepAction::Steps(n) => self.steps = n.clamp(STEPS_RANGE.0, STEPS_RANGE.1),
            SweepAction::Start(grid, steps) => {
                self.progress = Some((0, grid.len() * steps));
                self.result = Some(SweepResult::new(grid, steps));
                self.cancelled = false;
            }
            SweepAction::Progress(done, total) => self.progress = Some((done, total)),
            SweepAction::Cell(acc) => {
                if let Some(r) = &mut self.result {
                    r.cells.push(acc);
                }
            }
            SweepAction::Finished { cancelled } => {
                self.progress = None;
                self.cancelled = cancelled;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_fills_its_cells_and_a_cancel_keeps_them() {
        let mut lab = SweepLab::default();
        lab.apply(SweepAction::Steps(10));
        assert_eq!(lab.steps, STEPS_RANGE.0);
        lab.apply(SweepAction::Start(SweepGrid::default(), 100));
        assert_eq!(lab.progress, Some((0, 2500)));
        lab.apply(SweepAction::Cell(Some(0.9)));
        lab.apply(SweepAction::Cell(None));
        lab.apply(SweepAction::Finished { cancelled: true });
        let r = lab.result.as_ref().unwrap();
        assert_eq!(
            (r.cells.len(), r.best(), r.is_done()),
            (2, Some((0, 0.9)), false)
        );
        assert!(lab.cancelled && lab.progress.is_none());
    }
}
