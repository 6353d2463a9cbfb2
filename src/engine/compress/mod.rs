//! Compression beside distillation: the other ways to make a network small, on the same
//! networks. So far: magnitude pruning ([`prune`]), post-training quantization ([`quantize`]) and
//! low-rank factorization ([`factorize`]).

pub mod factorize;
pub mod fine_tune;
pub mod frontier;
pub mod mask_file;
pub mod prune;
pub mod qat;
pub mod quantize;
pub mod run;
