"""An exported ONNX student, run by onnxruntime (no burn, no torch), gives the Rust logits.

Usage:
  python check_onnx.py MODEL.onnx PREDICTIONS.safetensors
      float32 model: the logits of `distill predict` (its `inputs`, its `logits`) to 1e-5 of
      their scale (the largest magnitude, at least 1: a conv net's logits reach 27, and f32
      sums taken in another order differ in their seventh digit);
  python check_onnx.py MODEL.onnx PREDICTIONS.safetensors --int8 DEQUANTIZED.safetensors
      int8 model: the last file holds the Rust logits of the network with the same int8
      weights (`distill onnx --int8 --dequantized`). With onnxruntime's basic optimizations it
      gives them to 1e-4, so its distance from the float logits is the quantization error Rust
      measured. With all of them (its default) its QDQ fusions may also quantize a product's
      activations: there its distance stays within 1.5 times Rust's error (measured: 1.05
      times, on the transformer), and its top class is the float network's on at least 99 %
      of the inputs.
The model must also pass onnx's checker. Exits non-zero on any mismatch.
"""
import sys

import numpy as np
import onnx
import onnxruntime as ort
from safetensors.numpy import load_file


def run(path, inputs, level=ort.GraphOptimizationLevel.ORT_ENABLE_ALL):
    onnx.checker.check_model(onnx.load(path), full_check=True)
    options = ort.SessionOptions()
    options.graph_optimization_level = level
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    spec = session.get_inputs()[0]
    if spec.type == "tensor(int64)":
        ids = inputs.astype(np.int64)
        assert np.all(ids == inputs), "token ids must be whole numbers"
        inputs = ids
    else:
        inputs = inputs.astype(np.float32)
    (logits,) = session.run(["logits"], {spec.name: inputs})
    return logits


def main():
    model, predictions = sys.argv[1], load_file(sys.argv[2])
    inputs, rust = predictions["inputs"], predictions["logits"].astype(np.float64)
    rust = rust.reshape(inputs.shape[0], -1)
    ours = run(model, inputs).astype(np.float64)
    assert ours.shape == rust.shape, (ours.shape, rust.shape)
    if len(sys.argv) == 3:
        gap = np.abs(ours - rust).max()
        scale = max(1.0, np.abs(rust).max())
        print(f"{model}: onnxruntime's logits of {len(rust)} inputs within {gap:.2e} of Rust's "
              f"(largest {scale:.1f})")
        assert gap <= 1e-5 * scale, (gap, scale)
        return
    assert sys.argv[3] == "--int8", sys.argv
    same_weights = load_file(sys.argv[4])["logits"].astype(np.float64).reshape(rust.shape)
    error = np.abs(same_weights - rust).max()
    basic = run(model, inputs, ort.GraphOptimizationLevel.ORT_ENABLE_BASIC).astype(np.float64)
    gap = np.abs(basic - same_weights).max()
    drift = np.abs(ours - rust).max()
    agree = (ours.argmax(1) == rust.argmax(1)).mean()
    print(f"{model}: int8 within {gap:.2e} of Rust's with the same weights; {drift:.3e} from the "
          f"float logits with every optimization (Rust's quantization error {error:.3e}); top "
          f"class the float one's on {agree:.1%}")
    assert gap <= 1e-4, gap
    assert np.abs(basic - rust).max() <= error + 1e-4
    assert drift <= 1.5 * error + 1e-4, (drift, error)
    assert agree >= 0.99, agree


main()
