//! The students a frontier distils: MLPs of the shapes asked for (and ALBERT-style shared
//! ones) on the image and 2-D sets; the text students' kinds (bag of words, BiLSTM,
//! transformer) at their default shapes on the e-mails.

use crate::engine::error::{Error, Result};
use crate::engine::network::spec::{self, NetKind};
use crate::engine::network::{Activation, Architecture, MlpConfig};

use super::super::Data;
use super::super::kinds::Role;
use super::CompressArgs;

#[derive(Clone)]
pub(super) struct Student {
    /// "student 32x2, distilled", "BiLSTM, distilled".
    pub name: String,
    pub architecture: Architecture,
    pub learning_rate: f64,
}

/// The students of `args` on `data`. Brown's MiniLM teacher reads word pieces, which the
/// students do not: on Brown the teacher alone is made small.
pub(super) fn students(args: &CompressArgs, data: &Data) -> Result<Vec<Student>> {
    if data.pieces.is_some() {
        return Ok(Vec::new());
    }
    if args.dataset.is_text() {
        return text_students(args, data);
    }
    let (inputs, classes) = (args.dataset.inputs(), args.dataset.classes());
    let specs = |list: &str, shared: bool| -> Result<Vec<Student>> {
        list.split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|spec| {
                let config = MlpConfig {
                    hidden: MlpConfig::parse_hidden(spec)?,
                    shared,
                    ..MlpConfig::student(inputs, classes)
                };
                config.validate()?;
                let how = if shared {
                    "shared, distilled"
                } else {
                    "distilled"
                };
                Ok(Student {
                    name: format!("student {}, {how}", spec.trim()),
                    architecture: config.into(),
                    learning_rate: NetKind::Mlp.learning_rate(),
                })
            })
            .collect()
    };
    Ok([specs(&args.students, false)?, specs(&args.shared, true)?].concat())
}

/// `--students` on a text set: kinds (bow, bilstm, transformer) at their default shapes.
fn text_students(args: &CompressArgs, data: &Data) -> Result<Vec<Student>> {
    let list = match args.students.as_str() {
        DEFAULT_IMAGE_STUDENTS => "bow,bilstm,transformer",
        given => given,
    };
    list.split(',')
        .map(|k| {
            let kind: NetKind = k.trim().parse()?;
            if !kind.reads_text() {
                return Err(Error::Settings(format!(
                    "{}: a text set's students are bow, bilstm or transformer",
                    kind.name()
                )));
            }
            let heads = crate::engine::limits::HEADS.default;
            let shape = data.shape();
            let architecture = spec::architecture(
                kind,
                None,
                Role::Student,
                heads,
                0.0,
                Activation::Relu,
                &shape,
            )?;
            Ok(Student {
                name: format!("{}, distilled", kind.title()),
                architecture,
                learning_rate: kind.learning_rate(),
            })
        })
        .collect()
}

/// `--students`' default, which on a text set means every text kind.
pub(super) const DEFAULT_IMAGE_STUDENTS: &str = "64x2,32x2,16x2";
