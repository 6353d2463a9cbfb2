//! The networks that read a row of features: MLPs (whole, factorized or shared) and conv nets.

use super::graph::{Graph, int, ints};
use super::{Tensors, activation};
use crate::error::Result;
use crate::network::{CnnConfig, MlpConfig};

/// The logits of an MLP over `input`. A shared layer's weights are one initializer, read at
/// every depth; a factorized layer is two products.
pub fn mlp(g: &mut Graph, c: &MlpConfig, t: &Tensors, input: &str) -> Result<String> {
    let layers = c.sequential();
    let mut x = input.to_string();
    for k in 0..=c.depth() {
        let stored = match (c.shared, k == c.depth()) {
            (_, true) => layers.len() - 1,
            (true, false) => k.min(1),
            (false, false) => k,
        };
        let l = layers[stored];
        if let Some(r) = l.rank {
            let name = format!("{}.weight", l.index);
            let down = g.weight(&name, &[r, l.inputs], t.get(&name)?);
            x = g.op("Gemm", &[&x, &down], vec![int("transB", 1)]);
        }
        let prefix = l.biased_prefix();
        let width = l.rank.unwrap_or(l.inputs);
        x = gemm(g, t, &x, &prefix, [l.outputs, width])?;
        if k < c.depth() {
            x = activation(g, c.activation, &x);
        }
    }
    Ok(x)
}

/// `x · Wᵀ + b` for the `nn.Linear` stored under `prefix`, `[out, in]`.
pub fn gemm(g: &mut Graph, t: &Tensors, x: &str, prefix: &str, dims: [usize; 2]) -> Result<String> {
    let w = g.weight(
        &format!("{prefix}.weight"),
        &dims,
        t.get(&format!("{prefix}.weight"))?,
    );
    let b = g.floats(
        &format!("{prefix}.bias"),
        &[dims[0]],
        t.get(&format!("{prefix}.bias"))?,
    );
    Ok(g.op("Gemm", &[x, &w, &b], vec![int("transB", 1)]))
}

/// The logits of a conv net: the row as a one-channel image, each block a 3×3 convolution
/// (padding 1), ReLU and 2×2 max pooling, then the classifier on the flattened maps (channel,
/// row, column: PyTorch's order, and the engine's).
pub fn cnn(g: &mut Graph, c: &CnnConfig, t: &Tensors, input: &str) -> Result<String> {
    let shape = g.ints("image_shape", &[-1, 1, c.side as i64, c.side as i64]);
    let mut x = g.op("Reshape", &[input, &shape], vec![]);
    let mut inputs = 1;
    for (k, &channels) in c.channels.iter().enumerate() {
        let name = format!("blocks.{k}.weight");
        let w = g.weight(&name, &[channels, inputs, 3, 3], t.get(&name)?);
        let bias = format!("blocks.{k}.bias");
        let b = g.floats(&bias, &[channels], t.get(&bias)?);
        let conv = vec![ints("kernel_shape", &[3, 3]), ints("pads", &[1, 1, 1, 1])];
        x = g.op("Conv", &[&x, &w, &b], conv);
        x = g.op("Relu", &[&x], vec![]);
        let pool = vec![ints("kernel_shape", &[2, 2]), ints("strides", &[2, 2])];
        x = g.op("MaxPool", &[&x], pool);
        inputs = channels;
    }
    let flat = g.op("Flatten", &[&x], vec![int("axis", 1)]);
    let width = t.get("classifier.weight")?.len() / c.classes;
    gemm(g, t, &flat, "classifier", [c.classes, width])
}
