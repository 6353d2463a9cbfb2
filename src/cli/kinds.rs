//! The network kinds as a flag's choices: the engine's [`NetKind`], spelt as in links.

use clap::builder::PossibleValue;

pub use crate::engine::network::spec::{NetKind, Role, Shape, architecture, kind_for};

/// What `train-teacher --kind` trains: a network of the family from scratch, or the pretrained
/// MiniLM fine-tuned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TeacherKind {
    Scratch(NetKind),
    Minilm,
}

impl clap::ValueEnum for TeacherKind {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            TeacherKind::Scratch(NetKind::Mlp),
            TeacherKind::Scratch(NetKind::Transformer),
            TeacherKind::Scratch(NetKind::Bilstm),
            TeacherKind::Scratch(NetKind::Bow),
            TeacherKind::Scratch(NetKind::Cnn),
            TeacherKind::Minilm,
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        match self {
            TeacherKind::Scratch(kind) => kind.to_possible_value(),
            TeacherKind::Minilm => Some(PossibleValue::new("minilm")),
        }
    }
}

impl clap::ValueEnum for NetKind {
    fn value_variants<'a>() -> &'a [Self] {
        &NetKind::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}
