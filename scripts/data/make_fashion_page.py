"""Cuts the page's share of Fashion-MNIST out of the shipped IDX files, and of its teacher's logits.

The page trains on the first 10,000 training images (as on MNIST), so it fetches 4 MB of images
instead of 26. The conv teacher would take about 20 s to read the page's 20,000 images in wasm,
so its logits of them ship too; `distill eval` writes them for all 60,000 training images, and
this keeps the first 10,000. Run once by hand (the outputs are shipped):

    distill eval --dataset fashion-mnist --weights assets/teachers/fashion-mnist.safetensors \
        --logits-out assets/teachers/fashion-mnist-test-logits.safetensors \
        --train-logits-out /tmp/fashion-train-logits.safetensors
    .venv/bin/python scripts/data/make_fashion_page.py /tmp/fashion-train-logits.safetensors
"""
import gzip
import struct
import sys

from safetensors.numpy import load_file, save_file

PAGE_TRAIN = 10_000
SOURCE = "assets/data/fashion-mnist"
PAGE = f"{SOURCE}/page"


def cut_idx(name: str, rows: int) -> None:
    """Writes the first `rows` items of an IDX file, its count field changed to match."""
    with gzip.open(f"{SOURCE}/{name}") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(f">{dims}I", data[4 : 4 + 4 * dims])
    item = 1
    for d in shape[1:]:
        item *= d
    head = data[:4] + struct.pack(f">{dims}I", rows, *shape[1:])
    body = data[4 + 4 * dims : 4 + 4 * dims + rows * item]
    # mtime=0: the same input gives the same bytes.
    with gzip.GzipFile(f"{PAGE}/{name}", "wb", mtime=0) as out:
        out.write(head + body)


def main() -> None:
    cut_idx("train-images-idx3-ubyte.gz", PAGE_TRAIN)
    cut_idx("train-labels-idx1-ubyte.gz", PAGE_TRAIN)
    logits = load_file(sys.argv[1])["logits"]
    assert logits.shape == (60_000, 10), logits.shape
    save_file({"logits": logits[:PAGE_TRAIN].copy()}, "assets/teachers/fashion-mnist-logits.safetensors")


if __name__ == "__main__":
    main()
