//! The page: Yew and the browser only. `app` is the root component; `driver` owns the training
//! session and is fed by one command channel; `components/` has one component per file (the
//! labs' views under `components/labs/`); `storage` is what the browser keeps, `pace` how long
//! work gives way to the browser, `training_worker` where the students and the labs' work run on
//! the CPU, `device` the engine choice, `loader` the contract with `index.html`, `handover` the
//! move to the WebGPU build, and `files` files in and out.

mod app;
mod bench;
pub mod components;
mod device;
mod driver;
mod error;
mod files;
mod handover;
pub mod loader;
mod pace;
mod storage;
mod training_worker;

pub use crate::app::{session, state};

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;

pub use crate::app::imports::Which;
pub use device::{DeviceChoice, DeviceKind, Pick, pick_device};
pub use driver::{Command, RecipeFormat, Request};
use state::{Action, AppState};

/// Yew's hook for the app's reducer, which lives in `app::state` and is tested natively.
impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        AppState::reduce(self, action)
    }
}

// cubecl registers its kernels with `inventory` constructors. Unless the program runs them itself,
// wasm-ld treats the page's binary as a "command" and re-runs every constructor at the start of
// each exported function — every callback from JavaScript. That cost most of the page's time.
unsafe extern "C" {
    fn __wasm_call_ctors();
}

/// The page binaries' `main`: runs the constructors once, then mounts the page — or, started in
/// the training worker (no document there), serves training.
pub fn boot() {
    // SAFETY: called once, first thing in `main`, before any code that relies on the constructors.
    unsafe { __wasm_call_ctors() };
    if web_sys::window().is_none() {
        return training_worker::register();
    }
    start();
}

thread_local! {
    static MOUNTED: RefCell<Option<yew::AppHandle<app::App>>> = const { RefCell::new(None) };
}

/// Mounts the page.
pub fn start() {
    console_error_panic_hook::set_once();
    let app = yew::Renderer::<app::App>::new().render();
    MOUNTED.with(|m| *m.borrow_mut() = Some(app));
}

/// Takes the page down (its effects remove their listeners and timers) before another build
/// mounts its own.
fn unmount() {
    if let Some(app) = MOUNTED.with(|m| m.borrow_mut().take()) {
        app.destroy();
    }
}
