//! CMUdict as a grapheme-to-phoneme task: a word's letters in, its phonemes out.

use crate::error::{Error, Result};

/// Padding (both sides), start and end of a pronunciation.
pub const PAD: u32 = 0;
pub const BOS: u32 = 1;
pub const EOS: u32 = 2;
/// Letters a–z are ids 1–26.
pub const LETTERS: usize = 27;
/// The 39 phonemes of CMUdict without stress marks; phoneme k is id k + 3.
pub const PHONES: [&str; 39] = [
    "AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH",
    "IH", "IY", "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH", "UH",
    "UW", "V", "W", "Y", "Z", "ZH",
];
pub const PHONE_IDS: usize = PHONES.len() + 3;
/// Longest word and pronunciation the model reads and writes.
pub const MAX_LETTERS: usize = 10;
pub const MAX_PHONES: usize = 14;
/// Decoder positions: a start token and the phonemes, or the phonemes and an end token.
pub const TARGET_LEN: usize = MAX_PHONES + 1;

/// One word and its pronunciation, as ids.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair {
    pub word: String,
    pub letters: Vec<u32>,
    pub phones: Vec<u32>,
}

#[derive(Clone, Debug)]
pub struct G2p {
    pub train: Vec<Pair>,
    pub valid: Vec<Pair>,
    pub test: Vec<Pair>,
}

/// A word as letter ids, or why it cannot be read.
pub fn letters(word: &str) -> Result<Vec<u32>> {
    let word = word.trim().to_ascii_lowercase();
    if word.is_empty() || word.len() > MAX_LETTERS {
        return Err(Error::Dataset(format!(
            "'{word}': a word of 1 to {MAX_LETTERS} letters, please"
        )));
    }
    word.bytes()
        .map(|b| match b {
            b'a'..=b'z' => Ok(u32::from(b - b'a') + 1),
            _ => Err(Error::Dataset(format!(
                "'{word}': only the letters a to z can be read"
            ))),
        })
        .collect()
}

/// A phoneme's id.
pub fn phone_id(phone: &str) -> Option<u32> {
    PHONES
        .iter()
        .position(|p| *p == phone)
        .map(|k| k as u32 + 3)
}

/// Phoneme ids as ARPAbet, stopping at the end token.
pub fn spell(ids: &[u32]) -> String {
    ids.iter()
        .take_while(|&&id| id != EOS && id != PAD)
        .filter_map(|&id| PHONES.get((id as usize).wrapping_sub(3)).copied())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The largest CMUdict text read (the shipped set is 0.7 MB): a small gzip that would inflate
/// to gigabytes stops here.
pub const MAX_TEXT_BYTES: usize = 32 << 20;

impl G2p {
    /// The shipped set: gzip'd lines of `split<TAB>word<TAB>phonemes`.
    pub fn from_gz(bytes: &[u8]) -> Result<Self> {
        let raw = crate::data::gunzip(bytes, MAX_TEXT_BYTES, "the CMUdict file")?;
        let text = String::from_utf8(raw)
            .map_err(|_| Error::Dataset("the CMUdict file is not UTF-8 text".into()))?;
        Self::parse(&text)
    }

    /// Lines of `split<TAB>word<TAB>phonemes`; a bad line is named with its number.
    pub fn parse(text: &str) -> Result<Self> {
        let mut set = G2p {
            train: Vec::new(),
            valid: Vec::new(),
            test: Vec::new(),
        };
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let bad = |why: String| Error::Dataset(format!("CMUdict line {}: {why}", n + 1));
            let mut fields = line.split('\t');
            let (Some(split), Some(word), Some(phones), None) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err(bad(
                    "expected split, word and phonemes separated by tabs".into()
                ));
            };
            let phones = phones
                .split_whitespace()
                .map(|p| phone_id(p).ok_or_else(|| bad(format!("unknown phoneme '{p}'"))))
                .collect::<Result<Vec<_>>>()?;
            if phones.is_empty() || phones.len() > MAX_PHONES {
                return Err(bad(format!("{} phonemes: 1 to {MAX_PHONES}", phones.len())));
            }
            let pair = Pair {
                word: word.to_string(),
                letters: letters(word).map_err(|e| bad(e.to_string()))?,
                phones,
            };
            match split {
                "train" => set.train.push(pair),
                "valid" => set.valid.push(pair),
                "test" => set.test.push(pair),
                other => return Err(bad(format!("unknown split '{other}'"))),
            }
        }
        if set.train.is_empty() || set.test.is_empty() {
            return Err(Error::Dataset(
                "the CMUdict file needs training and test words".into(),
            ));
        }
        Ok(set)
    }
}

/// Levenshtein distance between two phoneme sequences.
pub fn edit_distance(a: &[u32], b: &[u32]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let next = (diagonal + usize::from(x != y))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_phonemes_read_and_bad_lines_are_named() {
        let set = G2p::parse("train\tcat\tK AE T\ntest\tdog\tD AO G\n").unwrap();
        assert_eq!(set.train[0].letters, vec![3, 1, 20]);
        assert_eq!(spell(&set.test[0].phones), "D AO G");
        assert_eq!(spell(&[phone_id("K").unwrap(), EOS, 5]), "K");
        for (bad, why) in [
            (
                "train\tcat\tK XX T\ntest\tdog\tD AO G",
                "line 1: unknown phoneme 'XX'",
            ),
            (
                "train\tc4t\tK AE T\ntest\tdog\tD AO G",
                "only the letters a to z",
            ),
            (
                "test\tdog\tD AO G\nfoo\tcat\tK",
                "line 2: unknown split 'foo'",
            ),
            ("train\tcat", "line 1: expected split"),
        ] {
            let err = G2p::parse(bad).unwrap_err().to_string();
            assert!(err.contains(why), "{err}");
        }
        assert!(letters("abcdefghijk").is_err());
    }

    #[test]
    fn edit_distance_counts_substitutions_insertions_and_deletions() {
        assert_eq!(edit_distance(&[1, 2, 3], &[1, 2, 3]), 0);
        assert_eq!(edit_distance(&[1, 2, 3], &[1, 4, 3]), 1);
        assert_eq!(edit_distance(&[1, 2, 3], &[1, 3]), 1);
        assert_eq!(edit_distance(&[], &[1, 2]), 2);
        assert_eq!(edit_distance(&[3, 2, 1], &[1, 2, 3]), 2);
    }
}
