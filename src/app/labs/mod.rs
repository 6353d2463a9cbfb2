//! The labs: each a method or lesson beside the playground, in a view of its own. A lab is a
//! plug-in ([`plugin::Lab`]): an engine module does the science, an app module here says what
//! the page shows, asks and hears, a component under `web/components/labs/` draws it, and one
//! line in [`for_each_lab!`] registers it. The registry generates the requests and events the
//! worker carries, the page's lab states, the index, and the [`LabHost`] that runs their work.

mod host;
pub mod plugin;

use std::cell::RefCell;
use std::rc::Rc;

use serde::{Deserialize, Serialize};

pub use host::LabHost;
pub use plugin::{Fetch, Lab, LabContext, LabReport, RunContext, Started};

use crate::app::jobs::{Ended, Progress};

/// Every lab, once: `id: type`. The index lists them in this order.
#[macro_export]
macro_rules! for_each_lab {
    ($then:ident) => {
        $then! {
            exits: $crate::app::labs::exits::Exits,
            theseus: $crate::app::labs::theseus::Theseus,
            ensemble: $crate::app::labs::ensemble::Ensemble,
            sequence: $crate::app::labs::sequence::Sequence,
            cross_lingual: $crate::app::labs::cross_lingual::CrossLingual,
            imitation: $crate::app::labs::imitation::Imitation,
            multitask: $crate::app::labs::multitask::MultiTask,
            sweep: $crate::app::labs::sweep::Sweep,
            few_classes: $crate::app::labs::few_classes::FewClasses,
            compress: $crate::app::labs::compress::Compress,
            devices: $crate::app::labs::devices::Devices,
            teachers: $crate::app::labs::teachers::Teachers,
        }
    };
}

/// A lab as the index shows it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LabInfo {
    pub id: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    pub source: &'static str,
}

macro_rules! registry {
    ($($id:ident: $lab:ty),* $(,)?) => {
        // Each lab's module, `src/app/labs/<id>.rs`.
        $(pub mod $id;)*

        /// A request for one lab's work.
        #[allow(non_camel_case_types)]
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        pub enum LabRequest { $($id(<$lab as Lab>::Request)),* }

        /// What one lab's work (or the page's own edit of it) reports.
        #[allow(non_camel_case_types)]
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        pub enum LabEvent { $($id(<$lab as Lab>::Event)),* }

        /// Every lab's state in the page.
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct LabStates { $(pub $id: <$lab as Lab>::State),* }

        /// Every lab's memory where its work runs.
        #[derive(Default)]
        pub struct Memories { $($id: Rc<RefCell<<$lab as Lab>::Memory>>),* }

        /// The labs the index lists, in order.
        pub const INDEX: &[LabInfo] = &[$(LabInfo {
            id: <$lab as Lab>::ID,
            title: <$lab as Lab>::TITLE,
            summary: <$lab as Lab>::SUMMARY,
            source: <$lab as Lab>::SOURCE,
        }),*];

        /// Whether the index lists the lab of this id.
        fn listed(id: &str) -> bool {
            $(if id == <$lab as Lab>::ID { return <$lab as Lab>::LISTED; })*
            false
        }

        /// Whether the lab of this id answers the example or drawing on show.
        pub fn uses_input(id: &str) -> bool {
            $(if id == <$lab as Lab>::ID { return <$lab as Lab>::USES_INPUT; })*
            false
        }

        impl LabRequest {
            /// The id of the lab it is for.
            pub fn lab(&self) -> &'static str {
                match self { $(LabRequest::$id(_) => <$lab as Lab>::ID),* }
            }

            /// Whether its work runs in the page even when a worker is up.
            pub fn in_page(&self) -> bool {
                match self { $(LabRequest::$id(_) => <$lab as Lab>::IN_PAGE),* }
            }

            /// Whether it answers at once instead of starting a job (see `Lab::answers_at_once`).
            pub fn answers_at_once(&self) -> bool {
                match self { $(LabRequest::$id(r) => <$lab as Lab>::answers_at_once(r)),* }
            }

            pub fn start(self, context: &LabContext, memories: &Memories) -> crate::Result<Started<LabEvent>> {
                Ok(match self {
                    $(LabRequest::$id(r) => <$lab as Lab>::start(r, context, &memories.$id)?.map(LabEvent::$id)),*
                })
            }
        }

        impl LabStates {
            pub fn reduce(&mut self, event: LabEvent) {
                match event { $(LabEvent::$id(e) => <$lab as Lab>::reduce(&mut self.$id, e)),* }
            }

            /// What each lab keeps when the page's teacher or data changes.
            pub fn after_new_teacher(&self) -> Self {
                Self { $($id: <$lab as Lab>::after_new_teacher(&self.$id)),* }
            }
        }

        impl Memories {
            /// What the labs say about the input on show.
            pub fn on_show(&self, input: Option<&(u64, Vec<f32>)>) -> Vec<LabEvent> {
                let mut out = Vec::new();
                $(out.extend(<$lab as Lab>::on_show(input, &self.$id).into_iter().map(LabEvent::$id));)*
                out
            }

            /// Forgets what was built on the old teacher (labs with their own material keep it).
            pub fn after_new_teacher(&mut self) {
                $(if !<$lab as Lab>::OWN_MATERIAL { self.$id = Rc::default(); })*
            }
        }
    };
}

for_each_lab!(registry);

/// The labs a visitor can open, for the index.
pub fn index() -> impl Iterator<Item = &'static LabInfo> {
    INDEX.iter().filter(|l| listed(l.id))
}

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

/// The labs in the page: every lab's state, the work under way, and how the last work ended.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Labs {
    pub states: LabStates,
    /// The lab whose work is under way, and how far it is.
    pub work: Option<(String, Progress)>,
    /// The lab whose work ended last, and how.
    pub ended: Option<(String, Ended)>,
}

impl Labs {
    /// The page's state after a report of lab work, or an edit of a lab's own.
    pub fn hear(&mut self, report: LabReport<LabEvent>) {
        match report {
            LabReport::Progress { lab, progress } => {
                self.work = Some((lab, progress));
                self.ended = None;
            }
            LabReport::Event(event) => self.states.reduce(event),
            LabReport::Ended { lab, ended } => {
                self.work = None;
                self.ended = Some((lab, ended));
            }
        }
    }

    /// Whether any lab is working (the others wait: one piece of work at a time).
    pub fn busy(&self) -> bool {
        self.work.is_some()
    }

    /// The progress of `lab`'s work, while it runs.
    pub fn progress(&self, lab: &str) -> Option<&Progress> {
        self.work.as_ref().filter(|(l, _)| l == lab).map(|(_, p)| p)
    }

    /// What the labs keep when the page's teacher or data changes.
    pub fn after_new_teacher(&self) -> Self {
        Self {
            states: self.states.after_new_teacher(),
            work: self.work.clone(),
            ended: None,
        }
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
