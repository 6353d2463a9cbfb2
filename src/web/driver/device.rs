//! The driver's device stage: the CPU or WebGPU, the hand-over to the WebGPU build, and the
//! fall-back to the CPU when a GPU is lost.

use super::*;
use crate::app::state::{self, Action};
use crate::web::device::{DeviceChoice, Pick, pick_device};
use crate::web::loader::{self, LoaderState};

impl Driver {
    /// The device: chosen at start, when the user flips the badge, and when the WebGPU build this
    /// CPU-only build waited for has loaded (then the page is handed over to it).
    pub(super) async fn device(&mut self) -> Flow {
        let prefer_cpu = self.wanted.prefer_cpu;
        let e = &mut self.engine;
        let changed = e.device.as_ref().is_some_and(|(cpu, _)| *cpu != prefer_cpu);
        if changed {
            e.webgpu_asked = !prefer_cpu;
        }
        let waiting = e.awaiting_webgpu && !prefer_cpu;
        // The loader is asked only while this build waits for the WebGPU one.
        let loader = if waiting {
            loader::state()
        } else {
            LoaderState::default()
        };
        if waiting
            && !loader.webgpu_ready
            && let Some(note) = loader.webgpu_failed
        {
            self.stay_on_cpu(&note);
        }
        let ready = waiting && loader.webgpu_ready;
        if self.engine.device.is_some() && !changed && !ready {
            return Flow::Next;
        }
        self.engine.awaiting_webgpu = false;
        // Carry the students over: from the old device if it still answers, else the last save.
        // The worker's students, exactly as far as they got.
        self.settle_worker(true).await;
        self.remote.forget_run();
        if let Some(s) = self.run.session.take() {
            let snapshot = s.snapshot(&self.wanted.settings, &self.run.curves).await;
            self.run.carry = snapshot.ok().or(self.run.last_saved.clone());
        }
        let Some(choice) = self.choose_device().await else {
            return Flow::Stop;
        };
        self.emit(Action::DeviceReady(
            choice.label().to_string(),
            choice.fallback_reason.clone(),
        ));
        // The choice may have kept the CPU for a reason of its own.
        self.engine.device = Some((self.wanted.prefer_cpu, choice));
        self.run.rebuild = true;
        Flow::Next
    }

    /// The CPU when preferred; else WebGPU if this build has it, or the WebGPU build once it has
    /// loaded. `None`: the page was handed over to that build.
    async fn choose_device(&mut self) -> Option<DeviceChoice> {
        if self.wanted.prefer_cpu {
            let reason =
                (self.wanted.cpu_reason.clone()).unwrap_or_else(|| "you chose the CPU".into());
            return Some(DeviceChoice::cpu(reason));
        }
        let picked = pick_device().await;
        let loader = loader::state();
        match picked {
            Pick::Ready(choice) => Some(choice),
            Pick::LoadWebGpuEngine
                if self.engine.device.is_some() || loader.wanted.as_deref() == Some("webgpu") =>
            {
                if !loader.webgpu_ready {
                    loader::load_webgpu();
                    self.engine.awaiting_webgpu = true;
                    return Some(DeviceChoice::cpu(WEBGPU_LOADING.into()));
                }
                let handed = crate::web::handover::hand_over_to_webgpu(
                    &self.wanted.settings,
                    self.run.carry.as_ref(),
                    self.material.own_teacher,
                    self.engine.webgpu_asked,
                    self.wanted.running,
                );
                match handed {
                    Ok(()) => None,
                    Err(reason) => {
                        self.stay_on_cpu(&reason);
                        Some(DeviceChoice::cpu(reason))
                    }
                }
            }
            // At start: the loader chose this build although there is an adapter.
            Pick::LoadWebGpuEngine => {
                let reason = loader
                    .note
                    .unwrap_or_else(|| "this build of the page has no WebGPU".into());
                self.stay_on_cpu(&reason);
                Some(DeviceChoice::cpu(reason))
            }
        }
    }

    /// Keeps the CPU without the user having chosen it; "Try WebGPU" stays on offer.
    pub(super) fn stay_on_cpu(&mut self, reason: &str) {
        self.wanted.prefer_cpu = true;
        self.wanted.cpu_reason = Some(reason.to_string());
        self.emit(Action::KeepCpu(reason.to_string()));
    }

    /// WebGPU failed mid-run: the session goes without being read, and the students continue on
    /// the CPU from the last save.
    pub(super) fn fall_back_to_cpu(&mut self, reason: &str) {
        self.run.session = None;
        self.remote.forget_run();
        self.run.carry = self.run.last_saved.clone();
        // wgpu's errors run on with causes and backtraces; the first clause says it.
        let short = reason.split("Caused by").next().unwrap_or(reason).trim();
        let message = format!(
            "WebGPU stopped working ({short}); continuing on the CPU from step {}",
            self.run.carry.as_ref().map_or(0, |r| r.steps)
        );
        self.wanted.prefer_cpu = true;
        self.wanted.cpu_reason = Some(state::GPU_LOST.into());
        self.emit(Action::DeviceLost(message));
        self.engine.device = None;
    }
}
