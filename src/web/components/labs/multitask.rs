//! MT-DNN's several tasks: train the multi-task student and the single-task ones, and read each
//! task's test accuracy with and without the shared encoder, beside its teacher's.

use yew::prelude::*;

use super::{LabProps, ask, busy, frame};
use crate::app::labs::LabRequest;
use crate::app::labs::multitask::{MultiTask, MultiTaskLab, MultiTaskRequest};

#[component]
pub fn View(props: &LabProps) -> Html {
    let lab = &props.labs.states.multitask;
    let busy = busy(props);
    html! {
        <section class="panel multitask" aria-labelledby="multitask-h">
            <h2 id="multitask-h">{ "Several tasks (MT-DNN, Liu et al. 2019): one encoder, a head per task" }</h2>
            <p class="explain">{ "Two text tasks, each with its own teacher: the e-mails (easy ham, hard ham or spam; the transformer trained here) and Brown's 15 genres (the fine-tuned MiniLM). The multi-task student has one encoder, a bag of words, shared by both, and a classifier head for each. Each epoch, every batch of both tasks is put in one list and shuffled, so the tasks take turns at random (the paper's Algorithm 1); each batch learns its labels and its own teacher's soft targets (T = 2, α = 0.5). Two single-task students of the same size learn one task each, for as many epochs." }</p>
            <div class="buttons">
                <button id="multitask-train" disabled={busy}
                    onclick={ask::<MultiTask>(props, || MultiTaskRequest::Train, LabRequest::multitask)}>
                    { "Train the three students (the e-mails and 12,000 Brown sentences, 3 epochs)" }
                </button>
            </div>
            { frame::<MultiTask>(props) }
            { table(lab) }
        </section>
    }
}

fn table(lab: &MultiTaskLab) -> Html {
    if lab.tasks.is_empty() {
        return html! {};
    }
    let pct = |v: Option<f32>| v.map_or("…".to_string(), |v| format!("{:.1} %", v * 100.0));
    let gain = |[multi, single]: [Option<f32>; 2]| match (multi, single) {
        // Rounded first, and + 0.0 turns a rounded -0.0 into 0.
        (Some(m), Some(s)) => format!("{:+.1}", ((m - s) * 1000.0).round() / 10.0 + 0.0),
        _ => "…".to_string(),
    };
    html! {
        <table id="multitask-scores">
            <caption>{ "Test accuracy of each task" }</caption>
            <thead><tr>
                <th>{ "task" }</th><th>{ "training rows" }</th><th>{ "its teacher" }</th>
                <th>{ "multi-task student" }</th><th>{ "single-task student" }</th><th>{ "gain (points)" }</th>
            </tr></thead>
            <tbody>
                { for lab.tasks.iter().zip(&lab.scores).map(|(t, s)| html! {
                    <tr>
                        <th scope="row">{ t.name.clone() }</th>
                        <td>{ t.train }</td>
                        <td>{ pct(Some(t.teacher)) }</td>
                        <td>{ pct(s[0]) }</td>
                        <td>{ pct(s[1]) }</td>
                        <td class="gain">{ gain(*s) }</td>
                    </tr>
                }) }
            </tbody>
        </table>
    }
}
