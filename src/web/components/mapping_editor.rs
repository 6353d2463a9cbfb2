//! The layer-mapping editor: which teacher layer supervises which student layer.

use yew::prelude::*;

use super::*;
use crate::app::Settings;
use crate::app::state::Action;
use crate::engine::mapping::MappingScheme;
use crate::engine::network::NetKind;

#[derive(Properties, PartialEq)]
pub struct MappingProps {
    pub settings: Settings,
    /// The teacher's hidden widths, one per layer.
    pub teacher_hidden: Vec<usize>,
    /// The teacher layer picked, waiting for its student layer.
    pub selected: Option<usize>,
    pub dispatch: Dispatch,
}

/// The teacher's and the student's layers with a line for every mapped pair.
#[component]
pub fn MappingEditor(props: &MappingProps) -> Html {
    let p = props;
    let s = &p.settings;
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
        .resolve(s.student_depth(), teacher_depth(p))
        .map(|m| m.pairs().to_vec())
        .unwrap_or_default();
    let preset = |scheme: MappingScheme| {
        let d = p.dispatch.clone();
        Callback::from(move |_: MouseEvent| d.emit(Action::Set(Edit::Mapping(scheme.clone()))))
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
            { diagram(p, &pairs) }
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
fn teacher_depth(p: &MappingProps) -> usize {
    p.teacher_hidden.len().max(1)
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
fn teacher_click(p: &MappingProps, l: usize) -> Callback<MouseEvent> {
    let d = p.dispatch.clone();
    let selected = p.selected;
    Callback::from(move |_: MouseEvent| {
        let next = if selected == Some(l) { None } else { Some(l) };
        d.emit(Action::SelectTeacherLayer(next))
    })
}

/// Connects (or disconnects) student layer `l` and the selected teacher layer, or says to
/// pick a teacher layer first.
fn student_click(p: &MappingProps, l: usize) -> Callback<MouseEvent> {
    let d = p.dispatch.clone();
    let teacher_depth = teacher_depth(p);
    let selected = p.selected;
    Callback::from(move |_: MouseEvent| match selected {
        None => d.emit(Action::Refuse(
            "Pick a teacher layer first, then the student layer it should supervise.".into(),
        )),
        Some(teacher) => {
            d.emit(Action::Set(Edit::TogglePair {
                student: l,
                teacher,
                teacher_depth,
            }));
            d.emit(Action::SelectTeacherLayer(None));
        }
    })
}

/// The two columns of layers and the lines between mapped pairs.
fn diagram(p: &MappingProps, pairs: &[(usize, usize)]) -> Html {
    let s = &p.settings;
    let teacher = teacher_depth(p);
    let depth = s.student_depth();
    let width = |l: usize| match s.student_kind {
        NetKind::Mlp | NetKind::Cnn => s.student_hidden.get(l - 1).copied().unwrap_or(0),
        _ => s.text_width,
    };
    let (ty, sy) = (|l: usize| layer_y(l, teacher), |l: usize| layer_y(l, depth));
    let selected = p.selected;
    html! {
        <svg class="mapping-diagram" viewBox={format!("0 0 320 {DIAGRAM_HEIGHT}")} role="group" aria-label="teacher and student layers">
            <text x="40" y="12" class="col-title">{ "teacher" }</text>
            <text x="250" y="12" class="col-title">{ "student" }</text>
            { for pairs.iter().map(|(s, t)| html! {
                <line class="pair" x1="90" y1={format!("{:.1}", ty(*t))} x2="230" y2={format!("{:.1}", sy(*s))} />
            }) }
            { for (1..=teacher).map(|l| {
                let click = teacher_click(p, l);
                html! {
                    <g class={classes!("layer", "teacher-layer", (selected == Some(l)).then_some("selected"))} id={format!("teacher-layer-{l}")}
                       tabindex="0" role="button" aria-label={format!("teacher layer {l}")} onclick={click.clone()} onkeydown={click_on_key(click)}>
                        <rect x="20" y={format!("{:.1}", ty(l) - 12.0)} width="70" height="24" rx="5" />
                        <text x="55" y={format!("{:.1}", ty(l) + 5.0)}>{ format!("T{l} · {}", p.teacher_hidden.get(l - 1).copied().unwrap_or(0)) }</text>
                    </g>
                }
            }) }
            { for (1..=depth).map(|l| {
                let click = student_click(p, l);
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
