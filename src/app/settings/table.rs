//! Every setting of the page, declared once: its key in a link, its label, its bounds and
//! default, and whether a change reaches the running students or starts them again. The link
//! reader and writer, the saved settings, the controls' bounds, the reference table the page
//! shows and the restart decision all walk this table; the numbers' bounds and defaults are the
//! engine's (`engine::limits`), which the trainer and the CLI's defaults read too.

use super::Settings;
use crate::app::shipped_teacher::ShippedTeacher;
use crate::engine::catalog::DatasetKind;
use crate::engine::limits::{self, Bound};
use crate::engine::loss::{AttentionLoss, HiddenLoss, KlReduction, Projection, SoftLoss};
use crate::engine::mapping::MappingScheme;
use crate::engine::network::{MlpConfig, NetKind};

/// What a change of the setting does to a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applies {
    /// The running students take it at their next step.
    Live,
    /// Students that learn differently: both start again.
    Restart,
    /// Only what the page shows.
    View,
}

impl Applies {
    pub fn describe(self) -> &'static str {
        match self {
            Applies::Live => "at once, to the running students",
            Applies::Restart => "restarts both students",
            Applies::View => "what the page shows",
        }
    }
}

/// The numeric bounds of (a part of) a setting, as its control gets them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Span {
    /// Which part ("" for a single number; "depth" and "width" of the students' shape).
    pub part: &'static str,
    pub min: f64,
    pub max: f64,
    pub default: f64,
}

const fn span_f32(part: &'static str, b: Bound<f32>) -> Span {
    Span {
        part,
        min: b.min as f64,
        max: b.max as f64,
        default: b.default as f64,
    }
}

const fn span_f64(part: &'static str, b: Bound<f64>) -> Span {
    Span {
        part,
        min: b.min,
        max: b.max,
        default: b.default,
    }
}

const fn span_usize(part: &'static str, b: Bound<usize>) -> Span {
    Span {
        part,
        min: b.min as f64,
        max: b.max as f64,
        default: b.default as f64,
    }
}

/// One setting.
pub struct Entry {
    /// Its key in a link (`#T=4&alpha=0.5…`).
    pub key: &'static str,
    /// What the page and its messages call it.
    pub label: &'static str,
    pub applies: Applies,
    pub spans: &'static [Span],
    /// A link that sets it away from its default (the tests round-trip every one).
    pub example: &'static str,
    /// Its value as a link spells it.
    pub get: fn(&Settings) -> String,
    /// Reads a link's spelling, or says what is wrong with it.
    pub set: fn(&mut Settings, &str) -> Result<(), String>,
}

impl Entry {
    /// The bounds of `part` ("" for a single number).
    pub fn span(&self, part: &str) -> Option<&'static Span> {
        self.spans.iter().find(|s| s.part == part)
    }
}

/// The entry of `key`.
pub fn entry(key: &str) -> Option<&'static Entry> {
    TABLE.iter().find(|e| e.key == key)
}

/// The bounds of `key`'s `part`, for a control (a key missing from the table is a bug caught
/// by the tests; the control then gets an empty range).
pub fn span(key: &str, part: &str) -> Span {
    entry(key)
        .and_then(|e| e.span(part))
        .copied()
        .unwrap_or(Span {
            part: "",
            min: 0.0,
            max: 0.0,
            default: 0.0,
        })
}

fn num<T: std::str::FromStr>(v: &str) -> Result<T, String> {
    v.parse().map_err(|_| "not a number".to_string())
}

/// A link value checked against its bounds.
fn within<T: PartialOrd + std::fmt::Display + Copy + std::str::FromStr>(
    bound: Bound<T>,
    v: &str,
) -> Result<T, String> {
    let v = num(v)?;
    bound
        .check(v)
        .map_err(|_| format!("must be between {} and {}", bound.min, bound.max))
}

fn flag(value: &str) -> Result<bool, String> {
    match value {
        "1" | "true" => Ok(true),
        "0" | "false" => Ok(false),
        _ => Err("must be 0 or 1".into()),
    }
}

/// Stores a value that read well (closures in the table stay one line).
fn put<T>(slot: &mut T, value: Result<T, String>) -> Result<(), String> {
    *slot = value?;
    Ok(())
}

fn bit(on: bool) -> String {
    u8::from(on).to_string()
}

fn choice<T: std::str::FromStr<Err = crate::engine::Error>>(v: &str) -> Result<T, String> {
    v.parse().map_err(|e: crate::engine::Error| e.to_string())
}

/// The table. Order is the link's order.
pub static TABLE: &[Entry] = &[
    Entry {
        key: "data",
        label: "dataset",
        applies: Applies::Restart,
        spans: &[],
        example: "data=mnist",
        get: |s| s.dataset.name().into(),
        set: |s, v| {
            *s = s.with_dataset(choice::<DatasetKind>(v)?);
            Ok(())
        },
    },
    Entry {
        key: "teacher",
        label: "teacher",
        applies: Applies::Restart,
        spans: &[],
        example: "data=brown&teacher=scratch",
        get: |s| s.teacher.name().into(),
        set: |s, v| {
            let teacher = choice::<ShippedTeacher>(v)?;
            teacher.check(s.dataset).map_err(|e| e.to_string())?;
            s.teacher = teacher;
            Ok(())
        },
    },
    Entry {
        key: "own",
        label: "your own CSV's name",
        applies: Applies::Restart,
        spans: &[],
        example: "own=iris.csv",
        get: |s| s.own_name.clone(),
        set: |s, v| {
            s.own_name = v.chars().take(80).collect();
            Ok(())
        },
    },
    Entry {
        key: limits::TEMPERATURE.key,
        label: "temperature T",
        applies: Applies::Live,
        spans: &[span_f32("", limits::TEMPERATURE)],
        example: "T=7.5",
        get: |s| s.temperature.to_string(),
        set: |s, v| put(&mut s.temperature, within(limits::TEMPERATURE, v)),
    },
    Entry {
        key: "annealT",
        label: "T annealed to 1 over the run",
        applies: Applies::Restart,
        spans: &[],
        example: "annealT=1",
        get: |s| bit(s.anneal_temperature),
        set: |s, v| put(&mut s.anneal_temperature, flag(v)),
    },
    Entry {
        key: limits::ALPHA.key,
        label: "α, the weight of the hard labels",
        applies: Applies::Live,
        spans: &[span_f32("", limits::ALPHA)],
        example: "alpha=0.25",
        get: |s| s.alpha.to_string(),
        set: |s, v| put(&mut s.alpha, within(limits::ALPHA, v)),
    },
    Entry {
        key: "alphaSchedule",
        label: "α's schedule (constant, or BAM's teacher annealing)",
        applies: Applies::Restart,
        spans: &[],
        example: "alphaSchedule=teacher-annealing",
        get: |s| super::link::enum_name(&s.alpha_schedule),
        set: |s, v| put(&mut s.alpha_schedule, super::link::parse_enum(v)),
    },
    Entry {
        key: limits::BETA.key,
        label: "β, the weight of the hidden-state loss",
        applies: Applies::Restart,
        spans: &[span_f32("", limits::BETA)],
        example: "beta=0.5",
        get: |s| s.beta.to_string(),
        set: |s, v| put(&mut s.beta, within(limits::BETA, v)),
    },
    Entry {
        key: "soft",
        label: "soft loss (Hinton's KL or Tang's logit MSE)",
        applies: Applies::Restart,
        spans: &[],
        example: "soft=mse",
        get: |s| s.soft_loss.name().into(),
        set: |s, v| put(&mut s.soft_loss, super::link::parse_enum::<SoftLoss>(v)),
    },
    Entry {
        key: "tSquared",
        label: "the KL's T² factor",
        applies: Applies::Restart,
        spans: &[],
        example: "tSquared=0",
        get: |s| bit(s.t_squared),
        set: |s, v| put(&mut s.t_squared, flag(v)),
    },
    Entry {
        key: "klReduction",
        label: "the KL's reduction (batch mean or element mean)",
        applies: Applies::Restart,
        spans: &[],
        example: "klReduction=mean",
        get: |s| s.kl_reduction.name().into(),
        set: |s, v| put(&mut s.kl_reduction, choice::<KlReduction>(v)),
    },
    Entry {
        key: "hidden",
        label: "hidden-state loss",
        applies: Applies::Restart,
        spans: &[],
        example: "hidden=pkd",
        get: |s| s.hidden_loss.name().into(),
        set: |s, v| put(&mut s.hidden_loss, super::link::parse_enum::<HiddenLoss>(v)),
    },
    Entry {
        key: "proj",
        label: "where differing widths are bridged (layer, shared-up, shared-down)",
        applies: Applies::Restart,
        spans: &[],
        example: "proj=shared-down",
        get: |s| s.projection.name().into(),
        set: |s, v| put(&mut s.projection, choice::<Projection>(v)),
    },
    Entry {
        key: "map",
        label: "layer mapping (skip, last, none, or pairs student:teacher)",
        applies: Applies::Restart,
        spans: &[],
        example: "map=1:3,2:6",
        get: |s| s.mapping.to_string(),
        set: |s, v| {
            let scheme = MappingScheme::parse(v).map_err(|e| e.to_string())?;
            // Checked against the shipped teacher's depth; the page re-checks its teacher.
            let depths = (s.student_depth(), super::teacher_depth(s.dataset));
            scheme
                .resolve(depths.0, depths.1)
                .map_err(|e| e.to_string())?;
            s.mapping = scheme;
            Ok(())
        },
    },
    Entry {
        key: "student",
        label: "the students' hidden layers (widths, first to last)",
        applies: Applies::Restart,
        spans: &[
            span_usize("depth", limits::STUDENT_DEPTH),
            span_usize("width", limits::STUDENT_WIDTH),
        ],
        example: "student=48,24",
        get: |s| {
            let widths: Vec<String> = s.student_hidden.iter().map(usize::to_string).collect();
            widths.join(",")
        },
        set: |s, v| {
            let hidden = MlpConfig::parse_hidden(v).map_err(|e| e.to_string())?;
            within(limits::STUDENT_DEPTH, &hidden.len().to_string())?;
            for w in &hidden {
                within(limits::STUDENT_WIDTH, &w.to_string())?;
            }
            s.student_hidden = hidden;
            // A mapping read earlier may not fit the new depth.
            s.keep_mapping_possible();
            Ok(())
        },
    },
    Entry {
        key: limits::LEARNING_RATE.key,
        label: "learning rate",
        applies: Applies::Live,
        spans: &[span_f64("", limits::LEARNING_RATE)],
        example: "lr=0.003",
        get: |s| s.learning_rate.to_string(),
        set: |s, v| put(&mut s.learning_rate, within(limits::LEARNING_RATE, v)),
    },
    Entry {
        key: limits::BATCH_SIZE.key,
        label: "batch size",
        applies: Applies::Restart,
        spans: &[span_usize("", limits::BATCH_SIZE)],
        example: "batch=128",
        get: |s| s.batch_size.to_string(),
        set: |s, v| put(&mut s.batch_size, within(limits::BATCH_SIZE, v)),
    },
    Entry {
        key: limits::LABELED_FRACTION.key,
        label: "share of the training examples labeled",
        applies: Applies::Restart,
        spans: &[span_f32("", limits::LABELED_FRACTION)],
        example: "labeled=0.25",
        get: |s| s.labeled_fraction.to_string(),
        set: |s, v| put(&mut s.labeled_fraction, within(limits::LABELED_FRACTION, v)),
    },
    Entry {
        key: "unlabeled",
        label: "the unlabeled rest in the transfer set",
        applies: Applies::Restart,
        spans: &[],
        example: "unlabeled=0",
        get: |s| bit(s.include_unlabeled),
        set: |s, v| put(&mut s.include_unlabeled, flag(v)),
    },
    Entry {
        key: limits::AUGMENT_COPIES.key,
        label: "augmented copies of each transfer example",
        applies: Applies::Restart,
        spans: &[span_usize("", limits::AUGMENT_COPIES)],
        example: "augment=2",
        get: |s| s.augment_copies.to_string(),
        set: |s, v| put(&mut s.augment_copies, within(limits::AUGMENT_COPIES, v)),
    },
    Entry {
        key: "omit",
        label: "the class left out of the transfer set (Hinton's omitted 3)",
        applies: Applies::Restart,
        spans: &[],
        example: "omit=3",
        get: |s| s.omit_class.map_or("none".to_string(), |c| c.to_string()),
        set: |s, v| {
            s.omit_class = match v {
                "none" | "" => None,
                v => {
                    let c: u8 = num(v)?;
                    let last = s.dataset.classes().saturating_sub(1);
                    if usize::from(c) > last {
                        return Err(format!("must be between 0 and {last}"));
                    }
                    Some(c)
                }
            };
            Ok(())
        },
    },
    Entry {
        key: "seed",
        label: "seed (the students' start and the batches)",
        applies: Applies::Restart,
        spans: &[],
        example: "seed=9",
        get: |s| s.seed.to_string(),
        set: |s, v| put(&mut s.seed, num(v)),
    },
    Entry {
        key: limits::EXAMPLE.key,
        label: "the test example on show",
        applies: Applies::View,
        spans: &[span_usize("", limits::EXAMPLE)],
        example: "example=17",
        get: |s| s.example.to_string(),
        set: |s, v| put(&mut s.example, within(limits::EXAMPLE, v)),
    },
    Entry {
        key: "kind",
        label: "the students' kind (MLP, or conv net on square images; transformer, BiLSTM or bag of words on text)",
        applies: Applies::Restart,
        spans: &[],
        example: "data=spam&kind=bilstm",
        get: |s| s.student_kind.name().into(),
        set: |s, v| {
            *s = s
                .with_kind(choice::<NetKind>(v)?)
                .map_err(|e| e.to_string())?;
            Ok(())
        },
    },
    Entry {
        key: "text",
        label: "the text students' width and blocks (width x blocks)",
        applies: Applies::Restart,
        spans: &[
            span_usize("width", limits::TEXT_WIDTH),
            span_usize("depth", limits::TEXT_DEPTH),
        ],
        example: "data=spam&text=48x3",
        get: |s| format!("{}x{}", s.text_width, s.text_depth),
        set: |s, v| {
            let (w, d) = v
                .split_once('x')
                .ok_or("not width x blocks, for example 32x2")?;
            s.text_width = within(limits::TEXT_WIDTH, w)?;
            s.text_depth = within(limits::TEXT_DEPTH, d)?;
            s.keep_mapping_possible();
            Ok(())
        },
    },
    Entry {
        key: limits::HEADS.key,
        label: "attention heads per block",
        applies: Applies::Restart,
        spans: &[span_usize("", limits::HEADS)],
        example: "data=spam&heads=2",
        get: |s| s.heads.to_string(),
        set: |s, v| put(&mut s.heads, within(limits::HEADS, v)),
    },
    Entry {
        key: "attn",
        label: "attention transfer (off, TinyBERT, MiniLM)",
        applies: Applies::Restart,
        spans: &[],
        example: "data=spam&attn=minilm",
        get: |s| s.attention_loss.name().into(),
        set: |s, v| put(&mut s.attention_loss, choice::<AttentionLoss>(v)),
    },
    Entry {
        key: limits::GAMMA.key,
        label: "γ, the weight of the attention term",
        applies: Applies::Restart,
        spans: &[span_f32("", limits::GAMMA)],
        example: "gamma=3.5",
        get: |s| s.gamma.to_string(),
        set: |s, v| put(&mut s.gamma, within(limits::GAMMA, v)),
    },
    Entry {
        key: "embed",
        label: "TinyBERT's embedding-layer term",
        applies: Applies::Restart,
        spans: &[],
        example: "embed=1",
        get: |s| bit(s.match_embeddings),
        set: |s, v| put(&mut s.match_embeddings, flag(v)),
    },
    Entry {
        key: limits::P_MASK.key,
        label: "Tang's masking probability",
        applies: Applies::Restart,
        spans: &[span_f32("", limits::P_MASK)],
        example: "pMask=0.2",
        get: |s| s.p_mask.to_string(),
        set: |s, v| put(&mut s.p_mask, within(limits::P_MASK, v)),
    },
    Entry {
        key: limits::P_REPLACE.key,
        label: "Tang's replacement probability",
        applies: Applies::Restart,
        spans: &[span_f32("", limits::P_REPLACE)],
        example: "pReplace=0.3",
        get: |s| s.p_replace.to_string(),
        set: |s, v| put(&mut s.p_replace, within(limits::P_REPLACE, v)),
    },
    Entry {
        key: limits::P_NGRAM.key,
        label: "Tang's n-gram probability",
        applies: Applies::Restart,
        spans: &[span_f32("", limits::P_NGRAM)],
        example: "pNgram=0.4",
        get: |s| s.p_ngram.to_string(),
        set: |s, v| put(&mut s.p_ngram, within(limits::P_NGRAM, v)),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The link that `example` leaves once its last field (the entry's own) is taken off.
    fn base_of(example: &str) -> String {
        example
            .rsplit_once('&')
            .map_or(String::new(), |(b, _)| b.to_string())
    }

    #[test]
    fn keys_are_unique_and_examples_set_their_own_entry() {
        let mut keys: Vec<&str> = TABLE.iter().map(|e| e.key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), TABLE.len());
        for e in TABLE {
            let last = e.example.rsplit('&').next().unwrap_or_default();
            assert!(
                last.starts_with(&format!("{}=", e.key)),
                "{}: {}",
                e.key,
                e.example
            );
        }
    }

    /// Every entry's example reads without complaint, moves that entry off its default, and
    /// comes back unchanged from the link written from it.
    #[test]
    fn every_entry_round_trips_through_the_link() {
        for e in TABLE {
            let (s, ignored) = Settings::from_hash(e.example);
            assert!(ignored.is_empty(), "{}: {ignored:?}", e.key);
            let (base, _) = Settings::from_hash(&base_of(e.example));
            assert_ne!(
                (e.get)(&s),
                (e.get)(&base),
                "{} stayed at its default",
                e.key
            );
            assert_eq!(Settings::from_hash(&s.to_hash()), (s, vec![]), "{}", e.key);
        }
    }

    /// A live setting never restarts the run, a view setting neither; every other one does.
    #[test]
    fn only_restart_settings_restart() {
        for e in TABLE {
            let (changed, _) = Settings::from_hash(e.example);
            let (base, _) = Settings::from_hash(&base_of(e.example));
            let restarts = base.needs_restart(&changed);
            assert_eq!(restarts, e.applies == Applies::Restart, "{}", e.key);
        }
    }

    /// Each bound's default is the default settings' value, within its bounds.
    #[test]
    fn defaults_are_the_settings_defaults_and_within_bounds() {
        let s = Settings::default();
        for e in TABLE {
            for span in e.spans {
                assert!(
                    span.min <= span.default && span.default <= span.max,
                    "{}",
                    e.key
                );
            }
            if let [single] = e.spans {
                let value: f64 = (e.get)(&s).parse().unwrap();
                assert!((value - single.default).abs() < 1e-6, "{}: {value}", e.key);
            }
        }
        assert_eq!(span("student", "width").max, 256.0);
        assert_eq!(span("gamma", "").max, f64::from(limits::GAMMA.max));
    }
}
