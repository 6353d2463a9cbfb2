//! The labs' views: one component per lab (`View` in a file named by its id), the frame they
//! share (one progress bar, one Cancel, how the last work ended), and the index. Which view a
//! lab id opens is generated from the registry (`for_each_lab!`), so a new lab needs no line here.

pub mod devices;
pub mod ensemble;
pub mod exits;
pub mod few_classes;
pub mod sequence;
pub mod sweep;
pub mod teachers;
pub mod theseus;

use std::rc::Rc;

use yew::prelude::*;

use super::State;
use crate::app::labs::{Lab, LabEvent, LabReport, LabRequest};
use crate::app::state::{Action, AppState};
use crate::web::Request;

/// What every lab view gets: the state, its calm view (re-render only when that changes), and
/// the requests channel.
#[derive(Properties)]
pub struct LabProps {
    pub state: State,
    pub view: Rc<AppState>,
    pub request: Callback<Request>,
}

impl PartialEq for LabProps {
    fn eq(&self, other: &Self) -> bool {
        self.view == other.view
    }
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
fn edit(state: &State, event: LabEvent) {
    state.dispatch(Action::Lab(LabReport::Event(event)));
}

/// The progress of `L`'s work with its Cancel (a failure is said where every error is).
fn frame<L: Lab>(props: &LabProps) -> Html {
    let labs = &props.state.labs;
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
    props.state.labs.busy()
}

macro_rules! lab_views {
    ($($id:ident: $lab:ty),* $(,)?) => {
        /// The view of the lab `id`, or nothing for an id no lab has.
        pub fn lab_view(id: &str, props: &LabProps) -> Html {
            $(if id == <$lab as Lab>::ID {
                return html! { <$id::View state={props.state.clone()} view={props.view.clone()} request={props.request.clone()} /> };
            })*
            html! {}
        }
    };
}

crate::for_each_lab!(lab_views);
