//! How the page's long work gives way to the browser: after the next paint (one chunk of
//! training per frame), to pending input (between quanta of a chunk), or for a while (idle).
//! gloo has timers but no "after paint" or MessageChannel yield, so those two are written here.

use wasm_bindgen::{JsCast, JsValue};

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// Milliseconds since the page started (0 without a window).
pub fn now_ms() -> f64 {
    window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Resolves `resolve` in a new task, through a MessageChannel; false if the browser refused.
fn resolve_in_new_task(resolve: &js_sys::Function) -> bool {
    match web_sys::MessageChannel::new() {
        Ok(channel) => {
            channel.port1().set_onmessage(Some(resolve.unchecked_ref()));
            channel.port2().post_message(&JsValue::NULL).is_ok()
        }
        Err(_) => false,
    }
}

/// Awaits a promise built by `start`; one that rejects is as good as resolved here (these
/// promises only say "go on").
async fn wait(mut start: impl FnMut(js_sys::Function)) {
    let promise = js_sys::Promise::new(&mut |resolve, _| start(resolve));
    if let Err(e) = wasm_bindgen_futures::JsFuture::from(promise).await {
        gloo::console::warn!("a yield to the browser failed:", e);
    }
}

/// Resolves `resolve` at once (when the browser refused a scheduled resolve).
fn resolve_now(resolve: &js_sys::Function) {
    if resolve.call0(&JsValue::NULL).is_err() {
        gloo::console::warn!("could not resume after a refused yield");
    }
}

/// Resumes right after the browser's next paint: a chunk of training per frame leaves every frame
/// room to handle input and draw (a bare macrotask yield does not guarantee a rendering
/// opportunity, and the slider lagged by several frames).
pub async fn after_next_paint() {
    wait(|resolve| {
        let Some(w) = window() else {
            return resolve_now(&resolve);
        };
        let fallback = resolve.clone();
        let after_paint = wasm_bindgen::closure::Closure::once_into_js(move || {
            if !resolve_in_new_task(&resolve) {
                resolve_now(&resolve);
            }
        });
        if w.request_animation_frame(after_paint.unchecked_ref())
            .is_err()
        {
            resolve_now(&fallback);
        }
    })
    .await;
}

/// Resumes in a new task: input that arrived meanwhile (a slider drag) is handled first, since
/// the browser runs input before ordinary tasks.
pub async fn yield_to_input() {
    wait(|resolve| {
        if !resolve_in_new_task(&resolve) {
            resolve_now(&resolve);
        }
    })
    .await;
}

/// Waits `ms` milliseconds (idle polling while paused).
pub async fn sleep_ms(ms: u32) {
    gloo::timers::future::TimeoutFuture::new(ms).await;
}
