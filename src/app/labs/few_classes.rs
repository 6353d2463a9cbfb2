//! "Few classes, little dark knowledge" in the page: the class counts' results as they finish.

use crate::engine::few_classes::FewClassesRow;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct FewClassesLab {
    /// Steps done of all the runs' steps, while running.
    pub progress: Option<(usize, usize)>,
    pub rows: Vec<FewClassesRow>,
    pub cancelled: bool,
}

pub enum FewClassesAction {
    Start(usize),
    Progress(usize, usize),
    Row(FewClassesRow),
    Finished { cancelled: bool },
}

impl FewClassesLab {
    pub fn apply(&mut self, action: FewClassesAction) {
        match action {
            FewClassesAction::Start(total) => {
                *self = Self {
                    progress: Some((0, total)),
                    ..Self::default()
                }
            }
            FewClassesAction::Progress(done, total) => self.progress = Some((done, total)),
            FewClassesAction::Row(row) => self.rows.push(row),
            FewClassesAction::Finished { cancelled } => {
                self.progress = None;
                self.cancelled = cancelled;
            }
        }
    }
}
