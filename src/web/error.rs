//! The page's one error type: what the browser refused (with its own message), what the server
//! answered, a file too large to read, or an engine error. Shown once, where the driver or a
//! component reports a failure.

use wasm_bindgen::{JsCast, JsValue};

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// A browser call failed; `message` is the browser's own.
    #[error("{what} ({message})")]
    Js { what: String, message: String },
    #[error("{path}: the server answered {status}")]
    Http { path: String, status: u16 },
    #[error("{name} is {megabytes:.0} MB; weight files of this tool are at most {max} MB")]
    TooLarge {
        name: String,
        megabytes: f64,
        max: usize,
    },
    #[error(transparent)]
    Engine(#[from] crate::Error),
}

impl WebError {
    /// A failed browser call: what was attempted, and the browser's message.
    pub fn js(what: impl Into<String>, error: &JsValue) -> Self {
        let message = error
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| error.as_string())
            .unwrap_or_else(|| format!("{error:?}"));
        WebError::Js {
            what: what.into(),
            message,
        }
    }
}
