//! A typed message, as the page shows it before any network sees it: the tokens the model reads
//! (`[CLS]`, words, `[UNK]` for words outside the vocabulary, `[SEP]`), what was cut, and a plain
//! word about input that cannot be classified. Also the example messages to click and the
//! augmented versions of a message (Tang et al.) that show what a student is taught from.

use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;

use crate::engine::text::{Neighbours, Special, TangAugment, TextSplit, Tokenizer, words};

/// The longest message the page tokenizes; longer text is cut first (a pasted book would
/// otherwise be split into words on every keystroke only to keep 62 of them).
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// One token as the page draws it.
#[derive(Clone, Debug, PartialEq)]
pub struct TokenView {
    pub text: String,
    pub id: u32,
    /// A special token (`[CLS]`, `[SEP]`) or a word the vocabulary lacks (`[UNK]`).
    pub special: bool,
    /// For `[UNK]`: the word that was typed.
    pub typed: Option<String>,
}

/// A message ready to classify: its row of ids and what to show.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub row: Vec<u32>,
    pub tokens: Vec<TokenView>,
    /// Words beyond the model's length that it does not read.
    pub dropped_words: usize,
    /// Whether the text itself was cut at [`MAX_MESSAGE_CHARS`].
    pub cut_text: bool,
    pub unknown_words: usize,
}

/// Why a message cannot be classified, in words for the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessageProblem {
    Empty,
}

impl std::fmt::Display for MessageProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MessageProblem::Empty => write!(f, "type a message: it has no words yet"),
        }
    }
}

/// The tokens of `text` as the model reads them. Control characters separate words; emoji and
/// other symbols are tokens of their own (unknown to this vocabulary, so `[UNK]`).
pub fn read_message(text: &str, tokenizer: &Tokenizer) -> Result<Message, MessageProblem> {
    let cut_text = text.chars().count() > MAX_MESSAGE_CHARS;
    // Control characters separate words and are dropped by the tokenizer's own rules.
    let text: String = text.chars().take(MAX_MESSAGE_CHARS).collect();
    let typed = words(&text);
    if typed.is_empty() {
        return Err(MessageProblem::Empty);
    }
    let row = tokenizer.row(&tokenizer.ids(&text));
    let kept = tokenizer.max_len() - 2;
    let mut tokens = vec![special(Special::Cls)];
    let mut unknown_words = 0;
    for w in typed.iter().take(kept) {
        let id = tokenizer.id(w);
        let unknown = id == Special::Unk.id();
        unknown_words += usize::from(unknown);
        tokens.push(TokenView {
            text: tokenizer.word(id).to_string(),
            id,
            special: unknown,
            typed: unknown.then(|| w.clone()),
        });
    }
    tokens.push(special(Special::Sep));
    Ok(Message {
        row,
        tokens,
        dropped_words: typed.len().saturating_sub(kept),
        cut_text,
        unknown_words,
    })
}

fn special(s: Special) -> TokenView {
    TokenView {
        text: s.text().to_string(),
        id: s.id(),
        special: true,
        typed: None,
    }
}

/// Words an example message has at least.
const MIN_EXAMPLE_WORDS: usize = 6;

/// Whether a sentence has at least [`MIN_EXAMPLE_WORDS`] words with letters (Brown's shortest
/// sentences are a word or two; some e-mails are headers and numbers).
pub fn says_something(text: &str) -> bool {
    let letters = |w: &String| w.chars().any(char::is_alphabetic);
    words(text).iter().filter(|w| letters(w)).count() >= MIN_EXAMPLE_WORDS
}

/// `per_class` test messages of every class to click: the shortest ones (they fit on a line),
/// ties in file order, so the choice is fixed.
pub fn example_messages(text: &TextSplit, per_class: usize) -> Vec<(u8, String)> {
    let mut out = Vec::new();
    for class in 0..text.test.classes as u8 {
        let mut of_class: Vec<&String> = text
            .test_text
            .iter()
            .zip(&text.test.labels)
            .filter(|(_, l)| **l == class)
            .map(|(t, _)| t)
            .collect();
        // Short enough to read at a glance, long enough to say something.
        of_class.retain(|t| says_something(t));
        of_class.sort_by_key(|t| t.len());
        out.extend(
            of_class
                .into_iter()
                .take(per_class)
                .map(|t| (class, t.clone())),
        );
    }
    out
}

/// `count` augmented versions of a message, decoded to words, seeded by `seed`.
pub fn augmented_versions(
    message: &Message,
    tokenizer: &Tokenizer,
    aug: &TangAugment,
    neighbours: Option<&Neighbours>,
    count: usize,
    seed: u64,
) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let words = Tokenizer::word_ids(&message.row);
    (0..count)
        .map(|_| {
            let ids = crate::engine::text::augment_words(&words, aug, neighbours, &mut rng);
            tokenizer.decode(&tokenizer.row(&ids))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokenizer() -> Tokenizer {
        Tokenizer::from_words(
            [
                "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "free", "money", "now", "!",
            ]
            .map(String::from)
            .to_vec(),
            6,
        )
        .unwrap()
    }

    #[test]
    fn a_message_shows_its_tokens_unknown_words_and_what_was_cut() {
        let m = read_message("FREE crypto money now!!", &tokenizer()).unwrap();
        let shown: Vec<&str> = m.tokens.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(shown, ["[CLS]", "free", "[UNK]", "money", "now", "[SEP]"]);
        assert_eq!(m.tokens[2].typed.as_deref(), Some("crypto"));
        assert_eq!(
            (m.unknown_words, m.dropped_words, m.cut_text),
            (1, 2, false)
        );
        assert_eq!(m.row, [2, 5, 1, 6, 7, 3]);
    }

    #[test]
    fn empty_huge_emoji_and_control_input_get_a_word_not_a_crash() {
        let t = tokenizer();
        for empty in ["", "   ", "\t\n", "\u{0}\u{7}\u{1b}"] {
            assert_eq!(
                read_message(empty, &t),
                Err(MessageProblem::Empty),
                "{empty:?}"
            );
        }
        assert!(MessageProblem::Empty.to_string().contains("no words"));
        let huge = "money ".repeat(2000);
        let m = read_message(&huge, &t).unwrap();
        assert!(m.cut_text && m.row.len() == 6 && m.dropped_words > 0);
        let m = read_message("free 💸 now\u{7}!", &t).unwrap();
        let shown: Vec<&str> = m.tokens.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(shown, ["[CLS]", "free", "[UNK]", "now", "!", "[SEP]"]);
        assert_eq!(m.tokens[2].typed.as_deref(), Some("💸"));
    }

    #[test]
    fn examples_cover_every_class_and_augmented_versions_are_seeded() {
        let text = crate::engine::text::spam(None).unwrap();
        let examples = example_messages(&text, 2);
        let classes: Vec<u8> = examples.iter().map(|(c, _)| *c).collect();
        assert_eq!(classes, [0, 0, 1, 1, 2, 2]);
        assert_eq!(examples, example_messages(&text, 2));
        let m = read_message(&examples[4].1, &text.tokenizer).unwrap();
        let aug = TangAugment {
            p_mask: 0.3,
            ..TangAugment::default()
        };
        let five = augmented_versions(&m, &text.tokenizer, &aug, None, 5, 1);
        assert_eq!(five.len(), 5);
        assert_eq!(
            five,
            augmented_versions(&m, &text.tokenizer, &aug, None, 5, 1)
        );
        assert!(five.iter().any(|v| v.contains("[MASK]")), "{five:?}");
    }
}
