//! Seeded 2-D toy sets: the pictures where a decision boundary says what a network learned.

use std::f32::consts::PI;

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use super::Dataset;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ToyKind {
    /// Two interleaving half circles.
    Moons,
    /// A ring around a disc.
    Circles,
    /// Two intertwined spiral arms.
    Spirals,
    /// Four Gaussian blobs; opposite corners share a class.
    Xor,
}

impl ToyKind {
    /// Noise that keeps each set learnable: the spiral arms are only ~0.27 apart.
    pub fn noise(self) -> f32 {
        match self {
            ToyKind::Spirals => 0.03,
            _ => 0.1,
        }
    }
}

/// `n` points of a 2-class toy set in roughly [-1, 1]², with Gaussian noise of std `noise`.
pub fn toy_dataset(kind: ToyKind, n: usize, noise: f32, seed: u64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let jitter = Normal::new(0.0f32, noise.max(0.0)).unwrap_or_else(|_| unit_normal());
    let mut features = Vec::with_capacity(2 * n);
    let mut labels = Vec::with_capacity(n);
    for i in 0..n {
        let label = (i % 2) as u8;
        let (x, y) = match kind {
            ToyKind::Moons => {
                let t = rng.random_range(0.0..PI);
                let (x, y) = if label == 0 {
                    (t.cos(), t.sin())
                } else {
                    (1.0 - t.cos(), 0.5 - t.sin())
                };
                ((x - 0.5) / 1.5, (y - 0.25) / 1.0)
            }
            ToyKind::Circles => {
                let a = rng.random_range(0.0..2.0 * PI);
                let r = if label == 0 { 0.9 } else { 0.4 };
                (r * a.cos(), r * a.sin())
            }
            ToyKind::Spirals => {
                let t: f32 = rng.random_range(0.0..1.0);
                let angle = 1.75 * t * 2.0 * PI + f32::from(label) * PI;
                (0.95 * t * angle.cos(), 0.95 * t * angle.sin())
            }
            ToyKind::Xor => {
                let corner = rng.random_range(0..2u8);
                let sx = if corner == 0 { 1.0 } else { -1.0 };
                let sy = if label == 0 { sx } else { -sx };
                let blob = Normal::new(0.0f32, 0.15).unwrap_or_else(|_| unit_normal());
                (
                    0.5 * sx + blob.sample(&mut rng),
                    0.5 * sy + blob.sample(&mut rng),
                )
            }
        };
        features.push(x + jitter.sample(&mut rng));
        features.push(y + jitter.sample(&mut rng));
        labels.push(label);
    }
    let name = format!("{kind:?}").to_lowercase();
    Dataset {
        name,
        features,
        labels,
        dim: 2,
        classes: 2,
        image: None,
    }
}

fn unit_normal() -> Normal<f32> {
    // Normal::new fails only for a non-finite std; (0, 1) is always valid.
    Normal::new(0.0, 1.0).unwrap_or_else(|_| unreachable!())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_balanced_and_bounded() {
        for kind in [
            ToyKind::Moons,
            ToyKind::Circles,
            ToyKind::Spirals,
            ToyKind::Xor,
        ] {
            let a = toy_dataset(kind, 400, 0.05, 7);
            assert_eq!(
                a,
                toy_dataset(kind, 400, 0.05, 7),
                "{kind:?} is not deterministic"
            );
            assert_ne!(a.features, toy_dataset(kind, 400, 0.05, 8).features);
            assert_eq!(a.class_counts(), vec![200, 200]);
            assert!(
                a.features.iter().all(|v| v.abs() < 1.6),
                "{kind:?} out of range"
            );
        }
    }

    #[test]
    fn noise_moves_points() {
        let clean = toy_dataset(ToyKind::Circles, 100, 0.0, 1);
        // Without noise every circle point sits exactly on its radius.
        for (i, l) in clean.labels.iter().enumerate() {
            let r = clean.example(i).iter().map(|v| v * v).sum::<f32>().sqrt();
            let want = if *l == 0 { 0.9 } else { 0.4 };
            assert!((r - want).abs() < 1e-5);
        }
        let noisy = toy_dataset(ToyKind::Circles, 100, 0.2, 1);
        let moved = (0..100)
            .filter(|&i| {
                let r = noisy.example(i).iter().map(|v| v * v).sum::<f32>().sqrt();
                let want = if noisy.labels[i] == 0 { 0.9 } else { 0.4 };
                (r - want).abs() > 0.01
            })
            .count();
        assert!(moved > 80, "{moved}");
    }
}
