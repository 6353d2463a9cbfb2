//! Networks the page trains itself: a teacher from the labels, or a teacher assistant.

use crate::engine::data::DatasetKind;
use crate::engine::network::{Architecture, MlpConfig, TransformerConfig};

/// How the page trains a network of its own on a dataset: a teacher from the labels, or a teacher
/// assistant distilled from the teacher.
#[derive(Clone, Debug, PartialEq)]
pub struct PageTraining {
    pub config: Architecture,
    pub epochs: usize,
    pub learning_rate: f64,
}

impl PageTraining {
    /// The shipped teachers' shape (128×6 for images; 64×6 for the 2-D sets, which need no more),
    /// with epochs that finish in seconds in the browser.
    /// Text: the shipped teacher's shape over `vocab` words, as many epochs as it was trained.
    pub fn teacher(kind: DatasetKind, vocab: Option<usize>) -> Self {
        if let (true, Some(vocab)) = (kind.is_text(), vocab) {
            return Self {
                config: TransformerConfig::teacher(vocab, kind.inputs(), kind.classes()).into(),
                epochs: 4,
                learning_rate: 1e-3,
            };
        }
        let width = if kind.toy().is_some() { 64 } else { 128 };
        Self {
            config: MlpConfig {
                hidden: vec![width; 6],
                ..MlpConfig::teacher(kind.inputs(), kind.classes())
            }
            .into(),
            epochs: match kind {
                DatasetKind::Digits => 20,
                DatasetKind::Mnist => 2,
                _ => 150,
            },
            learning_rate: 1e-3,
        }
    }

    /// A teacher assistant of middle size: half the teacher's width, the same depth. Six layers
    /// of 64 learn slowly at 1e-3 (digits: 94 % after 40 epochs at 3e-3 vs 75 % after 20 at
    /// 1e-3, measured with the CLI, seed 2).
    pub fn assistant(kind: DatasetKind, vocab: Option<usize>) -> Self {
        let teacher = Self::teacher(kind, vocab);
        let config = match teacher.config {
            Architecture::Mlp(c) => MlpConfig {
                hidden: vec![c.hidden[0] / 2; 6],
                ..c
            }
            .into(),
            Architecture::Transformer(c) => TransformerConfig {
                width: c.width / 2,
                ff: c.ff / 2,
                ..c
            }
            .into(),
            other => other,
        };
        // A text assistant is a transformer: two epochs keep it to about a minute in the page.
        let epochs = if kind.is_text() {
            2
        } else {
            teacher.epochs * 2
        };
        Self {
            config,
            epochs,
            learning_rate: 3e-3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_training_fits_every_dataset() {
        for kind in DatasetKind::ALL {
            let vocab = kind.is_text().then_some(500);
            let t = PageTraining::teacher(kind, vocab);
            let a = PageTraining::assistant(kind, vocab);
            assert_eq!(
                (t.config.inputs(), t.config.classes()),
                (kind.inputs(), kind.classes())
            );
            assert_eq!(
                (t.config.depth(), a.config.depth()),
                (
                    crate::app::teacher_depth(kind),
                    crate::app::teacher_depth(kind)
                ),
                "the mapping editor draws the shipped teacher's depth"
            );
            assert!(
                a.config.declared_params() < t.config.declared_params() * 3 / 5,
                "{kind:?}"
            );
            assert!(t.epochs >= 1 && a.epochs >= 1);
        }
    }
}
