//! The page's half of `bash scripts/bench.sh --peers`: the engine's own step benchmark
//! ([`crate::engine::bench::distill_steps`]) run inside the page's CPU build, so the browser
//! figures compare with TensorFlow.js on the same step in the same Chromium. The benchmark script
//! calls it through `window.distillLoader.exports`; the page itself never does.

use burn::tensor::Device;
use wasm_bindgen::prelude::*;

use crate::app::loading;
use crate::engine::bench::{distill_steps, scale_point};
use crate::engine::catalog::DatasetKind;
use crate::engine::network::Network;
use crate::engine::weights::NetworkWeights;
use crate::web::files;

fn fail(e: impl std::fmt::Display) -> JsValue {
    JsValue::from_str(&e.to_string())
}

/// A dataset and its shipped teacher, on the CPU engine.
async fn shipped(
    kind: DatasetKind,
) -> Result<(crate::app::state::Data, NetworkWeights, Network), JsValue> {
    let fetch = |path: String| async move { files::fetch(&path).await.map_err(|e| e.to_string()) };
    let (data, weights) = loading::load_data(kind, Default::default(), fetch)
        .await
        .map_err(fail)?;
    let teacher = weights.to_network(&Device::flex()).map_err(fail)?;
    Ok((data, weights, teacher))
}

async fn digits() -> Result<(crate::app::state::Data, NetworkWeights, Network), JsValue> {
    shipped(DatasetKind::Digits).await
}

/// The e-mails' shipped teacher and a text student of `kind` (transformer, bilstm or bow) at
/// `distill bench`'s shape, at `batch`: the playground step and the full step in the page, as
/// `distill bench --datasets spam` times them natively.
#[wasm_bindgen]
pub async fn bench_text_step(kind: String, batch: usize, steps: usize) -> Result<JsValue, JsValue> {
    use crate::engine::network::spec::{NetKind, Role, Shape, architecture};
    let kind: NetKind = kind.parse().map_err(fail)?;
    let (data, weights, teacher) = shipped(DatasetKind::Spam).await?;
    let shape = Shape::from(&weights.architecture);
    let student = architecture(
        kind,
        None,
        Role::Student,
        4,
        0.0,
        Default::default(),
        &shape,
    )
    .map_err(fail)?;
    let result = distill_steps(
        "spam",
        &data.split,
        (&teacher, &student),
        (batch, false),
        steps,
        &Device::flex(),
    )
    .map_err(fail)?;
    serde_wasm_bindgen::to_value(&result).map_err(fail)
}

/// The digits' shipped teacher and the page's default student (64→32×3→10) at `batch`, with the
/// hidden-state terms when `hidden`: the playground step (cached teacher) and the full step
/// (teacher every batch), `steps` timed steps each. It holds the page's thread while it runs.
#[wasm_bindgen]
pub async fn bench_distill_step(
    batch: usize,
    hidden: bool,
    steps: usize,
) -> Result<JsValue, JsValue> {
    let (data, weights, teacher) = digits().await?;
    let student = crate::app::settings::Settings::default()
        .student_architecture(&weights.architecture)
        .map_err(fail)?;
    let result = distill_steps(
        "digits",
        &data.split,
        (&teacher, &student),
        (batch, hidden),
        steps,
        &Device::flex(),
    )
    .map_err(fail)?;
    serde_wasm_bindgen::to_value(&result).map_err(fail)
}

/// One point of the scale sweep ([`scale_point`]) in the page: the full step of a three-layer
/// student of `width` at `batch`.
#[wasm_bindgen]
pub async fn bench_scale_point(
    batch: usize,
    width: usize,
    steps: usize,
) -> Result<JsValue, JsValue> {
    let (data, _, teacher) = digits().await?;
    let point = scale_point(
        &data.split,
        &teacher,
        (batch, width),
        steps,
        &Device::flex(),
    )
    .map_err(fail)?;
    serde_wasm_bindgen::to_value(&point).map_err(fail)
}
