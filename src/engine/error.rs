//! The library's error type. Every fallible engine call returns [`Error`]; the CLI and the page
//! turn it into a message once, at their edge.

use thiserror::Error;

/// Everything that can go wrong in the engine, each variant worded for the person who caused it.
#[derive(Debug, Error)]
pub enum Error {
    #[error("invalid layer mapping: {0}")]
    Mapping(String),

    #[error("invalid model configuration: {0}")]
    ModelConfig(String),

    #[error("invalid training settings: {0}")]
    Settings(String),

    #[error("dataset error: {0}")]
    Dataset(String),

    #[error("weights file error: {0}")]
    Weights(String),

    #[error(
        "training diverged at step {step}: the {what} became {value}; the last good weights were kept. \
         Try a smaller learning rate or temperature."
    )]
    Diverged {
        step: usize,
        what: &'static str,
        value: f32,
    },

    /// A step was asked of a trainer stopped by a divergence (it stays stopped until resumed).
    #[error(
        "training is stopped after a divergence ({0}); lower the learning rate (or the \
         temperature) and resume"
    )]
    Halted(String),

    #[error("reading a tensor from the device failed: {0}")]
    Read(String),

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Whether training stopped because the numbers blew up (not because a device or a file
    /// failed): the page offers Resume for these and never changes device over them.
    pub fn is_divergence(&self) -> bool {
        matches!(self, Error::Diverged { .. } | Error::Halted(_))
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
