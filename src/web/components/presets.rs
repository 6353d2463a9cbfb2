//! One-click presets of the papers' experiments.

use yew::prelude::*;

use super::*;
use crate::app::Preset;

/// One click per paper experiment, each explained.
#[component]
pub fn Presets(props: &CalmProps) -> Html {
    let state = &props.state;
    html! {
        <section class="panel presets" aria-labelledby="presets-h">
            <h2 id="presets-h">{ "Experiments" }</h2>
            <p class="explain">{ "Each button sets up one claim of a paper (both students restart). Press Train and watch the curves." }</p>
            <ul class="preset-list">
                { for Preset::ALL.iter().map(|&preset| {
                    let choose = update(state, move |current| Ok(preset.apply(current)));
                    let onclick = Callback::from(move |_: MouseEvent| choose());
                    html! {
                        <li>
                            <button id={format!("preset-{}", preset.id())} {onclick}>{ preset.title() }</button>
                            <span class="note">{ preset.explain() }</span>
                        </li>
                    }
                }) }
            </ul>
        </section>
    }
}
