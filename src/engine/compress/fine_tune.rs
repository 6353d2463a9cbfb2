//! Fine-tuning a compressed MLP. A pruned one with its mask held: after every step each layer's
//! weights are multiplied by the layer's mask, so a pruned weight stays zero while the kept ones
//! recover what the pruning cost (the parameters keep their ids, so the optimizer's moments
//! carry on). A factorized one as it is, in its own architecture. [`Tuner`] picks the way for a
//! point, a quantized one going to `qat`.

use burn::tensor::{Device, Tensor, TensorData};

use super::frontier::{Candidate, Recipe};
use super::prune::Mask;
use super::qat::QatTuning;
use crate::error::{Error, Result};
use crate::network::{Architecture, Mlp};
use crate::train::Trainer;
use crate::weights::NetworkWeights;

/// Each layer's mask (1 kept, 0 pruned) in burn's `[in, out]` layout, hidden layers then the
/// output, from a mask of the PyTorch names (`{2k}.weight`, `[out, in]`).
pub fn layer_masks(
    mask: &Mask,
    architecture: &Architecture,
    device: &Device,
) -> Result<Vec<Tensor<2>>> {
    let Architecture::Mlp(config) = architecture else {
        return Err(Error::Settings(
            "fine-tuning with a held mask is for MLPs so far".into(),
        ));
    };
    config
        .pytorch_shapes()
        .into_iter()
        .filter(|(name, _)| name.ends_with(".weight"))
        .map(|(name, shape)| {
            let [out, inp] = shape[..] else {
                return Err(Error::Weights(format!("{name} is not a matrix")));
            };
            let kept = mask
                .kept
                .get(&name)
                .filter(|k| k.len() == out * inp)
                .ok_or_else(|| Error::Weights(format!("the mask has no {name} of {out}×{inp}")))?;
            // Transposed: burn keeps a linear weight as [in, out].
            let mut values = vec![0.0; inp * out];
            for o in 0..out {
                for i in 0..inp {
                    values[i * out + o] = f32::from(u8::from(kept[o * inp + i]));
                }
            }
            Ok(Tensor::from_data(
                TensorData::new(values, [inp, out]),
                device,
            ))
        })
        .collect()
}

/// The MLP with each layer's weights times its mask.
pub fn hold(mut mlp: Mlp, masks: &[Tensor<2>]) -> Mlp {
    let layers = mlp
        .hidden
        .iter_mut()
        .chain(std::iter::once(&mut mlp.output));
    for (layer, mask) in layers.zip(masks) {
        let m = mask.clone();
        // A fresh leaf, as after an optimizer step: the product must not chain the graphs.
        layer.weight = layer
            .weight
            .clone()
            .map(|w| w.mul(m).detach().require_grad());
    }
    mlp
}

/// Fine-tuning in progress: a trainer started from a compressed network, and the mask it
/// holds, if any, one step at a time (the page's frontier runs it in turns).
pub struct Tuning {
    trainer: Trainer,
    masks: Option<Vec<Tensor<2>>>,
    left: usize,
}

impl Tuning {
    /// Starts `trainer`'s student from `start` (its architecture: a factorized network has its
    /// own) for `steps` steps, `mask` held after each.
    pub fn start(
        mut trainer: Trainer,
        start: &NetworkWeights,
        mask: Option<&Mask>,
        steps: usize,
        device: &Device,
    ) -> Result<Self> {
        trainer.restore(start.clone(), 0)?;
        let autodiff = device.clone().inner().autodiff();
        let masks = mask
            .map(|m| layer_masks(m, &start.architecture, &autodiff))
            .transpose()?;
        Ok(Self {
            trainer,
            masks,
            left: steps,
        })
    }

    /// One step; whether it was the last.
    pub fn step(&mut self) -> Result<bool> {
        if self.left > 0 {
            self.trainer.step()?;
            if let Some(masks) = &self.masks {
                self.trainer.map_network(|mlp| hold(mlp, masks));
            }
            self.left -= 1;
        }
        Ok(self.left == 0)
    }

    /// The network as it is now.
    pub fn weights(&self) -> Result<NetworkWeights> {
        NetworkWeights::from_network(&self.trainer.network())
    }

    /// Runs the steps left; the network at the end.
    pub fn finish(mut self) -> Result<NetworkWeights> {
        while !self.step()? {}
        self.weights()
    }
}

/// Fine-tuning a compressed point the way its recipe calls for: pruned with its mask held,
/// factorized as it is, quantized on its grid ([`QatTuning`]).
pub enum Tuner {
    Float(Tuning),
    OnGrid(QatTuning),
}

impl Tuner {
    pub fn start(trainer: Trainer, c: &Candidate, steps: usize, device: &Device) -> Result<Self> {
        Ok(match c.recipe {
            Recipe::Quantize(scheme) => Tuner::OnGrid(QatTuning::start(
                trainer, &c.weights, scheme, steps, device,
            )?),
            _ => Tuner::Float(Tuning::start(
                trainer,
                &c.weights,
                c.mask.as_ref(),
                steps,
                device,
            )?),
        })
    }

    /// One step; whether it was the last.
    pub fn step(&mut self) -> Result<bool> {
        match self {
            Tuner::Float(t) => t.step(),
            Tuner::OnGrid(t) => t.step(),
        }
    }

    pub fn weights(&self) -> Result<NetworkWeights> {
        match self {
            Tuner::Float(t) => t.weights(),
            Tuner::OnGrid(t) => t.weights(),
        }
    }

    /// Runs the steps left; the network at the end.
    pub fn finish(mut self) -> Result<NetworkWeights> {
        while !self.step()? {}
        self.weights()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compress::prune::{Scope, magnitude_mask};
    use crate::data::{TransferConfig, TransferSet, digits};
    use crate::network::MlpConfig;
    use crate::train::{DistillSettings, accuracy};

    #[test]
    fn a_pruned_mlp_recovers_with_its_pruned_weights_held_at_zero() {
        let device = Device::flex();
        let split = digits().unwrap();
        let set = TransferSet::build(&split.train, &TransferConfig::default(), 1).unwrap();
        let settings = DistillSettings {
            total_steps: 600,
            seed: 1,
            ..DistillSettings::default()
        };
        let config = MlpConfig {
            hidden: vec![64, 64],
            ..MlpConfig::student(64, 10)
        };
        let mut trainer = Trainer::supervised(config, set, settings, &device).unwrap();
        for _ in 0..300 {
            trainer.step().unwrap();
        }
        let dense = NetworkWeights::from_network(&trainer.network()).unwrap();
        let mask = magnitude_mask(&dense, 0.9, Scope::Global).unwrap();
        let mut pruned = dense.clone();
        mask.apply(&mut pruned).unwrap();
        let score = |w: &NetworkWeights| {
            accuracy(&w.to_network(&device).unwrap(), &split.test, &device).unwrap()
        };
        let (before, cut) = (score(&dense), score(&pruned));
        let tuned = Tuning::start(trainer, &pruned, Some(&mask), 300, &device)
            .unwrap()
            .finish()
            .unwrap();
        let after = score(&tuned);
        eprintln!("dense {before}, pruned {cut}, fine-tuned {after}");
        // Every pruned weight is still zero.
        for (name, kept) in &mask.kept {
            let t = &tuned.tensors[name];
            assert!(t.iter().zip(kept).all(|(v, k)| *k || *v == 0.0), "{name}");
        }
        // Measured: dense 94.4 %, pruned to 90 % sparsity 58.8 %, fine-tuned 91.1 %.
        assert!(after > cut + 0.2, "{cut} → {after}");
    }

    #[test]
    fn a_factorized_mlp_recovers_when_fine_tuned() {
        let device = Device::flex();
        let split = digits().unwrap();
        let set = TransferSet::build(&split.train, &TransferConfig::default(), 1).unwrap();
        let settings = DistillSettings {
            total_steps: 300,
            seed: 1,
            ..DistillSettings::default()
        };
        let config = MlpConfig {
            hidden: vec![64, 64],
            ..MlpConfig::student(64, 10)
        };
        let mut trainer =
            Trainer::supervised(config, set.clone(), settings.clone(), &device).unwrap();
        for _ in 0..300 {
            trainer.step().unwrap();
        }
        let dense = NetworkWeights::from_network(&trainer.network()).unwrap();
        let small = crate::compress::factorize::factorize(&dense, 2)
            .unwrap()
            .unwrap();
        let score = |w: &NetworkWeights| {
            accuracy(&w.to_network(&device).unwrap(), &split.test, &device).unwrap()
        };
        let (before, cut) = (score(&dense), score(&small));
        let tuner =
            Trainer::supervised(small.architecture.clone(), set, settings, &device).unwrap();
        let tuned = Tuning::start(tuner, &small, None, 300, &device)
            .unwrap()
            .finish()
            .unwrap();
        assert_eq!(tuned.architecture, small.architecture);
        let after = score(&tuned);
        eprintln!("dense {before}, rank 2 {cut}, fine-tuned {after}");
        // Measured: dense 94.4 %, rank 2 32.9 %, fine-tuned 58.5 %.
        assert!(after > cut + 0.1, "{cut} → {after}");
    }
}
