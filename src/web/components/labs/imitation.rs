//! Adversarial imitation: choose λ, train the four networks, follow the critic's and the
//! student's accuracy over the imitation, and read the four test accuracies side by side.

use yew::prelude::*;

use super::{LabProps, busy, edit, frame};
use crate::app::labs::imitation::{
    Imitation, ImitationEvent, ImitationLab, ImitationRequest, LAMBDAS,
};
use crate::app::labs::{LabEvent, LabRequest, polyline, scale};
use crate::engine::imitation::Stage;
use crate::web::Request;

#[component]
pub fn View(props: &LabProps) -> Html {
    let lab = &props.labs.states.imitation;
    let busy = busy(props);
    html! {
        <section class="panel imitation" aria-labelledby="imitation-h">
            <h2 id="imitation-h">{ "Privileged information (Liu, Chen & Liu 2019): a student imitates what it cannot read" }</h2>
            <p class="explain">{ "Which of 15 genres does a sentence of the Brown corpus come from? The teacher reads the words and, as privileged information, each word's part of speech (noun, verb, …), which the student will never have. The student reads the words alone. In the paper's four stages: the teacher learns; its classifier is frozen and the student's encoder goes under it; a critic learns to tell the teacher's features from the student's; then the student learns the genres through the frozen classifier while making its features pass for the teacher's." }</p>
            { controls(props, lab, busy) }
            { frame::<Imitation>(props) }
            if let Some((train, test, tags)) = lab.sizes {
                <p class="note">{ format!("{train} training sentences, {test} test sentences of other documents, {tags} tags.") }</p>
            }
            { scores(lab) }
            { chart(lab) }
        </section>
    }
}

fn controls(p: &LabProps, lab: &ImitationLab, busy: bool) -> Html {
    let d = p.dispatch.clone();
    let on_lambda = Callback::from(move |e: Event| {
        let v = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
        if let Ok(l) = v.parse::<f32>() {
            edit(&d, LabEvent::imitation(ImitationEvent::Lambda(l)));
        }
    });
    let lambda = lab.lambda;
    let train = p.request.reform(move |_: MouseEvent| {
        Request::Lab(LabRequest::imitation(ImitationRequest::Train { lambda }))
    });
    let name = |l: f32| match l {
        0.0 => "0: the frozen classifier only, no critic to fool".to_string(),
        l => l.to_string(),
    };
    html! {
        <>
            <div class="control">
                <label for="imitation-lambda">{ "Weight λ of fooling the critic" }</label>
                <select id="imitation-lambda" onchange={on_lambda} disabled={busy}>
                    { for LAMBDAS.iter().map(|&l| html! {
                        <option value={l.to_string()} selected={l == lab.lambda}>{ name(l) }</option>
                    }) }
                </select>
            </div>
            <div class="buttons">
                <button id="imitation-train" disabled={busy} onclick={train}>
                    { "Train the four networks (Brown, 12,000 sentences, 3 epochs each)" }
                </button>
            </div>
        </>
    }
}

/// The four test accuracies side by side, as bars.
fn scores(lab: &ImitationLab) -> Html {
    if lab.scores.iter().all(Option::is_none) {
        return html! {};
    }
    let top = lab.scores.iter().flatten().fold(0.0f32, |a, &b| a.max(b)).max(0.01);
    html! {
        <table id="imitation-scores">
            <caption>{ "Accuracy on the test sentences (15 genres; guessing: 6.7 %)" }</caption>
            <tbody>
                { for Stage::ALL.iter().zip(lab.scores).map(|(stage, score)| html! {
                    <tr>
                        <th scope="row">{ stage.title() }</th>
                        <td>{ score.map_or("…".into(), |s| format!("{:.1} %", s * 100.0)) }</td>
                        <td class="bar-cell">
                            <svg viewBox="0 0 100 10" width="160" height="14" aria-hidden="true">
                                <rect x="0" y="1" height="8" width={format!("{:.1}", score.unwrap_or(0.0) / top * 100.0)} />
                            </svg>
                        </td>
                    </tr>
                }) }
            </tbody>
        </table>
    }
}

/// The critic's accuracy (it starts alone) and the student's batch accuracy, over the steps.
fn chart(lab: &ImitationLab) -> Html {
    let Some(last) = lab.curve.last() else {
        return html! {};
    };
    let (w, h) = (480.0, 160.0);
    let x = (0.0, last.step.max(1) as f64);
    let y = (0.0, 1.0);
    let critic: Vec<(f64, f64)> = lab.curve.iter().map(|p| (p.step as f64, p.critic as f64)).collect();
    let student: Vec<(f64, f64)> = lab
        .curve
        .iter()
        .filter_map(|p| p.student.map(|s| (p.step as f64, s as f64)))
        .collect();
    let (start, _) = scale((lab.critic_steps as f64, 0.0), x, y, (w, h));
    let (_, half) = scale((0.0, 0.5), x, y, (w, h));
    // Room for the axis labels left and below.
    let (left, below) = (36.0, 18.0);
    html! {
        <figure id="imitation-chart" class="chart">
            <svg viewBox={format!("0 0 {} {}", w + left + 4.0, h + below + 4.0)} role="img"
                aria-label={format!("The critic's accuracy ends at {:.0} %; the student's batch accuracy at {:.0} %",
                    last.critic * 100.0, last.student.unwrap_or(0.0) * 100.0)}>
                <text x={(left - 4.0).to_string()} y="10" text-anchor="end">{ "100 %" }</text>
                <text x={(left - 4.0).to_string()} y={format!("{:.1}", half + 8.0)} text-anchor="end">{ "50 %" }</text>
                <text x={(left - 4.0).to_string()} y={format!("{:.1}", h + 4.0)} text-anchor="end">{ "0" }</text>
                <text x={format!("{:.1}", left + w)} y={format!("{:.1}", h + below)} text-anchor="end">{ format!("step {}", last.step) }</text>
                <g transform={format!("translate({left} 4)")}>
                    <rect class="frame" x="0" y="0" width={w.to_string()} height={h.to_string()} />
                    <line class="guide" x1="0" x2={w.to_string()} y1={format!("{half:.1}")} y2={format!("{half:.1}")} />
                    <line class="guide" x1={format!("{start:.1}")} x2={format!("{start:.1}")} y1="0" y2={h.to_string()} />
                    <polyline class="critic" fill="none" points={polyline(&critic, x, y, (w, h))} />
                    <polyline class="student" fill="none" points={polyline(&student, x, y, (w, h))} />
                </g>
            </svg>
            <figcaption>{ format!(
                "The critic (dark) learns alone for {} steps, then the student (orange) starts and tries to fool it; at 50 % (the dashed line) it cannot tell the two apart. Last: critic {:.0} %, student {:.0} % of its batch.",
                lab.critic_steps, last.critic * 100.0, last.student.unwrap_or(0.0) * 100.0) }</figcaption>
        </figure>
    }
}
