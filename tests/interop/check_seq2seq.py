"""The CMUdict encoder-decoder, read by numpy + safetensors: burn's TransformerEncoder and
TransformerDecoder (pre-norm) written out in numpy give the Rust logits.

Usage: python check_seq2seq.py MODEL.safetensors LOGITS.safetensors
(the model from `distill g2p-teacher`, the logits from `distill g2p --logits-out`). The file
holds burn's module names and layouts (a linear weight is [in, out]). Exits non-zero on a
mismatch.
"""
import json
import math
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

PAD = 0
MASKED = -1.0e4  # burn's MultiHeadAttention fills masked scores with this
erf = np.vectorize(math.erf, otypes=[np.float64])


def norm(w, prefix, x):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-5) * w[f"{prefix}.gamma"] + w[f"{prefix}.beta"]


def linear(w, prefix, x):
    return x @ w[f"{prefix}.weight"] + w[f"{prefix}.bias"]


def attention(w, prefix, q_in, kv_in, heads, key_pad, causal=False):
    b, n, d = q_in.shape
    m = kv_in.shape[1]
    split = lambda t, length: t.reshape(b, length, heads, d // heads).transpose(0, 2, 1, 3)
    q = split(linear(w, f"{prefix}.query", q_in), n)
    k = split(linear(w, f"{prefix}.key", kv_in), m)
    v = split(linear(w, f"{prefix}.value", kv_in), m)
    scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d // heads)
    scores = np.where(key_pad[:, None, None, :], MASKED, scores)
    if causal:
        scores = np.where(np.triu(np.ones((n, m), bool), 1)[None, None], MASKED, scores)
    scores = np.exp(scores - scores.max(-1, keepdims=True))
    weights = scores / scores.sum(-1, keepdims=True)
    context = (weights @ v).transpose(0, 2, 1, 3).reshape(b, n, d)
    return linear(w, f"{prefix}.output", context)


def feed_forward(w, prefix, x):
    h = linear(w, f"{prefix}.linear_inner", x)
    return linear(w, f"{prefix}.linear_outer", 0.5 * h * (1.0 + erf(h / math.sqrt(2.0))))


def forward(w, config, letters, prefix):
    heads, layers = config["heads"], config["layers"]
    letter_pad, phone_pad = letters == PAD, prefix == PAD
    places = lambda t, table: w[f"{table}.weight"][np.arange(t.shape[1])][None]
    x = w["letters.weight"][letters] + places(letters, "letter_places")
    for i in range(layers):  # pre-norm: norm_2 before attention, norm_1 before the feed-forward
        p = f"encoder.layers.{i}"
        x = x + attention(w, f"{p}.mha", norm(w, f"{p}.norm_2", x), norm(w, f"{p}.norm_2", x), heads, letter_pad)
        x = x + feed_forward(w, f"{p}.pwff", norm(w, f"{p}.norm_1", x))
    memory, y = x, w["phones.weight"][prefix] + places(prefix, "phone_places")
    for i in range(layers):  # norm_3 before self-attention, norm_1 before cross, norm_2 before ff
        p = f"decoder.layers.{i}"
        h = norm(w, f"{p}.norm_3", y)
        y = y + attention(w, f"{p}.self_attn", h, h, heads, phone_pad, causal=True)
        y = y + attention(w, f"{p}.cross_attn", norm(w, f"{p}.norm_1", y), memory, heads, letter_pad)
        y = y + feed_forward(w, f"{p}.pwff", norm(w, f"{p}.norm_2", y))
    return linear(w, "out", y)


def main() -> None:
    model_path, logits_path = sys.argv[1], sys.argv[2]
    with safe_open(model_path, framework="numpy") as f:
        meta = f.metadata()
    assert meta["format"] == "distill-playground seq2seq", meta
    config = json.loads(meta["config"])
    w = {k: v.astype(np.float64) for k, v in load_file(model_path).items()}
    data = load_file(logits_path)
    letters, prefix = data["letters"].astype(np.int64), data["prefix"].astype(np.int64)
    numpy_logits = forward(w, config, letters, prefix)
    # Positions after a word's end see only padding in the decoder; compare the real ones.
    real = prefix != PAD
    worst = float(np.max(np.abs(numpy_logits - data["logits"])[real]))
    same = float(np.mean(numpy_logits.argmax(-1)[real] == data["logits"].argmax(-1)[real]))
    print(f"numpy encoder-decoder {config} on {len(letters)} words: max |numpy - rust| = {worst:.2e}, same top phoneme at {same:.2%} of positions")
    if not worst <= 1e-4:
        sys.exit(f"logits differ by {worst} > 1e-4")


if __name__ == "__main__":
    main()
