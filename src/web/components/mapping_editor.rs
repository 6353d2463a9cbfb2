//! The layer-mapping editor: which teacher layer supervises which student layer.

use yew::prelude::*;

use super::*;
use crate::app::Settings;
use crate::app::state::Action;
use crate::engine::mapping::MappingScheme;

/// The teacher's and the student's layers with a line for every mapped pair.
#[component]
pub fn MappingEditor(props: &CalmProps) -> Html {
    let state = &props.state;
    let s = &state.settings;
    if !s.has_blocks() {
        return html! {
            <section class="panel mapping" aria-labelledby="map-h">
                <h2 id="map-h">{ "Layer mapping" }</h2>
                <p id="mapping-off" class="reading" role="note">{ format!(
                    "Off for a {} student: it has no blocks to pair with the teacher's, so it learns from the teacher's logits alone (Tang et al. 2019 distil BERT into a BiLSTM that way). Choose a transformer student to map blocks.",
                    s.student_kind.title()) }</p>
            </section>
        };
    }
    let pairs = s
        .mapping
        .resolve(s.student_depth(), teacher_depth(state))
        .map(|m| m.pairs().to_vec())
        .unwrap_or_default();
    let preset = |scheme: MappingScheme| {
        let choose = update(state, move |current| {
            Ok(Settings {
                mapping: scheme.clone(),
                ..current.clone()
            })
        });
        Callback::from(move |_: MouseEvent| choose())
    };
    let text = if pairs.is_empty() {
        "no hidden-state supervision".to_string()
    } else {
        let lines: Vec<String> = pairs.iter().map(|(s, t)| format!("T{t}→S{s}")).collect();
        lines.join(", ")
    };
    html! {
        <section class="panel mapping" aria-labelledby="map-h">
            <h2 id="map-h">{ "Layer mapping" }</h2>
            <div class="buttons">
                <button id="map-skip" onclick={preset(MappingScheme::Skip)}>{ "skip" }</button>
                <button id="map-last" onclick={preset(MappingScheme::Last)}>{ "last" }</button>
                <button id="map-none" onclick={preset(MappingScheme::None)}>{ "none" }</button>
                <span id="mapping-text" class="note">{ text }</span>
            </div>
            { diagram(state, &pairs) }
            <p class="explain">{ "Click a teacher layer, then a student layer, to connect them (or disconnect them). Lines may not cross: layers stay in order. skip = every other teacher layer (PKD-skip), last = the last ones (PKD-last). Has an effect when β > 0 (and for text with TinyBERT's attention loss, which compares the mapped blocks' attention)." }</p>
        </section>
    }
}

/// Where the diagram puts layer `l` of a column of `depth` layers.
fn layer_y(l: usize, depth: usize) -> f64 {
    let h = DIAGRAM_HEIGHT;
    h - 10.0 - (h - 20.0) * (l as f64 - 0.5) / depth as f64
}

const ROW: f64 = 34.0;
/// Drawn for the deepest teacher the page has (six layers).
const DIAGRAM_HEIGHT: f64 = ROW * 6.0 + 20.0;

/// Layers (MLP) or blocks (transformer) of the teacher in use.
fn teacher_depth(state: &State) -> usize {
    state.teacher_hidden.len().max(1)
}

/// Enter or Space on a focused layer clicks it.
fn click_on_key(f: Callback<MouseEvent>) -> Callback<KeyboardEvent> {
    Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            if let Ok(m) = MouseEvent::new("click") {
                f.emit(m);
            }
        }
    })
}

/// Selects (or unselects) teacher layer `l`.
fn teacher_click(state: &State, l: usize) -> Callback<MouseEvent> {
    let d = state.dispatcher();
    let selected = state.selected_teacher_layer;
    Callback::from(move |_: MouseEvent| {
        let next = if selected == Some(l) { None } else { Some(l) };
        d.dispatch(Action::SelectTeacherLayer(next))
    })
}

/// Connects (or disconnects) student layer `l` and the selected teacher layer, or says to
/// pick a teacher layer first.
fn student_click(state: &State, l: usize) -> Callback<MouseEvent> {
    let d = state.dispatcher();
    let depth = teacher_depth(state);
    let toggle = state.selected_teacher_layer.map(|t| {
        update(state, move |current| {
            current
                .toggle_pair(l, t, depth)
                .map(|m| Settings {
                    mapping: m,
                    ..current.clone()
                })
                .map_err(|e| format!("That mapping is impossible: {e}"))
        })
    });
    Callback::from(move |_: MouseEvent| match &toggle {
        None => d.dispatch(Action::EditOr(Err(
            "Pick a teacher layer first, then the student layer it should supervise.".into(),
        ))),
        Some(toggle) => {
            toggle();
            d.dispatch(Action::SelectTeacherLayer(None));
        }
    })
}

/// The two columns of layers and the lines between mapped pairs.
fn diagram(state: &State, pairs: &[(usize, usize)]) -> Html {
    let s = &state.settings;
    let teacher = teacher_depth(state);
    let depth = s.student_depth();
    let width = |l: usize| match s.student_kind {
        crate::engine::network::NetKind::Mlp => s.student_hidden.get(l - 1).copied().unwrap_or(0),
        _ => s.text_width,
    };
    let (ty, sy) = (|l: usize| layer_y(l, teacher), |l: usize| layer_y(l, depth));
    let selected = state.selected_teacher_layer;
    html! {
        <svg class="mapping-diagram" viewBox={format!("0 0 320 {DIAGRAM_HEIGHT}")} role="group" aria-label="teacher and student layers">
            <text x="40" y="12" class="col-title">{ "teacher" }</text>
            <text x="250" y="12" class="col-title">{ "student" }</text>
            { for pairs.iter().map(|(s, t)| html! {
                <line class="pair" x1="90" y1={format!("{:.1}", ty(*t))} x2="230" y2={format!("{:.1}", sy(*s))} />
            }) }
            { for (1..=teacher).map(|l| {
                let click = teacher_click(state, l);
                html! {
                    <g class={classes!("layer", "teacher-layer", (selected == Some(l)).then_some("selected"))} id={format!("teacher-layer-{l}")}
                       tabindex="0" role="button" aria-label={format!("teacher layer {l}")} onclick={click.clone()} onkeydown={click_on_key(click)}>
                        <rect x="20" y={format!("{:.1}", ty(l) - 12.0)} width="70" height="24" rx="5" />
                        <text x="55" y={format!("{:.1}", ty(l) + 5.0)}>{ format!("T{l} · {}", state.teacher_hidden.get(l - 1).copied().unwrap_or(0)) }</text>
                    </g>
                }
            }) }
            { for (1..=depth).map(|l| {
                let click = student_click(state, l);
                html! {
                    <g class="layer student-layer" id={format!("student-layer-{l}")} tabindex="0" role="button"
                       aria-label={format!("student layer {l}")} onclick={click.clone()} onkeydown={click_on_key(click)}>
                        <rect x="230" y={format!("{:.1}", sy(l) - 12.0)} width="70" height="24" rx="5" />
                        <text x="265" y={format!("{:.1}", sy(l) + 5.0)}>{ format!("S{l} · {}", width(l)) }</text>
                    </g>
                }
            }) }
        </svg>
    }
}
