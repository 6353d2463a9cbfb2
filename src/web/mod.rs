//! The page: a Yew front end over the engine. State lives in one reducer (`state.rs`); one driver
//! loop (`drive`) owns the training session and is the only code that touches it.

mod charts;
mod device;
mod panels;
mod session;
mod state;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

pub use device::{DeviceChoice, DeviceKind, pick_device};
use session::Session;
use state::{Action, AppState};

use crate::playground::Settings;

const STORAGE_KEY: &str = "distill-playground/settings";

/// What the driver loop needs to know of the UI state; written on every render.
#[derive(Clone, Default)]
struct Control {
    settings: Settings,
    generation: u64,
    running: bool,
    single_step: bool,
    prefer_cpu: bool,
    example: usize,
}

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

fn now_ms() -> f64 {
    window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// A real macrotask yield, so the browser can paint and handle input. A MessageChannel message
/// is a macrotask without setTimeout's clamping (which costs up to ~100 ms in some browsers).
async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Ok(channel) = web_sys::MessageChannel::new() {
            channel.port1().set_onmessage(Some(resolve.unchecked_ref()));
            let _ = channel.port2().post_message(&wasm_bindgen::JsValue::NULL);
        } else {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Waits `ms` milliseconds (idle polling while paused).
async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Initial settings: the link's hash wins, then what this browser saved, then the defaults.
fn initial_state() -> AppState {
    let mut state = AppState::default();
    let hash = window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    if hash.trim_start_matches('#').is_empty() {
        let saved = window()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten());
        if let Some(text) = saved {
            match serde_json::from_str::<Settings>(&text) {
                Ok(s) if crate::playground::check(&s, state::TEACHER_DEPTH).is_ok() => {
                    state.settings = s
                }
                _ => state.notices.push(
                    "The settings saved in this browser could not be read; defaults are used."
                        .into(),
                ),
            }
        }
    } else {
        let (settings, ignored) = Settings::from_hash(&hash);
        state.settings = settings;
        if !ignored.is_empty() {
            state.notices.push(format!(
                "Some settings in the link were ignored and left at their defaults — {}",
                ignored.join("; ")
            ));
        }
    }
    state
}

fn persist(settings: &Settings) {
    let Some(w) = window() else { return };
    let hash = format!("#{}", settings.to_hash());
    if let Ok(history) = w.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&hash));
    }
    if let (Some(storage), Ok(json)) = (
        w.local_storage().ok().flatten(),
        serde_json::to_string(settings),
    ) {
        let _ = storage.set_item(STORAGE_KEY, &json);
    }
}

/// The one loop that owns the session: builds it, steps it in time-boxed chunks, reports.
async fn drive(control: Rc<RefCell<Control>>, dispatch: UseReducerDispatcher<AppState>) {
    let mut session: Option<Session> = None;
    let mut built_generation = u64::MAX;
    let mut device: Option<(bool, DeviceChoice)> = None;
    let mut shown_example = usize::MAX;
    let mut shown_steps = usize::MAX;
    const CURVE_EVERY: usize = 25;
    const CHUNK_MS: f64 = 12.0;
    loop {
        let ctrl = control.borrow().clone();
        if device
            .as_ref()
            .is_none_or(|(cpu, _)| *cpu != ctrl.prefer_cpu)
        {
            let choice = if ctrl.prefer_cpu {
                DeviceChoice {
                    device: burn::tensor::Device::flex(),
                    kind: DeviceKind::Cpu,
                    fallback_reason: Some("you chose the CPU".into()),
                }
            } else {
                pick_device().await
            };
            dispatch.dispatch(Action::DeviceReady(
                choice.label().to_string(),
                choice.fallback_reason.clone(),
            ));
            device = Some((ctrl.prefer_cpu, choice));
            built_generation = u64::MAX;
        }
        let Some((_, choice)) = &device else { continue };
        if built_generation != ctrl.generation {
            built_generation = ctrl.generation;
            shown_example = usize::MAX;
            match Session::new(&ctrl.settings, choice.device.clone()) {
                Ok(s) => session = Some(s),
                Err(e) => {
                    session = None;
                    dispatch.dispatch(Action::Failed(format!("Could not start training: {e}")));
                }
            }
        }
        let Some(s) = session.as_mut() else {
            sleep_ms(100).await;
            continue;
        };
        let d = ctrl.settings.distill_settings();
        for trainer in [&mut s.distilled, &mut s.scratch] {
            if trainer.settings().temperature != d.temperature
                || trainer.settings().learning_rate != d.learning_rate
            {
                let _ = trainer.retune(d.temperature, d.learning_rate);
            }
        }
        let mut stepped = false;
        if ctrl.running || ctrl.single_step {
            if ctrl.single_step {
                control.borrow_mut().single_step = false;
            }
            let start = now_ms();
            loop {
                if let Err(e) = s.step().await {
                    dispatch.dispatch(Action::Failed(e.to_string()));
                    break;
                }
                stepped = true;
                let point = if s.steps() % CURVE_EVERY == 0 || ctrl.single_step {
                    match s.curve_point().await {
                        Ok(p) => Some(p),
                        Err(e) => {
                            dispatch.dispatch(Action::Failed(e.to_string()));
                            None
                        }
                    }
                } else {
                    None
                };
                if point.is_some() {
                    dispatch.dispatch(Action::Progress {
                        steps: s.steps(),
                        point,
                    });
                }
                if ctrl.single_step || now_ms() - start > CHUNK_MS {
                    break;
                }
            }
            dispatch.dispatch(Action::Progress {
                steps: s.steps(),
                point: None,
            });
        }
        if stepped || shown_example != ctrl.example || shown_steps != s.steps() {
            match s.example_logits(ctrl.example).await {
                Ok(l) => dispatch.dispatch(Action::Logits(l)),
                Err(e) => dispatch.dispatch(Action::Failed(e.to_string())),
            }
            shown_example = ctrl.example;
            shown_steps = s.steps();
        }
        if ctrl.running {
            yield_to_browser().await;
        } else {
            sleep_ms(50).await;
        }
    }
}

#[component]
fn App() -> Html {
    let state = use_reducer(initial_state);
    let control = use_mut_ref(Control::default);
    {
        let mut c = control.borrow_mut();
        c.settings = state.settings.clone();
        c.generation = state.generation;
        c.running = state.running;
        c.prefer_cpu = state.prefer_cpu;
        c.example = state.settings.example;
    }
    {
        let control = control.clone();
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(drive(control, dispatch));
        });
    }
    use_effect_with(state.settings.clone(), persist);

    let dispatch = state.dispatcher();
    let step_once = {
        let control = control.clone();
        Callback::from(move |_: MouseEvent| control.borrow_mut().single_step = true)
    };
    // Space toggles training anywhere but in a text field.
    {
        let state = state.clone();
        use_effect_with(state.running, move |_| {
            let listener = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::KeyboardEvent)>::new(
                move |e: web_sys::KeyboardEvent| {
                    let typing = e
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                        .is_some_and(|i| i.type_() == "text" || i.type_() == "number");
                    if e.key() == " "
                        && !typing
                        && e.target()
                            .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
                            .is_none_or(|el| el.tag_name() != "BUTTON")
                    {
                        e.prevent_default();
                        state.dispatch(if state.running {
                            Action::Pause
                        } else {
                            Action::Play
                        });
                    }
                },
            );
            let doc = window().and_then(|w| w.document());
            if let Some(doc) = &doc {
                let _ = doc
                    .add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
            }
            move || {
                if let Some(doc) = doc {
                    let _ = doc.remove_event_listener_with_callback(
                        "keydown",
                        listener.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }

    html! {
        <>
            <header class="top">
                <h1>{ "Distill Playground" }</h1>
                <span class="version">{ format!("engine v{}", crate::VERSION) }</span>
                <panels::DeviceBadge device={state.device.clone()} prefer_cpu={state.prefer_cpu} dispatch={dispatch.clone()} />
            </header>
            <panels::Notices notices={state.notices.clone()} error={state.error.clone()} dispatch={dispatch.clone()} />
            <main class="grid">
                <panels::SoftTargets state={state.clone()} />
                <panels::Training state={state.clone()} step_once={step_once} />
                <panels::LossControls state={state.clone()} />
                <panels::MappingEditor state={state.clone()} />
            </main>
            <footer class="credits">
                { "Digits: E. Alpaydin, C. Kaynak (UCI, CC BY 4.0). Teacher 64→128×6→10 shipped with the page. " }
                { "Hinton, Vinyals & Dean 2015 · Tang et al. 2019 · Sun et al. 2019 (Patient KD) · Clark et al. 2019 (BAM)." }
            </footer>
        </>
    }
}

/// Mounts the page.
pub fn start() {
    console_error_panic_hook::set_once();
    yew::Renderer::<App>::new().render();
}
