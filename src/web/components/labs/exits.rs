//! FastBERT's early exits: train them on the teacher, then drag the speed S and watch accuracy
//! against the layers and FLOPs the test set needs, and where the shown example leaves.

use yew::prelude::*;

use super::{LabProps, ask, busy, edit, frame};
use crate::app::labs::exits::{
    Exits, ExitsEvent, ExitsRequest, ExitsResult, example_rows, input_rows,
};
use crate::app::labs::{LabEvent, LabRequest, polyline, scale};

#[component]
pub fn View(props: &LabProps) -> Html {
    let p = props;
    let lab = &p.labs.states.exits;
    let busy = busy(props);
    // What is on show (a drawing, a message, a point) decides the example table.
    let drawn = !p.example_shown;
    let train = ask::<Exits>(props, || ExitsRequest::Train, LabRequest::exits);
    html! {
        <section class="panel exits" aria-labelledby="exits-h">
            <h2 id="exits-h">{ "Early exits (FastBERT, Liu et al. 2020)" }</h2>
            <p class="explain">{ "A small classifier after every layer of the teacher learns the teacher's own final answer (KL divergence, the teacher frozen). No label is read. An example then leaves at the first exit that is sure enough — its normalised entropy below the speed S — so easy inputs run fewer layers." }</p>
            <button id="exits-train" disabled={busy} onclick={train}>
                { if lab.result.is_some() { "Train the exits again" } else { "Train exits on the teacher" } }
            </button>
            { frame::<Exits>(props) }
            if let Some(result) = &lab.result {
                { speed_view(p, result, lab.speed, drawn) }
            }
        </section>
    }
}

fn speed_view(p: &LabProps, r: &ExitsResult, speed: f32, drawn: bool) -> Html {
    let s = p.dispatch.clone();
    let on_speed = Callback::from(move |e: InputEvent| {
        let v = e
            .target_unchecked_into::<web_sys::HtmlInputElement>()
            .value();
        if let Ok(speed) = v.parse::<f32>() {
            edit(&s, LabEvent::exits(ExitsEvent::Speed(speed)));
        }
    });
    let at = r.table.at(speed);
    html! {
        <>
            <div class="control">
                <label for="exit-speed">{ format!("Speed S = {speed:.2}") }</label>
                <input id="exit-speed" type="range" min="0" max="1" step="0.05" value={speed.to_string()} oninput={on_speed} />
                <p class="explain">{ "S = 0 runs every layer (the teacher); S = 1 lets every example leave at the first exit." }</p>
            </div>
            <p id="exit-readout" class="readout">{ format!(
                "At S = {speed:.2}: {:.1} % accuracy, {:.2} of {} layers on average, {:.0} % of the teacher's FLOPs (the teacher: {:.1} %).",
                at.accuracy * 100.0, at.layers, r.table.exits(), at.flops_fraction * 100.0, r.teacher_accuracy * 100.0) }</p>
            { chart(r, speed) }
            <p class="explain">{ format!("Test examples leaving at exit 1 … {}: {}", at.left_at.len(),
                at.left_at.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" · ")) }</p>
            { example(p, r, speed, drawn) }
        </>
    }
}

/// Accuracy against the share of the teacher's FLOPs, over S from 0 to 1, with the teacher and
/// the distilled student as points.
fn chart(r: &ExitsResult, speed: f32) -> Html {
    let (w, h) = (320.0, 170.0);
    let lowest = r
        .curve
        .iter()
        .map(|p| p.accuracy)
        .chain(r.student.map(|s| s.0))
        .fold(r.teacher_accuracy, f32::min) as f64;
    let y = ((lowest - 0.02).max(0.0), 1.0);
    let x = (0.0, 1.0);
    let points: Vec<(f64, f64)> = r
        .curve
        .iter()
        .map(|p| (p.flops_fraction, p.accuracy as f64))
        .collect();
    let now = r.table.at(speed);
    let (cx, cy) = scale((now.flops_fraction, now.accuracy as f64), x, y, (w, h));
    let (tx, ty) = scale((1.0, r.teacher_accuracy as f64), x, y, (w, h));
    let student = r
        .student
        .map(|(acc, flops)| scale((flops, acc as f64), x, y, (w, h)));
    html! {
        <figure class="chart">
            <svg id="exit-chart" viewBox={format!("-40 -4 {} {}", w + 44.0, h + 8.0)} role="img"
                 aria-label="Test accuracy against the share of the teacher's FLOPs, one point per speed S">
                <rect class="frame" x="0" y="0" width={w.to_string()} height={h.to_string()} />
                <text class="tick" x="-4" y="8" text-anchor="end">{ "100 %" }</text>
                <text class="tick" x="-4" y={h.to_string()} text-anchor="end">{ format!("{:.0} %", y.0 * 100.0) }</text>
                <text class="tick" x={(w - 4.0).to_string()} y={(h - 4.0).to_string()} text-anchor="end">{ "all the teacher's FLOPs" }</text>
                <polyline class="curve" points={polyline(&points, x, y, (w, h))} />
                <circle class="teacher" cx={tx.to_string()} cy={ty.to_string()} r="5"><title>{ "the teacher" }</title></circle>
                if let Some((sx, sy)) = student {
                    <circle class="student" cx={sx.to_string()} cy={sy.to_string()} r="5"><title>{ "the distilled student" }</title></circle>
                }
                <circle class="now" cx={cx.to_string()} cy={cy.to_string()} r="4"><title>{ format!("S = {speed:.2}") }</title></circle>
            </svg>
            <figcaption>{ format!(
                "Accuracy ({:.0}–100 %) against FLOPs (0–100 % of the teacher's), S from 0 (right) to 1 (left). Dark: the teacher; ring: S now{}.",
                y.0 * 100.0,
                if r.student.is_some() { "; blue: the distilled student" } else { " (train the students first to add the distilled one)" }) }</figcaption>
        </figure>
    }
}

/// The input on show (a test example, or the drawing or message): each exit's guess, its
/// sureness, and where the input leaves.
fn example(p: &LabProps, r: &ExitsResult, speed: f32, drawn: bool) -> Html {
    let i = p.settings.example;
    let (rows, what) = match (&p.labs.states.exits.input, drawn) {
        (Some((_, flat)), true) => (
            input_rows(flat, r.table.classes(), speed),
            "Your input".to_string(),
        ),
        _ => (
            example_rows(&r.table, i, speed),
            format!("Test example {i}"),
        ),
    };
    if rows.is_empty() {
        return html! {};
    }
    html! {
        <table id="exit-example">
            <caption>{ format!("{what} at S = {speed:.2}") }</caption>
            <thead><tr><th>{ "exit" }</th><th>{ "distribution" }</th><th>{ "guess" }</th><th>{ "probability" }</th><th>{ "entropy" }</th><th></th></tr></thead>
            <tbody>
                { for rows.iter().map(|row| html! {
                    <tr class={classes!(row.leaves.then_some("leaves"), row.skipped.then_some("skipped"))}>
                        <th scope="row">{ row.exit }</th>
                        <td>{ mini_bars(&row.probs) }</td>
                        <td>{ row.top }</td>
                        <td>{ format!("{:.2}", row.confidence) }</td>
                        <td>{ format!("{:.2}", row.entropy) }</td>
                        <td>{ if row.leaves { "leaves here" } else if row.skipped { "not run" } else { "" } }</td>
                    </tr>
                }) }
            </tbody>
        </table>
    }
}

/// An exit's distribution as a row of small bars, one per class (class 0 first).
fn mini_bars(probs: &[f32]) -> Html {
    let w = 6.0;
    html! {
        <svg class="mini-bars" viewBox={format!("0 0 {} 20", probs.len() as f32 * w)} role="img"
             aria-label={probs.iter().enumerate().map(|(c, p)| format!("{c}: {p:.2}")).collect::<Vec<_>>().join(", ")}>
            { for probs.iter().enumerate().map(|(c, &p)| {
                let h = (p.clamp(0.0, 1.0) * 20.0).max(0.5);
                html! { <rect x={(c as f32 * w + 0.5).to_string()} y={(20.0 - h).to_string()} width={(w - 1.0).to_string()} height={h.to_string()} /> }
            }) }
        </svg>
    }
}
