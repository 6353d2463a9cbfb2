//! Tang et al. 2019's student: word embeddings, one bidirectional LSTM layer, max-pooling over
//! the words, then a ReLU layer and the classifier.
//!
//! The LSTM is PyTorch's `nn.LSTM(embed, hidden, bidirectional=True, batch_first=True)`, gates
//! in PyTorch's order (input, forget, cell, output), run as over a `pack_padded_sequence`: a
//! padded position leaves the state unchanged and outputs zeros, so the backward direction
//! starts at each sentence's last word, not in its padding. The input projections of all
//! positions are one matrix product; only the recurrent part loops.

use burn::module::Module;
use burn::nn::{Embedding, Linear};
use burn::tensor::activation::{relu, sigmoid, tanh};
use burn::tensor::{Device, Tensor};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::tokens::{check_text_sizes, declared, random_embedding, token_mask};
use super::torch::{TorchTensors, TorchValues, push_embedding, push_linear};
use super::{Architecture, Classifier, Forward, Input, Taps, random_linear};
use crate::engine::error::{Error, Result};

/// Shape of a BiLSTM classifier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BiLstmConfig {
    pub vocab: usize,
    pub max_len: usize,
    /// Word-embedding width.
    pub embed: usize,
    /// LSTM state width per direction.
    pub hidden: usize,
    /// Width of the ReLU layer after pooling.
    pub fc: usize,
    pub classes: usize,
}

impl BiLstmConfig {
    /// The default student: 64-wide embeddings and states, a 64-wide ReLU layer (Tang et al.
    /// used 300, 150 and 400 on SST-2).
    pub fn student(vocab: usize, max_len: usize, classes: usize) -> Self {
        Self {
            vocab,
            max_len,
            embed: 64,
            hidden: 64,
            fc: 64,
            classes,
        }
    }

    pub fn validate(&self) -> Result<()> {
        check_text_sizes(self.vocab, self.max_len, self.classes)?;
        for (what, w) in [
            ("embedding", self.embed),
            ("state", self.hidden),
            ("ReLU layer", self.fc),
        ] {
            if !(1..=1024).contains(&w) {
                return Err(Error::ModelConfig(format!("{what} width {w}: 1 to 1024")));
            }
        }
        Ok(())
    }

    pub fn describe(&self) -> String {
        format!(
            "BiLSTM (embed {}, 2×{} states, ReLU {}) on {} words × {} tokens → {}",
            self.embed, self.hidden, self.fc, self.vocab, self.max_len, self.classes
        )
    }

    pub fn pytorch_shapes(&self) -> Vec<(String, Vec<usize>)> {
        let (e, h) = (self.embed, self.hidden);
        let mut out = vec![("embedding.weight".to_string(), vec![self.vocab, e])];
        for suffix in ["", "_reverse"] {
            out.push((format!("lstm.weight_ih_l0{suffix}"), vec![4 * h, e]));
            out.push((format!("lstm.weight_hh_l0{suffix}"), vec![4 * h, h]));
            out.push((format!("lstm.bias_ih_l0{suffix}"), vec![4 * h]));
            out.push((format!("lstm.bias_hh_l0{suffix}"), vec![4 * h]));
        }
        out.push(("fc.weight".into(), vec![self.fc, 2 * h]));
        out.push(("fc.bias".into(), vec![self.fc]));
        out.push(("classifier.weight".into(), vec![self.classes, self.fc]));
        out.push(("classifier.bias".into(), vec![self.classes]));
        out
    }

    pub fn declared_params(&self) -> u64 {
        declared(&self.pytorch_shapes())
    }

    /// Hidden state widths: 0 the embeddings, 1 the BiLSTM outputs, 2 the ReLU layer.
    pub fn width(&self, layer: usize) -> Option<usize> {
        [self.embed, 2 * self.hidden, self.fc].get(layer).copied()
    }

    pub fn init(&self, device: &Device, seed: u64) -> Result<BiLstm> {
        self.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (e, h) = (self.embed, self.hidden);
        let embedding = random_embedding(self.vocab, e, 1.0, &mut rng, device);
        // nn.LSTM draws every weight from U(−1/√h, 1/√h); random_linear's bound is 1/√in.
        let mut direction = || Direction {
            input: scaled_linear(e, 4 * h, h, &mut rng, device),
            recurrent: random_linear(h, 4 * h, &mut rng, device),
        };
        let (forward, backward) = (direction(), direction());
        Ok(BiLstm {
            embedding,
            forward,
            backward,
            fc: random_linear(2 * h, self.fc, &mut rng, device),
            classifier: random_linear(self.fc, self.classes, &mut rng, device),
            max_len: self.max_len,
        })
    }
}

/// A linear layer `inputs → outputs` drawn from U(−1/√fan, 1/√fan).
fn scaled_linear(
    inputs: usize,
    outputs: usize,
    fan: usize,
    rng: &mut ChaCha8Rng,
    device: &Device,
) -> Linear {
    use rand::RngExt;
    let bound = 1.0 / (fan as f32).sqrt();
    let mut draw =
        |n: usize| -> Vec<f32> { (0..n).map(|_| rng.random_range(-bound..bound)).collect() };
    let (w, b) = (draw(inputs * outputs), draw(outputs));
    super::linear_from_host(&w, &b, inputs, outputs, device)
}

/// One direction of the LSTM: `input` holds `weight_ih`/`bias_ih`, `recurrent` `weight_hh`/`bias_hh`.
#[derive(Module, Debug)]
pub struct Direction {
    pub input: Linear,
    pub recurrent: Linear,
}

/// Both directions over `x` `[batch, positions, embed]` at once: the backward direction reads
/// a time-reversed copy, and the two run as one batch of two (a batched matrix product against
/// both recurrent weights), which halves the ops per time step. `mask` `[batch, positions]`
/// holds 1 for a token. Returns `[batch, positions, 2·hidden]`, forward states first.
fn run_both(
    forward: &Direction,
    backward: &Direction,
    x: Tensor<3>,
    mask: &Tensor<2>,
) -> Tensor<3> {
    let [batch, positions, _] = x.dims();
    let [width, four_h] = forward.recurrent.weight.dims();
    let device = x.device();
    let bias = |d: &Direction| match &d.recurrent.bias {
        Some(b) => b.val(),
        None => Tensor::zeros([four_h], &device),
    };
    // [2, batch, positions, 4h]: input projections and recurrent biases of every step, the
    // backward direction's in reversed time.
    let gates_in = Tensor::stack::<4>(
        vec![
            forward.input.forward(x.clone()) + bias(forward).unsqueeze::<3>(),
            (backward.input.forward(x) + bias(backward).unsqueeze::<3>()).flip([1]),
        ],
        0,
    );
    let masks = Tensor::stack::<3>(vec![mask.clone(), mask.clone().flip([1])], 0);
    let recurrent = Tensor::stack::<3>(
        vec![
            forward.recurrent.weight.val(),
            backward.recurrent.weight.val(),
        ],
        0,
    );
    let mut h = Tensor::<3>::zeros([2, batch, width], &device);
    let mut c = Tensor::<3>::zeros([2, batch, width], &device);
    let mut outputs = Vec::with_capacity(positions);
    for t in 0..positions {
        let gates = gates_in.clone().narrow(2, t, 1).reshape([2, batch, four_h])
            + h.clone().matmul(recurrent.clone());
        let m = masks.clone().narrow(2, t, 1).reshape([2, batch, 1]);
        let out;
        (h, c, out) = cell(gates, h, c, m);
        outputs.push(out);
    }
    let states = Tensor::stack::<4>(outputs, 2);
    let both = |k: usize| {
        states
            .clone()
            .narrow(0, k, 1)
            .reshape([batch, positions, width])
    };
    Tensor::cat(vec![both(0), both(1).flip([1])], 2)
}

/// One time step of both directions from their gates `[2, batch, 4h]` (i, f, g, o): the new
/// state, cell and output. Padding (`mask` 0) leaves the state as it was (a packed sequence skips
/// it) and outputs zeros.
fn cell(
    gates: Tensor<3>,
    h: Tensor<3>,
    c: Tensor<3>,
    mask: Tensor<3>,
) -> (Tensor<3>, Tensor<3>, Tensor<3>) {
    let [two, batch, four_h] = gates.dims();
    let device = gates.device();
    let mut g = gates.chunk(4, 2).into_iter();
    let mut next = || {
        g.next()
            .unwrap_or_else(|| Tensor::zeros([two, batch, four_h / 4], &device))
    };
    let (i, f, cell, o) = (
        sigmoid(next()),
        sigmoid(next()),
        tanh(next()),
        sigmoid(next()),
    );
    let c_new = f * c.clone() + i * cell;
    let h_new = o * tanh(c_new.clone());
    let c = c.clone() + (c_new - c) * mask.clone();
    let h = h.clone() + (h_new.clone() - h) * mask.clone();
    (h, c, h_new * mask)
}

/// The BiLSTM classifier. Taps: `hidden.0` the embeddings and `hidden.1` the BiLSTM outputs
/// (`[batch, positions, ·]`, aligned with a transformer teacher's tokens), `hidden.2` the ReLU
/// layer after pooling (`[batch, 1, fc]`).
#[derive(Module, Debug)]
pub struct BiLstm {
    pub embedding: Embedding,
    pub forward: Direction,
    pub backward: Direction,
    pub fc: Linear,
    pub classifier: Linear,
    /// The tokenizer's row length (the LSTM itself reads any length).
    #[module(skip)]
    pub max_len: usize,
}

impl BiLstm {
    /// Every tensor by PyTorch name (`nn.LSTM`'s for the recurrent part), in PyTorch layout.
    pub fn torch_tensors(&self) -> TorchTensors {
        let mut out = Vec::new();
        push_embedding(&mut out, "embedding", &self.embedding);
        for (direction, suffix) in [(&self.forward, ""), (&self.backward, "_reverse")] {
            let mut parts = Vec::new();
            push_linear(&mut parts, "ih", &direction.input);
            push_linear(&mut parts, "hh", &direction.recurrent);
            for (name, t) in parts {
                let (which, kind) = name.split_once('.').unwrap_or((&name, ""));
                out.push((format!("lstm.{kind}_{which}_l0{suffix}"), t));
            }
        }
        // nn.LSTM lists weight_ih, weight_hh, bias_ih, bias_hh: the order pytorch_shapes gives.
        out.sort_by_key(|(name, _)| lstm_order(name));
        push_linear(&mut out, "fc", &self.fc);
        push_linear(&mut out, "classifier", &self.classifier);
        out
    }

    pub fn from_torch(c: &BiLstmConfig, v: &TorchValues) -> Result<Self> {
        let (e, h) = (c.embed, c.hidden);
        let direction = |suffix: &str| -> Result<Direction> {
            Ok(Direction {
                input: v.linear_named(
                    &format!("lstm.weight_ih_l0{suffix}"),
                    &format!("lstm.bias_ih_l0{suffix}"),
                    e,
                    4 * h,
                )?,
                recurrent: v.linear_named(
                    &format!("lstm.weight_hh_l0{suffix}"),
                    &format!("lstm.bias_hh_l0{suffix}"),
                    h,
                    4 * h,
                )?,
            })
        };
        Ok(Self {
            embedding: v.embedding("embedding", c.vocab, e)?,
            forward: direction("")?,
            backward: direction("_reverse")?,
            fc: v.linear("fc", 2 * h, c.fc)?,
            classifier: v.linear("classifier", c.fc, c.classes)?,
            max_len: c.max_len,
        })
    }
}

/// Place of an LSTM tensor in `nn.LSTM`'s listing (embedding first, other names after).
fn lstm_order(name: &str) -> usize {
    let reverse = usize::from(name.ends_with("_reverse"));
    let kind = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
        .iter()
        .position(|k| name.contains(k));
    match kind {
        Some(k) => 1 + reverse * 4 + k,
        None => 0,
    }
}

impl Classifier for BiLstm {
    fn forward(&self, input: Input) -> Forward {
        let ids = input.tokens();
        let mask = token_mask(&ids);
        let embedded = self.embedding.forward(ids);
        let states = run_both(&self.forward, &self.backward, embedded.clone(), &mask);
        let [batch, _, width] = states.dims();
        // Max over the words only: padding gets −10⁹ first.
        let bias = mask
            .clone()
            .sub_scalar(1.0)
            .mul_scalar(1e9)
            .unsqueeze_dim::<3>(2);
        let pooled = states.clone().add(bias).max_dim(1).reshape([batch, width]);
        let fc = relu(self.fc.forward(pooled));
        Forward {
            logits: self.classifier.forward(fc.clone()),
            taps: Taps::new(vec![states, fc.unsqueeze_dim(1)]).with_embedding(embedded, mask),
        }
    }

    fn architecture(&self) -> Architecture {
        let [vocab, embed] = self.embedding.weight.dims();
        let [hidden, _] = self.forward.recurrent.weight.dims();
        let [_, fc] = self.fc.weight.dims();
        let [_, classes] = self.classifier.weight.dims();
        Architecture::BiLstm(BiLstmConfig {
            vocab,
            // The LSTM reads any length; the architecture keeps the tokenizer's.
            max_len: self.max_len,
            embed,
            hidden,
            fc,
            classes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Int, TensorData};

    fn ids(row: &[i64], device: &Device) -> Tensor<2, Int> {
        Tensor::from_data(TensorData::new(row.to_vec(), [1, row.len()]), device)
    }

    fn small() -> BiLstmConfig {
        BiLstmConfig {
            vocab: 20,
            max_len: 8,
            embed: 6,
            hidden: 5,
            fc: 7,
            classes: 3,
        }
    }

    #[test]
    fn shapes_and_taps() {
        let device = Device::flex();
        let net = small().init(&device, 2).unwrap();
        assert_eq!(net.architecture(), Architecture::BiLstm(small()));
        let out = net.forward(Input::Tokens(ids(&[2, 9, 11, 3, 0, 0, 0, 0], &device)));
        assert_eq!(out.logits.dims(), [1, 3]);
        assert_eq!(out.taps.hidden(0).unwrap().dims(), [1, 8, 6]);
        assert_eq!(out.taps.hidden(1).unwrap().dims(), [1, 8, 10]);
        assert_eq!(out.taps.hidden(2).unwrap().dims(), [1, 1, 7]);
        // Padded positions output zeros, as pad_packed_sequence gives them.
        let states = out.taps.hidden(1).unwrap().clone().narrow(1, 4, 4);
        assert_eq!(states.abs().max().into_scalar::<f32>(), 0.0);
        let shapes = small().pytorch_shapes();
        let names: Vec<&str> = shapes.iter().map(|(n, _)| n.as_str()).collect();
        let exported: Vec<String> = net.torch_tensors().into_iter().map(|(n, _)| n).collect();
        assert_eq!(exported, names, "export order is the architecture's");
        assert!(names.contains(&"lstm.weight_hh_l0_reverse"));
    }

    #[test]
    fn padding_does_not_change_a_sentence() {
        // The backward direction starts at the last word whatever padding follows: the state is
        // carried through padded positions unchanged.
        let device = Device::flex();
        let net = small().init(&device, 3).unwrap();
        let short = net.logits(Input::Tokens(ids(&[2, 9, 11, 3], &device)));
        let long = net.logits(Input::Tokens(ids(&[2, 9, 11, 3, 0, 0, 0, 0], &device)));
        let diff = (short.clone() - long).abs().max().into_scalar::<f32>();
        assert!(diff < 1e-6, "{diff}");
        // …while the words themselves matter.
        let other = net.logits(Input::Tokens(ids(&[2, 11, 9, 3], &device)));
        assert!((short - other).abs().max().into_scalar::<f32>() > 1e-4);
    }
}
