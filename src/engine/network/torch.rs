//! PyTorch names and layouts of the family's weights, both ways.
//!
//! Export: every network lists its tensors by PyTorch name, as device tensors already in
//! PyTorch's layout (linear weights transposed to `[out, in]`; vectors as one row), in the order
//! of its architecture's `pytorch_shapes`. Import: [`TorchValues`] hands out checked host values
//! by name and builds burn modules from them.

use std::collections::BTreeMap;

use burn::module::Param;
use burn::nn::{Embedding, LayerNorm, LayerNormConfig, Linear};
use burn::tensor::{Device, Tensor, TensorData};

use super::linear_from_host;
use super::tokens::embedding_from_host;
use crate::error::{Error, Result};

/// Tensors by PyTorch name, in PyTorch layout, still on the device.
pub type TorchTensors = Vec<(String, Tensor<2>)>;

pub fn push_linear(out: &mut TorchTensors, prefix: &str, layer: &Linear) {
    out.push((format!("{prefix}.weight"), layer.weight.val().transpose()));
    let [_, outputs] = layer.weight.dims();
    let bias = match &layer.bias {
        Some(b) => b.val(),
        None => Tensor::zeros([outputs], &layer.weight.device()),
    };
    out.push((format!("{prefix}.bias"), bias.unsqueeze_dim(0)));
}

pub fn push_norm(out: &mut TorchTensors, prefix: &str, norm: &LayerNorm) {
    out.push((
        format!("{prefix}.weight"),
        norm.gamma.val().unsqueeze_dim(0),
    ));
    let [d] = norm.gamma.dims();
    let beta = match &norm.beta {
        Some(b) => b.val(),
        None => Tensor::zeros([d], &norm.gamma.device()),
    };
    out.push((format!("{prefix}.bias"), beta.unsqueeze_dim(0)));
}

pub fn push_embedding(out: &mut TorchTensors, name: &str, e: &Embedding) {
    out.push((format!("{name}.weight"), e.weight.val()));
}

/// Host values by PyTorch name, each already checked against its architecture's shape.
pub struct TorchValues<'a> {
    pub values: &'a BTreeMap<String, Vec<f32>>,
    pub device: &'a Device,
}

impl TorchValues<'_> {
    pub fn get(&self, name: &str) -> Result<&[f32]> {
        self.values
            .get(name)
            .map(Vec::as_slice)
            .ok_or_else(|| Error::Weights(format!("missing tensor {name}")))
    }

    pub fn linear(&self, prefix: &str, inputs: usize, outputs: usize) -> Result<Linear> {
        let w = self.get(&format!("{prefix}.weight"))?;
        let b = self.get(&format!("{prefix}.bias"))?;
        if w.len() != inputs * outputs || b.len() != outputs {
            return Err(Error::Weights(format!("{prefix} has the wrong size")));
        }
        Ok(linear_from_host(w, b, inputs, outputs, self.device))
    }

    /// A bias-free linear layer stored as `name`, `[out, in]`.
    pub fn projection(&self, name: &str, inputs: usize, outputs: usize) -> Result<Linear> {
        let w = self.get(name)?;
        if w.len() != inputs * outputs {
            return Err(Error::Weights(format!("{name} has the wrong size")));
        }
        Ok(super::mlp_layers::projection_from_host(
            w,
            inputs,
            outputs,
            self.device,
        ))
    }

    /// A linear layer whose weight `[out, in]` and bias are stored under names of their own.
    pub fn linear_named(
        &self,
        weight: &str,
        bias: &str,
        inputs: usize,
        outputs: usize,
    ) -> Result<Linear> {
        let (w, b) = (self.get(weight)?, self.get(bias)?);
        if w.len() != inputs * outputs || b.len() != outputs {
            return Err(Error::Weights(format!("{weight} has the wrong size")));
        }
        Ok(linear_from_host(w, b, inputs, outputs, self.device))
    }

    /// A linear layer stored as `{prefix}_weight` / `{prefix}_bias` (nn.MultiheadAttention's
    /// fused input projection).
    pub fn linear_fused(&self, prefix: &str, inputs: usize, outputs: usize) -> Result<Linear> {
        let w = self.get(&format!("{prefix}_weight"))?;
        let b = self.get(&format!("{prefix}_bias"))?;
        if w.len() != inputs * outputs || b.len() != outputs {
            return Err(Error::Weights(format!("{prefix} has the wrong size")));
        }
        Ok(linear_from_host(w, b, inputs, outputs, self.device))
    }

    pub fn norm(&self, prefix: &str, width: usize) -> Result<LayerNorm> {
        self.norm_with_epsilon(prefix, width, 1e-5)
    }

    /// A layer norm whose ε is not burn's default (BERT's is 10⁻¹²).
    pub fn norm_with_epsilon(&self, prefix: &str, width: usize, eps: f64) -> Result<LayerNorm> {
        let mut norm = LayerNormConfig::new(width)
            .with_epsilon(eps)
            .init(self.device);
        let vector = |name: String| -> Result<Param<Tensor<1>>> {
            let v = self.get(&name)?;
            if v.len() != width {
                return Err(Error::Weights(format!("{name} has the wrong size")));
            }
            Ok(Param::from_tensor(Tensor::from_data(
                TensorData::new(v.to_vec(), [width]),
                self.device,
            )))
        };
        norm.gamma = vector(format!("{prefix}.weight"))?;
        norm.beta = Some(vector(format!("{prefix}.bias"))?);
        Ok(norm)
    }

    pub fn embedding(&self, name: &str, rows: usize, width: usize) -> Result<Embedding> {
        let v = self.get(&format!("{name}.weight"))?;
        if v.len() != rows * width {
            return Err(Error::Weights(format!("{name} has the wrong size")));
        }
        Ok(embedding_from_host(v.to_vec(), rows, width, self.device))
    }
}
