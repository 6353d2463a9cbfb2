//! What the page draws, as plain data: the bars of the example (or of what the user drew or
//! typed), the decision maps, the attention, the curves' points and the compression table. The
//! session computes them (`session::views`), in the page or in the training worker that sends
//! them over; the state holds them.

use serde::{Deserialize, Serialize};

use crate::engine::loss::host;
use crate::engine::network::AttentionMaps;
use crate::engine::train::OmittedReport;

/// Logits of the teacher, the distilled and the scratch student, in that order.
pub type Three = [Vec<f32>; 3];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Views {
    /// Of the test example, or of the input.
    pub logits: Three,
    /// The version of the drawing or typed message shown (`None`: a test example).
    pub drawing: Option<u64>,
    /// Over the decision-map grid (2-D sets only).
    pub grid: Option<Three>,
    /// Text only.
    pub attention: Option<ShownAttention>,
    /// Linear CKA, teacher layers × the distilled student's, when asked for.
    pub similarity: Option<Vec<Vec<f32>>>,
}

/// What the views show: a test example, or a drawing / typed message with its version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Shown {
    pub example: usize,
    pub input: Option<(u64, Vec<f32>)>,
    /// The typed message of `input`, as typed: a teacher of word pieces reads it rather than
    /// the students' words (which have `[UNK]` for the words their vocabulary lacks).
    #[serde(default)]
    pub text: Option<String>,
    /// Also measure the layer similarity (it costs more than the rest: about once a second).
    #[serde(default)]
    pub similarity: bool,
}

/// Augmented versions of the message shown, so a class sees what masking and replacement do.
pub const AUGMENTED_SHOWN: usize = 5;

/// What the attention view draws for one sentence, and its augmented versions.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ShownAttention {
    pub tokens: Vec<String>,
    /// The teacher's own tokens when it reads word pieces (`None`: the students' words).
    pub teacher_tokens: Option<Vec<String>>,
    /// [`AUGMENTED_SHOWN`] versions of the sentence under Tang's augmentation, decoded.
    pub augmented: Vec<String>,
    /// `None` for a student without attention (a BiLSTM, a bag of words).
    pub teacher: Option<AttentionMaps>,
    pub student: Option<AttentionMaps>,
}

/// What distillation buys, measured on the CPU copy the page reads from.
#[derive(Clone, Debug, PartialEq)]
pub struct Compression {
    pub teacher_params: usize,
    pub student_params: usize,
    /// Test examples in the timed forward pass.
    pub examples: usize,
    /// Median forward time over the test set, milliseconds.
    pub teacher_ms: f64,
    pub student_ms: f64,
    pub teacher_accuracy: f32,
    /// Text: every student kind at the page's width, timed on the same messages.
    pub kinds: Vec<KindCost>,
}

/// The size and speed of a student kind (untrained: its forward time does not depend on its
/// weights).
#[derive(Clone, Debug, PartialEq)]
pub struct KindCost {
    pub kind: crate::engine::network::NetKind,
    pub describe: String,
    pub params: usize,
    /// Median forward time per message, milliseconds.
    pub ms_per_example: f64,
}

/// Top class and its probability, for labels.
pub fn top(probs: &[f32]) -> (usize, f32) {
    let i = host::argmax(probs).unwrap_or(0);
    (i, probs.get(i).copied().unwrap_or(0.0))
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
