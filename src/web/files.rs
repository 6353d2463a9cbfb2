//! Files in and out of the page (through gloo): a download made from bytes, a picked or dropped
//! file read into bytes (refused by size before it is read), the page's own assets fetched, and
//! a network written to a weight file and offered.

use gloo::file::{Blob, ObjectUrl};
use wasm_bindgen::JsCast;

use super::error::WebError;
use crate::app::Settings;
use crate::app::imports::Which;
use crate::app::session::{CurvePoint, Session};
use crate::engine::weights::{FileInfo, MAX_FILE_BYTES, NetworkWeights, WeightFormat};

/// Offers `bytes` to the user as a file called `name`.
pub fn download(name: &str, bytes: &[u8]) -> Result<(), WebError> {
    let url = ObjectUrl::from(Blob::new_with_options(
        bytes,
        Some("application/octet-stream"),
    ));
    let link: web_sys::HtmlAnchorElement = gloo::utils::document()
        .create_element("a")
        .map_err(|e| WebError::js("the browser refused the download link", &e))?
        .dyn_into()
        .map_err(|e| WebError::js("the download link is not a link", &e))?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    // Dropping `url` revokes it; the click has already handed the bytes to the browser.
    Ok(())
}

/// The bytes of a user's file; a file too large for a weight file is refused unread.
pub async fn read(file: web_sys::File) -> Result<Vec<u8>, WebError> {
    let file = gloo::file::File::from(file);
    let size = file.size() as f64;
    if size > MAX_FILE_BYTES as f64 {
        return Err(WebError::TooLarge {
            name: file.name(),
            megabytes: size / 1e6,
            max: MAX_FILE_BYTES >> 20,
        });
    }
    gloo::file::futures::read_as_bytes(&file)
        .await
        .map_err(|e| WebError::Js {
            what: format!("{} could not be read", file.name()),
            message: e.to_string(),
        })
}

/// The bytes the page's own server holds at `path` (datasets and teachers not built into the wasm).
pub async fn fetch(path: &str) -> Result<Vec<u8>, WebError> {
    let failed = |what: &str, e: gloo::net::Error| WebError::Js {
        what: format!("{path} {what}"),
        message: e.to_string(),
    };
    let response = gloo::net::http::Request::get(path)
        .send()
        .await
        .map_err(|e| failed("could not be fetched (is the page served over http?)", e))?;
    if !response.ok() {
        return Err(WebError::Http {
            path: path.to_string(),
            status: response.status(),
        });
    }
    response
        .binary()
        .await
        .map_err(|e| failed("could not be read", e))
}

/// Reads a network from its device (asynchronously: WebGPU allows nothing else), writes the file
/// with what produced it, and offers it as a download.
pub async fn offer_download(
    s: &Session,
    which: Which,
    format: WeightFormat,
    settings: &Settings,
    curves: &[CurvePoint],
    teacher_made: Option<&serde_json::Value>,
) -> Result<(), WebError> {
    let steps = s.steps_done();
    let (weights, role, name) = match which {
        Which::Student => (
            NetworkWeights::from_network_async(&s.distilled.network()).await?,
            "student",
            format!("distilled-student-step{steps}"),
        ),
        Which::Scratch => (
            NetworkWeights::from_network_async(&s.scratch.network()).await?,
            "scratch-student",
            format!("scratch-student-step{steps}"),
        ),
        Which::Teacher => (s.teacher.clone(), "teacher", "teacher".to_string()),
    };
    let mut info = serde_json::json!({
        "dataset": settings.dataset.name(),
        "made_by": format!("Distill Playground v{} (page)", crate::VERSION),
        "settings": settings.distill_settings(),
        "transfer": settings.transfer_config(),
        "steps": steps,
        "metrics": curves.last(),
    });
    if let (Which::Teacher, Some(made), Some(map)) = (which, teacher_made, info.as_object_mut()) {
        map.insert("trained_here".into(), made.clone());
    }
    let info = FileInfo {
        role: role.into(),
        info,
    };
    let bytes = weights.to_format(format, &info)?;
    download(
        &format!("{name}{}.{}", format.suffix(), format.extension()),
        &bytes,
    )
}

/// The distilled student as an ONNX model (float32, or int8 weights), offered as a download.
/// The model is built whole first: a network ONNX cannot express offers nothing.
pub async fn offer_onnx(s: &Session, int8: bool) -> Result<(), WebError> {
    let weights = NetworkWeights::from_network_async(&s.distilled.network()).await?;
    let precision = match int8 {
        true => crate::engine::onnx::Precision::Int8,
        false => crate::engine::onnx::Precision::Float32,
    };
    let bytes = crate::engine::onnx::export(&weights, precision)?;
    let suffix = if int8 { "-int8" } else { "" };
    download(&format!("distilled-student{suffix}.onnx"), &bytes)
}
