//! The dataset the page uses, as the state, the session and the training worker share it.

use std::rc::Rc;

use crate::app::shipped_teacher::ShippedTeacher;
use crate::app::text_data::{ShippedLogits, TextData};
use crate::engine::catalog::DatasetKind;
use crate::engine::data::Split;
use crate::engine::network::Architecture;
use crate::engine::network::spec::Shape;
use crate::engine::text::TextSplit;

/// The dataset the page shows, shared with the driver; compared by identity, since MNIST's
/// 20,000 images would make every re-render compare megabytes.
#[derive(Clone, Debug)]
pub struct Data {
    pub kind: DatasetKind,
    pub split: Rc<Split>,
    /// For text: the sentences, the tokenizer and what is built from them.
    pub text: Option<Rc<TextData>>,
    /// Which of the set's shipped teachers came with it.
    pub teacher: ShippedTeacher,
    /// A set of feature rows whose teacher is slow to read it (the clothes' conv net): the
    /// shipped teacher's logits of every image, so the students start without that pass.
    pub shipped: Option<Rc<ShippedLogits>>,
}

impl Data {
    /// A set of feature rows (images, points).
    pub fn features(kind: DatasetKind, split: Split) -> Self {
        Self {
            kind,
            split: Rc::new(split),
            text: None,
            teacher: ShippedTeacher::Scratch,
            shipped: None,
        }
    }

    /// The text set: its token rows are the split the students train on.
    pub fn text(kind: DatasetKind, text: TextSplit) -> Self {
        Self::text_data(kind, TextData::new(text))
    }

    /// [`Data::text`] from what the page keeps of the set.
    pub fn text_data(kind: DatasetKind, text: TextData) -> Self {
        let split = Split {
            train: text.split.train.clone(),
            test: text.split.test.clone(),
        };
        Self {
            kind,
            split: Rc::new(split),
            text: Some(Rc::new(text)),
            teacher: ShippedTeacher::Scratch,
            shipped: None,
        }
    }

    /// The set with its shipped teacher's logits of every row.
    pub fn with_shipped(self, shipped: ShippedLogits) -> Self {
        Self {
            shipped: Some(Rc::new(shipped)),
            ..self
        }
    }

    /// The set as loaded with `teacher`.
    pub fn with_teacher(self, teacher: ShippedTeacher) -> Self {
        Self { teacher, ..self }
    }

    /// Whether this is `kind` loaded with `teacher`: what the settings ask for.
    pub fn is(&self, kind: DatasetKind, teacher: ShippedTeacher) -> bool {
        self.kind == kind && self.teacher == teacher
    }
}

impl Data {
    /// The rows, classes and vocabulary the students take under `teacher`: the teacher's own,
    /// unless it reads word pieces where the students read this set's words.
    pub fn student_shape(&self, teacher: &Architecture) -> Shape {
        match (&self.text, crate::app::piece_teacher::reads_pieces(teacher)) {
            (Some(text), true) => Shape {
                inputs: text.split.train.dim,
                classes: text.split.train.classes,
                vocab: Some(text.split.tokenizer.vocab_size()),
            },
            _ => Shape::from(teacher),
        }
    }
}

impl PartialEq for Data {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.teacher == other.teacher
            && Rc::ptr_eq(&self.split, &other.split)
    }
}
