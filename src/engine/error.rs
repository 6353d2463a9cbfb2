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
    /// `value`, a loss at training step `step`, when it is finite; else the divergence.
    pub fn finite(value: f32, step: usize, what: &'static str) -> Result<f32> {
        match value.is_finite() {
            true => Ok(value),
            false => Err(Error::Diverged { step, what, value }),
        }
    }

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

/// Longest piece of a user's file quoted in an error: enough to recognise it, never megabytes.
pub const QUOTE_CHARS: usize = 40;
/// Most names listed in an error before "and N more".
pub const LIST_ITEMS: usize = 8;

/// `text` in quotes, cut to [`QUOTE_CHARS`] characters with its length said when longer.
pub fn quote(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(QUOTE_CHARS).collect();
    match chars.count() {
        0 => format!("'{head}'"),
        rest => format!("'{head}…' ({} characters)", QUOTE_CHARS + rest),
    }
}

/// The first [`LIST_ITEMS`] items, each quoted, joined with commas, then how many more there are.
pub fn list<S: AsRef<str>>(items: &[S]) -> String {
    let shown: Vec<String> = items
        .iter()
        .take(LIST_ITEMS)
        .map(|s| quote(s.as_ref()))
        .collect();
    match items.len().saturating_sub(LIST_ITEMS) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loss_that_is_not_finite_is_a_divergence_at_its_step() {
        assert_eq!(Error::finite(0.5, 3, "loss").unwrap(), 0.5);
        for bad in [f32::NAN, f32::INFINITY] {
            let err = Error::finite(bad, 7, "teacher loss").unwrap_err();
            assert!(matches!(
                err,
                Error::Diverged {
                    step: 7,
                    what: "teacher loss",
                    ..
                }
            ));
            assert!(err.is_divergence());
        }
    }

    #[test]
    fn quotes_are_short_and_say_how_long_the_text_was() {
        assert_eq!(quote("abc"), "'abc'");
        let long = "x".repeat(30_000_000);
        let q = quote(&long);
        assert!(q.len() < 80, "{q}");
        assert!(q.ends_with("(30000000 characters)"), "{q}");
        // Multi-byte characters are cut on a character boundary.
        assert_eq!(
            quote(&"é".repeat(41)),
            format!("'{}…' (41 characters)", "é".repeat(40))
        );
    }

    #[test]
    fn lists_give_a_count_past_the_first_items() {
        assert_eq!(list(&["a", "b"]), "'a', 'b'");
        let names: Vec<String> = (0..400_000).map(|i| format!("t{i}")).collect();
        let l = list(&names);
        assert!(l.ends_with("and 399992 more"), "{l}");
        assert!(l.len() < 200, "{l}");
    }
}
