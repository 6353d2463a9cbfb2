//! The layer-mapping editor: which teacher layer supervises which student layer.

use yew::prelude::*;

use super::*;
use crate::app::Settings;
use crate::app::state::{Action, TEACHER_DEPTH};
use crate::engine::mapping::MappingScheme;

/// The teacher's and the student's layers with a line for every mapped pair.
#[component]
pub fn MappingEditor(props: &CalmProps) -> Html {
    let state = &props.state;
    let s = &state.settings;
    let depth = s.student_hidden.len();
    let pairs = s
        .mapping
        .resolve(depth, TEACHER_DEPTH)
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
    let (w, row) = (320.0, 34.0);
    let h = row * TEACHER_DEPTH as f64 + 20.0;
    let ty = |l: usize| h - 10.0 - row * (l as f64 - 0.5);
    let sy = |l: usize| h - 10.0 - (h - 20.0) * (l as f64 - 0.5) / depth as f64;
    let selected = state.selected_teacher_layer;
    let teacher_click = |l: usize| {
        let d = state.dispatcher();
        Callback::from(move |_: MouseEvent| {
            d.dispatch(Action::SelectTeacherLayer(if selected == Some(l) {
                None
            } else {
                Some(l)
            }))
        })
    };
    let student_click = |l: usize| {
        let d = state.dispatcher();
        let toggle = selected.map(|t| {
            update(state, move |current| {
                current
                    .toggle_pair(l, t, TEACHER_DEPTH)
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
    };
    let key = |f: Callback<MouseEvent>| {
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                if let Ok(m) = MouseEvent::new("click") {
                    f.emit(m);
                }
            }
        })
    };
    html! {
        <section class="panel mapping" aria-labelledby="map-h">
            <h2 id="map-h">{ "Layer mapping" }</h2>
            <div class="buttons">
                <button id="map-skip" onclick={preset(MappingScheme::Skip)}>{ "skip" }</button>
                <button id="map-last" onclick={preset(MappingScheme::Last)}>{ "last" }</button>
                <button id="map-none" onclick={preset(MappingScheme::None)}>{ "none" }</button>
                <span id="mapping-text" class="note">{ if pairs.is_empty() { "no hidden-state supervision".to_string() } else {
                    pairs.iter().map(|(s, t)| format!("T{t}→S{s}")).collect::<Vec<_>>().join(", ") } }</span>
            </div>
            <svg class="mapping-diagram" viewBox={format!("0 0 {w} {h}")} role="group" aria-label="teacher and student layers">
                <text x="40" y="12" class="col-title">{ "teacher" }</text>
                <text x="250" y="12" class="col-title">{ "student" }</text>
                { for pairs.iter().map(|(s, t)| html! {
                    <line class="pair" x1="90" y1={format!("{:.1}", ty(*t))} x2="230" y2={format!("{:.1}", sy(*s))} />
                }) }
                { for (1..=TEACHER_DEPTH).map(|l| {
                    let click = teacher_click(l);
                    html! {
                        <g class={classes!("layer", "teacher-layer", (selected == Some(l)).then_some("selected"))} id={format!("teacher-layer-{l}")}
                           tabindex="0" role="button" aria-label={format!("teacher layer {l}")} onclick={click.clone()} onkeydown={key(click)}>
                            <rect x="20" y={format!("{:.1}", ty(l) - 12.0)} width="70" height="24" rx="5" />
                            <text x="55" y={format!("{:.1}", ty(l) + 5.0)}>{ format!("T{l} · {}", state.teacher_hidden.get(l - 1).copied().unwrap_or(0)) }</text>
                        </g>
                    }
                }) }
                { for (1..=depth).map(|l| {
                    let click = student_click(l);
                    html! {
                        <g class="layer student-layer" id={format!("student-layer-{l}")} tabindex="0" role="button"
                           aria-label={format!("student layer {l}")} onclick={click.clone()} onkeydown={key(click)}>
                            <rect x="230" y={format!("{:.1}", sy(l) - 12.0)} width="70" height="24" rx="5" />
                            <text x="265" y={format!("{:.1}", sy(l) + 5.0)}>{ format!("S{l} · {}", s.student_hidden[l - 1]) }</text>
                        </g>
                    }
                }) }
            </svg>
            <p class="explain">{ "Click a teacher layer, then a student layer, to connect them (or disconnect them). Lines may not cross: layers stay in order. skip = every other teacher layer (PKD-skip), last = the last ones (PKD-last). Has an effect when β > 0." }</p>
        </section>
    }
}
