//! The α × T sweep: a 5 × 5 grid of short distillation runs of the page's student, each the same
//! steps on the same batches from the same start, shaded by test accuracy as cells finish.

use yew::prelude::*;

use super::{LabProps, ask, busy, edit, frame};
use crate::app::labs::sweep::{STEPS_RANGE, Sweep, SweepEvent, SweepRequest};
use crate::app::labs::{LabEvent, LabRequest};
use crate::web::components::{GridHeatmap, input_value};

#[component]
pub fn View(props: &LabProps) -> Html {
    let dispatch = props.dispatch.clone();
    let lab = &props.labs.states.sweep;
    let running = props.labs.progress("sweep").is_some();
    let busy = busy(props);
    let steps = lab.steps;
    let run = ask::<Sweep>(
        props,
        move || SweepRequest::Run { steps },
        LabRequest::sweep,
    );
    let set_steps = Callback::from(move |e: Event| {
        if let Ok(n) = input_value(&e).parse::<usize>() {
            edit(&dispatch, LabEvent::sweep(SweepEvent::Steps(n)));
        }
    });
    html! {
        <section class="panel sweep" aria-labelledby="sweep-h">
            <h2 id="sweep-h">{ "α × T sweep" }</h2>
            <p class="explain">{ "Twenty-five short runs of the page's student, one per cell. All start from the same weights and see the same batches; only α and T change. The row α = 1 learns from the labels alone, so it is the baseline the other rows must beat." }</p>
            <div class="control inline">
                <label for="sweep-steps">{ "Steps per cell " }</label>
                <input id="sweep-steps" type="number" min={STEPS_RANGE.0.to_string()} max={STEPS_RANGE.1.to_string()} step="50"
                    value={steps.to_string()} onchange={set_steps} disabled={running} />
            </div>
            <div class="buttons">
                <button id="sweep-run" onclick={run} disabled={busy}>{ "Run the sweep" }</button>
            </div>
            { frame::<Sweep>(props) }
            { result(lab, running) }
        </section>
    }
}

fn result(lab: &crate::app::labs::sweep::SweepLab, running: bool) -> Html {
    let Some(r) = &lab.result else {
        return html! {};
    };
    let done: Vec<f32> = r.cells.iter().flatten().copied().collect();
    let lo = done.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = done.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let best = r.best();
    let reading = match (
        best.and_then(|(i, a)| r.grid.cell(i).map(|c| (c, a))),
        lab.cancelled,
    ) {
        (Some(((alpha, t), acc)), cancelled) => {
            let opening = match (cancelled, running) {
                (true, _) => "Cancelled; the finished cells are kept. Best cell",
                (false, true) => "Best so far",
                (false, false) => "Best cell",
            };
            format!(
                "{opening} (★): α = {alpha}, T = {t}, {:.1} % test accuracy after {} steps.",
                acc * 100.0,
                r.steps
            )
        }
        (None, true) => "Cancelled before the first cell finished.".to_string(),
        (None, false) => "The first cell is training…".to_string(),
    };
    html! {
        <>
            <GridHeatmap id="sweep-grid" caption="Test accuracy (%) of the distilled student" corner="α \\ T"
                rows={r.grid.alphas.iter().map(|a| a.to_string()).collect::<Vec<_>>()}
                columns={r.grid.temperatures.iter().map(|t| t.to_string()).collect::<Vec<_>>()}
                values={r.cells.clone()} range={(lo.min(hi), hi)} percent=true best={best.map(|b| b.0)}
                missing="diverged" />
            <p id="sweep-reading" class="reading">{ reading }</p>
        </>
    }
}
