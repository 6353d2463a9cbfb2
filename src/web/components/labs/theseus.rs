//! BERT-of-Theseus: successors replace the teacher's modules at random, then train alone. The
//! strip shows which modules ran at each recent step; the plots the rate p and the successors'
//! accuracy alone.

use yew::prelude::*;

use super::{LabProps, ask, busy, edit, frame};
use crate::app::labs::theseus::{Theseus, TheseusEvent, TheseusLab, TheseusRequest};
use crate::app::labs::{LabEvent, LabRequest, polyline};
use crate::engine::theseus::Phase;

#[component]
pub fn View(props: &LabProps) -> Html {
    let dispatch = props.dispatch.clone();
    let lab = &props.labs.states.theseus;
    let busy = busy(props);
    let curriculum = lab.curriculum;
    let run = ask::<Theseus>(
        props,
        move || TheseusRequest::Replace { curriculum },
        LabRequest::theseus,
    );
    let toggle = Callback::from(move |e: Event| {
        let on = e
            .target_unchecked_into::<web_sys::HtmlInputElement>()
            .checked();
        edit(&dispatch, LabEvent::theseus(TheseusEvent::Curriculum(on)));
    });
    html! {
        <section class="panel theseus" aria-labelledby="theseus-h">
            <h2 id="theseus-h">{ "Module replacing (BERT-of-Theseus, Xu et al. 2020)" }</h2>
            <p class="explain">{ "Each successor — one layer — stands in for two teacher layers. While replacing, every module runs as its successor with probability p, else as the teacher's own frozen layers; then the successors train alone. There is no distillation loss at all, only cross-entropy on the labels: the teacher teaches by surrounding the successors." }</p>
            <label class="check">
                <input id="theseus-curriculum" type="checkbox" checked={curriculum} onchange={toggle} disabled={busy} />
                { " Curriculum: p = min(1, θ·t + b) from 0.3, instead of a constant 0.5" }
            </label>
            <button id="theseus-run" disabled={busy} onclick={run}>{ "Replace the teacher's modules" }</button>
            { frame::<Theseus>(props) }
            if !lab.modules.is_empty() {
                { strip(lab) }
                { plots(lab) }
            }
            if let Some(r) = &lab.result {
                <p id="theseus-result" class="readout">{ format!(
                    "Successors alone ({}): {:.1} %. The same student distilled by KD from the same start, for as many steps: {:.1} %. The teacher: {:.1} %.",
                    r.student, r.theseus_accuracy * 100.0, r.kd_accuracy * 100.0, r.teacher_accuracy * 100.0) }</p>
            }
        </section>
    }
}

/// One row per module, one column per recent step: a successor tile or the teacher's layers.
fn strip(lab: &TheseusLab) -> Html {
    html! {
        <figure class="strip">
            <table id="theseus-strip" aria-label="Which modules ran as successors at the latest steps">
                <tbody>
                    { for lab.modules.iter().enumerate().map(|(g, (first, last))| html! {
                        <tr>
                            <th scope="row">{ format!("layers {first}–{last}") }</th>
                            { for lab.strip.iter().map(|(step, phase, ran)| {
                                let successor = ran.get(g).copied().unwrap_or(true);
                                let class = classes!("tile", if successor { "successor" } else { "teacher" },
                                    (*phase == Phase::FineTuning).then_some("finetune"));
                                html! { <td class={class} title={format!("step {step}: {}", if successor { "successor" } else { "teacher's layers" })}></td> }
                            }) }
                        </tr>
                    }) }
                </tbody>
            </table>
            <figcaption>{ format!(
                "The last {} steps, oldest left. Blue: the successor ran; grey: the teacher's two layers did ({:.0} % successors).",
                lab.strip.len(), lab.successor_share() * 100.0) }</figcaption>
        </figure>
    }
}

/// The rate p and the successors' test accuracy alone, over the run.
fn plots(lab: &TheseusLab) -> Html {
    let (w, h) = (320.0, 120.0);
    let total = lab.steps as f64;
    let x = (0.0, total.max(1.0));
    let rate: Vec<(f64, f64)> = lab
        .rate
        .iter()
        .map(|&(s, p)| (s as f64, p as f64))
        .collect();
    let acc: Vec<(f64, f64)> = lab
        .accuracy
        .iter()
        .map(|&(s, a)| (s as f64, a as f64))
        .collect();
    let low = lab.accuracy.iter().map(|a| a.1).fold(1.0, f32::min) as f64;
    let boundary = lab.replacing_steps as f64 / total.max(1.0) * w;
    html! {
        <figure class="chart">
            <svg id="theseus-chart" viewBox={format!("-4 -4 {} {}", w + 8.0, h + 8.0)} role="img"
                 aria-label="The replacement rate p and the successors' accuracy alone over the steps">
                <rect class="frame" x="0" y="0" width={w.to_string()} height={h.to_string()} />
                <line class="phase" x1={boundary.to_string()} x2={boundary.to_string()} y1="0" y2={h.to_string()} />
                <text class="tick" x="4" y="12">{ "p = 1, 100 %" }</text>
                <text class="tick" x={(w - 4.0).to_string()} y={(h - 4.0).to_string()} text-anchor="end">{ format!("step {}", lab.steps) }</text>
                <polyline class="rate" points={polyline(&rate, x, (0.0, 1.0), (w, h))} />
                <polyline class="accuracy" points={polyline(&acc, x, ((low - 0.05).max(0.0), 1.0), (w, h))} />
            </svg>
            <figcaption>{ format!(
                "Orange: the rate p (0–1). Blue: the successors' test accuracy alone ({:.0}–100 %){}. The line marks the start of fine-tuning.",
                (low - 0.05).max(0.0) * 100.0,
                lab.accuracy.last().map_or(String::new(), |a| format!(", now {:.1} %", a.1 * 100.0))) }</figcaption>
        </figure>
    }
}
