//! The device badge: which engine trains the students, and the switch between them.

use yew::prelude::*;

use super::Dispatch;
use crate::app::state::Action;

#[derive(Properties, PartialEq)]
pub struct DeviceProps {
    pub device: Option<(String, Option<String>)>,
    pub prefer_cpu: bool,
    pub dispatch: Dispatch,
}

#[component]
pub fn DeviceBadge(props: &DeviceProps) -> Html {
    let toggle = {
        let d = props.dispatch.clone();
        let cpu = props.prefer_cpu;
        Callback::from(move |_: MouseEvent| {
            // Remembered for the next visit: the loader then fetches only that build.
            crate::web::loader::remember_choice(!cpu);
            d.emit(Action::PreferCpu(!cpu))
        })
    };
    match &props.device {
        None => html! { <span id="device" class="badge">{ "starting…" }</span> },
        Some((label, reason)) => html! {
            <span class="device">
                <span id="device" class={classes!("badge", if label == "WebGPU" { "gpu" } else { "cpu" })}>{ label }</span>
                if let Some(r) = reason { <span id="fallback-reason" class="note">{ format!("CPU because {r}") }</span> }
                // On a CPU the page fell back to by itself there is nothing to switch to.
                if props.prefer_cpu || label == "WebGPU" {
                    <button id="switch-device" onclick={toggle}>
                        { if props.prefer_cpu { "Try WebGPU" } else { "Use the CPU" } }
                    </button>
                }
            </span>
        },
    }
}
