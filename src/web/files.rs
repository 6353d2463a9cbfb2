//! Files in and out of the page (through gloo): a download made from bytes, a picked or dropped
//! file read into bytes (refused by size before it is read), and the page's own assets fetched.

use gloo::file::{Blob, ObjectUrl};
use wasm_bindgen::JsCast;

use super::error::WebError;
use crate::engine::weights::MAX_FILE_BYTES;

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
