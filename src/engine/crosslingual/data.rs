//! The verses as the lab uses them: the training chapters cut in two by chapter parity, the
//! odd chapters labelled English (the teacher's), the even ones the parallel pairs (the
//! student's, with no label it may read), and the test chapters in both languages.

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::text::{Tokenizer, VERSE_GENRES, VersePair, verse_pairs};

/// Word tokens per row: `[CLS]`, 54 words, `[SEP]` (95 % of verses have fewer than 54 in
/// either language).
pub const VERSE_MAX_LEN: usize = 56;
/// Each language's vocabulary: words seen at least this often in its training verses.
const MIN_COUNT: usize = 3;
const MAX_WORDS: usize = 12_000;

/// One language's tokenizer and its three sets of rows.
pub struct Side {
    pub tokenizer: Tokenizer,
    /// The odd chapters' verses (the teacher's labelled text, in English).
    pub labelled: Dataset,
    /// The even chapters' verses (the parallel pairs).
    pub parallel: Dataset,
    pub test: Dataset,
}

/// Both languages, row `i` of a set in one language the same verse as row `i` in the other.
pub struct Bilingual {
    pub english: Side,
    pub spanish: Side,
    /// The test verses, for the page to show and to pick from.
    pub test_verses: Vec<VersePair>,
}

impl Bilingual {
    /// The verses of `verses.tsv.gz`, each language with its own vocabulary from its training
    /// chapters.
    pub fn from_gz(bytes: &[u8]) -> Result<Self> {
        let [train, test] = verse_pairs(bytes)?;
        let (labelled, parallel): (Vec<&VersePair>, Vec<&VersePair>) =
            train.iter().partition(|v| v.chapter % 2 == 1);
        if labelled.is_empty() || parallel.is_empty() || test.is_empty() {
            return Err(Error::Dataset(
                "verses.tsv.gz: the lab needs odd and even training chapters and test verses"
                    .into(),
            ));
        }
        let test: Vec<&VersePair> = test.iter().collect();
        let side = |text: fn(&VersePair) -> &str| {
            let tokenizer =
                Tokenizer::build(train.iter().map(text), MIN_COUNT, MAX_WORDS, VERSE_MAX_LEN)?;
            let rows = |verses: &[&VersePair], name: &str| encode(&tokenizer, verses, text, name);
            Ok::<_, Error>(Side {
                labelled: rows(&labelled, "labelled")?,
                parallel: rows(&parallel, "parallel")?,
                test: rows(&test, "test")?,
                tokenizer,
            })
        };
        Ok(Self {
            english: side(|v| &v.english)?,
            spanish: side(|v| &v.spanish)?,
            test_verses: test.into_iter().cloned().collect(),
        })
    }
}

/// Rows of token ids (as `f32`) with the verses' genres.
fn encode(
    tokenizer: &Tokenizer,
    verses: &[&VersePair],
    text: fn(&VersePair) -> &str,
    name: &str,
) -> Result<Dataset> {
    let mut ids = Vec::with_capacity(verses.len() * tokenizer.max_len());
    for v in verses {
        let row = tokenizer
            .encode(text(v))
            .map_err(|e| Error::Dataset(format!("{} ({name}): {e}", v.place())))?;
        ids.extend(row.into_iter().map(|id| id as f32));
    }
    let labels = verses.iter().map(|v| v.genre).collect();
    Dataset::new(
        format!("verses, {name}"),
        ids,
        labels,
        tokenizer.max_len(),
        VERSE_GENRES.len(),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tsv::gz;

    fn line(split: &str, genre: u8, chapter: u16, english: &str, spanish: &str) -> String {
        format!("{split}\t{genre}\tGen\t{chapter}\t1\t{english}\t{spanish}")
    }

    #[test]
    fn odd_chapters_are_labelled_even_ones_parallel_and_rows_align() {
        let lines = [
            line("train", 0, 1, "in the beginning", "en el principio"),
            line(
                "train",
                0,
                2,
                "the beginning of God",
                "el principio de Dios",
            ),
            line("train", 1, 3, "and God said", "y dijo Dios el principio"),
            line(
                "test",
                4,
                5,
                "God said the beginning",
                "Dios dijo el principio",
            ),
        ];
        let set = Bilingual::from_gz(&gz(&lines.join("\n"))).unwrap();
        assert_eq!(set.english.labelled.len(), 2);
        assert_eq!(set.spanish.labelled.len(), 2);
        assert_eq!(set.english.parallel.len(), 1);
        assert_eq!(set.english.parallel.labels, [0]);
        assert_eq!(set.spanish.test.labels, [4]);
        assert_eq!(set.test_verses[0].spanish, "Dios dijo el principio");
        // Each language reads with its own words.
        let es = &set.spanish.tokenizer;
        assert_ne!(es.id("principio"), es.id("nonexistent"));
        assert_eq!(set.english.tokenizer.id("principio"), es.id("nonexistent"));
    }

    #[test]
    fn a_set_without_even_chapters_is_refused() {
        let lines = [
            line("train", 0, 1, "in the beginning", "en el principio"),
            line("test", 0, 3, "and God said", "y dijo Dios"),
        ];
        let err = Bilingual::from_gz(&gz(&lines.join("\n"))).err().unwrap();
        assert!(err.to_string().contains("even training chapters"), "{err}");
    }
}
