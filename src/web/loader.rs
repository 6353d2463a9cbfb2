//! The contract with index.html's loader, which runs before any wasm: it starts the CPU-only
//! build everywhere and, where WebGPU is wanted, fetches the WebGPU build in the background.
//! It publishes one object, `window.distillLoader`, whose data fields are read here as one typed
//! [`LoaderState`] (serde-wasm-bindgen) and whose two methods start the WebGPU build's download
//! and hand the page over to it. The user's engine choice is kept in localStorage, which the
//! loader reads as plain text.

use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};

use super::error::WebError;

/// `"cpu"` or `"webgpu"` once the user chose; absent, the loader decides (WebGPU on a hardware
/// adapter, the CPU on none or on a software one).
const KEY: &str = "distill-playground/engine";

/// What the loader knows, as `window.distillLoader` says it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct LoaderState {
    /// The build the loader wants in the end: `"cpu"` or `"webgpu"`.
    pub wanted: Option<String>,
    /// Why the loader keeps the CPU-only build although the browser has an adapter.
    pub note: Option<String>,
    /// The WebGPU build is downloaded and compiled: a hand-over now is immediate.
    pub webgpu_ready: bool,
    /// Why the WebGPU build could not be loaded in the background.
    pub webgpu_failed: Option<String>,
    /// The CPU-only build that handed the page to this one was training.
    pub resume_training: bool,
}

fn loader() -> Option<JsValue> {
    let value = js_sys::Reflect::get(&gloo::utils::window(), &"distillLoader".into()).ok()?;
    (!value.is_undefined() && !value.is_null()).then_some(value)
}

/// The loader's state now (defaults without a loader, as in the component tests).
pub fn state() -> LoaderState {
    let Some(value) = loader() else {
        return LoaderState::default();
    };
    serde_wasm_bindgen::from_value(value).unwrap_or_else(|e| {
        gloo::console::error!(
            "window.distillLoader is not what the app expects:",
            e.to_string()
        );
        LoaderState::default()
    })
}

/// Calls one of the loader's methods with `args`.
fn call(method: &str, args: &[JsValue]) -> Result<(), WebError> {
    let loader = loader().ok_or_else(|| WebError::Js {
        what: format!("no loader to call {method} on"),
        message: "window.distillLoader is missing".into(),
    })?;
    let function: js_sys::Function = js_sys::Reflect::get(&loader, &method.into())
        .and_then(|f| f.dyn_into())
        .map_err(|e| WebError::js(format!("the loader has no method {method}"), &e))?;
    let args: js_sys::Array = args.iter().collect();
    function
        .apply(&loader, &args)
        .map(|_| ())
        .map_err(|e| WebError::js(format!("the loader's {method} failed"), &e))
}

/// Starts downloading the WebGPU build in the background.
pub fn load_webgpu() {
    if let Err(e) = call("loadWebGpu", &[]) {
        gloo::console::warn!(e.to_string());
    }
}

/// Hands the document to the WebGPU build (the caller has unmounted this app and saved what the
/// other build picks up); without a loader, a reload lets the loader choose again.
pub fn switch_to_webgpu(training: bool) {
    if let Err(e) = call("switchEngine", &[training.into()]) {
        gloo::console::warn!(e.to_string());
        reload();
    }
}

/// Reloads the page; the loader picks the build again.
pub fn reload() {
    if let Err(e) = gloo::utils::window().location().reload() {
        gloo::console::error!("the page could not reload:", e);
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// Remembers the user's choice for the next visit; choosing WebGPU is kept too, since on a
/// software adapter the loader would otherwise pick the CPU again.
pub fn remember_choice(cpu: bool) {
    // Raw text, not gloo's JSON: the loader reads it before any wasm runs.
    let stored = storage().map(|s| s.set_item(KEY, if cpu { "cpu" } else { "webgpu" }));
    if !matches!(stored, Some(Ok(()))) {
        gloo::console::warn!("the engine choice could not be remembered");
    }
}

pub fn cpu_remembered() -> bool {
    storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .is_some_and(|v| v == "cpu")
}
