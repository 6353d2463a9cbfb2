//! α, the loss kinds, β, schedules, learning rate, batch size and the transfer set.

use yew::prelude::*;

use super::*;
use crate::app::{AlphaSchedule, Settings};
use crate::engine::loss::{AttentionLoss, HiddenLoss, Projection, SoftLoss};

/// α, the loss kinds, β, schedules, learning rate, batch size, labeled fraction.
#[component]
pub fn LossControls(props: &SettingsProps) -> Html {
    let p = props;
    let text = p.settings.dataset.is_text();
    html! {
        <section class="panel controls" aria-labelledby="loss-h">
            <h2 id="loss-h">{ "The loss" }</h2>
            <p class="formula">{ if text { "L = α · CE(labels) + (1 − α) · soft + β · hidden + γ · attention" } else { "L = α · CE(labels) + (1 − α) · soft + β · hidden" } }</p>
            { loss_terms(p) }
            if text { { attention_controls(p) } }
            { pretrained_cost(&p.settings) }
            // Less often changed: folded, each fold saying what it holds now.
            <details id="loss-run" class="more">
                <summary>{ format!("Schedules and optimiser: {}", run_summary(&p.settings)) }</summary>
                { schedules(p) }
                { optimiser(p) }
            </details>
            <details id="loss-transfer" class="more">
                <summary>{ format!("Transfer set, what the distilled student learns from: {}", transfer_summary(&p.settings)) }</summary>
                { transfer_set(p) }
                if text { { augmentation(p) } }
            </details>
        </section>
    }
}

/// The schedules and the optimiser in a few words.
fn run_summary(s: &Settings) -> String {
    let alpha = match s.alpha_schedule {
        AlphaSchedule::Constant => "α constant",
        AlphaSchedule::TeacherAnnealing => "α annealed 0 → 1",
    };
    let t = if s.anneal_temperature {
        "T annealed to 1"
    } else {
        "T constant"
    };
    format!(
        "{alpha}, {t}, learning rate {}, batch {}",
        s.learning_rate, s.batch_size
    )
}

/// The transfer set in a few words.
fn transfer_summary(s: &Settings) -> String {
    let rest = if s.include_unlabeled {
        "the rest unlabeled"
    } else {
        "no unlabeled rest"
    };
    let omitted = s.omit_class.map_or(String::new(), |c| format!(", no {c}s"));
    format!(
        "{:.0} % labeled, {rest}, {} augmented copies{omitted}",
        s.labeled_fraction * 100.0,
        s.augment_copies
    )
}

/// On Brown, what the layer and attention terms cost: the soft targets come from the teacher's
/// shipped logits, but its states and attention are computed on every batch.
fn pretrained_cost(s: &crate::app::Settings) -> Html {
    let deep = s.beta > 0.0 || (s.gamma > 0.0 && s.attention_loss != AttentionLoss::Off);
    if s.dataset != crate::engine::catalog::DatasetKind::Brown || !deep {
        return html! {};
    }
    html! {
        <p id="pretrained-cost" class="note">{ format!(
            "With β or γ on, MiniLM (17 million parameters) reads every batch of {} sentences to give its states and attention: about 13 s a step at batch 64 on a 2-core CPU in this page, against a fraction of a second from its shipped logits alone. A smaller batch is quicker.",
            s.batch_size
        ) }</p>
    }
}

/// α and the soft loss, β and the hidden-state loss.
fn loss_terms(p: &SettingsProps) -> Html {
    let s = &p.settings;
    let alpha = set_field_live(&p.dispatch, "alpha");
    let beta = set_field_live(&p.dispatch, "beta");
    let soft = set_field(&p.dispatch, "soft");
    let hidden = set_field(&p.dispatch, "hidden");
    let projection = set_field(&p.dispatch, "proj");
    let (alpha_span, beta_span) = (span("alpha", ""), span("beta", ""));
    html! {
        <>
            <div class="control">
                <label for="alpha">{ "α — weight of the hard labels " }<strong id="alpha-value">{ format!("{:.2}", s.alpha) }</strong></label>
                <input id="alpha" type="range" data-setting="alpha" data-part="" min={alpha_span.min.to_string()} max={alpha_span.max.to_string()} step="0.05" value={s.alpha.to_string()} oninput={alpha}
                       disabled={s.alpha_schedule == AlphaSchedule::TeacherAnnealing} />
                <p class="explain">{ "0: learn only from the teacher's soft targets. 1: only from the labels (no distillation). Unlabeled examples always learn from the teacher." }</p>
            </div>
            { select("soft-loss", "Soft loss", s.soft_loss.name(), &[(SoftLoss::HintonKl.name(), "Hinton: T² · KL(teacher ‖ student) at T"), (SoftLoss::LogitMse.name(), "Tang et al.: MSE between logits")], soft,
                "Hinton compares the two distributions at temperature T (T² keeps the gradients' size). Tang et al. match the raw logits directly; T plays no part.") }
            <div class="control">
                <label for="beta">{ "β — weight of the hidden-state loss " }<strong id="beta-value">{ format!("{:.2}", s.beta) }</strong></label>
                <input id="beta" type="range" data-setting="beta" data-part="" min={beta_span.min.to_string()} max={beta_span.max.to_string()} step="0.05" value={s.beta.to_string()} oninput={beta} />
                <p class="explain">{ "Patient KD: the student's hidden layers also imitate the mapped teacher layers (through a learned projection where the widths differ). 0 turns it off." }</p>
            </div>
            { select("hidden-loss", "Hidden-state loss", s.hidden_loss.name(), &[(HiddenLoss::Mse.name(), "MSE"), (HiddenLoss::Pkd.name(), "PKD: distance of normalised vectors"), (HiddenLoss::Cosine.name(), "1 − cosine")], hidden,
                "How far apart a student layer and its teacher layer are.") }
            // Only with the hidden term on: it is where the widths meet.
            if s.beta > 0.0 {
                { select("projection", "Where widths differ", s.projection.name(), &[(Projection::Layer.name(), "a student → teacher matrix per layer"), (Projection::SharedUp.name(), "one student → teacher matrix, shared"), (Projection::SharedDown.name(), "one teacher → student matrix, shared")], projection,
                    "A learned matrix maps one width onto the other: per layer (TinyBERT), or one shared by all layers (Zhao et al.), either way.") }
            }
        </>
    }
}

/// Attention transfer (TinyBERT, MiniLM), γ and TinyBERT's embedding term: transformers only.
fn attention_controls(p: &SettingsProps) -> Html {
    let s = &p.settings;
    if !s.has_blocks() {
        return html! {
            <p id="attention-off" class="note">{ format!("Attention transfer, β and the layer mapping need a transformer student; a {} learns from the logits (α, T and the soft loss).", s.student_kind.title()) }</p>
        };
    }
    let kind = set_field(&p.dispatch, "attn");
    let gamma = set_field_live(&p.dispatch, "gamma");
    let embed = set_field(&p.dispatch, "embed");
    let gamma_span = span("gamma", "");
    html! {
        <>
            { select("attention-loss", "Attention transfer", s.attention_loss.name(),
                &[(AttentionLoss::Off.name(), "off"), (AttentionLoss::TinyBert.name(), "TinyBERT: MSE of mapped blocks' attention, head by head"), (AttentionLoss::MiniLm.name(), "MiniLM: last block's Q·K and V·V relations (KL)")], kind,
                "TinyBERT (Jiao et al. 2020) makes each mapped student block attend like its teacher block, head by head (so the heads must match). MiniLM (Wang et al. 2020) matches only the last blocks' self-attention relations, whatever the widths.") }
            <div class="control">
                <label for="gamma">{ "γ — weight of the attention term " }<strong id="gamma-value">{ format!("{:.1}", s.gamma) }</strong></label>
                <input id="gamma" type="range" data-setting="gamma" data-part="" min={gamma_span.min.to_string()} max={gamma_span.max.to_string()} step="0.5" value={s.gamma.to_string()} oninput={gamma}
                       disabled={s.attention_loss == AttentionLoss::Off} />
            </div>
            { select("match-embeddings", "Embedding layer", if s.match_embeddings { "1" } else { "0" },
                &[("0", "not matched"), ("1", "matched to the teacher's (TinyBERT, with β)")], embed,
                "TinyBERT also pulls the student's word embeddings toward the teacher's, through a learned projection.") }
        </>
    }
}

/// Tang et al.'s augmentation: its three probabilities.
fn augmentation(p: &SettingsProps) -> Html {
    let s = &p.settings;
    let field = |(id, key): (&'static str, &'static str),
                 label: &'static str,
                 value: f32,
                 on: Callback<Event>,
                 help: &'static str| {
        let bounds = span(key, "");
        html! {
            <div class="control inline">
                <label for={id}>{ label }</label>
                <input id={id} type="number" data-setting={key} data-part="" min={bounds.min.to_string()} max={bounds.max.to_string()} step="0.05" value={value.to_string()} onchange={on} />
                <span class="note">{ help }</span>
            </div>
        }
    };
    html! {
        <div class="augmentation">
            <p class="explain">{ "Tang et al. 2019 make new, unlabeled sentences for the teacher to label: each word is masked or replaced by a similar word (here: one of its 5 nearest words in the teacher's embedding space), and some sentences are cut to a short n-gram. They count only with augmented copies above; five versions of the message shown are listed under it." }</p>
            { field(("p-mask", "pMask"), "masking", s.p_mask, set_field(&p.dispatch, "pMask"), " a word becomes [MASK]") }
            { field(("p-replace", "pReplace"), "replacement", s.p_replace, set_field(&p.dispatch, "pReplace"), " a word becomes a similar word") }
            { field(("p-ngram", "pNgram"), "n-gram sampling", s.p_ngram, set_field(&p.dispatch, "pNgram"), " keep only 1 to 5 consecutive words") }
        </div>
    }
}

/// How α and T move over the run.
fn schedules(p: &SettingsProps) -> Html {
    let s = &p.settings;
    let alpha_schedule = set_field(&p.dispatch, "alphaSchedule");
    let anneal = set_field(&p.dispatch, "annealT");
    let bam = s.alpha_schedule == AlphaSchedule::TeacherAnnealing;
    html! {
        <>
            { select("alpha-schedule", "α over the run", if bam { "teacher-annealing" } else { "constant" },
                &[("constant", "constant"), ("teacher-annealing", "teacher annealing (BAM): 0 → 1")], alpha_schedule,
                "BAM: start by imitating the teacher, end on the labels.") }
            { select("t-schedule", "T over the run", if s.anneal_temperature { "1" } else { "0" },
                &[("0", "constant"), ("1", "anneal from T down to 1")], anneal, "A hot start spreads knowledge; cooling focuses it.") }
        </>
    }
}

/// Learning rate, batch size and the share of labeled examples.
fn optimiser(p: &SettingsProps) -> Html {
    let s = &p.settings;
    let lr = set_field(&p.dispatch, "lr");
    let batch = set_field(&p.dispatch, "batch");
    let labeled = set_field(&p.dispatch, "labeled");
    html! {
        <>
            { select("lr", "Learning rate (Adam)", &s.learning_rate.to_string(), &[("0.0003", "0.0003"), ("0.001", "0.001"), ("0.003", "0.003"), ("0.01", "0.01"), ("0.03", "0.03")], lr,
                "Step size of every update.") }
            { select("batch", "Batch size", &s.batch_size.to_string(), &[("16", "16"), ("32", "32"), ("64", "64"), ("128", "128"), ("256", "256")], batch,
                "Examples per step.") }
            { select("labeled", "Labeled data", &s.labeled_fraction.to_string(), &[("0.02", "2 %"), ("0.03", "3 %"), ("0.05", "5 %"), ("0.1", "10 %"), ("0.25", "25 %"), ("0.5", "50 %"), ("1", "100 %")], labeled,
                "The share of training examples that keep their label. The rest teach the distilled student through the teacher only; with few labels, the gap to the scratch student is largest.") }
        </>
    }
}

/// The unlabeled rest, augmented copies and an omitted class.
fn transfer_set(p: &SettingsProps) -> Html {
    let s = &p.settings;
    let unlabeled = set_field(&p.dispatch, "unlabeled");
    let augment = set_field(&p.dispatch, "augment");
    let omit = set_field(&p.dispatch, "omit");
    let classes: Vec<String> = (0..s.dataset.classes()).map(|c| c.to_string()).collect();
    let omit_options: Vec<(&str, &str)> = std::iter::once(("none", "none"))
        .chain(classes.iter().map(|c| (c.as_str(), c.as_str())))
        .collect();
    let omitted = s.omit_class.map_or("none".to_string(), |c| c.to_string());
    html! {
        <>
            { select("unlabeled", "Unlabeled rest", if s.include_unlabeled { "1" } else { "0" },
                &[("1", "included (teacher targets only)"), ("0", "left out (labeled examples only)")], unlabeled,
                "Hinton's transfer set can hold examples nobody labeled: the teacher's soft targets are enough.") }
            { select("augment", "Augmented copies", &s.augment_copies.to_string(),
                &[("0", "none"), ("1", "1 per example"), ("2", "2 per example"), ("4", "4 per example")], augment,
                "Noisy copies of every example, unlabeled (images also partly masked, as Tang et al. mask words): more places where the student hears the teacher.") }
            { select("omit", "Omitted class", &omitted, &omit_options, omit,
                "Remove every example of one class from the transfer set; the training panel shows how well the student still recognises it (Hinton et al. 2015).") }
        </>
    }
}
