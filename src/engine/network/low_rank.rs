//! Factorized MLP layers: a linear layer of rank r stored as two, `in → r` (no bias) then
//! `r → out`, which is what truncated SVD leaves (see `compress::factorize`). An MLP's `ranks`
//! say which layers are factorized; PyTorch sees each as two `nn.Linear` in its `nn.Sequential`.

use burn::module::Param;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor, TensorData};

use super::mlp::{Mlp, MlpConfig};
use super::torch::{TorchTensors, TorchValues};
use crate::engine::error::{Error, Result};

/// One linear layer of an MLP as PyTorch names it: the `nn.Sequential` index of its first
/// module, and the rank it is factorized to, if it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SequentialLayer {
    pub index: usize,
    pub inputs: usize,
    pub outputs: usize,
    pub rank: Option<usize>,
}

impl SequentialLayer {
    /// PyTorch names and shapes: `{i}.weight` (and `{i+1}.weight`, `{i+1}.bias` when factorized).
    pub fn shapes(&self) -> Vec<(String, Vec<usize>)> {
        let (i, o) = (self.inputs, self.outputs);
        match self.rank {
            None => vec![
                (format!("{}.weight", self.index), vec![o, i]),
                (format!("{}.bias", self.index), vec![o]),
            ],
            Some(r) => vec![
                (format!("{}.weight", self.index), vec![r, i]),
                (format!("{}.weight", self.index + 1), vec![o, r]),
                (format!("{}.bias", self.index + 1), vec![o]),
            ],
        }
    }

    /// The PyTorch prefix of the layer that carries the bias (the second when factorized).
    pub fn biased_prefix(&self) -> String {
        (self.index + usize::from(self.rank.is_some())).to_string()
    }

    /// Parameters: `r (in + out) + out` when factorized.
    pub fn params(&self) -> u64 {
        let (i, o) = (self.inputs as u64, self.outputs as u64);
        let weights = match self.rank {
            None => i.saturating_mul(o),
            Some(r) => (r as u64).saturating_mul(i.saturating_add(o)),
        };
        weights.saturating_add(o)
    }
}

impl MlpConfig {
    /// The rank of linear layer `k` (hidden layers from 0, then the output), if factorized.
    pub fn rank(&self, k: usize) -> Option<usize> {
        self.ranks.get(k).copied().filter(|r| *r > 0)
    }

    /// Every linear layer with its `nn.Sequential` index: a factorized layer takes two modules,
    /// and an activation follows each hidden layer.
    pub fn sequential(&self) -> Vec<SequentialLayer> {
        let mut index = 0;
        self.layer_shapes()
            .enumerate()
            .map(|(k, (inputs, outputs))| {
                let layer = SequentialLayer {
                    index,
                    inputs,
                    outputs,
                    rank: self.rank(k),
                };
                index += 2 + usize::from(layer.rank.is_some());
                layer
            })
            .collect()
    }

    /// Ranks are optional; when given there is one per linear layer (0: not factorized), each
    /// at least 1 and below both of its layer's sizes.
    pub fn validate_ranks(&self) -> Result<()> {
        if self.ranks.is_empty() {
            return Ok(());
        }
        let layers = self.depth() + 1;
        if self.ranks.len() != layers {
            return Err(Error::ModelConfig(format!(
                "{} ranks for {layers} linear layers",
                self.ranks.len()
            )));
        }
        for (k, (i, o)) in self.layer_shapes().enumerate() {
            if let Some(r) = self.rank(k).filter(|r| *r >= i.min(o)) {
                return Err(Error::ModelConfig(format!(
                    "layer {} ({i}→{o}) cannot be factorized to rank {r}: the rank must be below {}",
                    k + 1,
                    i.min(o)
                )));
            }
        }
        Ok(())
    }

    /// ", ranks 8/8/full" when factorized, else nothing.
    pub fn describe_ranks(&self) -> String {
        if self.ranks.iter().all(|r| *r == 0) {
            return String::new();
        }
        let each: Vec<String> = (0..=self.depth())
            .map(|k| self.rank(k).map_or("full".into(), |r| r.to_string()))
            .collect();
        format!(", ranks {}", each.join("/"))
    }
}

/// A bias-free linear layer from host values in PyTorch's `[out, in]` layout.
pub fn projection_from_host(
    weight_out_in: &[f32],
    inputs: usize,
    outputs: usize,
    device: &Device,
) -> Linear {
    let mut w = vec![0.0; inputs * outputs];
    for o in 0..outputs {
        for i in 0..inputs {
            w[i * outputs + o] = weight_out_in[o * inputs + i];
        }
    }
    Linear {
        weight: Param::from_tensor(Tensor::<2>::from_data(
            TensorData::new(w, [inputs, outputs]),
            device,
        )),
        bias: None,
    }
}

impl Mlp {
    /// Linear layer `k` (hidden layers from 0, then the output), through its factor if it has one.
    pub fn layer_forward(&self, k: usize, x: Tensor<2>) -> Tensor<2> {
        let x = match self.down.get(k).and_then(Option::as_ref) {
            Some(down) => down.forward(x),
            None => x,
        };
        self.hidden.get(k).unwrap_or(&self.output).forward(x)
    }

    /// Every tensor by PyTorch name (`nn.Sequential` indices), in PyTorch layout.
    pub fn torch_tensors(&self) -> TorchTensors {
        let mut out = Vec::new();
        let layers = self.hidden.iter().chain([&self.output]);
        for (k, (layer, linear)) in self.config().sequential().iter().zip(layers).enumerate() {
            if let Some(down) = self.down.get(k).and_then(Option::as_ref) {
                out.push((
                    format!("{}.weight", layer.index),
                    down.weight.val().transpose(),
                ));
            }
            super::torch::push_linear(&mut out, &layer.biased_prefix(), linear);
        }
        out
    }

    /// An MLP from checked PyTorch-layout values.
    pub fn from_torch(config: &MlpConfig, values: &TorchValues) -> Result<Self> {
        let mut linears = Vec::new();
        let mut down = Vec::new();
        for layer in config.sequential() {
            let width = layer.rank.unwrap_or(layer.inputs);
            down.push(match layer.rank {
                Some(r) => {
                    Some(values.projection(&format!("{}.weight", layer.index), layer.inputs, r)?)
                }
                None => None,
            });
            linears.push(values.linear(&layer.biased_prefix(), width, layer.outputs)?);
        }
        let output = linears
            .pop()
            .ok_or_else(|| Error::Weights("no layers".into()))?;
        Ok(Mlp {
            hidden: linears,
            output,
            down: if config.ranks.is_empty() {
                Vec::new()
            } else {
                down
            },
            activation: config.activation,
            dropout: Default::default(),
        })
    }
}
