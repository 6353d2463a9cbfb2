"""Exported text networks, read by numpy + safetensors (no burn, no torch), give the Rust logits.

Usage: python check_text.py NETWORK.safetensors PREDICTIONS.safetensors
(the second file comes from `distill predict`: token ids as `inputs`, the Rust `logits`).
Each forward pass below follows the PyTorch module the export names, in float64:
- transformer: nn.Embedding ×2, nn.LayerNorm, nn.TransformerEncoderLayer(d, heads, ff,
  activation="gelu", batch_first=True, norm_first=True) per block (pre-norm, padded keys masked,
  eval mode), a final nn.LayerNorm and nn.Linear on position 0;
- bilstm: nn.Embedding, nn.LSTM(bidirectional=True) over the packed sentence (gates i, f, g, o),
  max over the words, nn.Linear + ReLU, nn.Linear;
- bow: nn.EmbeddingBag(mode="mean", padding_idx=0), then nn.Linear + ReLU layers, nn.Linear;
- bert: Hugging Face's BertModel under its own names (word, position and token-type embeddings,
  post-norm layers with eps 1e-12, erf GELU), the mean of the last states over the real tokens,
  nn.Linear (the fine-tuned MiniLM teacher).
Exits non-zero on any mismatch.
"""
import json
import math
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

ERF = np.vectorize(math.erf, otypes=[np.float64])


def layer_norm(x, w, b, eps=1e-5):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def softmax(x):
    x = x - x.max(-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


def linear(w, b, x):
    return x @ w.T + b


def transformer(p, a, ids):
    n, length = ids.shape
    d, heads = a["width"], a["heads"]
    dh = d // heads
    x = p["token_embedding.weight"][ids] + p["position_embedding.weight"][np.arange(length)][None]
    x = layer_norm(x, p["embedding_norm.weight"], p["embedding_norm.bias"])
    pad = (ids == 0)[:, None, None, :]
    for b in range(a["blocks"]):
        q = lambda name: p[f"layers.{b}.{name}"]
        normed = layer_norm(x, q("norm1.weight"), q("norm1.bias"))
        qkv = linear(q("self_attn.in_proj_weight"), q("self_attn.in_proj_bias"), normed)
        split = [t.reshape(n, length, heads, dh).transpose(0, 2, 1, 3) for t in np.split(qkv, 3, axis=-1)]
        scores = split[0] @ split[1].transpose(0, 1, 3, 2) / math.sqrt(dh)
        probs = softmax(np.where(pad, -np.inf, scores))
        context = (probs @ split[2]).transpose(0, 2, 1, 3).reshape(n, length, d)
        attended = linear(q("self_attn.out_proj.weight"), q("self_attn.out_proj.bias"), context)
        x = x + attended
        h = linear(q("linear1.weight"), q("linear1.bias"), layer_norm(x, q("norm2.weight"), q("norm2.bias")))
        h = 0.5 * h * (1.0 + ERF(h / math.sqrt(2.0)))
        x = x + linear(q("linear2.weight"), q("linear2.bias"), h)
    cls = layer_norm(x[:, 0], p["final_norm.weight"], p["final_norm.bias"])
    return linear(p["classifier.weight"], p["classifier.bias"], cls)


def lstm_direction(p, suffix, x, mask, reverse):
    n, length, _ = x.shape
    w_ih, w_hh = p[f"lstm.weight_ih_l0{suffix}"], p[f"lstm.weight_hh_l0{suffix}"]
    b = p[f"lstm.bias_ih_l0{suffix}"] + p[f"lstm.bias_hh_l0{suffix}"]
    hidden = w_hh.shape[1]
    h, c = np.zeros((n, hidden)), np.zeros((n, hidden))
    out = np.zeros((n, length, hidden))
    sigmoid = lambda z: 1.0 / (1.0 + np.exp(-z))
    for t in (range(length - 1, -1, -1) if reverse else range(length)):
        gates = x[:, t] @ w_ih.T + h @ w_hh.T + b
        i, f, g, o = np.split(gates, 4, axis=-1)
        c_new = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h_new = sigmoid(o) * np.tanh(c_new)
        m = mask[:, t, None]
        # A packed sequence skips the padding: the state passes it unchanged.
        c, h = np.where(m, c_new, c), np.where(m, h_new, h)
        out[:, t] = np.where(m, h_new, 0.0)
    return out


def bilstm(p, a, ids):
    mask = ids != 0
    x = p["embedding.weight"][ids]
    states = np.concatenate([lstm_direction(p, "", x, mask, False), lstm_direction(p, "_reverse", x, mask, True)], -1)
    pooled = np.where(mask[:, :, None], states, -np.inf).max(1)
    fc = np.maximum(linear(p["fc.weight"], p["fc.bias"], pooled), 0.0)
    return linear(p["classifier.weight"], p["classifier.bias"], fc)


def bow(p, a, ids):
    mask = (ids != 0)[:, :, None]
    h = (p["embedding.weight"][ids] * mask).sum(1) / mask.sum(1)
    for k in range(len(a["hidden"])):
        h = np.maximum(linear(p[f"hidden.{k}.weight"], p[f"hidden.{k}.bias"], h), 0.0)
    return linear(p["classifier.weight"], p["classifier.bias"], h)


def bert(p, a, ids):
    n, length = ids.shape
    d, heads = a["width"], a["heads"]
    dh = d // heads
    mask = ids != 0
    e = lambda name: p[f"embeddings.{name}"]
    x = e("word_embeddings.weight")[ids] + e("position_embeddings.weight")[np.arange(length)][None]
    x = layer_norm(x + e("token_type_embeddings.weight")[0], e("LayerNorm.weight"), e("LayerNorm.bias"), 1e-12)
    for layer in range(a["layers"]):
        q = lambda name: p[f"encoder.layer.{layer}.{name}"]
        split = lambda t: t.reshape(n, length, heads, dh).transpose(0, 2, 1, 3)
        query, key, value = (
            split(linear(q(f"attention.self.{w}.weight"), q(f"attention.self.{w}.bias"), x))
            for w in ("query", "key", "value")
        )
        scores = query @ key.transpose(0, 1, 3, 2) / math.sqrt(dh)
        probs = softmax(np.where(mask[:, None, None, :], scores, -np.inf))
        context = (probs @ value).transpose(0, 2, 1, 3).reshape(n, length, d)
        attended = linear(q("attention.output.dense.weight"), q("attention.output.dense.bias"), context)
        x = layer_norm(x + attended, q("attention.output.LayerNorm.weight"), q("attention.output.LayerNorm.bias"), 1e-12)
        h = linear(q("intermediate.dense.weight"), q("intermediate.dense.bias"), x)
        h = 0.5 * h * (1.0 + ERF(h / math.sqrt(2.0)))
        out = linear(q("output.dense.weight"), q("output.dense.bias"), h)
        x = layer_norm(x + out, q("output.LayerNorm.weight"), q("output.LayerNorm.bias"), 1e-12)
    pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
    return linear(p["classifier.weight"], p["classifier.bias"], pooled)


def main() -> None:
    network_path, predictions_path = sys.argv[1], sys.argv[2]
    with safe_open(network_path, framework="numpy") as f:
        architecture = json.loads(f.metadata()["architecture"])
    weights = {k: v.astype(np.float64) for k, v in load_file(network_path).items()}
    predictions = load_file(predictions_path)
    ids = predictions["inputs"].astype(np.int64)
    assert np.all(predictions["inputs"] == ids), "token ids must be whole numbers"
    forward = {"transformer": transformer, "bilstm": bilstm, "bow": bow, "bert": bert}[architecture["kind"]]
    numpy_logits = forward(weights, architecture, ids)
    rust_logits = predictions["logits"]
    worst = float(np.max(np.abs(numpy_logits - rust_logits)))
    scale = float(np.max(np.abs(rust_logits)))
    accuracy = float(np.mean(np.argmax(numpy_logits, axis=1) == predictions["labels"]))
    print(
        f"numpy forward of a {architecture['kind']} on {len(ids)} sentences: "
        f"max |numpy - rust| = {worst:.2e} (logits up to {scale:.1f}); accuracy {accuracy:.2%}"
    )
    if not worst <= 1e-5:
        sys.exit(f"logits differ by {worst} > 1e-5")


if __name__ == "__main__":
    main()
