"""An 8-bit safetensors file (`distill export --format safetensors-int8`) read by numpy: every
matrix as int8 `{name}.q8` times float32 `{name}.scale`, vectors in float32, gives exactly the
weights the int8 ONNX model computes with (`distill onnx --int8 --dequantized`).

Usage: python check_q8.py INT8.safetensors DEQUANTIZED.safetensors
"""
import sys

import numpy as np
from safetensors.numpy import load_file

q8, want = load_file(sys.argv[1]), load_file(sys.argv[2])
seen = 0
for name, values in want.items():
    if f"{name}.q8" in q8:
        ints, scale = q8[f"{name}.q8"], q8[f"{name}.scale"]
        assert ints.dtype == np.int8 and ints.shape == values.shape, (name, ints.dtype, ints.shape)
        assert np.abs(ints).max() <= 127, name
        got = ints.astype(np.float32) * scale[0]
        seen += 1
    else:
        got = q8[name]
    assert np.array_equal(got, values), name
assert seen > 0, "no matrix in 8 bits"
print(f"{sys.argv[1]}: {seen} matrices as int8 × scale, the int8 model's weights exactly")
