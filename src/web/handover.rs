//! The hand-over to the WebGPU build: the CPU-only app saves what the other build picks up,
//! unmounts, and the loader starts the WebGPU build in the same document.

use crate::app::Settings;
use crate::app::saved_run::SavedRun;
use crate::web::{loader, storage};

/// Saves what the WebGPU build picks up (settings, the students), unmounts this app and hands
/// the document to that build. Refuses, saying why, when the students could not be kept or a
/// teacher made here would be lost (the user is asked when they chose WebGPU themselves).
pub fn hand_over_to_webgpu(
    settings: &Settings,
    run: Option<&SavedRun>,
    own_teacher: bool,
    asked: bool,
    training: bool,
) -> Result<(), String> {
    if let Some(run) = run {
        storage::save_run(run)
            .map_err(|e| format!("the WebGPU build could not take the students over: {e}"))?;
    }
    if own_teacher {
        if !asked {
            return Err("the WebGPU build is ready, but moving to it would drop the teacher made here (Try WebGPU moves anyway)".into());
        }
        let ok = gloo::dialogs::confirm(
            "WebGPU runs in another build of this page. The students and settings move to it; \
             the teacher trained or loaded here does not (download it first to keep it). Switch \
             now?",
        );
        if !ok {
            return Err("you kept the teacher made here (WebGPU runs in another build)".into());
        }
    }
    storage::persist(settings, crate::app::place::Place::Playground);
    if asked {
        loader::remember_choice(false);
    }
    crate::web::unmount();
    loader::switch_to_webgpu(training);
    Ok(())
}
