//! Teacher and student networks: multilayer perceptrons built from an [`MlpConfig`].
//!
//! `forward` returns the logits and every hidden state (after the activation), so a loss can tap
//! any layer. Hidden layers are numbered from 1 (the first hidden layer) to `depth()`; the input is
//! not a layer, which is how Patient KD counts.

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::activation::{gelu, relu, tanh};
use burn::tensor::{Device, Tensor, TensorData};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

use super::{Architecture, Classifier, Forward, Input, Taps};
use crate::error::{Error, Result};

/// The non-linearity between layers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    #[default]
    Relu,
    Tanh,
    Gelu,
}

impl Activation {
    pub fn apply<const D: usize>(self, x: Tensor<D>) -> Tensor<D> {
        match self {
            Activation::Relu => relu(x),
            Activation::Tanh => tanh(x),
            Activation::Gelu => gelu(x),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Tanh => "tanh",
            Activation::Gelu => "gelu",
        }
    }
}

impl std::str::FromStr for Activation {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "relu" => Ok(Activation::Relu),
            "tanh" => Ok(Activation::Tanh),
            "gelu" => Ok(Activation::Gelu),
            other => Err(Error::ModelConfig(format!(
                "unknown activation '{other}' (expected relu, tanh or gelu)"
            ))),
        }
    }
}

/// Shape of an MLP: `inputs → hidden[0] → … → hidden[k-1] → classes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MlpConfig {
    pub inputs: usize,
    pub hidden: Vec<usize>,
    pub classes: usize,
    #[serde(default)]
    pub activation: Activation,
    /// The rank of each linear layer, hidden ones then the output, 0 for a full one; empty
    /// when none is factorized (see `mlp_layers`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranks: Vec<usize>,
    /// ALBERT's cross-layer sharing: every hidden layer after the first is one layer (all
    /// hidden widths equal).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shared: bool,
}

/// Upper bounds that keep a file or a URL from asking for an absurd network.
pub const MAX_WIDTH: usize = 4096;
pub const MAX_DEPTH: usize = 32;

impl MlpConfig {
    /// The default teacher: 6 hidden layers of 128 (BERT-base's 12 layers, scaled down).
    pub fn teacher(inputs: usize, classes: usize) -> Self {
        Self {
            inputs,
            hidden: vec![128; 6],
            classes,
            activation: Activation::Relu,
            ranks: Vec::new(),
            shared: false,
        }
    }

    /// The default student: 3 hidden layers of 32 (half the teacher's depth, as BERT 12 → 6).
    pub fn student(inputs: usize, classes: usize) -> Self {
        Self {
            inputs,
            hidden: vec![32; 3],
            classes,
            activation: Activation::Relu,
            ranks: Vec::new(),
            shared: false,
        }
    }

    pub fn depth(&self) -> usize {
        self.hidden.len()
    }

    /// Width of hidden layer `layer` (1-based).
    pub fn width(&self, layer: usize) -> Option<usize> {
        layer
            .checked_sub(1)
            .and_then(|i| self.hidden.get(i))
            .copied()
    }

    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::ModelConfig(m));
        if self.inputs == 0 || self.inputs > 1 << 20 {
            return bad(format!("input size {} is out of range", self.inputs));
        }
        if self.classes < 2 || self.classes > 1000 {
            return bad(format!("{} classes: need between 2 and 1000", self.classes));
        }
        if self.hidden.len() > MAX_DEPTH {
            return bad(format!(
                "{} hidden layers: at most {MAX_DEPTH}",
                self.hidden.len()
            ));
        }
        if let Some((i, w)) = self
            .hidden
            .iter()
            .enumerate()
            .find(|(_, w)| **w == 0 || **w > MAX_WIDTH)
        {
            return bad(format!(
                "hidden layer {} has width {w}: widths must be 1..={MAX_WIDTH}",
                i + 1
            ));
        }
        self.validate_ranks()?;
        self.validate_sharing()
    }

    /// "64→32→16→10 relu", with three or more equal hidden layers written once: "64→128×6→10
    /// relu" (a teacher's shape would not fit on a line otherwise).
    pub fn describe(&self) -> String {
        let mut widths = vec![self.inputs.to_string()];
        for run in self.hidden.chunk_by(|a, b| a == b) {
            match run {
                [w, _, _, ..] => widths.push(format!("{w}×{}", run.len())),
                _ => widths.extend(run.iter().map(|w| w.to_string())),
            }
        }
        widths.push(self.classes.to_string());
        format!(
            "{} {}{}",
            widths.join("→"),
            self.activation.name(),
            self.describe_ranks() + &self.describe_sharing()
        )
    }

    /// Number of trainable parameters, counted in u64 and saturating, so a file's declared
    /// architecture can be checked before anything is built (usize is 32 bits on wasm32).
    pub fn declared_params(&self) -> u64 {
        self.sequential()
            .iter()
            .map(|l| l.params())
            .fold(0u64, u64::saturating_add)
    }

    /// Number of trainable parameters (weights and biases).
    pub fn num_params(&self) -> usize {
        usize::try_from(self.declared_params()).unwrap_or(usize::MAX)
    }

    /// `(inputs, outputs)` of every linear layer, hidden ones first, then the output layer.
    pub fn layer_shapes(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        let widths: Vec<usize> = std::iter::once(self.inputs)
            .chain(self.hidden.iter().copied())
            .chain(std::iter::once(self.classes))
            .collect();
        (0..widths.len() - 1).map(move |i| (widths[i], widths[i + 1]))
    }

    /// PyTorch `nn.Sequential` names: linear layer k is `{2k}.weight` `[out, in]` and
    /// `{2k}.bias` (the odd indices are the activations) unless some are factorized.
    pub fn pytorch_shapes(&self) -> Vec<(String, Vec<usize>)> {
        self.sequential().iter().flat_map(|l| l.shapes()).collect()
    }

    /// Parse "128x6" (6 layers of 128) or "64,32,32" (explicit widths); "" means no hidden layer.
    pub fn parse_hidden(spec: &str) -> Result<Vec<usize>> {
        let spec = spec.trim();
        if spec.is_empty() {
            return Ok(Vec::new());
        }
        let parse = |s: &str| {
            s.trim().parse::<usize>().map_err(|_| {
                Error::ModelConfig(format!(
                    "'{s}' in hidden layers '{spec}' is not a number (use e.g. 128x6 or 64,32,32)"
                ))
            })
        };
        if let Some((w, n)) = spec.split_once(['x', 'X', '×']) {
            let (w, n) = (parse(w)?, parse(n)?);
            if n > MAX_DEPTH {
                return Err(Error::ModelConfig(format!(
                    "{n} hidden layers: at most {MAX_DEPTH}"
                )));
            }
            Ok(vec![w; n])
        } else {
            spec.split(',').map(parse).collect()
        }
    }

    /// A freshly initialised network. The weights are drawn on the host from `seed` (PyTorch's
    /// `nn.Linear` default, U(−1/√in, 1/√in)), so the same seed gives the same network on every
    /// device, thread and platform — burn's device RNG is global and lazily consumed.
    pub fn init(&self, device: &Device, seed: u64) -> Result<Mlp> {
        self.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut down = Vec::new();
        let mut layers = Vec::new();
        for layer in self.sequential() {
            let (i, o) = (layer.inputs, layer.outputs);
            let factor = layer.rank.map(|r| {
                let (w, _) = fan_in_uniform(&mut rng, i, i * r, 0);
                (super::mlp_layers::projection_from_host(&w, i, r, device), r)
            });
            let width = factor.as_ref().map_or(i, |(_, r)| *r);
            down.push(factor.map(|(linear, _)| linear));
            layers.push(random_linear(width, o, &mut rng, device));
        }
        let output = layers
            .pop()
            .ok_or_else(|| Error::ModelConfig("a network needs at least an output layer".into()))?;
        Ok(Mlp {
            hidden: layers,
            output,
            down: if self.ranks.is_empty() {
                Vec::new()
            } else {
                down
            },
            shared_depth: self.shared.then_some(self.depth()),
            activation: self.activation,
            dropout: MlpDropout::default(),
        })
    }
}

/// A row-major `[rows, cols]` matrix as row-major `[cols, rows]`: PyTorch's `[out, in]` as
/// burn's `[in, out]`.
pub fn transposed(values: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut t = vec![0.0; rows * cols];
    for r in 0..rows {
        for c in 0..cols {
            t[c * rows + r] = values[r * cols + c];
        }
    }
    t
}

/// A linear layer from host values: `weight_out_in` is PyTorch's `[out, in]` layout, row-major.
pub fn linear_from_host(
    weight_out_in: &[f32],
    bias: &[f32],
    inputs: usize,
    outputs: usize,
    device: &Device,
) -> Linear {
    // burn stores [in, out]: transpose.
    let w = transposed(weight_out_in, outputs, inputs);
    Linear {
        weight: Param::from_tensor(Tensor::<2>::from_data(
            TensorData::new(w, [inputs, outputs]),
            device,
        )),
        bias: Some(Param::from_tensor(Tensor::<1>::from_data(
            TensorData::new(bias.to_vec(), [outputs]),
            device,
        ))),
    }
}

/// A linear layer initialised like PyTorch's `nn.Linear`, from `rng`.
pub fn random_linear(
    inputs: usize,
    outputs: usize,
    rng: &mut ChaCha8Rng,
    device: &Device,
) -> Linear {
    let (w, b) = fan_in_uniform(rng, inputs, inputs * outputs, outputs);
    linear_from_host(&w, &b, inputs, outputs, device)
}

/// PyTorch's default initialisation: `weights` then `biases` values drawn uniformly within
/// ±1/√`fan_in`.
pub fn fan_in_uniform(
    rng: &mut ChaCha8Rng,
    fan_in: usize,
    weights: usize,
    biases: usize,
) -> (Vec<f32>, Vec<f32>) {
    let bound = 1.0 / (fan_in as f32).sqrt();
    let mut draw =
        |n: usize| -> Vec<f32> { (0..n).map(|_| rng.random_range(-bound..bound)).collect() };
    let w = draw(weights);
    (w, draw(biases))
}

/// A multilayer perceptron. Weights follow burn's layout (`[in, out]`); `export` converts.
#[derive(Module, Debug)]
pub struct Mlp {
    pub hidden: Vec<Linear>,
    pub output: Linear,
    /// Each linear layer's first factor when factorized (`mlp_layers`); empty when none is.
    pub down: Vec<Option<Linear>>,
    /// The depth when the hidden layers after the first are one (`shared`): `hidden` then
    /// holds two layers.
    #[module(skip)]
    pub shared_depth: Option<usize>,
    #[module(skip)]
    pub activation: Activation,
    /// Dropout while training (a setting of the run, not part of the architecture or the file).
    #[module(skip)]
    pub dropout: MlpDropout,
}

/// Dropout rates of an MLP: on its inputs, and after each hidden layer. Active only on a
/// training (autodiff) device, so evaluation and the teacher in a distillation see every unit.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MlpDropout {
    pub input: f64,
    pub hidden: f64,
}

/// Its taps are the hidden states after each hidden layer's activation.
impl Classifier for Mlp {
    fn forward(&self, input: Input) -> Forward {
        let mut hidden = Vec::with_capacity(self.hidden.len());
        let mut h = self.drop(input.features(), self.dropout.input);
        for k in 0..self.depth() {
            h = self.activation.apply(self.layer_forward(k, h));
            hidden.push(h.clone().unsqueeze_dim(1));
            h = self.drop(h, self.dropout.hidden);
        }
        Forward {
            logits: self.layer_forward(self.depth(), h),
            taps: Taps::new(hidden),
        }
    }

    /// Logits only; skips keeping the hidden states.
    fn logits(&self, input: Input) -> Tensor<2> {
        let x = self.drop(input.features(), self.dropout.input);
        let h = (0..self.depth()).fold(x, |h, k| {
            self.drop(
                self.activation.apply(self.layer_forward(k, h)),
                self.dropout.hidden,
            )
        });
        self.layer_forward(self.depth(), h)
    }

    fn architecture(&self) -> Architecture {
        Architecture::Mlp(self.config())
    }
}

impl Mlp {
    /// Inverted dropout while this network trains. Whether it trains is read off its weights'
    /// device, not the input's: a trainer's batches come from the plain device.
    fn drop(&self, x: Tensor<2>, p: f64) -> Tensor<2> {
        if p <= 0.0 || !self.output.weight.device().is_autodiff() {
            return x;
        }
        let keep = x.random_like(burn::tensor::Distribution::Bernoulli(1.0 - p));
        x * keep / (1.0 - p)
    }

    /// The configuration this network was built from, read off its weights.
    pub fn config(&self) -> MlpConfig {
        let dims = |l: &Linear| {
            let [i, o] = l.weight.dims();
            (i, o)
        };
        let first = self.hidden.first().unwrap_or(&self.output);
        let ranks: Vec<usize> = self
            .down
            .iter()
            .map(|d| d.as_ref().map_or(0, |l| dims(l).1))
            .collect();
        let inputs = match self.down.first() {
            Some(Some(d)) => dims(d).0,
            _ => dims(first).0,
        };
        let mut hidden: Vec<usize> = self.hidden.iter().map(|l| dims(l).1).collect();
        if let (Some(depth), Some(w)) = (self.shared_depth, hidden.last().copied()) {
            hidden.resize(depth, w);
        }
        MlpConfig {
            inputs,
            hidden,
            classes: dims(&self.output).1,
            activation: self.activation,
            ranks,
            shared: self.shared_depth.is_some(),
        }
    }
}

impl Mlp {
    /// NaN output weights, as a blown-up update leaves them: new leaves of the graph, like the
    /// tensors an optimizer step makes (for the divergence tests of the trainer and the session,
    /// which is another crate, so this is not `cfg(test)`).
    #[doc(hidden)]
    pub fn poisoned(mut self) -> Self {
        self.output.weight = self
            .output
            .weight
            .map(|w| w.mul_scalar(f32::NAN).detach().require_grad());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_writes_long_runs_of_equal_layers_once() {
        let cfg = |hidden: Vec<usize>| MlpConfig {
            inputs: 64,
            hidden,
            classes: 10,
            activation: Activation::Relu,
            ranks: Vec::new(),
            shared: false,
        };
        assert_eq!(cfg(vec![128; 6]).describe(), "64→128×6→10 relu");
        assert_eq!(cfg(vec![32, 32]).describe(), "64→32→32→10 relu");
        assert_eq!(
            cfg(vec![16, 32, 32, 32, 8, 8]).describe(),
            "64→16→32×3→8→8→10 relu"
        );
        assert_eq!(cfg(vec![]).describe(), "64→10 relu");
    }

    #[test]
    fn forward_shapes_and_hidden_states() {
        let device = Device::flex();
        let cfg = MlpConfig {
            inputs: 5,
            hidden: vec![7, 4, 3],
            classes: 2,
            activation: Activation::Relu,
            ranks: Vec::new(),
            shared: false,
        };
        let model = cfg.init(&device, 1).unwrap();
        let out = model.forward(Input::Features(Tensor::<2>::ones([6, 5], &device)));
        assert_eq!(out.logits.dims(), [6, 2]);
        let widths: Vec<_> = (1..=3)
            .map(|l| out.taps.hidden(l).unwrap().dims())
            .collect();
        assert_eq!(widths, vec![[6, 1, 7], [6, 1, 4], [6, 1, 3]]);
        assert_eq!(model.config(), cfg);
        assert_eq!(
            cfg.num_params(),
            5 * 7 + 7 + 7 * 4 + 4 + 4 * 3 + 3 + 3 * 2 + 2
        );
        // logits() is the same computation without keeping hidden states.
        let a = out.logits.into_data().try_to_vec::<f32>().unwrap();
        let b = model
            .logits(Input::Features(Tensor::<2>::ones([6, 5], &device)))
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert_eq!(a, b);
        // The seed alone decides the weights.
        let again = cfg
            .init(&device, 1)
            .unwrap()
            .logits(Input::Features(Tensor::<2>::ones([6, 5], &device)));
        assert_eq!(again.into_data().try_to_vec::<f32>().unwrap(), a);
        let other = cfg
            .init(&device, 2)
            .unwrap()
            .logits(Input::Features(Tensor::<2>::ones([6, 5], &device)));
        assert_ne!(other.into_data().try_to_vec::<f32>().unwrap(), a);
    }

    #[test]
    fn relu_hidden_states_are_non_negative() {
        let device = Device::flex();
        let model = MlpConfig::student(4, 3).init(&device, 1).unwrap();
        let x = Tensor::<2>::random(
            [8, 4],
            burn::tensor::Distribution::Normal(0.0, 3.0),
            &device,
        );
        let taps = model.forward(Input::Features(x)).taps;
        for layer in 1..=3 {
            let v = taps
                .hidden(layer)
                .unwrap()
                .clone()
                .into_data()
                .try_to_vec::<f32>()
                .unwrap();
            assert!(v.iter().all(|x| *x >= 0.0));
        }
    }

    #[test]
    fn parse_hidden_forms_and_errors() {
        assert_eq!(MlpConfig::parse_hidden("128x6").unwrap(), vec![128; 6]);
        assert_eq!(
            MlpConfig::parse_hidden("64,32, 16").unwrap(),
            vec![64, 32, 16]
        );
        assert_eq!(MlpConfig::parse_hidden("").unwrap(), Vec::<usize>::new());
        let err = MlpConfig::parse_hidden("64,abc").unwrap_err().to_string();
        assert!(err.contains("'abc'"), "{err}");
        assert!(MlpConfig::parse_hidden("8x1000").is_err());
    }

    #[test]
    fn validate_rejects_zero_width_and_names_the_layer() {
        let cfg = MlpConfig {
            inputs: 4,
            hidden: vec![8, 0],
            classes: 3,
            activation: Activation::Relu,
            ranks: Vec::new(),
            shared: false,
        };
        let err = cfg.validate().unwrap_err().to_string();
        assert!(err.contains("hidden layer 2"), "{err}");
        assert!(cfg.init(&Device::flex(), 1).is_err());
    }
}
