//! Every native integration test in one binary. Each file used to be a binary of its own: each
//! linked burn, and cargo ran them one after another, so a long test had a thread to itself
//! while the other waited. Here the harness shares both threads among all tests.
//!
//! libtest starts tests in name order, so the longest (the ML evidence) come first.
#![cfg(not(target_arch = "wasm32"))]

/// Distillation claims over fixed seeds, with margins measured in the README's runs.
mod evidence {
    mod cross_lingual;
    mod distillation;
    mod ensemble;
    mod fashion;
    mod few_classes;
    mod imitation;
    mod minilm;
    mod multitask;
    mod pair;
    mod reproductions;
    mod sequence_kd;
    mod sweep;
    mod text;
    mod theseus;
}

/// Files, links, CSV and command lines from users, hostile ones included.
mod inputs {
    mod cli;
    mod cnn;
    mod import_fuzz;
    mod link_fuzz;
    mod own_data;
    mod seq2seq;
}

/// Against independent implementations (their answers committed by scripts/minilm_reference.sh).
mod reference {
    mod minilm;
}

/// The page's model without a DOM: the reducer and the training worker's side.
mod page {
    mod brown;
    mod brown_scratch;
    mod conv_students;
    mod fashion;
    mod labs;
    mod reducer;
    mod served;
    mod spam;
    mod training_worker;
}
