//! The networks the engine trains, as one family. Every member gives logits plus named *taps*:
//! the intermediate tensors that losses and layer mappings address (the hidden state of each
//! layer; attention maps where the kind has them) and that the page draws. The trainer holds a
//! [`Network`] and calls [`Network::forward`]; it never asks which kind it is, so a transformer
//! encoder, a BiLSTM or a network with an exit at every layer joins as one more variant of
//! [`Network`] and [`Architecture`], with its own [`Input`] if it reads tokens.
//!
//! Members: the multilayer perceptron ([`mlp`]).

pub mod mlp;

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::engine::error::Result;
pub use mlp::*;

/// What a network reads: a batch of feature rows (images, points). Text networks add a variant
/// for token ids and their padding mask.
#[derive(Clone, Debug)]
pub enum Input {
    /// `[batch, features]`.
    Features(Tensor<2>),
}

/// A tap's address: which intermediate tensor, of which layer (layers count from 1; the input
/// is not a layer). Written `hidden.3`, `attention.2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tap {
    /// The hidden state after layer `n`, `[batch, width]`.
    Hidden(usize),
    /// The attention probabilities of block `n`, `[batch, heads, query, key]`.
    Attention(usize),
}

impl std::fmt::Display for Tap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tap::Hidden(n) => write!(f, "hidden.{n}"),
            Tap::Attention(n) => write!(f, "attention.{n}"),
        }
    }
}

/// The intermediate tensors of one forward pass, by layer.
#[derive(Clone, Debug, Default)]
pub struct Taps {
    /// Index 0 is layer 1.
    hidden: Vec<Tensor<2>>,
    /// Index 0 is block 1; empty for kinds without attention.
    attention: Vec<Tensor<4>>,
}

impl Taps {
    pub fn new(hidden: Vec<Tensor<2>>, attention: Vec<Tensor<4>>) -> Self {
        Self { hidden, attention }
    }

    /// The hidden state after `layer` (1-based), if the network has that layer.
    pub fn hidden(&self, layer: usize) -> Option<&Tensor<2>> {
        layer.checked_sub(1).and_then(|i| self.hidden.get(i))
    }

    /// The attention probabilities of `block` (1-based), if the network has attention there.
    pub fn attention(&self, block: usize) -> Option<&Tensor<4>> {
        block.checked_sub(1).and_then(|i| self.attention.get(i))
    }

    /// Every tap there is, in order.
    pub fn names(&self) -> Vec<Tap> {
        let hidden = (1..=self.hidden.len()).map(Tap::Hidden);
        hidden
            .chain((1..=self.attention.len()).map(Tap::Attention))
            .collect()
    }
}

/// What one forward pass produces.
#[derive(Clone, Debug)]
pub struct Forward {
    pub logits: Tensor<2>,
    pub taps: Taps,
}

/// The contract of every member of the family (and of [`Network`], which holds any of them).
pub trait Classifier {
    /// Logits and every tap.
    fn forward(&self, input: Input) -> Forward;

    /// Logits only, without keeping the taps.
    fn logits(&self, input: Input) -> Tensor<2> {
        self.forward(input).logits
    }

    /// The architecture, read off the weights.
    fn architecture(&self) -> Architecture;
}

/// A network's architecture: what a weight file declares (tagged with its kind) and what the
/// trainer builds from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Architecture {
    Mlp(MlpConfig),
}

impl From<MlpConfig> for Architecture {
    fn from(config: MlpConfig) -> Self {
        Architecture::Mlp(config)
    }
}

impl From<&MlpConfig> for Architecture {
    fn from(config: &MlpConfig) -> Self {
        Architecture::Mlp(config.clone())
    }
}

impl Architecture {
    pub fn kind(&self) -> &'static str {
        match self {
            Architecture::Mlp(_) => "mlp",
        }
    }

    pub fn validate(&self) -> Result<()> {
        match self {
            Architecture::Mlp(c) => c.validate(),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Architecture::Mlp(c) => c.describe(),
        }
    }

    /// Features (or, for text, the vocabulary) in, classes out.
    pub fn inputs(&self) -> usize {
        match self {
            Architecture::Mlp(c) => c.inputs,
        }
    }

    pub fn classes(&self) -> usize {
        match self {
            Architecture::Mlp(c) => c.classes,
        }
    }

    /// Layers a mapping can address (hidden layers; blocks for transformers).
    pub fn depth(&self) -> usize {
        match self {
            Architecture::Mlp(c) => c.depth(),
        }
    }

    /// Width of the hidden state after `layer` (1-based).
    pub fn width(&self, layer: usize) -> Option<usize> {
        match self {
            Architecture::Mlp(c) => c.width(layer),
        }
    }

    /// Trainable parameters, counted in u64 and saturating (checked before anything is built).
    pub fn declared_params(&self) -> u64 {
        match self {
            Architecture::Mlp(c) => c.declared_params(),
        }
    }

    /// A fresh network of this architecture, initialised from `seed`.
    pub fn init(&self, device: &Device, seed: u64) -> Result<Network> {
        match self {
            Architecture::Mlp(c) => Ok(Network::Mlp(c.init(device, seed)?)),
        }
    }
}

/// Any member of the family, as one burn module (so the trainer and its optimizer hold one type).
#[derive(Module, Debug)]
pub enum Network {
    Mlp(Mlp),
}

impl From<Mlp> for Network {
    fn from(net: Mlp) -> Self {
        Network::Mlp(net)
    }
}

impl From<&Mlp> for Network {
    fn from(net: &Mlp) -> Self {
        Network::Mlp(net.clone())
    }
}

impl Network {
    /// The MLP inside, if this is one.
    pub fn as_mlp(&self) -> Option<&Mlp> {
        match self {
            Network::Mlp(net) => Some(net),
        }
    }
}

impl Classifier for Network {
    fn forward(&self, input: Input) -> Forward {
        match self {
            Network::Mlp(net) => net.forward(input),
        }
    }

    fn logits(&self, input: Input) -> Tensor<2> {
        match self {
            Network::Mlp(net) => net.logits(input),
        }
    }

    fn architecture(&self) -> Architecture {
        match self {
            Network::Mlp(net) => Classifier::architecture(net),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::TensorData;

    #[test]
    fn the_architecture_names_its_kind_and_reads_back() {
        let arch = Architecture::from(MlpConfig::student(64, 10));
        let json = serde_json::to_value(&arch).unwrap();
        assert_eq!(json["kind"], "mlp");
        assert_eq!(json["hidden"], serde_json::json!([32, 32, 32]));
        assert_eq!(serde_json::from_value::<Architecture>(json).unwrap(), arch);
        let unknown = serde_json::json!({"kind": "perceiver", "inputs": 3});
        assert!(serde_json::from_value::<Architecture>(unknown).is_err());
    }

    #[test]
    fn a_network_gives_logits_and_named_taps() {
        let device = Device::flex();
        let arch = Architecture::from(MlpConfig::student(64, 10));
        let net = arch.init(&device, 3).unwrap();
        assert_eq!(net.architecture(), arch);
        let x = Tensor::<2>::from_data(TensorData::new(vec![0.5; 5 * 64], [5, 64]), &device);
        let out = net.forward(Input::Features(x.clone()));
        assert_eq!(out.logits.dims(), [5, 10]);
        let names: Vec<String> = out.taps.names().iter().map(Tap::to_string).collect();
        assert_eq!(names, ["hidden.1", "hidden.2", "hidden.3"]);
        assert_eq!(out.taps.hidden(3).unwrap().dims(), [5, 32]);
        assert!(out.taps.hidden(0).is_none() && out.taps.hidden(4).is_none());
        assert!(out.taps.attention(1).is_none(), "an MLP has no attention");
        let logits = net.logits(Input::Features(x));
        let diff = (logits - out.logits).abs().max().into_scalar::<f32>();
        assert_eq!(diff, 0.0);
    }
}
