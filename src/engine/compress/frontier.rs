//! One frontier: each way of making a network small, at several strengths, as a point of
//! bytes against test accuracy (and agreement with the teacher, and the forward time of the
//! test set). The Pareto frontier is the points no other point beats in both bytes and accuracy.

use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use web_time::Instant;

use super::factorize::{RANKS, factorize};
use super::prune::{Mask, Scope, magnitude_mask};
use super::quantize::{Bits, Calibrate, Granularity, Quantization, quantize};
use crate::data::Dataset;
use crate::error::Result;
use crate::network::Architecture;
use crate::train::{fraction_equal, logits_host, predictions};
use crate::weights::NetworkWeights;

/// The sparsities of the pruning points.
pub const SPARSITIES: [f32; 4] = [0.5, 0.7, 0.9, 0.95];

/// The way a point was made small.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Family {
    /// As it was trained (or distilled): the teacher, a student.
    AsIs,
    Pruned,
    Quantized,
    Factorized,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::AsIs => "as trained",
            Family::Pruned => "pruned",
            Family::Quantized => "quantized",
            Family::Factorized => "factorized",
        }
    }
}

/// One way to make a network small, at one strength.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Recipe {
    AsIs,
    Prune(f32),
    Quantize(Quantization),
    Factorize(usize),
}

impl Recipe {
    pub fn family(&self) -> Family {
        match self {
            Recipe::AsIs => Family::AsIs,
            Recipe::Prune(_) => Family::Pruned,
            Recipe::Quantize(_) => Family::Quantized,
            Recipe::Factorize(_) => Family::Factorized,
        }
    }

    /// "90 % of the weights", "8-bit, per tensor", "rank 8".
    pub fn strength(&self) -> String {
        match self {
            Recipe::AsIs => "float32".into(),
            Recipe::Prune(s) => format!("{:.0} % of the weights", s * 100.0),
            Recipe::Quantize(q) => {
                let bits = if q.bits == Bits::Eight { 8 } else { 4 };
                let per = match q.granularity {
                    Granularity::PerTensor => "per tensor",
                    Granularity::PerBlock => "per block of 32",
                };
                format!("{bits}-bit, {per}")
            }
            Recipe::Factorize(r) => format!("rank {r}"),
        }
    }

    /// Whether fine-tuning can follow: pruning with the mask held and factorizing for MLPs;
    /// quantization on its grid for plain ones.
    pub fn tunable(&self, network: &NetworkWeights) -> bool {
        let mlp = matches!(network.architecture, Architecture::Mlp(_));
        match self {
            Recipe::Prune(_) | Recipe::Factorize(_) => mlp,
            Recipe::Quantize(_) => plain_mlp(network),
            Recipe::AsIs => false,
        }
    }
}

/// Every recipe of the frontier: as it is, pruned, quantized 8 and 4 bits per tensor and per
/// block (MinMax), factorized at every rank of [`RANKS`] (plain MLPs; a rank that would not
/// make it smaller gives no point).
pub fn recipes(network: &NetworkWeights) -> Vec<Recipe> {
    let mut out = vec![Recipe::AsIs];
    out.extend(SPARSITIES.map(Recipe::Prune));
    for bits in [Bits::Eight, Bits::Four] {
        for granularity in [Granularity::PerTensor, Granularity::PerBlock] {
            out.push(Recipe::Quantize(Quantization {
                bits,
                granularity,
                calibration: Calibrate::MinMax,
            }));
        }
    }
    if plain_mlp(network) {
        out.extend(RANKS.map(Recipe::Factorize));
    }
    out
}

/// A network made small one way, and the bytes its weights take.
pub struct Candidate {
    /// "teacher", "student 32x2, distilled".
    pub subject: String,
    pub recipe: Recipe,
    pub tuned: bool,
    pub weights: NetworkWeights,
    pub bytes: usize,
    /// The pruned weights, kept at zero when fine-tuned.
    pub mask: Option<Mask>,
}

impl Candidate {
    /// "teacher, pruned and fine-tuned".
    pub fn method(&self) -> String {
        match (self.recipe.family(), self.tuned) {
            (Family::AsIs, _) => self.subject.clone(),
            (family, false) => format!("{}, {}", self.subject, family.name()),
            (family, true) => format!("{}, {} and fine-tuned", self.subject, family.name()),
        }
    }

    /// The same point after fine-tuning to `tuned` (the mask, if any, held).
    pub fn after_tuning(&self, tuned: NetworkWeights) -> Candidate {
        let bytes = match (&self.mask, self.recipe) {
            (Some(mask), _) => sparse_bytes(&tuned, mask),
            (None, Recipe::Quantize(_)) => self.bytes,
            (None, _) => dense_bytes(&tuned),
        };
        Candidate {
            subject: self.subject.clone(),
            recipe: self.recipe,
            tuned: true,
            weights: tuned,
            bytes,
            mask: self.mask.clone(),
        }
    }
}

/// One point of the picture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub method: String,
    pub strength: String,
    pub family: Family,
    pub tuned: bool,
    pub bytes: usize,
    pub accuracy: f32,
    /// The share of test examples whose top class is the teacher's.
    pub agreement: f32,
    /// The forward pass over the test set, in milliseconds.
    pub forward_ms: f64,
}

fn dense_bytes(w: &NetworkWeights) -> usize {
    4 * w.tensors.values().map(Vec::len).sum::<usize>()
}

/// A pruned network stored sparse: a bit per weight of a pruned tensor saying whether it is
/// kept, and the kept values as f32; the other tensors dense.
fn sparse_bytes(w: &NetworkWeights, mask: &Mask) -> usize {
    w.tensors
        .iter()
        .map(|(name, v)| match mask.kept.get(name) {
            Some(kept) => v.len().div_ceil(8) + 4 * kept.iter().filter(|k| **k).count(),
            None => 4 * v.len(),
        })
        .sum()
}

/// Whether `w` is an MLP with every layer whole and its own (what factorizing needs).
pub fn plain_mlp(w: &NetworkWeights) -> bool {
    matches!(&w.architecture, Architecture::Mlp(c) if c.ranks.is_empty() && !c.shared)
}

/// `network` (named `subject`) made small by `recipe`; `None` when the recipe would not make
/// it smaller (a rank above what saves weights).
pub fn make(
    network: &NetworkWeights,
    subject: &str,
    recipe: Recipe,
    device: &Device,
) -> Result<Option<Candidate>> {
    let (weights, bytes, mask) = match recipe {
        Recipe::AsIs => (network.clone(), dense_bytes(network), None),
        Recipe::Prune(sparsity) => {
            let mask = magnitude_mask(network, sparsity, Scope::Global)?;
            let mut pruned = network.clone();
            mask.apply(&mut pruned)?;
            (pruned.clone(), sparse_bytes(&pruned, &mask), Some(mask))
        }
        Recipe::Quantize(q) => {
            let (weights, bytes) = quantize(network, &q, device)?;
            (weights, bytes, None)
        }
        Recipe::Factorize(rank) => match factorize(network, rank)? {
            Some(weights) => (weights.clone(), dense_bytes(&weights), None),
            None => return Ok(None),
        },
    };
    Ok(Some(Candidate {
        subject: subject.to_string(),
        recipe,
        tuned: false,
        weights,
        bytes,
        mask,
    }))
}

/// `network` (named `subject`: "teacher", "student 32x2") by every recipe of [`recipes`].
pub fn candidates(
    network: &NetworkWeights,
    subject: &str,
    device: &Device,
) -> Result<Vec<Candidate>> {
    let mut out = Vec::new();
    for recipe in recipes(network) {
        out.extend(make(network, subject, recipe, device)?);
    }
    Ok(out)
}

/// A candidate's point on `test`, against the teacher's top classes.
pub fn measure(c: &Candidate, test: &Dataset, teacher: &[usize], device: &Device) -> Result<Point> {
    let net = c.weights.to_network(device)?;
    let logits = logits_host(&net, test, device)?;
    // The fastest of two more passes: the first pays for warming caches and allocating, which
    // made whichever point came first look slow.
    let mut forward_ms = f64::INFINITY;
    for _ in 0..2 {
        let start = Instant::now();
        logits_host(&net, test, device)?;
        forward_ms = forward_ms.min(start.elapsed().as_secs_f64() * 1e3);
    }
    let preds = predictions(&logits, test.classes);
    Ok(Point {
        method: c.method(),
        strength: c.recipe.strength(),
        family: c.recipe.family(),
        tuned: c.tuned,
        bytes: c.bytes,
        accuracy: fraction_equal(&preds, test.labels.iter().map(|l| usize::from(*l))),
        agreement: fraction_equal(&preds, teacher.iter().copied()),
        forward_ms,
    })
}

/// Indices of the points on the Pareto frontier, fewest bytes first: each is more accurate than
/// every point of fewer or as many bytes.
pub fn pareto(points: &[Point]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| {
        points[a]
            .bytes
            .cmp(&points[b].bytes)
            .then(points[b].accuracy.total_cmp(&points[a].accuracy))
    });
    let mut best = f32::NEG_INFINITY;
    order
        .into_iter()
        .filter(|&i| {
            let on = points[i].accuracy > best;
            best = best.max(points[i].accuracy);
            on
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(bytes: usize, accuracy: f32) -> Point {
        Point {
            method: "m".into(),
            strength: "s".into(),
            family: Family::AsIs,
            tuned: false,
            bytes,
            accuracy,
            agreement: 1.0,
            forward_ms: 0.0,
        }
    }

    #[test]
    fn the_frontier_keeps_the_points_nothing_beats() {
        let points = [
            point(100, 0.9),
            point(50, 0.8),
            point(60, 0.7), // beaten by 50 bytes at 0.8
            point(200, 0.95),
            point(200, 0.9), // beaten by 100 bytes at 0.9
            point(10, 0.5),
        ];
        assert_eq!(pareto(&points), [5, 1, 0, 3]);
    }

    #[test]
    fn pruned_points_take_fewer_bytes_as_the_sparsity_grows() {
        let device = Device::flex();
        let config = crate::network::MlpConfig {
            hidden: vec![32],
            ..crate::network::MlpConfig::student(64, 10)
        };
        let net = crate::network::Architecture::from(config)
            .init(&device, 1)
            .unwrap();
        let w = NetworkWeights::from_network(&net).unwrap();
        let c = candidates(&w, "teacher", &device).unwrap();
        // Ranks 16, 8 and 4 shrink 64→32; rank 32 would not.
        assert_eq!(c.len(), 1 + SPARSITIES.len() + 4 + 3);
        let factorized: Vec<usize> = c
            .iter()
            .filter(|c| c.method() == "teacher, factorized")
            .map(|c| c.bytes)
            .collect();
        // 4 (r (64 + 32) + 32 + 32·10 + 10) bytes at rank r; at rank 4 the output layer
        // shrinks too, to 4 (32 + 10).
        let first = |r: usize| r * 96 + 32;
        assert_eq!(
            factorized,
            [
                4 * (first(16) + 330),
                4 * (first(8) + 330),
                4 * (first(4) + 4 * 42 + 10)
            ]
        );
        let pruned: Vec<usize> = c
            .iter()
            .filter(|c| c.method() == "teacher, pruned")
            .map(|c| c.bytes)
            .collect();
        assert!(pruned.windows(2).all(|w| w[0] > w[1]), "{pruned:?}");
        // At 50 % a bitmask and half the values: under the dense bytes, not a quarter of them.
        let dense = c[0].bytes;
        assert!(
            pruned[0] < dense && pruned[0] > dense / 2,
            "{pruned:?} against {dense}"
        );
        let quantized = c
            .iter()
            .find(|c| c.recipe.strength() == "8-bit, per tensor")
            .unwrap();
        assert!(quantized.bytes < dense / 3);
    }
}
