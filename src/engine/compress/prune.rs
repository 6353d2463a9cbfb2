//! Magnitude pruning: the weights of smallest absolute value are set to zero, to a target
//! sparsity over every prunable tensor at once (global) or in each (per layer), in one shot or
//! in steps that rise toward the target. The mask of kept weights is returned, so that
//! fine-tuning can hold it. Prunable: the weight matrices and kernels of linear, recurrent,
//! attention and conv layers; biases, norms and embedding tables are left whole.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::network::Architecture;
use crate::weights::NetworkWeights;

/// Where the target sparsity applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One threshold over every prunable weight: small layers may lose more, or less.
    Global,
    /// Each prunable tensor to the target on its own.
    PerLayer,
}

/// For each pruned tensor, whether each weight is kept.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mask {
    pub kept: BTreeMap<String, Vec<bool>>,
}

/// The tensors magnitude pruning reads: every weight of two or more dimensions but embeddings.
pub fn prunable(architecture: &Architecture) -> Vec<String> {
    architecture
        .pytorch_shapes()
        .into_iter()
        .filter(|(name, shape)| shape.len() >= 2 && !name.contains("embedding"))
        .map(|(name, _)| name)
        .collect()
}

fn check(sparsity: f32) -> Result<()> {
    if !(sparsity.is_finite() && (0.0..1.0).contains(&sparsity)) {
        return Err(Error::Settings(format!(
            "sparsity {sparsity}: from 0 (nothing pruned) to below 1 (everything)"
        )));
    }
    Ok(())
}

/// The `k`-th smallest magnitude of `values` (0-based), or `None` for no value.
fn kth_magnitude(values: impl Iterator<Item = f32>, k: usize) -> Option<f32> {
    let mut m: Vec<f32> = values.map(f32::abs).collect();
    if k >= m.len() {
        return None;
    }
    let (_, kth, _) = m.select_nth_unstable_by(k, f32::total_cmp);
    Some(*kth)
}

/// Keeps every weight above the threshold, and of those equal to it only as many as reach
/// exactly `drop` pruned (ties would otherwise prune more than asked).
fn keep_mask<'a>(tensors: impl Iterator<Item = &'a [f32]> + Clone, drop: usize) -> Vec<Vec<bool>> {
    let Some(threshold) = (drop > 0)
        .then(|| kth_magnitude(tensors.clone().flatten().copied(), drop - 1))
        .flatten()
    else {
        return tensors.map(|t| vec![true; t.len()]).collect();
    };
    let below = tensors
        .clone()
        .flatten()
        .filter(|v| v.abs() < threshold)
        .count();
    let mut ties_to_drop = drop - below;
    tensors
        .map(|t| {
            t.iter()
                .map(|v| match v.abs().total_cmp(&threshold) {
                    std::cmp::Ordering::Less => false,
                    std::cmp::Ordering::Equal if ties_to_drop > 0 => {
                        ties_to_drop -= 1;
                        false
                    }
                    _ => true,
                })
                .collect()
        })
        .collect()
}

/// The mask that prunes `sparsity` of the prunable weights of `weights`, by magnitude.
pub fn magnitude_mask(weights: &NetworkWeights, sparsity: f32, scope: Scope) -> Result<Mask> {
    check(sparsity)?;
    let names = prunable(&weights.architecture);
    let mut tensors = Vec::with_capacity(names.len());
    for name in &names {
        let t = weights
            .tensors
            .get(name)
            .ok_or_else(|| Error::Weights(format!("the weights have no tensor {name}")))?;
        tensors.push(t.as_slice());
    }
    let masks = match scope {
        Scope::Global => {
            let total: usize = tensors.iter().map(|t| t.len()).sum();
            keep_mask(
                tensors.iter().copied(),
                (sparsity * total as f32).round() as usize,
            )
        }
        Scope::PerLayer => tensors
            .iter()
            .flat_map(|t| {
                let drop = (sparsity * t.len() as f32).round() as usize;
                keep_mask(std::iter::once(*t), drop)
            })
            .collect(),
    };
    Ok(Mask {
        kept: names.into_iter().zip(masks).collect(),
    })
}

impl Mask {
    /// Sets every weight the mask does not keep to zero (after each fine-tuning step too, so
    /// that pruned weights stay pruned).
    pub fn apply(&self, weights: &mut NetworkWeights) -> Result<()> {
        for (name, kept) in &self.kept {
            let t = weights
                .tensors
                .get_mut(name)
                .filter(|t| t.len() == kept.len())
                .ok_or_else(|| {
                    Error::Weights(format!("the mask does not fit the tensor {name}"))
                })?;
            for (v, keep) in t.iter_mut().zip(kept) {
                if !keep {
                    *v = 0.0;
                }
            }
        }
        Ok(())
    }

    /// The share of masked weights pruned.
    pub fn sparsity(&self) -> f32 {
        let (pruned, all) = self.kept.values().fold((0, 0), |(p, a), k| {
            (p + k.iter().filter(|k| !**k).count(), a + k.len())
        });
        pruned as f32 / all.max(1) as f32
    }
}

/// The sparsities of pruning in `steps` steps toward `target`: Zhu & Gupta's cubic schedule,
/// fast at first, when the many small weights go, and slow at the end.
pub fn gradual(target: f32, steps: usize) -> Result<Vec<f32>> {
    check(target)?;
    if steps == 0 {
        return Err(Error::Settings(
            "pruning in steps needs at least one step".into(),
        ));
    }
    Ok((1..=steps)
        .map(|k| target * (1.0 - (1.0 - k as f32 / steps as f32).powi(3)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{BowConfig, Classifier, Input, MlpConfig};
    use burn::tensor::{Device, Tensor};

    fn mlp() -> NetworkWeights {
        let config = MlpConfig {
            hidden: vec![32, 16],
            ..MlpConfig::student(64, 10)
        };
        let net = crate::network::Architecture::from(config)
            .init(&Device::flex(), 3)
            .unwrap();
        NetworkWeights::from_network(&net).unwrap()
    }

    fn magnitudes(w: &NetworkWeights, mask: &Mask, kept: bool) -> Vec<f32> {
        mask.kept
            .iter()
            .flat_map(|(name, k)| {
                w.tensors[name]
                    .iter()
                    .zip(k)
                    .filter(move |(_, keep)| **keep == kept)
                    .map(|(v, _)| v.abs())
            })
            .collect()
    }

    #[test]
    fn global_pruning_drops_the_smallest_weights_to_the_sparsity_asked() {
        let w = mlp();
        let mask = magnitude_mask(&w, 0.7, Scope::Global).unwrap();
        // 64·32 + 32·16 + 16·10 prunable weights; the biases are not masked.
        assert_eq!(mask.kept.len(), 3);
        let total = 64 * 32 + 32 * 16 + 16 * 10;
        let pruned = (0.7 * total as f32).round() as usize;
        assert_eq!(mask.sparsity(), pruned as f32 / total as f32);
        let largest_pruned = magnitudes(&w, &mask, false).into_iter().fold(0.0, f32::max);
        let smallest_kept = magnitudes(&w, &mask, true)
            .into_iter()
            .fold(f32::MAX, f32::min);
        assert!(largest_pruned <= smallest_kept);
        let mut pruned_net = w.clone();
        mask.apply(&mut pruned_net).unwrap();
        let zeros: usize = mask
            .kept
            .keys()
            .map(|n| pruned_net.tensors[n].iter().filter(|v| **v == 0.0).count())
            .sum();
        assert_eq!(zeros, pruned);
        // It still runs.
        let device = Device::flex();
        let net = pruned_net.to_network(&device).unwrap();
        let logits = net.logits(Input::Features(Tensor::zeros([2, 64], &device)));
        assert_eq!(logits.dims(), [2, 10]);
    }

    #[test]
    fn per_layer_pruning_gives_every_layer_the_sparsity_and_ties_do_not_prune_more() {
        let mut w = mlp();
        let mask = magnitude_mask(&w, 0.5, Scope::PerLayer).unwrap();
        for (name, kept) in &mask.kept {
            let pruned = kept.iter().filter(|k| !**k).count();
            assert_eq!(pruned, (0.5 * kept.len() as f32).round() as usize, "{name}");
        }
        // Equal magnitudes everywhere: exactly the share asked goes, not every tied weight.
        for name in prunable(&w.architecture) {
            w.tensors.get_mut(&name).unwrap().fill(0.25);
        }
        let tied = magnitude_mask(&w, 0.3, Scope::Global).unwrap();
        let total = 64 * 32 + 32 * 16 + 16 * 10;
        let asked = (0.3 * total as f32).round() as usize;
        assert_eq!(tied.sparsity(), asked as f32 / total as f32);
        assert_eq!(
            magnitude_mask(&w, 0.0, Scope::Global).unwrap().sparsity(),
            0.0
        );
    }

    #[test]
    fn bad_sparsities_are_refused_and_embeddings_and_biases_are_left_whole() {
        let w = mlp();
        for bad in [1.0, -0.1, f32::NAN] {
            let err = magnitude_mask(&w, bad, Scope::Global)
                .unwrap_err()
                .to_string();
            assert!(err.contains("sparsity"), "{err}");
        }
        assert!(gradual(1.5, 3).is_err() && gradual(0.5, 0).is_err());
        let bow = crate::network::Architecture::from(BowConfig {
            vocab: 50,
            max_len: 8,
            embed: 4,
            hidden: vec![6],
            classes: 3,
        });
        assert_eq!(prunable(&bow), ["hidden.0.weight", "classifier.weight"]);
    }

    #[test]
    fn gradual_pruning_rises_fast_then_slow_to_the_target() {
        let s = gradual(0.8, 4).unwrap();
        assert_eq!(s.len(), 4);
        assert!((s[3] - 0.8).abs() < 1e-6);
        assert!(s.windows(2).all(|w| w[0] < w[1]));
        // Cubic: the first step takes more than a quarter of the way.
        assert!(s[0] > 0.8 / 4.0 && s[1] - s[0] > s[3] - s[2]);
    }
}
