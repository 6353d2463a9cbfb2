//! "Compare devices": the page's distilled student trained for the same steps on the CPU engine
//! and on WebGPU, each from the same start on the same batches, timed after a short warm-up
//! (WebGPU compiles its kernels on first use). The students pause meanwhile.

use burn::tensor::Device;

use super::*;
use crate::app::state::Comparison;
use crate::engine::train::Trainer;
use crate::web::device::DeviceKind;
use crate::web::pace::now_ms;

/// Steps timed on each device, after [`WARM_UP`] untimed ones.
pub const TIMED_STEPS: usize = 100;
const WARM_UP: usize = 10;
/// Steps per device read while timing (WebGPU reads back once per chunk, as the page trains).
const CHUNK: usize = 10;

impl Driver {
    pub(super) async fn compare_devices(&mut self) {
        self.settle_worker(true).await;
        let mut c = Comparison {
            running: Some("the CPU engine".into()),
            ..Comparison::default()
        };
        self.emit(Action::Comparison(c.clone()));
        c.cpu = match self.steps_per_second(&Device::flex()).await {
            Ok(rate) => Some(rate),
            Err(e) => {
                self.emit(Action::Failed(format!("Timing the CPU engine failed: {e}")));
                None
            }
        };
        let gpu = match &self.engine.device {
            Some((_, d)) if d.kind == DeviceKind::WebGpu => Ok(d.device.clone()),
            Some((_, d)) => Err(d
                .fallback_reason
                .clone()
                .unwrap_or_else(|| "the page runs on the CPU".into())),
            None => Err("the page has no device yet".into()),
        };
        c.webgpu = Some(match gpu {
            Ok(device) => {
                c.running = Some("WebGPU".into());
                self.emit(Action::Comparison(c.clone()));
                self.steps_per_second(&device)
                    .await
                    .map_err(|e| e.to_string())
            }
            Err(why) => Err(why),
        });
        c.running = None;
        self.emit(Action::Comparison(c));
    }

    /// Steps per second of one distilled student with the page's settings on `device`.
    async fn steps_per_second(&mut self, device: &Device) -> crate::Result<f64> {
        let Some(s) = &self.run.session else {
            return Err(crate::Error::Settings("the data is still loading".into()));
        };
        let w = &self.wanted.settings;
        let teacher = self.material.teacher.to_network(device)?;
        let student = w.student_architecture(&self.material.teacher.architecture)?;
        let data = s.distilled.transfer_set().clone();
        let mut t = Trainer::distill(student, teacher, data, w.distill_settings(), device)?;
        t.steps_async(WARM_UP).await?;
        // Only the chunks are timed (each ends on its device read), not the frames between them.
        let mut busy = 0.0;
        while t.steps_done() < WARM_UP + TIMED_STEPS {
            let start = now_ms();
            t.steps_async(CHUNK).await?;
            busy += now_ms() - start;
            after_next_paint().await;
        }
        Ok(TIMED_STEPS as f64 / (busy / 1000.0).max(1e-6))
    }
}
