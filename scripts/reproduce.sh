#!/usr/bin/env bash
# The full runs behind REPRODUCTIONS.md: each paper's claim, run by the CLI alone. They take
# minutes per claim on 2 cores (about 30 minutes in all), so they are not tests; CI runs their fast variants
# (tests/reproductions.rs and the distillation tests). Logs go to target/reproductions/.
#
#   bash scripts/reproduce.sh              every claim
#   bash scripts/reproduce.sh hinton-mnist omitted-three little-data   some of them
#   SEEDS="1 2" bash scripts/reproduce.sh hinton-mnist
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
export PATH="$HOME/.cargo/bin:$PATH"
say() { printf '\033[1m==> [%d:%02d] %s\033[0m\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

cargo build --release --quiet --bin distill
distill() { ./target/release/distill --quiet "$@"; }
out=target/reproductions
mkdir -p "$out"
seeds=${SEEDS:-1 2 3}

# Hinton et al. 2015, MNIST: a 2×1200 teacher with dropout (0.2 on the inputs, 0.5 after each
# hidden layer) and inputs jittered by up to 2 pixels; a 2×800 student distilled at T = 20, and
# the same student from the labels alone. 30 teacher epochs and 20 student epochs: minutes, not
# the paper's hours.
hinton_teacher() {
    local seed=$1 teacher="$out/hinton-teacher-$1.safetensors"
    [ -e "$teacher" ] || distill train-teacher --dataset mnist --hidden 1200x2 --dropout 0.5 \
        --input-dropout 0.2 --jitter 2 --epochs 30 --batch-size 128 --seed "$seed" \
        --out "$teacher" | tee "$out/hinton-teacher-$seed.log"
}

hinton_mnist() {
    for seed in $seeds; do
        say "Hinton MNIST, seed $seed: teacher"
        hinton_teacher "$seed"
        say "Hinton MNIST, seed $seed: distilled and scratch students"
        distill distill --dataset mnist --teacher "$out/hinton-teacher-$seed.safetensors" \
            --student 800x2 --temperature 20 --alpha 0.1 --epochs 20 --batch-size 128 \
            --seed "$seed" --compare-scratch --out "$out/hinton-student-$seed.safetensors" |
            tee "$out/hinton-student-$seed.log"
    done
}

# Hinton et al. 2015, the omitted 3: the same student distilled from a transfer set without a
# single 3, then read with and without the bias fix (the bias chosen on the training set).
omitted_three() {
    for seed in $seeds; do
        say "Hinton MNIST, omitted 3, seed $seed"
        hinton_teacher "$seed"
        distill distill --dataset mnist --teacher "$out/hinton-teacher-$seed.safetensors" \
            --student 800x2 --temperature 20 --alpha 0.1 --epochs 20 --batch-size 128 \
            --seed "$seed" --omit-class 3 --out "$out/omitted-three-$seed.safetensors" |
            tee "$out/omitted-three-$seed.log"
        distill eval --dataset mnist --weights "$out/omitted-three-$seed.safetensors" \
            --omitted-class 3 | tee -a "$out/omitted-three-$seed.log"
    done
}

# Hinton et al. 2015, little data: 3 % of the training set, soft targets against hard labels.
little_data() {
    for seed in $seeds; do
        say "Hinton MNIST, 3 % of the training data, seed $seed"
        hinton_teacher "$seed"
        distill distill --dataset mnist --teacher "$out/hinton-teacher-$seed.safetensors" \
            --student 800x2 --temperature 20 --alpha 0.1 --labeled-fraction 0.03 \
            --no-unlabeled --epochs 200 --batch-size 128 --seed "$seed" --compare-scratch \
            --out "$out/little-data-$seed.safetensors" | tee "$out/little-data-$seed.log"
    done
}

claims=("$@")
[ ${#claims[@]} -gt 0 ] || claims=(hinton-mnist omitted-three little-data)
for claim in "${claims[@]}"; do
    case "$claim" in
        hinton-mnist) hinton_mnist ;;
        omitted-three) omitted_three ;;
        little-data) little_data ;;
        *) echo "unknown claim '$claim' (hinton-mnist, omitted-three, little-data)" >&2; exit 2 ;;
    esac
done
say "done: logs in $out/"
