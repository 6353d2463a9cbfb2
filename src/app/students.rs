//! What the settings say about the students: their kind, which must suit the dataset (an MLP
//! reads features, the text kinds read sentences), their depth for the layer mapping, and the
//! architecture built against the teacher in use.

use super::Settings;
use crate::app::shipped_teacher::ShippedTeacher;
use crate::engine::catalog::DatasetKind;
use crate::engine::error::{Error, Result};
use crate::engine::limits;
use crate::engine::mapping::MappingScheme;
use crate::engine::network::spec::{self, NetKind, Role, Shape};
use crate::engine::network::{Activation, Architecture, CnnConfig};

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
    /// MLP, a conv net or a transformer; a BiLSTM and a bag of words have none).
    pub fn has_blocks(&self) -> bool {
        matches!(
            self.student_kind,
            NetKind::Mlp | NetKind::Cnn | NetKind::Transformer
        )
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
        s.keep_kind_possible();
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

    /// Students of another kind, refused when the kind cannot read the dataset. Between the
    /// image kinds a default shape becomes the new kind's default (three 32-wide layers would
    /// be a slow conv net in the page); a shape the user chose stays.
    pub fn with_kind(&self, kind: NetKind) -> Result<Settings> {
        if kind == NetKind::Cnn && self.dataset.image_side().is_none() {
            return Err(Error::Settings(format!(
                "{} cannot be read by a conv net: it reads square images (use an MLP)",
                self.dataset.title()
            )));
        }
        if kind.reads_text() != self.dataset.is_text() {
            return Err(Error::Settings(format!(
                "{} cannot be a {} student: {}",
                self.dataset.title(),
                kind.title(),
                if kind.reads_text() {
                    "it is not text (use an MLP or a conv net)"
                } else {
                    "it is text (use a transformer, a BiLSTM or a bag of words)"
                }
            )));
        }
        let mut s = Settings {
            student_kind: kind,
            ..self.clone()
        };
        if kind != self.student_kind
            && !kind.reads_text()
            && self.student_hidden == image_student_hidden(self.student_kind)
        {
            s.student_hidden = image_student_hidden(kind);
        }
        // No mapping may only have been because the old students were too deep for skip.
        if kind != self.student_kind && s.mapping == MappingScheme::None {
            s.mapping = MappingScheme::Skip;
        }
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
            Architecture::Cnn(c) => {
                s.student_kind = NetKind::Cnn;
                s.student_hidden = c.channels.clone();
            }
            // A BERT is a teacher: imports refuse it as a student before this.
            Architecture::Bert(_) => {}
        }
        s.keep_mapping_possible();
        s
    }

    /// The conv students' channels in the CLI's spelling ("8,8").
    pub fn channels_spec(&self) -> String {
        let channels: Vec<String> = self.student_hidden.iter().map(usize::to_string).collect();
        channels.join(",")
    }

    /// The conv students on the set's images, or why they cannot be built there (not square
    /// images, or more blocks than the images have pixels to halve).
    pub fn conv_config(&self) -> Result<CnnConfig> {
        let side = self.dataset.image_side().ok_or_else(|| {
            Error::Settings(format!(
                "a conv net reads square images, and {} has none",
                self.dataset.title()
            ))
        })?;
        let config = CnnConfig {
            side,
            channels: self.student_hidden.clone(),
            classes: self.dataset.classes(),
        };
        config.validate()?;
        Ok(config)
    }

    /// The image students' architecture: the conv net, or the MLP (also for a conv shape the
    /// checks refuse, which never trains).
    pub fn image_student(&self, inputs: usize, classes: usize) -> Architecture {
        match self.conv_config() {
            Ok(c) if self.student_kind == NetKind::Cnn => c.into(),
            _ => self.student_config(inputs, classes).into(),
        }
    }

    /// Students of a kind the dataset can take: a transformer for text, an MLP otherwise, and a
    /// conv net kept on square images (back to its default shape where the images are too
    /// small for its blocks).
    fn keep_kind_possible(&mut self) {
        let conv = self.student_kind == NetKind::Cnn;
        if self.student_kind.reads_text() == self.dataset.is_text() {
            if conv && self.conv_config().is_err() {
                let kind = match self.dataset.image_side() {
                    Some(_) => NetKind::Cnn,
                    None => NetKind::Mlp,
                };
                (self.student_kind, self.student_hidden) = (kind, image_student_hidden(kind));
            }
            return;
        }
        if conv {
            self.student_hidden = image_student_hidden(NetKind::Mlp);
        }
        self.student_kind = match self.dataset.is_text() {
            true => NetKind::Transformer,
            false => NetKind::Mlp,
        };
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
        let spec = match self.student_kind {
            NetKind::Cnn => self.channels_spec(),
            _ => self.text_spec(),
        };
        spec::architecture(
            self.student_kind,
            Some(&spec),
            Role::Student,
            self.heads,
            0.0,
            Activation::Relu,
            &shape,
        )
    }
}

/// The shape an image student of `kind` starts with: two conv blocks of 8 channels (about 5,000
/// parameters on 28×28 images, and quick enough in the page), or the MLP's default layers.
pub fn image_student_hidden(kind: NetKind) -> Vec<usize> {
    match kind {
        NetKind::Cnn => vec![8; 2],
        _ => vec![limits::STUDENT_WIDTH.default; limits::STUDENT_DEPTH.default],
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

    #[test]
    fn a_conv_student_reads_square_images_only() {
        let mnist = Settings::default().with_dataset(DatasetKind::Mnist);
        let conv = mnist.with_kind(NetKind::Cnn).unwrap();
        assert_eq!(conv.student_hidden, [8, 8]);
        assert!(super::super::check(&conv).is_ok());
        let teacher: Architecture = conv.student_config(784, 10).into();
        let arch = conv.student_architecture(&teacher).unwrap();
        assert_eq!(arch, conv.conv_config().unwrap().into());
        // Back to an MLP: its own default shape, not two 8-wide layers.
        assert_eq!(
            conv.with_kind(NetKind::Mlp).unwrap().student_hidden,
            Settings::default().student_hidden
        );
        for kind in [DatasetKind::Moons, DatasetKind::Own, DatasetKind::Spam] {
            let err = Settings::default()
                .with_dataset(kind)
                .with_kind(NetKind::Cnn)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("square images") || err.contains("is text"),
                "{err}"
            );
            // A conv student leaving for a set it cannot read becomes the set's kind.
            let left = conv.with_dataset(kind);
            assert_ne!(left.student_kind, NetKind::Cnn);
            assert!(super::super::check(&left).is_ok(), "{kind:?}");
        }
    }

    #[test]
    fn conv_blocks_the_images_cannot_halve_are_refused_and_reset_on_a_smaller_set() {
        let conv = Settings::default()
            .with_dataset(DatasetKind::Mnist)
            .with_kind(NetKind::Cnn)
            .unwrap();
        let deep = Settings {
            student_hidden: vec![8; 4],
            ..conv
        };
        assert!(super::super::check(&deep).is_ok());
        // 8×8 digits halve to nothing after 3 blocks.
        let on_digits = Settings {
            dataset: DatasetKind::Digits,
            ..deep.clone()
        };
        let err = super::super::check(&on_digits).unwrap_err().to_string();
        assert!(err.contains("at most 3"), "{err}");
        let switched = deep.with_dataset(DatasetKind::Digits);
        assert_eq!(
            (switched.student_kind, switched.student_hidden),
            (NetKind::Cnn, vec![8, 8])
        );
    }

    #[test]
    fn a_loaded_conv_student_sets_the_channels() {
        let conv = CnnConfig {
            side: 28,
            channels: vec![4, 12, 6],
            classes: 10,
        };
        let s = Settings::default()
            .with_dataset(DatasetKind::FashionMnist)
            .with_student(&conv.into());
        assert_eq!(
            (s.student_kind, s.channels_spec()),
            (NetKind::Cnn, "4,12,6".into())
        );
        // Three blocks under the clothes' two-block teacher: no skip mapping fits.
        assert_eq!(s.mapping, MappingScheme::None);
    }
}
