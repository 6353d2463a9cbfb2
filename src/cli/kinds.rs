//! The network kinds as a flag's choices: the engine's [`NetKind`], spelt as in links.

use clap::builder::PossibleValue;

pub use crate::engine::network::spec::{NetKind, Role, Shape, architecture, kind_for};

impl clap::ValueEnum for NetKind {
    fn value_variants<'a>() -> &'a [Self] {
        &NetKind::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}
