//! Tang et al. 2019's student: word embeddings, one bidirectional LSTM layer, max-pooling over
//! the words, then a ReLU layer and the classifier.
//!
//! The LSTM is PyTorch's `nn.LSTM(embed, hidden, bidirectional=True, batch_first=True)`, gates
//! in PyTorch's order (input, forget, cell, output), run as over a `pack_padded_sequence`: a
//! padded position leaves the state unchanged and outputs zeros, so the backward direction
//! starts at each sentence's last word, not in its padding.

use burn::module::Module;
use burn::nn::{Embedding, Linear};
use burn::tensor::activation::{relu, sigmoid, tanh};
use burn::tensor::{Bool, Device, Tensor};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::tokens::{check_text_sizes, declared, random_embedding, token_mask};
use super::torch::{TorchTensors, TorchValues, push_embedding, push_linear};
use super::{Architecture, Classifier, Forward, Input, Taps, random_linear};
use crate::error::{Error, Result};

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

/// Both directions over `x`: through the fused kernel where the device has it (the CPU), else
/// composed from burn's ops ([`run_both`]).
fn lstm_layer(
    forward: &Direction,
    backward: &Direction,
    x: Tensor<3>,
    mask: &Tensor<2>,
) -> Tensor<3> {
    match crate::kernels::fused(&x.device()) {
        true => fused_layer(forward, backward, x, mask),
        false => run_both(forward, backward, x, mask),
    }
}

/// Both directions in one op (`kernels::bilstm`), from the same parameters.
fn fused_layer(
    forward: &Direction,
    backward: &Direction,
    x: Tensor<3>,
    mask: &Tensor<2>,
) -> Tensor<3> {
    let both =
        |f: fn(&Direction) -> Tensor<2>| Tensor::stack::<3>(vec![f(forward), f(backward)], 0);
    let wx = both(|d| d.input.weight.val());
    let wh = both(|d| d.recurrent.weight.val());
    let biases = Tensor::stack::<2>(vec![bias(forward), bias(backward)], 0);
    crate::kernels::bilstm(x, wx, wh, biases, mask.clone())
}

/// Both directions over `x` `[batch, positions, embed]` at once, as one batch of two: at step
/// `t` the forward direction reads position `t` and the backward one position `positions − 1 −
/// t`, and one batched product of `[input, state]` against each direction's stacked
/// `[weight_ih; weight_hh]` gives both directions' gates. `mask` `[batch, positions]` holds 1 for
/// a token. Returns `[batch, positions, 2·hidden]`, forward states first.
///
/// Each step reads a slice of the positions, not of a precomputed `[positions, 4h]` projection:
/// burn's autodiff returns a slice's gradient as a zero tensor the size of what was sliced, so
/// slicing the projection cost `positions` full-size tensors per backward pass (most of the
/// step, measured). The positions themselves are split in two levels for the same reason.
fn run_both(
    forward: &Direction,
    backward: &Direction,
    x: Tensor<3>,
    mask: &Tensor<2>,
) -> Tensor<3> {
    let [batch, positions, _] = x.dims();
    let [width, _] = forward.recurrent.weight.dims();
    let device = x.device();
    let gates = GateWeights::new(forward, backward);
    let inputs = split_positions(x);
    // 1 at padding, per step and direction, the shape of a state.
    let padding = Tensor::stack::<3>(vec![mask.clone(), mask.clone().flip([1])], 0)
        .equal_elem(0.0)
        .unsqueeze_dim::<4>(3)
        .expand([2, batch, positions, width]);
    let mut h = Tensor::<3>::zeros([2, batch, width], &device);
    let mut c = Tensor::<3>::zeros([2, batch, width], &device);
    let mut outputs = Vec::with_capacity(positions);
    for t in 0..positions {
        let read = Tensor::stack::<3>(
            vec![inputs[t].clone(), inputs[positions - 1 - t].clone()],
            0,
        );
        let input = Tensor::cat(vec![read, h.clone()], 2);
        let pad = padding.clone().narrow(2, t, 1).reshape([2, batch, width]);
        let out;
        (h, c, out) = gates.step(input, h, c, pad);
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

/// `x` `[batch, positions, embed]` as one `[batch, embed]` tensor per position: first into
/// about √positions runs, then each run into positions, so the backward pass builds about
/// 2·√positions full-size zero tensors of the run it slices instead of `positions` of `x`.
fn split_positions(x: Tensor<3>) -> Vec<Tensor<2>> {
    let [batch, positions, embed] = x.dims();
    let run = (positions as f64).sqrt().ceil().max(1.0) as usize;
    let mut out = Vec::with_capacity(positions);
    for start in (0..positions).step_by(run) {
        let len = run.min(positions - start);
        let chunk = x.clone().narrow(1, start, len);
        for k in 0..len {
            out.push(chunk.clone().narrow(1, k, 1).reshape([batch, embed]));
        }
    }
    out
}

/// Both directions' weights per gate (input, forget, cell, output, PyTorch's order): each
/// `[2, embed + hidden, hidden]`, `[weight_ih; weight_hh]` for forward then backward, and the
/// summed biases `[2, 1, hidden]`. One product per gate, rather than one for all four split
/// after: a split's gradient is a zero tensor of the whole (see [`run_both`]).
struct GateWeights {
    weights: Vec<Tensor<3>>,
    biases: Vec<Tensor<3>>,
}

impl GateWeights {
    fn new(forward: &Direction, backward: &Direction) -> Self {
        let [_, four_h] = forward.recurrent.weight.dims();
        let width = four_h / 4;
        let weights = Tensor::stack::<3>(vec![stacked(forward), stacked(backward)], 0);
        let biases = Tensor::stack::<2>(vec![bias(forward), bias(backward)], 0).unsqueeze_dim(1);
        let gate = |k: usize| {
            (
                weights.clone().narrow(2, k * width, width),
                biases.clone().narrow(2, k * width, width),
            )
        };
        let (weights, biases) = (0..4).map(gate).unzip();
        Self { weights, biases }
    }

    fn gate(&self, k: usize, input: &Tensor<3>) -> Tensor<3> {
        input.clone().matmul(self.weights[k].clone()) + self.biases[k].clone()
    }

    /// One time step of both directions from `input` `[2, batch, embed + hidden]` (the words
    /// read and the states): the new state, cell and output. Padding (`pad` true) leaves the
    /// state as it was (a packed sequence skips it) and outputs zeros.
    fn step(
        &self,
        input: Tensor<3>,
        h: Tensor<3>,
        c: Tensor<3>,
        pad: Tensor<3, Bool>,
    ) -> (Tensor<3>, Tensor<3>, Tensor<3>) {
        let i = sigmoid(self.gate(0, &input));
        let f = sigmoid(self.gate(1, &input));
        let g = tanh(self.gate(2, &input));
        let o = sigmoid(self.gate(3, &input));
        let c_new = f * c.clone() + i * g;
        let h_new = o * tanh(c_new.clone());
        let out = h_new.clone().mask_fill(pad.clone(), 0.0);
        (
            h_new.mask_where(pad.clone(), h),
            c_new.mask_where(pad, c),
            out,
        )
    }
}

/// A direction's `[weight_ih; weight_hh]`, `[embed + hidden, 4·hidden]`.
fn stacked(d: &Direction) -> Tensor<2> {
    Tensor::cat(vec![d.input.weight.val(), d.recurrent.weight.val()], 0)
}

/// A direction's `bias_ih + bias_hh`, `[4·hidden]`.
fn bias(d: &Direction) -> Tensor<1> {
    let [_, four_h] = d.recurrent.weight.dims();
    let device = d.recurrent.weight.device();
    let value = |b: &Option<burn::module::Param<Tensor<1>>>| match b {
        Some(b) => b.val(),
        None => Tensor::zeros([four_h], &device),
    };
    value(&d.input.bias) + value(&d.recurrent.bias)
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
        let states = lstm_layer(&self.forward, &self.backward, embedded.clone(), &mask);
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

    /// Loss `Σ out · probe` through one way of running the layer, and the gradients of `x` and
    /// of every LSTM parameter.
    fn layer_grads(
        net: &BiLstm,
        x: &Tensor<3>,
        mask: &Tensor<2>,
        probe: &Tensor<3>,
        fused: bool,
    ) -> (Vec<f32>, Vec<Vec<f32>>) {
        let x = x.clone().require_grad();
        let run = if fused { fused_layer } else { run_both };
        let out = run(&net.forward, &net.backward, x.clone(), mask);
        let host = |t: Tensor<1>| t.into_data().try_into_vec::<f32>().unwrap();
        let values = host(out.clone().reshape([-1]));
        let grads = (out * probe.clone()).sum().backward();
        let mut all = vec![host(x.grad(&grads).unwrap().reshape([-1]))];
        for d in [&net.forward, &net.backward] {
            for l in [&d.input, &d.recurrent] {
                all.push(host(l.weight.grad(&grads).unwrap().reshape([-1])));
                all.push(host(l.bias.as_ref().unwrap().grad(&grads).unwrap()));
            }
        }
        (values, all)
    }

    #[test]
    fn the_fused_layer_matches_burns_ops_forward_and_backward() {
        let device = Device::flex().autodiff();
        let config = BiLstmConfig {
            hidden: 9,
            ..small()
        };
        let net = config.init(&device, 4).unwrap();
        let (batch, positions) = (3, 7);
        let wave =
            |n: usize, k: f32| -> Vec<f32> { (0..n).map(|i| (i as f32 * k).sin()).collect() };
        let x = Tensor::<3>::from_data(
            TensorData::new(wave(batch * positions * 6, 0.7), [batch, positions, 6]),
            &device,
        );
        // Sentences of 7, 4 and 1 words, and one with a gap, which a packed sequence never
        // has but the kernel must still carry the state over.
        let mask = [
            [1.0; 7],
            [1., 1., 1., 1., 0., 0., 0.],
            [1., 0., 1., 1., 0., 1., 0.],
        ];
        let mask =
            Tensor::<2>::from_data(TensorData::new(mask.concat(), [batch, positions]), &device);
        let probe = Tensor::<3>::from_data(
            TensorData::new(wave(batch * positions * 18, 1.3), [batch, positions, 18]),
            &device,
        );
        let (out_f, grads_f) = layer_grads(&net, &x, &mask, &probe, true);
        let (out_c, grads_c) = layer_grads(&net, &x, &mask, &probe, false);
        let gap = crate::kernel_tests::largest_gap;
        assert!(
            gap(&out_f, &out_c) < 1e-5,
            "outputs differ by {}",
            gap(&out_f, &out_c)
        );
        assert!(
            out_c.iter().any(|v| v.abs() > 0.05),
            "a layer that outputs something"
        );
        for (k, (f, c)) in grads_f.iter().zip(&grads_c).enumerate() {
            assert_eq!(f.len(), c.len());
            assert!(gap(f, c) < 1e-5, "gradient {k} differs by {}", gap(f, c));
            assert!(
                c.iter().any(|v| v.abs() > 1e-3),
                "gradient {k} is not all zero"
            );
        }
    }
}
