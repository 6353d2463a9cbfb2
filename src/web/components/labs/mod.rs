//! The labs' views: one component per lab (`View` in a file named by its id), the frame they
//! share (one progress bar, one Cancel, how the last work ended), and the index. Which view a
//! lab id opens is generated from the registry (`for_each_lab!`), so a new lab needs no line here.

use std::rc::Rc;

use yew::prelude::*;

use super::Dispatch;
use crate::app::Settings;
use crate::app::labs::{Lab, LabEvent, LabReport, LabRequest, Labs};
use crate::app::state::{Action, Run};
use crate::web::Request;

/// What every lab view gets: the labs' states, the settings and the run (the data, the
/// teacher), whether a test example is on show (not a drawing, a message or a point), and the
/// two channels: actions for the page's state, requests for the driver.
#[derive(Properties, PartialEq, Clone)]
pub struct LabProps {
    pub labs: Labs,
    pub settings: Settings,
    pub run: Rc<Run>,
    pub example_shown: bool,
    pub dispatch: Dispatch,
    pub request: Callback<Request>,
}

/// A callback that asks for `L`'s work.
fn ask<L: Lab>(
    props: &LabProps,
    request: impl Fn() -> L::Request + 'static,
    wrap: fn(L::Request) -> LabRequest,
) -> Callback<MouseEvent> {
    props
        .request
        .reform(move |_: MouseEvent| Request::Lab(wrap(request())))
}

/// The page's own edit of a lab (a slider, a checkbox), reduced like any event of its work.
fn edit(dispatch: &Dispatch, event: LabEvent) {
    dispatch.emit(Action::Lab(LabReport::Event(event)));
}

/// The progress of `L`'s work with its Cancel (a failure is said where every error is).
fn frame<L: Lab>(props: &LabProps) -> Html {
    let labs = &props.labs;
    let id = L::ID;
    if let Some(p) = labs.progress(id) {
        let cancel = props.request.reform(|_: MouseEvent| Request::CancelLab);
        return html! {
            <div class="lab-work">
                <label class="progress">{ format!("{} ", capitalised(&p.what)) }
                    <progress id={format!("{id}-progress")} max={p.total.max(1).to_string()} value={p.done.to_string()} />
                </label>
                <button id={format!("{id}-cancel")} onclick={cancel}>{ "Cancel" }</button>
            </div>
        };
    }
    html! {}
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Whether a lab button waits (one piece of work at a time).
fn busy(props: &LabProps) -> bool {
    props.labs.busy()
}

macro_rules! lab_views {
    ($($id:ident: $lab:ty),* $(,)?) => {
        // Each lab's view, `src/web/components/labs/<id>.rs`.
        $(pub mod $id;)*

        /// The view of the lab `id`, or nothing for an id no lab has.
        pub fn lab_view(id: &str, props: &LabProps) -> Html {
            $(if id == <$lab as Lab>::ID {
                return html! { <$id::View ..props.clone() /> };
            })*
            html! {}
        }
    };
}

crate::for_each_lab!(lab_views);
