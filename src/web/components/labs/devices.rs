//! "Compare devices": the same training steps timed on the CPU engine and on WebGPU on this
//! machine, and the faster one picked and remembered on request. On some GPUs these small
//! networks train faster on the CPU, so the page measures instead of assuming.

use yew::prelude::*;

use super::{LabProps, ask, busy, frame};
use crate::app::labs::LabRequest;
use crate::app::labs::devices::{Comparison, Devices, DevicesRequest};
use crate::app::state::Action;

#[component]
pub fn View(props: &LabProps) -> Html {
    let p = props;
    let c = &p.labs.states.devices;
    let run = ask::<Devices>(props, || DevicesRequest::Compare, LabRequest::devices);
    let running = p.labs.progress("devices").map(|p| p.what.clone());
    let busy = busy(props);
    html! {
        <section class="panel compare" aria-labelledby="compare-h">
            <h2 id="compare-h">{ "Which device is faster here?" }</h2>
            <p class="explain">{ "Trains the page's distilled student for 100 steps on the CPU engine and on WebGPU (after 10 warm-up steps: WebGPU compiles its kernels first), from the same start on the same batches, and shows steps per second. Small networks often train faster on the CPU, even beside a GPU." }</p>
            <div class="buttons">
                <button id="compare-devices" onclick={run} disabled={busy}>{ "Compare devices" }</button>
            </div>
            if let Some(what) = running {
                <p class="note" id="compare-running">{ format!("{what}…") }</p>
            }
            { frame::<Devices>(props) }
            { result(p, c) }
        </section>
    }
}

fn result(p: &LabProps, c: &Comparison) -> Html {
    let Some(cpu) = c.cpu else { return html! {} };
    let webgpu = match &c.webgpu {
        None => "…".to_string(),
        Some(Ok(rate)) => format!("{rate:.0} steps/s"),
        Some(Err(why)) => format!("not timed: {why}"),
    };
    let pick = c.cpu_faster().map(|cpu_faster| {
        let d = p.dispatch.clone();
        let choose = Callback::from(move |_: MouseEvent| {
            // Remembered: the next visit starts on the measured device.
            crate::web::loader::remember_choice(cpu_faster);
            d.emit(Action::PreferCpu(cpu_faster));
        });
        let name = if cpu_faster { "the CPU" } else { "WebGPU" };
        html! { <button id="use-faster" onclick={choose}>{ format!("Use {name} here, and remember") }</button> }
    });
    html! {
        <>
            <table id="compare-table" class="results">
                <tbody>
                    <tr><th scope="row">{ "CPU engine (wasm)" }</th><td id="compare-cpu">{ format!("{cpu:.0} steps/s") }</td></tr>
                    <tr><th scope="row">{ "WebGPU" }</th><td id="compare-webgpu">{ webgpu }</td></tr>
                </tbody>
            </table>
            if let Some(button) = pick { <div class="buttons">{ button }</div> }
        </>
    }
}
