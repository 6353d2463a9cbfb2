//! The datasets the product knows by name, and where each comes from: the image sets and the
//! 2-D sets ([`super::data`]), the e-mails ([`super::text`]) and your own CSV. It sits above
//! both, so neither needs the other.

use serde::{Deserialize, Serialize};

use crate::data::{OWN_MAX_CLASSES, ToyKind};
use crate::error::{Error, Result};

/// Fashion-MNIST's labels 0–9, as Zalando names them.
pub const FASHION_CLASSES: [&str; 10] = [
    "T-shirt/top",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle boot",
];

/// The datasets the product knows by name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatasetKind {
    #[default]
    Digits,
    Mnist,
    /// Zalando's Fashion-MNIST: 28×28 photographs of clothes, 10 classes (its teacher is a
    /// conv net).
    #[serde(rename = "fashion-mnist")]
    FashionMnist,
    Moons,
    Circles,
    Spirals,
    Xor,
    /// SpamAssassin e-mails, three classes (text).
    Spam,
    /// Brown corpus sentences, 15 genres (text; its teacher is the fine-tuned MiniLM).
    Brown,
    /// A CSV the user brought: its shape comes with its data (see [`crate::data::parse_own_csv`]), not from
    /// the kind, and it has no shipped teacher.
    Own,
}

impl DatasetKind {
    /// Every set; the page and the CLI offer them all.
    pub const ALL: [DatasetKind; 9] = [
        DatasetKind::Digits,
        DatasetKind::Mnist,
        DatasetKind::FashionMnist,
        DatasetKind::Moons,
        DatasetKind::Circles,
        DatasetKind::Spirals,
        DatasetKind::Xor,
        DatasetKind::Spam,
        DatasetKind::Brown,
    ];

    /// Whether its examples are sentences (token-id rows).
    pub fn is_text(self) -> bool {
        matches!(self, DatasetKind::Spam | DatasetKind::Brown)
    }

    pub fn name(self) -> &'static str {
        match self {
            DatasetKind::Digits => "digits",
            DatasetKind::Mnist => "mnist",
            DatasetKind::FashionMnist => "fashion-mnist",
            DatasetKind::Moons => "moons",
            DatasetKind::Circles => "circles",
            DatasetKind::Spirals => "spirals",
            DatasetKind::Xor => "xor",
            DatasetKind::Spam => "spam",
            DatasetKind::Brown => "brown",
            DatasetKind::Own => "own",
        }
    }

    /// Input features per example (your own data: as many as its file has; 2 until it is read).
    pub fn inputs(self) -> usize {
        match self {
            DatasetKind::Digits => 64,
            DatasetKind::Mnist | DatasetKind::FashionMnist => 28 * 28,
            DatasetKind::Spam => crate::text::SPAM_MAX_LEN,
            DatasetKind::Brown => crate::text::BROWN_MAX_LEN,
            _ => 2,
        }
    }

    /// Classes (your own data: the most a file may have, until it is read).
    pub fn classes(self) -> usize {
        match self {
            DatasetKind::Spam => crate::text::SPAM_CLASSES.len(),
            DatasetKind::Brown => crate::text::BROWN_GENRES.len(),
            DatasetKind::Own => OWN_MAX_CLASSES,
            _ if self.toy().is_some() => 2,
            _ => 10,
        }
    }

    /// The names of its classes, for the text sets and the clothes (the others number theirs).
    pub fn class_names(self) -> Option<&'static [&'static str]> {
        match self {
            DatasetKind::FashionMnist => Some(&FASHION_CLASSES),
            DatasetKind::Spam => Some(&crate::text::SPAM_CLASSES),
            DatasetKind::Brown => Some(&crate::text::BROWN_GENRES),
            _ => None,
        }
    }

    /// Side of the square images; `None` for the 2-D sets.
    pub fn image_side(self) -> Option<usize> {
        match self {
            DatasetKind::Digits => Some(8),
            DatasetKind::Mnist | DatasetKind::FashionMnist => Some(28),
            _ => None,
        }
    }

    /// How the page names it in its dataset menu.
    pub fn title(self) -> &'static str {
        match self {
            DatasetKind::Digits => "Digits (8×8)",
            DatasetKind::Mnist => "MNIST (28×28)",
            DatasetKind::FashionMnist => "Fashion-MNIST (28×28 clothes)",
            DatasetKind::Moons => "Two moons (2-D)",
            DatasetKind::Circles => "Circles (2-D)",
            DatasetKind::Spirals => "Spirals (2-D)",
            DatasetKind::Xor => "XOR (2-D)",
            DatasetKind::Spam => "SpamAssassin e-mails (text)",
            DatasetKind::Brown => "Brown corpus genres (text)",
            DatasetKind::Own => "Your data (CSV)",
        }
    }

    pub fn toy(self) -> Option<ToyKind> {
        match self {
            DatasetKind::Moons => Some(ToyKind::Moons),
            DatasetKind::Circles => Some(ToyKind::Circles),
            DatasetKind::Spirals => Some(ToyKind::Spirals),
            DatasetKind::Xor => Some(ToyKind::Xor),
            DatasetKind::Digits
            | DatasetKind::Mnist
            | DatasetKind::FashionMnist
            | DatasetKind::Spam
            | DatasetKind::Brown
            | DatasetKind::Own => None,
        }
    }
}

impl DatasetKind {
    /// Where the IDX files of an image set are, under `assets/`.
    pub fn idx_dir(self) -> Option<&'static str> {
        match self {
            DatasetKind::Mnist => Some("data/mnist"),
            DatasetKind::FashionMnist => Some("data/fashion-mnist"),
            _ => None,
        }
    }
}

impl std::str::FromStr for DatasetKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let s = s.to_ascii_lowercase();
        DatasetKind::ALL
            .into_iter()
            .chain([DatasetKind::Own])
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = DatasetKind::ALL.iter().map(|k| k.name()).collect();
                Error::Dataset(format!(
                    "unknown dataset '{s}' (expected one of: {})",
                    names.join(", ")
                ))
            })
    }
}

/// The split of a set by kind, read natively (the CLI; the page fetches its files). Image sets
/// other than digits read their files from `assets_dir`.
#[cfg(not(target_arch = "wasm32"))]
pub fn load(
    kind: DatasetKind,
    assets_dir: &std::path::Path,
    seed: u64,
) -> Result<crate::data::Split> {
    use crate::data::{Split, digits, mnist_from_gz, toy_split};
    match kind {
        DatasetKind::Digits => digits(),
        DatasetKind::Mnist | DatasetKind::FashionMnist => {
            let dir = assets_dir.join(kind.idx_dir().unwrap_or_default());
            let read = |name: &str| crate::data::read_capped(&dir.join(name), 64 << 20);
            mnist_from_gz(
                &read("train-images-idx3-ubyte.gz")?,
                &read("train-labels-idx1-ubyte.gz")?,
                &read("t10k-images-idx3-ubyte.gz")?,
                &read("t10k-labels-idx1-ubyte.gz")?,
                usize::MAX,
            )
        }
        DatasetKind::Spam => {
            let text = crate::text::spam(None)?;
            Ok(Split {
                train: text.train,
                test: text.test,
            })
        }
        DatasetKind::Brown => {
            let text = crate::text::brown(&read_brown(assets_dir)?, None)?;
            Ok(Split {
                train: text.train,
                test: text.test,
            })
        }
        toy => {
            let kind = toy
                .toy()
                .ok_or_else(|| Error::Dataset("not a toy set".into()))?;
            Ok(toy_split(kind, seed))
        }
    }
}

/// The bytes of `brown.tsv.gz` under `assets_dir`.
#[cfg(not(target_arch = "wasm32"))]
pub fn read_brown(assets_dir: &std::path::Path) -> Result<Vec<u8>> {
    crate::data::read_capped(&assets_dir.join(crate::text::BROWN_FILE), 16 << 20)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{digits, toy_split};

    #[test]
    fn dataset_kinds_describe_their_data() {
        for kind in DatasetKind::ALL {
            let classes = kind.classes();
            match kind.toy() {
                Some(toy) => {
                    let split = toy_split(toy, crate::data::TOY_SEED);
                    assert_eq!(
                        (split.train.dim, split.train.classes),
                        (kind.inputs(), classes)
                    );
                    assert_eq!((split.train.len(), split.test.len()), (700, 300));
                    assert_eq!(kind.image_side(), None);
                }
                None if kind.is_text() => {
                    assert_eq!(kind.image_side(), None);
                    assert_eq!(kind.class_names().map(<[_]>::len), Some(classes));
                }
                None if kind == DatasetKind::FashionMnist => {
                    assert_eq!(kind.class_names().map(<[_]>::len), Some(classes));
                }
                None => {
                    let side = kind.image_side().unwrap();
                    assert_eq!(side * side, kind.inputs());
                    assert_eq!(classes, 10);
                }
            }
            assert!(!kind.title().is_empty());
        }
        assert_eq!(digits().unwrap().train.dim, DatasetKind::Digits.inputs());
    }

    #[test]
    fn dataset_kind_parses() {
        assert_eq!("MNIST".parse::<DatasetKind>().unwrap(), DatasetKind::Mnist);
        assert!("cifar".parse::<DatasetKind>().is_err());
    }
}
