//! The messages between the page and its training worker. On the CPU a text student's step
//! takes a tenth of a second, which the page cannot spend between two slider events, so the
//! students train in a worker ([`super::trainer_host`]) and the page only draws. The page keeps a
//! copy of the session (for files and teachers), brought up to date by the worker's snapshots.
//!
//! Every message of a run carries the run's id: the page drops what an older run still sends.

use serde::{Deserialize, Serialize};

use crate::app::Settings;
use crate::app::labs::{LabEvent, LabReport, LabRequest};
use crate::app::session::{CurvePoint, Share};
use crate::app::views::{Shown, Views};
use crate::engine::catalog::DatasetKind;
use crate::engine::train::KnownLogits;
use crate::engine::weights::NetworkWeights;

/// A run for the worker: the settings, the set (the worker loads it by name), the teacher and
/// both students as the page has them, at step `steps`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Start {
    pub id: u64,
    #[serde(with = "as_json")]
    pub settings: Settings,
    pub dataset: DatasetKind,
    /// `None`: the set's shipped teacher, which the worker loads with the set (MiniLM's 68 MB
    /// of floats need not cross).
    #[serde(with = "as_safetensors_opt")]
    pub teacher: Option<NetworkWeights>,
    #[serde(with = "as_safetensors")]
    pub distilled: NetworkWeights,
    #[serde(with = "as_safetensors")]
    pub scratch: NetworkWeights,
    pub steps: usize,
    /// The text teacher's logits of the sentences the page had it read.
    pub known: Option<KnownLogits>,
    pub shown: Shown,
    pub running: bool,
}

/// A text teacher's first pass over the set, read in the worker so the page's thread stays
/// free; the page builds the run once the logits are back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FirstPass {
    pub id: u64,
    #[serde(with = "as_json")]
    pub settings: Settings,
    pub dataset: DatasetKind,
    /// `None`: the set's shipped teacher, as in [`Start`].
    #[serde(with = "as_safetensors_opt")]
    pub teacher: Option<NetworkWeights>,
    /// The part of the rows this worker reads (a second worker reads the other half).
    pub share: Share,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ToTrainer {
    /// Read with the teacher first (its id is the run's that follows).
    Read(Box<FirstPass>),
    Start(Box<Start>),
    /// The settings in force (T, α, the learning rate retune the students at once), and whether
    /// to train on, or take one step.
    Control {
        #[serde(with = "as_json")]
        settings: Settings,
        running: bool,
        single_step: bool,
    },
    Show(Shown),
    /// Both students now (a file, a device switch), after pausing if asked.
    Snapshot {
        pause: bool,
    },
    /// Work for a lab (the students pause while it runs).
    Lab(LabRequest),
    /// Stop the lab work under way; it keeps what it finished.
    CancelLab,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum FromTrainer {
    /// The worker is up and takes runs.
    Hello,
    /// The teacher's first pass: `done` of `total` sentences read.
    Reading {
        id: u64,
        done: usize,
        total: usize,
    },
    /// The first pass is over: the teacher's logits of every sentence it read.
    Read {
        id: u64,
        known: KnownLogits,
    },
    /// The run is built; training follows the controls from here.
    Ready {
        id: u64,
    },
    Progress {
        id: u64,
        steps: usize,
        point: Option<CurvePoint>,
    },
    Views {
        id: u64,
        steps: usize,
        views: Box<Views>,
    },
    /// Both students, about once a second while training, whenever training stops, and when
    /// the page asks (`asked`).
    Snapshot {
        id: u64,
        steps: usize,
        asked: bool,
        #[serde(with = "as_safetensors")]
        distilled: NetworkWeights,
        #[serde(with = "as_safetensors")]
        scratch: NetworkWeights,
    },
    /// The students stopped on blown-up numbers (they keep their last good weights).
    Diverged {
        id: u64,
        message: String,
    },
    Failed {
        id: u64,
        message: String,
    },
    /// Lab work: its progress, what it finished, its end (not tied to a run).
    Lab(LabReport<LabEvent>),
}

impl FromTrainer {
    /// The run a message is about (`None` for the greeting and lab work).
    pub fn run(&self) -> Option<u64> {
        match self {
            FromTrainer::Hello | FromTrainer::Lab(_) => None,
            FromTrainer::Ready { id }
            | FromTrainer::Reading { id, .. }
            | FromTrainer::Read { id, .. }
            | FromTrainer::Progress { id, .. }
            | FromTrainer::Views { id, .. }
            | FromTrainer::Snapshot { id, .. }
            | FromTrainer::Diverged { id, .. }
            | FromTrainer::Failed { id, .. } => Some(*id),
        }
    }
}

/// Values whose serde form needs a self-describing format travel as JSON text: the worker's
/// codec (bincode) cannot read internally tagged enums such as `Architecture`, and settings
/// keep their NaN schedules this way.
pub mod as_json {
    use serde::de::DeserializeOwned;
    use serde::{
        Deserialize, Deserializer, Serialize, Serializer, de::Error as _, ser::Error as _,
    };

    pub fn serialize<T: Serialize, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&serde_json::to_string(value).map_err(S::Error::custom)?)
    }

    pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(
        d: D,
    ) -> Result<T, D::Error> {
        serde_json::from_str(&String::deserialize(d)?).map_err(D::Error::custom)
    }
}

/// An optional network, as [`as_safetensors`].
pub mod as_safetensors_opt {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::engine::weights::NetworkWeights;

    #[derive(Serialize, Deserialize)]
    struct Carried(#[serde(with = "super::as_safetensors")] NetworkWeights);

    pub fn serialize<S: Serializer>(
        weights: &Option<NetworkWeights>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        weights.clone().map(Carried).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<NetworkWeights>, D::Error> {
        Ok(Option::<Carried>::deserialize(d)?.map(|c| c.0))
    }
}

/// Networks travel as safetensors bytes, read back through the weight-file checks.
pub mod as_safetensors {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _, ser::Error as _};

    use crate::engine::weights::{FileInfo, NetworkWeights};

    pub fn serialize<S: Serializer>(weights: &NetworkWeights, s: S) -> Result<S::Ok, S::Error> {
        let info = FileInfo {
            role: "in transit".into(),
            info: serde_json::Value::Null,
        };
        let bytes = weights.to_safetensors(&info).map_err(S::Error::custom)?;
        s.serialize_bytes(&bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NetworkWeights, D::Error> {
        let bytes = serde_bytes::ByteBuf::deserialize(d)?;
        NetworkWeights::from_safetensors(&bytes)
            .map(|(weights, _)| weights)
            .map_err(D::Error::custom)
    }
}
