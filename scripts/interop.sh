#!/usr/bin/env bash
# numpy (from PyPI, in .venv) reads exported networks (an MLP student on digits, FastBERT exits
# of the digits teacher, the CMUdict encoder-decoder, a conv net on Fashion-MNIST; the text transformer teacher, a BiLSTM and
# a bag of words on spam; the fine-tuned MiniLM on Brown) and reproduces the Rust logits on 100
# test examples to 1e-5; onnxruntime runs every student kind's ONNX export, float32 and int8;
# burnpack export round-trips through the CLI. Needs `bash scripts/setup.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The CLI as the native tests build it: `cargo run` would build it again with other features (the
# tests' dev-dependencies turn on more of regex-syntax, under burn-store), which took 3 minutes
# of a fresh CI run. `cargo test` leaves its build at target/debug/distill.
cargo test --no-run --quiet --test native
distill() { target/debug/distill --quiet "$@"; }

distill distill --dataset digits --epochs 20 --student 32,16 --out "$work/student.safetensors" >/dev/null
distill export --weights "$work/student.safetensors" --out "$work/export.safetensors"
distill predict --weights "$work/export.safetensors" --dataset digits --count 100 --out "$work/rust-logits.safetensors"
.venv/bin/python tests/interop/check_numpy.py "$work/export.safetensors" "$work/rust-logits.safetensors"
# burnpack: export, read back, same predictions.
distill export --weights "$work/student.safetensors" --out "$work/student.bpk"
distill predict --weights "$work/student.bpk" --dataset digits --count 100 --out "$work/bpk-logits.safetensors"
cmp "$work/rust-logits.safetensors" "$work/bpk-logits.safetensors"
echo "burnpack export gives byte-identical logits"
# Pruned: the zeros where the mask file says, and numpy's forward pass still the Rust logits.
distill prune --weights "$work/export.safetensors" --sparsity 0.7 --out "$work/pruned.safetensors" >/dev/null
.venv/bin/python tests/interop/check_mask.py "$work/pruned.safetensors" "$work/pruned.mask.safetensors" 0.7
distill predict --weights "$work/pruned.safetensors" --dataset digits --count 100 --out "$work/pruned-logits.safetensors"
.venv/bin/python tests/interop/check_numpy.py "$work/pruned.safetensors" "$work/pruned-logits.safetensors"

# FastBERT's exits: trained, written, read back by the CLI (same probabilities as trained) and
# by numpy beside the exported teacher.
distill exits --dataset digits --epochs 2 --out "$work/exits.safetensors" >/dev/null
distill exits --dataset digits --load "$work/exits.safetensors" --probs-out "$work/exit-probs.safetensors" >/dev/null
distill export --weights assets/teachers/digits.safetensors --out "$work/digits-teacher.safetensors"
.venv/bin/python tests/interop/check_exits.py "$work/digits-teacher.safetensors" "$work/exits.safetensors" "$work/exit-probs.safetensors"

# The CMUdict encoder-decoder teacher (burn's transformer encoder and decoder), against numpy's
# forward pass of its file on 100 test words (teacher-forced along the gold pronunciations).
distill g2p --targets gold --epochs 0 --logits-out "$work/g2p-logits.safetensors" >/dev/null
.venv/bin/python tests/interop/check_seq2seq.py assets/teachers/cmudict.safetensors "$work/g2p-logits.safetensors"

# A conv net on Fashion-MNIST, trained for one epoch, exported in PyTorch's nn.Conv2d names and
# layout and checked against numpy's convolution, pooling and classifier on 100 test images.
distill train-teacher --dataset fashion-mnist --kind cnn --hidden 4,8 --epochs 1 --out "$work/cnn.safetensors" >/dev/null
distill export --weights "$work/cnn.safetensors" --out "$work/cnn-export.safetensors"
distill predict --weights "$work/cnn-export.safetensors" --dataset fashion-mnist --count 100 --out "$work/cnn-logits.safetensors"
.venv/bin/python tests/interop/check_cnn.py "$work/cnn-export.safetensors" "$work/cnn-logits.safetensors"

# Text networks: the shipped transformer teacher, and a BiLSTM and a bag-of-words trained for one
# epoch, each exported and checked against numpy's reference forward pass on 100 test sentences.
distill export --weights assets/teachers/spam.safetensors --out "$work/transformer.safetensors"
distill train-teacher --dataset spam --kind bilstm --hidden 32 --epochs 1 --out "$work/bilstm.safetensors" >/dev/null
distill train-teacher --dataset spam --kind bow --epochs 1 --lr 0.01 --out "$work/bow.safetensors" >/dev/null
for kind in transformer bilstm bow; do
  distill predict --weights "$work/$kind.safetensors" --dataset spam --count 100 --out "$work/$kind-logits.safetensors"
  .venv/bin/python tests/interop/check_text.py "$work/$kind.safetensors" "$work/$kind-logits.safetensors"
done

# The fine-tuned MiniLM teacher (4 bits in the file), exported in float32 under Hugging Face's
# BertModel names and checked against numpy's BERT forward pass on 100 Brown test sentences.
distill export --weights assets/teachers/brown-minilm.safetensors --out "$work/minilm.safetensors"
distill predict --weights "$work/minilm.safetensors" --dataset brown --count 100 --out "$work/minilm-logits.safetensors"
.venv/bin/python tests/interop/check_text.py "$work/minilm.safetensors" "$work/minilm-logits.safetensors"

# ONNX: every student kind the page trains, run by onnxruntime. Float32: Rust's logits to 1e-5
# of their scale. int8 weights: Rust's logits with the same weights to 1e-4, within Rust's
# quantization error of the float logits, and the same top class on at least 99 of 100 inputs;
# the 8-bit safetensors file holds exactly those weights.
check_onnx() {  # weights, dataset, name
  distill onnx --weights "$1" --out "$work/$3.onnx" >/dev/null
  distill predict --weights "$1" --dataset "$2" --count 100 --out "$work/$3-float.safetensors"
  .venv/bin/python tests/interop/check_onnx.py "$work/$3.onnx" "$work/$3-float.safetensors"
  distill onnx --weights "$1" --int8 --out "$work/$3-int8.onnx" --dequantized "$work/$3-dq.safetensors" >/dev/null
  distill predict --weights "$work/$3-dq.safetensors" --dataset "$2" --count 100 --out "$work/$3-dq-logits.safetensors"
  .venv/bin/python tests/interop/check_onnx.py "$work/$3-int8.onnx" "$work/$3-float.safetensors" --int8 "$work/$3-dq-logits.safetensors"
  # The 8-bit safetensors file holds the same int8 weights, for numpy.
  distill export --weights "$1" --format safetensors-int8 --out "$work/$3-q8.safetensors" >/dev/null
  .venv/bin/python tests/interop/check_q8.py "$work/$3-q8.safetensors" "$work/$3-dq.safetensors"
}
check_onnx "$work/student.safetensors" digits mlp
distill factorize --weights "$work/student.safetensors" --rank 8 --out "$work/factorized.safetensors" >/dev/null
check_onnx "$work/factorized.safetensors" digits factorized
check_onnx "$work/cnn.safetensors" fashion-mnist cnn
check_onnx assets/teachers/spam.safetensors spam transformer
check_onnx "$work/bilstm.safetensors" spam bilstm
check_onnx "$work/bow.safetensors" spam bow

# The run written for TextBrewer (JSON) and torchdistill (YAML): both parse as those tools read
# them, use only their field names, and carry T, α, β, the mapping and the projections.
distill distill --dataset digits --epochs 1 --alpha 0.3 --beta 0.5 --out "$work/recipe-student.safetensors" \
  --textbrewer "$work/textbrewer.json" --torchdistill "$work/torchdistill.yaml" >/dev/null
.venv/bin/python tests/interop/check_recipes.py "$work/textbrewer.json" "$work/torchdistill.yaml" 4 0.3 0.5 1:2,2:4,3:6 32 128
