//! The running sums between two points of the page's curves: the loss's parts as they enter
//! the total (already weighted), the logit gradients and the batch accuracy.

use crate::engine::train::StepMetrics;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct LossWindow {
    steps: usize,
    /// `[α·hard, (1−α)·soft, β·hidden, γ·attention]`, summed.
    parts: [f32; 4],
    gradients: [f32; 2],
    probed: usize,
    accuracy: f32,
    labeled: usize,
}

/// The window's means; NaN where nothing was seen (no step, no labeled batch, no probe).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WindowMeans {
    pub parts: [f32; 4],
    pub gradients: Option<[f32; 2]>,
    pub train_accuracy: f32,
}

impl LossWindow {
    /// Adds one step of the distilled student, whose hidden and attention weights are β, γ.
    pub fn add(&mut self, m: &StepMetrics, beta: f32, gamma: f32) {
        self.steps += 1;
        for (sum, v) in self.parts.iter_mut().zip(m.weighted(beta, gamma)) {
            *sum += v;
        }
        if let Some([hard, soft]) = m.logit_gradients {
            self.gradients[0] += hard;
            self.gradients[1] += soft;
            self.probed += 1;
        }
        if let Some(acc) = m.batch_accuracy {
            self.accuracy += acc;
            self.labeled += 1;
        }
    }

    /// The means since the last take, and an empty window.
    pub fn take(&mut self) -> WindowMeans {
        let w = std::mem::take(self);
        let mean = |v: f32, k: usize| if k == 0 { f32::NAN } else { v / k as f32 };
        WindowMeans {
            parts: w.parts.map(|v| mean(v, w.steps)),
            gradients: (w.probed > 0).then(|| w.gradients.map(|v| v / w.probed as f32)),
            train_accuracy: mean(w.accuracy, w.labeled),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(hard: f32, soft: f32, gradients: Option<[f32; 2]>) -> StepMetrics {
        StepMetrics {
            step: 1,
            epoch: 0,
            total: 0.0,
            hard,
            soft,
            hidden: 2.0,
            attention: 4.0,
            batch_accuracy: None,
            temperature: 4.0,
            alpha: 0.25,
            logit_gradients: gradients,
        }
    }

    #[test]
    fn weighted_means_and_empty_parts() {
        let mut w = LossWindow::default();
        w.add(&step(1.0, 2.0, Some([0.5, 0.1])), 0.5, 0.1);
        w.add(&step(3.0, 2.0, None), 0.5, 0.1);
        let m = w.take();
        assert_eq!(m.parts, [0.5, 1.5, 1.0, 0.4]);
        assert_eq!(m.gradients, Some([0.5, 0.1]));
        assert!(m.train_accuracy.is_nan());
        let empty = w.take();
        assert!(empty.parts[0].is_nan() && empty.gradients.is_none());
    }
}
