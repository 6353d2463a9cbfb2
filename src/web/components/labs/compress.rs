//! "Smaller networks": the frontier of bytes against accuracy, the teacher's points and your
//! student's, with what each method does and the points on the frontier as a table.

use yew::prelude::*;

use super::{LabProps, ask, busy, edit, frame};
use crate::app::labs::compress::{Compress, CompressEvent, CompressLab, CompressRequest, STEPS_RANGE, STUDENT};
use crate::app::labs::{LabEvent, LabRequest, polyline, scale};
use crate::engine::compress::frontier::{Family, Point, pareto};
use crate::web::components::input_value;

#[component]
pub fn View(props: &LabProps) -> Html {
    let dispatch = props.dispatch.clone();
    let lab = &props.labs.states.compress;
    let running = props.labs.progress("compress").is_some();
    let steps = lab.steps;
    let run = ask::<Compress>(props, move || CompressRequest::Run { steps }, LabRequest::compress);
    let set_steps = Callback::from(move |e: Event| {
        if let Ok(n) = input_value(&e).parse::<usize>() {
            edit(&dispatch, LabEvent::compress(CompressEvent::Steps(n)));
        }
    });
    html! {
        <section class="panel compress" aria-labelledby="compress-h">
            <h2 id="compress-h">{ "Smaller networks" }</h2>
            <p class="explain">{ "Distillation is one way to make a network small. Here the page's teacher and your distilled student are made smaller three other ways, each at several strengths, and every result is measured on the test set: how many bytes its weights take, how often it is right, and how often it agrees with the teacher." }</p>
            { methods() }
            <div class="control inline">
                <label for="compress-steps">{ "Fine-tuning steps after pruning, quantizing or factorizing (MLPs) " }</label>
                <input id="compress-steps" type="number" min={STEPS_RANGE.0.to_string()} max={STEPS_RANGE.1.to_string()} step="50"
                    value={steps.to_string()} onchange={set_steps} disabled={running} />
            </div>
            <div class="buttons">
                <button id="compress-run" onclick={run} disabled={busy(props)}>{ "Make the points" }</button>
            </div>
            { frame::<Compress>(props) }
            { results(lab, running) }
        </section>
    }
}

fn methods() -> Html {
    html! {
        <dl class="methods">
            <dt>{ "Distillation" }</dt>
            <dd>{ "A smaller network trained on the teacher's soft targets: your student, the blue point." }</dd>
            <dt class="pruned">{ "Pruning" }</dt>
            <dd>{ "The smallest weights of the whole network set to zero. Stored as one bit per weight (kept or not) and the kept values. Fine-tuning with the zeros held lets the others make up for them." }</dd>
            <dt class="quantized">{ "Quantization" }</dt>
            <dd>{ "Each weight stored as an 8- or 4-bit integer times a scale, one scale per matrix or per block of 32 weights." }</dd>
            <dt class="factorized">{ "Factorization" }</dt>
            <dd>{ "A layer's matrix replaced by the product of two thin ones (a truncated SVD: the closest matrix of that rank), so it computes in two cheaper steps. MLPs only, so far, as is fine-tuning after pruning or quantizing." }</dd>
        </dl>
    }
}

fn results(lab: &CompressLab, running: bool) -> Html {
    if lab.points.is_empty() {
        return match lab.cancelled {
            true => html! { <p class="note">{ "Cancelled before the first point." }</p> },
            false => html! {},
        };
    }
    let frontier = pareto(&lab.points);
    html! {
        <>
            { plot(&lab.points, &frontier) }
            <p id="compress-reading" class="reading">{ reading(&lab.points, running, lab.cancelled) }</p>
            { speed_note(&lab.points) }
            { table("compress-frontier", "The frontier, fewest bytes first", frontier.iter().map(|&i| &lab.points[i])) }
            <details>
                <summary>{ format!("All {} points", lab.points.len()) }</summary>
                { table("compress-all", "Every point, in the order it was made", lab.points.iter()) }
            </details>
        </>
    }
}

/// Bytes as B, kB or MB.
fn size(bytes: usize) -> String {
    match bytes {
        b if b < 1_000 => format!("{b} B"),
        b if b < 1_000_000 => format!("{:.1} kB", b as f64 / 1e3),
        b => format!("{:.2} MB", b as f64 / 1e6),
    }
}

/// 10^e bytes as a tick: "100 B", "1 kB", "10 kB", "1 MB".
fn power_of_ten(e: i32) -> String {
    let unit = ["B", "kB", "MB", "GB"][(e.clamp(0, 11) / 3) as usize];
    format!("{} {unit}", 10u32.pow((e.clamp(0, 11) % 3) as u32))
}

fn describe(p: &Point) -> String {
    format!(
        "{}, {}: {}, {:.1} % right, agrees with the teacher on {:.1} %, forward pass {:.2} ms",
        p.method,
        p.strength,
        size(p.bytes),
        p.accuracy * 100.0,
        p.agreement * 100.0,
        p.forward_ms
    )
}

fn family_class(p: &Point) -> &'static str {
    match p.family {
        Family::AsIs => "as-trained",
        Family::Pruned => "pruned",
        Family::Quantized => "quantized",
        Family::Factorized => "factorized",
    }
}

/// Accuracy against bytes (log scale); the frontier as a line; teacher's points as diamonds,
/// the student's as circles, hollow until fine-tuned. Hovering or focusing a point shows it
/// in the band above the box.
fn plot(points: &[Point], frontier: &[usize]) -> Html {
    let (w, h) = (520.0, 250.0);
    let log = |b: usize| (b.max(1) as f64).log10();
    let lo = points.iter().map(|p| log(p.bytes)).fold(f64::INFINITY, f64::min).floor();
    let hi = points.iter().map(|p| log(p.bytes)).fold(f64::NEG_INFINITY, f64::max).ceil();
    let x = (lo, hi.max(lo + 1.0));
    let low = points.iter().map(|p| p.accuracy).fold(1.0, f32::min) as f64;
    let y = (((low - 0.02) * 10.0).floor().max(0.0) / 10.0, 1.0);
    let line: Vec<(f64, f64)> = frontier.iter().map(|&i| (log(points[i].bytes), points[i].accuracy as f64)).collect();
    let ticks = (x.0 as i32..=x.1 as i32).map(|e| {
        let (tx, _) = scale((e as f64, y.0), x, y, (w, h));
        let anchor = if e == x.1 as i32 { "end" } else { "middle" };
        html! { <text class="tick" x={format!("{tx:.1}")} y={(h + 14.0).to_string()} text-anchor={anchor}>{ power_of_ten(e) }</text> }
    });
    html! {
        <figure class="chart frontier">
            <svg id="compress-plot" viewBox={format!("-44 -34 {} {}", w + 52.0, h + 56.0)} role="img"
                 aria-label="Test accuracy against bytes on disk, one point per network and method">
                <rect class="frame" x="0" y="0" width={w.to_string()} height={h.to_string()} />
                <text class="tick" x="-4" y="8" text-anchor="end">{ "100 %" }</text>
                <text class="tick" x="-4" y={h.to_string()} text-anchor="end">{ format!("{:.0} %", y.0 * 100.0) }</text>
                { for ticks }
                <polyline class="pareto" points={polyline(&line, x, y, (w, h))} />
                { for points.iter().enumerate().map(|(i, p)| marker(i, p, scale((log(p.bytes), p.accuracy as f64), x, y, (w, h)))) }
            </svg>
            <figcaption>{ "Test accuracy against bytes on disk (log scale). Diamonds: the teacher made small; circles: your student; hollow: not fine-tuned. The line joins the frontier: the points nothing beats in both size and accuracy. Hover over or tab to a point to read it." }</figcaption>
        </figure>
    }
}

fn marker(i: usize, p: &Point, (cx, cy): (f64, f64)) -> Html {
    let student = p.method.starts_with(STUDENT);
    let class = classes!(
        "pt",
        family_class(p),
        p.tuned.then_some("tuned"),
        if student { "of-student" } else { "of-teacher" }
    );
    let r = if p.family == Family::AsIs { 6.5 } else { 4.5 };
    let shape = match student {
        true => html! { <circle cx={format!("{cx:.1}")} cy={format!("{cy:.1}")} r={r.to_string()} /> },
        false => html! {
            <rect x={format!("{:.1}", cx - r * 0.8)} y={format!("{:.1}", cy - r * 0.8)} width={(r * 1.6).to_string()} height={(r * 1.6).to_string()}
                transform={format!("rotate(45 {cx:.1} {cy:.1})")} />
        },
    };
    let text = describe(p);
    html! {
        <g class={class} tabindex="0" aria-label={text.clone()} id={format!("compress-pt-{i}")}
            data-bytes={p.bytes.to_string()} data-accuracy={p.accuracy.to_string()} data-ms={p.forward_ms.to_string()}>
            { shape }
            <title>{ text.clone() }</title>
            <text class="tip" x="0" y="-12">{ format!("{}, {}", p.method, p.strength) }</text>
            <text class="tip" x="0" y="-1">{ format!("{} · {:.1} % right · {:.1} % like the teacher · {:.2} ms", size(p.bytes), p.accuracy * 100.0, p.agreement * 100.0, p.forward_ms) }</text>
        </g>
    }
}

/// Where the student stands, and the smallest point as good as it.
fn reading(points: &[Point], running: bool, cancelled: bool) -> String {
    let student = points.iter().find(|p| p.method == STUDENT);
    let state = match (running, cancelled) {
        (true, _) => "Points so far. ",
        (false, true) => "Cancelled; the points made so far are kept. ",
        (false, false) => "",
    };
    let Some(s) = student else {
        return state.to_string();
    };
    let smaller = points
        .iter()
        .filter(|p| p.bytes < s.bytes && p.accuracy >= s.accuracy)
        .min_by_key(|p| p.bytes);
    let beaten = match smaller {
        Some(p) => format!(
            " As accurate in {}: {} ({}).",
            size(p.bytes),
            p.method,
            p.strength
        ),
        None => " No point here is both smaller and as accurate.".to_string(),
    };
    format!(
        "{state}Your student: {} at {:.1} %.{beaten}",
        size(s.bytes),
        s.accuracy * 100.0
    )
}

/// Smaller is not always faster: a pruned network still multiplies every zero; a student
/// with fewer weights does less arithmetic.
fn speed_note(points: &[Point]) -> Html {
    let find = |name: &str, strength: &str| {
        points
            .iter()
            .find(|p| p.method == name && p.strength.starts_with(strength))
    };
    let dense = find("teacher", "float32");
    let sparse = find("teacher, pruned", "90");
    let (Some(d), Some(s)) = (dense, sparse) else {
        return html! {};
    };
    let student = find(STUDENT, "float32").map_or(String::new(), |p| {
        format!(
            " Your student has fewer weights to multiply: {:.2} ms.",
            p.forward_ms
        )
    });
    html! {
        <p id="compress-speed" class="note">{ format!(
            "Smaller is not always faster. Pruned to 90 %, the teacher takes {} instead of {}, but its forward pass over the test examples takes {:.2} ms against {:.2} ms: its zeros are still multiplied like any other weight.{student}",
            size(s.bytes), size(d.bytes), s.forward_ms, d.forward_ms) }</p>
    }
}

fn table<'a>(id: &str, caption: &str, rows: impl Iterator<Item = &'a Point>) -> Html {
    html! {
        <table id={id.to_string()} class="results">
            <caption>{ caption.to_string() }</caption>
            <thead><tr><th>{ "network and method" }</th><th>{ "strength" }</th><th>{ "size" }</th><th>{ "accuracy" }</th><th>{ "like the teacher" }</th><th>{ "forward ms" }</th></tr></thead>
            <tbody>
                { for rows.map(|p| html! {
                    <tr class={family_class(p)}>
                        <td>{ p.method.clone() }</td>
                        <td>{ p.strength.clone() }</td>
                        <td>{ size(p.bytes) }</td>
                        <td>{ format!("{:.1} %", p.accuracy * 100.0) }</td>
                        <td>{ format!("{:.1} %", p.agreement * 100.0) }</td>
                        <td>{ format!("{:.2}", p.forward_ms) }</td>
                    </tr>
                }) }
            </tbody>
        </table>
    }
}
