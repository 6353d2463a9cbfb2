//! A network seen as entry → layers → exit, so a forward pass can take each module from the
//! teacher or from the student: the one thing module replacing needs of a network.

use std::ops::Range;

use burn::tensor::Tensor;
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;

use crate::error::{Error, Result};
use crate::network::{Classifier, Input, Mlp, Network, Transformer, random_linear};

/// A network module replacing can cut into layers.
#[derive(Clone, Copy)]
pub(super) enum Layered<'a> {
    Mlp(&'a Mlp),
    Transformer(&'a Transformer),
}

/// What every layer of a forward pass needs besides the hidden state: a transformer's
/// attention bias (where the padding is).
type Context = Option<Tensor<4>>;

impl<'a> Layered<'a> {
    pub(super) fn of(net: &'a Network) -> Result<Self> {
        match net {
            // Its modules are whole linear layers: a factorized one would be two.
            Network::Mlp(m) if !m.down.is_empty() || m.shared_depth.is_some() => {
                Err(Error::ModelConfig(
                    "module replacing needs a layer of its own at every depth; this MLP is \
                     factorized or shares a layer"
                        .into(),
                ))
            }
            Network::Mlp(m) => Ok(Layered::Mlp(m)),
            Network::Transformer(t) => Ok(Layered::Transformer(t)),
            other => Err(Error::ModelConfig(format!(
                "module replacing needs an MLP or transformer teacher, not a {}",
                other.architecture().kind()
            ))),
        }
    }

    /// The first hidden state, `[batch, positions, width]` (an MLP's input as one position).
    fn enter(self, input: Input) -> (Tensor<3>, Context) {
        match self {
            Layered::Transformer(t) => {
                let (h, bias) = t.enter(input);
                (h, Some(bias))
            }
            Layered::Mlp(_) => (input.features().unsqueeze_dim(1), None),
        }
    }

    /// Layer `index` (0-based).
    fn layer(self, index: usize, h: Tensor<3>, context: &Context) -> Tensor<3> {
        match (self, context) {
            (Layered::Transformer(t), Some(bias)) => t.block(index, h, bias.clone()),
            (Layered::Mlp(m), _) => match m.hidden.get(index) {
                Some(linear) => m.activation.apply(linear.forward(h)),
                None => h,
            },
            (Layered::Transformer(_), None) => h,
        }
    }

    /// The logits from the last hidden state.
    fn leave(self, h: Tensor<3>) -> Tensor<2> {
        match self {
            Layered::Transformer(t) => t.classify(h),
            Layered::Mlp(m) => {
                let [batch, _, width] = h.dims();
                m.output.forward(h.reshape([batch, width]))
            }
        }
    }
}

/// One forward pass where module g runs as the student's layer g when `successor[g]`, else as
/// the teacher's layers `modules[g]`. Entry and exit are the student's.
pub(super) fn forward(
    teacher: Layered,
    student: Layered,
    modules: &[Range<usize>],
    successor: &[bool],
    input: Input,
) -> Tensor<2> {
    let (mut h, context) = student.enter(input);
    for (g, layers) in modules.iter().enumerate() {
        if successor.get(g).copied().unwrap_or(true) {
            h = student.layer(g, h, &context);
        } else {
            for l in layers.clone() {
                h = teacher.layer(l, h, &context);
            }
        }
    }
    student.leave(h)
}

/// The successor network: n layers initialised from the teacher's first n (the paper's
/// choice) where the shapes allow, entry and classifier copied from the teacher.
pub(super) fn successors_of(
    teacher: &Network,
    modules: &[Range<usize>],
    seed: u64,
) -> Result<Network> {
    Ok(match Layered::of(teacher)? {
        Layered::Mlp(m) => Network::Mlp(mlp_successors(m, modules, seed)),
        Layered::Transformer(t) => {
            let mut student = t.clone();
            student.blocks.truncate(modules.len());
            Network::Transformer(student)
        }
    })
}

/// Successor g maps the width before module g to the width after it.
fn mlp_successors(teacher: &Mlp, modules: &[Range<usize>], seed: u64) -> Mlp {
    let config = teacher.config();
    let width_before = |l: usize| match l {
        0 => config.inputs,
        l => config.hidden[l - 1],
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7468_7365);
    let hidden = modules
        .iter()
        .enumerate()
        .map(|(g, layers)| {
            let (inputs, outputs) = (width_before(layers.start), config.hidden[layers.end - 1]);
            let own = &teacher.hidden[g];
            let [i, o] = own.weight.dims();
            if (i, o) == (inputs, outputs) {
                own.clone()
            } else {
                random_linear(inputs, outputs, &mut rng, &own.weight.device())
            }
        })
        .collect();
    Mlp {
        hidden,
        output: teacher.output.clone(),
        down: Vec::new(),
        shared_depth: None,
        activation: teacher.activation,
        dropout: Default::default(),
    }
}
