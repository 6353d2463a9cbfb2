"""An exported student, read by numpy + safetensors (no burn, no torch), gives the Rust logits.

Usage: python check_numpy.py STUDENT.safetensors PREDICTIONS.safetensors
(the second file comes from `distill predict`). Exits non-zero on any mismatch.
"""
import json
import math
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file


def forward(weights: dict, architecture: dict, x: np.ndarray) -> np.ndarray:
    """torch.nn.Sequential(Linear, act, Linear, act, ..., Linear) in numpy."""
    depth = len(architecture["hidden"])
    erf = np.vectorize(math.erf, otypes=[np.float64])
    activation = {
        "relu": lambda h: np.maximum(h, 0.0),
        "tanh": np.tanh,
        "gelu": lambda h: 0.5 * h * (1.0 + erf(h / math.sqrt(2.0))),  # exact (erf) GELU
    }[architecture["activation"]]
    h = x
    for k in range(depth + 1):
        w, b = weights[f"{2 * k}.weight"], weights[f"{2 * k}.bias"]
        assert w.shape[1] == h.shape[1], (w.shape, h.shape)
        h = h @ w.T + b
        if k < depth:
            h = activation(h)
    return h


def main() -> None:
    student_path, predictions_path = sys.argv[1], sys.argv[2]
    with safe_open(student_path, framework="numpy") as f:
        metadata = f.metadata()
    architecture = json.loads(metadata["architecture"])
    weights = load_file(student_path)
    expected_names = {f"{2 * k}.{p}" for k in range(len(architecture["hidden"]) + 1) for p in ("weight", "bias")}
    assert set(weights) == expected_names, sorted(weights)
    assert all(w.dtype == np.float32 for w in weights.values())
    predictions = load_file(predictions_path)
    inputs, rust_logits = predictions["inputs"], predictions["logits"]
    # float64 in numpy: the reference is then the exact forward pass of the stored float32
    # weights, and the difference is the Rust side's float32 rounding alone.
    weights64 = {k: v.astype(np.float64) for k, v in weights.items()}
    numpy_logits = forward(weights64, architecture, inputs.astype(np.float64))
    worst = float(np.max(np.abs(numpy_logits - rust_logits)))
    scale = float(np.max(np.abs(rust_logits)))
    accuracy = float(np.mean(np.argmax(numpy_logits, axis=1) == predictions["labels"]))
    print(
        f"numpy forward of {architecture} on {len(inputs)} inputs: "
        f"max |numpy - rust| = {worst:.2e} (logits up to {scale:.1f}); accuracy {accuracy:.2%}"
    )
    if not worst <= 1e-5:
        sys.exit(f"logits differ by {worst} > 1e-5")


if __name__ == "__main__":
    main()
