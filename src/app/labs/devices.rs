//! "Compare devices": the page's distilled student trained for the same steps on the CPU engine
//! and on WebGPU, each from the same start on the same batches, timed after a short warm-up
//! (WebGPU compiles its kernels on first use). It runs in the page, where the WebGPU device is.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use web_time::Instant;

use super::plugin::{Lab, LabContext, Started};
use crate::app::jobs::{Ended, Flow, Job, Progress, StepFuture};
use crate::engine::data::TransferSet;
use crate::engine::network::{Architecture, Network};
use crate::engine::train::{DistillSettings, Trainer};

/// Steps timed on each device, after [`WARM_UP`] untimed ones.
pub const TIMED_STEPS: usize = 100;
const WARM_UP: usize = 10;
/// Steps per device read while timing (WebGPU reads back once per chunk, as the page trains).
const CHUNK: usize = 10;

pub struct Devices;

/// The same training steps timed on the CPU engine and on WebGPU, on this machine.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comparison {
    /// Steps per second on the CPU engine.
    pub cpu: Option<f64>,
    /// Steps per second on WebGPU, or why WebGPU was not timed.
    pub webgpu: Option<Result<f64, String>>,
}

impl Comparison {
    /// Whether the CPU beat WebGPU, once both were timed.
    pub fn cpu_faster(&self) -> Option<bool> {
        match (self.cpu, &self.webgpu) {
            (Some(cpu), Some(Ok(gpu))) => Some(cpu > *gpu),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DevicesRequest {
    /// Time both; `webgpu` says why WebGPU cannot be timed when it cannot.
    Compare,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DevicesEvent {
    Start,
    Cpu(f64),
    Webgpu(Result<f64, String>),
}

impl Lab for Devices {
    const ID: &'static str = "devices";
    const TITLE: &'static str = "Compare devices";
    const SUMMARY: &'static str = "The same 100 training steps of the page's student on the CPU engine and on WebGPU, timed side by side on this machine; keep the faster one.";
    const SOURCE: &'static str = "this page's engine";
    const IN_PAGE: bool = true;
    type State = Comparison;
    type Request = DevicesRequest;
    type Event = DevicesEvent;
    type Memory = ();

    fn start(
        _: DevicesRequest,
        context: &LabContext,
        _: &Rc<RefCell<()>>,
    ) -> crate::Result<Started<DevicesEvent>> {
        let run = context.run()?;
        let student = run
            .settings
            .student_architecture(&run.teacher.architecture)?;
        let mut devices = vec![(false, Device::flex())];
        devices.extend(context.gpu.map(|d| (true, d.clone())));
        let no_gpu = match context.gpu {
            Some(_) => None,
            None => Some(
                context
                    .no_gpu
                    .clone()
                    .unwrap_or_else(|| "the page runs on the CPU".into()),
            ),
        };
        Ok(Started::Job(Box::new(DevicesJob {
            student,
            teacher: run.teacher.clone(),
            data: run.session.distilled.transfer_set().clone(),
            settings: run.settings.distill_settings(),
            devices,
            timing: None,
            events: vec![DevicesEvent::Start],
            no_gpu,
        })))
    }

    fn reduce(c: &mut Comparison, event: DevicesEvent) {
        match event {
            DevicesEvent::Start => *c = Comparison::default(),
            DevicesEvent::Cpu(rate) => c.cpu = Some(rate),
            DevicesEvent::Webgpu(result) => c.webgpu = Some(result),
        }
    }

    /// Timings belong to the machine, not to the teacher.
    fn after_new_teacher(c: &Comparison) -> Comparison {
        c.clone()
    }
}

/// One device's trainer and the time its timed chunks took.
struct Timing {
    on_gpu: bool,
    trainer: Trainer,
    busy_ms: f64,
}

struct DevicesJob {
    student: Architecture,
    teacher: crate::engine::weights::NetworkWeights,
    data: TransferSet,
    settings: DistillSettings,
    /// Still to time, the CPU first; `true` marks WebGPU.
    devices: Vec<(bool, Device)>,
    timing: Option<Timing>,
    events: Vec<DevicesEvent>,
    /// Why WebGPU is not timed, when it is not.
    no_gpu: Option<String>,
}

impl DevicesJob {
    async fn advance(&mut self) -> crate::Result<Flow> {
        let Some(mut timing) = self.timing.take() else {
            if self.devices.is_empty() {
                return Ok(Flow::Done);
            }
            let (on_gpu, device) = self.devices.remove(0);
            let teacher: Network = self.teacher.to_network(&device)?;
            let (student, data) = (self.student.clone(), self.data.clone());
            let mut trainer =
                Trainer::distill(student, teacher, data, self.settings.clone(), &device)?;
            trainer.steps_async(WARM_UP).await?;
            self.timing = Some(Timing {
                on_gpu,
                trainer,
                busy_ms: 0.0,
            });
            return Ok(Flow::More);
        };
        // Only the chunks are timed (each ends on its device read), not the turns between them.
        let start = Instant::now();
        timing.trainer.steps_async(CHUNK).await?;
        timing.busy_ms += start.elapsed().as_secs_f64() * 1000.0;
        if timing.trainer.steps_done() < WARM_UP + TIMED_STEPS {
            self.timing = Some(timing);
            return Ok(Flow::More);
        }
        let rate = TIMED_STEPS as f64 / (timing.busy_ms / 1000.0).max(1e-6);
        self.events.push(match timing.on_gpu {
            false => DevicesEvent::Cpu(rate),
            true => DevicesEvent::Webgpu(Ok(rate)),
        });
        Ok(if self.devices.is_empty() {
            Flow::Done
        } else {
            Flow::More
        })
    }
}

impl Job for DevicesJob {
    type Event = DevicesEvent;

    fn step(&mut self) -> StepFuture<'_> {
        Box::pin(self.advance())
    }

    fn progress(&self) -> Progress {
        let what = match &self.timing {
            Some(t) if t.on_gpu => "timing WebGPU",
            _ => "timing the CPU engine",
        };
        let done = self.timing.as_ref().map_or(0, |t| t.trainer.steps_done());
        Progress::new(done, WARM_UP + TIMED_STEPS, what)
    }

    fn take_events(&mut self) -> Vec<DevicesEvent> {
        std::mem::take(&mut self.events)
    }

    fn finish(&mut self, ended: &Ended) -> Vec<DevicesEvent> {
        match (ended, self.no_gpu.take()) {
            (Ended::Done, Some(why)) => vec![DevicesEvent::Webgpu(Err(why))],
            (Ended::Failed(why), _) => vec![DevicesEvent::Webgpu(Err(why.clone()))],
            _ => Vec::new(),
        }
    }
}
