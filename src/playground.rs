//! The page's settings: one plain struct, its URL-hash form, and the edits a user can make. Pure
//! Rust, no browser, so every rule is tested natively; `src/web` wraps it in a Yew reducer.

use serde::{Deserialize, Serialize};

use crate::data::{DatasetKind, TransferConfig};
use crate::error::{Error, Result};
use crate::loss::{HiddenLoss, SoftLoss};
use crate::mapping::{LayerMapping, MappingScheme};
use crate::model::{MAX_WIDTH, MlpConfig};
use crate::schedule::Schedule;
use crate::train::{DistillSettings, MAX_BATCH, predictions};

pub const T_MIN: f32 = 0.5;
pub const T_MAX: f32 = 50.0;
pub const MAX_STUDENT_DEPTH: usize = 6;
/// Augmented copies per example the page offers (each one adds the whole set again).
pub const MAX_AUGMENT: usize = 4;

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
    /// What the networks learn: digits, MNIST or a 2-D toy set (each with its shipped teacher).
    pub dataset: DatasetKind,
    pub temperature: f32,
    /// Anneal T linearly from `temperature` down to 1 over the run.
    pub anneal_temperature: bool,
    pub alpha: f32,
    pub alpha_schedule: AlphaSchedule,
    pub beta: f32,
    pub soft_loss: SoftLoss,
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
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            dataset: DatasetKind::Digits,
            temperature: 4.0,
            anneal_temperature: false,
            alpha: 0.5,
            alpha_schedule: AlphaSchedule::Constant,
            beta: 0.0,
            soft_loss: SoftLoss::HintonKl,
            hidden_loss: HiddenLoss::Mse,
            mapping: MappingScheme::Skip,
            student_hidden: vec![32; 3],
            learning_rate: 1e-3,
            batch_size: 64,
            labeled_fraction: 0.1,
            include_unlabeled: true,
            augment_copies: 0,
            omit_class: None,
            seed: 1,
            example: 0,
        }
    }
}

/// One point of the page's live curves: losses averaged since the previous point, accuracies
/// on the test set.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    pub step: usize,
    #[serde(with = "nan_as_null")]
    pub hard: f32,
    #[serde(with = "nan_as_null")]
    pub soft: f32,
    #[serde(with = "nan_as_null")]
    pub hidden: f32,
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

    pub fn serialize<S: Serializer>(v: &f32, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f32(*v)
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

    pub fn distill_settings(&self) -> DistillSettings {
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
            learning_rate: self.learning_rate,
            batch_size: self.batch_size,
            total_steps: RUN_STEPS,
            seed: self.seed,
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
            ("T", self.temperature.to_string()),
            ("annealT", u8::from(self.anneal_temperature).to_string()),
            ("alpha", self.alpha.to_string()),
            ("alphaSchedule", enum_name(&self.alpha_schedule)),
            ("beta", self.beta.to_string()),
            ("soft", enum_name(&self.soft_loss)),
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
        ];
        fields
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace(['&', '#', '='], "")))
            .collect::<Vec<_>>()
            .join("&")
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
            "data" => {
                self.dataset = value.parse().map_err(text)?;
                // An omitted class read earlier may not exist in this set.
                if self
                    .omit_class
                    .is_some_and(|c| usize::from(c) >= self.dataset.classes())
                {
                    self.omit_class = None;
                }
            }
            "T" => self.temperature = in_range(num(value)?, T_MIN, T_MAX)?,
            "annealT" => self.anneal_temperature = parse_bool(value)?,
            "alpha" => self.alpha = in_range(num(value)?, 0.0, 1.0)?,
            "alphaSchedule" => self.alpha_schedule = parse_enum(value)?,
            "beta" => self.beta = in_range(num(value)?, 0.0, 10.0)?,
            "soft" => self.soft_loss = parse_enum(value)?,
            "hidden" => self.hidden_loss = parse_enum(value)?,
            "map" => {
                let scheme = MappingScheme::parse(value).map_err(text)?;
                // Checked against the default teacher depth; the page re-checks its teacher.
                scheme.resolve(self.student_hidden.len(), 6).map_err(text)?;
                self.mapping = scheme;
            }
            "student" => {
                let hidden = MlpConfig::parse_hidden(value).map_err(text)?;
                if hidden.len() > MAX_STUDENT_DEPTH {
                    return Err(format!("at most {MAX_STUDENT_DEPTH} hidden layers"));
                }
                if hidden.iter().any(|w| *w == 0 || *w > MAX_WIDTH.min(512)) {
                    return Err("widths must be between 1 and 512".into());
                }
                self.student_hidden = hidden;
                // A mapping read earlier may not fit the new depth.
                if self.mapping.resolve(self.student_hidden.len(), 6).is_err() {
                    self.mapping = MappingScheme::Skip;
                }
            }
            "lr" => self.learning_rate = in_range(num(value)?, 1e-5, 1.0)?,
            "batch" => self.batch_size = in_range(num(value)?, 1, MAX_BATCH)?,
            "labeled" => self.labeled_fraction = in_range(num(value)?, 0.01, 1.0)?,
            "unlabeled" => self.include_unlabeled = parse_bool(value)?,
            "augment" => self.augment_copies = in_range(num(value)?, 0, MAX_AUGMENT)?,
            "omit" => {
                self.omit_class = match value {
                    "none" | "" => None,
                    v => Some(in_range(num(v)?, 0, self.dataset.classes() as u8 - 1)?),
                }
            }
            "seed" => self.seed = num(value)?,
            "example" => self.example = in_range(num(value)?, 0, 100_000)?,
            other => return Err(format!("unknown setting '{other}'")),
        }
        Ok(())
    }
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

/// How the page trains a network of its own on a dataset: a teacher from the labels, or a teacher
/// assistant distilled from the teacher.
#[derive(Clone, Debug, PartialEq)]
pub struct PageTraining {
    pub config: MlpConfig,
    pub epochs: usize,
    pub learning_rate: f64,
}

impl PageTraining {
    /// The shipped teachers' shape (128×6 for images; 64×6 for the 2-D sets, which need no more),
    /// with epochs that finish in seconds in the browser.
    pub fn teacher(kind: DatasetKind) -> Self {
        let width = if kind.toy().is_some() { 64 } else { 128 };
        Self {
            config: MlpConfig {
                hidden: vec![width; 6],
                ..MlpConfig::teacher(kind.inputs(), kind.classes())
            },
            epochs: match kind {
                DatasetKind::Digits => 20,
                DatasetKind::Mnist => 2,
                _ => 150,
            },
            learning_rate: 1e-3,
        }
    }

    /// A teacher assistant of middle size: half the teacher's width, the same depth. Six layers
    /// of 64 learn slowly at 1e-3 (digits: 94 % after 40 epochs at 3e-3 vs 75 % after 20 at
    /// 1e-3, measured with the CLI, seed 2).
    pub fn assistant(kind: DatasetKind) -> Self {
        let teacher = Self::teacher(kind);
        let width = teacher.config.hidden[0] / 2;
        Self {
            config: MlpConfig {
                hidden: vec![width; 6],
                ..teacher.config
            },
            epochs: teacher.epochs * 2,
            learning_rate: 3e-3,
        }
    }
}

/// A digit drawn by hand on the page's grid, with undo by stroke.
#[derive(Clone, Debug, PartialEq)]
pub struct Drawing {
    pub side: usize,
    /// Row-major intensities in 0..=1, like the dataset's scaled pixels.
    pub pixels: Vec<f32>,
    undo: Vec<Vec<f32>>,
    /// The stroke's previous cell: a fast pointer skips cells, the line between is painted.
    last: Option<usize>,
}

/// How many strokes can be undone.
const UNDO_DEPTH: usize = 50;

impl Drawing {
    pub fn new(side: usize) -> Self {
        Self {
            side,
            pixels: vec![0.0; side * side],
            undo: Vec::new(),
            last: None,
        }
    }

    /// Starts a stroke: what undo goes back to.
    pub fn begin_stroke(&mut self) {
        if self.undo.len() == UNDO_DEPTH {
            self.undo.remove(0);
        }
        self.undo.push(self.pixels.clone());
        self.last = None;
    }

    /// Paints `cell` and, within a stroke, the straight line from the previous cell to it.
    pub fn paint(&mut self, cell: usize) {
        let side = self.side;
        if cell >= self.pixels.len() {
            return;
        }
        let (r1, c1) = ((cell / side) as i64, (cell % side) as i64);
        match self.last {
            Some(prev) if prev != cell => {
                let (r0, c0) = ((prev / side) as i64, (prev % side) as i64);
                let n = (r1 - r0).abs().max((c1 - c0).abs());
                for k in 1..=n {
                    let r = r0 + ((r1 - r0) * k + n / 2 * (r1 - r0).signum()) / n;
                    let c = c0 + ((c1 - c0) * k + n / 2 * (c1 - c0).signum()) / n;
                    self.dab(r as usize * side + c as usize);
                }
            }
            Some(_) => {}
            None => self.dab(cell),
        }
        self.last = Some(cell);
    }

    /// A soft brush: the cell full, its four neighbours partly (the datasets' digits are
    /// anti-aliased strokes, never single hard pixels; MNIST's are thicker).
    fn dab(&mut self, cell: usize) {
        let side = self.side;
        let edge = if side >= 16 { 0.6 } else { 0.35 };
        let (r, c) = (cell / side, cell % side);
        self.pixels[cell] = 1.0;
        let neighbours = [
            (r.wrapping_sub(1), c),
            (r + 1, c),
            (r, c.wrapping_sub(1)),
            (r, c + 1),
        ];
        for (nr, nc) in neighbours {
            if nr < side && nc < side {
                let v = &mut self.pixels[nr * side + nc];
                *v = (*v + edge).min(1.0);
            }
        }
    }

    /// The drawing moved so its centre of mass sits in the middle, as MNIST's digits were
    /// prepared (nothing drawn: unchanged).
    pub fn centered(&self) -> Vec<f32> {
        let side = self.side as i64;
        let (mut mass, mut mr, mut mc) = (0.0f32, 0.0f32, 0.0f32);
        for (i, v) in self.pixels.iter().enumerate() {
            mass += v;
            mr += v * (i as i64 / side) as f32;
            mc += v * (i as i64 % side) as f32;
        }
        if mass <= 0.0 {
            return self.pixels.clone();
        }
        let middle = (side - 1) as f32 / 2.0;
        let (dr, dc) = (
            (middle - mr / mass).round() as i64,
            (middle - mc / mass).round() as i64,
        );
        let mut out = vec![0.0; self.pixels.len()];
        for (i, v) in self.pixels.iter().enumerate() {
            let (r, c) = (i as i64 / side + dr, i as i64 % side + dc);
            if (0..side).contains(&r) && (0..side).contains(&c) {
                out[(r * side + c) as usize] = *v;
            }
        }
        out
    }

    pub fn clear(&mut self) {
        self.begin_stroke();
        self.pixels.iter_mut().for_each(|v| *v = 0.0);
    }

    /// Goes back one stroke; false when there is nothing to undo.
    pub fn undo(&mut self) -> bool {
        match self.undo.pop() {
            Some(previous) => {
                self.pixels = previous;
                true
            }
            None => false,
        }
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }
}

/// One stop of the guided tour: what to look at, and the settings that show it.
pub struct TourStep {
    pub title: &'static str,
    pub text: &'static str,
    /// The panel to look at (its CSS class).
    pub panel: &'static str,
    pub apply: fn(&Settings) -> Settings,
}

/// A walk for a class: soft targets → temperature → α → training → layer mapping → export.
pub const TOUR: [TourStep; 6] = [
    TourStep {
        title: "1 · Soft targets",
        text: "The teacher does not just answer: it gives a probability to every class. At T = 1 almost all of it sits on one class, like the one-hot label on the left.",
        panel: "soft",
        apply: |s| Settings {
            temperature: 1.0,
            ..s.clone()
        },
    },
    TourStep {
        title: "2 · Temperature",
        text: "Divide the logits by T = 8 before the softmax: the distribution flattens and the small probabilities of the wrong classes appear. Which wrong classes the teacher finds plausible is the 'dark knowledge'. Drag the slider yourself.",
        panel: "soft",
        apply: |s| Settings {
            temperature: 8.0,
            ..s.clone()
        },
    },
    TourStep {
        title: "3 · α: labels or teacher",
        text: "The loss mixes the cross-entropy with the labels (weight α) and the distance to the teacher's soft targets (weight 1 − α, times T²). α = 0.3: mostly the teacher.",
        panel: "controls",
        apply: |s| Settings {
            alpha: 0.3,
            ..s.clone()
        },
    },
    TourStep {
        title: "4 · Training",
        text: "Only 10 % of the training examples keep their label. Press Train: the distilled student (orange) also learns from the teacher on the other 90 %, the scratch student (purple, dashed) from the labels alone — on the same batches.",
        panel: "training",
        apply: |s| Settings {
            labeled_fraction: 0.1,
            ..s.clone()
        },
    },
    TourStep {
        title: "5 · Layer mapping",
        text: "Patient KD: with β = 0.5 the student's hidden layers also imitate teacher layers (skip: 2, 4, 6), through learned projections from the student's width to the teacher's. Click layers to change the lines.",
        panel: "mapping",
        apply: |s| Settings {
            beta: 0.5,
            mapping: MappingScheme::Skip,
            ..s.clone()
        },
    },
    TourStep {
        title: "6 · Take it with you",
        text: "Download the distilled student: a safetensors file in PyTorch's layout, with the settings inside. The three lines below load it in PyTorch.",
        panel: "files",
        apply: |s| s.clone(),
    },
];

/// One-click setups of the papers' experiments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    Hinton2015,
    Tang2019,
    PatientKdSkip,
    PatientKdLast,
    LittleLabeledData,
    OmittedClass,
    TeacherAnnealing,
}

impl Preset {
    pub const ALL: [Preset; 7] = [
        Preset::Hinton2015,
        Preset::Tang2019,
        Preset::PatientKdSkip,
        Preset::PatientKdLast,
        Preset::LittleLabeledData,
        Preset::OmittedClass,
        Preset::TeacherAnnealing,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Preset::Hinton2015 => "hinton",
            Preset::Tang2019 => "tang",
            Preset::PatientKdSkip => "pkd-skip",
            Preset::PatientKdLast => "pkd-last",
            Preset::LittleLabeledData => "little-labeled",
            Preset::OmittedClass => "omitted-class",
            Preset::TeacherAnnealing => "bam",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Preset::Hinton2015 => "Soft targets (Hinton et al. 2015)",
            Preset::Tang2019 => "MSE on logits (Tang et al. 2019)",
            Preset::PatientKdSkip => "Patient KD, skip (Sun et al. 2019)",
            Preset::PatientKdLast => "Patient KD, last (Sun et al. 2019)",
            Preset::LittleLabeledData => "Little labeled data",
            Preset::OmittedClass => "The omitted class (Hinton et al. 2015)",
            Preset::TeacherAnnealing => "Teacher annealing (Clark et al. 2019, BAM)",
        }
    }

    /// Two lines for students: what is set, and what to look for.
    pub fn explain(self) -> &'static str {
        match self {
            Preset::Hinton2015 => {
                "T = 4, α = 0.5, all labels: the student matches the teacher's softened distribution and the labels. Watch it track the teacher's curve from the start."
            }
            Preset::Tang2019 => {
                "No temperature: the student's raw logits regress onto the teacher's (MSE), α = 0. Compare the soft-target bars: the logits carry the same dark knowledge."
            }
            Preset::PatientKdSkip => {
                "β = 1: student layers 1–3 also imitate teacher layers 2, 4, 6 (normalised hidden states, learned projections 32 → 128). Every other layer: the skip strategy."
            }
            Preset::PatientKdLast => {
                "β = 1: student layers imitate the teacher's last three layers 4, 5, 6. The PKD paper found skip and last close; try both here."
            }
            Preset::LittleLabeledData => {
                "Only 3 % of the training examples keep their label; the rest teach through the teacher alone. The scratch student has only the labels: the gap is largest here."
            }
            Preset::OmittedClass => {
                "No 3 appears anywhere in the transfer set. The student learns about 3s only from how the teacher spreads probability on other digits, then recognises them."
            }
            Preset::TeacherAnnealing => {
                "α moves from 0 to 1 over the run: the student first only imitates the teacher, and ends on the gold labels — so it can end up better than its teacher."
            }
        }
    }

    /// The settings of the preset, from the defaults (the dataset and the selected example are
    /// kept; the omitted class needs ten classes, so on a 2-D set it switches to digits).
    pub fn apply(self, current: &Settings) -> Settings {
        let dataset = match self {
            Preset::OmittedClass if current.dataset.classes() < 10 => DatasetKind::Digits,
            _ => current.dataset,
        };
        let base = Settings {
            dataset,
            example: current.example,
            ..Settings::default()
        };
        match self {
            Preset::Hinton2015 => Settings {
                labeled_fraction: 1.0,
                ..base
            },
            Preset::Tang2019 => Settings {
                soft_loss: SoftLoss::LogitMse,
                alpha: 0.0,
                labeled_fraction: 1.0,
                ..base
            },
            Preset::PatientKdSkip => Settings {
                beta: 1.0,
                hidden_loss: HiddenLoss::Pkd,
                mapping: MappingScheme::Skip,
                labeled_fraction: 1.0,
                ..base
            },
            Preset::PatientKdLast => Settings {
                beta: 1.0,
                hidden_loss: HiddenLoss::Pkd,
                mapping: MappingScheme::Last,
                labeled_fraction: 1.0,
                ..base
            },
            Preset::LittleLabeledData => Settings {
                labeled_fraction: 0.03,
                ..base
            },
            Preset::OmittedClass => Settings {
                omit_class: Some(3),
                labeled_fraction: 1.0,
                alpha: 0.1,
                ..base
            },
            Preset::TeacherAnnealing => Settings {
                alpha_schedule: AlphaSchedule::TeacherAnnealing,
                labeled_fraction: 1.0,
                ..base
            },
        }
    }
}

/// How well a student recognises a class it never saw, before and after Hinton's fix: raising
/// that class's logit by a bias, chosen here on the training digits (never on the test set).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct OmittedReport {
    pub class: u8,
    /// Fraction of the class's test examples the student calls by its name.
    pub recall: f32,
    pub accuracy: f32,
    pub bias: f32,
    pub recall_with_bias: f32,
    pub accuracy_with_bias: f32,
}

fn with_bias(logits: &[f32], classes: usize, class: usize, bias: f32) -> Vec<usize> {
    let mut shifted = logits.to_vec();
    for row in shifted.chunks_mut(classes) {
        if let Some(v) = row.get_mut(class) {
            *v += bias;
        }
    }
    predictions(&shifted, classes)
}

fn recall_and_accuracy(preds: &[usize], labels: &[u8], class: usize) -> (f32, f32) {
    let of_class: Vec<bool> = labels
        .iter()
        .zip(preds)
        .filter(|(l, _)| usize::from(**l) == class)
        .map(|(_, p)| *p == class)
        .collect();
    let recall = of_class.iter().filter(|x| **x).count() as f32 / of_class.len().max(1) as f32;
    let hits = labels
        .iter()
        .zip(preds)
        .filter(|(l, p)| usize::from(**l) == **p)
        .count();
    (recall, hits as f32 / labels.len().max(1) as f32)
}

pub fn omitted_class_report(
    class: u8,
    classes: usize,
    (train_logits, train_labels): (&[f32], &[u8]),
    (test_logits, test_labels): (&[f32], &[u8]),
) -> OmittedReport {
    let c = usize::from(class);
    // The bias that maximises training accuracy, on a grid of 0.25 from 0 to 10.
    let bias = (0..=40)
        .map(|i| i as f32 * 0.25)
        .map(|b| {
            let (_, acc) =
                recall_and_accuracy(&with_bias(train_logits, classes, c, b), train_labels, c);
            (b, acc)
        })
        .fold(
            (0.0, -1.0),
            |best, (b, acc)| if acc > best.1 { (b, acc) } else { best },
        );
    let (recall, accuracy) =
        recall_and_accuracy(&with_bias(test_logits, classes, c, 0.0), test_labels, c);
    let (recall_with_bias, accuracy_with_bias) =
        recall_and_accuracy(&with_bias(test_logits, classes, c, bias.0), test_labels, c);
    OmittedReport {
        class,
        recall,
        accuracy,
        bias: bias.0,
        recall_with_bias,
        accuracy_with_bias,
    }
}

/// Rejects a settings change that would make training impossible, with the reason.
pub fn check(settings: &Settings, teacher_depth: usize) -> Result<()> {
    settings.distill_settings().validate()?;
    let classes = settings.dataset.classes();
    if let Some(c) = settings.omit_class.filter(|c| usize::from(*c) >= classes) {
        return Err(Error::Settings(format!(
            "class {c} cannot be omitted: {} has classes 0 to {}",
            settings.dataset.name(),
            classes - 1
        )));
    }
    settings
        .mapping
        .resolve(settings.student_hidden.len(), teacher_depth)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tour_step_is_valid_and_the_controls_move() {
        let mut s = Settings::default();
        let mut changes = 0;
        for step in &TOUR {
            let next = (step.apply)(&s);
            check(&next, 6).unwrap();
            changes += usize::from(next != s);
            assert!(step.text.len() > 60 && !step.panel.is_empty());
            s = next;
        }
        assert!(changes >= 4, "the tour moves the controls");
        assert_eq!((s.temperature, s.alpha, s.beta), (8.0, 0.3, 0.5));
    }

    #[test]
    fn drawing_paints_softly_and_undoes_by_stroke() {
        let mut d = Drawing::new(8);
        assert!(!d.undo());
        d.begin_stroke();
        d.paint(9); // row 1, column 1
        d.paint(10);
        assert_eq!(d.pixels[9], 1.0);
        assert_eq!(d.pixels[10], 1.0);
        assert!(
            (d.pixels[1] - 0.35).abs() < 1e-6,
            "the cell above, touched once"
        );
        assert!((d.pixels[17] - 0.35).abs() < 1e-6);
        assert_eq!(d.pixels[63], 0.0);
        d.paint(64); // outside: ignored
        let one_stroke = d.pixels.clone();
        d.begin_stroke();
        d.paint(63); // corner: only two neighbours
        assert_eq!(d.pixels[63], 1.0);
        assert!(d.undo());
        assert_eq!(d.pixels, one_stroke);
        d.clear();
        assert!(d.pixels.iter().all(|v| *v == 0.0));
        assert!(d.undo(), "clearing can be undone");
        assert_eq!(d.pixels, one_stroke);
        for _ in 0..60 {
            d.begin_stroke();
        }
        assert!(d.can_undo());
    }

    #[test]
    fn page_training_fits_every_dataset() {
        for kind in DatasetKind::ALL {
            let t = PageTraining::teacher(kind);
            let a = PageTraining::assistant(kind);
            assert_eq!(
                (t.config.inputs, t.config.classes),
                (kind.inputs(), kind.classes())
            );
            assert_eq!(
                (t.config.depth(), a.config.depth()),
                (6, 6),
                "the mapping editor draws six"
            );
            assert!(
                a.config.num_params() < t.config.num_params() / 2,
                "{kind:?}"
            );
            assert!(t.epochs >= 1 && a.epochs > t.epochs);
        }
    }

    #[test]
    fn a_fast_stroke_paints_the_cells_between() {
        let mut d = Drawing::new(28);
        d.begin_stroke();
        d.paint(2 * 28 + 3);
        d.paint(2 * 28 + 13); // ten cells to the right in one pointer event
        for c in 3..=13 {
            assert_eq!(d.pixels[2 * 28 + c], 1.0, "column {c}");
        }
        d.paint(12 * 28 + 13); // straight down
        for r in 2..=12 {
            assert_eq!(d.pixels[r * 28 + 13], 1.0, "row {r}");
        }
        // A new stroke does not join the old one.
        d.begin_stroke();
        d.paint(20 * 28 + 20);
        assert_eq!(d.pixels[16 * 28 + 16], 0.0);
        // A diagonal passes through every row once.
        let mut e = Drawing::new(28);
        e.begin_stroke();
        e.paint(0);
        e.paint(27 * 28 + 27);
        for k in 0..28 {
            assert_eq!(e.pixels[k * 28 + k], 1.0);
        }
    }

    #[test]
    fn centering_moves_the_mass_to_the_middle() {
        let mut d = Drawing::new(28);
        d.begin_stroke();
        d.paint(2 * 28 + 2);
        d.paint(8 * 28 + 2); // a short bar in the top-left corner
        let c = d.centered();
        let mass: f32 = c.iter().sum();
        assert!(
            (mass - d.pixels.iter().sum::<f32>()).abs() < 1e-4,
            "nothing lost"
        );
        let row: f32 = c
            .iter()
            .enumerate()
            .map(|(i, v)| v * (i / 28) as f32)
            .sum::<f32>()
            / mass;
        let col: f32 = c
            .iter()
            .enumerate()
            .map(|(i, v)| v * (i % 28) as f32)
            .sum::<f32>()
            / mass;
        assert!(
            (row - 13.5).abs() <= 0.5 && (col - 13.5).abs() <= 0.5,
            "{row} {col}"
        );
        assert_eq!(Drawing::new(8).centered(), vec![0.0; 64]);
    }

    #[test]
    fn every_preset_is_a_valid_setup_that_says_what_it_sets() {
        let current = Settings {
            example: 42,
            ..Settings::default()
        };
        for preset in Preset::ALL {
            let s = preset.apply(&current);
            check(&s, 6).unwrap();
            assert_eq!(s.example, 42, "{preset:?} keeps the selected example");
            assert!(preset.explain().len() > 40 && !preset.title().is_empty());
            // A preset survives a shared link.
            assert_eq!(Settings::from_hash(&s.to_hash()), (s.clone(), vec![]));
        }
        assert_eq!(
            Preset::Tang2019.apply(&current).soft_loss,
            SoftLoss::LogitMse
        );
        assert_eq!(
            Preset::PatientKdLast.apply(&current).mapping,
            MappingScheme::Last
        );
        assert!(Preset::LittleLabeledData.apply(&current).labeled_fraction < 0.05);
        assert_eq!(Preset::OmittedClass.apply(&current).omit_class, Some(3));
        assert_eq!(
            Preset::TeacherAnnealing
                .apply(&current)
                .distill_settings()
                .alpha,
            Schedule::TeacherAnnealing
        );
        // Presets keep the dataset, except the omitted class, which needs ten classes.
        let moons = Settings {
            dataset: DatasetKind::Moons,
            ..current.clone()
        };
        for preset in Preset::ALL {
            let s = preset.apply(&moons);
            check(&s, 6).unwrap();
            let want = if preset == Preset::OmittedClass {
                DatasetKind::Digits
            } else {
                DatasetKind::Moons
            };
            assert_eq!(s.dataset, want, "{preset:?}");
        }
        let ids: std::collections::HashSet<_> = Preset::ALL.iter().map(|p| p.id()).collect();
        assert_eq!(ids.len(), Preset::ALL.len());
    }

    #[test]
    fn the_bias_fix_is_chosen_on_training_data_and_applied_to_the_test_set() {
        // Three classes; class 2 was omitted: its logit is 1.5 too low everywhere.
        let row = |true_class: usize| {
            let mut l = vec![0.0f32; 3];
            l[true_class] = 2.0;
            l[2] -= 1.5;
            if true_class == 2 {
                l[0] = 1.0; // the runner-up
            }
            l
        };
        let labels: Vec<u8> = vec![0, 1, 2, 2, 0, 1, 2];
        let logits: Vec<f32> = labels.iter().flat_map(|&c| row(usize::from(c))).collect();
        let r = omitted_class_report(2, 3, (&logits, &labels), (&logits, &labels));
        assert_eq!(r.recall, 0.0, "without the fix no 2 is recognised");
        assert_eq!(r.recall_with_bias, 1.0);
        assert_eq!(r.accuracy_with_bias, 1.0);
        assert!(r.bias > 0.5 && r.bias <= 2.0, "{}", r.bias);
    }

    #[test]
    fn hash_round_trips_every_field() {
        let s = Settings {
            dataset: DatasetKind::Mnist,
            temperature: 7.5,
            anneal_temperature: true,
            alpha: 0.25,
            alpha_schedule: AlphaSchedule::TeacherAnnealing,
            beta: 0.5,
            soft_loss: SoftLoss::LogitMse,
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
        };
        let (back, ignored) = Settings::from_hash(&format!("#{}", s.to_hash()));
        assert!(ignored.is_empty(), "{ignored:?}");
        assert_eq!(back, s);
        assert_eq!(Settings::from_hash(""), (Settings::default(), vec![]));
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
            check(&bad, 6)
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
        assert!(check(&s, 6).is_err());
        assert!(check(&Settings::default(), 6).is_ok());
    }
}
