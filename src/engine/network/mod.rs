//! The networks the engine trains, as one family. Every member gives logits plus named *taps*:
//! the intermediate tensors that losses and layer mappings address (the hidden state of each
//! layer; attention maps where the kind has them) and that the page draws. The trainer holds a
//! [`Network`] and calls [`Network::forward`]; it never asks which kind it is, so a transformer
//! encoder, a BiLSTM or a network with an exit at every layer joins as one more variant of
//! [`Network`] and [`Architecture`], with its own [`Input`] if it reads tokens.
//!
//! Members: the multilayer perceptron ([`mlp`]), the conv net ([`cnn`]), the transformer
//! encoder ([`transformer`]), the BiLSTM ([`bilstm`]), the bag of words ([`bow`]) and BERT
//! ([`bert`]).

pub mod attention_maps;
pub mod bert;
pub mod bilstm;
pub mod bow;
pub mod cnn;
pub mod ensemble;
pub mod mlp;
pub mod mlp_layers;
pub mod spec;
pub mod taps;
pub mod tokens;
pub mod torch;
pub mod transformer;

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::error::Result;
pub use attention_maps::{AttentionMaps, attention_maps};
pub use bert::{Bert, BertConfig};
pub use bilstm::{BiLstm, BiLstmConfig};
pub use bow::{Bow, BowConfig};
pub use cnn::{Cnn, CnnConfig, FirstBlock};
pub use ensemble::Ensemble;
pub use mlp::*;
pub use spec::NetKind;
pub use taps::{Forward, Input, Qkv, Tap, Taps};
pub use transformer::{Transformer, TransformerConfig};

/// Most rows in one forward pass outside training.
pub const MAX_ROWS_PER_PASS: u64 = 1024;
/// Attention scores one evaluation pass may hold (one block's, as the blocks run in turn).
pub const ATTENTION_BYTES: u64 = 64 << 20;
/// Attention maps a training step may hold for its backward pass.
pub const TRAINING_ATTENTION_BYTES: u64 = 1 << 30;

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
    Transformer(TransformerConfig),
    #[serde(rename = "bilstm")]
    BiLstm(BiLstmConfig),
    Bow(BowConfig),
    /// A pretrained BERT-family encoder (MiniLM) with a classifier.
    Bert(BertConfig),
    Cnn(CnnConfig),
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
            Architecture::Transformer(_) => "transformer",
            Architecture::BiLstm(_) => "bilstm",
            Architecture::Bow(_) => "bow",
            Architecture::Bert(_) => "bert",
            Architecture::Cnn(_) => "cnn",
        }
    }

    pub fn validate(&self) -> Result<()> {
        match self {
            Architecture::Mlp(c) => c.validate(),
            Architecture::Transformer(c) => c.validate(),
            Architecture::BiLstm(c) => c.validate(),
            Architecture::Bow(c) => c.validate(),
            Architecture::Bert(c) => c.validate(),
            Architecture::Cnn(c) => c.validate(),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Architecture::Mlp(c) => c.describe(),
            Architecture::Transformer(c) => c.describe(),
            Architecture::BiLstm(c) => c.describe(),
            Architecture::Bow(c) => c.describe(),
            Architecture::Bert(c) => c.describe(),
            Architecture::Cnn(c) => c.describe(),
        }
    }

    /// Values per input row: features, or token positions for text.
    pub fn inputs(&self) -> usize {
        match self {
            Architecture::Mlp(c) => c.inputs,
            Architecture::Transformer(c) => c.max_len,
            Architecture::BiLstm(c) => c.max_len,
            Architecture::Bow(c) => c.max_len,
            Architecture::Bert(c) => c.max_len,
            Architecture::Cnn(c) => c.side * c.side,
        }
    }

    /// The vocabulary size of a network that reads tokens.
    pub fn vocab(&self) -> Option<usize> {
        match self {
            Architecture::Mlp(_) | Architecture::Cnn(_) => None,
            Architecture::Transformer(c) => Some(c.vocab),
            Architecture::BiLstm(c) => Some(c.vocab),
            Architecture::Bow(c) => Some(c.vocab),
            Architecture::Bert(c) => Some(c.vocab),
        }
    }

    /// Dropout while training (transformers; the other kinds have none).
    pub fn dropout(&self) -> f32 {
        match self {
            Architecture::Transformer(c) => c.dropout,
            Architecture::Bert(c) => c.dropout,
            _ => 0.0,
        }
    }

    /// Attention heads per block, for kinds with attention.
    pub fn heads(&self) -> Option<usize> {
        match self {
            Architecture::Transformer(c) => Some(c.heads),
            Architecture::Bert(c) => Some(c.heads),
            _ => None,
        }
    }

    /// Positions of the hidden state after `layer`: one per token, or 1 after pooling.
    pub fn positions(&self, layer: usize) -> usize {
        match self {
            Architecture::Mlp(_) => 1,
            Architecture::Transformer(c) => c.max_len,
            Architecture::Bert(c) => c.max_len,
            Architecture::BiLstm(c) if layer <= 1 => c.max_len,
            Architecture::Bow(c) if layer == 0 => c.max_len,
            Architecture::BiLstm(_) | Architecture::Bow(_) => 1,
            Architecture::Cnn(c) => c.positions(layer),
        }
    }

    pub fn classes(&self) -> usize {
        match self {
            Architecture::Mlp(c) => c.classes,
            Architecture::Transformer(c) => c.classes,
            Architecture::BiLstm(c) => c.classes,
            Architecture::Bow(c) => c.classes,
            Architecture::Bert(c) => c.classes,
            Architecture::Cnn(c) => c.classes,
        }
    }

    /// Layers a mapping can address (hidden layers; blocks for transformers).
    pub fn depth(&self) -> usize {
        match self {
            Architecture::Mlp(c) => c.depth(),
            Architecture::Transformer(c) => c.blocks,
            Architecture::BiLstm(_) => 2,
            Architecture::Bow(c) => c.hidden.len(),
            Architecture::Bert(c) => c.layers,
            Architecture::Cnn(c) => c.channels.len(),
        }
    }

    /// Width of the hidden state after `layer` (1-based; 0 is the embedding output of the
    /// networks that embed tokens).
    pub fn width(&self, layer: usize) -> Option<usize> {
        match self {
            Architecture::Mlp(c) => c.width(layer),
            Architecture::Transformer(c) => (layer <= c.blocks).then_some(c.width),
            Architecture::BiLstm(c) => c.width(layer),
            Architecture::Bow(c) => c.width(layer),
            Architecture::Bert(c) => (layer <= c.layers).then_some(c.width),
            Architecture::Cnn(c) => c.width(layer),
        }
    }

    /// Width of every layer a mapping can address, first to last.
    pub fn hidden_widths(&self) -> Vec<usize> {
        (1..=self.depth()).filter_map(|l| self.width(l)).collect()
    }

    /// Rows of `positions` tokens (or features) one forward pass may take: 1,024 at most, fewer
    /// where one chunk's attention scores (heads × positions² floats a row, per block as it
    /// runs) would pass [`ATTENTION_BYTES`]. Evaluation and the teacher's cache chunk by it.
    pub fn rows_per_pass(&self, positions: usize) -> usize {
        let per_row = self.attention_bytes_per_row(positions).max(1);
        (ATTENTION_BYTES / per_row).clamp(1, MAX_ROWS_PER_PASS) as usize
    }

    /// Bytes of one block's attention scores for one row of `positions` tokens (0 without
    /// attention).
    pub fn attention_bytes_per_row(&self, positions: usize) -> u64 {
        let heads = self.heads().unwrap_or(0) as u64;
        let p = positions as u64;
        heads.saturating_mul(p).saturating_mul(p).saturating_mul(4)
    }

    /// Refuses a training batch whose attention maps would pass [`TRAINING_ATTENTION_BYTES`],
    /// saying which batch would fit. A network that learns keeps every block's maps for the
    /// backward pass (scores, probabilities and their gradients: about three copies a block);
    /// a frozen teacher holds one block's scores and probabilities at a time.
    pub fn check_training_batch(&self, batch: usize, positions: usize, learns: bool) -> Result<()> {
        let copies = match (self.heads(), learns) {
            (None, _) => 0,
            (Some(_), true) => 3 * self.depth() as u64,
            (Some(_), false) => 2,
        };
        let per_row = self
            .attention_bytes_per_row(positions)
            .saturating_mul(copies);
        if per_row == 0 || (batch as u64).saturating_mul(per_row) <= TRAINING_ATTENTION_BYTES {
            return Ok(());
        }
        Err(crate::error::Error::Settings(format!(
            "a batch of {batch} would hold {:.0} MB of attention maps for {}; at most {} rows fit",
            (batch as u64).saturating_mul(per_row) as f64 / 1e6,
            self.describe(),
            (TRAINING_ATTENTION_BYTES / per_row).max(1)
        )))
    }

    /// Trainable parameters, counted in u64 and saturating (checked before anything is built).
    pub fn declared_params(&self) -> u64 {
        match self {
            Architecture::Mlp(c) => c.declared_params(),
            Architecture::Transformer(c) => c.declared_params(),
            Architecture::BiLstm(c) => c.declared_params(),
            Architecture::Bow(c) => c.declared_params(),
            Architecture::Bert(c) => c.declared_params(),
            Architecture::Cnn(c) => c.declared_params(),
        }
    }

    /// Every tensor of a PyTorch-layout weight file of this architecture, with its shape, in
    /// file order.
    pub fn pytorch_shapes(&self) -> Vec<(String, Vec<usize>)> {
        match self {
            Architecture::Mlp(c) => c.pytorch_shapes(),
            Architecture::Transformer(c) => c.pytorch_shapes(),
            Architecture::BiLstm(c) => c.pytorch_shapes(),
            Architecture::Bow(c) => c.pytorch_shapes(),
            Architecture::Bert(c) => c.pytorch_shapes(),
            Architecture::Cnn(c) => c.pytorch_shapes(),
        }
    }

    /// A fresh network of this architecture, initialised from `seed`.
    pub fn init(&self, device: &Device, seed: u64) -> Result<Network> {
        match self {
            Architecture::Mlp(c) => Ok(Network::Mlp(c.init(device, seed)?)),
            Architecture::Transformer(c) => Ok(Network::Transformer(c.init(device, seed)?)),
            Architecture::BiLstm(c) => Ok(Network::BiLstm(c.init(device, seed)?)),
            Architecture::Bow(c) => Ok(Network::Bow(c.init(device, seed)?)),
            Architecture::Bert(c) => Ok(Network::Bert(c.init(device, seed)?)),
            Architecture::Cnn(c) => Ok(Network::Cnn(c.init(device, seed)?)),
        }
    }
}

/// Any member of the family, as one burn module (so the trainer and its optimizer hold one type).
// burn's Module derive does not see through a Box; a network is built once and moved rarely.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Network {
    Mlp(Mlp),
    Transformer(Transformer),
    BiLstm(BiLstm),
    Bow(Bow),
    Bert(Bert),
    Cnn(Cnn),
}

impl Network {
    /// Dropout while training, for an MLP (the other kinds carry theirs in their configuration).
    pub fn set_mlp_dropout(&mut self, dropout: MlpDropout) {
        if let Network::Mlp(m) = self {
            m.dropout = dropout;
        }
    }
}

impl From<Mlp> for Network {
    fn from(net: Mlp) -> Self {
        Network::Mlp(net)
    }
}

impl From<Transformer> for Network {
    fn from(net: Transformer) -> Self {
        Network::Transformer(net)
    }
}

impl From<BiLstmConfig> for Architecture {
    fn from(config: BiLstmConfig) -> Self {
        Architecture::BiLstm(config)
    }
}

impl From<CnnConfig> for Architecture {
    fn from(config: CnnConfig) -> Self {
        Architecture::Cnn(config)
    }
}

impl From<BowConfig> for Architecture {
    fn from(config: BowConfig) -> Self {
        Architecture::Bow(config)
    }
}

impl From<TransformerConfig> for Architecture {
    fn from(config: TransformerConfig) -> Self {
        Architecture::Transformer(config)
    }
}

impl From<Bert> for Network {
    fn from(net: Bert) -> Self {
        Network::Bert(net)
    }
}

impl From<Cnn> for Network {
    fn from(net: Cnn) -> Self {
        Network::Cnn(net)
    }
}

impl From<Bow> for Network {
    fn from(net: Bow) -> Self {
        Network::Bow(net)
    }
}

impl From<BiLstm> for Network {
    fn from(net: BiLstm) -> Self {
        Network::BiLstm(net)
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
            _ => None,
        }
    }
}

impl Network {
    /// Every tensor by PyTorch name, in PyTorch layout, on the network's device (read them with
    /// the sync or async reads as the device requires).
    pub fn torch_tensors(&self) -> torch::TorchTensors {
        match self {
            Network::Mlp(net) => net.torch_tensors(),
            Network::Transformer(net) => net.torch_tensors(),
            Network::BiLstm(net) => net.torch_tensors(),
            Network::Bow(net) => net.torch_tensors(),
            Network::Bert(net) => net.torch_tensors(),
            Network::Cnn(net) => net.torch_tensors(),
        }
    }

    /// The word-embedding table `[vocab, width]` of a network that embeds tokens (Tang's word
    /// replacement draws neighbours from the teacher's).
    pub fn token_embeddings(&self) -> Option<Tensor<2>> {
        match self {
            Network::Mlp(_) | Network::Cnn(_) => None,
            Network::Transformer(net) => Some(net.token_embedding.weight.val()),
            Network::BiLstm(net) => Some(net.embedding.weight.val()),
            Network::Bow(net) => Some(net.embedding.weight.val()),
            Network::Bert(net) => Some(net.word_embeddings.weight.val()),
        }
    }

    /// A network of `architecture` from PyTorch-layout values checked against its shapes.
    pub fn from_torch(architecture: &Architecture, values: &torch::TorchValues) -> Result<Self> {
        Ok(match architecture {
            Architecture::Mlp(c) => Network::Mlp(Mlp::from_torch(c, values)?),
            Architecture::Transformer(c) => {
                Network::Transformer(Transformer::from_torch(c, values)?)
            }
            Architecture::BiLstm(c) => Network::BiLstm(BiLstm::from_torch(c, values)?),
            Architecture::Bow(c) => Network::Bow(Bow::from_torch(c, values)?),
            Architecture::Bert(c) => Network::Bert(Bert::from_torch(c, values)?),
            Architecture::Cnn(c) => Network::Cnn(Cnn::from_torch(c, values)?),
        })
    }
}

impl Classifier for Network {
    fn forward(&self, input: Input) -> Forward {
        match self {
            Network::Mlp(net) => net.forward(input),
            Network::Transformer(net) => net.forward(input),
            Network::BiLstm(net) => net.forward(input),
            Network::Bow(net) => net.forward(input),
            Network::Bert(net) => net.forward(input),
            Network::Cnn(net) => net.forward(input),
        }
    }

    fn logits(&self, input: Input) -> Tensor<2> {
        match self {
            Network::Mlp(net) => net.logits(input),
            Network::Transformer(net) => net.logits(input),
            Network::BiLstm(net) => net.logits(input),
            Network::Bow(net) => net.logits(input),
            Network::Bert(net) => net.logits(input),
            Network::Cnn(net) => net.logits(input),
        }
    }

    fn architecture(&self) -> Architecture {
        match self {
            Network::Mlp(net) => Classifier::architecture(net),
            Network::Transformer(net) => net.architecture(),
            Network::BiLstm(net) => net.architecture(),
            Network::Bow(net) => net.architecture(),
            Network::Bert(net) => net.architecture(),
            Network::Cnn(net) => net.architecture(),
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

    fn long_transformer(heads: usize) -> Architecture {
        Architecture::Transformer(TransformerConfig {
            vocab: 6,
            max_len: 512,
            width: 64,
            heads,
            blocks: 1,
            ff: 64,
            classes: 3,
            dropout: 0.0,
        })
    }

    /// A file may declare a 512-token transformer of 16 heads (a few hundred KB): evaluating it
    /// 1,024 rows at a time would ask for 17 GB of scores, so its passes take 4 rows, and the
    /// logits are the same as one row at a time.
    #[test]
    fn passes_are_sized_by_attention_memory() {
        let arch = long_transformer(16);
        assert_eq!(arch.rows_per_pass(512), 4);
        assert_eq!(arch.rows_per_pass(64), 256);
        let text = long_transformer(4);
        assert_eq!(
            (text.rows_per_pass(512), text.rows_per_pass(64)),
            (16, 1024)
        );
        assert_eq!(
            Architecture::from(MlpConfig::student(64, 10)).rows_per_pass(64),
            1024
        );
        assert!(long_transformer(17).validate().is_err(), "at most 16 heads");

        let device = Device::flex();
        let net = arch.init(&device, 1).unwrap();
        let ids: Vec<f32> = (0..7 * 512).map(|i| [2.0, 5.0, 1.0, 0.0][i % 4]).collect();
        let data = crate::data::Dataset::new("t", ids, vec![0; 7], 512, 3, None).unwrap();
        let chunked = crate::train::logits_host(&net, &data, &device).unwrap();
        let one_by_one: Vec<f32> = (0..7)
            .flat_map(|r| {
                let row = data.subset(&[r]);
                crate::train::logits_host(&net, &row, &device).unwrap()
            })
            .collect();
        for (a, b) in chunked.iter().zip(&one_by_one) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
    }

    /// Training keeps every block's maps for the backward pass; a batch that would pass a
    /// gigabyte of them is refused with the batch that fits.
    #[test]
    fn a_training_batch_must_fit_its_attention_maps() {
        let arch = long_transformer(16);
        assert!(arch.check_training_batch(8, 512, true).is_ok());
        let err = arch
            .check_training_batch(64, 512, true)
            .unwrap_err()
            .to_string();
        assert!(err.contains("at most 21 rows fit"), "{err}");
        assert!(
            arch.check_training_batch(32, 512, false).is_ok(),
            "a frozen teacher"
        );
        let mlp = Architecture::from(MlpConfig::student(64, 10));
        assert!(mlp.check_training_batch(4096, 64, true).is_ok());
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
        assert_eq!(out.taps.hidden(3).unwrap().dims(), [5, 1, 32]);
        assert!(out.taps.hidden(0).is_none() && out.taps.hidden(4).is_none());
        assert!(out.taps.attention(1).is_none(), "an MLP has no attention");
        let logits = net.logits(Input::Features(x));
        let diff = (logits - out.logits).abs().max().into_scalar::<f32>();
        assert_eq!(diff, 0.0);
    }
}
