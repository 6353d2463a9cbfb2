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

// Only the WebGPU build compiles this, and CI's clippy checks the CPU-only one: rustc's warnings
// here fail trunk's build instead.
#[cfg(feature = "webgpu")]
#[deny(warnings)]
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
