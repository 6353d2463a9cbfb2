//! Training: play, step, reset, the dataset, the student's shape, the curves and the readings.

use std::rc::Rc;

use yew::prelude::*;

use crate::engine::limits::{HEADS, STUDENT_DEPTH, STUDENT_WIDTH, TEXT_DEPTH, TEXT_WIDTH};

use super::*;
use crate::app::session::CurvePoint;
use crate::app::state::{Action, AppState};
use crate::engine::network::{MlpConfig, NetKind};
use crate::web::Request;
use crate::web::components::{DatasetMenu, Lines, Series};

#[derive(Properties)]
pub struct TrainingProps {
    pub state: State,
    pub view: Rc<AppState>,
    pub step_once: Callback<MouseEvent>,
    pub request: Callback<Request>,
}

// The callbacks reach the one driver whatever render made them: only the state decides.
impl PartialEq for TrainingProps {
    fn eq(&self, other: &Self) -> bool {
        self.view == other.view
    }
}

#[component]
pub fn Training(props: &TrainingProps) -> Html {
    let state = &props.state;
    html! {
        <section class="panel training" aria-labelledby="train-h">
            <h2 id="train-h">{ "Training" }</h2>
            { run_buttons(state, &props.step_once) }
            <DatasetMenu state={state.clone()} request={props.request.clone()} />
            { student_shape(state) }
            { curves(state) }
            { readings(state) }
        </section>
    }
}

/// Train / Pause / Resume, one step, reset, the step counter, and what a divergence means.
fn run_buttons(state: &State, step_once: &Callback<MouseEvent>) -> Html {
    let d = state.dispatcher();
    let play = {
        let d = d.clone();
        let running = state.running;
        Callback::from(move |_: MouseEvent| {
            d.dispatch(if running { Action::Pause } else { Action::Play })
        })
    };
    let reset = Callback::from(move |_: MouseEvent| d.dispatch(Action::Reset));
    let label = if state.running {
        "Pause"
    } else if state.diverged {
        "Resume"
    } else {
        "Train"
    };
    html! {
        <>
            <div class="buttons">
                <button id="play" class="primary" onclick={play}>{ label }</button>
                <button id="step" onclick={step_once.clone()} disabled={state.running}>{ "One step" }</button>
                <button id="reset" onclick={reset}>{ "Reset" }</button>
                <span id="steps" class="steps" data-ready={state.compression.is_some().to_string()}>{ format!("step {}", state.steps) }</span>
                if state.in_worker {
                    <span id="in-worker" class="note" title="The students train in a background worker, so the page stays responsive while they do.">
                        { "in a background worker" }
                    </span>
                }
            </div>
            if let Some((done, total)) = state.reading {
                <label class="progress" id="reading">{ "The teacher reads the messages it has not read yet " }
                    <progress max={total.to_string()} value={done.to_string()} />
                    { format!(" {done} / {total} (once per teacher; the students start after)") }
                </label>
            }
            if state.diverged {
                <p id="diverged" class="reading" role="status">{ "The losses became infinite or NaN, so training stopped and the students went back to their last good weights. A smaller learning rate (or a lower T) usually cures it; then press Resume." }</p>
            }
        </>
    }
}

/// The students' depth and width, with their parameter count against the teacher's.
fn student_shape(state: &State) -> Html {
    if state.settings.dataset.is_text() {
        return text_student_shape(state);
    }
    let s = &state.settings;
    let on_depth = edit(state, |s, v| {
        if let Ok(n) = v.parse::<usize>() {
            let w = s.student_hidden.first().copied().unwrap_or(32);
            s.student_hidden = vec![w; n.clamp(STUDENT_DEPTH.min, STUDENT_DEPTH.max)];
            s.keep_mapping_possible();
        }
    });
    let on_width = edit(state, |s, v| {
        if let Ok(w) = v.parse::<usize>() {
            let n = s.student_hidden.len();
            s.student_hidden = vec![w.clamp(STUDENT_WIDTH.min, STUDENT_WIDTH.max); n];
        }
    });
    let (inputs, classes) = state.data_shape();
    let teacher_params = MlpConfig {
        hidden: state.teacher_hidden.clone(),
        ..MlpConfig::teacher(inputs, classes)
    }
    .num_params();
    let student_params = s.student_config(inputs, classes).num_params();
    let width = s.student_hidden.first().copied().unwrap_or(32);
    let (depth, width_span) = (span("student", "depth"), span("student", "width"));
    html! {
        <div class="shape">
            <label>{ "Student hidden layers " }
                <input id="student-depth" type="number" data-setting="student" data-part="depth" min={depth.min.to_string()} max={depth.max.to_string()} value={s.student_hidden.len().to_string()} onchange={on_depth} />
            </label>
            <label>{ " of width " }
                <input id="student-width" type="number" data-setting="student" data-part="width" min={width_span.min.to_string()} max={width_span.max.to_string()} value={width.to_string()} onchange={on_width} />
            </label>
            <span class="note">{ format!(" ({student_params} parameters; the teacher has {teacher_params})") }</span>
        </div>
    }
}

/// The text students' kind and shape: width, blocks (transformer, bag of words) and heads.
fn text_student_shape(state: &State) -> Html {
    let s = &state.settings;
    let on_kind = {
        let change = move |current: &crate::app::Settings, v: &str| {
            let kind: NetKind = v.parse().map_err(|e: crate::Error| e.to_string())?;
            current.with_kind(kind).map_err(|e| e.to_string())
        };
        let d = state.dispatcher();
        Callback::from(move |e: Event| {
            let v = input_value(&e);
            d.dispatch(Action::Update(Rc::new(move |c| change(c, &v))));
        })
    };
    let number = |f: fn(&mut crate::app::Settings, usize)| {
        edit(state, move |s, v| {
            if let Ok(n) = v.parse::<usize>() {
                f(s, n);
                s.keep_mapping_possible();
            }
        })
    };
    let on_width = number(|s, n| s.text_width = n.clamp(TEXT_WIDTH.min, TEXT_WIDTH.max));
    let on_depth = number(|s, n| s.text_depth = n.clamp(TEXT_DEPTH.min, TEXT_DEPTH.max));
    let on_heads = number(|s, n| s.heads = n.clamp(HEADS.min, HEADS.max));
    let kinds = [
        (
            NetKind::Transformer.name(),
            "transformer (attention blocks)",
        ),
        (NetKind::Bilstm.name(), "BiLSTM (Tang et al. 2019)"),
        (NetKind::Bow.name(), "bag of words (mean of word vectors)"),
    ];
    let blocks_label = match s.student_kind {
        NetKind::Transformer => Some("blocks"),
        NetKind::Bow => Some("ReLU layers"),
        _ => None,
    };
    let sizes = state.compression.as_ref().and_then(|c| {
        let me = c.kinds.iter().find(|k| k.kind == s.student_kind)?;
        Some(format!(
            " ({} parameters; the teacher has {})",
            me.params, c.teacher_params
        ))
    });
    let (tw, td, th) = (
        span("text", "width"),
        span("text", "depth"),
        span("heads", ""),
    );
    html! {
        <div class="shape">
            { select("student-kind", "Student", s.student_kind.name(), &kinds, on_kind,
                "Three ways to read a sentence: attention over all its words, a recurrent pass in both directions, or the average of its words' vectors.") }
            <label>{ "width " }
                <input id="text-width" type="number" data-setting="text" data-part="width" min={tw.min.to_string()} max={tw.max.to_string()} value={s.text_width.to_string()} onchange={on_width} />
            </label>
            if let Some(label) = blocks_label {
                <label>{ format!(" {label} ") }
                    <input id="text-depth" type="number" data-setting="text" data-part="depth" min={td.min.to_string()} max={td.max.to_string()} value={s.text_depth.to_string()} onchange={on_depth} />
                </label>
            }
            if s.student_kind == NetKind::Transformer {
                <label>{ " heads " }
                    <input id="text-heads" type="number" data-setting="heads" data-part="" min={th.min.to_string()} max={th.max.to_string()} value={s.heads.to_string()} onchange={on_heads} />
                </label>
            }
            <span class="note">{ sizes.unwrap_or_default() }</span>
        </div>
    }
}

/// What the two students are, and their accuracy and loss curves.
fn curves(state: &State) -> Html {
    let c = &state.curves;
    let pts = |f: fn(&CurvePoint) -> f32| -> Vec<(f32, f32)> {
        c.iter().map(|p| (p.step as f32, f(p))).collect()
    };
    let train_len = state.data.as_ref().map(|d| d.split.train.len());
    html! {
        <>
            <p class="explain">{ format!(
                "Two students of the same shape train side by side on the same batches of the {} training examples ({:.0} % of them labeled): the distilled one learns from the labels and the teacher's soft targets, the scratch one from the labels alone.",
                train_len.map_or("…".to_string(), |n| n.to_string()), state.settings.labeled_fraction * 100.0) }</p>
            <div class="charts">
                <Lines id="acc-chart" title="Test accuracy" y_range={Some((0.0, 1.0))} series={vec![
                    Series { name: "distilled", class: "student", points: pts(|p| p.test_accuracy) },
                    Series { name: "scratch", class: "scratch", points: pts(|p| p.scratch_test_accuracy) },
                    Series { name: "agrees with teacher", class: "agree", points: pts(|p| p.agreement) },
                    Series { name: "train (batch)", class: "train", points: pts(|p| p.train_accuracy) },
                ]} />
                <Lines id="loss-chart" title="The distilled student's loss, part by part (as weighted)" series={loss_parts(state)} />
            </div>
        </>
    }
}

/// The loss's parts as they enter the total; a part whose weight is 0 is left out.
fn loss_parts(state: &State) -> Vec<Series> {
    let s = &state.settings;
    let pts = |f: fn(&CurvePoint) -> f32| -> Vec<(f32, f32)> {
        state.curves.iter().map(|p| (p.step as f32, f(p))).collect()
    };
    let mut parts = vec![
        Series {
            name: "α·CE (labels)",
            class: "hard",
            points: pts(|p| p.hard),
        },
        Series {
            name: "(1−α)·soft",
            class: "teacher",
            points: pts(|p| p.soft),
        },
    ];
    if s.beta > 0.0 {
        parts.push(Series {
            name: "β·hidden",
            class: "hidden",
            points: pts(|p| p.hidden),
        });
    }
    if s.attention_loss != crate::engine::loss::AttentionLoss::Off && s.gamma > 0.0 {
        parts.push(Series {
            name: "γ·attention",
            class: "agree",
            points: pts(|p| p.attention),
        });
    }
    parts
}

/// The run in sentences: the omitted class, the assistant chain, the distillation gain.
fn readings(state: &State) -> Html {
    let last = state.curves.last();
    html! {
        <>
            if let Some(r) = last.and_then(|p| p.omitted) {
                <p id="omitted" class="reading">{ format!(
                    "The student never saw a {c}. It still calls {:.0} % of the test {c}s by their name (overall {:.1} %). Hinton's fix — raise the {c}'s logit by {:.2}, chosen on the training examples — makes it {:.0} % (overall {:.1} %).",
                    r.recall * 100.0, r.accuracy * 100.0, r.bias, r.recall_with_bias * 100.0, r.accuracy_with_bias * 100.0, c = r.class) }</p>
            }
            if let Some((teacher, assistant)) = state.assistant {
                <p id="chain" class="reading">{ format!(
                    "Teacher-assistant chain: teacher {:.1} % → assistant {:.1} % → student {}.",
                    teacher * 100.0, assistant * 100.0,
                    last.map_or("(train to see)".to_string(), |p| format!("{:.1} %", p.test_accuracy * 100.0))) }</p>
            }
            if let Some(p) = last {
                <p id="summary" class="reading">{ format!(
                    "After {} steps: distilled {:.1} %, scratch {:.1} % test accuracy (the teacher is worth {:+.1} points).",
                    p.step, p.test_accuracy * 100.0, p.scratch_test_accuracy * 100.0,
                    (p.test_accuracy - p.scratch_test_accuracy) * 100.0) }</p>
            }
        </>
    }
}
