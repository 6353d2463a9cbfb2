#!/usr/bin/env bash
# The full runs behind REPRODUCTIONS.md: each paper's claim, run by the CLI alone. They take
# minutes per claim on 2 cores (about an hour and a half in all), so they are not tests; CI runs their fast variants
# (tests/native/evidence/reproductions.rs and the distillation tests). Logs go to target/reproductions/.
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

# A 2×800 student of that seed's teacher at Hinton's T = 20 and α = 0.1, batches of 128; the
# rest of the flags are the claim's.
hinton_student() {
    local seed=$1
    shift
    distill distill --dataset mnist --teacher "$out/hinton-teacher-$seed.safetensors" \
        --student 800x2 --temperature 20 --alpha 0.1 --batch-size 128 --seed "$seed" "$@"
}

hinton_mnist() {
    for seed in $seeds; do
        say "Hinton MNIST, seed $seed: teacher"
        hinton_teacher "$seed"
        say "Hinton MNIST, seed $seed: distilled and scratch students"
        hinton_student "$seed" --epochs 20 --compare-scratch \
            --out "$out/hinton-student-$seed.safetensors" | tee "$out/hinton-student-$seed.log"
    done
}

# Hinton et al. 2015, the omitted 3: the same student distilled from a transfer set without a
# single 3, then read with and without the bias fix (the bias chosen on the training set).
omitted_three() {
    for seed in $seeds; do
        say "Hinton MNIST, omitted 3, seed $seed"
        hinton_teacher "$seed"
        hinton_student "$seed" --epochs 20 --omit-class 3 \
            --out "$out/omitted-three-$seed.safetensors" | tee "$out/omitted-three-$seed.log"
        distill eval --dataset mnist --weights "$out/omitted-three-$seed.safetensors" \
            --omitted-class 3 | tee -a "$out/omitted-three-$seed.log"
    done
}

# Hinton et al. 2015, little data: 3 % of the training set, soft targets against hard labels.
little_data() {
    for seed in $seeds; do
        say "Hinton MNIST, 3 % of the training data, seed $seed"
        hinton_teacher "$seed"
        hinton_student "$seed" --labeled-fraction 0.03 --no-unlabeled --epochs 200 \
            --compare-scratch --out "$out/little-data-$seed.safetensors" |
            tee "$out/little-data-$seed.log"
    done
}

# Tang et al. 2019: a BiLSTM student on the text set, from scratch, distilled with MSE on the
# teacher's logits (α = 0), and the same with augmented copies of every message. Twice: with
# all labels for 10 epochs and two copies (the paper's setting: a labeled task, augmented), and
# with 10 % of the labels, the rest left out, for 40 epochs and four copies, so the augmented
# copies are the only extra text the student sees. The augmented run's --compare-scratch trains
# the scratch student for as many steps as the augmented one.
tang() {
    for seed in $seeds; do
        local all=(--dataset spam --kind bilstm --soft-loss mse --alpha 0 --epochs 10 --lr 3e-3
            --seed "$seed" --compare-scratch)
        say "Tang et al., all labels, seed $seed: distilled (MSE on logits) and scratch BiLSTM"
        distill distill "${all[@]}" --out "$out/tang-all-mse-$seed.safetensors" |
            tee "$out/tang-all-mse-$seed.log"
        say "Tang et al., all labels, seed $seed: two augmented copies, scratch for as many steps"
        distill distill "${all[@]}" --augment-copies 2 --out "$out/tang-all-aug-$seed.safetensors" |
            tee "$out/tang-all-aug-$seed.log"
        local few=(--dataset spam --kind bilstm --soft-loss mse --alpha 0 --labeled-fraction 0.1
            --no-unlabeled --epochs 40 --lr 3e-3 --seed "$seed")
        say "Tang et al., 10 % labeled, seed $seed: distilled (MSE on logits) and scratch BiLSTM"
        distill distill "${few[@]}" --compare-scratch --out "$out/tang-mse-$seed.safetensors" |
            tee "$out/tang-mse-$seed.log"
        say "Tang et al., 10 % labeled, seed $seed: distilled with four augmented copies"
        distill distill "${few[@]}" --augment-copies 4 --out "$out/tang-aug-$seed.safetensors" |
            tee "$out/tang-aug-$seed.log"
    done
}

# TinyBERT, MiniLM and Patient KD on the text set: a 2-block transformer student of the
# shipped 4-block teacher, 10 % of the messages labeled, 3 epochs, against logits alone. Five
# seeds: a run takes half a minute and the differences are a point or less.
attention() {
    for seed in ${SEEDS:-1 2 3 4 5}; do
        local common=(--dataset spam --kind transformer --labeled-fraction 0.1 --epochs 3 --seed "$seed")
        say "Text transformer, seed $seed: logits only, and scratch"
        distill distill "${common[@]}" --compare-scratch --out "$out/text-kd-$seed.safetensors" |
            tee "$out/text-kd-$seed.log"
        say "Text transformer, seed $seed: TinyBERT (hidden states, attention, embeddings)"
        distill distill "${common[@]}" --beta 1 --hidden-loss mse --mapping skip --attention tinybert \
            --gamma 1 --match-embeddings --out "$out/text-tinybert-$seed.safetensors" |
            tee "$out/text-tinybert-$seed.log"
        for gamma in 1 100; do
            say "Text transformer, seed $seed: TinyBERT's attention loss alone, γ = $gamma"
            distill distill "${common[@]}" --attention tinybert --gamma "$gamma" \
                --out "$out/text-attention-$gamma-$seed.safetensors" |
                tee "$out/text-attention-$gamma-$seed.log"
        done
        for gamma in 1 0.1; do
            say "Text transformer, seed $seed: MiniLM (last block's attention and value relations), γ = $gamma"
            distill distill "${common[@]}" --attention minilm --gamma "$gamma" \
                --out "$out/text-minilm-$gamma-$seed.safetensors" | tee "$out/text-minilm-$gamma-$seed.log"
        done
        for mapping in skip last; do
            say "Text transformer, seed $seed: Patient KD, $mapping"
            distill distill "${common[@]}" --beta 1 --hidden-loss pkd --mapping "$mapping" \
                --out "$out/text-pkd-$mapping-$seed.safetensors" | tee "$out/text-pkd-$mapping-$seed.log"
        done
    done
}

# Mirzadeh et al. 2020: students of 2×8, 2×32 and 2×128 distilled straight from Hinton's
# teacher (2×1200) and through a 2×256 teacher assistant distilled from it first.
assistant() {
    for seed in $seeds; do
        hinton_teacher "$seed"
        local teacher="$out/hinton-teacher-$seed.safetensors" ta="$out/assistant-$seed.safetensors"
        local common=(--dataset mnist --epochs 10 --batch-size 128 --seed "$seed")
        say "Teacher assistant, seed $seed: the 2×256 assistant"
        distill distill "${common[@]}" --teacher "$teacher" --student 256x2 --out "$ta" |
            tee "$out/assistant-$seed.log"
        for width in 8 32 128; do
            say "Teacher assistant, seed $seed: 2×$width student, straight and through the assistant"
            distill distill "${common[@]}" --teacher "$teacher" --student "${width}x2" --compare-scratch \
                --out "$out/assistant-direct-$width-$seed.safetensors" |
                tee "$out/assistant-direct-$width-$seed.log"
            distill distill "${common[@]}" --teacher "$ta" --student "${width}x2" \
                --out "$out/assistant-via-$width-$seed.safetensors" |
                tee "$out/assistant-via-$width-$seed.log"
        done
    done
}

# Patient KD on MLPs. MNIST with 5 % of the labels, the shipped 6×128 teacher, a narrow 16×3
# student, MSE on the projected hidden states: no hidden loss, the last layers, every other
# layer; and the 32×3 default student with PKD's normalised loss. Then the digits (10 %
# labeled, 40 epochs): 8, 16 and 32 wide, PKD's loss and MSE, skip and last. Five seeds: the
# differences are small.
patient_kd() {
    for seed in ${SEEDS:-1 2 3 4 5}; do
        local common=(--dataset mnist --labeled-fraction 0.05 --epochs 3 --seed "$seed")
        say "Patient KD on MNIST, seed $seed"
        distill distill "${common[@]}" --student 16x3 --beta 0 --out "$out/pkd-none-$seed.safetensors" |
            tee "$out/pkd-none-$seed.log"
        for mapping in last skip; do
            distill distill "${common[@]}" --student 16x3 --hidden-loss mse --beta 0.5 \
                --mapping "$mapping" --out "$out/pkd-$mapping-$seed.safetensors" |
                tee "$out/pkd-$mapping-$seed.log"
        done
        for run in "0 skip" "0.5 skip" "0.5 last"; do
            read -r beta mapping <<<"$run"
            distill distill "${common[@]}" --hidden-loss pkd --beta "$beta" --mapping "$mapping" \
                --out "$out/pkd-32-$beta-$mapping-$seed.safetensors" |
                tee "$out/pkd-32-$beta-$mapping-$seed.log"
        done
        say "Patient KD on the digits, seed $seed"
        for width in 8 16 32; do
            distill distill --dataset digits --labeled-fraction 0.1 --student "${width}x3" --beta 0 \
                --seed "$seed" --out "$out/pkd-digits-$width-none-$seed.safetensors" |
                tee "$out/pkd-digits-$width-none-$seed.log"
            for loss in pkd mse; do
                for mapping in skip last; do
                    distill distill --dataset digits --labeled-fraction 0.1 --student "${width}x3" \
                        --beta 0.5 --hidden-loss "$loss" --mapping "$mapping" --seed "$seed" \
                        --out "$out/pkd-digits-$width-$loss-$mapping-$seed.safetensors" |
                        tee "$out/pkd-digits-$width-$loss-$mapping-$seed.log"
                done
            done
        done
    done
}

# MT-DNN (Liu et al. 2019): a 2×1200 student from the average of the three Hinton teachers'
# soft targets, set against the same student from its own seed's teacher alone.
ensemble() {
    for seed in 1 2 3; do hinton_teacher "$seed"; done
    local teachers=()
    for seed in 1 2 3; do teachers+=(--teacher "$out/hinton-teacher-$seed.safetensors"); done
    for seed in $seeds; do
        say "MT-DNN ensemble on MNIST, seed $seed"
        distill distill --dataset mnist "${teachers[@]}" --student 1200x2 --temperature 20 \
            --alpha 0.1 --batch-size 128 --seed "$seed" --epochs 20 \
            --out "$out/ensemble-$seed.safetensors" | tee "$out/ensemble-$seed.log"
        hinton_student "$seed" --student 1200x2 --epochs 20 \
            --out "$out/ensemble-single-$seed.safetensors" | tee "$out/ensemble-single-$seed.log"
    done
}

# FastBERT's exits on the shipped digits teacher, and BERT-of-Theseus against KD (seconds each).
exits_and_theseus() {
    distill distill --dataset digits --out "$out/exits-student.safetensors" | tee "$out/exits-student.log"
    distill exits --dataset digits --student "$out/exits-student.safetensors" | tee "$out/exits.log"
    for seed in ${SEEDS:-1 2 3 4 5}; do
        for rate in 0.5 0.3+0.002t; do
            say "Theseus on the digits, rate $rate, seed $seed"
            distill theseus --dataset digits --rate "$rate" --compare-kd --seed "$seed" \
                --out "$out/theseus-$rate-$seed.safetensors" | tee "$out/theseus-$rate-$seed.log"
        done
        distill theseus --dataset digits --replacing-epochs 0 --finetune-epochs 30 --seed "$seed" \
            --out "$out/theseus-start-$seed.safetensors" | tee "$out/theseus-start-$seed.log"
    done
}

# The pretrained teacher (MiniLM fine-tuned on Brown genres, shipped in 4 bits with its logits
# on the training split) against networks trained here from scratch, and what its students
# learn with 5 % of the labels (a bag of words and a BiLSTM, the rest of the sentences
# unlabeled, the teacher's soft targets from its shipped logits) and with Tang's recipe (10 %
# labeled, nothing else, MSE on logits, four augmented copies read by the teacher).
pretrained() {
    say "MiniLM on Brown: the shipped teacher"
    distill eval --dataset brown --weights assets/teachers/brown-minilm.safetensors | tee "$out/minilm-teacher.log"
    for seed in $seeds; do
        say "Brown, seed $seed: from scratch (bag of words, transformer, BiLSTM)"
        distill train-teacher --dataset brown --kind bow --hidden 64,64 --epochs 1 --lr 0.01 \
            --seed "$seed" --out "$out/brown-bow-$seed.safetensors" | tee "$out/brown-bow-$seed.log"
        distill train-teacher --dataset brown --kind transformer --epochs 3 --seed "$seed" \
            --out "$out/brown-transformer-$seed.safetensors" | tee "$out/brown-transformer-$seed.log"
        distill train-teacher --dataset brown --kind bilstm --epochs 2 --seed "$seed" \
            --out "$out/brown-bilstm-$seed.safetensors" | tee "$out/brown-bilstm-$seed.log"
        say "Brown, seed $seed: 5 % labeled, distilled from MiniLM and scratch"
        distill distill --dataset brown --kind bow --student 64,64 --labeled-fraction 0.05 \
            --epochs 2 --lr 0.01 --seed "$seed" --compare-scratch \
            --out "$out/brown-few-bow-$seed.safetensors" | tee "$out/brown-few-bow-$seed.log"
        distill distill --dataset brown --kind bilstm --labeled-fraction 0.05 --epochs 1 \
            --lr 3e-3 --seed "$seed" --compare-scratch \
            --out "$out/brown-few-bilstm-$seed.safetensors" | tee "$out/brown-few-bilstm-$seed.log"
        say "Brown, seed $seed: Tang et al. with MiniLM (10 % labeled, MSE, four augmented copies)"
        local few=(--dataset brown --kind bilstm --soft-loss mse --alpha 0 --labeled-fraction 0.1
            --no-unlabeled --epochs 10 --lr 3e-3 --seed "$seed")
        distill distill "${few[@]}" --compare-scratch --out "$out/brown-tang-mse-$seed.safetensors" |
            tee "$out/brown-tang-mse-$seed.log"
        distill distill "${few[@]}" --augment-copies 4 --out "$out/brown-tang-aug-$seed.safetensors" |
            tee "$out/brown-tang-aug-$seed.log"
    done
}

# The seeds' layer and attention losses with the pretrained teacher: a 2-block transformer of
# the students' words, 5 % of the sentences labeled and nothing else, from MiniLM's soft
# targets alone, then with TinyBERT's states and attention, MiniLM's relations, and Patient KD's
# skip and last, the teacher's pieces pooled onto the words (it runs on every batch).
pretrained_deep() {
    for seed in $seeds; do
        local few=(--dataset brown --kind transformer --student 32x2 --labeled-fraction 0.05
            --no-unlabeled --epochs 4 --seed "$seed")
        say "Brown, seed $seed: a transformer from MiniLM's soft targets (and scratch)"
        distill distill "${few[@]}" --compare-scratch --out "$out/brown-kd-$seed.safetensors" |
            tee "$out/brown-kd-$seed.log"
        say "Brown, seed $seed: + TinyBERT (states and attention, skip)"
        distill distill "${few[@]}" --beta 1 --attention tinybert --gamma 1 \
            --out "$out/brown-tinybert-$seed.safetensors" | tee "$out/brown-tinybert-$seed.log"
        say "Brown, seed $seed: + MiniLM's relations"
        distill distill "${few[@]}" --attention minilm --gamma 1 \
            --out "$out/brown-minilm-rel-$seed.safetensors" | tee "$out/brown-minilm-rel-$seed.log"
        for map in skip last; do
            say "Brown, seed $seed: Patient KD, $map"
            distill distill "${few[@]}" --beta 1 --hidden-loss pkd --mapping "$map" \
                --out "$out/brown-pkd-$map-$seed.safetensors" | tee "$out/brown-pkd-$map-$seed.log"
        done
    done
}

# Tang et al. again, with the pretrained MiniLM on Brown: a BiLSTM of the students' words,
# 10 % of the training sentences labeled and nothing else, MSE on the logits, from scratch,
# distilled, and distilled with two augmented copies of each sentence, which MiniLM reads in its
# own pieces (masking and n-grams only: a teacher of pieces has no neighbours among the
# students' words). The augmented run's scratch twin trains as many steps.
pretrained_tang() {
    for seed in $seeds; do
        local few=(--dataset brown --kind bilstm --soft-loss mse --alpha 0 --labeled-fraction 0.1
            --no-unlabeled --epochs 4 --lr 3e-3 --seed "$seed" --compare-scratch)
        say "Brown, seed $seed: Tang's BiLSTM from MiniLM's logits (and scratch)"
        distill distill "${few[@]}" --out "$out/brown-tang-$seed.safetensors" |
            tee "$out/brown-tang-$seed.log"
        say "Brown, seed $seed: the same with two augmented copies MiniLM reads"
        distill distill "${few[@]}" --augment-copies 2 --out "$out/brown-tang-aug-$seed.safetensors" |
            tee "$out/brown-tang-aug-$seed.log"
    done
}

# Mirzadeh et al. again, with the pretrained MiniLM on Brown: a 3-block, 64-wide transformer
# assistant distilled from MiniLM's shipped logits on every training sentence, then the 2-block,
# 32-wide student of pretrained-deep (5 % labeled, nothing else) from the assistant; the
# student from MiniLM itself is pretrained-deep's first row.
pretrained_assistant() {
    for seed in $seeds; do
        local ta="$out/brown-assistant-$seed.safetensors"
        say "Brown, seed $seed: a 64×3 assistant from MiniLM"
        [ -e "$ta" ] || distill distill --dataset brown --kind transformer --student 64x3 --epochs 2 \
            --seed "$seed" --out "$ta" | tee "$out/brown-assistant-$seed.log"
        say "Brown, seed $seed: the 32×2 student through the assistant"
        distill distill --dataset brown --kind transformer --teacher "$ta" --student 32x2 \
            --labeled-fraction 0.05 --no-unlabeled --epochs 4 --seed "$seed" \
            --out "$out/brown-via-assistant-$seed.safetensors" | tee "$out/brown-via-assistant-$seed.log"
    done
}

# The same 32×2 student as pretrained-deep (5 % labeled, nothing else), and the same bag of words
# as pretrained, taught by the page's other Brown teacher: the 3×64 transformer trained here
# from scratch (24.1 %).
pretrained_vs_scratch() {
    for seed in $seeds; do
        say "Brown, seed $seed: the 32×2 student from the transformer trained from scratch"
        distill distill --dataset brown --kind transformer \
            --teacher assets/teachers/brown-transformer.safetensors --student 32x2 \
            --labeled-fraction 0.05 --no-unlabeled --epochs 4 --seed "$seed" \
            --out "$out/brown-from-scratch-teacher-$seed.safetensors" | tee "$out/brown-from-scratch-teacher-$seed.log"
        say "Brown, seed $seed: pretrained's bag of words (5 % labeled, the rest unlabeled) from the same teacher"
        distill distill --dataset brown --kind bow --student 64,64 --labeled-fraction 0.05 --epochs 2 --lr 0.01 \
            --teacher assets/teachers/brown-transformer.safetensors --seed "$seed" \
            --out "$out/brown-bow-from-scratch-teacher-$seed.safetensors" | tee "$out/brown-bow-from-scratch-teacher-$seed.log"
    done
}

# Kim & Rush 2016 on CMUdict: the 32-wide encoder–decoder student, 10 epochs, from gold,
# word-level KD, the teacher's best of a beam of 5 (sequence-level), both, and the beam's
# candidate nearest the gold (interpolation); one search of the teacher's beam serves all, and
# each student is also decoded greedily and with a beam of 5. Then sequence-level KD from the
# teacher's greedy outputs.
kim_rush() {
    for seed in $seeds; do
        say "CMUdict, seed $seed: gold, word, sequence (beam 5), both, interpolated"
        distill g2p --epochs 10 --beam 5 --student-beam 5 --seed "$seed" | tee "$out/kim-rush-$seed.log"
        say "CMUdict, seed $seed: sequence-level from the teacher's greedy outputs"
        distill g2p --epochs 10 --beam 1 --targets sequence --student-beam 5 --seed "$seed" |
            tee "$out/kim-rush-greedy-$seed.log"
    done
}

# Hinton et al. 2015 on natural images: seed 002 reproduces it on CIFAR-10, which no registry
# reachable here holds, so Fashion-MNIST stands in. A conv teacher (32 and 64 channels, 3 epochs);
# from it a conv student (8 and 16 channels) and an MLP (2×128), each distilled at T = 4 and
# trained from the labels alone, 3 epochs; then the conv student on 3 % of the images.
hinton_fashion() {
    for seed in $seeds; do
        local teacher="$out/fashion-teacher-$seed.safetensors"
        say "Fashion-MNIST, seed $seed: the conv teacher"
        [ -e "$teacher" ] || distill train-teacher --dataset fashion-mnist --kind cnn --hidden 32,64 \
            --epochs 3 --seed "$seed" --out "$teacher" | tee "$out/fashion-teacher-$seed.log"
        local common=(--dataset fashion-mnist --teacher "$teacher" --epochs 3 --seed "$seed" --compare-scratch)
        say "Fashion-MNIST, seed $seed: the conv student, distilled and from scratch"
        distill distill "${common[@]}" --kind cnn --student 8,16 \
            --out "$out/fashion-cnn-$seed.safetensors" | tee "$out/fashion-cnn-$seed.log"
        say "Fashion-MNIST, seed $seed: the MLP student, distilled and from scratch"
        distill distill "${common[@]}" --kind mlp --student 128x2 \
            --out "$out/fashion-mlp-$seed.safetensors" | tee "$out/fashion-mlp-$seed.log"
        # Hinton's little-data setting: 3 % of the images and nothing else, 100 passes over them
        # (as many steps as 3 epochs of the whole set).
        say "Fashion-MNIST, seed $seed: the conv student on 3 % of the images"
        distill distill --dataset fashion-mnist --teacher "$teacher" --seed "$seed" --compare-scratch \
            --kind cnn --student 8,16 --labeled-fraction 0.03 --no-unlabeled --epochs 100 \
            --out "$out/fashion-cnn-few-$seed.safetensors" | tee "$out/fashion-cnn-few-$seed.log"
    done
}

# Xu & Yang 2017: an English teacher of the verses' genres, a Spanish student from its soft
# targets on parallel verses (no Spanish label), gold and 1 % students, and adversarial feature
# adaptation at two weights. One command runs every seed.
cross_lingual() {
    local list
    list=$(echo $seeds | tr ' ' ',')
    for lambda in 0.1 1; do
        say "verses, λ = $lambda, seeds $list"
        distill cross-lingual --lambda "$lambda" --seeds "$list" | tee "$out/cross-lingual-$lambda.log"
    done
}

# Liu, Chen & Liu 2019: a teacher that also reads Brown's part-of-speech tags, a teacher
# without, plain KD, and adversarial imitation at three weights (0: the frozen classifier only).
imitation() {
    local list
    list=$(echo $seeds | tr ' ' ',')
    for lambda in 0 0.1 0.5; do
        say "Brown with tags, λ = $lambda, seeds $list"
        distill imitation --sentences 45000 --lambda "$lambda" --seeds "$list" | tee "$out/imitation-$lambda.log"
    done
}

# Liu et al. 2019 (MT-DNN): a student with a shared encoder and a head per task (the e-mails,
# Brown's genres), each task distilled from its shipped teacher, against single-task students.
multitask() {
    local list
    list=$(echo $seeds | tr ' ' ',')
    for brown in 12000 45000; do
        say "e-mails and $brown Brown sentences, seeds $list"
        distill multitask --brown-sentences "$brown" --seeds "$list" | tee "$out/multitask-$brown.log"
    done
}

# Compression beside distillation: the frontier of bytes against accuracy on the digits, MNIST
# (students 5 epochs there) and the e-mails (text students, 3 epochs), one CSV per seed; and
# Brown's pretrained MiniLM teacher alone, on 1,000 of its test sentences.
compress() {
    for seed in $seeds; do
        for set in digits mnist spam; do
            say "frontier, $set, seed $seed"
            local epochs=()
            [ "$set" = mnist ] && epochs=(--epochs 5)
            distill compress --dataset "$set" "${epochs[@]}" --seed "$seed" --csv "$out/frontier-$set-$seed.csv" | tee "$out/frontier-$set-$seed.log"
        done
    done
    say "frontier, Brown's MiniLM teacher"
    distill compress --dataset brown --test 1000 --csv "$out/frontier-brown.csv" | tee "$out/frontier-brown.log"
}

claims=("$@")
[ ${#claims[@]} -gt 0 ] || claims=(hinton-mnist omitted-three little-data tang attention assistant patient-kd ensemble exits-theseus pretrained pretrained-deep pretrained-tang pretrained-assistant pretrained-vs-scratch kim-rush hinton-fashion cross-lingual imitation multitask compress)
for claim in "${claims[@]}"; do
    case "$claim" in
        hinton-mnist) hinton_mnist ;;
        omitted-three) omitted_three ;;
        little-data) little_data ;;
        tang) tang ;;
        attention) attention ;;
        assistant) assistant ;;
        patient-kd) patient_kd ;;
        ensemble) ensemble ;;
        exits-theseus) exits_and_theseus ;;
        pretrained) pretrained ;;
        pretrained-deep) pretrained_deep ;;
        pretrained-tang) pretrained_tang ;;
        pretrained-assistant) pretrained_assistant ;;
        pretrained-vs-scratch) pretrained_vs_scratch ;;
        kim-rush) kim_rush ;;
        hinton-fashion) hinton_fashion ;;
        cross-lingual) cross_lingual ;;
        imitation) imitation ;;
        multitask) multitask ;;
        compress) compress ;;
        *) echo "unknown claim '$claim' (hinton-mnist, omitted-three, little-data, tang, attention, assistant, patient-kd, ensemble, exits-theseus, pretrained, pretrained-deep, pretrained-tang, pretrained-assistant, pretrained-vs-scratch, kim-rush, hinton-fashion, cross-lingual, imitation, multitask, compress)" >&2; exit 2 ;;
    esac
done
say "done: logs in $out/"
