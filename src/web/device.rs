//! Picks the page's compute device: WebGPU when the browser offers an adapter and burn's WebGPU
//! runtime initialises, else burn's CPU backend (Flex) compiled to wasm — and says why.
//!
//! The page comes in two builds (see index.html's loader): the CPU-only one has no WebGPU runtime;
//! where WebGPU is wanted it runs first and hands the page over to the other build once that has
//! loaded.

use burn::tensor::Device;

#[derive(Clone, Debug, PartialEq)]
pub enum DeviceKind {
    WebGpu,
    Cpu,
}

/// The device in use and, for the CPU, why WebGPU was not used.
#[derive(Clone, Debug)]
pub struct DeviceChoice {
    pub device: Device,
    pub kind: DeviceKind,
    pub fallback_reason: Option<String>,
}

impl DeviceChoice {
    pub fn label(&self) -> &'static str {
        match self.kind {
            DeviceKind::WebGpu => "WebGPU",
            DeviceKind::Cpu => "CPU (wasm)",
        }
    }

    /// The CPU, with why it is used.
    pub fn cpu(reason: String) -> Self {
        Self {
            device: Device::flex(),
            kind: DeviceKind::Cpu,
            fallback_reason: Some(reason),
        }
    }
}

/// Why the browser cannot give WebGPU, or `None` when it offers an adapter.
async fn webgpu_unavailable() -> Option<String> {
    use wasm_bindgen::JsCast;
    let gpu = web_sys::window()
        .map(|w| w.navigator())
        .and_then(|n| js_sys::Reflect::get(&n, &"gpu".into()).ok())
        .filter(|gpu| !gpu.is_undefined() && !gpu.is_null());
    let Some(gpu) = gpu else {
        return Some("this browser offers no WebGPU (navigator.gpu is missing)".into());
    };
    let request = js_sys::Reflect::get(&gpu, &"requestAdapter".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(&gpu).ok())
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok());
    let Some(request) = request else {
        return Some("navigator.gpu.requestAdapter is not callable".into());
    };
    match wasm_bindgen_futures::JsFuture::from(request).await {
        Ok(adapter) if !adapter.is_null() && !adapter.is_undefined() => None,
        Ok(_) => Some(
            "the browser has no WebGPU adapter to offer (no usable GPU, or WebGPU is disabled)"
                .into(),
        ),
        Err(e) => Some(format!("requesting a WebGPU adapter failed: {e:?}")),
    }
}

/// Whether this build carries burn's WebGPU runtime.
pub const WEBGPU_ENGINE: bool = cfg!(feature = "webgpu");

/// What the page can run on.
#[derive(Clone, Debug)]
pub enum Pick {
    Ready(DeviceChoice),
    /// The browser has an adapter but this is the CPU-only build: the WebGPU build has to be
    /// loaded (a reload; see `engine`).
    LoadWebGpuEngine,
}

/// Tries WebGPU first; every failure ends on the CPU with a reason a person can read.
pub async fn pick_device() -> Pick {
    if let Some(reason) = webgpu_unavailable().await {
        return Pick::Ready(DeviceChoice::cpu(reason));
    }
    if WEBGPU_ENGINE {
        Pick::Ready(start_webgpu().await)
    } else {
        Pick::LoadWebGpuEngine
    }
}

#[cfg(not(feature = "webgpu"))]
async fn start_webgpu() -> DeviceChoice {
    DeviceChoice::cpu("this build of the page has no WebGPU runtime".into())
}

#[cfg(feature = "webgpu")]
async fn start_webgpu() -> DeviceChoice {
    use burn::tensor::wgpu::WgpuBackend;
    match Device::wgpu_options()
        .graphics_api(WgpuBackend::WebGpu)
        .init_async()
        .await
    {
        Ok(device) => DeviceChoice {
            device,
            kind: DeviceKind::WebGpu,
            fallback_reason: None,
        },
        Err(e) => DeviceChoice::cpu(format!("WebGPU did not start: {e}")),
    }
}

/// The two builds and the choice between them, shared with index.html's loader through
/// localStorage (the loader runs before any wasm) and a few `window.distill*` values and hooks.
pub mod engine {
    /// `"cpu"` or `"webgpu"` once the user chose; absent, the loader decides (WebGPU on a
    /// hardware adapter, the CPU on none or on a software one).
    const KEY: &str = "distill-playground/engine";

    fn storage() -> Option<web_sys::Storage> {
        web_sys::window().and_then(|w| w.local_storage().ok().flatten())
    }

    /// Remembers the user's choice for the next visit; choosing WebGPU is kept too, since on a
    /// software adapter the loader would otherwise pick the CPU again.
    pub fn remember_choice(cpu: bool) {
        if let Some(s) = storage() {
            // Raw text, not gloo's JSON: index.html's loader reads it before any wasm runs.
            if s.set_item(KEY, if cpu { "cpu" } else { "webgpu" }).is_err() {
                gloo::console::warn!("the engine choice could not be remembered");
            }
        }
    }

    pub fn cpu_remembered() -> bool {
        storage()
            .and_then(|s| s.get_item(KEY).ok().flatten())
            .is_some_and(|v| v == "cpu")
    }

    fn window_value(name: &str) -> Option<wasm_bindgen::JsValue> {
        let w = web_sys::window()?;
        js_sys::Reflect::get(&w, &name.into())
            .ok()
            .filter(|v| !v.is_undefined() && !v.is_null())
    }

    /// Why the loader keeps this CPU-only build although the browser has an adapter.
    pub fn loader_note() -> Option<String> {
        window_value("distillEngineNote").and_then(|v| v.as_string())
    }

    /// The loader started this CPU-only build first and wants the WebGPU build once it is there.
    pub fn webgpu_wanted() -> bool {
        window_value("distillWanted").and_then(|v| v.as_string()) == Some("webgpu".into())
    }

    /// The WebGPU build is downloaded and compiled: a hand-over now is immediate.
    pub fn webgpu_ready() -> bool {
        window_value("distillWebGpuReady").is_some_and(|v| v.is_truthy())
    }

    /// Why the WebGPU build could not be loaded in the background, if it could not.
    pub fn webgpu_failed() -> Option<String> {
        window_value("distillWebGpuFailed").and_then(|v| v.as_string())
    }

    /// Whether the CPU-only build, handing the page to this one, was training.
    pub fn resume_training() -> bool {
        window_value("distillResumeTraining").is_some_and(|v| v.is_truthy())
    }

    fn call(name: &str) -> bool {
        use wasm_bindgen::JsCast;
        window_value(name)
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .is_some_and(|f| f.call0(&wasm_bindgen::JsValue::NULL).is_ok())
    }

    /// Starts downloading the WebGPU build in the background (index.html's loader).
    pub fn load_webgpu() {
        call("distillLoadWebGpu");
    }

    /// Hands the document to the WebGPU build (the caller has unmounted this app and saved what
    /// the other build picks up); without the loader's hook, a reload does it.
    pub fn switch_to_webgpu(training: bool) {
        if let Some(w) = web_sys::window()
            && js_sys::Reflect::set(&w, &"distillResumeTraining".into(), &training.into()).is_err()
        {
            gloo::console::warn!("the WebGPU build will not know training was on");
        }
        if !call("distillSwitchEngine") {
            reload();
        }
    }

    /// Reloads the page; the loader picks the build again.
    pub fn reload() {
        if let Some(w) = web_sys::window()
            && let Err(e) = w.location().reload()
        {
            gloo::console::error!("the page could not reload:", e);
        }
    }
}
