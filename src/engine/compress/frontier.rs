//! One frontier: each way of making a network small, at several strengths, as a point of
//! bytes against test accuracy (and agreement with the teacher, and the forward time of the
//! test set). The Pareto frontier is the points no other point beats in both bytes and accuracy.

use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use web_time::Instant;

use super::factorize::{RANKS, factorize};
use super::prune::{Mask, Scope, magnitude_mask};
use super::quantize::{Bits, Calibrate, Granularity, Quantization, quantize};
use crate::engine::data::Dataset;
use crate::engine::error::Result;
use crate::engine::network::Architecture;
use crate::engine::train::{fraction_equal, logits_host, predictions};
use crate::engine::weights::NetworkWeights;

/// The sparsities of the pruning points.
pub const SPARSITIES: [f32; 4] = [0.5, 0.7, 0.9, 0.95];

/// A network made small one way, and the bytes its weights take.
pub struct Candidate {
    pub method: String,
    pub strength: String,
    pub weights: NetworkWeights,
    pub bytes: usize,
}

/// One point of the picture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub method: String,
    pub strength: String,
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

/// The quantization points: 8 and 4 bits, per tensor and per block, MinMax.
fn quantizations() -> Vec<(String, Quantization)> {
    let mut out = Vec::new();
    for (bits, b) in [(Bits::Eight, 8), (Bits::Four, 4)] {
        for (granularity, g) in [
            (Granularity::PerTensor, "per tensor"),
            (Granularity::PerBlock, "per block of 32"),
        ] {
            let q = Quantization {
                bits,
                granularity,
                calibration: Calibrate::MinMax,
            };
            out.push((format!("{b}-bit, {g}"), q));
        }
    }
    out
}

/// Whether `w` is an MLP with every layer whole and its own (what factorizing needs).
pub fn plain_mlp(w: &NetworkWeights) -> bool {
    matches!(&w.architecture, Architecture::Mlp(c) if c.ranks.is_empty() && !c.shared)
}

/// `network` factorized at every rank of [`RANKS`] that makes it smaller (plain MLPs only).
pub fn factorized(network: &NetworkWeights, name: &str) -> Result<Vec<Candidate>> {
    if !plain_mlp(network) {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for rank in RANKS {
        if let Some(weights) = factorize(network, rank)? {
            out.push(Candidate {
                method: format!("{name}, factorized"),
                strength: format!("rank {rank}"),
                bytes: dense_bytes(&weights),
                weights,
            });
        }
    }
    Ok(out)
}

/// `network` as it is (named `name`: "teacher", "student 32x2"), pruned (one shot, global),
/// quantized and factorized.
pub fn candidates(network: &NetworkWeights, name: &str, device: &Device) -> Result<Vec<Candidate>> {
    let mut out = vec![Candidate {
        method: name.to_string(),
        strength: "float32".into(),
        weights: network.clone(),
        bytes: dense_bytes(network),
    }];
    for sparsity in SPARSITIES {
        let mask = magnitude_mask(network, sparsity, Scope::Global)?;
        let mut pruned = network.clone();
        mask.apply(&mut pruned)?;
        out.push(Candidate {
            method: format!("{name}, pruned"),
            strength: format!("{:.0} % of the weights", sparsity * 100.0),
            bytes: sparse_bytes(&pruned, &mask),
            weights: pruned,
        });
    }
    for (strength, q) in quantizations() {
        let (weights, bytes) = quantize(network, &q, device)?;
        out.push(Candidate {
            method: format!("{name}, quantized"),
            strength,
            weights,
            bytes,
        });
    }
    out.extend(factorized(network, name)?);
    Ok(out)
}

/// A network pruned at `sparsity` by `mask` and fine-tuned with the mask held.
pub fn fine_tuned(name: &str, tuned: NetworkWeights, mask: &Mask, sparsity: f32) -> Candidate {
    Candidate {
        method: format!("{name}, pruned and fine-tuned"),
        strength: format!("{:.0} % of the weights", sparsity * 100.0),
        bytes: sparse_bytes(&tuned, mask),
        weights: tuned,
    }
}

/// A factorized candidate `c` after fine-tuning to `tuned`.
pub fn refactored(c: &Candidate, tuned: NetworkWeights) -> Candidate {
    Candidate {
        method: format!("{} and fine-tuned", c.method),
        strength: c.strength.clone(),
        bytes: dense_bytes(&tuned),
        weights: tuned,
    }
}

/// A network that is as it is, at its dense size (a distilled student).
pub fn whole(name: &str, strength: &str, weights: NetworkWeights) -> Candidate {
    Candidate {
        method: name.to_string(),
        strength: strength.to_string(),
        bytes: dense_bytes(&weights),
        weights,
    }
}

/// A candidate's point on `test`, against the teacher's top classes.
pub fn measure(c: &Candidate, test: &Dataset, teacher: &[usize], device: &Device) -> Result<Point> {
    let net = c.weights.to_network(device)?;
    let start = Instant::now();
    let logits = logits_host(&net, test, device)?;
    let forward_ms = start.elapsed().as_secs_f64() * 1e3;
    let preds = predictions(&logits, test.classes);
    Ok(Point {
        method: c.method.clone(),
        strength: c.strength.clone(),
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
        let config = crate::engine::network::MlpConfig {
            hidden: vec![32],
            ..crate::engine::network::MlpConfig::student(64, 10)
        };
        let net = crate::engine::network::Architecture::from(config)
            .init(&device, 1)
            .unwrap();
        let w = NetworkWeights::from_network(&net).unwrap();
        let c = candidates(&w, "teacher", &device).unwrap();
        // Ranks 16, 8 and 4 shrink 64→32; rank 32 would not.
        assert_eq!(c.len(), 1 + SPARSITIES.len() + 4 + 3);
        let factorized: Vec<usize> = c
            .iter()
            .filter(|c| c.method == "teacher, factorized")
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
            .filter(|c| c.method == "teacher, pruned")
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
            .find(|c| c.strength == "8-bit, per tensor")
            .unwrap();
        assert!(quantized.bytes < dense / 3);
    }
}
