//! Reads sentences, one per line, from the file given first, and writes one JSON line per
//! sentence to standard output: pocket-encoder's embedding (`Encoder::embed`: masked mean,
//! L2-normalised) and the WordPiece ids its tokenizer gives (the `tokenizer.json` given second,
//! pocket-encoder's own file, with its settings: special tokens, right truncation to 128).
//!
//! Nothing of the playground is linked in: this is the other side of the comparison.

use std::process::ExitCode;

use tokenizers::{Tokenizer, TruncationParams};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("minilm-reference: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [sentences, tokenizer] = args.as_slice() else {
        return Err("usage: minilm-reference SENTENCES.txt TOKENIZER.json".into());
    };
    let text = std::fs::read_to_string(sentences).map_err(|e| format!("{sentences}: {e}"))?;
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tokenizer = tokenizer_like_pocket_encoder(tokenizer)?;
    let encoder = pocket_encoder::Encoder::new().map_err(|e| e.to_string())?;
    let embeddings = encoder.embed(&lines).map_err(|e| e.to_string())?;
    for (line, embedding) in lines.iter().zip(embeddings) {
        let ids = tokenizer
            .encode(*line, true)
            .map_err(|e| e.to_string())?
            .get_ids()
            .to_vec();
        let row = serde_json::json!({ "text": line, "ids": ids, "embedding": embedding });
        println!("{row}");
    }
    Ok(())
}

/// pocket-encoder's tokenizer settings (its `tokenizer()`): no padding, truncation to 128.
fn tokenizer_like_pocket_encoder(path: &str) -> Result<Tokenizer, String> {
    let mut tokenizer = Tokenizer::from_file(path).map_err(|e| format!("{path}: {e}"))?;
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length: 128,
            ..Default::default()
        }))
        .map_err(|e| e.to_string())?;
    Ok(tokenizer)
}
