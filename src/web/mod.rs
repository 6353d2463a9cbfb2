//! The page: a Yew front end over the engine. For now it proves the engine runs in the browser:
//! it picks a device, loads the shipped digits teacher and classifies a test digit on it.

mod device;

use yew::prelude::*;

use crate::data::digits;
use crate::loss::host;
use crate::weights::load_mlp;
use burn::tensor::{Tensor, TensorData};
pub use device::{DeviceChoice, DeviceKind, pick_device};

const DIGITS_TEACHER: &[u8] = include_bytes!("../../assets/teachers/digits.safetensors");

/// What the start-up check found.
#[derive(Clone, Debug, PartialEq)]
enum Status {
    Starting,
    Ready {
        device: &'static str,
        fallback_reason: Option<String>,
        predicted: usize,
        label: u8,
        confidence: f32,
    },
    Failed(String),
}

async fn start_up() -> Status {
    let choice = pick_device().await;
    match classify_first_test_digit(&choice).await {
        Ok((predicted, label, confidence)) => Status::Ready {
            device: choice.label(),
            fallback_reason: choice.fallback_reason.clone(),
            predicted,
            label,
            confidence,
        },
        Err(e) => Status::Failed(e.to_string()),
    }
}

async fn classify_first_test_digit(choice: &DeviceChoice) -> crate::Result<(usize, u8, f32)> {
    let (teacher, _) = load_mlp(DIGITS_TEACHER, &choice.device)?;
    let test = digits()?.test;
    let x = Tensor::<2>::from_data(
        TensorData::new(test.example(0).to_vec(), [1, test.dim]),
        &choice.device,
    );
    let logits = teacher
        .logits(x)
        .into_data_async()
        .await
        .map_err(|e| crate::Error::Read(format!("{e:?}")))?
        .try_to_vec::<f32>()
        .map_err(|e| crate::Error::Read(format!("{e:?}")))?;
    let probs = host::softmax_t(&logits, 1.0);
    let predicted = host::argmax(&probs).unwrap_or(0);
    Ok((predicted, test.labels[0], probs[predicted]))
}

#[component]
fn App() -> Html {
    let status = use_state(|| Status::Starting);
    {
        let status = status.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move { status.set(start_up().await) });
        });
    }
    let body = match &*status {
        Status::Starting => {
            html! { <p id="status" aria-busy="true">{ "Starting the engine…" }</p> }
        }
        Status::Ready {
            device,
            fallback_reason,
            predicted,
            label,
            confidence,
        } => html! {
            <>
                <p id="status">
                    { "Engine running on " }
                    <strong id="device" class={ if *device == "WebGPU" { "badge gpu" } else { "badge cpu" } }>{ device }</strong>
                </p>
                if let Some(reason) = fallback_reason {
                    <p id="fallback-reason" class="note">{ format!("Using the CPU because {reason}.") }</p>
                }
                <p id="check">
                    { format!("The shipped teacher reads test digit #0 (a {label}) as a {predicted}, with {:.1} % confidence.", confidence * 100.0) }
                </p>
            </>
        },
        Status::Failed(e) => {
            html! { <p id="status" class="error" role="alert">{ format!("The engine could not start: {e}") }</p> }
        }
    };
    html! {
        <main>
            <h1>{ "Distill Playground" }</h1>
            <p class="version">{ format!("engine v{}", crate::VERSION) }</p>
            { body }
        </main>
    }
}

/// Mounts the page.
pub fn start() {
    console_error_panic_hook::set_once();
    yew::Renderer::<App>::new().render();
}
