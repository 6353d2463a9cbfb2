//! The page's panels. Each takes the app state and dispatches actions; none holds state of its own.

use std::rc::Rc;

use yew::prelude::*;

use super::charts::{Bars, Digit, Lines, Series};
use super::files;
use super::state::{Action, AppState, DrawAction, TEACHER_DEPTH};
use super::{Request, Which};
use crate::app::{
    AlphaSchedule, Preset, Settings, runners_up, slider_from_temperature, temperature_from_slider,
};
use crate::engine::loss::{HiddenLoss, SoftLoss, host};
use crate::engine::mapping::MappingScheme;
use crate::engine::weights::{MlpWeights, WeightFormat};

type State = UseReducerHandle<AppState>;

fn input_value(e: &Event) -> String {
    e.target_unchecked_into::<web_sys::HtmlInputElement>()
        .value()
}

/// An edit of the settings as they are when the reducer applies it (never as a panel last saw
/// them: a panel that skipped a render must not write old values back).
fn update(
    state: &State,
    f: impl Fn(&Settings) -> Result<Settings, String> + 'static,
) -> impl Fn() + 'static {
    let d = state.dispatcher();
    let f: super::state::SettingsEdit = Rc::new(f);
    move || d.dispatch(Action::Update(f.clone()))
}

fn edit(state: &State, f: impl Fn(&mut Settings, String) + 'static) -> Callback<Event> {
    let d = state.dispatcher();
    let f = Rc::new(f);
    Callback::from(move |e: Event| {
        let (f, value) = (f.clone(), input_value(&e));
        d.dispatch(Action::Update(Rc::new(move |current: &Settings| {
            let mut s = current.clone();
            f(&mut s, value.clone());
            Ok(s)
        })));
    })
}

fn edit_input(state: &State, f: impl Fn(&mut Settings, String) + 'static) -> Callback<InputEvent> {
    let d = state.dispatcher();
    let f = Rc::new(f);
    Callback::from(move |e: InputEvent| {
        let (f, value) = (
            f.clone(),
            e.target_unchecked_into::<web_sys::HtmlInputElement>()
                .value(),
        );
        d.dispatch(Action::Update(Rc::new(move |current: &Settings| {
            let mut s = current.clone();
            f(&mut s, value.clone());
            Ok(s)
        })));
    })
}

/// What a panel that shows neither T nor the networks' live outputs depends on: the T slider and
/// the 15 Hz refresh of the example's logits leave it alone (no re-render), which keeps a drag
/// cheap. Taken at render time: a reducer handle always reads the latest state, so two handles
/// cannot tell an old render from a new one.
pub fn calm(state: &AppState) -> Rc<AppState> {
    Rc::new(AppState {
        settings: Settings {
            temperature: 0.0,
            ..state.settings.clone()
        },
        logits: None,
        logits_input: None,
        grid: None,
        drawing: None,
        drawing_version: 0,
        probe: None,
        ..state.clone()
    })
}

/// Props of a panel that re-renders only when its `calm` view of the state changes.
#[derive(Properties, Clone)]
pub struct CalmProps {
    pub state: State,
    /// `calm(&state)` at the parent's render.
    pub view: Rc<AppState>,
}

impl PartialEq for CalmProps {
    fn eq(&self, other: &Self) -> bool {
        self.view == other.view
    }
}

#[derive(Properties, PartialEq)]
pub struct DeviceProps {
    pub device: Option<(String, Option<String>)>,
    pub prefer_cpu: bool,
    pub dispatch: UseReducerDispatcher<AppState>,
}

#[component]
pub fn DeviceBadge(props: &DeviceProps) -> Html {
    let toggle = {
        let d = props.dispatch.clone();
        let cpu = props.prefer_cpu;
        Callback::from(move |_: MouseEvent| {
            // Remembered for the next visit: the loader then fetches only that build.
            super::engine::remember_choice(!cpu);
            d.dispatch(Action::PreferCpu(!cpu))
        })
    };
    match &props.device {
        None => html! { <span id="device" class="badge">{ "starting…" }</span> },
        Some((label, reason)) => html! {
            <span class="device">
                <span id="device" class={classes!("badge", if label == "WebGPU" { "gpu" } else { "cpu" })}>{ label }</span>
                if let Some(r) = reason { <span id="fallback-reason" class="note">{ format!("CPU because {r}") }</span> }
                // On a CPU the page fell back to by itself there is nothing to switch to.
                if props.prefer_cpu || label == "WebGPU" {
                    <button id="switch-device" onclick={toggle}>
                        { if props.prefer_cpu { "Try WebGPU" } else { "Use the CPU" } }
                    </button>
                }
            </span>
        },
    }
}

#[derive(Properties, PartialEq)]
pub struct NoticeProps {
    pub notices: Vec<String>,
    pub error: Option<String>,
    pub dispatch: UseReducerDispatcher<AppState>,
}

#[component]
pub fn Notices(props: &NoticeProps) -> Html {
    if props.notices.is_empty() && props.error.is_none() {
        return html! {};
    }
    let dismiss = {
        let d = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Action::DismissNotices))
    };
    html! {
        <section class="notices" aria-live="polite">
            if let Some(e) = &props.error { <p id="error" class="error" role="alert">{ e }</p> }
            { for props.notices.iter().map(|n| html! { <p class="notice">{ n }</p> }) }
            <button onclick={dismiss}>{ "Dismiss" }</button>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct StateProps {
    pub state: State,
}

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
    let classes = test.classes;
    let index = s.example.min(test.len().saturating_sub(1));
    let label = test.labels.get(index).map_or(0, |l| usize::from(*l));
    let t = s.temperature;
    let on_slider = edit_input(state, |s, v| {
        if let Ok(p) = v.parse::<f32>() {
            s.temperature = (temperature_from_slider(p) * 100.0).round() / 100.0;
        }
    });
    let go = |delta: isize| {
        let state = state.clone();
        let n = test.len() as isize;
        let step = update(&state, move |current| {
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
    let hard: Vec<f32> = (0..classes)
        .map(|c| if c == label { 1.0 } else { 0.0 })
        .collect();
    let (teacher, student) = match &state.logits {
        Some(l) if l[0].len() == classes => {
            (host::softmax_t(&l[0], t), Some(host::softmax_t(&l[1], t)))
        }
        _ => (vec![1.0 / classes as f32; classes], None),
    };
    let reading = {
        let (top, p) = super::session::top(&teacher);
        let ups: Vec<String> = runners_up(&teacher, 3)
            .into_iter()
            .map(|(c, q)| format!("{c} ({:.1} %)", q * 100.0))
            .collect();
        format!(
            "At T = {t:.2} the teacher says {top} ({:.0} %), and of the wrong answers it finds {} the most plausible — that ranking is the \"dark knowledge\" the student learns from.",
            p * 100.0,
            ups.join(", ")
        )
    };
    let draw = |a: DrawAction| {
        let d = state.dispatcher();
        Callback::from(move |_: MouseEvent| d.dispatch(Action::Draw(a)))
    };
    let drawn = state.drawing.is_some() || state.probe.is_some();
    // A drawing has no true label.
    let label = (!drawn).then_some(label);
    html! {
        <section class="panel soft" aria-labelledby="soft-h">
            <h2 id="soft-h">{ "Soft targets" }</h2>
            if let Some(d) = &state.drawing {
                <div class="example">
                    <DrawGrid pixels={d.pixels.clone()} side={d.side} dispatch={state.dispatcher()} />
                    <div class="example-nav">
                        <p class="note">{ "Draw a digit: press and drag over the grid (keyboard: arrows move, Enter paints, Shift+arrows paint as they move). The bars follow as you draw." }</p>
                        <div class="buttons">
                            <button id="draw-undo" onclick={draw(DrawAction::Undo)} disabled={!d.can_undo()}>{ "Undo" }</button>
                            <button id="draw-clear" onclick={draw(DrawAction::Clear)}>{ "Clear" }</button>
                            <button id="draw-stop" onclick={draw(DrawAction::Stop)}>{ "Back to test digits" }</button>
                        </div>
                    </div>
                </div>
            } else if let Some([x, y]) = state.probe {
                <div class="example">
                    <p id="probe" class="reading">{ format!("The point ({x:.2}, {y:.2}) you clicked on a decision map.") }</p>
                    <button id="probe-stop" onclick={ let d = state.dispatcher(); Callback::from(move |_: MouseEvent| d.dispatch(Action::Probe(None))) }>{ "Back to test points" }</button>
                </div>
            } else {
                <div class="example">
                    if let Some(side) = s.dataset.image_side() {
                        <Digit pixels={test.example(index).to_vec()} side={side} />
                    } else {
                        <p class="note point">{ format!("Test point ({:.2}, {:.2}); click a decision map to probe any point.", test.example(index)[0], test.example(index)[1]) }</p>
                    }
                    <div class="example-nav">
                        <button aria-label="previous example" onclick={go(-1)}>{ "◀" }</button>
                        <label>{ "Test example " }
                            <input id="example" type="number" min="0" max={(test.len() - 1).to_string()} value={index.to_string()} onchange={on_index} />
                        </label>
                        <button aria-label="next example" onclick={go(1)}>{ "▶" }</button>
                        <p>{ format!("True label: {}", label.unwrap_or_default()) }</p>
                        if s.dataset.image_side().is_some() {
                            <button id="draw-start" onclick={draw(DrawAction::Start)}>{ "Draw your own" }</button>
                        }
                    </div>
                </div>
            }
            <label class="slider" for="temperature">
                <span>{ "Temperature " }<strong id="t-value">{ format!("T = {t:.2}") }</strong></span>
                <input id="temperature" type="range" min="0" max="1000" step="1" aria-label="Temperature"
                       aria-valuetext={format!("T = {t:.2}")}
                       value={slider_from_temperature(t).to_string()} oninput={on_slider} />
            </label>
            <p class="explain">{ "p = softmax(z / T). Low T: almost one-hot. High T: flatter, so the small probabilities of the wrong classes become visible. Drag it." }</p>
            <div class="bars-row" data-input={state.drawing_version.to_string()}
                 data-shown={state.logits_input.map(|v| v.to_string()).unwrap_or_default()}>
                if !drawn {
                    <Bars title="Hard target (one-hot label)" probs={hard} label={label} kind="hard" />
                }
                <Bars title="Teacher at T" probs={teacher} label={label} kind="teacher" />
                if let Some(st) = student {
                    <Bars title="Distilled student at T" probs={st} label={label} kind="student" />
                }
            </div>
            <p id="dark-knowledge" class="reading">{ reading }</p>
        </section>
    }
}

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
    let d = state.dispatcher();
    let play = {
        let d = d.clone();
        let running = state.running;
        Callback::from(move |_: MouseEvent| {
            d.dispatch(if running { Action::Pause } else { Action::Play })
        })
    };
    let reset = Callback::from(move |_: MouseEvent| d.dispatch(Action::Reset));
    let c = &state.curves;
    let pts = |f: fn(&super::session::CurvePoint) -> f32| -> Vec<(f32, f32)> {
        c.iter().map(|p| (p.step as f32, f(p))).collect()
    };
    let last = c.last();
    let s = &state.settings;
    let on_depth = edit(state, |s, v| {
        if let Ok(n) = v.parse::<usize>() {
            let w = s.student_hidden.first().copied().unwrap_or(32);
            s.student_hidden = vec![w; n.clamp(1, crate::app::MAX_STUDENT_DEPTH)];
            if s.mapping
                .resolve(s.student_hidden.len(), TEACHER_DEPTH)
                .is_err()
            {
                s.mapping = MappingScheme::Skip;
            }
        }
    });
    // The driver loads the set first and switches only then: a set that fails to load changes
    // nothing.
    let on_dataset = {
        let request = props.request.clone();
        Callback::from(move |e: Event| {
            if let Ok(k) = input_value(&e).parse::<crate::engine::data::DatasetKind>() {
                request.emit(Request::SwitchData(k));
            }
        })
    };
    let kind = s.dataset;
    // The menu shows the set in use, also after a choice that failed to load.
    let dataset_menu = use_node_ref();
    {
        let menu = dataset_menu.clone();
        use_effect_with((kind, state.error.clone()), move |(kind, _)| {
            if let Some(m) = menu.cast::<web_sys::HtmlSelectElement>() {
                m.set_value(kind.name());
            }
        });
    }
    let train_len = state.data.as_ref().map(|d| d.split.train.len());
    let teacher_params = crate::engine::network::MlpConfig {
        hidden: state.teacher_hidden.clone(),
        ..crate::engine::network::MlpConfig::teacher(kind.inputs(), kind.classes())
    }
    .num_params();
    let on_width = edit(state, |s, v| {
        if let Ok(w) = v.parse::<usize>() {
            let n = s.student_hidden.len();
            s.student_hidden = vec![w.clamp(2, 256); n];
        }
    });
    html! {
        <section class="panel training" aria-labelledby="train-h">
            <h2 id="train-h">{ "Training" }</h2>
            <div class="buttons">
                <button id="play" class="primary" onclick={play}>{ if state.running { "Pause" } else if state.diverged { "Resume" } else { "Train" } }</button>
                <button id="step" onclick={props.step_once.clone()} disabled={state.running}>{ "One step" }</button>
                <button id="reset" onclick={reset}>{ "Reset" }</button>
                <span id="steps" class="steps">{ format!("step {}", state.steps) }</span>
            </div>
            if state.diverged {
                <p id="diverged" class="reading" role="status">{ "The losses became infinite or NaN, so training stopped and the students went back to their last good weights. A smaller learning rate (or a lower T) usually cures it; then press Resume." }</p>
            }
            <div class="control dataset">
                <label for="dataset">{ "Dataset " }</label>
                <select id="dataset" ref={dataset_menu} onchange={on_dataset}>
                    { for crate::engine::data::DatasetKind::ALL.iter().map(|k| html! {
                        <option value={k.name()} selected={*k == kind}>{ k.title() }</option>
                    }) }
                </select>
                <span class="note">{ match kind {
                    crate::engine::data::DatasetKind::Digits => " 1,797 scanned digits of 8×8 pixels (UCI); built into the page.",
                    crate::engine::data::DatasetKind::Mnist => " 28×28 digits: the first 10,000 training images, all 10,000 test images.",
                    _ => " 1,000 points in the plane, two classes: watch the decision boundaries form.",
                } }</span>
            </div>
            <div class="shape">
                <label>{ "Student hidden layers " }
                    <input id="student-depth" type="number" min="1" max="6" value={s.student_hidden.len().to_string()} onchange={on_depth} />
                </label>
                <label>{ " of width " }
                    <input id="student-width" type="number" min="2" max="256" value={s.student_hidden.first().copied().unwrap_or(32).to_string()} onchange={on_width} />
                </label>
                <span class="note">{ format!(" ({} parameters; the teacher has {teacher_params})", s.student_config(kind.inputs(), kind.classes()).num_params()) }</span>
            </div>
            <p class="explain">{ format!(
                "Two students of the same shape train side by side on the same batches of the {} training examples ({:.0} % of them labeled): the distilled one learns from the labels and the teacher's soft targets, the scratch one from the labels alone.",
                train_len.map_or("…".to_string(), |n| n.to_string()), s.labeled_fraction * 100.0) }</p>
            <Lines id="acc-chart" title="Test accuracy" y_range={Some((0.0, 1.0))} series={vec![
                Series { name: "distilled", class: "student", points: pts(|p| p.test_accuracy) },
                Series { name: "scratch", class: "scratch", points: pts(|p| p.scratch_test_accuracy) },
                Series { name: "agrees with teacher", class: "agree", points: pts(|p| p.agreement) },
                Series { name: "train (batch)", class: "train", points: pts(|p| p.train_accuracy) },
            ]} />
            <Lines id="loss-chart" title="Losses of the distilled student" series={vec![
                Series { name: "hard", class: "hard", points: pts(|p| p.hard) },
                Series { name: "soft", class: "teacher", points: pts(|p| p.soft) },
                Series { name: "hidden", class: "hidden", points: pts(|p| p.hidden) },
            ]} />
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
        </section>
    }
}

/// α, the loss kinds, β, schedules, learning rate, batch size, labeled fraction.
#[component]
pub fn LossControls(props: &CalmProps) -> Html {
    let state = &props.state;
    let s = &state.settings;
    let select = |id: &'static str,
                  label: &'static str,
                  value: String,
                  options: &[(&str, &str)],
                  cb: Callback<Event>,
                  help: &'static str| {
        html! {
            <div class="control">
                <label for={id}>{ label }</label>
                <select id={id} onchange={cb}>
                    { for options.iter().map(|(v, text)| html! { <option value={v.to_string()} selected={*v == value}>{ *text }</option> }) }
                </select>
                <p class="explain">{ help }</p>
            </div>
        }
    };
    let alpha = edit_input(state, |s, v| {
        if let Ok(a) = v.parse::<f32>() {
            s.alpha = a;
        }
    });
    let beta = edit_input(state, |s, v| {
        if let Ok(b) = v.parse::<f32>() {
            s.beta = b;
        }
    });
    let soft = edit(state, |s, v| {
        if let Ok(k) = v.parse::<SoftLoss>() {
            s.soft_loss = k;
        }
    });
    let hidden = edit(state, |s, v| {
        if let Ok(k) = v.parse::<HiddenLoss>() {
            s.hidden_loss = k;
        }
    });
    let alpha_schedule = edit(state, |s, v| {
        s.alpha_schedule = if v == "bam" {
            AlphaSchedule::TeacherAnnealing
        } else {
            AlphaSchedule::Constant
        };
    });
    let anneal = edit(state, |s, v| s.anneal_temperature = v == "anneal");
    let lr = edit(state, |s, v| {
        if let Ok(x) = v.parse() {
            s.learning_rate = x;
        }
    });
    let unlabeled = edit(state, |s, v| s.include_unlabeled = v == "1");
    let augment = edit(state, |s, v| {
        if let Ok(x) = v.parse() {
            s.augment_copies = x;
        }
    });
    let omit = edit(state, |s, v| s.omit_class = v.parse().ok());
    let omit_options: Vec<(String, String)> =
        std::iter::once(("none".to_string(), "none".to_string()))
            .chain((0..s.dataset.classes()).map(|c| (c.to_string(), c.to_string())))
            .collect();
    let omit_options: Vec<(&str, &str)> = omit_options
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let batch = edit(state, |s, v| {
        if let Ok(x) = v.parse() {
            s.batch_size = x;
        }
    });
    let labeled = edit(state, |s, v| {
        if let Ok(x) = v.parse() {
            s.labeled_fraction = x;
        }
    });
    let soft_name = if s.soft_loss == SoftLoss::HintonKl {
        "hinton"
    } else {
        "mse"
    };
    let hidden_name = match s.hidden_loss {
        HiddenLoss::Mse => "mse",
        HiddenLoss::Pkd => "pkd",
        HiddenLoss::Cosine => "cosine",
    };
    html! {
        <section class="panel controls" aria-labelledby="loss-h">
            <h2 id="loss-h">{ "The loss" }</h2>
            <p class="formula">{ "L = α · CE(labels) + (1 − α) · soft + β · hidden" }</p>
            <div class="control">
                <label for="alpha">{ "α — weight of the hard labels " }<strong id="alpha-value">{ format!("{:.2}", s.alpha) }</strong></label>
                <input id="alpha" type="range" min="0" max="1" step="0.05" value={s.alpha.to_string()} oninput={alpha}
                       disabled={s.alpha_schedule == AlphaSchedule::TeacherAnnealing} />
                <p class="explain">{ "0: learn only from the teacher's soft targets. 1: only from the labels (no distillation). Unlabeled examples always learn from the teacher." }</p>
            </div>
            { select("soft-loss", "Soft loss", soft_name.into(), &[("hinton", "Hinton: T² · KL(teacher ‖ student) at T"), ("mse", "Tang et al.: MSE between logits")], soft,
                "Hinton compares the two distributions at temperature T (T² keeps the gradients' size). Tang et al. match the raw logits directly; T plays no part.") }
            <div class="control">
                <label for="beta">{ "β — weight of the hidden-state loss " }<strong id="beta-value">{ format!("{:.2}", s.beta) }</strong></label>
                <input id="beta" type="range" min="0" max="2" step="0.05" value={s.beta.to_string()} oninput={beta} />
                <p class="explain">{ "Patient KD: the student's hidden layers also imitate the mapped teacher layers (through a learned projection where the widths differ). 0 turns it off." }</p>
            </div>
            { select("hidden-loss", "Hidden-state loss", hidden_name.into(), &[("mse", "MSE"), ("pkd", "PKD: distance of normalised vectors"), ("cosine", "1 − cosine")], hidden,
                "How far apart a student layer and its teacher layer are.") }
            { select("alpha-schedule", "α over the run", if s.alpha_schedule == AlphaSchedule::TeacherAnnealing { "bam".into() } else { "constant".into() },
                &[("constant", "constant"), ("bam", "teacher annealing (BAM): 0 → 1")], alpha_schedule,
                "BAM: start by imitating the teacher, end on the labels.") }
            { select("t-schedule", "T over the run", if s.anneal_temperature { "anneal".into() } else { "constant".into() },
                &[("constant", "constant"), ("anneal", "anneal from T down to 1")], anneal, "A hot start spreads knowledge; cooling focuses it.") }
            { select("lr", "Learning rate (Adam)", s.learning_rate.to_string(), &[("0.0003", "0.0003"), ("0.001", "0.001"), ("0.003", "0.003"), ("0.01", "0.01"), ("0.03", "0.03")], lr,
                "Step size of every update.") }
            { select("batch", "Batch size", s.batch_size.to_string(), &[("16", "16"), ("32", "32"), ("64", "64"), ("128", "128"), ("256", "256")], batch,
                "Examples per step.") }
            { select("labeled", "Labeled data", s.labeled_fraction.to_string(), &[("0.02", "2 %"), ("0.03", "3 %"), ("0.05", "5 %"), ("0.1", "10 %"), ("0.25", "25 %"), ("0.5", "50 %"), ("1", "100 %")], labeled,
                "The share of training examples that keep their label. The rest teach the distilled student through the teacher only; with few labels, the gap to the scratch student is largest.") }
            <h3 class="sub">{ "Transfer set: what the distilled student learns from" }</h3>
            { select("unlabeled", "Unlabeled rest", if s.include_unlabeled { "1".into() } else { "0".into() },
                &[("1", "included (teacher targets only)"), ("0", "left out (labeled examples only)")], unlabeled,
                "Hinton's transfer set can hold examples nobody labeled: the teacher's soft targets are enough.") }
            { select("augment", "Augmented copies", s.augment_copies.to_string(),
                &[("0", "none"), ("1", "1 per example"), ("2", "2 per example"), ("4", "4 per example")], augment,
                "Noisy copies of every example, unlabeled (images also partly masked, as Tang et al. mask words): more places where the student hears the teacher.") }
            { select("omit", "Omitted class", s.omit_class.map_or("none".to_string(), |c| c.to_string()),
                &omit_options, omit,
                "Remove every example of one class from the transfer set; the training panel shows how well the student still recognises it (Hinton et al. 2015).") }
        </section>
    }
}

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

#[derive(Properties)]
pub struct FilesProps {
    pub state: State,
    pub view: Rc<AppState>,
    pub request: Callback<Request>,
}

impl PartialEq for FilesProps {
    fn eq(&self, other: &Self) -> bool {
        self.view == other.view
    }
}

/// Downloads of the networks (PyTorch/numpy and burn formats) and loading one back.
#[component]
pub fn Files(props: &FilesProps) -> Html {
    let state = &props.state;
    let load_as = use_node_ref();
    let download = |which: Which, format: WeightFormat| {
        let request = props.request.clone();
        Callback::from(move |_: MouseEvent| request.emit(Request::Download { which, format }))
    };
    // Reads the file, parses it, and only then asks the driver to use it: a bad file changes nothing.
    let load = {
        let request = props.request.clone();
        let dispatch = state.dispatcher();
        let load_as = load_as.clone();
        move |file: web_sys::File| {
            let which = match load_as
                .cast::<web_sys::HtmlSelectElement>()
                .map(|s| s.value())
                .as_deref()
            {
                Some("teacher") => Which::Teacher,
                _ => Which::Student,
            };
            let request = request.clone();
            let dispatch = dispatch.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let name = file.name();
                let parsed = files::read(&file)
                    .await
                    .and_then(|bytes| MlpWeights::from_bytes(&bytes).map_err(|e| e.to_string()));
                match parsed {
                    Ok((weights, _)) => request.emit(Request::Import {
                        which,
                        weights,
                        name,
                    }),
                    Err(e) => dispatch.dispatch(Action::Failed(format!(
                        "Could not load {name}: {e}. Nothing was changed."
                    ))),
                }
            });
        }
    };
    let on_pick = {
        let load = load.clone();
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<web_sys::HtmlInputElement>();
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                load(file);
            }
            input.set_value("");
        })
    };
    let on_drop = Callback::from(move |e: DragEvent| {
        e.prevent_default();
        if let Some(file) = e
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0))
        {
            load(file);
        }
    });
    let on_drag_over = Callback::from(|e: DragEvent| e.prevent_default());
    let hidden = &state.settings.student_hidden;
    let kind = state.settings.dataset;
    let teacher_plan = crate::app::PageTraining::teacher(kind);
    let assistant_plan = crate::app::PageTraining::assistant(kind);
    let mut layers = Vec::new();
    let mut inputs = kind.inputs();
    for w in hidden {
        layers.push(format!("nn.Linear({inputs}, {w}), nn.ReLU()"));
        inputs = *w;
    }
    layers.push(format!("nn.Linear({inputs}, {})", kind.classes()));
    let torch = format!(
        "import torch.nn as nn, safetensors.torch as st\nnet = nn.Sequential({})\nnet.load_state_dict(st.load_file(\"distilled-student.safetensors\"))",
        layers.join(", ")
    );
    html! {
        <section class="panel files" aria-labelledby="files-h">
            <h2 id="files-h">{ "Weights in and out" }</h2>
            <p class="explain">{ "Download a network to open it elsewhere: safetensors in PyTorch's nn.Linear layout (weight [out, in]) for PyTorch and numpy, or burnpack for burn. The file also records the settings and the test accuracy." }</p>
            <div class="buttons">
                <button id="download-student" onclick={download(Which::Student, WeightFormat::Safetensors)}>{ "Distilled student .safetensors" }</button>
                <button id="download-student-bpk" onclick={download(Which::Student, WeightFormat::Burnpack)}>{ ".bpk" }</button>
                <button id="download-scratch" onclick={download(Which::Scratch, WeightFormat::Safetensors)}>{ "Scratch student" }</button>
                <button id="download-teacher" onclick={download(Which::Teacher, WeightFormat::Safetensors)}>{ "Teacher" }</button>
            </div>
            <div class="drop" ondrop={on_drop} ondragover={on_drag_over}>
                <label>{ "Load weights as the " }
                    <select id="load-as" ref={load_as} aria-label="load the file as">
                        <option value="student" selected=true>{ "distilled student" }</option>
                        <option value="teacher">{ "teacher" }</option>
                    </select>
                </label>
                <label class="file">{ " from " }
                    <input id="load-file" type="file" accept=".safetensors,.bpk" onchange={on_pick} />
                </label>
                <span class="note">{ " or drop a file here." }</span>
            </div>
            <div class="teacher-train">
                <button id="train-teacher" disabled={state.teacher_training.is_some()}
                        onclick={ let r = props.request.clone(); Callback::from(move |_: MouseEvent| r.emit(Request::TrainTeacher)) }>
                    { "Train a new teacher here" }
                </button>
                <span class="note">{ format!(" {} on all labeled training examples, {} epochs; then both students distil from it.", teacher_plan.config.describe(), teacher_plan.epochs) }</span>
            </div>
            <div class="teacher-train">
                <button id="train-assistant" disabled={state.teacher_training.is_some() || state.assistant.is_some()}
                        onclick={ let r = props.request.clone(); Callback::from(move |_: MouseEvent| r.emit(Request::TrainAssistant)) }>
                    { "Put a teacher assistant in between" }
                </button>
                <span class="note">{ format!(" Mirzadeh et al. 2020: an assistant of half the teacher's width ({}) distils from the teacher first; the students then learn from the assistant, a smaller step.", assistant_plan.config.describe()) }</span>
                if let Some((done, total)) = state.teacher_training {
                    <label class="progress">{ "Teacher training " }
                        <progress id="teacher-progress" max={total.to_string()} value={done.to_string()} />
                        { format!(" {done} / {total} steps") }
                    </label>
                }
            </div>
            <p class="explain">{ "In PyTorch:" }</p>
            <pre id="torch-snippet" class="code">{ torch }</pre>
        </section>
    }
}

/// One click per paper experiment, each explained.
#[component]
pub fn Presets(props: &CalmProps) -> Html {
    let state = &props.state;
    html! {
        <section class="panel presets" aria-labelledby="presets-h">
            <h2 id="presets-h">{ "Experiments" }</h2>
            <p class="explain">{ "Each button sets up one claim of a paper (both students restart). Press Train and watch the curves." }</p>
            <ul class="preset-list">
                { for Preset::ALL.iter().map(|&preset| {
                    let choose = update(state, move |current| Ok(preset.apply(current)));
                    let onclick = Callback::from(move |_: MouseEvent| choose());
                    html! {
                        <li>
                            <button id={format!("preset-{}", preset.id())} {onclick}>{ preset.title() }</button>
                            <span class="note">{ preset.explain() }</span>
                        </li>
                    }
                }) }
            </ul>
        </section>
    }
}

/// What distillation buys: size and speed of the teacher and the student, and the accuracy kept.
#[component]
pub fn Compression(props: &CalmProps) -> Html {
    let state = &props.state;
    let Some(c) = &state.compression else {
        return html! {};
    };
    let student_accuracy = state.curves.last().map(|p| p.test_accuracy);
    let row = |name: &str, teacher: String, student: String| {
        html! {
            <tr><th scope="row">{ name.to_string() }</th><td>{ teacher }</td><td>{ student }</td></tr>
        }
    };
    let ratio = |t: f64, s: f64| format!("{:.1}× smaller", t / s.max(1e-9));
    html! {
        <section class="panel compression" aria-labelledby="compression-h">
            <h2 id="compression-h">{ "Compression" }</h2>
            <table id="compression-table">
                <thead><tr><th></th><th>{ "teacher" }</th><th>{ "student" }</th></tr></thead>
                <tbody>
                    { row("parameters", c.teacher_params.to_string(), format!("{} ({})", c.student_params, ratio(c.teacher_params as f64, c.student_params as f64))) }
                    { row("bytes (float32)", format!("{:.0} kB", c.teacher_params as f64 * 4.0 / 1e3), format!("{:.1} kB", c.student_params as f64 * 4.0 / 1e3)) }
                    { row(&format!("forward pass, {} test examples (CPU)", c.examples), format!("{:.2} ms", c.teacher_ms), format!("{:.2} ms ({:.1}× faster)", c.student_ms, c.teacher_ms / c.student_ms.max(1e-6))) }
                    { row("test accuracy", format!("{:.1} %", c.teacher_accuracy * 100.0),
                          student_accuracy.map_or("train to see".to_string(), |a| format!("{:.1} % ({:.0} % retained)", a * 100.0, a / c.teacher_accuracy.max(1e-6) * 100.0))) }
                </tbody>
            </table>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct DrawGridProps {
    pub pixels: Vec<f32>,
    pub side: usize,
    pub dispatch: UseReducerDispatcher<AppState>,
}

/// The drawing grid: press and drag to paint. For the keyboard it is one tab stop: the arrows
/// move between cells, Enter or Space paints, Shift+arrows paint as they move.
#[component]
pub fn DrawGrid(props: &DrawGridProps) -> Html {
    let s = props.side.max(1);
    let cursor = use_state(|| 0usize);
    let focused = *cursor;
    html! {
        <svg id="draw-grid" class={classes!("digit", "drawing", (s > 8).then_some("fine"))} viewBox={format!("0 0 {s} {s}")} role="group" aria-label="drawing grid">
            { for props.pixels.iter().enumerate().map(|(i, v)| {
                let shade = (255.0 * (1.0 - v.clamp(0.0, 1.0))) as u8;
                let d = props.dispatch.clone();
                let down = Callback::from(move |e: PointerEvent| {
                    e.prevent_default();
                    d.dispatch(Action::Draw(DrawAction::BeginStroke));
                    d.dispatch(Action::Draw(DrawAction::Paint(i)));
                });
                let d = props.dispatch.clone();
                let enter = Callback::from(move |e: MouseEvent| {
                    if e.buttons() & 1 == 1 {
                        d.dispatch(Action::Draw(DrawAction::Paint(i)));
                    }
                });
                let d = props.dispatch.clone();
                let cursor = cursor.clone();
                let key = Callback::from(move |e: KeyboardEvent| {
                    let (r, c) = (i / s, i % s);
                    let next = match e.key().as_str() {
                        "Enter" | " " => {
                            e.prevent_default();
                            d.dispatch(Action::Draw(DrawAction::BeginStroke));
                            d.dispatch(Action::Draw(DrawAction::Paint(i)));
                            return;
                        }
                        "ArrowLeft" if c > 0 => i - 1,
                        "ArrowRight" if c + 1 < s => i + 1,
                        "ArrowUp" if r > 0 => i - s,
                        "ArrowDown" if r + 1 < s => i + s,
                        _ => return,
                    };
                    e.prevent_default();
                    cursor.set(next);
                    if e.shift_key() {
                        d.dispatch(Action::Draw(DrawAction::Paint(next)));
                    }
                    focus_cell(next);
                });
                html! { <rect class="cell" data-cell={i.to_string()} x={(i % s).to_string()} y={(i / s).to_string()} width="0.96" height="0.96"
                              tabindex={if i == focused { "0" } else { "-1" }} role="button" aria-label={format!("row {} column {}", i / s + 1, i % s + 1)}
                              fill={format!("rgb({shade},{shade},{shade})")}
                              onpointerdown={down} onmouseenter={enter} onkeydown={key} /> }
            }) }
        </svg>
    }
}

/// Moves the keyboard focus to a cell of the drawing grid (an SVG element: `focus` is called
/// through JavaScript, as web-sys's SVG bindings are not otherwise needed).
fn focus_cell(cell: usize) {
    use wasm_bindgen::JsCast;
    let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| {
        d.query_selector(&format!("#draw-grid [data-cell=\"{cell}\"]"))
            .ok()
            .flatten()
    }) else {
        return;
    };
    if let Ok(focus) = js_sys::Reflect::get(&el, &"focus".into())
        && let Ok(focus) = focus.dyn_into::<js_sys::Function>()
    {
        let _ = focus.call0(&el);
    }
}

/// The guided tour's card: where we are, what to look at, back and next.
#[component]
pub fn Tour(props: &StateProps) -> Html {
    let state = &props.state;
    let Some(k) = state.tour else {
        return html! {};
    };
    let Some(step) = crate::app::TOUR.get(k) else {
        return html! {};
    };
    let n = crate::app::TOUR.len();
    let go = |to: Option<usize>| {
        let d = state.dispatcher();
        Callback::from(move |_: MouseEvent| d.dispatch(Action::Tour(to)))
    };
    html! {
        <aside id="tour" class="tour" role="dialog" aria-labelledby="tour-title" aria-live="polite">
            <h2 id="tour-title">{ step.title }</h2>
            <p>{ step.text }</p>
            <div class="buttons">
                <button id="tour-back" onclick={go(k.checked_sub(1))} disabled={k == 0}>{ "Back" }</button>
                if k + 1 < n {
                    <button id="tour-next" class="primary" onclick={go(Some(k + 1))}>{ "Next" }</button>
                }
                <button id="tour-end" onclick={go(None)}>{ if k + 1 < n { "End tour" } else { "Done" } }</button>
                <span class="note">{ format!("{} of {n}", k + 1) }</span>
            </div>
        </aside>
    }
}

/// The 2-D sets: the teacher's, the distilled and the scratch student's decision maps side by
/// side, shaded by how sure each is at temperature T, with the points each one learns from.
#[component]
pub fn DecisionMaps(props: &StateProps) -> Html {
    let state = &props.state;
    let s = &state.settings;
    let transfer = {
        let data = state.data.clone();
        let config = s.transfer_config();
        use_memo((data, config, s.seed), |(data, config, seed)| {
            data.as_ref()
                .filter(|d| d.kind.toy().is_some())
                .and_then(|d| {
                    crate::engine::data::TransferSet::build(&d.split.train, config, *seed).ok()
                })
                .map(Rc::new)
        })
    };
    let Some(data) = &state.data else {
        return html! {};
    };
    if data.kind.toy().is_none() {
        return html! {};
    }
    let test = &data.split.test;
    let selected = match state.probe {
        Some(p) => Some(p),
        None if state.drawing.is_none() && !test.is_empty() => {
            let e = test.example(s.example.min(test.len() - 1));
            Some([e[0], e[1]])
        }
        None => None,
    };
    let agreement = state.grid.as_ref().map(|g| {
        (
            crate::engine::decision_map::agreement(&g[1], &g[0], test.classes),
            crate::engine::decision_map::agreement(&g[2], &g[0], test.classes),
        )
    });
    let maps = [
        ("teacher", "Teacher", MapPoints::All),
        ("student", "Distilled student", MapPoints::Transfer),
        ("scratch", "Scratch student", MapPoints::Labeled),
    ];
    html! {
        <section class="panel maps" aria-labelledby="maps-h">
            <h2 id="maps-h">{ "Decision maps" }</h2>
            <p class="explain">{ "Each map colours the plane by the class a network picks; pale means unsure at the current T (drag the temperature slider: the sure region shrinks towards the points). Filled dots carry labels; hollow dots are unlabeled examples the distilled student hears about only from the teacher. Click a map (or focus it and use the arrow keys) to see the soft targets at any point." }</p>
            <div class="maps-row">
                { for maps.iter().enumerate().map(|(k, (id, title, points))| html! {
                    <MapCanvas id={format!("map-{id}")} title={*title} which={k} grid={state.grid.clone()}
                               temperature={s.temperature} classes={test.classes} transfer={(*transfer).clone()}
                               train={data.clone()} points={*points} selected={selected} dispatch={state.dispatcher()} />
                }) }
            </div>
            if let Some((distilled, scratch)) = agreement {
                <p id="map-agreement" class="reading">{ format!(
                    "On the plane shown, the distilled student picks the teacher's class on {:.0} % of the map, the scratch student on {:.0} %.",
                    distilled * 100.0, scratch * 100.0) }</p>
            }
        </section>
    }
}

/// Which points a map shows: all training points, the distilled student's transfer set, or the
/// labeled rows alone (all the scratch student learns from).
#[derive(Clone, Copy, PartialEq)]
pub enum MapPoints {
    All,
    Transfer,
    Labeled,
}

#[derive(Properties, PartialEq)]
pub struct MapProps {
    pub id: AttrValue,
    pub title: AttrValue,
    /// 0 teacher, 1 distilled, 2 scratch: the index into `grid`.
    pub which: usize,
    pub grid: Option<Rc<[Vec<f32>; 3]>>,
    pub temperature: f32,
    pub classes: usize,
    pub transfer: Option<Rc<crate::engine::data::TransferSet>>,
    pub train: super::state::Data,
    pub points: MapPoints,
    pub selected: Option<[f32; 2]>,
    pub dispatch: UseReducerDispatcher<AppState>,
}

const MAP_PX: u32 = 240;

/// One decision map on a canvas; clicking it (or arrows) probes the plane.
#[component]
pub fn MapCanvas(props: &MapProps) -> Html {
    let canvas = use_node_ref();
    {
        let canvas = canvas.clone();
        let deps = (
            props.grid.clone(),
            props.temperature.to_bits(),
            props.selected.map(|p| p.map(f32::to_bits)),
            props.transfer.clone().map(|t| Rc::as_ptr(&t) as usize),
        );
        let logits = props
            .grid
            .as_ref()
            .and_then(|g| g.get(props.which).cloned());
        let (classes, t, selected, points) = (
            props.classes,
            props.temperature,
            props.selected,
            map_points(props),
        );
        use_effect_with(deps, move |_| {
            if let Some(c) = canvas.cast::<web_sys::HtmlCanvasElement>() {
                let _ = paint_map(&c, logits.as_deref(), classes, t, &points, selected);
            }
        });
    }
    let probe_at = {
        let d = props.dispatch.clone();
        Callback::from(move |e: MouseEvent| {
            let Some(target) = e.target_dyn_into::<web_sys::Element>() else {
                return;
            };
            let rect = target.get_bounding_client_rect();
            let u = (f64::from(e.client_x()) - rect.left()) / rect.width().max(1.0);
            let v = (f64::from(e.client_y()) - rect.top()) / rect.height().max(1.0);
            let (x, y) = crate::engine::decision_map::PAGE_GRID.from_unit(u as f32, v as f32);
            d.dispatch(Action::Probe(Some([x, y])));
        })
    };
    let keys = {
        let d = props.dispatch.clone();
        let from = props.selected.unwrap_or([0.0, 0.0]);
        Callback::from(move |e: KeyboardEvent| {
            let step = 0.1;
            let [x, y] = from;
            let moved = match e.key().as_str() {
                "ArrowLeft" => [x - step, y],
                "ArrowRight" => [x + step, y],
                "ArrowUp" => [x, y + step],
                "ArrowDown" => [x, y - step],
                _ => return,
            };
            e.prevent_default();
            let g = crate::engine::decision_map::PAGE_GRID;
            d.dispatch(Action::Probe(Some(moved.map(|v| v.clamp(g.lo, g.hi)))));
        })
    };
    html! {
        <figure class={classes!("map", props.id.to_string())}>
            <figcaption>{ props.title.clone() }</figcaption>
            <canvas id={props.id.clone()} ref={canvas} width={MAP_PX.to_string()} height={MAP_PX.to_string()}
                    tabindex="0" role="img" aria-label={format!("{} decision map; click or use the arrow keys to probe a point", props.title)}
                    onclick={probe_at} onkeydown={keys} />
        </figure>
    }
}

/// The points a map draws: `(x, y, class or None for unlabeled)`.
fn map_points(props: &MapProps) -> Vec<(f32, f32, Option<u8>)> {
    match (props.points, &props.transfer) {
        (MapPoints::All, _) | (_, None) => {
            let train = &props.train.split.train;
            (0..train.len())
                .map(|i| {
                    let e = train.example(i);
                    (e[0], e[1], Some(train.labels[i]))
                })
                .collect()
        }
        (which, Some(t)) => t
            .features
            .chunks_exact(t.dim.max(1))
            .zip(&t.labels)
            .filter(|(_, l)| which == MapPoints::Transfer || l.is_some())
            .map(|(e, l)| (e[0], e[1], *l))
            .collect(),
    }
}

fn paint_map(
    canvas: &web_sys::HtmlCanvasElement,
    logits: Option<&[f32]>,
    classes: usize,
    temperature: f32,
    points: &[(f32, f32, Option<u8>)],
    selected: Option<[f32; 2]>,
) -> Result<(), wasm_bindgen::JsValue> {
    use crate::engine::decision_map::{CLASS_COLOURS, PAGE_GRID, shade};
    use wasm_bindgen::JsCast;
    let context = |c: &web_sys::HtmlCanvasElement| -> Result<web_sys::CanvasRenderingContext2d, wasm_bindgen::JsValue> {
        c.get_context("2d")?
            .ok_or_else(|| wasm_bindgen::JsValue::from_str("no 2d context"))?
            .dyn_into()
            .map_err(|_| wasm_bindgen::JsValue::from_str("not a 2d context"))
    };
    let ctx = context(canvas)?;
    let size = f64::from(MAP_PX);
    ctx.set_fill_style_str("#f3f4f6");
    ctx.fill_rect(0.0, 0.0, size, size);
    if let Some(logits) = logits {
        // The grid's pixels on a small canvas, scaled up smoothly onto the visible one.
        let side = PAGE_GRID.side as u32;
        let pixels = shade(logits, classes, temperature);
        let image = web_sys::ImageData::new_with_u8_clamped_array_and_sh(
            wasm_bindgen::Clamped(&pixels),
            side,
            side,
        )?;
        let small: web_sys::HtmlCanvasElement = web_sys::window()
            .and_then(|w| w.document())
            .ok_or_else(|| wasm_bindgen::JsValue::from_str("no document"))?
            .create_element("canvas")?
            .dyn_into()?;
        small.set_width(side);
        small.set_height(side);
        context(&small)?.put_image_data(&image, 0.0, 0.0)?;
        ctx.set_image_smoothing_enabled(true);
        ctx.draw_image_with_html_canvas_element_and_dw_and_dh(&small, 0.0, 0.0, size, size)?;
    }
    let colour = |c: u8| {
        let [r, g, b] = CLASS_COLOURS
            .get(usize::from(c))
            .copied()
            .unwrap_or([90, 90, 90]);
        format!("rgb({r},{g},{b})")
    };
    for &(x, y, label) in points {
        let (u, v) = PAGE_GRID.to_unit(x, y);
        ctx.begin_path();
        ctx.arc(
            f64::from(u) * size,
            f64::from(v) * size,
            2.6,
            0.0,
            std::f64::consts::TAU,
        )?;
        match label {
            Some(c) => {
                ctx.set_fill_style_str(&colour(c));
                ctx.fill();
                ctx.set_stroke_style_str("white");
                ctx.set_line_width(0.8);
                ctx.stroke();
            }
            None => {
                ctx.set_stroke_style_str("rgba(40,40,40,0.55)");
                ctx.set_line_width(1.0);
                ctx.stroke();
            }
        }
    }
    if let Some([x, y]) = selected {
        let (u, v) = PAGE_GRID.to_unit(x, y);
        ctx.begin_path();
        ctx.arc(
            f64::from(u) * size,
            f64::from(v) * size,
            7.0,
            0.0,
            std::f64::consts::TAU,
        )?;
        ctx.set_stroke_style_str("#111");
        ctx.set_line_width(2.5);
        ctx.stroke();
    }
    Ok(())
}
