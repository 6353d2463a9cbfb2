//! What the settings say about the students: their kind, which must suit the dataset (an MLP
//! reads features, the text kinds read sentences), their depth for the layer mapping, and the
//! architecture built against the teacher in use.

use super::Settings;
use crate::app::shipped_teacher::ShippedTeacher;
use crate::engine::catalog::DatasetKind;
use crate::engine::error::{Error, Result};
use crate::engine::mapping::MappingScheme;
use crate::engine::network::spec::{self, NetKind, Role, Shape};
use crate::engine::network::{Activation, Architecture};

/// Blocks or hidden layers of the teacher the page ships for `kind` (a loaded teacher must
/// match it: the mapping editor and the links are checked against it).
pub fn teacher_depth(kind: DatasetKind) -> usize {
    match kind {
        // MiniLM-L3's layers.
        DatasetKind::Brown => 3,
        // The conv teacher's blocks.
        DatasetKind::FashionMnist => 2,
        k if k.is_text() => 4,
        _ => 6,
    }
}

impl Settings {
    /// Whether the students have blocks or layers a mapping can pair with the teacher's (an
    /// MLP or a transformer; a BiLSTM and a bag of words have none).
    pub fn has_blocks(&self) -> bool {
        matches!(self.student_kind, NetKind::Mlp | NetKind::Transformer)
    }

    /// Layers (MLP) or blocks (transformer, bag of words) of the students.
    pub fn student_depth(&self) -> usize {
        match self.student_kind {
            NetKind::Mlp | NetKind::Cnn => self.student_hidden.len(),
            NetKind::Bilstm => 1,
            NetKind::Transformer | NetKind::Bow => self.text_depth,
        }
    }

    /// The settings for another dataset: the students' kind follows what the data is (a
    /// transformer for text, an MLP otherwise), and a custom mapping the new teacher's depth
    /// cannot take goes back to skip.
    pub fn with_dataset(&self, dataset: DatasetKind) -> Settings {
        let mut s = Settings {
            dataset,
            ..self.clone()
        };
        if dataset != self.dataset || self.teacher.check(dataset).is_err() {
            s.teacher = ShippedTeacher::default_for(dataset);
        }
        if s.student_kind.reads_text() != dataset.is_text() {
            s.student_kind = if dataset.is_text() {
                NetKind::Transformer
            } else {
                NetKind::Mlp
            };
        }
        if s.omit_class
            .is_some_and(|c| usize::from(c) >= dataset.classes())
        {
            s.omit_class = None;
        }
        s.keep_mapping_possible();
        s
    }

    /// The settings after the reader picks another dataset: [`Settings::with_dataset`] from the
    /// set's opening example (one set's example number means nothing on another).
    pub fn switched_to(&self, dataset: DatasetKind) -> Settings {
        Settings {
            example: 0,
            ..self.with_dataset(dataset)
        }
    }

    /// Students of another kind, refused when the kind cannot read the dataset.
    pub fn with_kind(&self, kind: NetKind) -> Result<Settings> {
        if kind.reads_text() != self.dataset.is_text() {
            return Err(Error::Settings(format!(
                "{} cannot be a {} student: {}",
                self.dataset.title(),
                kind.title(),
                if kind.reads_text() {
                    "it is not text (use an MLP)"
                } else {
                    "it is text (use a transformer, a BiLSTM or a bag of words)"
                }
            )));
        }
        let mut s = Settings {
            student_kind: kind,
            ..self.clone()
        };
        // Each kind's own rate: a BiLSTM or a bag of words barely moves in 100 steps at 1e-3
        // (66 % in the page, where the transformer reaches 95 %).
        if kind != self.student_kind && self.learning_rate == self.student_kind.learning_rate() {
            s.learning_rate = kind.learning_rate();
        }
        s.keep_mapping_possible();
        Ok(s)
    }

    /// A mapping that no longer fits the students' or the teacher's depth goes back to skip.
    /// A student deeper than its teacher (three layers under the clothes' two conv blocks) has
    /// no skip mapping: it starts with none, and the editor pairs layers by hand.
    pub fn keep_mapping_possible(&mut self) {
        let depths = (self.student_depth(), teacher_depth(self.dataset));
        let fits = |m: &MappingScheme| m.resolve(depths.0, depths.1).is_ok();
        if !fits(&self.mapping) {
            self.mapping = match fits(&MappingScheme::Skip) {
                true => MappingScheme::Skip,
                false => MappingScheme::None,
            };
        }
    }

    /// The settings whose students have `arch`'s shape (a loaded student's), or why the page's
    /// controls cannot hold it.
    pub fn with_student(&self, arch: &Architecture) -> Settings {
        let mut s = self.clone();
        match arch {
            Architecture::Mlp(c) => {
                s.student_kind = NetKind::Mlp;
                s.student_hidden = c.hidden.clone();
            }
            Architecture::Transformer(c) => {
                s.student_kind = NetKind::Transformer;
                (s.text_width, s.text_depth, s.heads) = (c.width, c.blocks, c.heads);
            }
            Architecture::BiLstm(c) => {
                s.student_kind = NetKind::Bilstm;
                s.text_width = c.embed;
            }
            Architecture::Bow(c) => {
                s.student_kind = NetKind::Bow;
                (s.text_width, s.text_depth) = (c.embed, c.hidden.len());
            }
            // A BERT is a teacher, and the page trains no conv students yet: imports refuse
            // both as students before this.
            Architecture::Bert(_) | Architecture::Cnn(_) => {}
        }
        s.keep_mapping_possible();
        s
    }

    /// The text students' shape in the spelling shared with the CLI ("32x2", "32", "32,32").
    pub fn text_spec(&self) -> String {
        let w = self.text_width;
        match self.student_kind {
            NetKind::Transformer => format!("{w}x{}", self.text_depth),
            NetKind::Bow => vec![w.to_string(); self.text_depth + 1].join(","),
            NetKind::Mlp | NetKind::Bilstm | NetKind::Cnn => w.to_string(),
        }
    }

    /// The students' architecture for rows of `shape` (a teacher's inputs, classes and
    /// vocabulary, or those of the set when its teacher reads word pieces).
    pub fn student_architecture(&self, shape: impl Into<Shape>) -> Result<Architecture> {
        let shape: Shape = shape.into();
        let (inputs, classes) = (shape.inputs, shape.classes);
        if self.student_kind == NetKind::Mlp {
            return Ok(self.student_config(inputs, classes).into());
        }
        spec::architecture(
            self.student_kind,
            Some(&self.text_spec()),
            Role::Student,
            self.heads,
            0.0,
            Activation::Relu,
            &shape,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::network::TransformerConfig;

    fn text_teacher() -> Architecture {
        TransformerConfig::teacher(500, 64, 3).into()
    }

    #[test]
    fn a_kind_brings_its_learning_rate_unless_the_user_chose_one() {
        let text = Settings::default().with_dataset(DatasetKind::Spam);
        let bow = text.with_kind(NetKind::Bow).unwrap();
        assert_eq!(bow.learning_rate, 1e-2);
        assert_eq!(text.with_kind(NetKind::Bilstm).unwrap().learning_rate, 3e-3);
        assert_eq!(
            bow.with_kind(NetKind::Transformer).unwrap().learning_rate,
            1e-3
        );
        let chosen = Settings {
            learning_rate: 0.03,
            ..text
        };
        assert_eq!(chosen.with_kind(NetKind::Bow).unwrap().learning_rate, 0.03);
    }

    #[test]
    fn the_kind_follows_the_data() {
        let text = Settings::default().with_dataset(DatasetKind::Spam);
        assert_eq!(text.student_kind, NetKind::Transformer);
        let bilstm = text.with_kind(NetKind::Bilstm).unwrap();
        // Another text set would keep it; images bring the MLP back.
        assert_eq!(
            bilstm.with_dataset(DatasetKind::Spam).student_kind,
            NetKind::Bilstm
        );
        assert_eq!(
            bilstm.with_dataset(DatasetKind::Mnist).student_kind,
            NetKind::Mlp
        );
        let err = Settings::default()
            .with_kind(NetKind::Bow)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not text"), "{err}");
        assert!(text.with_kind(NetKind::Mlp).is_err());
    }

    #[test]
    fn a_mapping_the_text_teacher_cannot_take_goes_back_to_skip() {
        let s = Settings {
            mapping: MappingScheme::Custom(vec![(3, 6)]),
            ..Settings::default()
        };
        assert_eq!(
            s.with_dataset(DatasetKind::Spam).mapping,
            MappingScheme::Skip
        );
        let fits = Settings {
            mapping: MappingScheme::Custom(vec![(1, 2), (2, 4)]),
            ..Settings::default()
        };
        assert_eq!(
            fits.with_dataset(DatasetKind::Spam).mapping,
            fits.mapping,
            "two blocks onto 2 and 4 of four"
        );
    }

    #[test]
    fn students_are_built_from_the_shape_settings() {
        let s = Settings {
            text_width: 48,
            text_depth: 3,
            heads: 2,
            ..Settings::default().with_dataset(DatasetKind::Spam)
        };
        let t = s.student_architecture(&text_teacher()).unwrap();
        assert_eq!(
            (t.kind(), t.depth(), t.width(1), t.heads(), t.vocab()),
            ("transformer", 3, Some(48), Some(2), Some(500))
        );
        let b = s.with_kind(NetKind::Bilstm).unwrap();
        let b = b.student_architecture(&text_teacher()).unwrap();
        assert_eq!(
            (b.kind(), b.width(1)),
            ("bilstm", Some(2 * 48)),
            "both directions"
        );
        let w = s.with_kind(NetKind::Bow).unwrap();
        let w = w.student_architecture(&text_teacher()).unwrap();
        assert_eq!((w.kind(), w.depth()), ("bow", 3));
        let odd = Settings { heads: 5, ..s };
        let err = odd.student_architecture(&text_teacher()).unwrap_err();
        assert!(err.to_string().contains("heads"), "{err}");
    }

    #[test]
    fn a_loaded_students_shape_becomes_the_settings() {
        let s = Settings::default().with_dataset(DatasetKind::Spam);
        for kind in NetKind::TEXT {
            let wanted = Settings {
                text_width: 24,
                text_depth: 3,
                heads: 2,
                ..s.with_kind(kind).unwrap()
            };
            let arch = wanted.student_architecture(&text_teacher()).unwrap();
            let back = s.with_student(&arch);
            assert_eq!(
                back.student_architecture(&text_teacher()).unwrap(),
                arch,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn students_without_blocks_learn_from_logits_only() {
        let s = Settings {
            beta: 1.0,
            attention_loss: crate::engine::loss::AttentionLoss::TinyBert,
            ..Settings::default().with_dataset(DatasetKind::Spam)
        };
        assert_eq!(s.distill_settings().mapping, MappingScheme::Skip);
        let b = s.with_kind(NetKind::Bilstm).unwrap().distill_settings();
        assert_eq!(
            (b.mapping, b.attention_loss),
            (MappingScheme::None, crate::engine::loss::AttentionLoss::Off)
        );
    }
}
