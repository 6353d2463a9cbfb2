//! The page's half of `bash scripts/bench.sh --peers`: the engine's own step benchmark
//! ([`crate::engine::bench::distill_steps`]) run inside the page's CPU build, so the browser
//! figures compare with TensorFlow.js on the same step in the same Chromium. The benchmark script
//! calls it through `window.distillLoader.exports`; the page itself never does.

use burn::tensor::Device;
use wasm_bindgen::prelude::*;

use crate::app::session;
use crate::engine::bench::distill_steps;
use crate::engine::data::DatasetKind;
use crate::web::files;

/// The digits' shipped teacher and the page's default student (64→32×3→10) at `batch`, with the
/// hidden-state terms when `hidden`: the playground step (cached teacher) and the full step
/// (teacher every batch), `steps` timed steps each. It holds the page's thread while it runs.
#[wasm_bindgen]
pub async fn bench_distill_step(
    batch: usize,
    hidden: bool,
    steps: usize,
) -> Result<JsValue, JsValue> {
    let fail = |e: String| JsValue::from_str(&e);
    let fetch = |path: String| async move { files::fetch(&path).await.map_err(|e| e.to_string()) };
    let (data, weights) = session::load_data(DatasetKind::Digits, fetch)
        .await
        .map_err(|e| fail(e.to_string()))?;
    let device = Device::flex();
    let teacher = weights
        .to_network(&device)
        .map_err(|e| fail(e.to_string()))?;
    let student = crate::app::settings::Settings::default()
        .student_architecture(&weights.architecture)
        .map_err(|e| fail(e.to_string()))?;
    let result = distill_steps(
        "digits",
        &data.split,
        (&teacher, &student),
        (batch, hidden),
        steps,
        &device,
    )
    .map_err(|e| fail(e.to_string()))?;
    serde_wasm_bindgen::to_value(&result).map_err(|e| fail(e.to_string()))
}
