//! Distillation losses. This is where the temperature T enters the softmax, where α mixes the hard
//! and the soft term, and where β weights the hidden-state term.
//!
//! Conventions (they matter; libraries differ):
//! - α weights the hard-label cross-entropy; `1 − α` the soft term.
//! - KL sums over classes and averages over the batch ("batchmean"), then is scaled by T² so its
//!   gradients keep the same size as T changes (Hinton et al. 2015, section 2).
//! - Rows without a label (unlabeled or augmented transfer examples) contribute to the soft and
//!   hidden terms only; the hard term averages over the labeled rows of the batch.

use burn::tensor::Tensor;

use crate::network::Qkv;
use burn::tensor::activation::{log_softmax, softmax};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How the student is matched to the teacher's outputs.
/// One spelling everywhere (links, saved settings, the CLI, the page's menu): `hinton`, `mse`.
/// The aliases keep links and saved settings written before that unification readable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SoftLoss {
    /// Hinton et al. 2015: T² · KL(softmax(z_t/T) ‖ softmax(z_s/T)).
    #[default]
    #[serde(rename = "hinton", alias = "hinton-kl")]
    HintonKl,
    /// Tang et al. 2019: mean squared error between the raw logits (T plays no part).
    #[serde(rename = "mse", alias = "logit-mse")]
    LogitMse,
}

impl SoftLoss {
    pub const ALL: [SoftLoss; 2] = [SoftLoss::HintonKl, SoftLoss::LogitMse];

    pub fn name(self) -> &'static str {
        match self {
            SoftLoss::HintonKl => "hinton",
            SoftLoss::LogitMse => "mse",
        }
    }
}

impl HiddenLoss {
    pub const ALL: [HiddenLoss; 3] = [HiddenLoss::Mse, HiddenLoss::Pkd, HiddenLoss::Cosine];

    pub fn name(self) -> &'static str {
        match self {
            HiddenLoss::Mse => "mse",
            HiddenLoss::Pkd => "pkd",
            HiddenLoss::Cosine => "cosine",
        }
    }
}

/// How a student hidden state is matched to its mapped teacher hidden state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HiddenLoss {
    /// Mean squared error over batch and features (TinyBERT).
    #[default]
    Mse,
    /// Patient KD: squared distance between L2-normalised vectors, summed over features,
    /// averaged over the batch.
    Pkd,
    /// 1 − cosine similarity, averaged over the batch.
    Cosine,
}

/// Where the hidden term bridges a student width and a teacher width that differ.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Projection {
    /// A learned student → teacher matrix for each mapped layer (TinyBERT's W_h).
    #[default]
    Layer,
    /// One student → teacher matrix shared by every mapped layer (the "shared projections" of
    /// Zhao et al.'s extremely small students): fewer parameters, one common map.
    SharedUp,
    /// One teacher → student matrix shared by every mapped layer: the teacher's states are
    /// brought down into the student's space, and the student is compared in its own width.
    SharedDown,
}

impl Projection {
    pub const ALL: [Projection; 3] = [
        Projection::Layer,
        Projection::SharedUp,
        Projection::SharedDown,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Projection::Layer => "layer",
            Projection::SharedUp => "shared-up",
            Projection::SharedDown => "shared-down",
        }
    }
}

/// Attention transfer between transformers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttentionLoss {
    #[default]
    Off,
    /// TinyBERT: MSE between mapped blocks' attention probabilities, head by head.
    TinyBert,
    /// MiniLM: KL between the last blocks' Q·K and V·V relations.
    MiniLm,
}

impl AttentionLoss {
    pub const ALL: [AttentionLoss; 3] = [
        AttentionLoss::Off,
        AttentionLoss::TinyBert,
        AttentionLoss::MiniLm,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AttentionLoss::Off => "off",
            AttentionLoss::TinyBert => "tinybert",
            AttentionLoss::MiniLm => "minilm",
        }
    }
}

macro_rules! parse_enum {
    ($ty:ty, $what:literal, { $($name:literal => $val:expr),+ $(,)? }) => {
        impl std::str::FromStr for $ty {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                match s.to_ascii_lowercase().as_str() {
                    $($name => Ok($val),)+
                    other => Err(Error::Settings(format!(
                        concat!("unknown ", $what, " '{}' (expected one of: {})"),
                        other,
                        [$($name),+].join(", ")
                    ))),
                }
            }
        }
    };
}

parse_enum!(SoftLoss, "soft loss", { "hinton" => SoftLoss::HintonKl, "mse" => SoftLoss::LogitMse, "hinton-kl" => SoftLoss::HintonKl, "logit-mse" => SoftLoss::LogitMse, "kl" => SoftLoss::HintonKl, "tang" => SoftLoss::LogitMse });
parse_enum!(AttentionLoss, "attention loss", { "off" => AttentionLoss::Off, "tinybert" => AttentionLoss::TinyBert, "minilm" => AttentionLoss::MiniLm });
parse_enum!(HiddenLoss, "hidden loss", { "mse" => HiddenLoss::Mse, "pkd" => HiddenLoss::Pkd, "cosine" => HiddenLoss::Cosine });
parse_enum!(Projection, "projection", { "layer" => Projection::Layer, "shared-up" => Projection::SharedUp, "shared-down" => Projection::SharedDown });
parse_enum!(KlReduction, "KL reduction", { "batchmean" => KlReduction::BatchMean, "mean" => KlReduction::ElementMean });

/// Soft targets: `softmax(z / T)` over the class dimension.
pub fn soft_targets(logits: Tensor<2>, temperature: f32) -> Tensor<2> {
    softmax(logits.div_scalar(temperature), 1)
}

/// Cross-entropy against one-hot targets; rows whose target is all zeros (unlabeled) are ignored.
/// `labeled` is the number of labeled rows (known when the batch is built, so no device read).
pub fn hard_cross_entropy(logits: Tensor<2>, one_hot: Tensor<2>, labeled: usize) -> Tensor<1> {
    let per_batch = log_softmax(logits, 1).mul(one_hot).sum().neg();
    per_batch.div_scalar(labeled.max(1) as f32)
}

/// `T² · KL(softmax(z_t/T) ‖ softmax(z_s/T))`, summed over classes, averaged over the batch.
pub fn hinton_kl(
    student_logits: Tensor<2>,
    teacher_logits: Tensor<2>,
    temperature: f32,
) -> Tensor<1> {
    scaled_kl(student_logits, teacher_logits, temperature, KlForm::HINTON)
}

/// How the KL term is scaled. Hinton's form is the right one; the other settings are two
/// mistakes the page lets a class make on purpose, to watch the soft gradients shrink.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct KlForm {
    /// Multiply by T², so the soft gradients keep their size as T changes.
    pub t_squared: bool,
    pub reduction: KlReduction,
}

/// How the KL's per-element terms are reduced to one number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum KlReduction {
    /// Summed over classes, averaged over the batch (PyTorch's `reduction="batchmean"`).
    #[default]
    #[serde(rename = "batchmean")]
    BatchMean,
    /// Averaged over every element (PyTorch's default `"mean"`): the batch mean divided by the
    /// number of classes, a bug several public distillation codebases shipped.
    #[serde(rename = "mean")]
    ElementMean,
}

impl KlReduction {
    pub const ALL: [KlReduction; 2] = [KlReduction::BatchMean, KlReduction::ElementMean];

    pub fn name(self) -> &'static str {
        match self {
            KlReduction::BatchMean => "batchmean",
            KlReduction::ElementMean => "mean",
        }
    }
}

impl KlForm {
    pub const HINTON: KlForm = KlForm {
        t_squared: true,
        reduction: KlReduction::BatchMean,
    };

    /// The factor on the summed `Σ p_t (log p_t − log p_s)` of a `[batch, classes]` batch.
    pub fn scale(self, temperature: f32, batch: usize, classes: usize) -> f32 {
        let t2 = if self.t_squared {
            temperature * temperature
        } else {
            1.0
        };
        let count = match self.reduction {
            KlReduction::BatchMean => batch,
            KlReduction::ElementMean => batch * classes,
        };
        t2 / count.max(1) as f32
    }
}

impl Default for KlForm {
    fn default() -> Self {
        KlForm::HINTON
    }
}

/// `KL(softmax(z_t/T) ‖ softmax(z_s/T))` summed, then scaled as `form` says.
pub fn scaled_kl(
    student_logits: Tensor<2>,
    teacher_logits: Tensor<2>,
    temperature: f32,
    form: KlForm,
) -> Tensor<1> {
    let [batch, classes] = student_logits.dims();
    let log_p_s = log_softmax(student_logits.div_scalar(temperature), 1);
    let log_p_t = log_softmax(teacher_logits.div_scalar(temperature), 1);
    let p_t = log_p_t.clone().exp();
    p_t.mul(log_p_t.sub(log_p_s))
        .sum()
        .mul_scalar(form.scale(temperature, batch, classes))
}

/// Tang et al. 2019: mean squared error between student and teacher logits.
pub fn logit_mse(student_logits: Tensor<2>, teacher_logits: Tensor<2>) -> Tensor<1> {
    student_logits.sub(teacher_logits).powi_scalar(2).mean()
}

/// The soft term of the chosen kind (`form` scales the KL; the logit MSE has no T).
pub fn soft_loss(
    kind: SoftLoss,
    student_logits: Tensor<2>,
    teacher_logits: Tensor<2>,
    temperature: f32,
    form: KlForm,
) -> Tensor<1> {
    match kind {
        SoftLoss::HintonKl => scaled_kl(student_logits, teacher_logits, temperature, form),
        SoftLoss::LogitMse => logit_mse(student_logits, teacher_logits),
    }
}

/// What sizes the gradients that the weighted hard and soft terms send into the student's
/// logits. They are written out in closed form, so a step needs no second backward pass:
/// - `∂(α·CE)/∂z = α (softmax(z) − y) / labeled`, on labeled rows;
/// - `∂((1−α)·KL)/∂z = (1−α) · scale · (p_s − p_t) / T`;
/// - for the logit MSE, `(1−α) · 2 (z_s − z_t) / (batch · classes)`.
pub struct LogitGradients<'a> {
    pub kind: SoftLoss,
    pub form: KlForm,
    pub temperature: f32,
    pub alpha: f32,
    pub one_hot: &'a Tensor<2>,
    pub labeled: usize,
}

impl LogitGradients<'_> {
    /// `[‖hard gradient‖, ‖soft gradient‖]`, Frobenius norms over the batch.
    pub fn norms(&self, student_logits: Tensor<2>, teacher_logits: Tensor<2>) -> Tensor<1> {
        let [batch, classes] = student_logits.dims();
        let labeled_rows = self.one_hot.clone().sum_dim(1);
        let hard = softmax(student_logits.clone(), 1)
            .mul(labeled_rows)
            .sub(self.one_hot.clone())
            .mul_scalar(self.alpha / self.labeled.max(1) as f32);
        let t = self.temperature;
        let soft = match self.kind {
            SoftLoss::HintonKl => softmax(student_logits.div_scalar(t), 1)
                .sub(softmax(teacher_logits.div_scalar(t), 1))
                .mul_scalar(self.form.scale(t, batch, classes) / t),
            SoftLoss::LogitMse => student_logits
                .sub(teacher_logits)
                .mul_scalar(2.0 / (batch * classes).max(1) as f32),
        }
        .mul_scalar(1.0 - self.alpha);
        let norm = |g: Tensor<2>| g.powi_scalar(2).sum().sqrt();
        Tensor::cat(vec![norm(hard), norm(soft)], 0)
    }
}

/// Distance between a (projected) student hidden state and a teacher hidden state of equal width,
/// both `[batch, positions, width]`. Every position counts alike (padding included, as in
/// TinyBERT); for an MLP there is one position per example.
pub fn hidden_loss(kind: HiddenLoss, student: Tensor<3>, teacher: Tensor<3>) -> Tensor<1> {
    let [batch, positions, _] = student.dims();
    let vectors = (batch * positions) as f32;
    match kind {
        HiddenLoss::Mse => student.sub(teacher).powi_scalar(2).mean(),
        HiddenLoss::Pkd => l2_normalize(student)
            .sub(l2_normalize(teacher))
            .powi_scalar(2)
            .sum()
            .div_scalar(vectors),
        HiddenLoss::Cosine => l2_normalize(student)
            .mul(l2_normalize(teacher))
            .sum()
            .div_scalar(vectors)
            .neg()
            .add_scalar(1.0),
    }
}

/// Vectors along the last dimension scaled to unit length; the epsilon keeps an all-zero ReLU
/// state finite.
fn l2_normalize<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    let norm = x
        .clone()
        .powi_scalar(2)
        .sum_dim(D - 1)
        .add_scalar(1e-12)
        .sqrt();
    x.div(norm)
}

/// TinyBERT's attention loss: mean squared error between a student block's and a teacher block's
/// attention probabilities `[batch, heads, query, key]`, head by head (the head counts must
/// match; the trainer refuses a pair that does not before training starts).
pub fn attention_mse(student: Tensor<4>, teacher: Tensor<4>) -> Tensor<1> {
    student.sub(teacher).powi_scalar(2).mean()
}

/// Additive bias that keeps padded keys out of a softmax: 0 for a token, −10⁹ for padding;
/// `mask` is `[batch, positions]` of 1s and 0s, the result `[batch, 1, 1, positions]`.
pub fn key_bias(mask: Tensor<2>) -> Tensor<4> {
    mask.sub_scalar(1.0)
        .mul_scalar(1e9)
        .unsqueeze_dim::<3>(1)
        .unsqueeze_dim(1)
}

/// `[batch, heads, positions, head width]` regrouped into `relation_heads` heads (MiniLM-v2's
/// relation heads: the heads are concatenated, then split again), so teachers and students with
/// different head counts and widths give relations of the same shape.
fn regroup(x: Tensor<4>, relation_heads: usize) -> Tensor<4> {
    let [batch, heads, positions, width] = x.dims();
    let d = heads * width;
    x.swap_dims(1, 2)
        .reshape([batch, positions, relation_heads, d / relation_heads])
        .swap_dims(1, 2)
}

/// Log of `softmax(A·Bᵀ / √d_r)` over the keys, per relation head: `[batch, r, query, key]`.
pub fn log_relation(
    a: Tensor<4>,
    b: Tensor<4>,
    relation_heads: usize,
    bias: Tensor<4>,
) -> Tensor<4> {
    let (a, b) = (regroup(a, relation_heads), regroup(b, relation_heads));
    let width = a.dims()[3] as f32;
    let scores = a.matmul(b.swap_dims(2, 3)).div_scalar(width.sqrt());
    log_softmax(scores.add(bias), 3)
}

/// KL(teacher ‖ student) between two relation distributions given as log-probabilities,
/// summed over keys and averaged over heads and the real (unpadded) queries.
pub fn relation_kl(log_student: Tensor<4>, log_teacher: Tensor<4>, mask: Tensor<2>) -> Tensor<1> {
    let heads = log_student.dims()[1] as f32;
    let per_query = log_teacher
        .clone()
        .exp()
        .mul(log_teacher.sub(log_student))
        .sum_dim(3);
    let [batch, positions] = mask.dims();
    let weights = mask.clone().reshape([batch, 1, positions, 1]);
    per_query
        .mul(weights)
        .sum()
        .div(mask.sum().mul_scalar(heads))
}

/// MiniLM (Wang et al. 2020): KL between the teacher's and the student's last-block
/// self-attention relations softmax(Q·Kᵀ/√d) and value relations softmax(V·Vᵀ/√d), with
/// `relation_heads` relation heads, so it works across hidden sizes and head counts.
pub fn minilm(student: &Qkv, teacher: &Qkv, relation_heads: usize, mask: Tensor<2>) -> Tensor<1> {
    let bias = key_bias(mask.clone());
    let rel = |x: &Qkv, value: bool| {
        let (a, b) = if value {
            (x.value.clone(), x.value.clone())
        } else {
            (x.query.clone(), x.key.clone())
        };
        log_relation(a, b, relation_heads, bias.clone())
    };
    let attention = relation_kl(
        rel(student, false),
        rel(teacher, false).detach(),
        mask.clone(),
    );
    let values = relation_kl(rel(student, true), rel(teacher, true).detach(), mask);
    attention.add(values)
}

/// The weighted terms of the distillation objective and their sum:
/// `total = α · hard + (1 − α) · soft + β · hidden + γ · attention`.
#[derive(Clone, Debug)]
pub struct LossTerms {
    pub total: Tensor<1>,
    pub hard: Tensor<1>,
    pub soft: Tensor<1>,
    pub hidden: Tensor<1>,
    pub attention: Tensor<1>,
}

/// The weights of [`LossTerms`]: α, β and γ.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weights {
    pub alpha: f32,
    pub beta: f32,
    pub gamma: f32,
}

pub fn combine(
    w: Weights,
    hard: Tensor<1>,
    soft: Tensor<1>,
    hidden: Tensor<1>,
    attention: Tensor<1>,
) -> LossTerms {
    // A term whose weight is 0 is left out rather than multiplied by 0: every operation costs a
    // step about as much as its arithmetic here (BENCHMARKS.md, "where the time goes").
    let weighted = [
        (&hard, w.alpha),
        (&soft, 1.0 - w.alpha),
        (&hidden, w.beta),
        (&attention, w.gamma),
    ];
    let total = weighted
        .into_iter()
        .filter(|(_, weight)| *weight != 0.0)
        .map(|(term, weight)| term.clone().mul_scalar(weight))
        .reduce(|a, b| a.add(b))
        .unwrap_or_else(|| hard.clone().mul_scalar(0.0));
    LossTerms {
        total,
        hard,
        soft,
        hidden,
        attention,
    }
}

/// Host-side versions for drawing: the page already holds the logits, so redrawing the bars as the
/// temperature slider moves needs no device and no training step.
pub mod host {
    /// `softmax(z / T)`, with the max logit subtracted so a low T cannot overflow.
    pub fn softmax_t(logits: &[f32], temperature: f32) -> Vec<f32> {
        let t = temperature.max(f32::MIN_POSITIVE);
        let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let exps: Vec<f32> = logits.iter().map(|z| ((z - max) / t).exp()).collect();
        let sum: f32 = exps.iter().sum();
        exps.into_iter().map(|e| e / sum).collect()
    }

    /// Shannon entropy in bits.
    pub fn entropy_bits(probs: &[f32]) -> f32 {
        probs
            .iter()
            .filter(|p| **p > 0.0)
            .map(|p| -p * p.log2())
            .sum::<f32>()
            .max(0.0) // a one-hot sums to −0.0
    }

    /// An ensemble's distribution from its members' logits of one example: `Σₖ wₖ softmax(zₖ)`
    /// with shares that sum to 1 (the host twin of `Ensemble::combine`, for the page's sliders).
    pub fn mix(members: &[&[f32]], shares: &[f32]) -> Vec<f32> {
        let classes = members.first().map_or(0, |z| z.len());
        let mut mixed = vec![0.0; classes];
        for (z, w) in members.iter().zip(shares) {
            for (m, p) in mixed.iter_mut().zip(softmax_t(z, 1.0)) {
                *m += w * p;
            }
        }
        mixed
    }

    /// Index of the largest value (the first one on ties); `None` for an empty slice.
    pub fn argmax(values: &[f32]) -> Option<usize> {
        values
            .iter()
            .enumerate()
            .fold(None, |best: Option<(usize, f32)>, (i, v)| match best {
                Some((_, b)) if b >= *v => best,
                _ => Some((i, *v)),
            })
            .map(|(i, _)| i)
    }
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // reference values as numpy printed them
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    fn t2(rows: &[&[f32]]) -> Tensor<2> {
        let n = rows.len();
        let m = rows[0].len();
        let flat: Vec<f32> = rows.iter().flat_map(|r| r.iter().copied()).collect();
        Tensor::from_data(TensorData::new(flat, [n, m]), &Device::flex())
    }

    fn s3(t: &Tensor<2>) -> Tensor<3> {
        t.clone().unsqueeze_dim(1)
    }

    /// `sin(0.7 i + phase)` for i in 0..n, shaped `[1, heads, positions, width]`.
    fn waves(phase: f32, shape: [usize; 4]) -> Tensor<4> {
        let n = shape.iter().product();
        let v: Vec<f32> = (0..n).map(|i| (0.7 * i as f32 + phase).sin()).collect();
        Tensor::from_data(TensorData::new(v, shape), &Device::flex())
    }

    #[test]
    fn attention_mse_matches_numpy() {
        let (s, t) = (waves(0.0, [1, 2, 2, 2]), waves(1.0, [1, 2, 2, 2]));
        close(scalar(attention_mse(s, t)), 0.40747415, 1e-6);
    }

    #[test]
    fn minilm_matches_numpy_across_head_counts_and_widths() {
        // Teacher: 2 heads of width 2; student: 1 head of width 2; 2 relation heads; the third
        // position is padding. numpy: tests/interop reference code, float64.
        let teacher = Qkv {
            query: waves(0.0, [1, 2, 3, 2]),
            key: waves(1.0, [1, 2, 3, 2]),
            value: waves(2.0, [1, 2, 3, 2]),
        };
        let student = Qkv {
            query: waves(3.0, [1, 1, 3, 2]),
            key: waves(4.0, [1, 1, 3, 2]),
            value: waves(5.0, [1, 1, 3, 2]),
        };
        let mask = t2(&[&[1.0, 1.0, 0.0]]);
        close(
            scalar(minilm(&student, &teacher, 2, mask.clone())),
            0.08840899,
            1e-5,
        );
        // A student equal to the teacher has nothing left to learn.
        close(scalar(minilm(&teacher, &teacher, 2, mask)), 0.0, 1e-6);
    }

    fn scalar(t: Tensor<1>) -> f32 {
        t.into_scalar::<f32>()
    }

    fn vec2(t: Tensor<2>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    fn close(a: f32, b: f32, tol: f32) {
        assert!((a - b).abs() <= tol, "{a} vs {b}");
    }

    // Reference values below were computed with numpy (float64) from the same inputs:
    //   zs = [[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]; zt = [[2.0, 1.0, 0.0], [0.5, 0.5, 2.5]]
    const ZS: [&[f32]; 2] = [&[1.0, 2.0, 0.5], &[0.0, -1.0, 3.0]];
    const ZT: [&[f32]; 2] = [&[2.0, 1.0, 0.0], &[0.5, 0.5, 2.5]];

    #[test]
    fn soft_targets_match_numpy() {
        // softmax(zt / 2)
        let p = vec2(soft_targets(t2(&ZT), 2.0));
        let want = [
            0.50648039, 0.30719589, 0.18632372, 0.21194156, 0.21194156, 0.57611688,
        ];
        for (a, b) in p.iter().zip(want) {
            close(*a, b, 1e-6);
        }
    }

    #[test]
    fn high_temperature_flattens_low_sharpens() {
        let z = [3.0, 1.0, 0.2];
        let cold = host::softmax_t(&z, 0.5);
        let warm = host::softmax_t(&z, 1.0);
        let hot = host::softmax_t(&z, 50.0);
        assert!(host::entropy_bits(&cold) < host::entropy_bits(&warm));
        assert!(host::entropy_bits(&warm) < host::entropy_bits(&hot));
        assert!(host::entropy_bits(&hot) > 0.99 * 3f32.log2());
        // Huge logits at a tiny temperature must not overflow into NaN.
        let sharp = host::softmax_t(&[1000.0, 999.0, -1000.0], 0.01);
        assert!(sharp.iter().all(|p| p.is_finite()));
        close(sharp[0], 1.0, 1e-6);
    }

    #[test]
    fn host_and_device_softmax_agree() {
        let device = vec2(soft_targets(t2(&ZS), 3.0));
        let mut host = host::softmax_t(ZS[0], 3.0);
        host.extend(host::softmax_t(ZS[1], 3.0));
        for (a, b) in device.iter().zip(host) {
            close(*a, b, 1e-6);
        }
    }

    #[test]
    fn hinton_kl_matches_numpy_including_t_squared() {
        // numpy: T=2 → sum(pt * (log pt − log ps)) / 2 * 4
        close(scalar(hinton_kl(t2(&ZS), t2(&ZT), 2.0)), 0.35490511, 1e-5);
        // T=1: plain batchmean KL
        close(scalar(hinton_kl(t2(&ZS), t2(&ZT), 1.0)), 0.28906005, 1e-5);
        // A student equal to its teacher has zero soft loss.
        close(scalar(hinton_kl(t2(&ZT), t2(&ZT), 4.0)), 0.0, 1e-6);
    }

    #[test]
    fn cross_entropy_ignores_unlabeled_rows() {
        // Row 0 labeled class 1, row 1 unlabeled (all-zero target).
        let one_hot = t2(&[&[0.0, 1.0, 0.0], &[0.0, 0.0, 0.0]]);
        // numpy: −log_softmax([1, 2, 0.5])[1]
        close(
            scalar(hard_cross_entropy(t2(&ZS), one_hot, 1)),
            0.46436878,
            1e-5,
        );
        // Both rows labeled: the mean of the two.
        let both = t2(&[&[0.0, 1.0, 0.0], &[0.0, 0.0, 1.0]]);
        close(
            scalar(hard_cross_entropy(t2(&ZS), both, 2)),
            0.26512634,
            1e-5,
        );
        // No labeled row: zero, not NaN.
        let none = t2(&[&[0.0; 3], &[0.0; 3]]);
        close(scalar(hard_cross_entropy(t2(&ZS), none, 0)), 0.0, 0.0);
    }

    #[test]
    fn logit_mse_matches_hand_value() {
        // differences: [-1, 1, 0.5, -0.5, -1.5, 0.5] → squares sum 5 → mean 5/6
        close(scalar(logit_mse(t2(&ZS), t2(&ZT))), 5.0 / 6.0, 1e-6);
    }

    #[test]
    fn hidden_losses_match_numpy() {
        let s = t2(&[&[1.0, 0.0, 2.0], &[0.5, 0.5, 0.0]]);
        let t = t2(&[&[2.0, 0.0, 4.0], &[0.0, 1.0, 0.0]]);
        // MSE over all six entries: (1 + 0 + 4 + 0.25 + 0.25 + 0) / 6
        close(
            scalar(hidden_loss(HiddenLoss::Mse, s3(&s), s3(&t))),
            0.91666667,
            1e-6,
        );
        // Row 0 is parallel (distance 0), row 1 at 45°: |u − v|² = 2 − 2cos = 0.58578644; / batch 2
        close(
            scalar(hidden_loss(HiddenLoss::Pkd, s3(&s), s3(&t))),
            0.29289322,
            1e-6,
        );
        // 1 − mean(cos) = 1 − (1 + 0.70710678) / 2
        close(
            scalar(hidden_loss(HiddenLoss::Cosine, s3(&s), s3(&t))),
            0.14644661,
            1e-6,
        );
    }

    #[test]
    fn combine_weights_terms() {
        let d = Device::flex();
        let one = |v: f32| Tensor::<1>::from_floats([v], &d);
        let w = Weights {
            alpha: 0.25,
            beta: 2.0,
            gamma: 3.0,
        };
        let terms = combine(w, one(4.0), one(8.0), one(0.5), one(0.25));
        close(
            scalar(terms.total),
            0.25 * 4.0 + 0.75 * 8.0 + 2.0 * 0.5 + 3.0 * 0.25,
            1e-6,
        );
    }

    #[test]
    fn argmax_and_parse() {
        assert_eq!(host::argmax(&[0.1, 0.7, 0.7, 0.2]), Some(1));
        assert_eq!(host::argmax(&[]), None);
        assert_eq!("Hinton".parse::<SoftLoss>().unwrap(), SoftLoss::HintonKl);
        assert_eq!("tang".parse::<SoftLoss>().unwrap(), SoftLoss::LogitMse);
        let err = "l1".parse::<HiddenLoss>().unwrap_err().to_string();
        assert!(err.contains("mse, pkd, cosine"), "{err}");
    }

    #[test]
    fn kl_forms_divide_by_t_squared_and_by_classes() {
        let hinton = scalar(hinton_kl(t2(&ZS), t2(&ZT), 2.0));
        let form = |t_squared, reduction| KlForm {
            t_squared,
            reduction,
        };
        let no_t2 = scaled_kl(t2(&ZS), t2(&ZT), 2.0, form(false, KlReduction::BatchMean));
        close(scalar(no_t2), hinton / 4.0, 1e-6);
        let mean = scaled_kl(t2(&ZS), t2(&ZT), 2.0, form(true, KlReduction::ElementMean));
        close(scalar(mean), hinton / 3.0, 1e-6);
    }

    /// The closed-form logit gradients against burn's autodiff, for both soft losses, every
    /// KL form and a batch with an unlabeled row.
    #[test]
    fn logit_gradient_norms_match_autodiff() {
        let zs = [&[1.0, 2.0, 0.5][..], &[0.0, -1.0, 3.0], &[0.3, 0.2, -0.4]];
        let zt = [&[2.0, 1.0, 0.0][..], &[0.5, 0.5, 2.5], &[-1.0, 0.0, 1.0]];
        let ad = Device::flex().autodiff();
        let on_ad = |rows: &[&[f32]]| Tensor::<2>::from_data(t2(rows).into_data(), &ad);
        let y = on_ad(&[&[0.0, 1.0, 0.0], &[0.0, 0.0, 1.0], &[0.0, 0.0, 0.0]]);
        let (alpha, t) = (0.3, 3.0);
        for kind in SoftLoss::ALL {
            for t_squared in [true, false] {
                for reduction in KlReduction::ALL {
                    let form = KlForm {
                        t_squared,
                        reduction,
                    };
                    let grad_norm = |loss: &dyn Fn(Tensor<2>) -> Tensor<1>| {
                        let z = on_ad(&zs).require_grad();
                        let grads = loss(z.clone()).backward();
                        let g = z.grad(&grads).expect("z is tracked");
                        vec2(g).iter().map(|v| v * v).sum::<f32>().sqrt()
                    };
                    let hard =
                        grad_norm(&|z| hard_cross_entropy(z, y.clone(), 2).mul_scalar(alpha));
                    let soft = grad_norm(&|z| {
                        soft_loss(kind, z, on_ad(&zt), t, form).mul_scalar(1.0 - alpha)
                    });
                    let probe = LogitGradients {
                        kind,
                        form,
                        temperature: t,
                        alpha,
                        one_hot: &y,
                        labeled: 2,
                    };
                    let v = probe
                        .norms(on_ad(&zs), on_ad(&zt))
                        .into_data()
                        .try_to_vec::<f32>()
                        .unwrap();
                    close(v[0], hard, 1e-6);
                    close(v[1], soft, 1e-6 + 1e-5 * soft);
                    assert!(soft > 0.0 && hard > 0.0);
                }
            }
        }
    }
}
