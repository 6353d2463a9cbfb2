//! Files in and out of the page: a download made from bytes, and a picked or dropped file read
//! into bytes (refused by size before it is read).

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::engine::weights::MAX_FILE_BYTES;

/// Offers `bytes` to the user as a file called `name`.
pub fn download(name: &str, bytes: &[u8]) -> Result<(), String> {
    let fail = |what: &str| format!("The browser refused the download ({what}).");
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/octet-stream");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|_| fail("blob"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| fail("url"))?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| fail("no document"))?;
    let link: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .ok()
        .and_then(|e| e.dyn_into().ok())
        .ok_or_else(|| fail("link"))?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    // The download has its bytes; a URL left unrevoked only holds memory until the page goes.
    if web_sys::Url::revoke_object_url(&url).is_err() {
        gloo::console::warn!("a download's object URL could not be released");
    }
    Ok(())
}

/// The bytes of a user's file; a file too large for a weight file is refused unread.
pub async fn read(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let size = file.size();
    if size > MAX_FILE_BYTES as f64 {
        return Err(format!(
            "{} is {:.0} MB; weight files of this tool are at most {} MB",
            file.name(),
            size / 1e6,
            MAX_FILE_BYTES >> 20
        ));
    }
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| format!("{} could not be read", file.name()))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// The bytes the page's own server holds at `path` (datasets and teachers not built into the wasm).
pub async fn fetch(path: &str) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(path))
        .await
        .map_err(|_| format!("{path} could not be fetched (is the page served over http?)"))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| format!("{path}: not an http response"))?;
    if !response.ok() {
        return Err(format!("{path}: the server answered {}", response.status()));
    }
    let buffer = response
        .array_buffer()
        .map_err(|_| format!("{path} could not be read"))?;
    let buffer = JsFuture::from(buffer)
        .await
        .map_err(|_| format!("{path} could not be read"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
