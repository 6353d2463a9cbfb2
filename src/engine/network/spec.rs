//! Which network to build: its kind and its shape, from a short spelling that the CLI's flags
//! and the page's controls share.
//!
//! A shape is read per kind:
//! - mlp: hidden widths, "128x6" (six of 128) or "64,32";
//! - transformer: "64x4", four blocks of width 64 (feed-forward 2× the width; `--heads`);
//! - bilstm: "64" (embeddings, states per direction and ReLU layer all 64) or "300,150,400"
//!   (embedding, state, ReLU: Tang et al.'s SST-2 student);
//! - bow: "32" (embedding and one ReLU layer of 32) or "64,32,16" (embedding, then ReLU layers);
//! - cnn: "32,64", the channels of each conv block (square images).

use super::{
    Activation, Architecture, BiLstmConfig, BowConfig, CnnConfig, MlpConfig, TransformerConfig,
};
use crate::catalog::DatasetKind;
use crate::error::{Error, Result};

/// The network kinds, by what they read: an MLP reads feature rows, the others sentences.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum NetKind {
    #[default]
    Mlp,
    Transformer,
    Bilstm,
    Bow,
    Cnn,
}

impl NetKind {
    pub const ALL: [NetKind; 5] = [
        NetKind::Mlp,
        NetKind::Transformer,
        NetKind::Bilstm,
        NetKind::Bow,
        NetKind::Cnn,
    ];
    /// The kinds that read sentences.
    pub const TEXT: [NetKind; 3] = [NetKind::Transformer, NetKind::Bilstm, NetKind::Bow];

    /// Its spelling in flags and links.
    pub fn name(self) -> &'static str {
        match self {
            NetKind::Mlp => "mlp",
            NetKind::Transformer => "transformer",
            NetKind::Bilstm => "bilstm",
            NetKind::Bow => "bow",
            NetKind::Cnn => "cnn",
        }
    }

    /// Its name in prose.
    pub fn title(self) -> &'static str {
        match self {
            NetKind::Mlp => "MLP",
            NetKind::Transformer => "transformer",
            NetKind::Bilstm => "BiLSTM",
            NetKind::Bow => "bag of words",
            NetKind::Cnn => "conv net",
        }
    }

    pub fn reads_text(self) -> bool {
        !matches!(self, NetKind::Mlp | NetKind::Cnn)
    }

    /// The Adam learning rate this kind trains well with from scratch in a few hundred steps
    /// (the bag of words' mean of small embeddings moves slowly: 1e-2, as its README baseline).
    pub fn learning_rate(self) -> f64 {
        match self {
            NetKind::Mlp | NetKind::Transformer | NetKind::Cnn => 1e-3,
            NetKind::Bilstm => 3e-3,
            NetKind::Bow => 1e-2,
        }
    }
}

impl std::str::FromStr for NetKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                Error::ModelConfig(format!(
                    "unknown network kind '{s}' (mlp, cnn, transformer, bilstm or bow)"
                ))
            })
    }
}

/// What the data asks of a network: values per row, classes, and a vocabulary for text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub inputs: usize,
    pub classes: usize,
    pub vocab: Option<usize>,
}

/// A network's own shape: a student of a teacher that reads the same rows takes it.
impl From<&Architecture> for Shape {
    fn from(a: &Architecture) -> Self {
        Self {
            inputs: a.inputs(),
            classes: a.classes(),
            vocab: a.vocab(),
        }
    }
}

/// Whether the shape is a teacher's (bigger default) or a student's.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Teacher,
    Student,
}

/// Kind by default: transformers for text, MLPs otherwise.
pub fn kind_for(kind: Option<NetKind>, dataset: DatasetKind) -> Result<NetKind> {
    let kind = kind.unwrap_or(if dataset.is_text() {
        NetKind::Transformer
    } else {
        NetKind::Mlp
    });
    match (kind.reads_text(), dataset.is_text()) {
        (false, true) => Err(Error::ModelConfig(format!(
            "a{} {} reads feature rows; {} is text: use --kind transformer, bilstm or bow",
            if kind == NetKind::Mlp { "n" } else { "" },
            kind.title(),
            dataset.name()
        ))),
        (true, false) => Err(Error::ModelConfig(format!(
            "a {kind:?} reads sentences; {} is not text: use --kind mlp or cnn",
            dataset.name()
        ))),
        _ => Ok(kind),
    }
}

fn default_spec(kind: NetKind, role: Role) -> &'static str {
    match (kind, role) {
        (NetKind::Mlp, Role::Teacher) => "128x6",
        (NetKind::Mlp, Role::Student) => "32x3",
        (NetKind::Transformer, Role::Teacher) => "64x4",
        (NetKind::Transformer, Role::Student) => "32x2",
        (NetKind::Bilstm, _) => "64",
        (NetKind::Bow, _) => "32",
        (NetKind::Cnn, Role::Teacher) => "32,64",
        (NetKind::Cnn, Role::Student) => "8,16",
    }
}

/// The architecture `spec` describes for `kind` on data of `shape`.
pub fn architecture(
    kind: NetKind,
    spec: Option<&str>,
    role: Role,
    heads: usize,
    dropout: f32,
    activation: Activation,
    shape: &Shape,
) -> Result<Architecture> {
    let spec = spec.unwrap_or(default_spec(kind, role));
    let vocab = shape.vocab.unwrap_or(0);
    let (max_len, classes) = (shape.inputs, shape.classes);
    let widths = MlpConfig::parse_hidden(spec)?;
    let arch: Architecture = match kind {
        NetKind::Mlp => MlpConfig {
            inputs: shape.inputs,
            hidden: widths,
            classes,
            activation,
            ranks: Vec::new(),
            shared: false,
        }
        .into(),
        NetKind::Transformer => {
            let (width, blocks) = transformer_spec(spec)?;
            TransformerConfig {
                vocab,
                max_len,
                width,
                heads,
                blocks,
                ff: 2 * width,
                classes,
                dropout,
            }
            .into()
        }
        NetKind::Bilstm => bilstm(spec, &widths, shape)?,
        NetKind::Bow => bow(spec, &widths, shape)?,
        NetKind::Cnn => cnn(&widths, shape)?,
    };
    arch.validate()?;
    Ok(arch)
}

/// A BiLSTM from "64" (every width) or "300,150,400" (embedding, state, ReLU layer).
fn bilstm(spec: &str, widths: &[usize], shape: &Shape) -> Result<Architecture> {
    let (embed, hidden, fc) = match widths[..] {
        [w] => (w, w, w),
        [e, h, f] => (e, h, f),
        _ => return Err(bad_spec(spec, "bilstm", "64 or 300,150,400")),
    };
    let (vocab, max_len, classes) = (shape.vocab.unwrap_or(0), shape.inputs, shape.classes);
    Ok(BiLstmConfig {
        vocab,
        max_len,
        embed,
        hidden,
        fc,
        classes,
    }
    .into())
}

/// A bag of words from "32" (embedding and one ReLU layer) or "64,32" (embedding, layers).
fn bow(spec: &str, widths: &[usize], shape: &Shape) -> Result<Architecture> {
    let (embed, hidden) = match widths {
        [w] => (*w, vec![*w]),
        [e, rest @ ..] => (*e, rest.to_vec()),
        [] => return Err(bad_spec(spec, "bow", "32 or 64,32")),
    };
    let (vocab, max_len, classes) = (shape.vocab.unwrap_or(0), shape.inputs, shape.classes);
    Ok(BowConfig {
        vocab,
        max_len,
        embed,
        hidden,
        classes,
    }
    .into())
}

/// A conv net of square images from "32,64" (the channels of each block).
fn cnn(channels: &[usize], shape: &Shape) -> Result<Architecture> {
    let side = shape.inputs.isqrt();
    if side * side != shape.inputs {
        return Err(Error::ModelConfig(format!(
            "a conv net reads square images, and rows of {} values are not one",
            shape.inputs
        )));
    }
    Ok(CnnConfig {
        side,
        channels: channels.to_vec(),
        classes: shape.classes,
    }
    .into())
}

/// "128x4": width × blocks.
fn transformer_spec(spec: &str) -> Result<(usize, usize)> {
    let parts: Option<(usize, usize)> = spec
        .split_once(['x', 'X', '×'])
        .and_then(|(w, n)| Some((w.trim().parse().ok()?, n.trim().parse().ok()?)));
    parts.ok_or_else(|| bad_spec(spec, "transformer", "128x4 (width × blocks)"))
}

fn bad_spec(spec: &str, kind: &str, example: &str) -> Error {
    Error::ModelConfig(format!(
        "'{spec}' is not a {kind} shape (for example {example})"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text() -> Shape {
        Shape {
            inputs: 64,
            classes: 3,
            vocab: Some(500),
        }
    }

    #[test]
    fn specs_read_per_kind() {
        let t = architecture(
            NetKind::Transformer,
            None,
            Role::Teacher,
            4,
            0.0,
            Activation::Relu,
            &text(),
        )
        .unwrap();
        assert_eq!((t.depth(), t.width(1), t.heads()), (4, Some(64), Some(4)));
        let b = architecture(
            NetKind::Bilstm,
            Some("300,150,400"),
            Role::Student,
            4,
            0.0,
            Activation::Relu,
            &text(),
        )
        .unwrap();
        assert_eq!(
            (b.width(0), b.width(1), b.width(2)),
            (Some(300), Some(300), Some(400))
        );
        let w = architecture(
            NetKind::Bow,
            Some("64,32,16"),
            Role::Student,
            4,
            0.0,
            Activation::Relu,
            &text(),
        )
        .unwrap();
        assert_eq!((w.depth(), w.width(2)), (2, Some(16)));
        let err = architecture(
            NetKind::Transformer,
            Some("64"),
            Role::Student,
            4,
            0.0,
            Activation::Relu,
            &text(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("not a transformer shape"), "{err}");
        let err = architecture(
            NetKind::Transformer,
            Some("30x2"),
            Role::Student,
            4,
            0.0,
            Activation::Relu,
            &text(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("dividing the width"), "{err}");
    }

    #[test]
    fn kinds_match_their_data() {
        assert_eq!(
            kind_for(None, DatasetKind::Spam).unwrap(),
            NetKind::Transformer
        );
        assert_eq!(kind_for(None, DatasetKind::Digits).unwrap(), NetKind::Mlp);
        assert!(kind_for(Some(NetKind::Mlp), DatasetKind::Spam).is_err());
        assert!(kind_for(Some(NetKind::Bow), DatasetKind::Moons).is_err());
    }
}
