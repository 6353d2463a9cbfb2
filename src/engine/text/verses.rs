//! Parallel verses for cross-lingual distillation (Xu & Yang 2017): the English King James
//! Version beside the Spanish Reina-Valera 1909, both public domain, from Debian's
//! `sword-text-kjv` and `sword-text-sparv` (`scripts/data/make_bible_set.py`;
//! `assets/data/LICENSES.md`). A verse's label is the genre of its book.
//!
//! Each line of `verses.tsv.gz` is `split, genre, book, chapter, verse, English, Spanish`:
//! 31,084 verses that both translations have, split by chapter (a fifth of each genre's
//! chapters are test), so that neighbouring verses never sit on both sides.

use crate::error::Result;

/// Where the set lives under `assets/`.
pub const VERSES_FILE: &str = "data/bible/verses.tsv.gz";
/// The genres of the 66 books, in canonical order.
pub const VERSE_GENRES: [&str; 7] = [
    "Law",
    "History",
    "Wisdom",
    "Prophets",
    "Gospels and Acts",
    "Letters",
    "Revelation",
];
/// The decompressed file is 8.6 MB.
const VERSES_MAX_BYTES: usize = 32 << 20;

/// One verse in both languages, with its place and its book's genre.
#[derive(Clone, Debug, PartialEq)]
pub struct VersePair {
    pub genre: u8,
    /// The book's OSIS name (`Gen`, `Matt`, …).
    pub book: String,
    pub chapter: u16,
    pub verse: u16,
    pub english: String,
    pub spanish: String,
}

impl VersePair {
    /// Where it stands, as in "John 3:16".
    pub fn place(&self) -> String {
        format!("{} {}:{}", self.book, self.chapter, self.verse)
    }
}

/// The verse pairs of each split, shuffled (seed 1611) so that any prefix is a fair sample.
pub fn verse_pairs(bytes: &[u8]) -> Result<[Vec<VersePair>; 2]> {
    super::tsv::split_rows(
        bytes,
        "verses.tsv.gz",
        VERSES_MAX_BYTES,
        1611,
        |fields, bad| {
            let fields: Vec<&str> = fields.split('\t').collect();
            let [genre, book, chapter, verse, english, spanish] = fields.as_slice() else {
                return Err(bad(
                    "expected split, genre, book, chapter, verse, English and Spanish",
                ));
            };
            let genre: u8 = genre
                .parse()
                .ok()
                .filter(|g| usize::from(*g) < VERSE_GENRES.len())
                .ok_or_else(|| bad("the genre is not 0 to 6"))?;
            let number = |text: &str, what: &str| {
                text.parse::<u16>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad(&format!("the {what} is not a number from 1")))
            };
            if english.trim().is_empty() || spanish.trim().is_empty() {
                return Err(bad("a verse needs both its English and its Spanish text"));
            }
            Ok(VersePair {
                genre,
                book: book.to_string(),
                chapter: number(chapter, "chapter")?,
                verse: number(verse, "verse")?,
                english: english.to_string(),
                spanish: spanish.to_string(),
            })
        },
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::super::tsv::gz;
    use super::*;

    #[test]
    fn the_shipped_verses_split_by_chapter() {
        let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("assets")
            .join(VERSES_FILE);
        let [train, test] = verse_pairs(&std::fs::read(path).unwrap()).unwrap();
        assert_eq!((train.len(), test.len()), (24_843, 6_241));
        let chapters = |rows: &[VersePair]| -> BTreeSet<(String, u16)> {
            rows.iter().map(|v| (v.book.clone(), v.chapter)).collect()
        };
        let (a, b) = (chapters(&train), chapters(&test));
        assert_eq!(a.len() + b.len(), 1_189);
        assert!(a.is_disjoint(&b), "a chapter on both sides");
        let genres: BTreeSet<u8> = test.iter().map(|v| v.genre).collect();
        assert_eq!(genres.len(), 7, "every genre is tested");
        let john = train.iter().chain(&test).find(|v| v.place() == "John 3:16");
        let john = john.unwrap();
        assert!(john.english.starts_with("For God so loved the world"));
        assert!(
            john.spanish
                .starts_with("Porque de tal manera amó Dios al mundo")
        );
        assert_eq!(VERSE_GENRES[usize::from(john.genre)], "Gospels and Acts");
    }

    #[test]
    fn a_verse_file_that_does_not_parse_is_refused_with_the_line() {
        let good = "train\t4\tJohn\t11\t35\tJesus wept.\tY lloró Jesús.\n";
        assert_eq!(verse_pairs(&gz(good)).unwrap()[0].len(), 1);
        let cases = [
            (
                "train\t7\tJohn\t11\t35\tJesus wept.\tY lloró Jesús.\n",
                "genre",
            ),
            (
                "train\t4\tJohn\t0\t35\tJesus wept.\tY lloró Jesús.\n",
                "chapter",
            ),
            (
                "train\t4\tJohn\t11\tx\tJesus wept.\tY lloró Jesús.\n",
                "verse",
            ),
            (
                "train\t4\tJohn\t11\t35\tJesus wept.\t \n",
                "both its English",
            ),
            ("train\t4\tJohn\t11\t35\tJesus wept.\n", "expected split"),
            (
                "dev\t4\tJohn\t11\t35\tJesus wept.\tY lloró Jesús.\n",
                "neither train",
            ),
        ];
        for (line, needle) in cases {
            let text = format!("{good}{line}");
            let err = verse_pairs(&gz(&text)).unwrap_err().to_string();
            assert!(err.contains("line 2") && err.contains(needle), "{err}");
        }
        let err = verse_pairs(b"not gzip").unwrap_err().to_string();
        assert!(err.contains("verses.tsv.gz"), "{err}");
    }
}
