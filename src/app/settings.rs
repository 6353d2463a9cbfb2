//! The page's settings: one plain struct, its URL-hash form, and the edits a user can make. Pure
//! Rust, no browser, so every rule is tested natively; `src/web` wraps it in a Yew reducer.

use serde::{Deserialize, Serialize};

use super::students::teacher_depth;
use crate::engine::data::{DatasetKind, TransferConfig};
use crate::engine::error::{Error, Result};
use crate::engine::limits::{self, Bound};
use crate::engine::loss::{AttentionLoss, HiddenLoss, KlForm, KlReduction, SoftLoss};
use crate::engine::mapping::{LayerMapping, MappingScheme};
use crate::engine::network::{MlpConfig, NetKind};
use crate::engine::schedule::Schedule;
use crate::engine::text::TangAugment;
use crate::engine::train::DistillSettings;
use crate::engine::train::OmittedReport;

pub const T_MIN: f32 = limits::TEMPERATURE.min;
pub const T_MAX: f32 = limits::TEMPERATURE.max;
pub const MAX_STUDENT_DEPTH: usize = limits::STUDENT_DEPTH.max;

/// How α moves during a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AlphaSchedule {
    #[default]
    Constant,
    /// BAM: α from 0 (all teacher) to 1 (all labels).
    TeacherAnnealing,
}

/// Every setting of the page. `#[serde(default)]` keeps old saved states loading as fields are added.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// What the networks learn: digits, MNIST or a 2-D toy set (each with its shipped teacher),
    /// the e-mails, or your own CSV.
    pub dataset: DatasetKind,
    /// The name of your own CSV (the file stays in this browser; only its name is in a link).
    pub own_name: String,
    pub temperature: f32,
    /// Anneal T linearly from `temperature` down to 1 over the run.
    pub anneal_temperature: bool,
    pub alpha: f32,
    pub alpha_schedule: AlphaSchedule,
    pub beta: f32,
    pub soft_loss: SoftLoss,
    /// The KL's T² factor (on is right; off shows the classic mistake).
    pub t_squared: bool,
    /// The KL's reduction (batch mean is right; the element mean is a shipped bug).
    pub kl_reduction: KlReduction,
    pub hidden_loss: HiddenLoss,
    pub mapping: MappingScheme,
    pub student_hidden: Vec<usize>,
    pub learning_rate: f64,
    pub batch_size: usize,
    pub labeled_fraction: f32,
    /// Keep the unlabeled rest of the training set in the transfer set (teacher targets only).
    pub include_unlabeled: bool,
    /// Augmented copies (noise + masking) of every transfer example.
    pub augment_copies: usize,
    /// Hinton's omitted class: no example of it anywhere in the transfer set.
    pub omit_class: Option<u8>,
    pub seed: u64,
    /// Test example shown in the soft-target view.
    pub example: usize,
    /// The students' kind: an MLP on images and points; a transformer, a BiLSTM or a bag of
    /// words on text.
    pub student_kind: NetKind,
    /// The text students' width (embeddings, states, blocks).
    pub text_width: usize,
    /// Transformer blocks, or the bag of words' ReLU layers.
    pub text_depth: usize,
    /// Attention heads per transformer block.
    pub heads: usize,
    /// Attention transfer between transformers (TinyBERT, MiniLM).
    pub attention_loss: AttentionLoss,
    /// γ, the attention term's weight.
    pub gamma: f32,
    /// TinyBERT's embedding-layer term: the student's embeddings against the teacher's.
    pub match_embeddings: bool,
    /// Tang et al.'s augmentation of text (used with `augment_copies` > 0).
    pub p_mask: f32,
    pub p_replace: f32,
    pub p_ngram: f32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            dataset: DatasetKind::Digits,
            own_name: String::new(),
            temperature: limits::TEMPERATURE.default,
            anneal_temperature: false,
            alpha: limits::ALPHA.default,
            alpha_schedule: AlphaSchedule::Constant,
            beta: limits::BETA.default,
            soft_loss: SoftLoss::HintonKl,
            t_squared: true,
            kl_reduction: KlReduction::BatchMean,
            hidden_loss: HiddenLoss::Mse,
            mapping: MappingScheme::Skip,
            student_hidden: vec![limits::STUDENT_WIDTH.default; limits::STUDENT_DEPTH.default],
            learning_rate: limits::LEARNING_RATE.default,
            batch_size: limits::BATCH_SIZE.default,
            labeled_fraction: limits::LABELED_FRACTION.default,
            include_unlabeled: true,
            augment_copies: limits::AUGMENT_COPIES.default,
            omit_class: None,
            seed: 1,
            example: limits::EXAMPLE.default,
            student_kind: NetKind::Mlp,
            text_width: limits::TEXT_WIDTH.default,
            text_depth: limits::TEXT_DEPTH.default,
            heads: limits::HEADS.default,
            attention_loss: AttentionLoss::Off,
            gamma: limits::GAMMA.default,
            match_embeddings: false,
            p_mask: limits::P_MASK.default,
            p_replace: limits::P_REPLACE.default,
            p_ngram: limits::P_NGRAM.default,
        }
    }
}

/// One point of the page's live curves: the loss's parts as they enter the total (α·hard,
/// (1−α)·soft, β·hidden, γ·attention) averaged since the previous point, accuracies on the test
/// set.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    pub step: usize,
    #[serde(with = "nan_as_null")]
    pub hard: f32,
    #[serde(with = "nan_as_null")]
    pub soft: f32,
    #[serde(with = "nan_as_null")]
    pub hidden: f32,
    #[serde(with = "nan_as_null", default)]
    pub attention: f32,
    /// The mean sizes of the hard and soft terms' gradients into the logits.
    #[serde(default)]
    pub logit_gradients: Option<[f32; 2]>,
    /// NaN when no labeled row was seen since the previous point.
    #[serde(with = "nan_as_null")]
    pub train_accuracy: f32,
    pub test_accuracy: f32,
    pub scratch_test_accuracy: f32,
    pub agreement: f32,
    /// With an omitted class: how the distilled student does on it.
    #[serde(default)]
    pub omitted: Option<OmittedReport>,
}

/// JSON has no NaN: a missing value is written as `null` and read back as NaN.
mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    /// As an option (JSON writes the bare number): formats without field types, like the
    /// training worker's bincode, read back exactly what was written.
    pub fn serialize<S: Serializer>(v: &f32, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_some(v)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
        Ok(Option::<f32>::deserialize(d)?.unwrap_or(f32::NAN))
    }
}

/// Run length the schedules are spread over in the page.
pub const RUN_STEPS: usize = 1000;

impl Settings {
    pub fn student_config(&self, inputs: usize, classes: usize) -> MlpConfig {
        MlpConfig {
            inputs,
            hidden: self.student_hidden.clone(),
            classes,
            activation: Default::default(),
        }
    }

    pub fn transfer_config(&self) -> TransferConfig {
        TransferConfig {
            labeled_fraction: self.labeled_fraction,
            include_unlabeled: self.include_unlabeled,
            augment_copies: self.augment_copies,
            omit_class: self.omit_class,
            ..TransferConfig::default()
        }
    }

    /// Tang et al.'s augmentation as these settings ask for it.
    pub fn tang(&self) -> TangAugment {
        TangAugment {
            p_mask: self.p_mask,
            p_replace: self.p_replace,
            p_ngram: self.p_ngram,
            copies: self.augment_copies,
        }
    }

    pub fn distill_settings(&self) -> DistillSettings {
        if !self.has_blocks() {
            // A BiLSTM or a bag of words has no blocks to map or attention to compare: only the
            // logit terms apply.
            return DistillSettings {
                mapping: MappingScheme::None,
                attention_loss: AttentionLoss::Off,
                match_embeddings: false,
                ..self.every_term()
            };
        }
        self.every_term()
    }

    fn every_term(&self) -> DistillSettings {
        DistillSettings {
            temperature: if self.anneal_temperature {
                Schedule::Linear {
                    from: self.temperature,
                    to: 1.0,
                }
            } else {
                Schedule::constant(self.temperature)
            },
            alpha: match self.alpha_schedule {
                AlphaSchedule::Constant => Schedule::constant(self.alpha),
                AlphaSchedule::TeacherAnnealing => Schedule::TeacherAnnealing,
            },
            beta: self.beta,
            soft_loss: self.soft_loss,
            hidden_loss: self.hidden_loss,
            mapping: self.mapping.clone(),
            attention_loss: self.attention_loss,
            gamma: self.gamma,
            match_embeddings: self.match_embeddings,
            learning_rate: self.learning_rate,
            batch_size: self.batch_size,
            total_steps: RUN_STEPS,
            seed: self.seed,
            regularisation: Default::default(),
            kl: KlForm {
                t_squared: self.t_squared,
                reduction: self.kl_reduction,
            },
        }
    }

    /// Whether changing from `self` to `next` needs new students (a restart), as opposed to a
    /// change that applies to the running ones or only to the display.
    pub fn needs_restart(&self, next: &Settings) -> bool {
        let display_only = |s: &Settings| Settings {
            temperature: 0.0,
            alpha: 0.0,
            learning_rate: 0.0,
            example: 0,
            ..s.clone()
        };
        display_only(self) != display_only(next)
    }

    /// Connects student layer `student` to teacher layer `teacher`, or disconnects them if they
    /// are connected. Returns the new mapping, or why it is impossible.
    pub fn toggle_pair(
        &self,
        student: usize,
        teacher: usize,
        teacher_depth: usize,
    ) -> Result<MappingScheme> {
        let depth = self.student_hidden.len();
        let mut pairs = self.mapping.resolve(depth, teacher_depth)?.pairs().to_vec();
        if let Some(i) = pairs.iter().position(|p| *p == (student, teacher)) {
            pairs.remove(i);
        } else {
            // Re-pointing a student layer replaces its old line.
            pairs.retain(|p| p.0 != student);
            pairs.push((student, teacher));
            pairs.sort();
        }
        LayerMapping::new(pairs.clone(), depth, teacher_depth)?;
        Ok(MappingScheme::Custom(pairs))
    }

    /// The settings as a URL hash (without the leading '#').
    pub fn to_hash(&self) -> String {
        let hidden: Vec<String> = self.student_hidden.iter().map(usize::to_string).collect();
        let fields = [
            ("data", self.dataset.name().to_string()),
            ("own", self.own_name.clone()),
            ("T", self.temperature.to_string()),
            ("annealT", u8::from(self.anneal_temperature).to_string()),
            ("alpha", self.alpha.to_string()),
            ("alphaSchedule", enum_name(&self.alpha_schedule)),
            ("beta", self.beta.to_string()),
            ("soft", enum_name(&self.soft_loss)),
            ("tSquared", u8::from(self.t_squared).to_string()),
            ("klReduction", self.kl_reduction.name().to_string()),
            ("hidden", enum_name(&self.hidden_loss)),
            ("map", self.mapping.to_string()),
            ("student", hidden.join(",")),
            ("lr", self.learning_rate.to_string()),
            ("batch", self.batch_size.to_string()),
            ("labeled", self.labeled_fraction.to_string()),
            ("unlabeled", u8::from(self.include_unlabeled).to_string()),
            ("augment", self.augment_copies.to_string()),
            (
                "omit",
                self.omit_class
                    .map_or("none".to_string(), |c| c.to_string()),
            ),
            ("seed", self.seed.to_string()),
            ("example", self.example.to_string()),
            ("kind", self.student_kind.name().to_string()),
            ("text", format!("{}x{}", self.text_width, self.text_depth)),
            ("heads", self.heads.to_string()),
            ("attn", self.attention_loss.name().to_string()),
            ("gamma", self.gamma.to_string()),
            ("embed", u8::from(self.match_embeddings).to_string()),
            ("pMask", self.p_mask.to_string()),
            ("pReplace", self.p_replace.to_string()),
            ("pNgram", self.p_ngram.to_string()),
        ];
        fields
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace(['&', '#', '='], "")))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Reads settings saved in the browser (JSON) with the same checks as a link: every field
    /// goes through the link's reader, so a value out of bounds keeps its default and is
    /// reported. An unreadable text is an error.
    pub fn from_saved(json: &str) -> std::result::Result<(Settings, Vec<String>), String> {
        let saved: Settings = serde_json::from_str(json).map_err(|e| e.to_string())?;
        Ok(Settings::from_hash(&saved.to_hash()))
    }

    /// Reads a URL hash field by field: each bad field keeps its default and is reported.
    pub fn from_hash(hash: &str) -> (Settings, Vec<String>) {
        let mut s = Settings::default();
        let mut ignored = Vec::new();
        let hash = hash.trim_start_matches('#');
        if hash.len() > 2000 {
            return (
                s,
                vec!["the link's settings are too long (over 2000 characters)".into()],
            );
        }
        for item in hash.split('&').filter(|i| !i.is_empty()) {
            let (key, value) = item.split_once('=').unwrap_or((item, ""));
            let outcome = s.set_field(key, value);
            if let Err(e) = outcome {
                let shown: String = value.chars().take(40).collect();
                ignored.push(format!("{key}='{shown}': {e}"));
            }
        }
        (s, ignored)
    }

    fn set_field(&mut self, key: &str, value: &str) -> std::result::Result<(), String> {
        fn num<T: std::str::FromStr>(v: &str) -> std::result::Result<T, String> {
            v.parse().map_err(|_| "not a number".to_string())
        }
        fn in_range<T: PartialOrd + std::fmt::Display + Copy>(
            v: T,
            lo: T,
            hi: T,
        ) -> std::result::Result<T, String> {
            if v >= lo && v <= hi {
                Ok(v)
            } else {
                Err(format!("must be between {lo} and {hi}"))
            }
        }
        let text = |e: Error| e.to_string();
        match key {
            "data" => *self = self.with_dataset(value.parse().map_err(text)?),
            "own" => self.own_name = value.chars().take(80).collect(),
            "T" => self.temperature = within(limits::TEMPERATURE, num(value)?)?,
            "annealT" => self.anneal_temperature = parse_bool(value)?,
            "alpha" => self.alpha = within(limits::ALPHA, num(value)?)?,
            "alphaSchedule" => self.alpha_schedule = parse_enum(value)?,
            "beta" => self.beta = within(limits::BETA, num(value)?)?,
            "soft" => self.soft_loss = parse_enum(value)?,
            "tSquared" => self.t_squared = parse_bool(value)?,
            "klReduction" => self.kl_reduction = value.parse().map_err(text)?,
            "hidden" => self.hidden_loss = parse_enum(value)?,
            "map" => {
                let scheme = MappingScheme::parse(value).map_err(text)?;
                // Checked against the shipped teacher's depth; the page re-checks its teacher.
                let depths = (self.student_depth(), teacher_depth(self.dataset));
                scheme.resolve(depths.0, depths.1).map_err(text)?;
                self.mapping = scheme;
            }
            "student" => {
                let hidden = MlpConfig::parse_hidden(value).map_err(text)?;
                within(limits::STUDENT_DEPTH, hidden.len())?;
                for w in &hidden {
                    within(limits::STUDENT_WIDTH, *w)?;
                }
                self.student_hidden = hidden;
                // A mapping read earlier may not fit the new depth.
                self.keep_mapping_possible();
            }
            "lr" => self.learning_rate = within(limits::LEARNING_RATE, num(value)?)?,
            "batch" => self.batch_size = within(limits::BATCH_SIZE, num(value)?)?,
            "labeled" => self.labeled_fraction = within(limits::LABELED_FRACTION, num(value)?)?,
            "unlabeled" => self.include_unlabeled = parse_bool(value)?,
            "augment" => self.augment_copies = within(limits::AUGMENT_COPIES, num(value)?)?,
            "omit" => {
                self.omit_class = match value {
                    "none" | "" => None,
                    v => Some(in_range(num(v)?, 0, self.dataset.classes() as u8 - 1)?),
                }
            }
            "seed" => self.seed = num(value)?,
            "example" => self.example = within(limits::EXAMPLE, num(value)?)?,
            "kind" => *self = self.with_kind(value.parse().map_err(text)?).map_err(text)?,
            "text" => {
                let (w, d) = value
                    .split_once('x')
                    .ok_or("not width x blocks, for example 32x2")?;
                self.text_width = within(limits::TEXT_WIDTH, num(w)?)?;
                self.text_depth = within(limits::TEXT_DEPTH, num(d)?)?;
                self.keep_mapping_possible();
            }
            "heads" => self.heads = within(limits::HEADS, num(value)?)?,
            "attn" => self.attention_loss = value.parse().map_err(text)?,
            "gamma" => self.gamma = within(limits::GAMMA, num(value)?)?,
            "embed" => self.match_embeddings = parse_bool(value)?,
            "pMask" => self.p_mask = within(limits::P_MASK, num(value)?)?,
            "pReplace" => self.p_replace = within(limits::P_REPLACE, num(value)?)?,
            "pNgram" => self.p_ngram = within(limits::P_NGRAM, num(value)?)?,
            other => return Err(format!("unknown setting '{other}'")),
        }
        Ok(())
    }
}

/// A link field checked against its one declaration.
fn within<T: PartialOrd + std::fmt::Display + Copy>(
    bound: Bound<T>,
    v: T,
) -> std::result::Result<T, String> {
    bound
        .check(v)
        .map_err(|_| format!("must be between {} and {}", bound.min, bound.max))
}

fn enum_name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn parse_enum<T: for<'de> Deserialize<'de>>(value: &str) -> std::result::Result<T, String> {
    serde_json::from_value(serde_json::Value::String(value.to_string()))
        .map_err(|_| "not one of the choices".to_string())
}

fn parse_bool(value: &str) -> std::result::Result<bool, String> {
    match value {
        "1" | "true" => Ok(true),
        "0" | "false" => Ok(false),
        _ => Err("must be 0 or 1".into()),
    }
}

/// Log-scale slider position (0..=1000) ↔ temperature in [T_MIN, T_MAX].
pub fn temperature_from_slider(position: f32) -> f32 {
    let p = (position / 1000.0).clamp(0.0, 1.0);
    T_MIN * (T_MAX / T_MIN).powf(p)
}

pub fn slider_from_temperature(t: f32) -> f32 {
    ((t.clamp(T_MIN, T_MAX) / T_MIN).ln() / (T_MAX / T_MIN).ln() * 1000.0).round()
}

/// Human reading of a soft-target distribution: the classes after the top one, most likely
/// first, with their probabilities — Hinton's "dark knowledge".
pub fn runners_up(probs: &[f32], count: usize) -> Vec<(usize, f32)> {
    let mut order: Vec<(usize, f32)> = probs.iter().copied().enumerate().collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1));
    order.into_iter().skip(1).take(count).collect()
}

/// Rejects a settings change that would make training impossible, with the reason.
pub fn check(settings: &Settings) -> Result<()> {
    settings.distill_settings().validate()?;
    let classes = settings.dataset.classes();
    if let Some(c) = settings.omit_class.filter(|c| usize::from(*c) >= classes) {
        return Err(Error::Settings(format!(
            "class {c} cannot be omitted: {} has classes 0 to {}",
            settings.dataset.name(),
            classes - 1
        )));
    }
    if settings.student_kind.reads_text() != settings.dataset.is_text() {
        return Err(Error::Settings(format!(
            "a {} student cannot read {}",
            settings.student_kind.title(),
            settings.dataset.title()
        )));
    }
    if settings.dataset.is_text() {
        settings.tang().validate()?;
        if settings.student_kind == NetKind::Transformer
            && !settings.text_width.is_multiple_of(settings.heads)
        {
            return Err(Error::Settings(format!(
                "{} heads do not divide the width {}: each head takes an equal share",
                settings.heads, settings.text_width
            )));
        }
    }
    if settings.has_blocks() {
        let depths = (settings.student_depth(), teacher_depth(settings.dataset));
        settings.mapping.resolve(depths.0, depths.1)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_round_trips_every_field() {
        let s = Settings {
            dataset: DatasetKind::Mnist,
            own_name: "iris.csv".into(),
            temperature: 7.5,
            anneal_temperature: true,
            alpha: 0.25,
            alpha_schedule: AlphaSchedule::TeacherAnnealing,
            beta: 0.5,
            soft_loss: SoftLoss::LogitMse,
            t_squared: false,
            kl_reduction: KlReduction::ElementMean,
            hidden_loss: HiddenLoss::Pkd,
            mapping: MappingScheme::Custom(vec![(1, 3), (2, 6)]),
            student_hidden: vec![48, 24],
            learning_rate: 0.003,
            batch_size: 128,
            labeled_fraction: 0.25,
            include_unlabeled: false,
            augment_copies: 2,
            omit_class: Some(3),
            seed: 9,
            example: 17,
            student_kind: NetKind::Mlp,
            text_width: 48,
            text_depth: 3,
            heads: 2,
            attention_loss: AttentionLoss::TinyBert,
            gamma: 3.5,
            match_embeddings: true,
            p_mask: 0.2,
            p_replace: 0.3,
            p_ngram: 0.4,
        };
        let (back, ignored) = Settings::from_hash(&format!("#{}", s.to_hash()));
        assert!(ignored.is_empty(), "{ignored:?}");
        assert_eq!(back, s);
        assert_eq!(Settings::from_hash(""), (Settings::default(), vec![]));
    }

    #[test]
    fn saved_settings_get_the_checks_of_a_link() {
        let good = Settings {
            temperature: 8.0,
            soft_loss: SoftLoss::LogitMse,
            ..Settings::default()
        };
        let json = serde_json::to_string(&good).unwrap();
        assert_eq!(Settings::from_saved(&json).unwrap(), (good, vec![]));
        // Written by hand (or by an older page): out of bounds and a spelling from before.
        let json = r#"{"temperature": 1e9, "beta": 500, "soft_loss": "logit-mse", "student_hidden": [4096]}"#;
        let (s, ignored) = Settings::from_saved(json).unwrap();
        assert_eq!(s.temperature, limits::TEMPERATURE.default);
        assert_eq!(s.beta, limits::BETA.default);
        assert_eq!(s.student_hidden, Settings::default().student_hidden);
        assert_eq!(s.soft_loss, SoftLoss::LogitMse);
        assert_eq!(ignored.len(), 3, "{ignored:?}");
        assert!(
            ignored[0].starts_with("T='1000000000': must be between 0.5 and 50"),
            "{ignored:?}"
        );
        assert!(Settings::from_saved("{not json").is_err());
    }

    #[test]
    fn one_spelling_of_each_loss_everywhere() {
        for k in SoftLoss::ALL {
            assert_eq!(enum_name(&k), k.name());
            assert_eq!(k.name().parse::<SoftLoss>().unwrap(), k);
        }
        for k in HiddenLoss::ALL {
            assert_eq!(enum_name(&k), k.name());
            assert_eq!(k.name().parse::<HiddenLoss>().unwrap(), k);
        }
        let (s, ignored) = Settings::from_hash("soft=logit-mse");
        assert_eq!((s.soft_loss, ignored.len()), (SoftLoss::LogitMse, 0));
        assert!(Settings::default().to_hash().contains("soft=hinton&"));
    }

    #[test]
    fn a_link_carries_the_text_students() {
        let (s, ignored) = Settings::from_hash(
            "data=spam&kind=bilstm&text=48x3&heads=2&attn=minilm&gamma=5&embed=1&pMask=0.3&pReplace=0&pNgram=0.5",
        );
        assert!(ignored.is_empty(), "{ignored:?}");
        assert_eq!(
            (
                s.dataset,
                s.student_kind,
                s.text_width,
                s.text_depth,
                s.heads
            ),
            (DatasetKind::Spam, NetKind::Bilstm, 48, 3, 2)
        );
        assert_eq!(
            (s.attention_loss, s.gamma, s.match_embeddings),
            (AttentionLoss::MiniLm, 5.0, true)
        );
        assert_eq!((s.p_mask, s.p_replace, s.p_ngram), (0.3, 0.0, 0.5));
        assert_eq!(Settings::from_hash(&s.to_hash()), (s, vec![]));
        // A text kind for images, a mapping the four-block teacher lacks, a bad shape.
        let (s, ignored) = Settings::from_hash("kind=bilstm&data=spam&map=1,6&text=32&pMask=2");
        assert_eq!(
            (s.dataset, s.student_kind),
            (DatasetKind::Spam, NetKind::Transformer)
        );
        let joined = ignored.join(" | ");
        for needle in ["kind='bilstm'", "teacher layer 6", "text='32'", "pMask='2'"] {
            assert!(joined.contains(needle), "{needle} missing from {joined}");
        }
        let heads = Settings {
            heads: 3,
            ..Settings::default().with_dataset(DatasetKind::Spam)
        };
        assert!(
            check(&heads)
                .unwrap_err()
                .to_string()
                .contains("do not divide")
        );
    }

    #[test]
    fn bad_fields_fall_back_one_by_one() {
        let (s, ignored) = Settings::from_hash(
            "T=1e9&alpha=0.2&beta=abc&soft=l1&map=2,9,6&student=32x3&lr=0.01&evil=<script>&batch=0&omit=12&augment=9&data=cifar",
        );
        assert_eq!(s.alpha, 0.2, "good fields are kept");
        assert_eq!(s.learning_rate, 0.01);
        assert_eq!(s.temperature, Settings::default().temperature);
        assert_eq!(s.beta, Settings::default().beta);
        assert_eq!(s.mapping, MappingScheme::Skip);
        assert_eq!(s.batch_size, 64);
        let joined = ignored.join(" | ");
        for needle in [
            "T='1e9'",
            "beta='abc'",
            "soft='l1'",
            "teacher layer 9",
            "unknown setting 'evil'",
            "batch='0'",
            "omit='12'",
            "augment='9'",
            "unknown dataset 'cifar'",
        ] {
            assert!(joined.contains(needle), "{needle} missing from {joined}");
        }
        assert_eq!(ignored.len(), 9);
        assert_eq!(s.dataset, DatasetKind::Digits);
        // A 2-D set has two classes: omitting class 3 is refused there, and a set chosen
        // after an omitted class that it lacks drops the omission.
        let (s, ignored) = Settings::from_hash("data=moons&omit=3");
        assert_eq!(
            (s.dataset, s.omit_class, ignored.len()),
            (DatasetKind::Moons, None, 1)
        );
        let (s, ignored) = Settings::from_hash("omit=3&data=xor");
        assert_eq!(
            (s.dataset, s.omit_class, ignored.len()),
            (DatasetKind::Xor, None, 0)
        );
        let bad = Settings {
            dataset: DatasetKind::Spirals,
            omit_class: Some(2),
            ..Settings::default()
        };
        assert!(
            check(&bad)
                .unwrap_err()
                .to_string()
                .contains("classes 0 to 1")
        );
        let (_, long) = Settings::from_hash(&"a".repeat(5000));
        assert_eq!(long.len(), 1);
    }

    #[test]
    fn toggling_pairs() {
        let s = Settings::default();
        // skip for 3 ← 6 is (1,2),(2,4),(3,6); clicking an existing pair disconnects it.
        let m = s.toggle_pair(2, 4, 6).unwrap();
        assert_eq!(m, MappingScheme::Custom(vec![(1, 2), (3, 6)]));
        // Re-pointing student layer 2 at teacher 3 keeps the lines uncrossed.
        let m = s.toggle_pair(2, 3, 6).unwrap();
        assert_eq!(m, MappingScheme::Custom(vec![(1, 2), (2, 3), (3, 6)]));
        // Student layer 1 onto teacher 5 would cross the line 2→4: refused with the reason.
        let err = s.toggle_pair(1, 5, 6).unwrap_err().to_string();
        assert!(err.contains("strictly increasing"), "{err}");
        let none = Settings {
            mapping: MappingScheme::None,
            ..Settings::default()
        };
        assert_eq!(
            none.toggle_pair(3, 1, 6).unwrap(),
            MappingScheme::Custom(vec![(3, 1)])
        );
    }

    #[test]
    fn restart_only_when_the_students_change() {
        let s = Settings::default();
        let display = Settings {
            temperature: 9.0,
            alpha: 0.9,
            example: 4,
            learning_rate: 0.01,
            ..s.clone()
        };
        assert!(!s.needs_restart(&display));
        for changed in [
            Settings {
                alpha_schedule: AlphaSchedule::TeacherAnnealing,
                ..s.clone()
            },
            Settings {
                student_hidden: vec![16],
                ..s.clone()
            },
            Settings {
                mapping: MappingScheme::Last,
                ..s.clone()
            },
            Settings {
                labeled_fraction: 0.5,
                ..s.clone()
            },
        ] {
            assert!(s.needs_restart(&changed));
        }
    }

    #[test]
    fn slider_is_logarithmic() {
        assert!((temperature_from_slider(0.0) - 0.5).abs() < 1e-6);
        assert!((temperature_from_slider(1000.0) - 50.0).abs() < 1e-3);
        assert!((temperature_from_slider(500.0) - 5.0).abs() < 1e-4);
        for t in [0.5, 1.0, 4.0, 20.0, 50.0] {
            let back = temperature_from_slider(slider_from_temperature(t));
            assert!((back - t).abs() / t < 0.005, "{t} → {back}");
        }
    }

    #[test]
    fn runners_up_skip_the_top_class() {
        let r = runners_up(&[0.05, 0.7, 0.15, 0.1], 2);
        assert_eq!(r, vec![(2, 0.15), (3, 0.1)]);
    }

    #[test]
    fn check_reports_impossible_settings() {
        let s = Settings {
            mapping: MappingScheme::Custom(vec![(1, 7)]),
            ..Settings::default()
        };
        assert!(check(&s).is_err());
        assert!(check(&Settings::default()).is_ok());
    }
}
