//! The soft targets: an example, the temperature slider and the teacher's and student's bars.

use yew::prelude::*;

use super::*;
use crate::app::state::{Action, DrawAction};
use crate::app::{
    Drawing, T_MAX, T_MIN, runners_up, slider_from_temperature, temperature_from_slider,
};
use crate::engine::data::Dataset;
use crate::engine::loss::host;
use crate::web::components::{Bars, Digit, MessageBox};

/// The selected test digit and the teacher's and students' soft targets at temperature T.
#[component]
pub fn SoftTargets(props: &StateProps) -> Html {
    let state = &props.state;
    let s = &state.settings;
    let Some(data) = &state.data else {
        return html! {
            <section class="panel soft" aria-labelledby="soft-h">
                <h2 id="soft-h">{ "Soft targets" }</h2>
                <p id="data-loading" class="note">{ format!("Loading {}…", s.dataset.title()) }</p>
            </section>
        };
    };
    let test = &data.split.test;
    let index = s.example.min(test.len().saturating_sub(1));
    let label = test.labels.get(index).map_or(0, |l| usize::from(*l));
    let example = if data.text.is_some() {
        html! {
            <>
                if state.message.is_none() { { test_example(state, test, index, label) } }
                <MessageBox state={state.clone()} />
            </>
        }
    } else if let Some(d) = &state.drawing {
        drawing(state, d)
    } else if let Some(point) = state.probe {
        probe(state, point)
    } else {
        test_example(state, test, index, label)
    };
    html! {
        <section class="panel soft" aria-labelledby="soft-h">
            <h2 id="soft-h">{ "Soft targets" }</h2>
            { example }
            { temperature_slider(state) }
            if !message_has_no_words(state) { { bars(state, test.classes, label) } }
        </section>
    }
}

fn draw(state: &State, a: DrawAction) -> Callback<MouseEvent> {
    let d = state.dispatcher();
    Callback::from(move |_: MouseEvent| d.dispatch(Action::Draw(a)))
}

/// The drawing grid with undo, clear and the way back.
fn drawing(state: &State, d: &Drawing) -> Html {
    html! {
        <div class="example">
            <DrawGrid pixels={d.pixels.clone()} side={d.side} dispatch={state.dispatcher()} />
            <div class="example-nav">
                <p class="note">{ "Draw a digit: press and drag over the grid (keyboard: arrows move, Enter paints, Shift+arrows paint as they move). The bars follow as you draw." }</p>
                <div class="buttons">
                    <button id="draw-undo" onclick={draw(state, DrawAction::Undo)} disabled={!d.can_undo()}>{ "Undo" }</button>
                    <button id="draw-clear" onclick={draw(state, DrawAction::Clear)}>{ "Clear" }</button>
                    <button id="draw-stop" onclick={draw(state, DrawAction::Stop)}>{ "Back to test digits" }</button>
                </div>
            </div>
        </div>
    }
}

/// A point clicked on a decision map, with the way back.
fn probe(state: &State, [x, y]: [f32; 2]) -> Html {
    let d = state.dispatcher();
    let back = Callback::from(move |_: MouseEvent| d.dispatch(Action::Probe(None)));
    html! {
        <div class="example">
            <p id="probe" class="reading">{ format!("The point ({x:.2}, {y:.2}) you clicked on a decision map.") }</p>
            <button id="probe-stop" onclick={back}>{ "Back to test points" }</button>
        </div>
    }
}

/// A typed message that cannot be classified (the message box says why): no bars for it.
fn message_has_no_words(state: &State) -> bool {
    let tokenizer = state.data.as_ref().and_then(|d| d.text.as_ref());
    match (&state.message, tokenizer) {
        (Some(m), Some(t)) => crate::app::message::read_message(m, &t.split.tokenizer).is_err(),
        _ => false,
    }
}

/// Class names for bars and readings: the text set's names, else the numbers.
pub fn class_name(state: &State, c: usize) -> String {
    if state.settings.dataset.is_text() {
        crate::engine::text::SPAM_CLASSES
            .get(c)
            .map_or(c.to_string(), ToString::to_string)
    } else {
        c.to_string()
    }
}

/// A test example with previous / next, its number and label, and "Draw your own".
fn test_example(state: &State, test: &Dataset, index: usize, label: usize) -> Html {
    let s = &state.settings;
    let go = |delta: isize| {
        let n = test.len() as isize;
        let step = update(state, move |current| {
            let mut s = current.clone();
            s.example = (s.example as isize + delta).rem_euclid(n) as usize;
            Ok(s)
        });
        Callback::from(move |_: MouseEvent| step())
    };
    let on_index = edit(state, |s, v| {
        if let Ok(i) = v.parse::<usize>() {
            s.example = i;
        }
    });
    let x = test.example(index);
    html! {
        <div class="example">
            if let Some(side) = s.dataset.image_side() {
                <Digit pixels={x.to_vec()} side={side} />
            } else if s.dataset.is_text() {
                <p class="note">{ "A test message (its text and tokens are below)." }</p>
            } else {
                <p class="note point">{ format!("Test point ({:.2}, {:.2}); click a decision map to probe any point.", x[0], x[1]) }</p>
            }
            <div class="example-nav">
                <button aria-label="previous example" onclick={go(-1)}>{ "◀" }</button>
                <label>{ "Test example " }
                    <input id="example" type="number" min="0" max={(test.len() - 1).to_string()} value={index.to_string()} onchange={on_index} />
                </label>
                <button aria-label="next example" onclick={go(1)}>{ "▶" }</button>
                <p>{ format!("True label: {}", class_name(state, label)) }</p>
                if s.dataset.image_side().is_some() {
                    <button id="draw-start" onclick={draw(state, DrawAction::Start)}>{ "Draw your own" }</button>
                }
            </div>
        </div>
    }
}

/// T on a log scale, 0.5–50, with what it does.
fn temperature_slider(state: &State) -> Html {
    let t = state.settings.temperature;
    let on_slider = edit_input(state, |s, v| {
        if let Ok(p) = v.parse::<f32>() {
            s.temperature = (temperature_from_slider(p) * 100.0).round() / 100.0;
        }
    });
    html! {
        <>
            <label class="slider" for="temperature">
                <span>{ "Temperature " }<strong id="t-value">{ format!("T = {t:.2}") }</strong></span>
                <input id="temperature" type="range" min="0" max="1000" step="1" aria-label="Temperature"
                       data-setting="T" data-part="" data-min={T_MIN.to_string()} data-max={T_MAX.to_string()}
                       aria-valuetext={format!("T = {t:.2}")}
                       value={slider_from_temperature(t).to_string()} oninput={on_slider} />
            </label>
            <p class="explain">{ "p = softmax(z / T). Low T: almost one-hot. High T: flatter, so the small probabilities of the wrong classes become visible. Drag it." }</p>
        </>
    }
}

/// The hard target, the teacher's and the distilled student's distributions at T, and the
/// teacher's ranking of the wrong answers in words.
fn bars(state: &State, classes: usize, label: usize) -> Html {
    let t = state.settings.temperature;
    let hard: Vec<f32> = (0..classes)
        .map(|c| if c == label { 1.0 } else { 0.0 })
        .collect();
    let (teacher, student) = match &state.logits {
        Some(l) if l[0].len() == classes => {
            (host::softmax_t(&l[0], t), Some(host::softmax_t(&l[1], t)))
        }
        _ => (vec![1.0 / classes as f32; classes], None),
    };
    let reading = dark_knowledge(state, &teacher, t);
    let drawn = state.drawing.is_some() || state.probe.is_some() || state.message.is_some();
    let names: Vec<AttrValue> = if state.settings.dataset.is_text() {
        (0..classes).map(|c| class_name(state, c).into()).collect()
    } else {
        Vec::new()
    };
    // A drawing has no true label.
    let label = (!drawn).then_some(label);
    html! {
        <>
            <div class="bars-row" data-input={state.drawing_version.to_string()}
                 data-shown={state.logits_input.map(|v| v.to_string()).unwrap_or_default()}>
                if !drawn {
                    <Bars title="Hard target (one-hot label)" probs={hard} label={label} kind="hard" names={names.clone()} />
                }
                <Bars title="Teacher at T" probs={teacher} label={label} kind="teacher" names={names.clone()} />
                if let Some(st) = student {
                    <Bars title="Distilled student at T" probs={st} label={label} kind="student" names={names} />
                }
            </div>
            <p id="dark-knowledge" class="reading">{ reading }</p>
        </>
    }
}

fn dark_knowledge(state: &State, teacher: &[f32], t: f32) -> String {
    let (top, p) = crate::app::views::top(teacher);
    let ups: Vec<String> = runners_up(teacher, 3)
        .into_iter()
        .map(|(c, q)| format!("{} ({:.1} %)", class_name(state, c), q * 100.0))
        .collect();
    format!(
        "At T = {t:.2} the teacher says {} ({:.0} %), and of the wrong answers it finds {} the most plausible — that ranking is the \"dark knowledge\" the student learns from.",
        class_name(state, top),
        p * 100.0,
        ups.join(", ")
    )
}
