//! BERT as Hugging Face's `BertModel` computes it, for a pretrained encoder (MiniLM) to be read
//! in, fine-tuned and distilled: word, position and token-type embeddings summed and
//! layer-normalised, then `layers` **post**-layer-norm blocks
//! (`x = norm(x + attention(x)); x = norm(x + W₂ gelu(W₁ x))`, exact erf GELU, ε = 10⁻¹²), and a
//! linear classifier on the mean of the last hidden states over the real tokens (how the
//! sentence-transformers checkpoint was trained to pool; it has no `[CLS]` pooler).
//!
//! Unlike [`Transformer`](super::Transformer) (pre-LN, trained from scratch here) the queries,
//! keys and values are separate linear layers, as `BertModel` stores them, so an export under
//! its names is a transpose and nothing else. Every row is one sentence: token type 0 throughout.

use burn::module::Module;
use burn::nn::{Embedding, LayerNorm, LayerNormConfig, Linear};
use burn::tensor::{Device, Int, Tensor};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::tokens::{
    EncoderShape, check_encoder, check_text_sizes, declared, random_embedding, token_mask,
};
use super::torch::{TorchTensors, TorchValues, push_embedding, push_linear, push_norm};
use super::transformer::{BERT_INIT_STD, dropout};
use super::{Architecture, Classifier, Forward, Input, Qkv, Taps, random_linear};
use crate::error::Result;
use crate::loss::key_bias;

/// BERT's layer-norm epsilon.
pub const BERT_EPS: f64 = 1e-12;

/// Shape of a BERT encoder with a classifier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BertConfig {
    /// WordPiece vocabulary size.
    pub vocab: usize,
    /// Token positions of a row (the position table keeps this many of BERT's 512).
    pub max_len: usize,
    pub width: usize,
    pub heads: usize,
    pub layers: usize,
    pub ff: usize,
    pub classes: usize,
    /// Dropout while fine-tuning (BERT's 0.1), on the embeddings, the attention probabilities
    /// and each sublayer's output. Never at inference.
    #[serde(default)]
    pub dropout: f32,
}

impl BertConfig {
    /// paraphrase-MiniLM-L3-v2's shape, rows of `max_len` pieces, `classes` outputs.
    pub fn minilm(max_len: usize, classes: usize) -> Self {
        Self {
            vocab: 30_522,
            max_len,
            width: 384,
            heads: 12,
            layers: 3,
            ff: 1536,
            classes,
            dropout: 0.1,
        }
    }

    pub fn validate(&self) -> Result<()> {
        check_text_sizes(self.vocab, self.max_len, self.classes)?;
        check_encoder(EncoderShape {
            width: self.width,
            ff: self.ff,
            heads: self.heads,
            depth: self.layers,
            dropout: self.dropout,
        })
    }

    pub fn describe(&self) -> String {
        format!(
            "BERT {}×(d {}, {} heads, ff {}) on {} pieces × {} tokens → {}",
            self.layers, self.width, self.heads, self.ff, self.vocab, self.max_len, self.classes
        )
    }

    /// Every tensor with its `BertModel` name and shape, in a fixed order; the classifier last.
    pub fn pytorch_shapes(&self) -> Vec<(String, Vec<usize>)> {
        let (d, f) = (self.width, self.ff);
        let mut out: Vec<(String, Vec<usize>)> = vec![
            (
                "embeddings.word_embeddings.weight".into(),
                vec![self.vocab, d],
            ),
            (
                "embeddings.position_embeddings.weight".into(),
                vec![self.max_len, d],
            ),
            ("embeddings.token_type_embeddings.weight".into(), vec![2, d]),
            ("embeddings.LayerNorm.weight".into(), vec![d]),
            ("embeddings.LayerNorm.bias".into(), vec![d]),
        ];
        for l in 0..self.layers {
            let p = format!("encoder.layer.{l}.");
            for (name, shape) in [
                ("attention.self.query.weight", vec![d, d]),
                ("attention.self.query.bias", vec![d]),
                ("attention.self.key.weight", vec![d, d]),
                ("attention.self.key.bias", vec![d]),
                ("attention.self.value.weight", vec![d, d]),
                ("attention.self.value.bias", vec![d]),
                ("attention.output.dense.weight", vec![d, d]),
                ("attention.output.dense.bias", vec![d]),
                ("attention.output.LayerNorm.weight", vec![d]),
                ("attention.output.LayerNorm.bias", vec![d]),
                ("intermediate.dense.weight", vec![f, d]),
                ("intermediate.dense.bias", vec![f]),
                ("output.dense.weight", vec![d, f]),
                ("output.dense.bias", vec![d]),
                ("output.LayerNorm.weight", vec![d]),
                ("output.LayerNorm.bias", vec![d]),
            ] {
                out.push((format!("{p}{name}"), shape));
            }
        }
        out.push(("classifier.weight".into(), vec![self.classes, d]));
        out.push(("classifier.bias".into(), vec![self.classes]));
        out
    }

    pub fn declared_params(&self) -> u64 {
        declared(&self.pytorch_shapes())
    }

    /// A fresh encoder drawn from `seed` (the pretrained one comes through
    /// [`Bert::from_torch`]).
    pub fn init(&self, device: &Device, seed: u64) -> Result<Bert> {
        self.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (d, std) = (self.width, BERT_INIT_STD);
        let layers = (0..self.layers)
            .map(|_| BertLayer {
                query: random_linear(d, d, &mut rng, device),
                key: random_linear(d, d, &mut rng, device),
                value: random_linear(d, d, &mut rng, device),
                attention_output: random_linear(d, d, &mut rng, device),
                attention_norm: bert_norm(d, device),
                intermediate: random_linear(d, self.ff, &mut rng, device),
                output: random_linear(self.ff, d, &mut rng, device),
                output_norm: bert_norm(d, device),
                heads: self.heads,
                dropout: self.dropout.into(),
                four_bit: false,
            })
            .collect();
        Ok(Bert {
            word_embeddings: random_embedding(self.vocab, d, std, &mut rng, device),
            position_embeddings: random_embedding(self.max_len, d, std, &mut rng, device),
            token_type_embeddings: random_embedding(2, d, std, &mut rng, device),
            embedding_norm: bert_norm(d, device),
            layers,
            classifier: random_linear(d, self.classes, &mut rng, device),
            dropout: self.dropout.into(),
        })
    }
}

fn bert_norm(width: usize, device: &Device) -> LayerNorm {
    LayerNormConfig::new(width)
        .with_epsilon(BERT_EPS)
        .init(device)
}

/// One post-layer-norm BERT layer.
#[derive(Module, Debug)]
pub struct BertLayer {
    pub query: Linear,
    pub key: Linear,
    pub value: Linear,
    pub attention_output: Linear,
    pub attention_norm: LayerNorm,
    pub intermediate: Linear,
    pub output: Linear,
    pub output_norm: LayerNorm,
    #[module(skip)]
    pub heads: usize,
    #[module(skip)]
    pub dropout: f64,
    /// Quantization-aware fine-tuning: the matrices act as their 4-bit values (see
    /// [`fake_quantize`]), so the file written at the end is the network that was trained.
    #[module(skip)]
    pub four_bit: bool,
}

/// A weight `[in, out]` (burn's layout) as the 4-bit file stores it — groups of 32 along each
/// PyTorch row (`[out, in]`), q = round(w / s) in [-7, 7], s = max |w| / 7 — with the gradient
/// passing straight through to the float weight (the straight-through estimator). The file's
/// scales are also rounded to float16; that 2⁻¹¹ relative step is left out here.
pub fn fake_quantize(w: Tensor<2>) -> Tensor<2> {
    let [inputs, outputs] = w.dims();
    if !inputs.is_multiple_of(32) {
        return w;
    }
    let groups = w.clone().transpose().reshape([outputs, inputs / 32, 32]);
    let scale = groups
        .clone()
        .abs()
        .max_dim(2)
        .div_scalar(7.0)
        .clamp_min(1e-12);
    let q = (groups / scale.clone()).round().clamp(-7.0, 7.0) * scale;
    let q = q.reshape([outputs, inputs]).transpose();
    w.clone() + (q - w).detach()
}

struct LayerOut {
    hidden: Tensor<3>,
    attention: Tensor<4>,
    qkv: Qkv,
}

impl BertLayer {
    /// `layer(x)`, through its 4-bit values when fine-tuning is quantization-aware.
    fn apply(&self, layer: &Linear, x: Tensor<3>) -> Tensor<3> {
        if !self.four_bit {
            return layer.forward(x);
        }
        let [batch, positions, _] = x.dims();
        let w = fake_quantize(layer.weight.val());
        let [inputs, outputs] = w.dims();
        let y = x.reshape([batch * positions, inputs]).matmul(w);
        let y = match &layer.bias {
            Some(b) => y + b.val().unsqueeze_dim(0),
            None => y,
        };
        y.reshape([batch, positions, outputs])
    }

    fn forward(&self, x: Tensor<3>, bias: Tensor<4>) -> LayerOut {
        let [batch, positions, d] = x.dims();
        let (h, w) = (self.heads, d / self.heads);
        let split = |t: Tensor<3>| t.reshape([batch, positions, h, w]).swap_dims(1, 2);
        let query = split(self.apply(&self.query, x.clone()));
        let key = split(self.apply(&self.key, x.clone()));
        let value = split(self.apply(&self.value, x.clone()));
        let scores = query.clone().matmul(key.clone().swap_dims(2, 3));
        let attention = crate::kernels::attention_softmax(scores, bias, (w as f32).sqrt());
        let context = dropout(attention.clone(), self.dropout)
            .matmul(value.clone())
            .swap_dims(1, 2)
            .reshape([batch, positions, d]);
        let attended = dropout(self.apply(&self.attention_output, context), self.dropout);
        let x = self.attention_norm.forward(x + attended);
        let inner = crate::kernels::gelu(self.apply(&self.intermediate, x.clone()));
        let ff = dropout(self.apply(&self.output, inner), self.dropout);
        LayerOut {
            hidden: self.output_norm.forward(x + ff),
            attention,
            qkv: Qkv { query, key, value },
        }
    }
}

/// The encoder with its classifier. Taps: `hidden.0` the embedding output, `hidden.n` layer
/// n's output, `attention.n` its attention probabilities (`[batch, heads, query, key]`), its Q,
/// K and V, and the padding mask.
#[derive(Module, Debug)]
pub struct Bert {
    pub word_embeddings: Embedding,
    pub position_embeddings: Embedding,
    pub token_type_embeddings: Embedding,
    pub embedding_norm: LayerNorm,
    pub layers: Vec<BertLayer>,
    pub classifier: Linear,
    #[module(skip)]
    pub dropout: f64,
}

impl Bert {
    /// Quantization-aware fine-tuning on or off (see [`fake_quantize`]).
    pub fn set_four_bit(&mut self, on: bool) {
        for layer in &mut self.layers {
            layer.four_bit = on;
        }
    }

    /// The embedding tables replaced by their 4-bit values (pretrained ones are already).
    pub fn snap_embeddings_to_four_bit(mut self) -> Self {
        // PyTorch keeps an embedding as burn does, [rows, width]: groups run along the width.
        let snap = |e: Embedding| Embedding {
            weight: e
                .weight
                .map(|w| fake_quantize(w.transpose()).transpose().detach()),
        };
        self.word_embeddings = snap(self.word_embeddings);
        self.position_embeddings = snap(self.position_embeddings);
        self.token_type_embeddings = snap(self.token_type_embeddings);
        self
    }

    /// Every layer's matrices replaced by their 4-bit values: after quantization-aware
    /// fine-tuning, the network the file will hold.
    pub fn snap_to_four_bit(mut self) -> Self {
        let snap = |l: Linear| Linear {
            weight: l.weight.map(|w| fake_quantize(w).detach()),
            ..l
        };
        self.layers = self
            .layers
            .into_iter()
            .map(|l| BertLayer {
                query: snap(l.query),
                key: snap(l.key),
                value: snap(l.value),
                attention_output: snap(l.attention_output),
                intermediate: snap(l.intermediate),
                output: snap(l.output),
                four_bit: false,
                ..l
            })
            .collect();
        self
    }

    fn embed(&self, ids: Tensor<2, Int>) -> Tensor<3> {
        let [batch, positions] = ids.dims();
        let device = ids.device();
        let places = Tensor::<1, Int>::arange(0..positions as i64, &device)
            .unsqueeze_dim::<2>(0)
            .repeat_dim(0, batch);
        let [_, d] = self.token_type_embeddings.weight.dims();
        let sentence_a = self
            .token_type_embeddings
            .weight
            .val()
            .narrow(0, 0, 1)
            .reshape([1, 1, d]);
        let x = self.word_embeddings.forward(ids) + self.position_embeddings.forward(places);
        dropout(self.embedding_norm.forward(x + sentence_a), self.dropout)
    }

    /// The last hidden states averaged over the real tokens: `[batch, width]`.
    pub fn pool(h: Tensor<3>, mask: Tensor<2>) -> Tensor<2> {
        let [batch, positions, d] = h.dims();
        let weights = mask.reshape([batch, positions, 1]);
        let count = weights
            .clone()
            .sum_dim(1)
            .clamp_min(1.0)
            .reshape([batch, 1]);
        (h * weights).sum_dim(1).reshape([batch, d]) / count
    }

    fn encode(&self, ids: Tensor<2, Int>) -> (Tensor<2>, Tensor<3>, Vec<LayerOut>) {
        let mask = token_mask(&ids);
        let bias = key_bias(mask.clone());
        let embedding = self.embed(ids);
        let mut outs: Vec<LayerOut> = Vec::with_capacity(self.layers.len());
        for layer in &self.layers {
            let h = outs.last().map_or(embedding.clone(), |o| o.hidden.clone());
            outs.push(layer.forward(h, bias.clone()));
        }
        (mask, embedding, outs)
    }

    /// The pooled, L2-normalised sentence embedding (sentence-transformers' output).
    pub fn sentence_embedding(&self, input: Input) -> Tensor<2> {
        let (mask, embedding, outs) = self.encode(input.tokens());
        let last = outs.last().map_or(embedding, |o| o.hidden.clone());
        let pooled = Self::pool(last, mask);
        let norm = pooled
            .clone()
            .powi_scalar(2)
            .sum_dim(1)
            .sqrt()
            .clamp_min(1e-12);
        pooled / norm
    }
}

impl Classifier for Bert {
    fn forward(&self, input: Input) -> Forward {
        let (mask, embedding, outs) = self.encode(input.tokens());
        let last = outs.last().map_or(embedding.clone(), |o| o.hidden.clone());
        let pooled = dropout(Self::pool(last, mask.clone()), self.dropout);
        let (mut hidden, mut attention, mut qkv) = (Vec::new(), Vec::new(), Vec::new());
        for out in outs {
            hidden.push(out.hidden);
            attention.push(out.attention);
            qkv.push(out.qkv);
        }
        Forward {
            logits: self.classifier.forward(pooled),
            taps: Taps::new(hidden)
                .with_embedding(embedding, mask)
                .with_attention(attention, qkv),
        }
    }

    fn architecture(&self) -> Architecture {
        let [vocab, width] = self.word_embeddings.weight.dims();
        let [max_len, _] = self.position_embeddings.weight.dims();
        let [_, classes] = self.classifier.weight.dims();
        let (heads, ff) = self
            .layers
            .first()
            .map_or((1, width), |l| (l.heads, l.intermediate.weight.dims()[1]));
        Architecture::Bert(BertConfig {
            vocab,
            max_len,
            width,
            heads,
            layers: self.layers.len(),
            ff,
            classes,
            dropout: self.dropout as f32,
        })
    }
}

impl Bert {
    /// Every tensor under its `BertModel` name, in PyTorch layout.
    pub fn torch_tensors(&self) -> TorchTensors {
        let mut out = Vec::new();
        push_embedding(
            &mut out,
            "embeddings.word_embeddings",
            &self.word_embeddings,
        );
        push_embedding(
            &mut out,
            "embeddings.position_embeddings",
            &self.position_embeddings,
        );
        push_embedding(
            &mut out,
            "embeddings.token_type_embeddings",
            &self.token_type_embeddings,
        );
        push_norm(&mut out, "embeddings.LayerNorm", &self.embedding_norm);
        for (l, layer) in self.layers.iter().enumerate() {
            let p = format!("encoder.layer.{l}");
            push_linear(&mut out, &format!("{p}.attention.self.query"), &layer.query);
            push_linear(&mut out, &format!("{p}.attention.self.key"), &layer.key);
            push_linear(&mut out, &format!("{p}.attention.self.value"), &layer.value);
            push_linear(
                &mut out,
                &format!("{p}.attention.output.dense"),
                &layer.attention_output,
            );
            push_norm(
                &mut out,
                &format!("{p}.attention.output.LayerNorm"),
                &layer.attention_norm,
            );
            push_linear(
                &mut out,
                &format!("{p}.intermediate.dense"),
                &layer.intermediate,
            );
            push_linear(&mut out, &format!("{p}.output.dense"), &layer.output);
            push_norm(
                &mut out,
                &format!("{p}.output.LayerNorm"),
                &layer.output_norm,
            );
        }
        push_linear(&mut out, "classifier", &self.classifier);
        out
    }

    /// An encoder from checked PyTorch-layout values under `BertModel` names.
    pub fn from_torch(c: &BertConfig, v: &TorchValues) -> Result<Self> {
        let d = c.width;
        let norm = |name: &str| v.norm_with_epsilon(name, d, BERT_EPS);
        let layers = (0..c.layers)
            .map(|l| {
                let p = format!("encoder.layer.{l}");
                Ok(BertLayer {
                    query: v.linear(&format!("{p}.attention.self.query"), d, d)?,
                    key: v.linear(&format!("{p}.attention.self.key"), d, d)?,
                    value: v.linear(&format!("{p}.attention.self.value"), d, d)?,
                    attention_output: v.linear(&format!("{p}.attention.output.dense"), d, d)?,
                    attention_norm: norm(&format!("{p}.attention.output.LayerNorm"))?,
                    intermediate: v.linear(&format!("{p}.intermediate.dense"), d, c.ff)?,
                    output: v.linear(&format!("{p}.output.dense"), c.ff, d)?,
                    output_norm: norm(&format!("{p}.output.LayerNorm"))?,
                    heads: c.heads,
                    dropout: c.dropout.into(),
                    four_bit: false,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            word_embeddings: v.embedding("embeddings.word_embeddings", c.vocab, d)?,
            position_embeddings: v.embedding("embeddings.position_embeddings", c.max_len, d)?,
            token_type_embeddings: v.embedding("embeddings.token_type_embeddings", 2, d)?,
            embedding_norm: norm("embeddings.LayerNorm")?,
            layers,
            classifier: v.linear("classifier", d, c.classes)?,
            dropout: c.dropout.into(),
        })
    }
}
