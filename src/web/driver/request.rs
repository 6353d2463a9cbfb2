//! What the page asks of the driver besides settings: files out and in, another dataset, your
//! own data, links and configs, and lab work (which the driver sends where it runs).

use std::rc::Rc;

use crate::app::imports::Which;
use crate::app::labs::LabRequest;
use crate::app::shipped_teacher::ShippedTeacher;
use crate::engine::catalog::DatasetKind;
use crate::engine::weights::{NetworkWeights, WeightFormat};

/// The tools a run can be written out for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecipeFormat {
    TextBrewer,
    Torchdistill,
}

/// Work for the driver that needs the session.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    Download {
        which: Which,
        format: WeightFormat,
    },
    /// The distilled student as an ONNX model, with int8 weights or float32.
    DownloadOnnx {
        int8: bool,
    },
    /// A weight file read and checked by the page.
    Import {
        which: Which,
        weights: NetworkWeights,
        name: String,
    },
    /// Load another dataset (and its shipped teacher), then switch the settings to it.
    SwitchData(DatasetKind),
    /// Load the set with another of its shipped teachers, then switch the settings to it.
    SwitchTeacher(ShippedTeacher),
    /// The run's settings as a TextBrewer or torchdistill config, downloaded.
    ExportRecipe(RecipeFormat),
    /// A link with the settings and the distilled student's weights in its fragment.
    StudentLink,
    /// Your own CSV, read in the page: check it, keep it, train its teacher, switch to it.
    UseOwnData {
        name: String,
        text: Rc<String>,
        /// The label column's name; `None`: `label`, `class`, `target` or `y`, else the last.
        label: Option<String>,
    },
    /// Work for a lab (or a teacher trained here), run in the training worker where it can.
    Lab(LabRequest),
    /// Stop the lab work under way; what it finished is kept.
    CancelLab,
}
