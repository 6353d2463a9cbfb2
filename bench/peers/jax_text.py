"""The text students' playground step that `distill bench --datasets spam` times, written in JAX.

Rows of 64 token ids ([CLS] first, then words, 0 for padding after a length drawn from 8 to 64),
the teacher's logits cached (3 classes), T = 4, α = 0.5, Adam (optax):
loss = α·CE(student, labels) + (1 − α)·T²·KL(teacher_T ‖ student_T), batch mean.
- transformer: vocabulary 6,005, width 32, 4 heads, feed-forward 64, 2 pre-LN blocks with GELU,
  padded keys masked, a final LayerNorm and the classifier on [CLS];
- bilstm: embeddings 64, 64 states per direction, run as over a packed sequence (padding leaves
  the state as it was and gives zeros), max over the words, a ReLU layer of 64, the classifier;
- bow: embeddings 32, their mean over the words, a ReLU layer of 32, the classifier.
Every step samples a batch from a 4,670-row set (the e-mails' training rows) and runs the
student's forward, backward and Adam as one jitted function. Prints one JSON line per
configuration; numbers are reported, never asserted.
"""

import argparse
import json
import os
import platform
import time

import jax
import jax.numpy as jnp
import optax

ROWS, POSITIONS, VOCAB, CLASSES = 4670, 64, 6005, 3
T, ALPHA = 4.0, 0.5


def normal(key, shape, std):
    return jax.random.normal(key, shape) * std


def linear(key, i, o):
    return {"w": normal(key, (i, o), 1 / jnp.sqrt(i)), "b": jnp.zeros(o)}


def apply(p, x):
    return x @ p["w"] + p["b"]


def layer_norm(p, x, eps=1e-5):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / jnp.sqrt(var + eps) * p["g"] + p["b"]


def norm(d):
    return {"g": jnp.ones(d), "b": jnp.zeros(d)}


def transformer_init(key, d=32, heads=4, ff=64, blocks=2):
    keys = iter(jax.random.split(key, 4 + 4 * blocks))
    return {
        "tokens": normal(next(keys), (VOCAB, d), 0.02),
        "places": normal(next(keys), (POSITIONS, d), 0.02),
        "norm": norm(d),
        "blocks": [
            {
                "qkv": linear(next(keys), d, 3 * d),
                "out": linear(next(keys), d, d),
                "ff1": linear(next(keys), d, ff),
                "ff2": linear(next(keys), ff, d),
                "norm1": norm(d),
                "norm2": norm(d),
            }
            for _ in range(blocks)
        ],
        "final": norm(d),
        "classifier": linear(next(keys), d, CLASSES),
    }


def transformer(p, ids, heads=4):
    mask = ids != 0
    bias = jnp.where(mask, 0.0, -1e9)[:, None, None, :]
    x = layer_norm(p["norm"], p["tokens"][ids] + p["places"][None, : ids.shape[1]])
    b, n, d = x.shape
    for blk in p["blocks"]:
        q, k, v = jnp.split(apply(blk["qkv"], layer_norm(blk["norm1"], x)), 3, axis=-1)
        split = lambda t: t.reshape(b, n, heads, d // heads).transpose(0, 2, 1, 3)
        q, k, v = split(q), split(k), split(v)
        scores = q @ k.transpose(0, 1, 3, 2) / jnp.sqrt(d // heads) + bias
        context = (jax.nn.softmax(scores, -1) @ v).transpose(0, 2, 1, 3).reshape(b, n, d)
        x = x + apply(blk["out"], context)
        inner = jax.nn.gelu(apply(blk["ff1"], layer_norm(blk["norm2"], x)), approximate=False)
        x = x + apply(blk["ff2"], inner)
    return apply(p["classifier"], layer_norm(p["final"], x[:, 0]))


def bilstm_init(key, e=64, h=64, fc=64):
    keys = iter(jax.random.split(key, 8))
    direction = lambda: {"ih": linear(next(keys), e, 4 * h), "hh": linear(next(keys), h, 4 * h)}
    return {
        "embedding": normal(next(keys), (VOCAB, e), 1.0),
        "forward": direction(),
        "backward": direction(),
        "fc": linear(next(keys), 2 * h, fc),
        "classifier": linear(next(keys), fc, CLASSES),
    }


def run_direction(d, x, mask):
    """States over `x` [b, n, e] with `mask` [b, n]: padding keeps the state and gives zeros."""
    b, _, _ = x.shape
    hidden = d["hh"]["w"].shape[0]
    projected = apply(d["ih"], x)  # every position's input product at once

    def step(carry, inputs):
        h, c = carry
        xw, m = inputs
        gates = xw + h @ d["hh"]["w"] + d["hh"]["b"]
        i, f, g, o = jnp.split(gates, 4, axis=-1)
        c_new = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h_new = jax.nn.sigmoid(o) * jnp.tanh(c_new)
        keep = m[:, None]
        h, c = jnp.where(keep, h_new, h), jnp.where(keep, c_new, c)
        return (h, c), jnp.where(keep, h_new, 0.0)

    zeros = jnp.zeros((b, hidden))
    _, states = jax.lax.scan(step, (zeros, zeros), (projected.transpose(1, 0, 2), mask.T))
    return states.transpose(1, 0, 2)


def bilstm(p, ids):
    mask = ids != 0
    x = p["embedding"][ids]
    ahead = run_direction(p["forward"], x, mask)
    back = run_direction(p["backward"], x[:, ::-1], mask[:, ::-1])[:, ::-1]
    states = jnp.concatenate([ahead, back], -1) + jnp.where(mask, 0.0, -1e9)[:, :, None]
    return apply(p["classifier"], jax.nn.relu(apply(p["fc"], states.max(1))))


def bow_init(key, e=32):
    k1, k2, k3 = jax.random.split(key, 3)
    return {"embedding": normal(k1, (VOCAB, e), 1.0), "hidden": linear(k2, e, e), "classifier": linear(k3, e, CLASSES)}


def bow(p, ids):
    mask = (ids != 0).astype(jnp.float32)
    mean = (p["embedding"][ids] * mask[:, :, None]).sum(1) / jnp.maximum(mask.sum(1, keepdims=True), 1.0)
    return apply(p["classifier"], jax.nn.relu(apply(p["hidden"], mean)))


KINDS = {
    "transformer": (transformer_init, transformer, 1e-3),
    "bilstm": (bilstm_init, bilstm, 3e-3),
    "bow": (bow_init, bow, 1e-2),
}


def loss_fn(params, forward, ids, labels, teacher):
    logits = forward(params, ids)
    ce = -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), labels[:, None], axis=1))
    t_soft = jax.nn.softmax(teacher / T)
    kl = jnp.sum(t_soft * (jnp.log(t_soft + 1e-12) - jax.nn.log_softmax(logits / T)), axis=1)
    return ALPHA * ce + (1 - ALPHA) * T * T * jnp.mean(kl)


def data(key):
    k_len, k_ids, k_labels, k_teacher = jax.random.split(key, 4)
    lengths = jax.random.randint(k_len, (ROWS, 1), 8, POSITIONS + 1)
    ids = jax.random.randint(k_ids, (ROWS, POSITIONS), 5, VOCAB)
    ids = jnp.where(jnp.arange(POSITIONS)[None] < lengths, ids, 0).at[:, 0].set(2)
    labels = jax.random.randint(k_labels, (ROWS,), 0, CLASSES)
    return ids, labels, jax.random.normal(k_teacher, (ROWS, CLASSES)) * 3


def measure(kind, batch, steps, repeats):
    init, forward, lr = KINDS[kind]
    key = jax.random.PRNGKey(0)
    k_data, k_init, key = jax.random.split(key, 3)
    ids, labels, teacher = data(k_data)
    params = init(k_init)
    optimizer = optax.adam(lr)
    opt_state = optimizer.init(params)

    @jax.jit
    def step(params, opt_state, key):
        key, pick = jax.random.split(key)
        rows = jax.random.randint(pick, (batch,), 0, ROWS)
        loss, grads = jax.value_and_grad(loss_fn)(params, forward, ids[rows], labels[rows], teacher[rows])
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, key, loss

    for _ in range(10):  # compiles, then warms up
        params, opt_state, key, loss = step(params, opt_state, key)
    loss.block_until_ready()
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            params, opt_state, key, loss = step(params, opt_state, key)
        loss.block_until_ready()
        rates.append(steps / (time.perf_counter() - start))
    rates.sort()
    return rates[len(rates) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", default="transformer,bilstm,bow")
    parser.add_argument("--batches", default="64,256")
    parser.add_argument("--seconds", type=float, default=3.0, help="about this long per repeat")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    meta = {
        "peer": "jax",
        "version": f"jax {jax.__version__}, optax {optax.__version__}, XLA on {jax.devices()[0].platform}",
        "threads": os.environ.get("XLA_FLAGS", "default (all cores)"),
        "machine": platform.processor() or platform.machine(),
    }
    for kind in args.kinds.split(","):
        for batch in [int(b) for b in args.batches.split(",")]:
            probe = measure(kind, batch, 5, 1)
            steps = max(5, int(probe * args.seconds))
            rate = measure(kind, batch, steps, args.repeats)
            print(json.dumps({**meta, "kind": kind, "batch": batch, "steps_per_s": round(rate, 2)}), flush=True)


if __name__ == "__main__":
    main()
