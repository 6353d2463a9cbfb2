//! The index of labs, generated from the registry: each lab's name, the paper it reproduces,
//! what it shows, and a link that opens it (a teacher can send that link to a class).

use yew::prelude::*;

use super::Dispatch;
use crate::app::labs;
use crate::app::place::Place;
use crate::app::state::Action;

#[derive(Properties, PartialEq)]
pub struct LabsIndexProps {
    pub dispatch: Dispatch,
    /// The settings part of the link, so a lab's link keeps them.
    pub settings_hash: String,
}

#[component]
pub fn LabsIndex(props: &LabsIndexProps) -> Html {
    html! {
        <section class="panel labs-index" aria-labelledby="labs-h">
            <h2 id="labs-h">{ "Labs" }</h2>
            <p class="explain">{ "Each lab reproduces one idea from the distillation literature on the page's teacher and data, with its own view and link. Its work runs in the background with progress and a Cancel that keeps what finished." }</p>
            <ul class="lab-cards">
                { for labs::index().map(|lab| card(lab, props)) }
            </ul>
        </section>
    }
}

fn card(lab: &'static labs::LabInfo, props: &LabsIndexProps) -> Html {
    let d = props.dispatch.clone();
    let to = Place::Lab(lab.id);
    let open = Callback::from(move |e: MouseEvent| {
        e.prevent_default();
        d.emit(Action::Go(to));
    });
    html! {
        <li class="lab-card">
            <h3><a id={format!("open-{}", lab.id)} href={format!("#{}", to.link(&props.settings_hash))} onclick={open}>{ lab.title }</a></h3>
            <p class="source">{ lab.source }</p>
            <p class="explain">{ lab.summary }</p>
        </li>
    }
}
