//! BERT's uncased WordPiece tokenizer, as `tokenizer.json` of MiniLM describes it: special
//! tokens matched in the raw text, then BertNormalizer (clean, space around CJK ideographs,
//! NFD with accents dropped, lower case), BertPreTokenizer (split on white space, each
//! punctuation mark alone), greedy longest-match WordPiece with `##` continuations, and
//! `[CLS] … [SEP]` with right truncation.
//!
//! Written here rather than taken from the `tokenizers` crate: for this one pipeline it needs
//! two Unicode tables, not a regex engine, rayon and a serde model zoo in the page. The tables
//! are the ones `tokenizers` itself uses (`unicode_categories`, and its NFD,
//! `unicode-normalization-alignments`), so the two agree on every character; the reference
//! check (`tests/native/reference/minilm.rs`, `scripts/minilm_reference.sh`) compares the ids
//! with `tokenizers`' own.

use std::collections::HashMap;

use serde::Deserialize;
use unicode_categories::UnicodeCategories;
use unicode_normalization_alignments::UnicodeNormalization;

use crate::error::{Error, Result};

/// The ids of BERT's special tokens in its uncased vocabulary.
pub const PAD: u32 = 0;
pub const UNK: u32 = 100;
pub const CLS: u32 = 101;
pub const SEP: u32 = 102;

/// Longest word WordPiece splits (`max_input_chars_per_word`); a longer one is `[UNK]`.
const MAX_WORD_CHARS: usize = 100;
/// Most pieces in a vocabulary file; BERT's has 30,522.
const MAX_PIECES: usize = 200_000;

/// A WordPiece vocabulary and the length rows are cut to (specials included).
#[derive(Clone, Debug)]
pub struct WordPiece {
    ids: HashMap<String, u32>,
    pieces: Vec<String>,
    /// Special tokens matched verbatim in the raw text, longest first.
    specials: Vec<(String, u32)>,
    max_len: usize,
}

#[derive(Deserialize)]
struct TokenizerJson {
    model: ModelJson,
    #[serde(default)]
    added_tokens: Vec<AddedToken>,
}

#[derive(Deserialize)]
struct ModelJson {
    #[serde(rename = "type")]
    kind: String,
    vocab: HashMap<String, u32>,
}

#[derive(Deserialize)]
struct AddedToken {
    id: u32,
    content: String,
    #[serde(default)]
    special: bool,
}

impl WordPiece {
    /// Reads a Hugging Face `tokenizer.json` with a WordPiece model; rows hold at most `max_len`
    /// ids.
    pub fn from_json(bytes: &[u8], max_len: usize) -> Result<Self> {
        let bad = |m: String| Error::Dataset(format!("tokenizer.json: {m}"));
        let file: TokenizerJson = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
        if file.model.kind != "WordPiece" {
            return Err(bad(format!("a {} model, not WordPiece", file.model.kind)));
        }
        let n = file.model.vocab.len();
        if !(5..=MAX_PIECES).contains(&n) || !(3..=512).contains(&max_len) {
            return Err(bad(format!("{n} pieces and rows of {max_len}")));
        }
        let mut pieces = vec![String::new(); n];
        for (piece, &id) in &file.model.vocab {
            match pieces.get_mut(id as usize) {
                Some(slot) if slot.is_empty() => *slot = piece.clone(),
                _ => return Err(bad(format!("id {id} of {piece:?} is repeated or past {n}"))),
            }
        }
        for (name, id) in [
            ("[PAD]", PAD),
            ("[UNK]", UNK),
            ("[CLS]", CLS),
            ("[SEP]", SEP),
        ] {
            if pieces.get(id as usize).map(String::as_str) != Some(name) {
                return Err(bad(format!("{name} is not id {id}")));
            }
        }
        let mut specials: Vec<(String, u32)> = file
            .added_tokens
            .into_iter()
            .filter(|t| t.special && (t.id as usize) < n)
            .map(|t| (t.content, t.id))
            .collect();
        specials.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
        Ok(Self {
            ids: file.model.vocab,
            pieces,
            specials,
            max_len,
        })
    }

    pub fn vocab_size(&self) -> usize {
        self.pieces.len()
    }

    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// The text of piece `id` (`##` marks a continuation).
    pub fn piece(&self, id: u32) -> Option<&str> {
        self.pieces.get(id as usize).map(String::as_str)
    }

    /// `[CLS] pieces… [SEP]`, cut to `max_len` ids (the pieces lose their tail), unpadded.
    pub fn encode(&self, text: &str) -> Vec<u32> {
        let mut ids = vec![CLS];
        ids.extend(self.pieces_of(text).into_iter().take(self.max_len - 2));
        ids.push(SEP);
        ids
    }

    /// [`encode`](Self::encode), padded with `[PAD]` to `max_len`.
    pub fn encode_padded(&self, text: &str) -> Vec<u32> {
        let mut ids = self.encode(text);
        ids.resize(self.max_len, PAD);
        ids
    }

    /// The piece ids of `text`, without specials around them and without a length limit.
    pub fn pieces_of(&self, text: &str) -> Vec<u32> {
        self.words_of(text)
            .into_iter()
            .flat_map(|(_, pieces)| pieces)
            .collect()
    }

    /// The words the pieces of `text` came from, as normalised text, each with its pieces (a
    /// special token typed in the text is a word of its own).
    pub fn words_of(&self, text: &str) -> Vec<(String, Vec<u32>)> {
        let mut out = Vec::new();
        for chunk in self.split_specials(text) {
            match chunk {
                Chunk::Special(id) => out.push((normalize(self.piece(id).unwrap_or("")), vec![id])),
                Chunk::Text(text) => {
                    for word in pre_tokenize(&normalize(text)) {
                        let mut pieces = Vec::new();
                        self.push_word(&word, &mut pieces);
                        out.push((word, pieces));
                    }
                }
            }
        }
        out
    }

    /// The raw text around verbatim special tokens (`tokenizers` matches those before it
    /// normalises anything).
    fn split_specials<'t>(&self, mut text: &'t str) -> Vec<Chunk<'t>> {
        let mut out = Vec::new();
        while !text.is_empty() {
            let first = self
                .specials
                .iter()
                .filter_map(|(s, id)| text.find(s.as_str()).map(|at| (at, s.len(), *id)))
                .min_by_key(|&(at, len, _)| (at, std::cmp::Reverse(len)));
            let Some((at, len, id)) = first else {
                out.push(Chunk::Text(text));
                break;
            };
            if at > 0 {
                out.push(Chunk::Text(&text[..at]));
            }
            out.push(Chunk::Special(id));
            text = &text[at + len..];
        }
        out
    }

    /// Greedy longest-match pieces of one word, or `[UNK]` for the whole word if any part of
    /// it has no piece.
    fn push_word(&self, word: &str, out: &mut Vec<u32>) {
        let chars: Vec<(usize, char)> = word.char_indices().collect();
        if chars.len() > MAX_WORD_CHARS {
            out.push(UNK);
            return;
        }
        let mut found = Vec::new();
        let mut start = 0;
        while start < chars.len() {
            let from = chars[start].0;
            let piece = (start + 1..=chars.len()).rev().find_map(|end| {
                let to = chars.get(end).map_or(word.len(), |c| c.0);
                let text = &word[from..to];
                let id = if start == 0 {
                    self.ids.get(text)
                } else {
                    self.ids.get(&format!("##{text}"))
                };
                id.map(|&id| (id, end))
            });
            let Some((id, end)) = piece else {
                out.push(UNK);
                return;
            };
            found.push(id);
            start = end;
        }
        out.extend(found);
    }
}

enum Chunk<'t> {
    Special(u32),
    Text(&'t str),
}

/// BertNormalizer with lower-casing (which turns accent stripping on).
pub fn normalize(text: &str) -> String {
    let cleaned = text
        .chars()
        .filter(|&c| !(c == '\0' || c == '\u{fffd}' || is_control(c)))
        .map(|c| if is_whitespace(c) { ' ' } else { c });
    let mut spaced = String::with_capacity(text.len());
    for c in cleaned {
        if is_chinese_char(c) {
            spaced.extend([' ', c, ' ']);
        } else {
            spaced.push(c);
        }
    }
    spaced
        .nfd()
        .map(|(c, _)| c)
        .filter(|c| !c.is_mark_nonspacing())
        .flat_map(char::to_lowercase)
        .collect()
}

/// BertPreTokenizer: words split on white space, each punctuation mark a word of its own.
pub fn pre_tokenize(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    for run in text.split(char::is_whitespace) {
        let mut word = String::new();
        for c in run.chars() {
            if c.is_ascii_punctuation() || c.is_punctuation() {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                words.push(c.to_string());
            } else {
                word.push(c);
            }
        }
        if !word.is_empty() {
            words.push(word);
        }
    }
    words
}

fn is_whitespace(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || c.is_whitespace()
}

fn is_control(c: char) -> bool {
    !matches!(c, '\t' | '\n' | '\r') && c.is_other()
}

fn is_chinese_char(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF
        | 0x3400..=0x4DBF
        | 0x20000..=0x2A6DF
        | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F
        | 0x2B920..=0x2CEAF
        | 0xF900..=0xFAFF
        | 0x2F800..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small vocabulary in `tokenizer.json`'s shape.
    fn toy() -> WordPiece {
        let mut vocab: Vec<&str> = vec!["[PAD]"];
        vocab.extend(std::iter::repeat_n("", 99));
        vocab.extend(["[UNK]", "[CLS]", "[SEP]", "[MASK]"]);
        vocab.extend([
            "un", "##aff", "##able", "the", "cafe", ",", "!", "a", "##b", "世",
        ]);
        let map: serde_json::Map<String, serde_json::Value> = vocab
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let key = if p.is_empty() {
                    format!("[unused{i}]")
                } else {
                    p.to_string()
                };
                (key, serde_json::json!(i))
            })
            .collect();
        let json = serde_json::json!({
            "model": {"type": "WordPiece", "vocab": map},
            "added_tokens": [{"id": 103, "content": "[MASK]", "special": true},
                             {"id": 101, "content": "[CLS]", "special": true}],
        });
        WordPiece::from_json(json.to_string().as_bytes(), 8).unwrap()
    }

    #[test]
    fn words_split_into_the_longest_pieces() {
        let wp = toy();
        assert_eq!(wp.pieces_of("unaffable"), [104, 105, 106]);
        assert_eq!(wp.pieces_of("The  Café,un!"), [107, 108, 109, 104, 110]);
        assert_eq!(
            wp.pieces_of("unx"),
            [UNK],
            "a word with a part not in the vocabulary"
        );
        assert_eq!(wp.pieces_of("ab世a"), [111, 112, 113, 111]);
        assert_eq!(wp.pieces_of("[MASK]the[CLS]"), [103, 107, 101]);
        assert_eq!(wp.pieces_of(&"a".repeat(101)), [UNK]);
    }

    #[test]
    fn rows_are_wrapped_cut_and_padded() {
        let wp = toy();
        assert_eq!(wp.encode("the the"), [CLS, 107, 107, SEP]);
        assert_eq!(
            wp.encode(&"the ".repeat(20)),
            [CLS, 107, 107, 107, 107, 107, 107, SEP]
        );
        assert_eq!(wp.encode_padded("a"), [CLS, 111, SEP, 0, 0, 0, 0, 0]);
        assert_eq!(wp.piece(105), Some("##aff"));
    }

    #[test]
    fn bad_vocabularies_are_refused() {
        let bad = |json: serde_json::Value| {
            WordPiece::from_json(json.to_string().as_bytes(), 8)
                .unwrap_err()
                .to_string()
        };
        let bpe = serde_json::json!({"model": {"type": "BPE", "vocab": {}}});
        assert!(bad(bpe).contains("BPE"));
        let no_cls = serde_json::json!({"model": {"type": "WordPiece",
            "vocab": {"[PAD]": 0, "a": 1, "b": 2, "c": 3, "d": 4}}});
        assert!(bad(no_cls).contains("[UNK] is not id 100"));
        let repeated = serde_json::json!({"model": {"type": "WordPiece",
            "vocab": {"[PAD]": 0, "a": 1, "b": 1, "c": 3, "d": 4}}});
        assert!(bad(repeated).contains("repeated"));
        assert!(WordPiece::from_json(b"{", 8).is_err());
    }

    #[test]
    fn normalising_strips_accents_controls_and_case() {
        assert_eq!(normalize("Ça\u{7}\tVA"), "ca va");
        assert_eq!(
            pre_tokenize("hi,there  you!"),
            ["hi", ",", "there", "you", "!"]
        );
        assert_eq!(normalize("日本"), " 日  本 ");
    }
}
