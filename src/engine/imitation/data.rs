//! Brown's sentences for adversarial imitation: the students read the words; the teacher reads
//! the words and their part-of-speech tags, the privileged information it has in training only.
//! A tag joins the teacher's vocabulary as one more token: `np-tl` and `np` are both `np`.

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::text::{BROWN_GENRES, BROWN_MAX_LEN, Special, Tokenizer, brown_sentences};

const MIN_COUNT: usize = 3;
const MAX_WORDS: usize = 12_000;

/// The words' tokenizer, the tags, and each split as the teacher and the students read it.
pub struct Tagged {
    pub words: Tokenizer,
    /// The tags, in id order after the words (tag `k` is token `words.vocab_size() + k`).
    pub tags: Vec<String>,
    /// Rows of `[CLS]`, words, `[SEP]`, tags: twice the students' length.
    pub train_tagged: Dataset,
    pub train_words: Dataset,
    pub test_tagged: Dataset,
    pub test_words: Dataset,
}

/// `np-tl` → `np`; a tag with nothing before its dash stays whole.
fn base(tag: &str) -> &str {
    match tag.split('-').next() {
        Some(b) if !b.is_empty() => b,
        _ => tag,
    }
}

impl Tagged {
    /// The first `train` training sentences of `brown.tsv.gz` (its order is a fair sample) and
    /// every test sentence.
    pub fn from_gz(bytes: &[u8], train: usize) -> Result<Self> {
        let [all_train, test] = brown_sentences(bytes)?;
        let train = &all_train[..train.min(all_train.len())];
        if train.is_empty() || test.is_empty() {
            return Err(Error::Dataset(
                "brown.tsv.gz: the lab needs training and test sentences".into(),
            ));
        }
        let words = Tokenizer::build(
            train.iter().map(|s| s.text.as_str()),
            MIN_COUNT,
            MAX_WORDS,
            BROWN_MAX_LEN,
        )?;
        let mut tags: Vec<String> = train
            .iter()
            .flat_map(|s| s.tags.iter().map(|t| base(t).to_string()))
            .collect();
        tags.sort();
        tags.dedup();
        let encode = |rows: &[crate::text::BrownSentence], tagged: bool| {
            rows_of(&words, &tags, rows, tagged)
        };
        Ok(Self {
            train_tagged: encode(train, true)?,
            train_words: encode(train, false)?,
            test_tagged: encode(&test, true)?,
            test_words: encode(&test, false)?,
            words,
            tags,
        })
    }

    /// The teacher's vocabulary: the words, then the tags.
    pub fn tagged_vocab(&self) -> usize {
        self.words.vocab_size() + self.tags.len()
    }
}

fn rows_of(
    words: &Tokenizer,
    tags: &[String],
    rows: &[crate::text::BrownSentence],
    tagged: bool,
) -> Result<Dataset> {
    let len = words.max_len();
    let dim = if tagged { 2 * len } else { len };
    let mut ids = Vec::with_capacity(rows.len() * dim);
    for s in rows {
        let row = words
            .encode(&s.text)
            .map_err(|e| Error::Dataset(format!("brown, document {}: {e}", s.document)))?;
        ids.extend(row.iter().map(|&id| id as f32));
        if tagged {
            let tag_ids = s.tags.iter().take(len).map(|t| {
                let at = tags.binary_search_by(|k| k.as_str().cmp(base(t)));
                at.map_or(Special::Unk.id() as usize, |k| words.vocab_size() + k)
            });
            let before = ids.len();
            ids.extend(tag_ids.map(|id| id as f32));
            ids.resize(before + len, Special::Pad.id() as f32);
        }
    }
    let labels = rows.iter().map(|s| s.genre).collect();
    Dataset::new("brown, tagged", ids, labels, dim, BROWN_GENRES.len(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_join_the_teacher_s_rows_after_the_words() {
        let bytes = std::fs::read(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
                .join("assets")
                .join(crate::text::BROWN_FILE),
        )
        .unwrap();
        let set = Tagged::from_gz(&bytes, 500).unwrap();
        assert_eq!(set.train_words.len(), 500);
        assert_eq!(set.train_tagged.dim, 2 * set.train_words.dim);
        assert!(
            set.tags
                .iter()
                .all(|t| !t.contains('-') || t.starts_with('-'))
        );
        assert!(set.tags.contains(&"np".to_string()));
        // The first half of a teacher's row is the student's row; the second, tags only.
        let (t, w) = (set.train_tagged.example(0), set.train_words.example(0));
        assert_eq!(&t[..w.len()], w);
        let vocab = set.words.vocab_size() as f32;
        let tags = &t[w.len()..];
        assert!(tags[0] >= vocab, "{tags:?}");
        assert!(tags.iter().all(|&id| id == 0.0 || id >= vocab || id == 1.0));
        assert!(tags.iter().all(|&id| (id as usize) < set.tagged_vocab()));
    }
}
