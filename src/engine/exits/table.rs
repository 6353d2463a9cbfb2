//! Every exit's distribution for every test example, kept on the host: the accuracy, layers and
//! FLOPs at any speed S come from it without running a network.

use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor};
use serde::Serialize;

use super::{ExitBranches, exit_flops, layer_flops};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::loss::host;
use crate::network::{Architecture, Classifier, Input, Network};

/// Probabilities `[example][exit][class]`, exits 1..=depth (the last is the teacher's own).
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct ExitTable {
    exits: usize,
    classes: usize,
    probs: Vec<f32>,
    labels: Vec<u8>,
    /// FLOPs per example of leaving at exit k (index k − 1): layers 1..=k and exits 1..=k.
    cost: Vec<u64>,
}

/// What the exits do at one speed.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct ExitPoint {
    pub speed: f32,
    pub accuracy: f32,
    /// Mean layers run per example.
    pub layers: f32,
    /// Mean FLOPs per example, and as a fraction of running the whole teacher.
    pub flops: f64,
    pub flops_fraction: f64,
    /// How many examples left at each exit.
    pub left_at: Vec<usize>,
}

/// `H(p) / ln C`: 0 for a sure distribution, 1 for a uniform one.
pub fn normalised_entropy(p: &[f32]) -> f32 {
    let h: f32 = p.iter().filter(|&&v| v > 0.0).map(|&v| -v * v.ln()).sum();
    h / (p.len().max(2) as f32).ln()
}

impl ExitTable {
    /// The tensor of every exit's probabilities for `data`, `[rows, exits · classes]`, before it
    /// is read back (sync natively, async on WebGPU).
    pub fn pending(
        teacher: &Network,
        branches: &ExitBranches,
        data: &Dataset,
        device: &Device,
    ) -> Result<Tensor<2>> {
        let mut parts = Vec::new();
        let rows = teacher.architecture().rows_per_pass(data.dim);
        for x in crate::train::feature_slices(&data.features, data.dim, rows, device) {
            parts.push(every_exit(teacher, branches, Input::Features(x))?);
        }
        if parts.is_empty() {
            return Err(Error::Dataset(
                "no test examples to measure the exits on".into(),
            ));
        }
        Ok(Tensor::cat(parts, 0))
    }

    /// The table from the read-back values of [`ExitTable::pending`].
    pub fn from_host(teacher: &Architecture, probs: Vec<f32>, data: &Dataset) -> Result<Self> {
        let (exits, classes) = (teacher.depth(), teacher.classes());
        if probs.len() != data.len() * exits * classes {
            return Err(Error::Read("the exits' outputs are incomplete".into()));
        }
        let mut cost = Vec::with_capacity(exits);
        let mut total = 0u64;
        for layer in 1..=exits {
            total += layer_flops(teacher, layer) + exit_flops(teacher, layer);
            cost.push(total);
        }
        Ok(Self {
            exits,
            classes,
            probs,
            labels: data.labels.clone(),
            cost,
        })
    }

    /// Measured natively (synchronous reads).
    pub fn measure(
        teacher: &Network,
        branches: &ExitBranches,
        data: &Dataset,
        device: &Device,
    ) -> Result<Self> {
        let values = Self::pending(teacher, branches, data, device)?
            .into_data()
            .try_to_vec::<f32>()
            .map_err(|e| Error::Read(format!("{e:?}")))?;
        Self::from_host(&teacher.architecture(), values, data)
    }

    pub fn exits(&self) -> usize {
        self.exits
    }

    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Test examples in the table.
    pub fn examples(&self) -> usize {
        self.labels.len()
    }

    /// Example `i`'s distribution at every exit.
    pub fn distributions(&self, i: usize) -> Vec<&[f32]> {
        let row = &self.probs[i * self.exits * self.classes..(i + 1) * self.exits * self.classes];
        row.chunks(self.classes).collect()
    }

    /// The exit (1-based) where example `i` leaves at `speed`.
    pub fn exit_of(&self, i: usize, speed: f32) -> usize {
        leave_at(&self.distributions(i), speed)
    }

    /// Accuracy, layers and FLOPs at `speed`.
    pub fn at(&self, speed: f32) -> ExitPoint {
        let mut left_at = vec![0; self.exits];
        let (mut hits, mut layers, mut flops) = (0usize, 0usize, 0u64);
        for (i, &label) in self.labels.iter().enumerate() {
            let exit = self.exit_of(i, speed);
            left_at[exit - 1] += 1;
            layers += exit;
            flops += self.cost[exit - 1];
            let p = self.distributions(i)[exit - 1];
            hits += usize::from(host::argmax(p) == Some(usize::from(label)));
        }
        let n = self.labels.len().max(1) as f64;
        let full = self.cost.last().copied().unwrap_or(1).max(1) as f64;
        ExitPoint {
            speed,
            accuracy: (hits as f64 / n) as f32,
            layers: (layers as f64 / n) as f32,
            flops: flops as f64 / n,
            flops_fraction: flops as f64 / n / full,
            left_at,
        }
    }

    /// The curve at `points` evenly spaced speeds from 0 to 1.
    pub fn curve(&self, points: usize) -> Vec<ExitPoint> {
        let last = points.clamp(2, MAX_CURVE_POINTS) - 1;
        (0..=last)
            .map(|k| self.at(k as f32 / last as f32))
            .collect()
    }

    /// FLOPs per example of the whole teacher with its classifier (speed 0).
    pub fn full_flops(&self) -> u64 {
        self.cost.last().copied().unwrap_or(0)
    }
}

/// Most points a speed curve has.
pub const MAX_CURVE_POINTS: usize = 1001;

/// The first exit whose normalised entropy is below `speed`, else the last.
pub fn leave_at(distributions: &[&[f32]], speed: f32) -> usize {
    let last = distributions.len();
    distributions
        .iter()
        .take(last.saturating_sub(1))
        .position(|p| normalised_entropy(p) < speed)
        .map_or(last, |k| k + 1)
}

/// Probabilities of every exit for a batch, `[batch, exits · classes]`.
pub fn every_exit(teacher: &Network, branches: &ExitBranches, x: Input) -> Result<Tensor<2>> {
    let out = teacher.forward(x);
    let mut exits: Vec<Tensor<2>> = branches
        .logits(&out.taps)?
        .into_iter()
        .map(|z| softmax(z, 1))
        .collect();
    exits.push(softmax(out.logits, 1));
    Ok(Tensor::cat(exits, 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::MlpConfig;

    /// Two examples, three exits, two classes, written by hand.
    fn table() -> ExitTable {
        let arch = Architecture::from(MlpConfig {
            inputs: 2,
            hidden: vec![4, 4, 4],
            classes: 2,
            activation: Default::default(),
            ranks: Vec::new(),
            shared: false,
        });
        let probs = vec![
            // Example 0 (label 0): sure and right at exit 1.
            0.99, 0.01, 0.6, 0.4, 0.9, 0.1, //
            // Example 1 (label 1): unsure and wrong early, sure and right at the end.
            0.55, 0.45, 0.7, 0.3, 0.05, 0.95,
        ];
        let data = Dataset::new("t", vec![0.0; 4], vec![0, 1], 2, 2, None).unwrap();
        ExitTable::from_host(&arch, probs, &data).unwrap()
    }

    #[test]
    fn entropy_is_normalised() {
        assert!(normalised_entropy(&[1.0, 0.0]).abs() < 1e-6);
        assert!((normalised_entropy(&[0.25; 4]) - 1.0).abs() < 1e-6);
        assert!((normalised_entropy(&[0.5, 0.5, 0.0]) - 2f32.ln() / 3f32.ln()).abs() < 1e-6);
    }

    #[test]
    fn speed_zero_runs_everything_and_speed_one_leaves_first() {
        let t = table();
        let slow = t.at(0.0);
        assert_eq!((slow.layers, slow.accuracy), (3.0, 1.0));
        assert_eq!(slow.left_at, vec![0, 0, 2]);
        assert!((slow.flops_fraction - 1.0).abs() < 1e-12);
        let fast = t.at(1.0);
        assert_eq!(fast.left_at, vec![2, 0, 0]);
        assert_eq!((fast.layers, fast.accuracy), (1.0, 0.5));
        assert!(fast.flops_fraction < 0.5);
        // H(0.99, 0.01) / ln 2 ≈ 0.081: at S = 0.1 example 0 leaves at exit 1, example 1 runs on
        // (exit 2's 0.88 is not below 0.1) to the last.
        let mid = t.at(0.1);
        assert_eq!(mid.left_at, vec![1, 0, 1]);
        assert_eq!((mid.layers, mid.accuracy), (2.0, 1.0));
        let curve = t.curve(11);
        assert_eq!(curve.len(), 11);
        assert!(curve.windows(2).all(|w| w[1].layers <= w[0].layers));
    }
}
