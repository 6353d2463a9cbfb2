//! The page's places as tabs: the playground, the labs, the tools. Each is a link to itself
//! (the address carries the place), and a click goes there without a reload.

use yew::prelude::*;

use super::Dispatch;
use crate::app::place::Place;
use crate::app::state::Action;

#[derive(Properties, PartialEq)]
pub struct NavProps {
    pub place: Place,
    pub dispatch: Dispatch,
}

#[component]
pub fn Nav(props: &NavProps) -> Html {
    let tab = |id: &'static str, label: &'static str, to: Place| {
        let d = props.dispatch.clone();
        let current = match (props.place, to) {
            (Place::Lab(_), Place::Labs) => true,
            (here, there) => here == there,
        };
        let onclick = Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            d.emit(Action::Go(to));
        });
        let href = format!("#{}", to.to_field().unwrap_or_default());
        html! {
            <a id={id} class="tab" href={href} aria-current={current.then_some("page")} {onclick}>{ label }</a>
        }
    };
    html! {
        <nav class="places" aria-label="Places of the page">
            { tab("go-playground", "Playground", Place::Playground) }
            { tab("go-labs", "Labs", Place::Labs) }
            { tab("go-tools", "Tools", Place::Tools) }
        </nav>
    }
}
