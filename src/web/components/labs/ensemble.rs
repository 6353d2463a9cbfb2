//! Several teachers (MT-DNN): the page's teacher and teachers trained here with other seeds,
//! weighted by sliders that act at once, and a student distilled from their average.

use yew::prelude::*;

use super::{LabProps, ask, busy, edit, frame};
use crate::app::labs::ensemble::{
    Ensemble, EnsembleEvent, EnsembleLab, EnsembleRequest, MAX_TEACHERS,
};
use crate::app::labs::{LabEvent, LabRequest};

#[component]
pub fn View(props: &LabProps) -> Html {
    let p = props;
    let lab = &p.labs.states.ensemble;
    let busy = busy(props);
    let add = ask::<Ensemble>(props, || EnsembleRequest::AddTeacher, LabRequest::ensemble);
    let teacher_sized = lab.teacher_sized;
    let distil = ask::<Ensemble>(
        props,
        move || EnsembleRequest::Distil { teacher_sized },
        LabRequest::ensemble,
    );
    let s = p.dispatch.clone();
    let size = Callback::from(move |e: Event| {
        let on = e
            .target_unchecked_into::<web_sys::HtmlInputElement>()
            .checked();
        edit(&s, LabEvent::ensemble(EnsembleEvent::TeacherSized(on)));
    });
    let full = lab.teachers.len() >= MAX_TEACHERS;
    let weights_ok = lab.shares().is_ok();
    html! {
        <section class="panel ensemble" aria-labelledby="ensemble-h">
            <h2 id="ensemble-h">{ "Several teachers (MT-DNN ensemble, Liu et al. 2019)" }</h2>
            <p class="explain">{ "The student learns from the weighted average of its teachers' probabilities. Add teachers trained here with other seeds, set their weights — they act at once, even while the student learns — and see whether the student beats every teacher it learned from." }</p>
            if !lab.teachers.is_empty() {
                { teachers(p, lab) }
            }
            <label class="check">
                <input id="ensemble-teacher-sized" type="checkbox" checked={teacher_sized} onchange={size} disabled={busy} />
                { " The student as large as one teacher (MT-DNN's setting, where the claim is made); off: the page's smaller student" }
            </label>
            <div class="buttons">
                <button id="ensemble-add" disabled={busy || full} onclick={add}>
                    { if lab.teachers.is_empty() { "Start an ensemble: train a second teacher" } else { "Add a teacher (next seed)" } }
                </button>
                <button id="ensemble-distil" disabled={busy || lab.teachers.len() < 2 || !weights_ok} onclick={distil}>
                    { "Distil a student from the ensemble" }
                </button>
            </div>
            { frame::<Ensemble>(props) }
            { student(lab) }
        </section>
    }
}

/// Each teacher with its accuracy and weight, then the ensemble at those weights.
fn teachers(p: &LabProps, lab: &EnsembleLab) -> Html {
    let shares = lab.shares();
    let ensemble = p.run.data
        .as_ref()
        .and_then(|d| lab.ensemble_accuracy(&d.split.test.labels, d.split.test.classes));
    html! {
        <>
            <table id="ensemble-teachers">
                <thead><tr><th>{ "teacher" }</th><th>{ "test accuracy" }</th><th>{ "weight" }</th></tr></thead>
                <tbody>
                    { for lab.teachers.iter().enumerate().map(|(k, t)| {
                        let s = p.dispatch.clone();
                        let on = Callback::from(move |e: InputEvent| {
                            let v = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
                            if let Ok(w) = v.parse::<f32>() {
                                edit(&s, LabEvent::ensemble(EnsembleEvent::Weight(k, w)));
                            }
                        });
                        let w = lab.weights.get(k).copied().unwrap_or(1.0);
                        let share = shares.as_ref().ok().and_then(|s| s.get(k)).copied().unwrap_or(0.0);
                        html! {
                            <tr>
                                <th scope="row">{ t.name.clone() }</th>
                                <td>{ format!("{:.1} %", t.accuracy * 100.0) }</td>
                                <td class="weight">
                                    <input id={format!("ensemble-weight-{k}")} type="range" min="0" max="2" step="0.1"
                                        value={w.to_string()} oninput={on} aria-label={format!("weight of {}", t.name)} />
                                    { format!(" {:.0} %", share * 100.0) }
                                </td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            <p id="ensemble-accuracy" class="readout">{ match (&shares, ensemble) {
                (Err(why), _) => why.clone(),
                (Ok(_), Some(a)) => format!("The ensemble at these weights: {:.1} % on the test set.", a * 100.0),
                (Ok(_), None) => String::new(),
            } }</p>
        </>
    }
}

fn student(lab: &EnsembleLab) -> Html {
    let Some(acc) = lab.student_accuracy else {
        return html! {};
    };
    let best = lab.teachers.iter().map(|t| t.accuracy).fold(0.0, f32::max);
    let verdict = match lab.student_beats_every_teacher() {
        Some(true) => "it beats every teacher it learned from".to_string(),
        _ => format!(
            "the best teacher has {:.1} %: not every teacher is beaten here",
            best * 100.0
        ),
    };
    html! {
        <p id="ensemble-student" class="readout">{ format!(
            "The student distilled from the ensemble: {:.1} % — {verdict}. On MNIST, a student as large as its three teachers beat each of them on two seeds of three (README).",
            acc * 100.0) }</p>
    }
}
