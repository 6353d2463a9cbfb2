//! "Few classes, little dark knowledge": distilled against scratch on the first 2, 3, 5 and 10
//! digit classes, the gain plotted against the number of classes, with why.

use yew::prelude::*;

use super::{LabProps, ask, busy, frame};
use crate::app::labs::LabRequest;
use crate::app::labs::few_classes::{FewClasses, FewClassesLab, FewClassesRequest};
use crate::engine::few_classes::{FewClassesPlan, FewClassesRow};

#[component]
pub fn View(props: &LabProps) -> Html {
    let lab = &props.labs.states.few_classes;
    let busy = busy(props);
    let run = ask::<FewClasses>(props, || FewClassesRequest::Run, LabRequest::few_classes);
    let plan = FewClassesPlan::default();
    html! {
        <section class="panel few-classes" aria-labelledby="few-classes-h">
            <h2 id="few-classes-h">{ "Few classes, little dark knowledge" }</h2>
            <p class="explain">{ format!(
                "The same lesson on the first 2, 3, 5 and 10 digit classes: a student distilled from the shipped teacher (cut to those classes) against one trained from the labels alone, on the same {:.0} % of the examples, {} steps, mean of {} seeds.",
                plan.labeled_fraction * 100.0, plan.steps, plan.seeds.len()) }</p>
            <div class="buttons">
                <button id="few-classes-run" onclick={run} disabled={busy}>{ "Run the lesson" }</button>
            </div>
            { frame::<FewClasses>(props) }
            { results(lab) }
        </section>
    }
}

fn results(lab: &FewClassesLab) -> Html {
    if lab.rows.is_empty() {
        return match lab.cancelled {
            true => {
                html! { <p class="note">{ "Cancelled before the first class count finished." }</p> }
            }
            false => html! {},
        };
    }
    html! {
        <>
            <table id="few-classes-table" class="results">
                <thead><tr><th>{ "classes" }</th><th>{ "distilled %" }</th><th>{ "scratch %" }</th><th>{ "gain (points)" }</th></tr></thead>
                <tbody>
                    { for lab.rows.iter().map(|r| html! {
                        <tr>
                            <td>{ r.classes }</td>
                            <td>{ format!("{:.1}", r.distilled * 100.0) }</td>
                            <td>{ format!("{:.1}", r.scratch * 100.0) }</td>
                            <td>{ format!("{:+.1}", r.gain() * 100.0) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            { gain_chart(&lab.rows) }
            if lab.cancelled {
                <p class="note">{ "Cancelled; the class counts finished so far are kept." }</p>
            }
            <p class="explain">{ "A soft target over k classes holds k − 1 numbers about the wrong answers: which other digits this one resembles, and how much. That is the teacher's dark knowledge." }</p>
            <p class="explain">{ "With two classes it holds one number, a confidence, which softened by T mostly teaches doubt: no gain, here a small loss. With ten classes there is far more to pass on, and the gain grows with the number of classes." }</p>
        </>
    }
}

/// Bars of the gain against the number of classes, the zero line drawn.
fn gain_chart(rows: &[FewClassesRow]) -> Html {
    let (w, h, pad) = (320.0, 160.0, 24.0);
    let points: Vec<f32> = rows.iter().map(|r| r.gain() * 100.0).collect();
    let top = points.iter().copied().fold(1.0f32, f32::max);
    let bottom = points.iter().copied().fold(-1.0f32, f32::min);
    let y = |v: f32| pad + (top - v) / (top - bottom) * (h - 2.0 * pad);
    let slot = (w - pad) / rows.len().max(1) as f32;
    html! {
        <figure class="chart">
            <svg id="few-classes-chart" viewBox={format!("0 0 {w} {h}")} role="img"
                aria-label="Gain of the distilled student over scratch, in points, for 2, 3, 5 and 10 classes">
                <line class="phase" x1={pad.to_string()} x2={w.to_string()} y1={y(0.0).to_string()} y2={y(0.0).to_string()} />
                { for rows.iter().zip(&points).enumerate().map(|(i, (r, g))| {
                    let x = pad + slot * i as f32 + slot * 0.2;
                    let (y0, y1) = (y(0.0).min(y(*g)), y(0.0).max(y(*g)));
                    html! {
                        <g>
                            <rect class={if *g >= 0.0 { "gain" } else { "loss" }} x={x.to_string()} y={y0.to_string()}
                                width={(slot * 0.6).to_string()} height={(y1 - y0).max(1.0).to_string()} />
                            <text class="tick" x={(x + slot * 0.3).to_string()} y={(h - 6.0).to_string()} text-anchor="middle">{ format!("{} classes", r.classes) }</text>
                            <text class="tick" x={(x + slot * 0.3).to_string()} y={(y0 - 4.0).to_string()} text-anchor="middle">{ format!("{g:+.1}") }</text>
                        </g>
                    }
                }) }
            </svg>
            <figcaption>{ "Gain of distilled over scratch (test-accuracy points)" }</figcaption>
        </figure>
    }
}
