//! What a forward pass reads and gives back: the [`Input`] batch, the logits, and the named
//! [`Taps`] (hidden states, attention maps, query/key/value) that losses and layer mappings
//! address and the page draws.

use burn::tensor::{Int, Tensor};

/// What a network reads: a batch of feature rows (images, points), or of token ids (text).
///
/// Datasets keep token ids as `f32` feature rows (exact below 2²⁴), so either variant can reach
/// any network: [`Input::tokens`] and [`Input::features`] convert on the device.
#[derive(Clone, Debug)]
pub enum Input {
    /// `[batch, features]`.
    Features(Tensor<2>),
    /// `[batch, positions]` token ids, `[PAD]` (0) after the end of each sentence.
    Tokens(Tensor<2, Int>),
}

impl Input {
    pub fn features(self) -> Tensor<2> {
        match self {
            Input::Features(x) => x,
            Input::Tokens(ids) => ids.float(),
        }
    }

    pub fn tokens(self) -> Tensor<2, Int> {
        match self {
            Input::Features(x) => x.int(),
            Input::Tokens(ids) => ids,
        }
    }
}

/// A tap's address: which intermediate tensor, of which layer (layers count from 1; layer 0 is
/// the embedding output of the text networks). Written `hidden.3`, `attention.2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tap {
    /// The hidden state after layer `n`, `[batch, positions, width]` (one position for an MLP
    /// and after pooling; one per token in a transformer block or a BiLSTM).
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

/// A block's queries, keys and values, each `[batch, heads, positions, head width]`.
#[derive(Clone, Debug)]
pub struct Qkv {
    pub query: Tensor<4>,
    pub key: Tensor<4>,
    pub value: Tensor<4>,
}

/// The intermediate tensors of one forward pass, by layer.
#[derive(Clone, Debug, Default)]
pub struct Taps {
    /// The embedding output (layer 0), for the networks that embed tokens.
    embedding: Option<Tensor<3>>,
    /// Index 0 is layer 1.
    hidden: Vec<Tensor<3>>,
    /// Index 0 is block 1; empty for kinds without attention.
    attention: Vec<Tensor<4>>,
    qkv: Vec<Qkv>,
    /// `[batch, positions]`: 1 for a token, 0 for padding (text networks only).
    mask: Option<Tensor<2>>,
}

impl Taps {
    /// Taps of a network without embeddings or attention.
    pub fn new(hidden: Vec<Tensor<3>>) -> Self {
        Self {
            hidden,
            ..Self::default()
        }
    }

    pub fn with_embedding(mut self, embedding: Tensor<3>, mask: Tensor<2>) -> Self {
        self.embedding = Some(embedding);
        self.mask = Some(mask);
        self
    }

    pub fn with_attention(mut self, attention: Vec<Tensor<4>>, qkv: Vec<Qkv>) -> Self {
        self.attention = attention;
        self.qkv = qkv;
        self
    }

    /// The hidden state after `layer` (0 = embeddings), if the network has that layer.
    pub fn hidden(&self, layer: usize) -> Option<&Tensor<3>> {
        match layer {
            0 => self.embedding.as_ref(),
            n => self.hidden.get(n - 1),
        }
    }

    /// The attention probabilities of `block` (1-based), if the network has attention there.
    pub fn attention(&self, block: usize) -> Option<&Tensor<4>> {
        block.checked_sub(1).and_then(|i| self.attention.get(i))
    }

    /// The queries, keys and values of `block` (1-based).
    pub fn qkv(&self, block: usize) -> Option<&Qkv> {
        block.checked_sub(1).and_then(|i| self.qkv.get(i))
    }

    /// Which positions hold tokens (text networks).
    pub fn mask(&self) -> Option<&Tensor<2>> {
        self.mask.as_ref()
    }

    /// Every tap there is, in order.
    pub fn names(&self) -> Vec<Tap> {
        let first = if self.embedding.is_some() { 0 } else { 1 };
        (first..=self.hidden.len())
            .map(Tap::Hidden)
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
