//! Our MiniLM against pocket-encoder's, on the sentences of `tests/interop/minilm_sentences.txt`:
//! the same WordPiece ids, and the same mean-pooled, L2-normalised embedding to 1e-4.
//!
//! pocket-encoder (with Candle and the tokenizers crate) is not linked here: `reference/minilm`
//! wrote its answers as JSON lines to `tests/interop/minilm_reference.jsonl`, which this test
//! reads. Building Candle took over two minutes of every CI run for answers that change only
//! with pocket-encoder's version (pinned in reference/minilm); `scripts/minilm_reference.sh`
//! builds it, writes them again and says whether they still match the file.

use std::path::Path;

use burn::tensor::{Device, Int, Tensor, TensorData};
use distill_playground::engine::minilm;
use distill_playground::engine::network::Input;

const LIMIT: usize = 128;

#[test]
fn minilm_matches_pocket_encoder_in_pieces_and_embeddings() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/minilm_reference.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(rows.len() >= 100, "{} sentences", rows.len());
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    let device = Device::flex();
    let wordpiece = minilm::wordpiece(&assets, LIMIT).unwrap();
    let net = minilm::pretrained(&assets, LIMIT, 2, 0, &device).unwrap();
    let (mut worst, mut cut, mut typed_pad) = (0f32, 0, 0);
    for row in &rows {
        let sentence = row["text"].as_str().unwrap();
        let theirs: Vec<u32> = serde_json::from_value(row["ids"].clone()).unwrap();
        let ours = wordpiece.encode(sentence);
        assert_eq!(ours, theirs, "pieces of {sentence:?}");
        cut += usize::from(ours.len() == LIMIT);
        // Our rows mark padding by id 0, so a literal "[PAD]" typed inside a sentence (its id
        // is 0 in both tokenizers) is padding to our encoder and a token to pocket-encoder's.
        if ours[1..].contains(&0) {
            typed_pad += 1;
            continue;
        }
        let ids: Vec<i64> = ours.iter().map(|&i| i64::from(i)).collect();
        let n = ids.len();
        let input = Tensor::<2, Int>::from_data(TensorData::new(ids, [1, n]), &device);
        let embedding = net.sentence_embedding(Input::Tokens(input));
        let ours: Vec<f32> = embedding.into_data().try_to_vec().unwrap();
        let theirs: Vec<f32> = serde_json::from_value(row["embedding"].clone()).unwrap();
        assert_eq!(ours.len(), theirs.len());
        for (a, b) in ours.iter().zip(&theirs) {
            worst = worst.max((a - b).abs());
        }
        assert!(worst < 1e-4, "embedding of {sentence:?} differs by {worst}");
    }
    assert_eq!(typed_pad, 1, "one sentence types [PAD]");
    assert!(
        cut >= 2,
        "sentences past the length limit are part of the check"
    );
    let unknown = rows
        .iter()
        .filter(|r| r["ids"].as_array().unwrap().contains(&100.into()));
    assert!(unknown.count() >= 2, "unknown words are part of the check");
    println!(
        "{} sentences: same pieces, embeddings within {worst:.2e}",
        rows.len()
    );
}
