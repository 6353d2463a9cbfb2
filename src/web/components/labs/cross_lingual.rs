//! Cross-lingual distillation: load the verses, train the English teacher and the Spanish
//! students (with adaptation as a choice), read the scores, and pick or type a verse to see the
//! teacher's soft targets on the English side and the student's on the Spanish side.

use yew::prelude::*;

use super::{LabProps, ask, busy, edit, frame};
use crate::app::labs::cross_lingual::{
    CrossLingual, CrossLingualEvent, CrossLingualLab, CrossLingualRequest, LAMBDAS, PAGE_EPOCHS,
    Scores, Verse,
};
use crate::app::labs::{LabEvent, LabRequest};
use crate::engine::loss::host::softmax_t;
use crate::engine::text::VERSE_GENRES;
use crate::web::Request;
use crate::web::components::bars::Bars;

#[component]
pub fn View(props: &LabProps) -> Html {
    let lab = &props.labs.states.cross_lingual;
    let busy = busy(props);
    html! {
        <section class="panel cross-lingual" aria-labelledby="cross-lingual-h">
            <h2 id="cross-lingual-h">{ "Across languages (Xu & Yang 2017): an English teacher, a Spanish student" }</h2>
            <p class="explain">{ "Which part of the Bible does a verse come from: the Law, History, Wisdom, the Prophets, the Gospels and Acts, the Letters or Revelation? The teacher learns it from English verses with their labels. The student reads Spanish only, and is never told a Spanish verse's label: it learns from parallel verses, the Spanish side as its input and the teacher's soft targets of the English side as its targets. Two students bound it: one that reads every gold label of the same Spanish verses, and one that reads 1 % of them." }</p>
            if lab.loaded.is_none() {
                <button id="cross-lingual-load" disabled={busy}
                    onclick={ask::<CrossLingual>(props, || CrossLingualRequest::Load, LabRequest::cross_lingual)}>
                    { "Load the verses (King James and Reina-Valera 1909, 2.8 MB)" }
                </button>
            } else {
                { controls(props, lab, busy) }
            }
            { frame::<CrossLingual>(props) }
            { scores(lab) }
            if lab.loaded.is_some() { { verse(props, lab) } }
        </section>
    }
}

fn controls(p: &LabProps, lab: &CrossLingualLab, busy: bool) -> Html {
    let (d, d2) = (p.dispatch.clone(), p.dispatch.clone());
    let on_t = Callback::from(move |e: InputEvent| {
        let v = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
        if let Ok(t) = v.parse::<f32>() {
            edit(&d, LabEvent::cross_lingual(CrossLingualEvent::Temperature(t)));
        }
    });
    let on_lambda = Callback::from(move |e: Event| {
        let v = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
        if let Ok(l) = v.parse::<f32>() {
            edit(&d2, LabEvent::cross_lingual(CrossLingualEvent::Lambda(l)));
        }
    });
    let request = CrossLingualRequest::Train {
        temperature: lab.temperature,
        lambda: lab.lambda,
        english: lab.english.clone(),
        spanish: lab.spanish.clone(),
    };
    let train = p.request.reform(move |_: MouseEvent| {
        Request::Lab(LabRequest::cross_lingual(request.clone()))
    });
    let lambda_name = |l: f32| match l {
        0.0 => "0: no adapted teacher".to_string(),
        l => format!("{l}"),
    };
    let loaded = lab.loaded.as_ref();
    html! {
        <>
            <p class="note">{ loaded.map(|l| format!(
                "{} labelled English verses (odd chapters) teach the teacher; {} parallel verses (even chapters) teach the students; {} verses of other chapters test them all.",
                l.labelled, l.parallel, l.test)).unwrap_or_default() }</p>
            <div class="control">
                <label for="cross-lingual-t">{ format!("Temperature T = {:.1}", lab.temperature) }</label>
                <input id="cross-lingual-t" type="range" min="1" max="10" step="0.5"
                    value={lab.temperature.to_string()} oninput={on_t} aria-describedby="cross-lingual-t-note" />
                <p id="cross-lingual-t-note" class="note">{ "Softens the soft targets shown below at once; the next run's student learns them at this T." }</p>
            </div>
            <div class="control">
                <label for="cross-lingual-lambda">{ "Adversarial feature adaptation, weight λ" }</label>
                <select id="cross-lingual-lambda" onchange={on_lambda} disabled={busy} aria-describedby="cross-lingual-lambda-note">
                    { for LAMBDAS.iter().map(|&l| html! {
                        <option value={l.to_string()} selected={l == lab.lambda}>{ lambda_name(l) }</option>
                    }) }
                </select>
                <p id="cross-lingual-lambda-note" class="note">{ "The paper's addition: a second teacher also learns to fool a critic that tells its features of the labelled verses from those of the parallel ones, so that its soft targets hold on the text the student learns from. A third student learns from it." }</p>
            </div>
            <div class="buttons">
                <button id="cross-lingual-train" disabled={busy} onclick={train}>
                    { format!("Train the teacher and the students ({PAGE_EPOCHS} epochs each)") }
                </button>
            </div>
        </>
    }
}

fn scores(lab: &CrossLingualLab) -> Html {
    let Scores {
        teacher,
        adapted_teacher,
        critic,
        adapted_critic,
        distilled,
        adapted_distilled,
        gold,
        few,
    } = lab.scores;
    if teacher.is_none() {
        return html! {};
    }
    let pct = |v: Option<f32>| v.map_or("…".to_string(), |v| format!("{:.1} %", v * 100.0));
    let row = |who: &str, reads: &str, v: Option<f32>| html! {
        <tr><th scope="row">{ who.to_string() }</th><td>{ reads.to_string() }</td><td>{ pct(v) }</td></tr>
    };
    let adapted = lab.lambda > 0.0 || adapted_teacher.is_some();
    html! {
        <table id="cross-lingual-scores">
            <caption>{ "Accuracy on the test chapters (7 genres)" }</caption>
            <thead><tr><th>{ "network" }</th><th>{ "learned from" }</th><th>{ "accuracy" }</th></tr></thead>
            <tbody>
                { row("English teacher", "English verses and their labels", teacher) }
                { row("Spanish student, distilled", "Spanish verses and the teacher's soft targets; no label", distilled) }
                { row("Spanish student, gold labels", "the same Spanish verses with their labels (the ceiling)", gold) }
                { row("Spanish student, 1 % of the labels", "1 % of them with their labels (the floor)", few) }
                if adapted {
                    { row("English teacher, adapted", "as the teacher, and fooling the critic", adapted_teacher) }
                    { row("Spanish student, from the adapted teacher", "as the distilled one", adapted_distilled) }
                    { row("the critic, watching the teacher", "told the teacher's labelled verses from the parallel ones (50 %: it cannot)", critic) }
                    { row("the critic, against the adapted teacher", "the same, while the teacher fools it", adapted_critic) }
                }
            </tbody>
        </table>
    }
}

/// Shows a verse, both sides, and asks both networks to read it.
type Show = std::rc::Rc<dyn Fn(String, String)>;

fn shower(p: &LabProps) -> Show {
    let (d, request) = (p.dispatch.clone(), p.request.clone());
    std::rc::Rc::new(move |english: String, spanish: String| {
        edit(&d, LabEvent::cross_lingual(CrossLingualEvent::Text {
            english: english.clone(),
            spanish: spanish.clone(),
        }));
        request.emit(Request::Lab(LabRequest::cross_lingual(
            CrossLingualRequest::Read { english, spanish },
        )));
    })
}

/// The verse on show: pick one, or type in either language; each side's soft targets at T.
fn verse(p: &LabProps, lab: &CrossLingualLab) -> Html {
    let Some(loaded) = &lab.loaded else {
        return html! {};
    };
    let show = shower(p);
    let typed = |english_side: bool| {
        let (show, other) = (show.clone(), if english_side { lab.spanish.clone() } else { lab.english.clone() });
        Callback::from(move |e: InputEvent| {
            let text = e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value();
            match english_side {
                true => show(text, other.clone()),
                false => show(other.clone(), text),
            }
        })
    };
    let picked = loaded.verses.iter().position(|v| v.english == lab.english && v.spanish == lab.spanish);
    let label = picked.and_then(|i| loaded.verses.get(i)).map(|v| usize::from(v.genre));
    html! {
        <div id="cross-lingual-verse-view">
            { menu(&loaded.verses, picked, show.clone()) }
            <div class="verse-pair">
                <div class="control">
                    <label for="cross-lingual-english">{ "English: the teacher reads this" }</label>
                    <textarea id="cross-lingual-english" rows="3" value={lab.english.clone()} oninput={typed(true)} />
                    { side(lab, true, label) }
                </div>
                <div class="control">
                    <label for="cross-lingual-spanish">{ "Spanish: the student reads this" }</label>
                    <textarea id="cross-lingual-spanish" rows="3" value={lab.spanish.clone()} oninput={typed(false)} />
                    { side(lab, false, label) }
                </div>
            </div>
        </div>
    }
}

/// The test verses to pick from ("(typed)" while the texts are no verse of them).
fn menu(verses: &[Verse], picked: Option<usize>, show: Show) -> Html {
    let list = verses.to_vec();
    let pick = Callback::from(move |e: Event| {
        let v = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
        if let Some(verse) = v.parse::<usize>().ok().and_then(|i| list.get(i)) {
            show(verse.english.clone(), verse.spanish.clone());
        }
    });
    let genre = |g: u8| VERSE_GENRES.get(usize::from(g)).copied().unwrap_or("?");
    html! {
        <div class="control">
            <label for="cross-lingual-verse">{ "A verse of the test chapters" }</label>
            <select id="cross-lingual-verse" onchange={pick}>
                if picked.is_none() { <option value="" selected=true>{ "(typed)" }</option> }
                { for verses.iter().enumerate().map(|(i, v)| html! {
                    <option value={i.to_string()} selected={picked == Some(i)}>
                        { format!("{} ({})", v.place, genre(v.genre)) }
                    </option>
                }) }
            </select>
        </div>
    }
}

/// One side's soft targets at the lab's T, or why there are none.
fn side(lab: &CrossLingualLab, english: bool, label: Option<usize>) -> Html {
    let Some(readout) = &lab.readout else {
        return html! { <p class="note">{ "Train, and the soft targets appear here." }</p> };
    };
    let (logits, title, kind) = match english {
        true => (&readout.teacher, "The teacher's soft targets at T", "teacher"),
        false => (&readout.student, "The student's soft targets at T", "student"),
    };
    let names: Vec<AttrValue> = VERSE_GENRES.iter().map(|g| AttrValue::from(*g)).collect();
    match logits {
        Ok(logits) => html! {
            <Bars title={title} probs={softmax_t(logits, lab.temperature)} {label} kind={kind} {names} />
        },
        Err(why) => html! { <p class="note" role="status">{ why.clone() }</p> },
    }
}
