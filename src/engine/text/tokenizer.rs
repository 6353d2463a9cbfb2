//! A word-level tokenizer with BERT's special tokens.
//!
//! Written here rather than taken from the `tokenizers` crate: that crate's default build needs a
//! C regex library that does not compile to wasm32, its wasm build adds about a megabyte to the
//! page, and its strength (WordPiece/BPE vocabularies trained on large corpora) cannot be used
//! without a pretrained vocabulary, which no package registry ships for this task. Word-level
//! tokenization of 5,000 e-mails is about a hundred lines, behaves the same natively and in wasm,
//! and its tokens are words a student recognises.
//!
//! Rules: text is lower-cased; a token is a run of letters and digits (an apostrophe inside a word
//! is kept: "don't"), or one punctuation character (`!`, `$`, `?` … carry signal in spam).
//! The vocabulary is the training split's words seen at least `min_count` times, most frequent
//! first (ties alphabetical), after the five special tokens.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The special tokens, with their fixed ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Special {
    Pad = 0,
    Unk = 1,
    Cls = 2,
    Sep = 3,
    Mask = 4,
}

impl Special {
    pub const ALL: [Special; 5] = [
        Special::Pad,
        Special::Unk,
        Special::Cls,
        Special::Sep,
        Special::Mask,
    ];

    pub fn text(self) -> &'static str {
        match self {
            Special::Pad => "[PAD]",
            Special::Unk => "[UNK]",
            Special::Cls => "[CLS]",
            Special::Sep => "[SEP]",
            Special::Mask => "[MASK]",
        }
    }

    pub fn id(self) -> u32 {
        self as u32
    }
}

/// Largest vocabulary a tokenizer file may declare.
pub const MAX_VOCAB: usize = 100_000;
/// Longest row a tokenizer may produce.
pub const MAX_LEN: usize = 512;

/// A vocabulary and a maximum length: `encode` gives `[CLS] w₁ … wₙ [SEP] [PAD] …`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "TokenizerFile", into = "TokenizerFile")]
pub struct Tokenizer {
    words: Vec<String>,
    ids: HashMap<String, u32>,
    max_len: usize,
}

/// A tokenizer as a file stores it: the words in id order (specials first) and the length.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct TokenizerFile {
    max_len: usize,
    #[serde(deserialize_with = "bounded_words")]
    vocab: Vec<String>,
}

/// Longest word a tokenizer file may list (characters).
pub const MAX_WORD_CHARS: usize = 200;

/// The vocabulary, refused at its first word past [`MAX_VOCAB`] or longer than
/// [`MAX_WORD_CHARS`]: a hostile file is stopped while it is read, not after it is all in memory.
fn bounded_words<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<String>, D::Error> {
    struct Words;
    impl<'de> serde::de::Visitor<'de> for Words {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "a list of at most {MAX_VOCAB} words")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> std::result::Result<Vec<String>, A::Error> {
            use serde::de::Error as _;
            let mut words = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX_VOCAB));
            while let Some(word) = seq.next_element::<String>()? {
                if words.len() == MAX_VOCAB {
                    return Err(A::Error::custom(format!(
                        "more than {MAX_VOCAB} words in the vocabulary"
                    )));
                }
                if word.chars().count() > MAX_WORD_CHARS {
                    return Err(A::Error::custom(format!(
                        "word {} is {} characters; at most {MAX_WORD_CHARS}",
                        words.len(),
                        word.chars().count()
                    )));
                }
                words.push(word);
            }
            Ok(words)
        }
    }
    d.deserialize_seq(Words)
}

impl TryFrom<TokenizerFile> for Tokenizer {
    type Error = Error;
    fn try_from(file: TokenizerFile) -> Result<Self> {
        Tokenizer::from_words(file.vocab, file.max_len)
    }
}

impl From<Tokenizer> for TokenizerFile {
    fn from(t: Tokenizer) -> Self {
        TokenizerFile {
            max_len: t.max_len,
            vocab: t.words,
        }
    }
}

/// The words of `text`, by the rules above.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let inner_apostrophe =
            c == '\'' && !word.is_empty() && chars.peek().is_some_and(|n| n.is_alphanumeric());
        if c.is_alphanumeric() || inner_apostrophe {
            word.extend(c.to_lowercase());
            continue;
        }
        if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if !c.is_whitespace() && !c.is_control() {
            out.push(c.to_string());
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

impl Tokenizer {
    /// A vocabulary from training sentences: words seen at least `min_count` times, at most
    /// `max_words` of them.
    pub fn build<'a>(
        sentences: impl IntoIterator<Item = &'a str>,
        min_count: usize,
        max_words: usize,
        max_len: usize,
    ) -> Result<Self> {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for sentence in sentences {
            for w in words(sentence) {
                *counts.entry(w).or_default() += 1;
            }
        }
        let mut frequent: Vec<(String, usize)> = counts
            .into_iter()
            .filter(|(_, n)| *n >= min_count.max(1))
            .collect();
        frequent.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        frequent.truncate(max_words);
        let vocab = Special::ALL
            .iter()
            .map(|s| s.text().to_string())
            .chain(frequent.into_iter().map(|(w, _)| w))
            .collect();
        Self::from_words(vocab, max_len)
    }

    /// A tokenizer from its words in id order, which must start with the five special tokens.
    pub fn from_words(words: Vec<String>, max_len: usize) -> Result<Self> {
        let bad = |m: String| Err(Error::Dataset(format!("tokenizer: {m}")));
        if !(3..=MAX_LEN).contains(&max_len) {
            return bad(format!(
                "max length {max_len} must be 3..={MAX_LEN} ([CLS], a word and [SEP])"
            ));
        }
        if words.len() > MAX_VOCAB {
            return bad(format!("{} words; at most {MAX_VOCAB}", words.len()));
        }
        for s in Special::ALL {
            if words.get(s.id() as usize).map(String::as_str) != Some(s.text()) {
                return bad(format!("id {} must be {}", s.id(), s.text()));
            }
        }
        let mut ids = HashMap::with_capacity(words.len());
        for (i, w) in words.iter().enumerate() {
            if ids.insert(w.clone(), i as u32).is_some() {
                return bad(format!(
                    "the word {} is listed twice",
                    crate::error::quote(w)
                ));
            }
        }
        Ok(Self {
            words,
            ids,
            max_len,
        })
    }

    pub fn vocab_size(&self) -> usize {
        self.words.len()
    }

    pub fn max_len(&self) -> usize {
        self.max_len
    }

    pub fn id(&self, word: &str) -> u32 {
        self.ids.get(word).copied().unwrap_or(Special::Unk.id())
    }

    pub fn word(&self, id: u32) -> &str {
        self.words
            .get(id as usize)
            .map_or(Special::Unk.text(), String::as_str)
    }

    /// Token ids of a sentence's words, without specials, not truncated.
    pub fn ids(&self, text: &str) -> Vec<u32> {
        words(text).iter().map(|w| self.id(w)).collect()
    }

    /// One row: `[CLS]`, the first `max_len − 2` word ids, `[SEP]`, then `[PAD]`s. An empty
    /// sentence (no words at all) is an error: it would be a row of specials only.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>> {
        let ids = self.ids(text);
        if ids.is_empty() {
            return Err(Error::Dataset(
                "the sentence is empty: it has no words to classify".into(),
            ));
        }
        Ok(self.row(&ids))
    }

    /// A row from word ids (used by augmentation, whose sentences are ids already).
    pub fn row(&self, word_ids: &[u32]) -> Vec<u32> {
        let keep = word_ids.len().min(self.max_len - 2);
        let mut row = Vec::with_capacity(self.max_len);
        row.push(Special::Cls.id());
        row.extend_from_slice(&word_ids[..keep]);
        row.push(Special::Sep.id());
        row.resize(self.max_len, Special::Pad.id());
        row
    }

    /// The word ids of a row: what lies between `[CLS]` and `[SEP]`.
    pub fn word_ids(row: &[u32]) -> Vec<u32> {
        row.iter()
            .skip(1)
            .take_while(|&&id| id != Special::Sep.id() && id != Special::Pad.id())
            .copied()
            .collect()
    }

    /// A row back as text, specials other than `[MASK]` and `[UNK]` left out.
    pub fn decode(&self, row: &[u32]) -> String {
        Self::word_ids(row)
            .iter()
            .map(|&id| self.word(id))
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| Error::Dataset(format!("tokenizer: {e}")))
    }

    pub fn from_json(text: &str) -> Result<Self> {
        serde_json::from_str(text).map_err(|e| Error::Dataset(format!("tokenizer file: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_on_punctuation_and_keep_inner_apostrophes() {
        assert_eq!(
            words("Don't miss: WIN $1000 now!!"),
            ["don't", "miss", ":", "win", "$", "1000", "now", "!", "!"]
        );
        assert_eq!(words("  'quoted'  "), ["'", "quoted", "'"]);
        assert!(words(" \t\n").is_empty());
    }

    #[test]
    fn the_vocabulary_counts_the_training_sentences_only() {
        let t = Tokenizer::build(["free money", "free beer", "money talks"], 2, 100, 6).unwrap();
        let specials: Vec<&str> = (0..5).map(|i| t.word(i)).collect();
        assert_eq!(specials, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]);
        // "free" and "money" twice each (ties alphabetical); once-seen words are unknown.
        assert_eq!((t.word(5), t.word(6), t.vocab_size()), ("free", "money", 7));
        assert_eq!(t.encode("Free talks").unwrap(), [2, 5, 1, 3, 0, 0]);
        // Truncated to max_len − 2 words, [SEP] kept.
        assert_eq!(
            t.encode("free free free free free").unwrap(),
            [2, 5, 5, 5, 5, 3]
        );
        assert_eq!(t.decode(&[2, 6, 4, 1, 3, 0]), "money [MASK] [UNK]");
        let err = t.encode(" \t ").map(|_| ()).unwrap_err().to_string();
        assert!(err.contains("empty"), "{err}");
        // Punctuation is a word: "..." is three unknown tokens, not an empty sentence.
        assert_eq!(t.encode("...").unwrap(), [2, 1, 1, 1, 3, 0]);
    }

    #[test]
    fn a_tokenizer_file_round_trips_and_bad_ones_are_refused() {
        let t = Tokenizer::build(["a b a b c"], 1, 100, 8).unwrap();
        assert_eq!(Tokenizer::from_json(&t.to_json().unwrap()).unwrap(), t);
        let long_word = format!(r#"{{"max_len": 8, "vocab": ["{}"]}}"#, "w".repeat(201));
        for (bad, why) in [
            (r#"{"max_len": 8, "vocab": ["a"]}"#, "[PAD]"),
            (r#"{"max_len": 2, "vocab": []}"#, "max length"),
            (
                r#"{"max_len": 8, "vocab": ["[PAD]","[UNK]","[CLS]","[SEP]","[MASK]","x","x"]}"#,
                "twice",
            ),
            ("not json", "tokenizer file"),
            (long_word.as_str(), "at most 200"),
        ] {
            let err = Tokenizer::from_json(bad).unwrap_err().to_string();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn a_vocabulary_past_the_limit_is_refused_while_it_is_read() {
        let words: Vec<String> = (0..MAX_VOCAB + 1).map(|i| format!("\"{i}\"")).collect();
        let json = format!(r#"{{"max_len": 8, "vocab": [{}]}}"#, words.join(","));
        let err = Tokenizer::from_json(&json).unwrap_err().to_string();
        assert!(err.contains("more than 100000 words"), "{err}");
    }
}
