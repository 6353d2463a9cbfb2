//! The page slice: where the visitor is, what the page tells them (notices, the last error), the
//! tour, projector mode and the last link made.

use super::{Action, AppState};
use crate::app::place::Place;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    /// Where the visitor is: the playground, the index of labs, a lab, or the tools.
    pub place: Place,
    /// Messages for the user (ignored link fields, restarts).
    pub notices: Vec<String>,
    /// The last thing that went wrong; settings were kept.
    pub error: Option<String>,
    /// The guided tour's current step.
    pub tour: Option<usize>,
    /// Larger type for a projector.
    pub projector: bool,
    /// The last "link with student" made, or why it could not be.
    pub student_link: Option<Result<String, String>>,
}

impl Page {
    /// Loading is over (done or failed): its notice goes.
    pub(super) fn loaded(&mut self) {
        self.notices.retain(|n| !n.starts_with("Loading "));
    }
}

impl AppState {
    pub(super) fn notify(&mut self, text: String) {
        self.page_mut().notices.push(text);
    }

    /// The actions about the page around the playground.
    pub(super) fn page_action(&mut self, action: Action) {
        match action {
            Action::Failed(e) => {
                self.run_mut().running = false;
                let page = self.page_mut();
                page.loaded();
                page.error = Some(e);
            }
            other => {
                let page = self.page_mut();
                match other {
                    Action::Notice(text) => page.notices.push(text),
                    Action::Tour(None) => page.tour = None,
                    Action::Projector(on) => page.projector = on,
                    Action::DismissNotices => {
                        page.notices.clear();
                        page.error = None;
                    }
                    Action::Go(place) => page.place = place,
                    Action::StudentLink(link) => page.student_link = Some(link),
                    _ => {}
                }
            }
        }
    }
}
