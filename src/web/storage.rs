//! What the page keeps in the browser (localStorage, through gloo): the settings, and the
//! trained students of the current run. A browser that refuses storage (private modes, full
//! quota) loses only the keeping: every call here says what failed or does nothing.

use gloo::storage::{LocalStorage, Storage};

use crate::app::Settings;
use crate::app::saved_run::{MAX_SAVED_CHARS, SavedRun};

const SETTINGS_KEY: &str = "distill-playground/settings";
/// The trained students (see `saved_run`).
const RUN_KEY: &str = "distill-playground/run";

/// gloo's storage throws where the browser forbids localStorage; ask first.
fn available() -> bool {
    web_sys::window().is_some_and(|w| w.local_storage().ok().flatten().is_some())
}

fn read_text(key: &str) -> Option<String> {
    if !available() {
        return None;
    }
    LocalStorage::raw().get_item(key).ok().flatten()
}

/// The settings saved by the last visit, checked like a link (out-of-range fields keep their
/// defaults and are listed). `Err` says the saved text could not be read at all.
pub fn saved_settings() -> Option<Result<(Settings, Vec<String>), String>> {
    read_text(SETTINGS_KEY).map(|text| Settings::from_saved(&text))
}

/// Saves the settings for the next visit; the link is updated by the caller.
pub fn save_settings(settings: &Settings) -> Result<(), String> {
    if !available() {
        return Err("this browser keeps no settings (localStorage is off)".into());
    }
    LocalStorage::set(SETTINGS_KEY, settings).map_err(|e| e.to_string())
}

/// The run this browser saved, if it fits the current settings. A damaged entry is reported and
/// removed; a run of other settings is simply not resumed.
pub fn saved_run(settings: &Settings) -> Result<Option<SavedRun>, String> {
    let Some(text) = read_text(RUN_KEY) else {
        return Ok(None);
    };
    let kind = settings.dataset;
    let expected = settings.image_student(kind.inputs(), kind.classes());
    match SavedRun::decode(&text, &expected) {
        Ok(run) if !run.settings.needs_restart(settings) => Ok(Some(run)),
        Ok(_) => Ok(None),
        Err(e) => {
            forget_run();
            Err(format!(
                "The student saved in this browser could not be restored ({e}); training starts afresh."
            ))
        }
    }
}

/// Keeps the run for a reload or a hand-over to the other build.
pub fn save_run(run: &SavedRun) -> Result<(), String> {
    let text = run.encode().map_err(|e| e.to_string())?;
    if text.len() > MAX_SAVED_CHARS {
        return Err(
            "This student is too large to keep in the browser; it will not survive a reload."
                .into(),
        );
    }
    let refused = || {
        "The browser refused to store the student (storage full or disabled); it will not survive a reload.".to_string()
    };
    if !available() {
        return Err(refused());
    }
    LocalStorage::raw()
        .set_item(RUN_KEY, &text)
        .map_err(|_| refused())
}

/// A restart forgets the saved students.
pub fn forget_run() {
    if available() {
        LocalStorage::delete(RUN_KEY);
    }
}

/// Keeps the settings in the page's link (so it can be shared) and in the browser.
pub fn persist(settings: &Settings, place: crate::app::place::Place) {
    let hash = format!("#{}", place.link(&settings.to_hash()));
    let linked = web_sys::window()
        .and_then(|w| w.history().ok())
        .map(|h| h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&hash)));
    if !matches!(linked, Some(Ok(()))) {
        gloo::console::warn!("the settings could not be written into the link");
    }
    if let Err(e) = save_settings(settings) {
        gloo::console::warn!("the settings were not saved:", e);
    }
}

/// Your own CSV, kept as text so a reload finds it (one file at a time).
const OWN_KEY: &str = "distill-playground/own-data";
/// Largest CSV kept in the browser (localStorage holds about 5 MB of text in all).
pub const MAX_OWN_CHARS: usize = 2 << 20;

/// Keeps your CSV under its name, with the label column you named; `Err` says why it was not
/// kept (too big, or refused).
pub fn keep_own_csv(name: &str, text: &str, label: Option<&str>) -> Result<(), String> {
    if text.len() > MAX_OWN_CHARS {
        return Err(format!(
            "it is {:.1} MB, more than the {} MB this page keeps in the browser",
            text.len() as f64 / 1048576.0,
            MAX_OWN_CHARS >> 20
        ));
    }
    if !available() {
        return Err("this browser does not let the page keep anything".into());
    }
    let value = serde_json::json!({ "name": name, "text": text, "label": label }).to_string();
    LocalStorage::raw()
        .set_item(OWN_KEY, &value)
        .map_err(|_| "the browser refused to keep it (storage full)".to_string())
}

/// The CSV kept under `name` and its label column, if this browser has it.
pub fn own_csv(name: &str) -> Option<(String, Option<String>)> {
    let kept: serde_json::Value = serde_json::from_str(&read_text(OWN_KEY)?).ok()?;
    if kept["name"].as_str() != Some(name) {
        return None;
    }
    let text = kept["text"].as_str()?.to_string();
    Some((text, kept["label"].as_str().map(str::to_string)))
}
