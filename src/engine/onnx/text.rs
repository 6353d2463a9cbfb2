//! The networks that read token ids (`int64 [batch, positions]`, 0 for padding): the bag of
//! words, the BiLSTM and the transformer, each computing what the engine's forward pass does.

use super::features::gemm;
use super::graph::{Graph, float, int, ints};
use super::proto::{ATTR_STRING, AttributeProto, FLOAT};
use super::{Tensors, gelu};
use crate::error::Result;
use crate::network::{BiLstmConfig, BowConfig, TransformerConfig};

/// `[batch, positions]`: 1.0 at a token, 0.0 at padding.
fn token_mask(g: &mut Graph, ids: &str) -> String {
    let zero = g.ints("pad_id", &[0]);
    let pad = g.op("Equal", &[ids, &zero], vec![]);
    let token = g.op("Not", &[&pad], vec![]);
    g.op("Cast", &[&token], vec![int("to", FLOAT as i64)])
}

/// `mask`'s 0 as −10⁹ and 1 as 0 (added before a softmax or a max, as the engine does).
fn padding_bias(g: &mut Graph, mask: &str) -> String {
    let one = g.scalar(1.0);
    let shifted = g.op("Sub", &[mask, &one], vec![]);
    let big = g.scalar(1e9);
    g.op("Mul", &[&shifted, &big], vec![])
}

fn embed(
    g: &mut Graph,
    t: &Tensors,
    name: &str,
    ids: &str,
    [rows, width]: [usize; 2],
) -> Result<String> {
    let table = g.weight(name, &[rows, width], t.get(name)?);
    Ok(g.op("Gather", &[&table, ids], vec![]))
}

/// The mean of the words' embeddings (padding left out), then ReLU layers and the classifier.
pub fn bow(g: &mut Graph, c: &BowConfig, t: &Tensors, ids: &str) -> Result<String> {
    let mask = token_mask(g, ids);
    let embedded = embed(g, t, "embedding.weight", ids, [c.vocab, c.embed])?;
    let axis2 = g.ints("axis_2", &[2]);
    let weights = g.op("Unsqueeze", &[&mask, &axis2], vec![]);
    let masked = g.op("Mul", &[&embedded, &weights], vec![]);
    let axis1 = g.ints("axis_1", &[1]);
    let sum = g.op("ReduceSum", &[&masked, &axis1], vec![int("keepdims", 0)]);
    let count = g.op("ReduceSum", &[&mask, &axis1], vec![int("keepdims", 1)]);
    let one = g.scalar(1.0);
    let count = g.op("Max", &[&count, &one], vec![]);
    let mut x = g.op("Div", &[&sum, &count], vec![]);
    let mut width = c.embed;
    for (k, &w) in c.hidden.iter().enumerate() {
        x = gemm(g, t, &x, &format!("hidden.{k}"), [w, width])?;
        x = g.op("Relu", &[&x], vec![]);
        width = w;
    }
    gemm(g, t, &x, "classifier", [c.classes, width])
}

/// nn.LSTM's gates come as i, f, g, o; ONNX's LSTM takes i, o, f, c: the rows of `v` (a
/// matrix of `4·hidden` rows, or a bias) reordered.
fn onnx_gates(v: &[f32], hidden: usize) -> Vec<f32> {
    let row = v.len() / (4 * hidden);
    [0, 3, 1, 2]
        .iter()
        .flat_map(|g| &v[g * hidden * row..(g + 1) * hidden * row])
        .copied()
        .collect()
}

/// Both directions' biases, reordered and stacked.
fn lstm_gates(t: &Tensors, name: &str, hidden: usize) -> Result<Vec<f32>> {
    let mut out = Vec::new();
    for suffix in ["", "_reverse"] {
        out.extend(onnx_gates(t.get(&format!("{name}{suffix}"))?, hidden));
    }
    Ok(out)
}

/// Both directions' matrices `[1, 4·hidden, in]` each (each its own int8 scale, as each is its
/// own tensor in the file), joined as the `[2, 4·hidden, in]` ONNX's LSTM takes.
fn lstm_matrix(
    g: &mut Graph,
    t: &Tensors,
    name: &str,
    [hidden, inputs]: [usize; 2],
) -> Result<String> {
    let mut parts = Vec::new();
    for suffix in ["", "_reverse"] {
        let full = format!("{name}{suffix}");
        let v = onnx_gates(t.get(&full)?, hidden);
        parts.push(g.weight(&full, &[1, 4 * hidden, inputs], &v));
    }
    Ok(g.op("Concat", &[&parts[0], &parts[1]], vec![int("axis", 0)]))
}

/// Both directions over the words (each stops at the last word, as a packed sequence does),
/// the max over the words, a ReLU layer and the classifier.
pub fn bilstm(g: &mut Graph, c: &BiLstmConfig, t: &Tensors, ids: &str) -> Result<String> {
    let (e, h) = (c.embed, c.hidden);
    let mask = token_mask(g, ids);
    let embedded = embed(g, t, "embedding.weight", ids, [c.vocab, e])?;
    let time_major = g.op("Transpose", &[&embedded], vec![ints("perm", &[1, 0, 2])]);
    let w = lstm_matrix(g, t, "lstm.weight_ih_l0", [h, e])?;
    let r = lstm_matrix(g, t, "lstm.weight_hh_l0", [h, h])?;
    let (wb, rb) = (
        lstm_gates(t, "lstm.bias_ih_l0", h)?,
        lstm_gates(t, "lstm.bias_hh_l0", h)?,
    );
    let b: Vec<f32> = (0..2)
        .flat_map(|d| {
            [
                &wb[d * 4 * h..(d + 1) * 4 * h],
                &rb[d * 4 * h..(d + 1) * 4 * h],
            ]
            .concat()
        })
        .collect();
    let b = g.floats("lstm.bias", &[2, 8 * h], &b);
    let axis1 = g.ints("axis_1", &[1]);
    let lengths = g.op("ReduceSum", &[&mask, &axis1], vec![int("keepdims", 0)]);
    // A row of padding alone reads one step (onnxruntime wants a length of at least 1).
    let one = g.scalar(1.0);
    let lengths = g.op("Max", &[&lengths, &one], vec![]);
    let lengths = g.op("Cast", &[&lengths], vec![int("to", 6)]);
    let attrs = vec![int("hidden_size", h as i64), direction()];
    let y = g.op("LSTM", &[&time_major, &w, &r, &b, &lengths], attrs);
    // [positions, 2, batch, h] → [batch, positions, 2h], forward then backward.
    let batch_major = g.op("Transpose", &[&y], vec![ints("perm", &[2, 0, 1, 3])]);
    let shape = g.ints("states_shape", &[0, 0, 2 * h as i64]);
    let states = g.op("Reshape", &[&batch_major, &shape], vec![]);
    let bias = padding_bias(g, &mask);
    let axis2 = g.ints("axis_2", &[2]);
    let bias = g.op("Unsqueeze", &[&bias, &axis2], vec![]);
    let biased = g.op("Add", &[&states, &bias], vec![]);
    let pooled = g.op(
        "ReduceMax",
        &[&biased],
        vec![ints("axes", &[1]), int("keepdims", 0)],
    );
    let fc = gemm(g, t, &pooled, "fc", [c.fc, 2 * h])?;
    let fc = g.op("Relu", &[&fc], vec![]);
    gemm(g, t, &fc, "classifier", [c.classes, c.fc])
}

fn direction() -> AttributeProto {
    AttributeProto {
        name: "direction".into(),
        s: b"bidirectional".to_vec(),
        r#type: ATTR_STRING,
        ..Default::default()
    }
}

/// `x` (`[batch, positions, in]`) times the `nn.Linear` under `prefix`, plus its bias.
fn linear3(g: &mut Graph, t: &Tensors, x: &str, prefix: &str, dims: [usize; 2]) -> Result<String> {
    let w = g.weight_transposed(
        &format!("{prefix}.weight"),
        dims,
        t.get(&format!("{prefix}.weight"))?,
    );
    let b = g.floats(
        &format!("{prefix}.bias"),
        &[dims[0]],
        t.get(&format!("{prefix}.bias"))?,
    );
    let product = g.op("MatMul", &[x, &w], vec![]);
    Ok(g.op("Add", &[&product, &b], vec![]))
}

fn norm(g: &mut Graph, t: &Tensors, x: &str, prefix: &str, d: usize) -> Result<String> {
    let w = g.floats(
        &format!("{prefix}.weight"),
        &[d],
        t.get(&format!("{prefix}.weight"))?,
    );
    let b = g.floats(
        &format!("{prefix}.bias"),
        &[d],
        t.get(&format!("{prefix}.bias"))?,
    );
    let attrs = vec![int("axis", -1), float("epsilon", 1e-5)];
    Ok(g.op("LayerNormalization", &[x, &w, &b], attrs))
}

/// Token and position embeddings, their norm, the pre-norm blocks (padded keys masked), and the
/// classifier on position 0 after the final norm.
pub fn transformer(g: &mut Graph, c: &TransformerConfig, t: &Tensors, ids: &str) -> Result<String> {
    let d = c.width;
    let mask = token_mask(g, ids);
    let bias = padding_bias(g, &mask);
    let axes = g.ints("axes_1_2", &[1, 2]);
    let bias = g.op("Unsqueeze", &[&bias, &axes], vec![]);
    let tokens = embed(g, t, "token_embedding.weight", ids, [c.vocab, d])?;
    let shape = g.op("Shape", &[ids], vec![]);
    let one = g.ints("index_1", &[1]);
    let length = g.op("Gather", &[&shape, &one], vec![int("axis", 0)]);
    let (start, step) = (g.ints("zero", &[0]), g.ints("one", &[1]));
    let (start, length, step) = (squeeze(g, &start), squeeze(g, &length), squeeze(g, &step));
    let places = g.op("Range", &[&start, &length, &step], vec![]);
    let positions = embed(g, t, "position_embedding.weight", &places, [c.max_len, d])?;
    let x = g.op("Add", &[&tokens, &positions], vec![]);
    let mut x = norm(g, t, &x, "embedding_norm", d)?;
    for b in 0..c.blocks {
        x = block(g, c, t, &x, &bias, b)?;
    }
    let zero = g.ints("index_0", &[0]);
    let first = g.op("Gather", &[&x, &zero], vec![int("axis", 1)]);
    let shape = g.ints("cls_shape", &[-1, d as i64]);
    let cls = g.op("Reshape", &[&first, &shape], vec![]);
    let cls = norm(g, t, &cls, "final_norm", d)?;
    gemm(g, t, &cls, "classifier", [c.classes, d])
}

fn squeeze(g: &mut Graph, one_element: &str) -> String {
    g.op("Squeeze", &[one_element], vec![])
}

fn block(
    g: &mut Graph,
    c: &TransformerConfig,
    t: &Tensors,
    x: &str,
    bias: &str,
    b: usize,
) -> Result<String> {
    let (d, heads) = (c.width, c.heads);
    let p = format!("layers.{b}.");
    let normed = norm(g, t, x, &format!("{p}norm1"), d)?;
    let w = g.weight_transposed(
        &format!("{p}self_attn.in_proj_weight"),
        [3 * d, d],
        t.get(&format!("{p}self_attn.in_proj_weight"))?,
    );
    let bqkv = g.floats(
        &format!("{p}self_attn.in_proj_bias"),
        &[3 * d],
        t.get(&format!("{p}self_attn.in_proj_bias"))?,
    );
    let qkv = g.op("MatMul", &[&normed, &w], vec![]);
    let qkv = g.op("Add", &[&qkv, &bqkv], vec![]);
    let split = g.ints(&format!("{p}split"), &[d as i64; 3]);
    let parts = g.split(&qkv, &split, 3, 2);
    let head_shape = g.ints("head_shape", &[0, 0, heads as i64, (d / heads) as i64]);
    let heads_of = |g: &mut Graph, part: &str, perm: &[i64]| {
        let r = g.op("Reshape", &[part, &head_shape], vec![]);
        g.op("Transpose", &[&r], vec![ints("perm", perm)])
    };
    let q = heads_of(g, &parts[0], &[0, 2, 1, 3]);
    let k = heads_of(g, &parts[1], &[0, 2, 3, 1]);
    let v = heads_of(g, &parts[2], &[0, 2, 1, 3]);
    let scores = g.op("MatMul", &[&q, &k], vec![]);
    let root = g.scalar(((d / heads) as f32).sqrt());
    let scores = g.op("Div", &[&scores, &root], vec![]);
    let scores = g.op("Add", &[&scores, bias], vec![]);
    let attention = g.op("Softmax", &[&scores], vec![int("axis", -1)]);
    let context = g.op("MatMul", &[&attention, &v], vec![]);
    let context = g.op("Transpose", &[&context], vec![ints("perm", &[0, 2, 1, 3])]);
    let flat = g.ints("model_shape", &[0, 0, d as i64]);
    let context = g.op("Reshape", &[&context, &flat], vec![]);
    let attended = linear3(g, t, &context, &format!("{p}self_attn.out_proj"), [d, d])?;
    let x = g.op("Add", &[x, &attended], vec![]);
    let normed = norm(g, t, &x, &format!("{p}norm2"), d)?;
    let inner = linear3(g, t, &normed, &format!("{p}linear1"), [c.ff, d])?;
    let inner = gelu(g, &inner);
    let ff = linear3(g, t, &inner, &format!("{p}linear2"), [d, c.ff])?;
    Ok(g.op("Add", &[&x, &ff], vec![]))
}
