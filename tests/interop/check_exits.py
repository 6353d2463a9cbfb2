"""FastBERT exits, read by numpy + safetensors: an exported MLP teacher and its exits file give
the Rust probabilities of every exit.

Usage: python check_exits.py TEACHER.safetensors EXITS.safetensors PROBS.safetensors
(the teacher from `distill export`, the exits from `distill exits --out`, the probabilities from
`distill exits --load ... --probs-out`). Exits non-zero on any mismatch.
"""
import json
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def every_exit(teacher: dict, exits: dict, depth: int, x: np.ndarray) -> np.ndarray:
    """[n, depth, classes]: exit k reads hidden layer k + 1 (ReLU), the last is the teacher's."""
    h, out = x, []
    for k in range(depth):
        h = np.maximum(h @ teacher[f"{2 * k}.weight"].T + teacher[f"{2 * k}.bias"], 0.0)
        if k < depth - 1:
            out.append(softmax(h @ exits[f"exits.{k}.weight"].T + exits[f"exits.{k}.bias"]))
    out.append(softmax(h @ teacher[f"{2 * depth}.weight"].T + teacher[f"{2 * depth}.bias"]))
    return np.stack(out, axis=1)


def main() -> None:
    teacher_path, exits_path, probs_path = sys.argv[1:4]
    with safe_open(teacher_path, framework="numpy") as f:
        architecture = json.loads(f.metadata()["architecture"])
    with safe_open(exits_path, framework="numpy") as f:
        meta = f.metadata()
    assert meta["format"] == "distill-playground exits", meta
    assert json.loads(meta["teacher"]) == architecture, "the exits are another teacher's"
    assert architecture["kind"] == "mlp" and architecture["activation"] == "relu", architecture
    depth = len(architecture["hidden"])
    to64 = lambda d: {k: v.astype(np.float64) for k, v in d.items()}
    teacher, exits = to64(load_file(teacher_path)), to64(load_file(exits_path))
    assert set(exits) == {f"exits.{k}.{p}" for k in range(depth - 1) for p in ("weight", "bias")}
    data = load_file(probs_path)
    numpy_probs = every_exit(teacher, exits, depth, data["inputs"].astype(np.float64))
    worst = float(np.max(np.abs(numpy_probs - data["probs"])))
    print(f"numpy exits of {depth}-layer teacher on {len(data['inputs'])} inputs: max |numpy - rust| = {worst:.2e}")
    if not worst <= 1e-5:
        sys.exit(f"exit probabilities differ by {worst} > 1e-5")


if __name__ == "__main__":
    main()
