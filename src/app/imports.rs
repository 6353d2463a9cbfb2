//! What the page accepts from a weight file or a link: a network for the data in use (its
//! inputs, classes and, for text, its vocabulary), of a kind that reads that data; a teacher as
//! deep as the shipped one (the layer-mapping editor is drawn for it); a student that the page's
//! own controls could have made.

use super::state::Data;
use super::teacher_depth;
use crate::engine::limits::{HEADS, STUDENT_DEPTH, STUDENT_WIDTH, TEXT_DEPTH, TEXT_WIDTH};
use crate::engine::network::{Activation, Architecture};

/// Which network a file request is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    Student,
    Scratch,
    Teacher,
}

/// Whether the page can take `weights` as `which`, or why not (nothing is changed either way).
pub fn check_import(
    which: Which,
    architecture: &Architecture,
    name: &str,
    data: &Data,
) -> Result<(), String> {
    let refuse = |why: String| {
        Err(format!(
            "Could not load {name}: {why}. Nothing was changed."
        ))
    };
    let c = architecture;
    let kind = data.kind;
    // The data's own shape: your own CSV's comes with its file, not with the kind.
    let (inputs, classes) = (data.split.train.dim, data.split.train.classes);
    if c.inputs() != inputs || c.classes() != classes {
        return refuse(format!(
            "it maps {} inputs to {} classes; {} needs {inputs} → {classes}",
            c.inputs(),
            c.classes(),
            kind.title(),
        ));
    }
    reads_the_data(c, data).or_else(refuse)?;
    let depth = teacher_depth(kind);
    if which == Which::Teacher && c.depth() != depth {
        return refuse(format!(
            "it has {} layers or blocks; the page's teacher has {depth}",
            c.depth()
        ));
    }
    if which != Which::Teacher {
        student_fits(c).or_else(refuse)?;
    }
    Ok(())
}

/// Whether a network of this kind reads the data: text networks over its vocabulary, conv nets
/// on its square images, MLPs (of ReLU layers) on any feature rows.
fn reads_the_data(c: &Architecture, data: &Data) -> Result<(), String> {
    let kind = data.kind;
    let vocab = data.text.as_ref().map(|t| t.split.tokenizer.vocab_size());
    let reads_text = !matches!(c, Architecture::Mlp(_) | Architecture::Cnn(_));
    if reads_text != kind.is_text() || c.vocab() != vocab {
        return Err(format!(
            "it is a {} network{}; {} needs {}",
            c.kind(),
            c.vocab()
                .map_or(String::new(), |v| format!(" over {v} words")),
            kind.title(),
            vocab.map_or("an MLP or a conv net".to_string(), |v| format!(
                "a text network over its {v} words"
            ))
        ));
    }
    match c {
        Architecture::Cnn(n) if kind.image_side() != Some(n.side) => Err(format!(
            "it is a conv net, which reads square images; {} has none",
            kind.title()
        )),
        Architecture::Mlp(m) if m.activation != Activation::Relu => Err(format!(
            "it uses {:?}; the page trains ReLU networks",
            m.activation
        )),
        _ => Ok(()),
    }
}

/// Whether the page's student controls can hold a student of this shape: every bound the
/// settings table gives its sliders, widths included.
pub fn student_fits(c: &Architecture) -> Result<(), String> {
    let fits = match c {
        Architecture::Mlp(m) => {
            STUDENT_DEPTH.contains(m.depth()) && m.hidden.iter().all(|w| STUDENT_WIDTH.contains(*w))
        }
        Architecture::Transformer(t) => {
            TEXT_DEPTH.contains(t.blocks)
                && TEXT_WIDTH.contains(t.width)
                && HEADS.contains(t.heads)
                && t.ff == 2 * t.width
        }
        Architecture::BiLstm(b) => {
            TEXT_WIDTH.contains(b.embed) && b.embed == b.hidden && b.hidden == b.fc
        }
        Architecture::Bow(b) => {
            TEXT_WIDTH.contains(b.embed)
                && TEXT_DEPTH.contains(b.hidden.len())
                && b.hidden.iter().all(|w| *w == b.embed)
        }
        Architecture::Cnn(n) => {
            STUDENT_DEPTH.contains(n.channels.len())
                && n.channels.iter().all(|w| STUDENT_WIDTH.contains(*w))
        }
        // BERT is a teacher.
        Architecture::Bert(_) => false,
    };
    if fits {
        Ok(())
    } else {
        Err(format!(
            "the page's students cannot take its shape ({}); the CLI can: distill distill --student …",
            c.describe()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::catalog::DatasetKind;
    use crate::engine::data::{ToyKind, parse_own_csv, toy_split};
    use crate::engine::network::{CnnConfig, MlpConfig};

    fn own_data() -> Data {
        let mut csv = String::from("a,b,c,d,label\n");
        for i in 0..60 {
            csv.push_str(&format!("{i},{},{},1,{}\n", i * 2, i % 7, i % 3));
        }
        let own = parse_own_csv("mine.csv", csv.as_bytes(), None, 1).unwrap();
        Data::features(DatasetKind::Own, own.split)
    }

    fn mlp(inputs: usize, hidden: Vec<usize>, classes: usize) -> Architecture {
        Architecture::Mlp(MlpConfig {
            inputs,
            hidden,
            classes,
            activation: Activation::Relu,
            ranks: Vec::new(),
            shared: false,
        })
    }

    /// A student trained on your own CSV (4 features, 3 classes) was compared with the kind's
    /// placeholder shape (2 → 50) and could not be loaded back.
    #[test]
    fn a_student_of_your_own_data_loads_back() {
        let data = own_data();
        let student = mlp(4, vec![32, 32], 3);
        assert_eq!(check_import(Which::Student, &student, "it", &data), Ok(()));
        let other = mlp(2, vec![32], 50);
        let err = check_import(Which::Student, &other, "it", &data).unwrap_err();
        assert!(err.contains("needs 4 → 3"), "{err}");
    }

    /// A 2 → 4096 → 2 student came in a link although the page's students are at most 256 wide;
    /// the page then wrote a link that it refused itself.
    #[test]
    fn a_student_wider_than_the_page_allows_is_refused() {
        let split = toy_split(ToyKind::Moons, 1);
        let data = Data::features(DatasetKind::Moons, split);
        let wide = mlp(2, vec![4096], 2);
        let err = check_import(Which::Student, &wide, "the link's student", &data).unwrap_err();
        assert!(err.contains("cannot take its shape"), "{err}");
        assert_eq!(
            check_import(Which::Student, &mlp(2, vec![256, 8], 2), "it", &data),
            Ok(())
        );
    }

    /// A conv student loads where its images are (an 8×8 one on the digits); the same file is
    /// refused on your own 64-column CSV, which holds no images, and so is one too wide.
    #[test]
    fn a_conv_student_loads_only_on_its_square_images() {
        let conv = |channels: Vec<usize>| {
            Architecture::Cnn(CnnConfig {
                side: 8,
                channels,
                classes: 10,
            })
        };
        let digits = crate::engine::data::digits().unwrap();
        let data = Data::features(DatasetKind::Digits, digits);
        assert_eq!(
            check_import(Which::Student, &conv(vec![8, 8]), "it", &data),
            Ok(())
        );
        let wide = check_import(Which::Student, &conv(vec![300]), "it", &data).unwrap_err();
        assert!(wide.contains("cannot take its shape"), "{wide}");
        let own = Data {
            kind: DatasetKind::Own,
            ..data
        };
        let err = check_import(Which::Student, &conv(vec![8]), "it", &own).unwrap_err();
        assert!(err.contains("reads square images"), "{err}");
    }
}
