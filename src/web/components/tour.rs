//! The guided tour's card.

use yew::prelude::*;

use super::*;
use crate::app::state::Action;

#[derive(Properties, PartialEq)]
pub struct TourProps {
    /// The step on show, if the tour is on.
    pub step: Option<usize>,
    pub dispatch: Dispatch,
}

/// The guided tour's card: where we are, what to look at, back and next.
#[component]
pub fn Tour(props: &TourProps) -> Html {
    let Some(k) = props.step else {
        return html! {};
    };
    let Some(step) = crate::app::TOUR.get(k) else {
        return html! {};
    };
    let n = crate::app::TOUR.len();
    let go = |to: Option<usize>| props.dispatch.reform(move |_: MouseEvent| Action::Tour(to));
    html! {
        <aside id="tour" class="tour" role="dialog" aria-labelledby="tour-title" aria-live="polite">
            <h2 id="tour-title">{ step.title }</h2>
            <p>{ step.text }</p>
            <div class="buttons">
                <button id="tour-back" onclick={go(k.checked_sub(1))} disabled={k == 0}>{ "Back" }</button>
                if k + 1 < n {
                    <button id="tour-next" class="primary" onclick={go(Some(k + 1))}>{ "Next" }</button>
                }
                <button id="tour-end" onclick={go(None)}>{ if k + 1 < n { "End tour" } else { "Done" } }</button>
                <span class="note">{ format!("{} of {n}", k + 1) }</span>
            </div>
        </aside>
    }
}
