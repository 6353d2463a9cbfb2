"""An exported conv net, read by numpy + safetensors (no burn, no torch), gives the Rust logits.

The file's names and layout are PyTorch's: `blocks.{k}` an nn.Conv2d(c_in, c_out, 3, padding=1)
with weight [out, in, 3, 3], each followed by ReLU and nn.MaxPool2d(2); `classifier` an
nn.Linear on the flattened maps (channels, rows, columns).

Usage: python check_cnn.py NET.safetensors PREDICTIONS.safetensors
(the second file comes from `distill predict`). Exits non-zero on any mismatch.
"""
import json
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file


def conv3x3(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross-correlation with one pixel of zero padding, as nn.Conv2d(padding=1) computes it."""
    _, _, rows, cols = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.zeros((x.shape[0], w.shape[0], rows, cols))
    for i in range(3):
        for j in range(3):
            out += np.einsum("nchw,oc->nohw", padded[:, :, i:i + rows, j:j + cols], w[:, :, i, j])
    return out + b[None, :, None, None]


def max_pool2(x: np.ndarray) -> np.ndarray:
    """nn.MaxPool2d(2): 2×2 windows, an odd last row or column dropped."""
    n, c, rows, cols = x.shape
    r, k = rows // 2, cols // 2
    return x[:, :, :2 * r, :2 * k].reshape(n, c, r, 2, k, 2).max(axis=(3, 5))


def forward(weights: dict, architecture: dict, x: np.ndarray) -> np.ndarray:
    side = architecture["side"]
    h = x.reshape(len(x), 1, side, side)
    for k in range(len(architecture["channels"])):
        h = max_pool2(np.maximum(conv3x3(h, weights[f"blocks.{k}.weight"], weights[f"blocks.{k}.bias"]), 0.0))
    return h.reshape(len(h), -1) @ weights["classifier.weight"].T + weights["classifier.bias"]


def main() -> None:
    net_path, predictions_path = sys.argv[1], sys.argv[2]
    with safe_open(net_path, framework="numpy") as f:
        architecture = json.loads(f.metadata()["architecture"])
    assert architecture["kind"] == "cnn", architecture
    weights = load_file(net_path)
    for k, c_out in enumerate(architecture["channels"]):
        assert weights[f"blocks.{k}.weight"].shape[0] == c_out
        assert weights[f"blocks.{k}.weight"].shape[2:] == (3, 3)
    weights64 = {k: v.astype(np.float64) for k, v in weights.items()}
    predictions = load_file(predictions_path)
    inputs, rust_logits = predictions["inputs"], predictions["logits"]
    numpy_logits = forward(weights64, architecture, inputs.astype(np.float64))
    worst = float(np.max(np.abs(numpy_logits - rust_logits)))
    scale = float(np.max(np.abs(rust_logits)))
    accuracy = float(np.mean(np.argmax(numpy_logits, axis=1) == predictions["labels"]))
    print(
        f"numpy forward of the conv net {architecture['channels']} on {len(inputs)} images: "
        f"max |numpy - rust| = {worst:.2e} (logits up to {scale:.1f}, relative {worst / max(1.0, scale):.1e}); "
        f"accuracy {accuracy:.2%}"
    )
    # Relative to the logits' scale: a conv net's logits sum hundreds of float32 products per
    # block, so its rounding grows with their size (1.8e-5 absolute at logits of 26.5, a
    # relative 7e-7); a wrong layout is off by whole units.
    if not worst <= 1e-5 * max(1.0, scale):
        sys.exit(f"logits differ by {worst} > 1e-5 of their scale {scale}")


if __name__ == "__main__":
    main()
