//! Sequence-level KD on CMUdict: load the encoder–decoder teacher, train a student from gold,
//! word-level, sequence-level targets or both (one control), and type a word to hear both out.

use yew::prelude::*;

use super::{LabProps, ask, busy, edit, frame};
use crate::app::labs::sequence::{
    Pronunciation, Sequence, SequenceEvent, SequenceLab, SequenceRequest,
};
use crate::app::labs::{LabEvent, LabRequest};
use crate::engine::seq2seq::Targets;
use crate::web::Request;

fn targets_title(t: Targets) -> &'static str {
    match t {
        Targets::Gold => "the dictionary's pronunciations (no teacher)",
        Targets::Word => "word level: the teacher's distribution at each position",
        Targets::Sequence => "sequence level: the teacher's own pronunciations",
        Targets::Both => "both",
    }
}

#[component]
pub fn View(props: &LabProps) -> Html {
    let p = props;
    let lab = &p.labs.states.sequence;
    let busy = busy(props);
    html! {
        <section class="panel sequence" aria-labelledby="sequence-h">
            <h2 id="sequence-h">{ "Sequence-level KD (Kim & Rush 2016): spelling to sound" }</h2>
            <p class="explain">{ "A transformer encoder–decoder teacher reads a word's letters and writes its phonemes one at a time (CMUdict). A student a quarter as wide learns from the dictionary, from the teacher's distribution at every position (word level), or from the teacher's own pronunciations as if they were the dictionary's (sequence level)." }</p>
            if lab.teacher.is_none() {
                <button id="sequence-load" disabled={busy}
                    onclick={ask::<Sequence>(props, || SequenceRequest::Load, LabRequest::sequence)}>
                    { "Load CMUdict and its teacher (3 MB)" }
                </button>
            } else {
                { controls(p, lab, &props.request, busy) }
            }
            { frame::<Sequence>(props) }
            { scores(lab) }
            { said(lab) }
        </section>
    }
}

fn controls(p: &LabProps, lab: &SequenceLab, request: &Callback<Request>, busy: bool) -> Html {
    let s = p.dispatch.clone();
    let choose = Callback::from(move |e: Event| {
        let v = e
            .target_unchecked_into::<web_sys::HtmlSelectElement>()
            .value();
        if let Ok(t) = v.parse::<Targets>() {
            edit(&s, LabEvent::sequence(SequenceEvent::Targets(t)));
        }
    });
    let targets = lab.targets;
    let train = request.reform(move |_: MouseEvent| {
        Request::Lab(LabRequest::sequence(SequenceRequest::Train(targets)))
    });
    let say = request.reform(|e: Event| {
        let word = e
            .target_unchecked_into::<web_sys::HtmlInputElement>()
            .value();
        Request::Lab(LabRequest::sequence(SequenceRequest::Pronounce(word)))
    });
    html! {
        <>
            <div class="control">
                <label for="sequence-targets">{ "The student learns from" }</label>
                <select id="sequence-targets" onchange={choose} disabled={busy}>
                    { for Targets::ALL.iter().map(|&t| html! {
                        <option value={t.name()} selected={t == targets}>{ targets_title(t) }</option>
                    }) }
                </select>
            </div>
            <div class="buttons">
                <button id="sequence-train" disabled={busy} onclick={train}>{ "Train the student (5,000 words, 4 epochs)" }</button>
            </div>
            <div class="control">
                <label for="sequence-word">{ "Type a word (letters a–z, up to 10), then Enter" }</label>
                <input id="sequence-word" type="text" maxlength="10" autocomplete="off" onchange={say} />
            </div>
        </>
    }
}

fn scores(lab: &SequenceLab) -> Html {
    let Some(teacher) = lab.teacher else {
        return html! {};
    };
    let row = |who: String, s: &crate::engine::seq2seq::G2pScore| {
        html! {
            <tr><th scope="row">{ who }</th><td>{ format!("{:.1} %", s.sequence_accuracy * 100.0) }</td>
                <td>{ format!("{:.1} %", s.phoneme_error_rate * 100.0) }</td></tr>
        }
    };
    html! {
        <table id="sequence-scores">
            <thead><tr><th></th><th>{ "words exactly right" }</th><th>{ "phoneme error rate" }</th></tr></thead>
            <tbody>
                { row("the teacher".into(), &teacher) }
                { for lab.students.iter().map(|(t, s)| row(format!("student from {}", t.name()), s)) }
            </tbody>
        </table>
    }
}

fn said(lab: &SequenceLab) -> Html {
    let Some(s) = &lab.said else {
        return html! {};
    };
    let line = |who: &str, p: &Pronunciation| {
        html! {
            <p class="readout">{ format!("{who}: /{}/", p.arpabet()) }</p>
        }
    };
    html! {
        <div id="sequence-said">
            { line(&format!("“{}”, the teacher", s.word), &s.teacher) }
            if let Some(st) = &s.student { { line("the student", st) } }
            <table id="sequence-positions">
                <caption>{ "At each position, the three likeliest phonemes (the teacher | the student)" }</caption>
                <tbody>
                    { for (0..s.teacher.positions.len()).map(|i| html! {
                        <tr>
                            <th scope="row">{ i + 1 }</th>
                            <td>{ tops(&s.teacher, i) }</td>
                            <td>{ s.student.as_ref().map(|st| tops(st, i)).unwrap_or_default() }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}

fn tops(p: &Pronunciation, i: usize) -> String {
    p.top(i, 3)
        .iter()
        .map(|(name, prob)| format!("{name} {:.2}", prob))
        .collect::<Vec<_>>()
        .join(" · ")
}
