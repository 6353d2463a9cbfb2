"""A pruned network and its mask file, read by numpy + safetensors: every `{name}_mask` is uint8
of its weight's shape, holds only 0 and 1, and the weight is zero wherever the mask is 0 — the
form `torch.nn.utils.prune.custom_from_mask(module, "weight", mask)` takes.

Usage: python check_mask.py PRUNED.safetensors PRUNED.mask.safetensors SPARSITY
Exits non-zero on any mismatch.
"""
import sys

import numpy as np
from safetensors.numpy import load_file


def main() -> None:
    weights, masks = load_file(sys.argv[1]), load_file(sys.argv[2])
    sparsity = float(sys.argv[3])
    assert masks, "the mask file is empty"
    pruned = total = 0
    for key, mask in masks.items():
        assert key.endswith("_mask"), key
        weight = weights[key[: -len("_mask")]]
        assert mask.dtype == np.uint8 and mask.shape == weight.shape, (key, mask.dtype, mask.shape)
        assert set(np.unique(mask)) <= {0, 1}, key
        assert (weight[mask == 0] == 0).all(), f"{key}: a masked weight is not zero"
        pruned += int((mask == 0).sum())
        total += mask.size
    assert abs(pruned / total - sparsity) < 1e-3, (pruned, total)
    print(f"mask ok: {len(masks)} weight matrices, {pruned / total:.1%} of their weights pruned")


if __name__ == "__main__":
    main()
