//! α, the loss kinds, β, schedules, learning rate, batch size and the transfer set.

use yew::prelude::*;

use super::*;
use crate::app::AlphaSchedule;
use crate::engine::limits::{ALPHA, BETA};
use crate::engine::loss::{HiddenLoss, SoftLoss};

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
    let soft_name = s.soft_loss.name();
    let hidden_name = s.hidden_loss.name();
    html! {
        <section class="panel controls" aria-labelledby="loss-h">
            <h2 id="loss-h">{ "The loss" }</h2>
            <p class="formula">{ "L = α · CE(labels) + (1 − α) · soft + β · hidden" }</p>
            <div class="control">
                <label for="alpha">{ "α — weight of the hard labels " }<strong id="alpha-value">{ format!("{:.2}", s.alpha) }</strong></label>
                <input id="alpha" type="range" min={ALPHA.min.to_string()} max={ALPHA.max.to_string()} step="0.05" value={s.alpha.to_string()} oninput={alpha}
                       disabled={s.alpha_schedule == AlphaSchedule::TeacherAnnealing} />
                <p class="explain">{ "0: learn only from the teacher's soft targets. 1: only from the labels (no distillation). Unlabeled examples always learn from the teacher." }</p>
            </div>
            { select("soft-loss", "Soft loss", soft_name.into(), &[(SoftLoss::HintonKl.name(), "Hinton: T² · KL(teacher ‖ student) at T"), (SoftLoss::LogitMse.name(), "Tang et al.: MSE between logits")], soft,
                "Hinton compares the two distributions at temperature T (T² keeps the gradients' size). Tang et al. match the raw logits directly; T plays no part.") }
            <div class="control">
                <label for="beta">{ "β — weight of the hidden-state loss " }<strong id="beta-value">{ format!("{:.2}", s.beta) }</strong></label>
                <input id="beta" type="range" min={BETA.min.to_string()} max={BETA.max.to_string()} step="0.05" value={s.beta.to_string()} oninput={beta} />
                <p class="explain">{ "Patient KD: the student's hidden layers also imitate the mapped teacher layers (through a learned projection where the widths differ). 0 turns it off." }</p>
            </div>
            { select("hidden-loss", "Hidden-state loss", hidden_name.into(), &[(HiddenLoss::Mse.name(), "MSE"), (HiddenLoss::Pkd.name(), "PKD: distance of normalised vectors"), (HiddenLoss::Cosine.name(), "1 − cosine")], hidden,
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
