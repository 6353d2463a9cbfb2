"""The MiniLM teacher's forward pass that `distill bench --datasets brown` times, written in JAX.

BERT as pocket-encoder's MiniLM is shaped: vocabulary 30,522, width 384, 12 heads, feed-forward
1,536 with GELU (erf), 3 post-LN layers, word + position + token-type embeddings; padded keys
masked; logits from the mean of the last hidden states over the real pieces (6 Brown genres).
Rows of 64 pieces ([CLS] first, 0 for padding after a length drawn from 8 to 64), `batch` rows a
pass, with weights of the same shapes (the values do not change the time). The forward pass is
jitted; the median of the repeats is reported. Prints one JSON line per batch size; numbers are
reported, never asserted.
"""

import argparse
import json
import os
import platform
import time

import jax
import jax.numpy as jnp

# The dense layer and layer norm of the students' script (this directory): the same code.
from jax_text import apply, layer_norm, linear, norm

VOCAB, POSITIONS, WIDTH, HEADS, FF, LAYERS, CLASSES = 30_522, 64, 384, 12, 1_536, 3, 6


def init(key):
    keys = iter(jax.random.split(key, 4 + 6 * LAYERS))
    return {
        "words": jax.random.normal(next(keys), (VOCAB, WIDTH)) * 0.02,
        "places": jax.random.normal(next(keys), (POSITIONS, WIDTH)) * 0.02,
        "kind": jax.random.normal(next(keys), (WIDTH,)) * 0.02,
        "norm": norm(WIDTH),
        "layers": [
            {
                "q": linear(next(keys), WIDTH, WIDTH),
                "k": linear(next(keys), WIDTH, WIDTH),
                "v": linear(next(keys), WIDTH, WIDTH),
                "out": linear(next(keys), WIDTH, WIDTH),
                "up": linear(next(keys), WIDTH, FF),
                "down": linear(next(keys), FF, WIDTH),
                "norm1": norm(WIDTH),
                "norm2": norm(WIDTH),
            }
            for _ in range(LAYERS)
        ],
        "classifier": linear(next(keys), WIDTH, CLASSES),
    }


BERT_EPS = 1e-12


def heads(x):
    b, t, _ = x.shape
    return x.reshape(b, t, HEADS, WIDTH // HEADS).transpose(0, 2, 1, 3)


def layer(p, x, bias):
    q, k, v = (heads(apply(p[n], x)) for n in "qkv")
    scores = q @ k.transpose(0, 1, 3, 2) / jnp.sqrt(WIDTH // HEADS) + bias
    context = (jax.nn.softmax(scores, -1) @ v).transpose(0, 2, 1, 3).reshape(x.shape)
    x = layer_norm(p["norm1"], x + apply(p["out"], context), BERT_EPS)
    up = jax.nn.gelu(apply(p["up"], x), approximate=False)
    return layer_norm(p["norm2"], x + apply(p["down"], up), BERT_EPS)


def forward(params, ids):
    mask = (ids != 0).astype(jnp.float32)
    x = params["words"][ids] + params["places"][None] + params["kind"]
    x = layer_norm(params["norm"], x, BERT_EPS)
    bias = ((1.0 - mask) * -1e9)[:, None, None, :]
    for p in params["layers"]:
        x = layer(p, x, bias)
    pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
    return apply(params["classifier"], pooled)


def rows(key, batch):
    k_len, k_ids = jax.random.split(key)
    lengths = jax.random.randint(k_len, (batch, 1), 8, POSITIONS + 1)
    ids = jax.random.randint(k_ids, (batch, POSITIONS), 1_000, VOCAB)
    return jnp.where(jnp.arange(POSITIONS)[None] < lengths, ids, 0).at[:, 0].set(101)


def measure(batch, passes, repeats):
    k_init, k_rows = jax.random.split(jax.random.PRNGKey(0))
    params, ids = init(k_init), rows(k_rows, batch)
    run = jax.jit(forward)
    for _ in range(3):  # compiles, then warms up
        run(params, ids).block_until_ready()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(passes):
            out = run(params, ids)
        out.block_until_ready()
        times.append((time.perf_counter() - start) * 1e3 / passes)
    times.sort()
    return times[len(times) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", default="64,256")
    parser.add_argument("--seconds", type=float, default=3.0, help="about this long per repeat")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    meta = {
        "peer": "jax",
        "version": f"jax {jax.__version__}, XLA on {jax.devices()[0].platform}",
        "threads": os.environ.get("XLA_FLAGS", "default (all cores)"),
        "machine": platform.processor() or platform.machine(),
    }
    for batch in [int(b) for b in args.batches.split(",")]:
        probe = measure(batch, 2, 1)
        passes = max(3, int(args.seconds * 1e3 / probe))
        ms = measure(batch, passes, args.repeats)
        print(json.dumps({**meta, "model": "minilm", "batch": batch, "forward_ms": round(ms, 2)}), flush=True)


if __name__ == "__main__":
    main()
