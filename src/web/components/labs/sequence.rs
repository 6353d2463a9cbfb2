//! Sequence-level KD on CMUdict: load the encoder–decoder teacher, train a student from gold,
//! word-level, sequence-level targets, both or interpolation, with the teacher's beam as a
//! control, and type a word to hear both out beside the teacher's beam.

use yew::prelude::*;

use super::{LabProps, ask, busy, edit, frame};
use crate::app::labs::sequence::{
    BEAMS, Pronunciation, Said, Sequence, SequenceEvent, SequenceLab, SequenceRequest, Taught,
};
use crate::app::labs::{LabEvent, LabRequest};
use crate::engine::seq2seq::beam::closest_to_gold;
use crate::engine::seq2seq::{Targets, data::spell};
use crate::web::Request;

fn targets_title(t: Targets) -> &'static str {
    match t {
        Targets::Gold => "the dictionary's pronunciations (no teacher)",
        Targets::Word => "word level: the teacher's distribution at each position",
        Targets::Sequence => "sequence level: the teacher's own pronunciations",
        Targets::Both => "both",
        Targets::Interpolated => "interpolation: the teacher's candidate nearest the dictionary's",
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
            <p class="explain">{ "A transformer encoder–decoder teacher reads a word's letters and writes its phonemes one at a time (CMUdict). A student a quarter as wide learns from the dictionary, from the teacher's distribution at every position (word level), from the teacher's own pronunciations as if they were the dictionary's (sequence level), or, of the teacher's few likeliest pronunciations (its beam), from the one nearest the dictionary's (interpolation)." }</p>
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
    let taught = Taught {
        targets: lab.targets,
        beam: lab.beam,
    };
    let train = request.reform(move |_: MouseEvent| {
        Request::Lab(LabRequest::sequence(SequenceRequest::Train(taught)))
    });
    let beam = lab.beam;
    let say = request.reform(move |e: Event| {
        let word = e
            .target_unchecked_into::<web_sys::HtmlInputElement>()
            .value();
        Request::Lab(LabRequest::sequence(SequenceRequest::Pronounce { word, beam }))
    });
    html! {
        <>
            <div class="control">
                <label for="sequence-targets">{ "The student learns from" }</label>
                <select id="sequence-targets" onchange={choose} disabled={busy}>
                    { for Targets::ALL.iter().map(|&t| html! {
                        <option value={t.name()} selected={t == lab.targets}>{ targets_title(t) }</option>
                    }) }
                </select>
            </div>
            { beam_control(p, lab, busy) }
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

fn beam_control(p: &LabProps, lab: &SequenceLab, busy: bool) -> Html {
    let s = p.dispatch.clone();
    let choose = Callback::from(move |e: Event| {
        let v = e
            .target_unchecked_into::<web_sys::HtmlSelectElement>()
            .value();
        if let Ok(b) = v.parse::<usize>() {
            edit(&s, LabEvent::sequence(SequenceEvent::Beam(b)));
        }
    });
    let width = |b: usize| match b {
        1 => "1 (greedy: the likeliest phoneme at each step)".to_string(),
        5 => "5 (Kim & Rush's)".to_string(),
        b => b.to_string(),
    };
    html! {
        <div class="control">
            <label for="sequence-beam">{ "The teacher's beam" }</label>
            <select id="sequence-beam" onchange={choose} disabled={busy}
                aria-describedby="sequence-beam-note">
                { for BEAMS.iter().map(|&b| html! {
                    <option value={b.to_string()} selected={b == lab.beam}>{ width(b) }</option>
                }) }
            </select>
            <p id="sequence-beam-note" class="note">{ "A beam keeps the teacher's likeliest unfinished pronunciations at every step, and ends with its best few. Sequence-level KD learns the best; interpolation learns the one nearest the dictionary's, so it needs a beam of 2 or more. A wider beam finds likelier pronunciations, and decoding 5,000 words with it takes the teacher longer (about 40 seconds at 5)." }</p>
        </div>
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
                { for lab.students.iter().map(|(t, s)| row(format!("student from {}", t.describe()), s)) }
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
            { beam_table(s) }
        </div>
    }
}

/// The teacher's beam for the typed word, each candidate's probability, and which one each kind
/// of targets would learn.
fn beam_table(s: &Said) -> Html {
    let nearest = s.gold.as_ref().and_then(|g| closest_to_gold(&s.beam, g));
    let gold = match &s.gold {
        Some(g) => format!("CMUdict says /{}/.", spell(g)),
        None => "Not in CMUdict: no dictionary pronunciation to be near.".to_string(),
    };
    let mark = |i: usize, c: &crate::engine::seq2seq::Candidate| {
        let mut marks = Vec::new();
        if i == 0 {
            marks.push("best: sequence-level KD learns it");
        }
        if nearest == Some(c) {
            marks.push("nearest the dictionary's: interpolation learns it");
        }
        marks.join("; ")
    };
    html! {
        <table id="sequence-beam-table">
            <caption>{ format!("The teacher's beam of {} for “{}”. {gold}", s.beam.len(), s.word) }</caption>
            <thead><tr><th>{ "#" }</th><th>{ "pronunciation" }</th><th>{ "probability" }</th><th></th></tr></thead>
            <tbody>
                { for s.beam.iter().enumerate().map(|(i, c)| html! {
                    <tr>
                        <th scope="row">{ i + 1 }</th>
                        <td>{ format!("/{}/", spell(&c.phonemes)) }</td>
                        <td>{ format!("{:.3}", c.log_prob.exp()) }</td>
                        <td>{ mark(i, c) }</td>
                    </tr>
                }) }
            </tbody>
        </table>
    }
}

fn tops(p: &Pronunciation, i: usize) -> String {
    p.top(i, 3)
        .iter()
        .map(|(name, prob)| format!("{name} {:.2}", prob))
        .collect::<Vec<_>>()
        .join(" · ")
}
