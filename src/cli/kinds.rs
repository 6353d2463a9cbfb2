//! The network kinds as a flag's choices: the engine's [`NetKind`], spelt as in links.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

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
            TeacherKind::Scratch(kind) => Some(PossibleValue::new(kind.name())),
            TeacherKind::Minilm => Some(PossibleValue::new("minilm")),
        }
    }
}

/// A flag's parser for the engine's kinds (which cannot implement clap's `ValueEnum` from this
/// crate): the names are listed in `--help` and checked by clap, then parsed by the engine.
pub fn net_kind() -> impl TypedValueParser<Value = NetKind> {
    PossibleValuesParser::new(NetKind::ALL.map(|k| k.name()))
        .try_map(|name| name.parse::<NetKind>())
}
