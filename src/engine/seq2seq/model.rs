//! A small transformer encoder–decoder (burn's `TransformerEncoder` and `TransformerDecoder`):
//! letters in, phonemes out, one at a time.

use burn::module::Module;
use burn::nn::attention::generate_autoregressive_mask;
use burn::nn::transformer::{
    TransformerDecoder, TransformerDecoderAutoregressiveCache, TransformerDecoderConfig,
    TransformerDecoderInput, TransformerEncoder, TransformerEncoderConfig, TransformerEncoderInput,
};
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::data::{BOS, EOS, LETTERS, MAX_LETTERS, PAD, PHONE_IDS, TARGET_LEN};
use crate::error::{Error, Result};

/// The shape of an encoder–decoder: width, heads, layers on each side, feed-forward width.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seq2SeqConfig {
    pub width: usize,
    pub heads: usize,
    pub layers: usize,
    pub ff: usize,
}

impl Seq2SeqConfig {
    /// The shipped teacher's shape.
    pub fn teacher() -> Self {
        Self {
            width: 128,
            heads: 4,
            layers: 2,
            ff: 256,
        }
    }

    /// The default student: a quarter of the width, one layer a side.
    pub fn student() -> Self {
        Self {
            width: 32,
            heads: 2,
            layers: 1,
            ff: 64,
        }
    }

    pub fn validate(&self) -> Result<()> {
        let ok = (1..=512).contains(&self.width)
            && self.heads > 0
            && self.width.is_multiple_of(self.heads)
            && (1..=6).contains(&self.layers)
            && (1..=2048).contains(&self.ff);
        if ok {
            Ok(())
        } else {
            Err(Error::ModelConfig(format!(
                "encoder–decoder {}: width 1–512 divisible by the heads, 1–6 layers, ff 1–2048",
                self.describe()
            )))
        }
    }

    /// "2+2 layers, d 128, 4 heads, ff 256".
    pub fn describe(&self) -> String {
        format!(
            "{}+{} layers, d {}, {} heads, ff {}",
            self.layers, self.layers, self.width, self.heads, self.ff
        )
    }

    /// Parameters of this shape, counted from the layers' own formulas (burn's pre-norm
    /// encoder and decoder layers: attention 4·(d² + d), feed-forward, 2 or 3 norms). A file
    /// is checked against it before anything of this shape is built.
    pub fn declared_params(&self) -> u64 {
        let (d, ff, l) = (self.width as u64, self.ff as u64, self.layers as u64);
        let attention = 4 * (d * d + d);
        let feed_forward = d * ff + ff + ff * d + d;
        let norm = 2 * d;
        let encoder = l * (attention + feed_forward + 2 * norm);
        let decoder = l * (2 * attention + feed_forward + 3 * norm);
        let tables = (LETTERS + MAX_LETTERS + PHONE_IDS + TARGET_LEN) as u64 * d;
        tables + encoder + decoder + d * PHONE_IDS as u64 + PHONE_IDS as u64
    }

    pub fn init(&self, device: &Device) -> Result<Seq2Seq> {
        self.validate()?;
        let (d, h, l, ff) = (self.width, self.heads, self.layers, self.ff);
        Ok(Seq2Seq {
            letters: EmbeddingConfig::new(LETTERS, d).init(device),
            letter_places: EmbeddingConfig::new(MAX_LETTERS, d).init(device),
            encoder: TransformerEncoderConfig::new(d, ff, h, l)
                .with_dropout(0.1)
                .with_norm_first(true)
                .init(device),
            phones: EmbeddingConfig::new(PHONE_IDS, d).init(device),
            phone_places: EmbeddingConfig::new(TARGET_LEN, d).init(device),
            decoder: TransformerDecoderConfig::new(d, ff, h, l)
                .with_dropout(0.1)
                .with_norm_first(true)
                .init(device),
            out: LinearConfig::new(d, PHONE_IDS).init(device),
        })
    }
}

#[derive(Module, Debug)]
pub struct Seq2Seq {
    pub letters: Embedding,
    pub letter_places: Embedding,
    pub encoder: TransformerEncoder,
    pub phones: Embedding,
    pub phone_places: Embedding,
    pub decoder: TransformerDecoder,
    pub out: Linear,
}

/// Rows of ids, padded with [`PAD`] to `len`, as a tensor.
pub fn id_rows(rows: &[Vec<u32>], len: usize, device: &Device) -> Tensor<2, Int> {
    let mut flat = Vec::with_capacity(rows.len() * len);
    for r in rows {
        flat.extend(r.iter().take(len).map(|&v| i64::from(v)));
        flat.extend(std::iter::repeat_n(
            i64::from(PAD),
            len.saturating_sub(r.len()),
        ));
    }
    Tensor::from_data(TensorData::new(flat, [rows.len(), len]), device)
}

fn places(batch: usize, len: usize, device: &Device) -> Tensor<2, Int> {
    Tensor::<1, Int>::arange(0..len as i64, device)
        .unsqueeze_dim::<2>(0)
        .repeat_dim(0, batch)
}

impl Seq2Seq {
    /// The encoded letters `[batch, MAX_LETTERS, width]` and where the padding is.
    pub fn encode(&self, letters: Tensor<2, Int>) -> (Tensor<3>, Tensor<2, Bool>) {
        let [batch, len] = letters.dims();
        let pad = letters.clone().equal_elem(PAD as i64);
        let x = self.letters.forward(letters)
            + self
                .letter_places
                .forward(places(batch, len, &pad.device()));
        let memory = self
            .encoder
            .forward(TransformerEncoderInput::new(x).mask_pad(pad.clone()));
        (memory, pad)
    }

    /// Logits `[batch, positions, phoneme ids]` for every position of `prefix` (a start token,
    /// then phonemes), each seeing only the positions before it.
    pub fn decode(
        &self,
        memory: Tensor<3>,
        memory_pad: Tensor<2, Bool>,
        prefix: Tensor<2, Int>,
    ) -> Tensor<3> {
        let input = self.decoder_input(memory, memory_pad, prefix);
        self.out.forward(self.decoder.forward(input))
    }

    fn decoder_input(
        &self,
        memory: Tensor<3>,
        memory_pad: Tensor<2, Bool>,
        prefix: Tensor<2, Int>,
    ) -> TransformerDecoderInput {
        let [batch, len] = prefix.dims();
        let device = prefix.device();
        let pad = prefix.clone().equal_elem(PAD as i64);
        let x =
            self.phones.forward(prefix) + self.phone_places.forward(places(batch, len, &device));
        TransformerDecoderInput::new(x, memory)
            .memory_mask_pad(memory_pad)
            .target_mask_pad(pad)
            .target_mask_attn(generate_autoregressive_mask(batch, len, &device))
    }

    /// The logits `[batch, 1, ids]` of the last position of `prefix`, one position further than
    /// the last call with `cache`.
    fn decode_next(
        &self,
        memory: Tensor<3>,
        memory_pad: Tensor<2, Bool>,
        prefix: Tensor<2, Int>,
        cache: &mut TransformerDecoderAutoregressiveCache,
    ) -> Tensor<3> {
        let len = prefix.dims()[1];
        let input = self.decoder_input(memory, memory_pad, prefix);
        let out = self.decoder.forward_autoregressive_inference(input, cache);
        self.out.forward(out.narrow(1, len - 1, 1))
    }

    /// Teacher-forced logits: `letters` `[batch, MAX_LETTERS]`, `prefix` `[batch, TARGET_LEN]`.
    pub fn forward(&self, letters: Tensor<2, Int>, prefix: Tensor<2, Int>) -> Tensor<3> {
        let (memory, pad) = self.encode(letters);
        self.decode(memory, pad, prefix)
    }

    /// Greedy decoding of every word, up to [`TARGET_LEN`] phonemes each (the end token and
    /// what follows it dropped). Reads the device once per position.
    pub fn greedy(&self, words: &[Vec<u32>], device: &Device) -> Result<Vec<Vec<u32>>> {
        let mut out = Vec::with_capacity(words.len());
        for chunk in words.chunks(512) {
            out.extend(self.greedy_chunk(chunk, device)?);
        }
        Ok(out)
    }

    /// One word's greedy pronunciation, and the distribution over phoneme ids at each of its
    /// positions (the last is where it chose the end token).
    pub fn pronounce(&self, letters: &[u32], device: &Device) -> Result<(Vec<u32>, Vec<Vec<f32>>)> {
        let said = self.greedy(&[letters.to_vec()], device)?.concat();
        let prefix = [&[BOS][..], &said].concat();
        let logits = self.forward(
            id_rows(&[letters.to_vec()], MAX_LETTERS, device),
            id_rows(&[prefix], TARGET_LEN, device),
        );
        let probs = crate::train::host(burn::tensor::activation::softmax(logits, 2))?;
        let rows = probs
            .chunks(PHONE_IDS)
            .take((said.len() + 1).min(TARGET_LEN))
            .map(<[f32]>::to_vec)
            .collect();
        Ok((said, rows))
    }

    fn greedy_chunk(&self, words: &[Vec<u32>], device: &Device) -> Result<Vec<Vec<u32>>> {
        let n = words.len();
        let (memory, pad) = self.encode(id_rows(words, MAX_LETTERS, device));
        let mut prefixes: Vec<Vec<u32>> = vec![vec![BOS]; n];
        let mut done = vec![false; n];
        // burn's cache keeps each layer's earlier positions, so a step computes only the new
        // one (the rows never change order here, unlike a beam's).
        let mut cache = self.decoder.new_autoregressive_cache();
        for t in 0..TARGET_LEN {
            let logits = self.decode_next(
                memory.clone(),
                pad.clone(),
                id_rows(&prefixes, t + 1, device),
                &mut cache,
            );
            let next = logits
                .argmax(2)
                .into_data()
                .convert::<i64>()
                .try_into_vec::<i64>()
                .map_err(|e| Error::Read(format!("{e:?}")))?;
            for (i, &id) in next.iter().enumerate() {
                if !done[i] {
                    let id = id as u32;
                    done[i] = id == EOS || id == PAD;
                    if !done[i] {
                        prefixes[i].push(id);
                    }
                }
            }
            if done.iter().all(|d| *d) {
                break;
            }
        }
        Ok(prefixes.into_iter().map(|p| p[1..].to_vec()).collect())
    }
}
