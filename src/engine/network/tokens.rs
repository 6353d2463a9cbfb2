//! What every network that reads tokens shares (the transformer, the BiLSTM, the bag of words):
//! the size checks of a vocabulary and a length, embedding tables, the padding mask, and
//! parameter counts taken before anything is built.

use burn::module::Param;
use burn::nn::Embedding;
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::rngs::ChaCha8Rng;

use crate::error::{Error, Result};

/// Sum of the element counts of `shapes`, saturating (checked before anything is built).
pub fn declared(shapes: &[(String, Vec<usize>)]) -> u64 {
    shapes
        .iter()
        .map(|(_, s)| s.iter().fold(1u64, |n, &d| n.saturating_mul(d as u64)))
        .fold(0, u64::saturating_add)
}

/// The shape checks an attention encoder shares (the transformer, BERT): widths, heads that
/// divide the width, depth and dropout.
pub fn check_encoder(shape: EncoderShape) -> Result<()> {
    let bad = |m: String| Err(Error::ModelConfig(m));
    let EncoderShape {
        width,
        ff,
        heads,
        depth,
        dropout,
    } = shape;
    if !(1..=1024).contains(&width) || !(1..=4096).contains(&ff) {
        return bad(format!(
            "width {width} and feed-forward width {ff} must be 1..=1024 and 1..=4096"
        ));
    }
    let max_heads = super::transformer::MAX_HEADS;
    if !(1..=max_heads).contains(&heads) || !width.is_multiple_of(heads) {
        return bad(format!(
            "{heads} heads: 1 to {max_heads}, dividing the width {width}"
        ));
    }
    if !(0.0..0.9).contains(&dropout) {
        return bad(format!("dropout {dropout}: 0 to 0.9"));
    }
    if !(1..=24).contains(&depth) {
        return bad(format!("{depth} blocks: 1 to 24"));
    }
    Ok(())
}

/// An encoder's shape, as [`check_encoder`] reads it.
#[derive(Clone, Copy, Debug)]
pub struct EncoderShape {
    pub width: usize,
    pub ff: usize,
    pub heads: usize,
    pub depth: usize,
    pub dropout: f32,
}

/// The size checks every text network shares.
pub fn check_text_sizes(vocab: usize, max_len: usize, classes: usize) -> Result<()> {
    use crate::text::tokenizer::{MAX_LEN, MAX_VOCAB};
    if !(6..=MAX_VOCAB).contains(&vocab) {
        return Err(Error::ModelConfig(format!(
            "a vocabulary of {vocab} words: 6 (the specials and a word) to {MAX_VOCAB}"
        )));
    }
    if !(3..=MAX_LEN).contains(&max_len) {
        return Err(Error::ModelConfig(format!(
            "max length {max_len}: 3 to {MAX_LEN} tokens"
        )));
    }
    if !(2..=1000).contains(&classes) {
        return Err(Error::ModelConfig(format!(
            "{classes} classes: need between 2 and 1000"
        )));
    }
    Ok(())
}

/// An embedding table of uniform values with standard deviation `std`.
pub fn random_embedding(
    rows: usize,
    width: usize,
    std: f32,
    rng: &mut ChaCha8Rng,
    device: &Device,
) -> Embedding {
    use rand::RngExt;
    let bound = std * 3f32.sqrt();
    let values = (0..rows * width)
        .map(|_| rng.random_range(-bound..bound))
        .collect();
    embedding_from_host(values, rows, width, device)
}

pub fn embedding_from_host(
    values: Vec<f32>,
    rows: usize,
    width: usize,
    device: &Device,
) -> Embedding {
    Embedding {
        weight: Param::from_tensor(Tensor::from_data(
            TensorData::new(values, [rows, width]),
            device,
        )),
    }
}

/// 1 where a token is, 0 where padding is: `[batch, positions]`.
pub fn token_mask(ids: &Tensor<2, Int>) -> Tensor<2> {
    ids.clone().not_equal_elem(0).float()
}
