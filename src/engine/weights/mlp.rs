//! An MLP's weights as the page keeps them: the architecture and one (weight, bias) pair per
//! linear layer. Files are read and written through [`NetworkWeights`], so an MLP file is
//! checked exactly as any other; this is its convenient shape.

use std::collections::BTreeMap;

use burn::tensor::Device;

use super::{FileInfo, NetworkWeights, WeightFormat};
use crate::error::{Error, Result};
use crate::network::{Architecture, Mlp, MlpConfig, Network, linear_from_host};

/// An MLP's weights on the host, in PyTorch layout.
#[derive(Clone, Debug, PartialEq)]
pub struct MlpWeights {
    pub config: MlpConfig,
    /// Per linear layer: weight `[out, in]` row-major, and bias `[out]`.
    pub layers: Vec<(Vec<f32>, Vec<f32>)>,
}

impl TryFrom<NetworkWeights> for MlpWeights {
    type Error = Error;
    fn try_from(mut w: NetworkWeights) -> Result<Self> {
        let Architecture::Mlp(config) = w.architecture else {
            return Err(Error::Weights(format!(
                "the file holds a {} ({}); an MLP is needed here",
                w.architecture.kind(),
                w.architecture.describe()
            )));
        };
        if !config.ranks.is_empty() || config.shared {
            return Err(Error::Weights(format!(
                "the file holds a factorized or shared MLP ({}); a plain one is needed here",
                config.describe()
            )));
        }
        let mut take = |name: String| {
            w.tensors
                .remove(&name)
                .ok_or_else(|| Error::Weights(format!("missing tensor {name}")))
        };
        let layers = (0..=config.depth())
            .map(|k| {
                Ok((
                    take(format!("{}.weight", 2 * k))?,
                    take(format!("{}.bias", 2 * k))?,
                ))
            })
            .collect::<Result<_>>()?;
        Ok(Self { config, layers })
    }
}

impl From<&MlpWeights> for NetworkWeights {
    fn from(w: &MlpWeights) -> Self {
        let mut tensors = BTreeMap::new();
        for (k, (weight, bias)) in w.layers.iter().enumerate() {
            tensors.insert(format!("{}.weight", 2 * k), weight.clone());
            tensors.insert(format!("{}.bias", 2 * k), bias.clone());
        }
        NetworkWeights {
            architecture: Architecture::Mlp(w.config.clone()),
            tensors,
        }
    }
}

impl From<MlpWeights> for NetworkWeights {
    fn from(w: MlpWeights) -> Self {
        NetworkWeights::from(&w)
    }
}

impl MlpWeights {
    /// Reads the weights synchronously (CPU devices; not WebGPU in a browser).
    pub fn from_mlp(net: &Mlp) -> Result<Self> {
        NetworkWeights::from_network(&Network::from(net))?.try_into()
    }

    /// Reads the weights asynchronously, as WebGPU in a browser requires.
    pub async fn from_mlp_async(net: &Mlp) -> Result<Self> {
        NetworkWeights::from_network_async(&Network::from(net))
            .await?
            .try_into()
    }

    /// Reads an MLP of the family synchronously (CPU devices).
    pub fn from_network(net: &Network) -> Result<Self> {
        NetworkWeights::from_network(net)?.try_into()
    }

    /// Reads an MLP of the family asynchronously, as WebGPU in a browser requires.
    pub async fn from_network_async(net: &Network) -> Result<Self> {
        NetworkWeights::from_network_async(net).await?.try_into()
    }

    /// Builds the network on `device`.
    pub fn to_mlp(&self, device: &Device) -> Result<Mlp> {
        if self.layers.len() != self.config.depth() + 1 {
            return Err(Error::Weights(format!(
                "{} layers of weights for the architecture {}",
                self.layers.len(),
                self.config.describe()
            )));
        }
        let mut linears = self
            .config
            .layer_shapes()
            .zip(&self.layers)
            .map(|((i, o), (w, b))| linear_from_host(w, b, i, o, device))
            .collect::<Vec<_>>();
        let output = linears
            .pop()
            .ok_or_else(|| Error::Weights("no layers".into()))?;
        Ok(Mlp {
            hidden: linears,
            output,
            down: Vec::new(),
            shared_depth: None,
            activation: self.config.activation,
            dropout: Default::default(),
        })
    }

    pub fn to_safetensors(&self, file: &FileInfo) -> Result<Vec<u8>> {
        NetworkWeights::from(self).to_safetensors(file)
    }

    pub fn from_safetensors(bytes: &[u8]) -> Result<(Self, FileInfo)> {
        let (w, info) = NetworkWeights::from_safetensors(bytes)?;
        Ok((w.try_into()?, info))
    }

    pub fn to_burnpack(&self, file: &FileInfo) -> Result<Vec<u8>> {
        NetworkWeights::from(self).to_burnpack(file)
    }

    pub fn from_burnpack(bytes: &[u8]) -> Result<(Self, FileInfo)> {
        let (w, info) = NetworkWeights::from_burnpack(bytes)?;
        Ok((w.try_into()?, info))
    }

    /// Reads either format, recognised by its first bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<(Self, FileInfo)> {
        let (w, info) = NetworkWeights::from_bytes(bytes)?;
        Ok((w.try_into()?, info))
    }

    pub fn to_format(&self, format: WeightFormat, file: &FileInfo) -> Result<Vec<u8>> {
        NetworkWeights::from(self).to_format(format, file)
    }
}
