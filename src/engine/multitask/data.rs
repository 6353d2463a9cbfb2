//! The two text tasks for MT-DNN: SpamAssassin's three kinds of e-mail and Brown's 15 genres,
//! read with one vocabulary built from both training sets (the encoder is shared), each with
//! the shipped teacher's logits of its training rows (the e-mails' transformer, Brown's MiniLM)
//! and that teacher's test accuracy.

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::minilm::read_logits;
use crate::text::{
    BROWN_GENRES, SPAM_CLASSES, SPAM_MAX_LEN, TextSplit, Tokenizer, brown_sentences, spam_sentences,
};
use crate::train::{fraction_equal, predictions};

const MIN_COUNT: usize = 3;
const MAX_WORDS: usize = 12_000;

/// The files a multi-task run reads: each task's sentences, and its teacher's logits of the
/// training and of the test split.
pub struct TaskFiles<'a> {
    pub spam: &'a [u8],
    pub spam_logits: [&'a [u8]; 2],
    pub brown: &'a [u8],
    pub brown_logits: [&'a [u8]; 2],
}

/// One task: its rows in the shared vocabulary, and its teacher.
pub struct Task {
    pub name: &'static str,
    pub train: Dataset,
    pub test: Dataset,
    /// The teacher's logits of each training row.
    pub teacher: Vec<f32>,
    pub teacher_accuracy: f32,
}

/// Both tasks, e-mails first.
pub struct Tasks {
    pub tokenizer: Tokenizer,
    pub tasks: Vec<Task>,
}

/// The first `rows` of the logits (a task cut to fewer training rows keeps its first ones).
fn logits(bytes: &[u8], what: &str, rows: usize, classes: usize) -> Result<Vec<f32>> {
    let (logits, c) = read_logits(bytes).map_err(|e| Error::Dataset(format!("{what}: {e}")))?;
    if c != classes || logits.len() < rows * classes {
        return Err(Error::Dataset(format!(
            "{what}: {} rows of {c} logits; {rows} rows of {classes} needed",
            logits.len() / c.max(1)
        )));
    }
    Ok(logits[..rows * classes].to_vec())
}

impl Tasks {
    /// The e-mails whole, and Brown's first `brown_rows` training sentences (its order is a
    /// fair sample) with every test sentence.
    pub fn read(files: &TaskFiles, brown_rows: usize) -> Result<Self> {
        let [spam_train, spam_test] = spam_sentences(files.spam)?;
        let [brown_train, brown_test] = brown_sentences(files.brown)?;
        let brown_train: Vec<(String, u8)> = brown_train
            .into_iter()
            .take(brown_rows)
            .map(|s| (s.text, s.genre))
            .collect();
        let brown_test: Vec<(String, u8)> =
            brown_test.into_iter().map(|s| (s.text, s.genre)).collect();
        let tokenizer = Tokenizer::build(
            spam_train
                .iter()
                .chain(&brown_train)
                .map(|(t, _)| t.as_str()),
            MIN_COUNT,
            MAX_WORDS,
            SPAM_MAX_LEN,
        )?;
        let spam = TextSplit::build("spam", spam_train, spam_test, 3, tokenizer.clone())?;
        let brown = TextSplit::build("brown", brown_train, brown_test, 15, tokenizer.clone())?;
        let task = |name, split: TextSplit, [train, test]: [&[u8]; 2], classes: usize| {
            let teacher = logits(train, name, split.train.len(), classes)?;
            let test_logits = logits(test, name, split.test.len(), classes)?;
            let right = fraction_equal(
                &predictions(&test_logits, classes),
                split.test.labels.iter().map(|l| usize::from(*l)),
            );
            Ok::<_, Error>(Task {
                name,
                train: split.train,
                test: split.test,
                teacher,
                teacher_accuracy: right,
            })
        };
        Ok(Self {
            tasks: vec![
                task("e-mails", spam, files.spam_logits, SPAM_CLASSES.len())?,
                task(
                    "Brown genres",
                    brown,
                    files.brown_logits,
                    BROWN_GENRES.len(),
                )?,
            ],
            tokenizer,
        })
    }
}
