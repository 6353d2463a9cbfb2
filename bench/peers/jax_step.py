"""The distillation step `distill bench` times, written the way a JAX user would write it.

Teacher 64→128×6→10 and student 64→32×3→10 (ReLU MLPs), Adam (optax, lr 1e-3), T = 4, α = 0.5:
loss = α·CE(student, labels) + (1 − α)·T²·KL(teacher_T ‖ student_T), batch mean. With --hidden
also β = 1 MSE terms from student layers 1, 2, 3 through learned 32→128 projections to teacher
layers 2, 4, 6 (Patient KD's skip mapping). Every step samples a batch from a 1,437-row set (the
digits' training rows), runs the frozen teacher, then the student's forward, backward and Adam:
one jitted function. Prints one JSON line per configuration; numbers are reported, never asserted.
"""

import argparse
import json
import os
import platform
import time

import jax
import jax.numpy as jnp
import optax

ROWS, FEATURES, CLASSES = 1437, 64, 10
TEACHER = [FEATURES] + [128] * 6 + [CLASSES]
STUDENT = [FEATURES] + [32] * 3 + [CLASSES]
PAIRS = [(0, 1), (1, 3), (2, 5)]  # (student hidden layer, teacher hidden layer), zero-based
T, ALPHA, BETA = 4.0, 0.5, 1.0


def dense(key, sizes):
    keys = jax.random.split(key, len(sizes) - 1)
    return [
        (jax.random.normal(k, (i, o)) * jnp.sqrt(2.0 / i), jnp.zeros(o))
        for k, i, o in zip(keys, sizes[:-1], sizes[1:])
    ]


def forward(layers, x):
    """Logits and the hidden states after each activation."""
    hidden = []
    for w, b in layers[:-1]:
        x = jax.nn.relu(x @ w + b)
        hidden.append(x)
    w, b = layers[-1]
    return x @ w + b, hidden


def loss_fn(params, x, y, teacher, hidden_terms):
    t_logits, t_hidden = forward(teacher, x)
    s_logits, s_hidden = forward(params["student"], x)
    ce = -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(s_logits), y[:, None], axis=1))
    t_soft = jax.nn.softmax(t_logits / T)
    kl = jnp.sum(t_soft * (jnp.log(t_soft + 1e-12) - jax.nn.log_softmax(s_logits / T)), axis=1)
    loss = ALPHA * ce + (1 - ALPHA) * T * T * jnp.mean(kl)
    if hidden_terms:
        for (s, t), (w, b) in zip(PAIRS, params["proj"]):
            loss += BETA * jnp.mean((s_hidden[s] @ w + b - t_hidden[t]) ** 2)
    return loss


def make_step(optimizer, hidden_terms, batch):
    @jax.jit
    def step(params, opt_state, key, teacher, data, labels):
        key, pick = jax.random.split(key)
        rows = jax.random.randint(pick, (batch,), 0, ROWS)
        x, y = data[rows], labels[rows]
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y, jax.lax.stop_gradient(teacher), hidden_terms)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, key, loss

    return step


def measure(batch, hidden_terms, steps, repeats):
    key = jax.random.PRNGKey(0)
    k_data, k_teacher, k_student, k_proj, key = jax.random.split(key, 5)
    data = jax.random.normal(k_data, (ROWS, FEATURES))
    labels = jax.random.randint(k_data, (ROWS,), 0, CLASSES)
    teacher = dense(k_teacher, TEACHER)
    params = {"student": dense(k_student, STUDENT)}
    if hidden_terms:
        params["proj"] = [dense(k, [32, 128])[0] for k in jax.random.split(k_proj, len(PAIRS))]
    optimizer = optax.adam(1e-3)
    opt_state = optimizer.init(params)
    step = make_step(optimizer, hidden_terms, batch)
    for _ in range(50):  # compiles, then warms up
        params, opt_state, key, loss = step(params, opt_state, key, teacher, data, labels)
    loss.block_until_ready()
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            params, opt_state, key, loss = step(params, opt_state, key, teacher, data, labels)
        loss.block_until_ready()
        rates.append(steps / (time.perf_counter() - start))
    rates.sort()
    return rates[len(rates) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", default="64,256")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    meta = {
        "peer": "jax",
        "version": f"jax {jax.__version__}, optax {optax.__version__}, XLA on {jax.devices()[0].platform}",
        "threads": os.environ.get("XLA_FLAGS", "default (all cores)"),
        "machine": platform.processor() or platform.machine(),
    }
    for batch in [int(b) for b in args.batches.split(",")]:
        for hidden_terms in (False, True):
            rate = measure(batch, hidden_terms, args.steps, args.repeats)
            loss = "kd+hidden" if hidden_terms else "kd"
            print(json.dumps({**meta, "batch": batch, "loss": loss, "full_steps_per_s": round(rate, 1)}), flush=True)


if __name__ == "__main__":
    main()
