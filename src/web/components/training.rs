//! Training: play, step, reset, the dataset, the student's shape, the curves and the readings.

use std::rc::Rc;

use yew::prelude::*;

use super::*;
use crate::app::Settings;
use crate::app::session::CurvePoint;
use crate::app::state::{Action, Run};
use crate::engine::network::NetKind;
use crate::web::Request;
use crate::web::components::{DatasetMenu, Lines, Series, TeacherMenu};

/// The settings it edits and the run it shows. The charts skip a render when their points are
/// the same, so a drag of T redraws only the panel's controls.
#[derive(Properties, PartialEq)]
pub struct TrainingProps {
    pub settings: Settings,
    pub run: Rc<Run>,
    /// The page's last error (the dataset menu goes back after a failed load).
    pub error: Option<String>,
    pub dispatch: Dispatch,
    pub step_once: Callback<MouseEvent>,
    pub request: Callback<Request>,
}

#[component]
pub fn Training(props: &TrainingProps) -> Html {
    let p = props;
    html! {
        <section class="panel training" aria-labelledby="train-h">
            <h2 id="train-h">{ "Training" }</h2>
            { run_buttons(p, &props.step_once) }
            <DatasetMenu kind={p.settings.dataset} own_name={p.settings.own_name.clone()} error={p.error.clone()} request={props.request.clone()} />
            <TeacherMenu kind={p.settings.dataset} teacher={p.settings.teacher} error={p.error.clone()} request={props.request.clone()} />
            { student_shape(p) }
            { curves(p) }
            { readings(p) }
        </section>
    }
}

/// Train / Pause / Resume, one step, reset, the step counter, and what a divergence means.
fn run_buttons(p: &TrainingProps, step_once: &Callback<MouseEvent>) -> Html {
    let d = p.dispatch.clone();
    let play = {
        let d = d.clone();
        let running = p.run.running;
        Callback::from(move |_: MouseEvent| {
            d.emit(if running { Action::Pause } else { Action::Play })
        })
    };
    let reset = Callback::from(move |_: MouseEvent| d.emit(Action::Reset));
    let label = if p.run.running {
        "Pause"
    } else if p.run.diverged {
        "Resume"
    } else {
        "Train"
    };
    html! {
        <>
            <div class="buttons">
                <button id="play" class="primary" onclick={play}>{ label }</button>
                <button id="step" onclick={step_once.clone()} disabled={p.run.running}>{ "One step" }</button>
                <button id="reset" onclick={reset}>{ "Reset" }</button>
                <span id="steps" class="steps" data-ready={p.run.compression.is_some().to_string()}>{ format!("step {}", p.run.steps) }</span>
                if p.run.in_worker {
                    <span id="in-worker" class="note" title="The students train in a background worker, so the page stays responsive while they do.">
                        { "in a background worker" }
                    </span>
                }
            </div>
            if let Some((done, total)) = p.run.reading {
                <label class="progress" id="reading">{ "The teacher reads the messages it has not read yet " }
                    <progress max={total.to_string()} value={done.to_string()} />
                    { format!(" {done} / {total} (once per teacher; the students start after)") }
                </label>
            }
            if p.run.diverged {
                <p id="diverged" class="reading" role="status">{ "The losses became infinite or NaN, so training stopped and the students went back to their last good weights. A smaller learning rate (or a lower T) usually cures it; then press Resume." }</p>
            }
        </>
    }
}

/// The image students' kind (an MLP, or a conv net on square images), their depth and width
/// (layers and widths, or blocks and channels), with their size against the teacher's.
fn student_shape(p: &TrainingProps) -> Html {
    if p.settings.dataset.is_text() {
        return text_student_shape(p);
    }
    let s = &p.settings;
    let on_depth = set_parsed(&p.dispatch, Edit::StudentDepth);
    let on_width = set_parsed(&p.dispatch, Edit::StudentWidth);
    let conv = s.student_kind == NetKind::Cnn;
    let (layers, of) = match conv {
        true => (" blocks ", " of channels "),
        false => (" hidden layers ", " of width "),
    };
    let width = s.student_hidden.first().copied().unwrap_or(32);
    let (depth, width_span) = (span("student", "depth"), span("student", "width"));
    html! {
        <div class="shape">
            { image_kind(p) }
            <label>{ layers }
                <input id="student-depth" type="number" data-setting="student" data-part="depth" min={depth.min.to_string()} max={depth.max.to_string()} value={s.student_hidden.len().to_string()} onchange={on_depth} />
            </label>
            <label>{ of }
                <input id="student-width" type="number" data-setting="student" data-part="width" min={width_span.min.to_string()} max={width_span.max.to_string()} value={width.to_string()} onchange={on_width} />
            </label>
            <span class="note">{ format!(" ({} parameters; the teacher has {})", student_params(p), p.run.teacher_params) }</span>
        </div>
    }
}

/// MLP or conv net, on sets of square images (the 2-D sets and your CSV take an MLP only). One
/// line with the shape, so the playground keeps to a screen and a short scroll.
fn image_kind(p: &TrainingProps) -> Html {
    if p.settings.dataset.image_side().is_none() {
        return html! { <span>{ "Student" }</span> };
    }
    let kind = p.settings.student_kind;
    let on_kind = set_parsed(&p.dispatch, Edit::Kind);
    let option = |k: NetKind, text: &str| {
        html! {
            <option value={k.name()} selected={k == kind}>{ text.to_string() }</option>
        }
    };
    html! {
        <label title="An MLP sees the image as a list of pixels; a conv net slides small 3×3 filters over it, so a stroke means the same wherever it is, with far fewer weights.">
            { "Student " }
            <select id="student-kind" onchange={on_kind}>
                { option(NetKind::Mlp, "MLP") }
                { option(NetKind::Cnn, "conv net") }
            </select>
        </label>
    }
}

/// The image students' parameter count.
fn student_params(p: &TrainingProps) -> u64 {
    let (inputs, classes) = p.run.data_shape(p.settings.dataset);
    p.settings.image_student(inputs, classes).declared_params()
}

/// The text students' kind and shape: width, blocks (transformer, bag of words) and heads.
fn text_student_shape(p: &TrainingProps) -> Html {
    let s = &p.settings;
    let on_kind = set_parsed(&p.dispatch, Edit::Kind);
    let on_width = set_parsed(&p.dispatch, Edit::TextWidth);
    let on_depth = set_parsed(&p.dispatch, Edit::TextDepth);
    let on_heads = set_parsed(&p.dispatch, Edit::Heads);
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
    let sizes = p.run.compression.as_ref().and_then(|c| {
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
fn curves(p: &TrainingProps) -> Html {
    let c = &p.run.curves;
    let pts = |f: fn(&CurvePoint) -> f32| -> Vec<(f32, f32)> {
        c.iter().map(|p| (p.step as f32, f(p))).collect()
    };
    let train_len = p.run.data.as_ref().map(|d| d.split.train.len());
    html! {
        <>
            <p class="explain">{ format!(
                "Two students of the same shape train side by side on the same batches of the {} training examples ({:.0} % of them labeled): the distilled one learns from the labels and the teacher's soft targets, the scratch one from the labels alone.",
                train_len.map_or("…".to_string(), |n| n.to_string()), p.settings.labeled_fraction * 100.0) }</p>
            <div class="charts">
                <Lines id="acc-chart" title="Test accuracy" y_range={Some((0.0, 1.0))} series={vec![
                    Series { name: "distilled", class: "student", points: pts(|p| p.test_accuracy) },
                    Series { name: "scratch", class: "scratch", points: pts(|p| p.scratch_test_accuracy) },
                    Series { name: "agrees with teacher", class: "agree", points: pts(|p| p.agreement) },
                    Series { name: "train (batch)", class: "train", points: pts(|p| p.train_accuracy) },
                ]} />
                <Lines id="loss-chart" title="The distilled student's loss, part by part (as weighted)" series={loss_parts(p)} />
            </div>
        </>
    }
}

/// The loss's parts as they enter the total; a part whose weight is 0 is left out.
fn loss_parts(p: &TrainingProps) -> Vec<Series> {
    let s = &p.settings;
    let pts = |f: fn(&CurvePoint) -> f32| -> Vec<(f32, f32)> {
        p.run.curves.iter().map(|p| (p.step as f32, f(p))).collect()
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
fn readings(p: &TrainingProps) -> Html {
    let last = p.run.curves.last();
    html! {
        <>
            if let Some(r) = last.and_then(|p| p.omitted) {
                <p id="omitted" class="reading">{ format!(
                    "The student never saw a {c}. It still calls {:.0} % of the test {c}s by their name (overall {:.1} %). Hinton's fix — raise the {c}'s logit by {:.2}, chosen on the training examples — makes it {:.0} % (overall {:.1} %).",
                    r.recall * 100.0, r.accuracy * 100.0, r.bias, r.recall_with_bias * 100.0, r.accuracy_with_bias * 100.0, c = r.class) }</p>
            }
            if let Some((teacher, assistant)) = p.run.assistant {
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
