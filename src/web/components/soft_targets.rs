//! The soft targets: an example, the temperature slider and the teacher's and student's bars.

use yew::prelude::*;

use super::*;
use crate::app::state::{Action, DrawAction};
use crate::app::{
    Drawing, T_MAX, T_MIN, runners_up, slider_from_temperature, temperature_from_slider,
};
use crate::engine::data::Dataset;
use crate::engine::loss::host;
use crate::web::components::{Bars, DarkKnowledgeMap, Digit, MessageBox};

/// The selected test digit and the teacher's and students' soft targets at temperature T.
#[component]
pub fn SoftTargets(props: &ShownProps) -> Html {
    let p = props;
    let s = &p.settings;
    let Some(data) = &p.data else {
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
                if p.views.message.is_none() { { test_example(p, test, index, label) } }
                <MessageBox settings={p.settings.clone()} data={p.data.clone()} views={p.views.clone()} dispatch={p.dispatch.clone()} />
            </>
        }
    } else if let Some(d) = &p.views.drawing {
        drawing(p, d)
    } else if let Some(point) = p.views.probe {
        probe(p, point)
    } else {
        test_example(p, test, index, label)
    };
    html! {
        <section class="panel soft" aria-labelledby="soft-h">
            <h2 id="soft-h">{ "Soft targets" }</h2>
            { example }
            { temperature_slider(p) }
            if !message_has_no_words(p) { { bars(p, test.classes, label) } }
            <DarkKnowledgeMap settings={p.settings.clone()} data={p.data.clone()} teacher_test={p.teacher_test.clone()} />
        </section>
    }
}

fn draw(p: &ShownProps, a: DrawAction) -> Callback<MouseEvent> {
    let d = p.dispatch.clone();
    Callback::from(move |_: MouseEvent| d.emit(Action::Draw(a)))
}

/// The drawing grid with undo, clear and the way back.
fn drawing(p: &ShownProps, d: &Drawing) -> Html {
    html! {
        <div class="example">
            <DrawGrid pixels={d.pixels.clone()} side={d.side} dispatch={p.dispatch.clone()} />
            <div class="example-nav">
                <p class="note">{ format!("Draw {}: press and drag over the grid (keyboard: arrows move, Enter paints, Shift+arrows paint as they move). The bars follow as you draw.", drawn_thing(p)) }</p>
                <div class="buttons">
                    <button id="draw-undo" onclick={draw(p, DrawAction::Undo)} disabled={!d.can_undo()}>{ "Undo" }</button>
                    <button id="draw-clear" onclick={draw(p, DrawAction::Clear)}>{ "Clear" }</button>
                    <button id="draw-stop" onclick={draw(p, DrawAction::Stop)}>{ "Back to the test images" }</button>
                </div>
            </div>
        </div>
    }
}

/// What the grid asks for: a digit, or a piece of clothing (the outline of a shoe or a shirt
/// is enough to move the bars).
fn drawn_thing(p: &ShownProps) -> &'static str {
    match p.settings.dataset {
        crate::engine::catalog::DatasetKind::FashionMnist => "a piece of clothing",
        _ => "a digit",
    }
}

/// A point clicked on a decision map, with the way back.
fn probe(p: &ShownProps, [x, y]: [f32; 2]) -> Html {
    let d = p.dispatch.clone();
    let back = Callback::from(move |_: MouseEvent| d.emit(Action::Probe(None)));
    html! {
        <div class="example">
            <p id="probe" class="reading">{ format!("The point ({x:.2}, {y:.2}) you clicked on a decision map.") }</p>
            <button id="probe-stop" onclick={back}>{ "Back to test points" }</button>
        </div>
    }
}

/// A typed message that cannot be classified (the message box says why): no bars for it.
fn message_has_no_words(p: &ShownProps) -> bool {
    let tokenizer = p.data.as_ref().and_then(|d| d.text.as_ref());
    match (&p.views.message, tokenizer) {
        (Some(m), Some(t)) => crate::app::message::read_message(m, &t.split.tokenizer).is_err(),
        _ => false,
    }
}

/// Class names for bars and readings: the set's names (text, clothes), else the numbers.
pub fn class_name(p: &ShownProps, c: usize) -> String {
    let names = p.settings.dataset.class_names();
    names
        .and_then(|n| n.get(c))
        .map_or(c.to_string(), ToString::to_string)
}

/// A test example with previous / next, its number and label, and "Draw your own".
fn test_example(p: &ShownProps, test: &Dataset, index: usize, label: usize) -> Html {
    let s = &p.settings;
    let go = |delta: isize| {
        let n = test.len() as isize;
        let d = p.dispatch.clone();
        let of = n as usize;
        Callback::from(move |_: MouseEvent| {
            d.emit(Action::Set(Edit::StepExample { by: delta, of }))
        })
    };
    let on_index = set_field(&p.dispatch, "example");
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
                <p>{ format!("True label: {}", class_name(p, label)) }</p>
                if s.dataset.image_side().is_some() {
                    <button id="draw-start" onclick={draw(p, DrawAction::Start)}>{ "Draw your own" }</button>
                }
            </div>
        </div>
    }
}

/// T on a log scale, 0.5–50, with what it does.
fn temperature_slider(p: &ShownProps) -> Html {
    let t = p.settings.temperature;
    let d = p.dispatch.clone();
    let on_slider = Callback::from(move |e: InputEvent| {
        let position = e
            .target_unchecked_into::<web_sys::HtmlInputElement>()
            .value();
        if let Ok(p) = position.parse::<f32>() {
            d.emit(Action::Set(Edit::Temperature(temperature_from_slider(p))));
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
fn bars(p: &ShownProps, classes: usize, label: usize) -> Html {
    let t = p.settings.temperature;
    let hard: Vec<f32> = (0..classes)
        .map(|c| if c == label { 1.0 } else { 0.0 })
        .collect();
    let (teacher, student) = match &p.views.logits {
        Some(l) if l[0].len() == classes => {
            (host::softmax_t(&l[0], t), Some(host::softmax_t(&l[1], t)))
        }
        _ => (vec![1.0 / classes as f32; classes], None),
    };
    let reading = dark_knowledge(p, &teacher, t);
    let drawn = !p.views.shows_an_example();
    let names: Vec<AttrValue> = if p.settings.dataset.class_names().is_some() {
        (0..classes).map(|c| class_name(p, c).into()).collect()
    } else {
        Vec::new()
    };
    // A drawing has no true label.
    let label = (!drawn).then_some(label);
    html! {
        <>
            <div class="bars-row" data-input={p.views.drawing_version.to_string()}
                 data-shown={p.views.logits_input.map(|v| v.to_string()).unwrap_or_default()}>
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

fn dark_knowledge(p: &ShownProps, teacher: &[f32], t: f32) -> String {
    let (top, share) = crate::app::views::top(teacher);
    let ups: Vec<String> = runners_up(teacher, 3)
        .into_iter()
        .map(|(c, q)| format!("{} ({:.1} %)", class_name(p, c), q * 100.0))
        .collect();
    format!(
        "At T = {t:.2} the teacher says {} ({:.0} %), and of the wrong answers it finds {} the most plausible — that ranking is the \"dark knowledge\" the student learns from.",
        class_name(p, top),
        share * 100.0,
        ups.join(", ")
    )
}
