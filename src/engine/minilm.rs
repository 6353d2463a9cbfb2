//! The pretrained teacher: paraphrase-MiniLM-L3-v2 as the `pocket-encoder` crate ships it
//! (`assets/teachers/minilm/`, copied from cargo's registry by `scripts/data/copy_minilm.sh`),
//! read into a [`Bert`] with a fresh classifier, and its WordPiece tokenizer.

use std::path::Path;

use burn::tensor::Device;
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;

use crate::error::{Error, Result};
use crate::network::torch::TorchValues;
use crate::network::{Bert, BertConfig, random_linear};
use crate::text::wordpiece::WordPiece;
use crate::weights::q4;

/// The folder under `assets/`.
pub const DIR: &str = "teachers/minilm";
/// Rows of BERT's position table.
pub const MAX_POSITIONS: usize = 512;

fn read(assets: &Path, file: &str) -> Result<Vec<u8>> {
    let path = assets.join(DIR).join(file);
    std::fs::read(&path).map_err(|e| Error::io(path.display().to_string(), e))
}

/// MiniLM's WordPiece tokenizer, rows of `max_len`.
pub fn wordpiece(assets: &Path, max_len: usize) -> Result<WordPiece> {
    WordPiece::from_json(&read(assets, "tokenizer.json")?, max_len)
}

/// The pretrained encoder with a classifier of `classes` drawn from `seed`, reading rows of
/// `max_len` pieces (the first `max_len` rows of its position table).
pub fn pretrained(
    assets: &Path,
    max_len: usize,
    classes: usize,
    seed: u64,
    device: &Device,
) -> Result<Bert> {
    pretrained_from_bytes(
        &read(assets, "model.safetensors")?,
        max_len,
        classes,
        seed,
        device,
    )
}

/// [`pretrained`] from the bytes of pocket-encoder's `model.safetensors`.
pub fn pretrained_from_bytes(
    bytes: &[u8],
    max_len: usize,
    classes: usize,
    seed: u64,
    device: &Device,
) -> Result<Bert> {
    let config = BertConfig {
        max_len,
        ..BertConfig::minilm(max_len, classes)
    };
    config.validate()?;
    if max_len > MAX_POSITIONS {
        return Err(Error::ModelConfig(format!(
            "rows of {max_len} pieces: MiniLM has {MAX_POSITIONS} positions"
        )));
    }
    let full = BertConfig {
        max_len: MAX_POSITIONS,
        ..config.clone()
    };
    let encoder: Vec<(String, Vec<usize>)> = full
        .pytorch_shapes()
        .into_iter()
        .filter(|(name, _)| !name.starts_with("classifier."))
        .collect();
    let mut values = q4::read(bytes, &encoder)?;
    if let Some(positions) = values.get_mut("embeddings.position_embeddings.weight") {
        positions.truncate(max_len * config.width);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let head = random_linear(config.width, classes, &mut rng, &Device::flex());
    let weight = head.weight.val().transpose().into_data();
    let bias = head.bias.map(|b| b.val().into_data());
    let host = |d: burn::tensor::TensorData| {
        d.try_to_vec::<f32>()
            .map_err(|e| Error::Read(format!("{e:?}")))
    };
    values.insert("classifier.weight".into(), host(weight)?);
    values.insert(
        "classifier.bias".into(),
        match bias {
            Some(b) => host(b)?,
            None => vec![0.0; classes],
        },
    );
    Bert::from_torch(
        &config,
        &TorchValues {
            values: &values,
            device,
        },
    )
}

/// Where the fine-tuned teacher of `dataset` and its logits on the training split ship.
pub fn shipped(dataset: &str) -> (String, String) {
    (
        format!("teachers/{dataset}-minilm.safetensors"),
        format!("teachers/{dataset}-minilm-logits.safetensors"),
    )
}

/// Where its logits on the test split ship (`distill eval --logits-out`): the page shows the
/// teacher's predictions of the test sentences without reading 11,478 of them in wasm.
pub fn shipped_test_logits(dataset: &str) -> String {
    format!("teachers/{dataset}-minilm-test-logits.safetensors")
}

/// Logits `[rows, classes]` as a float16 safetensors file (the page's cached teacher: 1.4 MB
/// for Brown's 45,862 training sentences).
pub fn write_logits(logits: &[f32], classes: usize) -> Result<Vec<u8>> {
    use safetensors::tensor::{Dtype, TensorView};
    let bytes: Vec<u8> = logits
        .iter()
        .flat_map(|v| half::f16::from_f32(*v).to_le_bytes())
        .collect();
    let rows = logits.len() / classes.max(1);
    let view = TensorView::new(Dtype::F16, vec![rows, classes], &bytes)
        .map_err(|e| Error::Weights(e.to_string()))?;
    safetensors::serialize([("logits", view)], None).map_err(|e| Error::Weights(e.to_string()))
}

/// A logit file (`logits`, float16 `[rows, classes]`, as `train-teacher --kind minilm` writes
/// it): the values and the number of classes, sizes checked before anything is copied.
pub fn read_logits(bytes: &[u8]) -> Result<(Vec<f32>, usize)> {
    use safetensors::{Dtype, SafeTensors};
    let file = SafeTensors::deserialize(bytes)
        .map_err(|e| Error::Weights(format!("not a logit file: {e}")))?;
    let view = file
        .tensor("logits")
        .map_err(|_| Error::Weights("the logit file has no 'logits'".into()))?;
    let (&[rows, classes], Dtype::F16) = (view.shape(), view.dtype()) else {
        return Err(Error::Weights(
            "logits must be float16 [rows, classes]".into(),
        ));
    };
    if !(2..=1000).contains(&classes) || view.data().len() != rows * classes * 2 {
        return Err(Error::Weights(format!(
            "{rows} × {classes} logits do not fit the file"
        )));
    }
    let values = view
        .data()
        .chunks_exact(2)
        .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
        .collect();
    Ok((values, classes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{Classifier, Input};
    use burn::tensor::{Int, Tensor, TensorData};

    fn assets() -> std::path::PathBuf {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("assets")
    }

    /// The shipped copy reads into the family with HF's names and shapes, and a sentence is a
    /// unit vector that does not depend on its padding.
    #[test]
    fn the_pretrained_encoder_loads_and_embeds() {
        let device = Device::flex();
        let net = pretrained(&assets(), 16, 3, 1, &device).unwrap();
        let wp = wordpiece(&assets(), 16).unwrap();
        assert_eq!(wp.vocab_size(), 30_522);
        let ids = |text: &str, len: usize| {
            let mut row: Vec<i64> = wp.encode(text).into_iter().map(i64::from).collect();
            row.resize(len, 0);
            Tensor::<2, Int>::from_data(TensorData::new(row, [1, len]), &device)
        };
        let a = net.sentence_embedding(Input::Tokens(ids("A cat sat on the mat.", 10)));
        let b = net.sentence_embedding(Input::Tokens(ids("A cat sat on the mat.", 16)));
        let norm = a.clone().powi_scalar(2).sum().into_scalar::<f32>();
        assert!((norm - 1.0).abs() < 1e-5, "{norm}");
        let diff = (a.clone() - b).abs().max().into_scalar::<f32>();
        assert!(diff < 1e-5, "padding changed the embedding by {diff}");
        // Paraphrases are closer than unrelated sentences (what the checkpoint was trained for).
        let c = net.sentence_embedding(Input::Tokens(ids("The kitten was sitting on a rug.", 16)));
        let d = net.sentence_embedding(Input::Tokens(ids("Stock prices fell sharply today.", 16)));
        let cos = |x: Tensor<2>, y: Tensor<2>| (x * y).sum().into_scalar::<f32>();
        assert!(cos(a.clone(), c) > cos(a, d) + 0.2);
        let out = net.forward(Input::Tokens(ids("hello", 16)));
        assert_eq!(out.logits.dims(), [1, 3]);
        assert_eq!(out.taps.attention(3).unwrap().dims(), [1, 12, 16, 16]);
        assert_eq!(out.taps.hidden(3).unwrap().dims(), [1, 16, 384]);
        assert!(pretrained(&assets(), 513, 3, 1, &device).is_err());
    }

    /// The pretrained weights are on the 4-bit grid already: writing the network in 4 bits and
    /// reading it back changes its logits by rounding error only.
    #[test]
    fn the_encoder_survives_a_4_bit_round_trip() {
        use crate::weights::{FileInfo, NetworkWeights};
        let device = Device::flex();
        let net = pretrained(&assets(), 16, 5, 2, &device).unwrap();
        let weights = NetworkWeights::from_network(&net.clone().into()).unwrap();
        let bytes = weights.to_q4_safetensors(&FileInfo::default()).unwrap();
        assert!(bytes.len() < 10_000_000, "{} bytes", bytes.len());
        let (back, _) = NetworkWeights::from_safetensors(&bytes).unwrap();
        let back = back.to_network(&device).unwrap();
        let wp = wordpiece(&assets(), 16).unwrap();
        let rows: Vec<i64> = ["a short one", "Another sentence, with more words in it."]
            .iter()
            .flat_map(|t| wp.encode_padded(t).into_iter().map(i64::from))
            .collect();
        let ids = Tensor::<2, Int>::from_data(TensorData::new(rows, [2, 16]), &device);
        let a = net.logits(Input::Tokens(ids.clone()));
        let b = back.logits(Input::Tokens(ids));
        let diff = (a - b).abs().max().into_scalar::<f32>();
        assert!(diff < 1e-4, "the 4-bit file changed the logits by {diff}");
    }

    #[test]
    fn logit_files_round_trip_in_half_precision() {
        let logits = [1.0, -2.5, 0.125, 3.0, 7.75, -0.5];
        let bytes = write_logits(&logits, 3).unwrap();
        assert_eq!(read_logits(&bytes).unwrap(), (logits.to_vec(), 3));
        assert!(read_logits(&bytes[..bytes.len() - 2]).is_err());
        assert!(read_logits(b"nothing").is_err());
    }

    #[test]
    fn a_damaged_file_is_refused() {
        let device = Device::flex();
        let bytes = read(&assets(), "model.safetensors").unwrap();
        let cut = &bytes[..bytes.len() / 2];
        assert!(pretrained_from_bytes(cut, 16, 3, 1, &device).is_err());
        let err = pretrained_from_bytes(b"{}", 16, 3, 1, &device).unwrap_err();
        assert!(err.to_string().contains("safetensors"), "{err}");
    }
}
