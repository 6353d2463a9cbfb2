//! The shipped text set: SpamAssassin e-mails as three classes (easy ham, hard ham, spam), see
//! `assets/data/LICENSES.md`. Each line of the file is `split<TAB>class<TAB>text`.

use crate::data::Dataset;
use crate::error::{Error, Result};

use super::Tokenizer;

pub const SPAM_TSV_GZ: &[u8] = include_bytes!("../../../assets/data/spam/spam.tsv.gz");
pub const SPAM_CLASSES: [&str; 3] = ["easy ham", "hard ham", "spam"];
/// Tokens per row: `[CLS]`, 62 words, `[SEP]` (the median e-mail here has 70 tokens).
pub const SPAM_MAX_LEN: usize = 64;
/// Words seen fewer times than this in the training split are `[UNK]`.
const SPAM_MIN_COUNT: usize = 3;
const SPAM_MAX_WORDS: usize = 6000;

/// A text set: sentences and labels per split, the tokenizer built from the training split, and
/// both splits as token-id datasets.
#[derive(Clone, Debug)]
pub struct TextSplit {
    pub tokenizer: Tokenizer,
    pub train_text: Vec<String>,
    pub test_text: Vec<String>,
    pub train: Dataset,
    pub test: Dataset,
}

/// Sentences and labels of each split (the file lists each split class by class; they come
/// back shuffled, seed 2019).
pub fn spam_sentences(bytes: &[u8]) -> Result<[Vec<(String, u8)>; 2]> {
    super::tsv::split_rows(bytes, "spam.tsv.gz", 16 << 20, 2019, |fields, bad| {
        let Some((label, sentence)) = fields.split_once('\t') else {
            return Err(bad("expected split, class and text separated by tabs"));
        };
        let label: u8 = label
            .parse()
            .ok()
            .filter(|l| usize::from(*l) < SPAM_CLASSES.len())
            .ok_or_else(|| bad("the class is not 0, 1 or 2"))?;
        Ok((sentence.to_string(), label))
    })
}

impl TextSplit {
    /// Tokenizes both splits with a vocabulary built from the training split.
    pub fn build(
        name: &str,
        train: Vec<(String, u8)>,
        test: Vec<(String, u8)>,
        classes: usize,
        tokenizer: Tokenizer,
    ) -> Result<Self> {
        let encode = |rows: &[(String, u8)]| -> Result<Dataset> {
            let mut ids = Vec::with_capacity(rows.len() * tokenizer.max_len());
            for (i, (text, _)) in rows.iter().enumerate() {
                let row = tokenizer
                    .encode(text)
                    .map_err(|e| Error::Dataset(format!("{name} example {}: {e}", i + 1)))?;
                ids.extend(row.into_iter().map(|id| id as f32));
            }
            let labels = rows.iter().map(|(_, l)| *l).collect();
            Dataset::new(name, ids, labels, tokenizer.max_len(), classes, None)
        };
        Ok(Self {
            train: encode(&train)?,
            test: encode(&test)?,
            train_text: train.into_iter().map(|(t, _)| t).collect(),
            test_text: test.into_iter().map(|(t, _)| t).collect(),
            tokenizer,
        })
    }

    /// The training split's own vocabulary.
    pub fn tokenizer_for(train: &[(String, u8)]) -> Result<Tokenizer> {
        Tokenizer::build(
            train.iter().map(|(t, _)| t.as_str()),
            SPAM_MIN_COUNT,
            SPAM_MAX_WORDS,
            SPAM_MAX_LEN,
        )
    }
}

/// The shipped SpamAssassin set, tokenized with `tokenizer` (a teacher's), or with a vocabulary
/// built from its training split when `None`.
pub fn spam(tokenizer: Option<Tokenizer>) -> Result<TextSplit> {
    spam_from_gz(SPAM_TSV_GZ, tokenizer)
}

/// The SpamAssassin set from the bytes of `spam.tsv.gz` (the page fetches them rather than
/// carrying 0.7 MB in its wasm), tokenized as [`spam`] does.
pub fn spam_from_gz(bytes: &[u8], tokenizer: Option<Tokenizer>) -> Result<TextSplit> {
    let [train, test] = spam_sentences(bytes)?;
    let tokenizer = match tokenizer {
        Some(t) => t,
        None => TextSplit::tokenizer_for(&train)?,
    };
    TextSplit::build("spam", train, test, SPAM_CLASSES.len(), tokenizer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_spam_set_has_three_classes_fixed_splits_and_no_shared_text() {
        let split = spam(None).unwrap();
        assert_eq!((split.train.len(), split.test.len()), (4670, 1167));
        assert_eq!(split.train.class_counts(), [3086, 198, 1386]);
        assert_eq!(split.test.class_counts(), [771, 50, 346]);
        assert_eq!(split.train.dim, SPAM_MAX_LEN);
        let train: HashSet<&String> = split.train_text.iter().collect();
        assert!(split.test_text.iter().all(|t| !train.contains(t)));
        // Every row is [CLS] … with ids inside the vocabulary.
        let vocab = split.tokenizer.vocab_size();
        assert!((3000..=6005).contains(&vocab), "{vocab}");
        for row in split.train.features.chunks(SPAM_MAX_LEN) {
            assert_eq!(row[0], 2.0);
            assert!(row.iter().all(|&id| id >= 0.0 && (id as usize) < vocab));
        }
        // The vocabulary comes from the training split alone: a word seen only in the test
        // split is unknown.
        let train_words: HashSet<String> = split
            .train_text
            .iter()
            .flat_map(|t| super::super::tokenizer::words(t))
            .collect();
        let test_only = split
            .test_text
            .iter()
            .flat_map(|t| super::super::tokenizer::words(t))
            .find(|w| !train_words.contains(w))
            .unwrap();
        assert_eq!(split.tokenizer.id(&test_only), 1);
    }

    /// The same ids are asserted in wasm (tests/web.rs): the tokenizer is platform-independent.
    #[test]
    fn the_tokenizer_fingerprint() {
        let split = spam(None).unwrap();
        assert_eq!(split.tokenizer.vocab_size(), 6005);
        let row = split
            .tokenizer
            .encode("Click here to WIN $1000 now!!!")
            .unwrap();
        assert_eq!(&row[..12], FINGERPRINT);
    }

    const FINGERPRINT: &[u32] = &[2, 118, 99, 13, 929, 57, 1318, 75, 18, 18, 18, 3];

    #[test]
    fn bad_lines_are_named() {
        for (text, why) in [
            ("train\t0\tfine\nvalid\t0\thello\n", "line 2: the split"),
            ("train\t7\thello\n", "line 1: the class"),
            ("train hello\n", "line 1: expected"),
        ] {
            let err = spam_sentences(&super::super::tsv::gz(text))
                .unwrap_err()
                .to_string();
            assert!(err.contains(why), "{err}");
        }
    }
}
