//! Which of the student's words each of the teacher's word pieces belongs to, so that layer and
//! attention losses can compare a teacher that reads pieces ("play", "##ing") with a student that
//! reads words ("playing"): the teacher's states are averaged over each word's pieces, its
//! attention rows averaged and its columns summed.
//!
//! Both tokenizers keep every character but white space, so each side is a stream of the same
//! characters once lower-cased and stripped of accents (BERT's normalisation). A piece belongs to
//! the word whose characters its word starts in. When the streams differ (a character one side
//! drops), offsets are mapped proportionally: approximate, but never out of order.

use super::wordpiece::{WordPiece, normalize};

/// A word as both sides can compare it: normalised, without white space.
fn skeleton(word: &str) -> String {
    normalize(word)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Character offsets at which each word starts in the words' concatenation, and its length.
fn starts(words: &[String]) -> (Vec<usize>, usize) {
    let mut at = 0;
    let starts = words
        .iter()
        .map(|w| {
            let start = at;
            at += w.chars().count();
            start
        })
        .collect();
    (starts, at)
}

/// For each position of the teacher's row of `text` (`wordpiece.max_len()` of them), the
/// position in the student's row it pools into, plus one; 0 for none (padding, and pieces of
/// words the student's row has cut). `student_words` are the words of the student's row in
/// order (untruncated), and `student_len` its length with `[CLS]` and `[SEP]`. `[CLS]` pools
/// into `[CLS]` and `[SEP]` into `[SEP]`.
pub fn piece_words(
    text: &str,
    student_words: &[String],
    student_len: usize,
    wordpiece: &WordPiece,
) -> Vec<u16> {
    let student: Vec<String> = student_words.iter().map(|w| skeleton(w)).collect();
    let teacher: Vec<(String, Vec<u32>)> = wordpiece.words_of(text);
    let teacher_skeletons: Vec<String> = teacher.iter().map(|(w, _)| skeleton(w)).collect();
    let (s_starts, s_total) = starts(&student);
    let (t_starts, t_total) = starts(&teacher_skeletons);
    let same = student.concat() == teacher_skeletons.concat();
    let word_at = |offset: usize| {
        let offset = if same {
            offset
        } else {
            offset * s_total / t_total.max(1)
        };
        s_starts.partition_point(|&s| s <= offset).saturating_sub(1)
    };
    let kept_words = student.len().min(student_len.saturating_sub(2));
    let mut out = vec![0u16; wordpiece.max_len()];
    let room = wordpiece.max_len().saturating_sub(2);
    let mut piece = 0;
    for ((_, pieces), &start) in teacher.iter().zip(&t_starts) {
        let word = word_at(start);
        for _ in pieces {
            if piece == room {
                break;
            }
            piece += 1;
            if word < kept_words {
                out[piece] = (word + 2) as u16;
            }
        }
    }
    if let Some(first) = out.first_mut() {
        *first = 1;
    }
    if let Some(sep) = out.get_mut(piece + 1) {
        *sep = (kept_words + 2) as u16;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::words;

    fn wordpiece(max_len: usize) -> WordPiece {
        let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("assets/teachers/minilm/tokenizer.json");
        WordPiece::from_json(&std::fs::read(path).unwrap(), max_len).unwrap()
    }

    /// The student word each teacher piece of `text` pools into, by text.
    fn pairs(text: &str, student_len: usize, max_len: usize) -> Vec<(String, String)> {
        let wp = wordpiece(max_len);
        let student = words(text);
        let aligned = piece_words(text, &student, student_len, &wp);
        let ids = wp.encode_padded(text);
        let mut row = vec!["[CLS]".to_string()];
        row.extend(student.iter().take(student_len - 2).cloned());
        row.push("[SEP]".into());
        ids.iter()
            .zip(&aligned)
            .filter(|(_, w)| **w > 0)
            .map(|(&id, &w)| {
                (
                    wp.piece(id).unwrap().into(),
                    row[usize::from(w) - 1].clone(),
                )
            })
            .collect()
    }

    fn p(a: &str, b: &str) -> (String, String) {
        (a.into(), b.into())
    }

    #[test]
    fn pieces_pool_into_their_words_and_specials_into_specials() {
        let got = pairs("Unbelievably, Zoë's café don't", 16, 24);
        let want = vec![
            p("[CLS]", "[CLS]"),
            p("un", "unbelievably"),
            p("##bel", "unbelievably"),
            p("##ie", "unbelievably"),
            p("##va", "unbelievably"),
            p("##bly", "unbelievably"),
            p(",", ","),
            p("zoe", "zoë's"),
            p("'", "zoë's"),
            p("s", "zoë's"),
            p("cafe", "café"),
            p("don", "don't"),
            p("'", "don't"),
            p("t", "don't"),
            p("[SEP]", "[SEP]"),
        ];
        assert_eq!(got, want);
        let split = pairs("tokenization playground", 8, 16);
        assert_eq!(split[1], p("token", "tokenization"));
        assert_eq!(split[2], p("##ization", "tokenization"));
        assert_eq!(split[3], p("playground", "playground"));
    }

    /// Pieces of words the student's row cut pool nowhere; the teacher's own cut keeps `[SEP]`.
    #[test]
    fn cut_rows_leave_their_tails_out() {
        let student_cut = pairs("one two three four five", 4, 16);
        assert_eq!(
            student_cut,
            vec![
                p("[CLS]", "[CLS]"),
                p("one", "one"),
                p("two", "two"),
                p("[SEP]", "[SEP]")
            ]
        );
        let teacher_cut = pairs("one two three four five", 16, 4);
        assert_eq!(
            teacher_cut,
            vec![
                p("[CLS]", "[CLS]"),
                p("one", "one"),
                p("two", "two"),
                p("[SEP]", "[SEP]")
            ]
        );
    }

    /// A character only one side keeps (BERT drops U+FFFD) shifts offsets; pieces still pool
    /// in order, into words that exist.
    #[test]
    fn streams_that_differ_map_in_order() {
        let wp = wordpiece(32);
        let text = "alpha \u{fffd}\u{fffd}\u{fffd} beta gamma delta";
        let student = words(text);
        let aligned = piece_words(text, &student, 32, &wp);
        let real: Vec<u16> = aligned.iter().copied().filter(|&w| w > 0).collect();
        assert!(real.windows(2).all(|w| w[0] <= w[1]), "{aligned:?}");
        assert!(real.iter().all(|&w| usize::from(w) <= student.len() + 2));
    }
}
