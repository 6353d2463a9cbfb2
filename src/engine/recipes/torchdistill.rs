//! torchdistill's config (YAML): the models, the training loop's sizes, the optimiser, and a
//! `WeightedSumLoss` whose sub-terms are our terms. torchdistill's `KDLoss` is
//! `α·CE + (1 − α)·T²·KL`, our convention exactly. The hidden terms are `MSELoss` between
//! forward hooks of the mapped layers, through `SimpleLossWrapper`.

use super::yaml::{Yaml, decimal, map, n, s};
use super::{Recipe, Term};
use crate::error::Result;
use crate::loss::{HiddenLoss, KlReduction, SoftLoss};
use crate::network::Architecture;
use crate::schedule::Schedule;

impl Recipe<'_> {
    /// The config as YAML text (its notes at the top as comments) and the notes.
    pub fn torchdistill(&self) -> Result<(String, Vec<String>)> {
        let mut notes = self.common_notes();
        let terms = self.criterion(&mut notes)?;
        let hidden = self.hidden_terms()?;
        let doc = map([
            (
                "models",
                map([
                    ("teacher_model", self.model(self.teacher, "teacher")),
                    ("student_model", self.model(self.student, "student")),
                ]),
            ),
            ("train", self.train_section(&hidden, terms)),
        ]);
        if hidden.iter().any(|t| t.widths.0 != t.widths.1) {
            notes.push("Where widths differ, the student's hooks read `proj{k}`: wrap the student so each mapped layer's output passes a Linear(student width, teacher width), as the playground's projections do.".into());
        }
        notes.push(format!("Register the dataset '{}/train' in a `datasets` section; the playground's data is not part of this file.", self.dataset));
        let header: String = notes.iter().map(|n| format!("# {n}\n")).collect();
        Ok((format!("{header}{}", doc.render()), notes))
    }

    /// The `train` section: data, the two models' hooks, the optimizer and the loss's terms.
    fn train_section(&self, hidden: &[super::Term], terms: Yaml) -> Yaml {
        let s = self.settings;
        let teacher_hooks = hooks(hidden.iter().map(|t| module_path(self.teacher, t.teacher)));
        let student_hooks = hooks(
            hidden
                .iter()
                .enumerate()
                .map(|(k, t)| self.student_path(k, t)),
        );
        map([
            ("log_freq", n(100)),
            ("num_epochs", n(self.epochs() as f64)),
            (
                "train_data_loader",
                map([
                    ("dataset_id", self::s(format!("{}/train", self.dataset))),
                    ("kwargs", map([("batch_size", n(s.batch_size as f64))])),
                ]),
            ),
            (
                "teacher",
                map([
                    ("forward_hook", teacher_hooks),
                    ("requires_grad", Yaml::Bool(false)),
                ]),
            ),
            (
                "student",
                map([
                    ("forward_hook", student_hooks),
                    ("requires_grad", Yaml::Bool(true)),
                ]),
            ),
            (
                "optimizer",
                map([
                    ("key", self::s("Adam")),
                    ("kwargs", map([("lr", n(s.learning_rate))])),
                ]),
            ),
            (
                "criterion",
                map([
                    ("key", self::s("WeightedSumLoss")),
                    ("kwargs", map([("sub_terms", terms)])),
                ]),
            ),
        ])
    }

    /// The run's steps as whole epochs of the transfer set (rounded up).
    fn epochs(&self) -> usize {
        let s = self.settings;
        (s.total_steps * s.batch_size).div_ceil(self.examples.max(1))
    }

    fn model(&self, arch: &Architecture, role: &str) -> Yaml {
        let kwargs = serde_json::to_value(arch)
            .ok()
            .and_then(|v| v.as_object().cloned())
            .map(|o| Yaml::Map(o.into_iter().map(|(k, v)| (k, from_json(&v))).collect()))
            .unwrap_or(Yaml::Null);
        map([
            ("key", s(format!("distill_playground_{}", arch.kind()))),
            ("kwargs", kwargs),
            ("src_ckpt", s(format!("{role}.safetensors"))),
        ])
    }

    /// Where the student's `k`-th hidden term reads: the layer itself, or its projection.
    fn student_path(&self, k: usize, t: &Term) -> String {
        if t.widths.0 != t.widths.1 {
            format!("proj{k}")
        } else {
            module_path(self.student, t.student)
        }
    }

    /// The soft and hard terms, then the hidden and attention terms.
    fn criterion(&self, notes: &mut Vec<String>) -> Result<Yaml> {
        let st = self.settings;
        let mut terms = vec![self.logit_term(notes)];
        for (k, t) in self.hidden_terms()?.iter().enumerate() {
            let loss = match st.hidden_loss {
                HiddenLoss::Mse => "MSELoss",
                other => {
                    notes.push(format!(
                        "The {} hidden loss has no torch.nn equivalent; MSELoss stands in.",
                        other.name()
                    ));
                    "MSELoss"
                }
            };
            let input = hook(false, &self.student_path(k, t));
            let target = hook(true, &module_path(self.teacher, t.teacher));
            terms.push((
                format!("hidden_{}_{}", t.student, t.teacher),
                wrapped(loss, input, target, st.beta),
            ));
        }
        for (student, teacher) in self.attention_pairs()? {
            let path = |b: usize| format!("layers.{}.self_attn", b - 1);
            terms.push((
                format!("attention_{student}_{teacher}"),
                wrapped(
                    "MSELoss",
                    hook(false, &path(student)),
                    hook(true, &path(teacher)),
                    st.gamma,
                ),
            ));
        }
        if !self.attention_pairs()?.is_empty() {
            notes.push("Attention terms hook `layers.b.self_attn`: build it with need_weights=True and average_attn_weights=False so the hook sees each head's map.".into());
        }
        Ok(Yaml::Map(terms))
    }

    /// Hinton's KD as torchdistill's KDLoss, or Tang et al.'s logit MSE beside a labels term.
    fn logit_term(&self, notes: &mut Vec<String>) -> (String, Yaml) {
        let st = self.settings;
        let alpha = match st.alpha {
            Schedule::Constant { value } => value,
            Schedule::Linear { from, .. } => from,
            Schedule::TeacherAnnealing => {
                notes.push("BAM's teacher annealing (α from 0 to 1) has no KDLoss schedule; α is written as 0.5.".into());
                0.5
            }
        };
        if st.soft_loss == SoftLoss::LogitMse {
            return ("tang".into(), tang_term(alpha));
        }
        if !st.kl.t_squared {
            notes.push(
                "KDLoss always multiplies the KL by T²; the run without T² has no equivalent."
                    .into(),
            );
        }
        let t = match st.temperature {
            Schedule::Constant { value } => value,
            Schedule::Linear { from, .. } => from,
            Schedule::TeacherAnnealing => 1.0,
        };
        ("kd".into(), kd_term(t, alpha, st.kl.reduction))
    }
}

/// Tang et al.'s MSE between the logits, weighted by 1 − α.
fn tang_term(alpha: f32) -> Yaml {
    map([
        (
            "criterion",
            map([
                ("key", s("MSELoss")),
                ("kwargs", map([("reduction", s("mean"))])),
            ]),
        ),
        (
            "criterion_wrapper",
            wrapper(hook(false, "."), hook(true, ".")),
        ),
        ("weight", n(decimal(1.0 - alpha))),
    ])
}

/// torchdistill's KDLoss at temperature `t` with the labels' weight `alpha`.
fn kd_term(t: f32, alpha: f32, reduction: KlReduction) -> Yaml {
    let reduction = match reduction {
        KlReduction::BatchMean => "batchmean",
        KlReduction::ElementMean => "mean",
    };
    let kwargs = map([
        ("student_module_path", s(".")),
        ("student_module_io", s("output")),
        ("teacher_module_path", s(".")),
        ("teacher_module_io", s("output")),
        ("temperature", n(decimal(t))),
        ("alpha", n(decimal(alpha))),
        ("reduction", s(reduction)),
    ]);
    map([
        ("criterion", map([("key", s("KDLoss")), ("kwargs", kwargs)])),
        ("weight", n(1.0)),
    ])
}

/// The module whose output is hidden layer `layer` in the PyTorch layout of our files: an MLP
/// is `nn.Sequential(Linear, act, Linear, act, …)`, so layer l is module `2l − 1`; a
/// transformer's blocks are `layers.{l−1}`, its embeddings `embedding_norm`.
fn module_path(arch: &Architecture, layer: usize) -> String {
    match (arch, layer) {
        (Architecture::Mlp(_), 0) => ".".into(),
        (Architecture::Mlp(_), l) => (2 * l - 1).to_string(),
        (_, 0) => "embedding_norm".into(),
        (_, l) => format!("layers.{}", l - 1),
    }
}

fn hooks(paths: impl Iterator<Item = String>) -> Yaml {
    map([
        ("input", Yaml::List(vec![])),
        ("output", Yaml::List(paths.map(s).collect())),
    ])
}

fn hook(from_teacher: bool, path: &str) -> Yaml {
    map([
        ("is_from_teacher", Yaml::Bool(from_teacher)),
        ("module_path", s(path)),
        ("io", s("output")),
    ])
}

fn wrapper(input: Yaml, target: Yaml) -> Yaml {
    map([
        ("key", s("SimpleLossWrapper")),
        ("kwargs", map([("input", input), ("target", target)])),
    ])
}

fn wrapped(loss: &str, input: Yaml, target: Yaml, weight: f32) -> Yaml {
    map([
        (
            "criterion",
            map([
                ("key", s(loss)),
                ("kwargs", map([("reduction", s("mean"))])),
            ]),
        ),
        ("criterion_wrapper", wrapper(input, target)),
        ("weight", n(decimal(weight))),
    ])
}

fn from_json(v: &serde_json::Value) -> Yaml {
    match v {
        serde_json::Value::Null => Yaml::Null,
        serde_json::Value::Bool(b) => Yaml::Bool(*b),
        serde_json::Value::Number(x) => Yaml::Num(x.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(t) => Yaml::Str(t.clone()),
        serde_json::Value::Array(a) => Yaml::List(a.iter().map(from_json).collect()),
        serde_json::Value::Object(o) => {
            Yaml::Map(o.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    }
}
