//! What keeps a large network from fitting its training set too closely. Hinton et al. (2015)
//! trained their MNIST teacher (2×1200) with dropout and inputs jittered by up to two pixels;
//! it made 67 test errors against 146 for an unregularised small net. A teacher no better than
//! the student has nothing to pass on. Every setting here is recorded in the weight file with
//! the other training settings.

use burn::optim::ModuleOptimizer;
use rand::RngExt;
use rand::rngs::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::data::TransferSet;
use crate::error::{Error, Result};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Regularisation {
    /// Dropout on the inputs of an MLP (Hinton et al. 2012: 0.2).
    pub input_dropout: f32,
    /// Dropout after every hidden layer of an MLP (0.5 in the same paper).
    pub hidden_dropout: f32,
    /// Images shifted by up to this many pixels in each direction, afresh at every step.
    pub jitter: usize,
    /// L2 penalty on the weights, added to the gradients by Adam.
    pub weight_decay: f32,
}

/// The largest shift: beyond a few pixels an 8×8 or 28×28 digit leaves its frame.
pub const MAX_JITTER: usize = 4;

impl Regularisation {
    /// Hinton et al.'s MNIST teacher: dropout 0.2 on the inputs and 0.5 after each hidden
    /// layer, inputs jittered by up to two pixels.
    pub fn hinton() -> Self {
        Self {
            input_dropout: 0.2,
            hidden_dropout: 0.5,
            jitter: 2,
            weight_decay: 0.0,
        }
    }

    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Settings(m));
        for (what, p) in [
            ("input dropout", self.input_dropout),
            ("hidden dropout", self.hidden_dropout),
        ] {
            if !(0.0..0.9).contains(&p) {
                return bad(format!("{what} {p}: from 0 up to 0.9"));
            }
        }
        if self.jitter > MAX_JITTER {
            return bad(format!(
                "a jitter of {} pixels: at most {MAX_JITTER}",
                self.jitter
            ));
        }
        if !(0.0..=0.1).contains(&self.weight_decay) {
            return bad(format!("weight decay {}: from 0 to 0.1", self.weight_decay));
        }
        Ok(())
    }

    /// Whether a run on `data` can have these settings. Jitter moves images, so it needs images,
    /// and it trains from labels alone: a teacher's targets are read once, of the images as they
    /// are (Hinton et al. jittered their teacher's inputs).
    pub fn fits(&self, data: &TransferSet, with_teacher: bool) -> Result<()> {
        if self.jitter > 0 && data.image.is_none() {
            return Err(Error::Settings(
                "jitter shifts images; this data has none".into(),
            ));
        }
        if self.jitter > 0 && with_teacher {
            return Err(Error::Settings(
                "jitter is for training from labels (a teacher's or a scratch net's run); a \
                 distilled student learns from the teacher's targets of the unshifted images"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The settings in words, e.g. "dropout 0.2 on the inputs, 0.5 after each hidden layer,
    /// jitter ±2 pixels"; None when there is nothing.
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.input_dropout > 0.0 {
            parts.push(format!("dropout {} on the inputs", self.input_dropout));
        }
        if self.hidden_dropout > 0.0 {
            let dropout = if parts.is_empty() { "dropout " } else { "" };
            parts.push(format!(
                "{dropout}{} after each hidden layer",
                self.hidden_dropout
            ));
        }
        if self.jitter > 0 {
            let unit = if self.jitter == 1 { "pixel" } else { "pixels" };
            parts.push(format!("jitter ±{} {unit}", self.jitter));
        }
        if self.weight_decay > 0.0 {
            parts.push(format!("weight decay {}", self.weight_decay));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }

    /// Whether dropout draws random numbers (the device's generator is then seeded).
    pub fn drops(&self) -> bool {
        self.input_dropout > 0.0 || self.hidden_dropout > 0.0
    }

    /// Adam, with the weight decay asked for.
    pub fn optimizer(&self) -> ModuleOptimizer {
        super::adam::OnePassAdam::module(self.weight_decay)
    }
}

/// Shifts every image of `rows` (row-major, `height × width` each) by its own random offset of up
/// to `max` pixels in each direction; pixels shifted in from outside are 0 (the background).
pub fn jitter_images(
    rows: &mut [f32],
    (height, width): (usize, usize),
    max: usize,
    rng: &mut ChaCha8Rng,
) {
    let size = height * width;
    if max == 0 || size == 0 {
        return;
    }
    let m = max as i64;
    for image in rows.chunks_exact_mut(size) {
        let mut draw = || rng.random_range(-m..=m) as isize;
        let (dy, dx) = (draw(), draw());
        let moved = shift(image, (height, width), (dy, dx));
        image.copy_from_slice(&moved);
    }
}

/// `image` moved down by `dy` and right by `dx` pixels (negative: up, left).
pub fn shift(image: &[f32], (height, width): (usize, usize), (dy, dx): (isize, isize)) -> Vec<f32> {
    let mut out = vec![0.0; image.len()];
    for y in 0..height as isize {
        for x in 0..width as isize {
            let (sy, sx) = (y - dy, x - dx);
            if (0..height as isize).contains(&sy) && (0..width as isize).contains(&sx) {
                out[(y * width as isize + x) as usize] = image[(sy * width as isize + sx) as usize];
            }
        }
    }
    out
}

#[cfg(test)]
mod described {
    use super::*;

    #[test]
    fn each_setting_is_described_and_none_is_nothing() {
        assert_eq!(Regularisation::default().describe(), None);
        assert_eq!(
            Regularisation::hinton().describe().as_deref(),
            Some("dropout 0.2 on the inputs, 0.5 after each hidden layer, jitter ±2 pixels")
        );
        let one = Regularisation {
            hidden_dropout: 0.1,
            jitter: 1,
            weight_decay: 1e-4,
            ..Default::default()
        };
        assert_eq!(
            one.describe().as_deref(),
            Some("dropout 0.1 after each hidden layer, jitter ±1 pixel, weight decay 0.0001")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{ToyKind, TransferConfig, digits, toy_dataset};
    use crate::network::{Classifier, Input, Mlp, MlpConfig, MlpDropout};
    use crate::train::{DistillSettings, Trainer};
    use crate::weights::NetworkWeights;
    use burn::module::Module;
    use burn::tensor::{Device, Tensor};
    use rand::SeedableRng;

    fn host(t: Tensor<2>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    /// A digits student trained `steps` steps from the labels with `reg`.
    fn digits_run(reg: Regularisation, steps: usize) -> Trainer {
        let split = digits().unwrap();
        let data = TransferSet::build(&split.train, &TransferConfig::default(), 1).unwrap();
        let settings = DistillSettings {
            regularisation: reg,
            total_steps: steps,
            ..Default::default()
        };
        let config = crate::network::Architecture::from(MlpConfig::student(64, 10));
        let mut t = Trainer::supervised(config, data, settings, &Device::flex()).unwrap();
        for _ in 0..steps {
            t.step().unwrap();
        }
        t
    }

    fn squared_norm(t: &Trainer) -> f32 {
        let w = NetworkWeights::from_network(&t.network()).unwrap();
        w.tensors.values().flatten().map(|v| v * v).sum()
    }

    #[test]
    fn mlp_dropout_acts_while_training_and_never_at_evaluation() {
        let device = Device::flex();
        let train = device.clone().autodiff();
        train.seed(3);
        let mut net = MlpConfig::student(64, 10).init(&train, 1).unwrap();
        net.dropout = MlpDropout {
            input: 0.2,
            hidden: 0.5,
        };
        // A trainer's batches come from the plain device; the network's weights are on the
        // training one. Inputs alone (no hidden dropout) must be dropped too.
        let x = || Input::Features(Tensor::<2>::ones([4, 64], &device));
        let (a, b) = (host(net.logits(x()).inner()), host(net.logits(x()).inner()));
        assert_ne!(a, b, "two training passes drop different units");
        let only_inputs = Mlp {
            dropout: MlpDropout {
                input: 0.5,
                hidden: 0.0,
            },
            ..net.clone()
        };
        let (a, b) = (
            host(only_inputs.logits(x()).inner()),
            host(only_inputs.logits(x()).inner()),
        );
        assert_ne!(a, b, "input dropout drops inputs");
        let eval = net.valid();
        let mut plain = eval.clone();
        plain.dropout = MlpDropout::default();
        let y = || Input::Features(Tensor::<2>::ones([4, 64], &device));
        assert_eq!(host(eval.logits(y())), host(plain.logits(y())));
    }

    #[test]
    fn weight_decay_keeps_the_weights_smaller() {
        let decayed = Regularisation {
            weight_decay: 0.05,
            ..Default::default()
        };
        let (plain, decayed) = (
            digits_run(Regularisation::default(), 60),
            digits_run(decayed, 60),
        );
        let (p, d) = (squared_norm(&plain), squared_norm(&decayed));
        assert!(d < 0.95 * p, "‖w‖² {d} with decay, {p} without");
    }

    #[test]
    fn a_regularised_run_repeats_and_jitter_needs_images_and_no_teacher() {
        #[cfg(not(target_arch = "wasm32"))]
        if crate::alone::rerun_alone(
            module_path!(),
            "a_regularised_run_repeats_and_jitter_needs_images_and_no_teacher",
        ) {
            return;
        }
        let reg = Regularisation::hinton();
        let (a, b) = (digits_run(reg.clone(), 5), digits_run(reg.clone(), 5));
        assert_eq!(squared_norm(&a), squared_norm(&b), "same seed, same run");
        let plain = digits_run(Regularisation::default(), 5);
        assert_ne!(squared_norm(&a), squared_norm(&plain));
        let jitter_only = Regularisation {
            jitter: 2,
            ..Default::default()
        };
        assert_ne!(
            squared_norm(&digits_run(jitter_only.clone(), 3)),
            squared_norm(&digits_run(Regularisation::default(), 3))
        );
        // Points are not images.
        let split = toy_dataset(ToyKind::Moons, 100, 0.1, 1).split(0.3, 1);
        let points = TransferSet::build(&split.train, &TransferConfig::default(), 1).unwrap();
        assert!(
            jitter_only
                .fits(&points, false)
                .unwrap_err()
                .to_string()
                .contains("no")
        );
        // A distillation run's teacher targets are of the unshifted images.
        let digits_set =
            TransferSet::build(&digits().unwrap().train, &TransferConfig::default(), 1).unwrap();
        assert!(jitter_only.fits(&digits_set, true).is_err());
        assert!(jitter_only.fits(&digits_set, false).is_ok());
    }

    #[test]
    fn a_shift_moves_the_picture_and_fills_with_background() {
        // 3×3: a single lit pixel in the middle.
        let mut image = vec![0.0; 9];
        image[4] = 1.0;
        let down_right = shift(&image, (3, 3), (1, 1));
        assert_eq!(down_right[8], 1.0);
        assert_eq!(down_right.iter().sum::<f32>(), 1.0);
        let up_left = shift(&image, (3, 3), (-1, -1));
        assert_eq!(up_left[0], 1.0);
        // Shifted out of the frame: nothing left.
        assert!(shift(&image, (3, 3), (2, 0)).iter().all(|&v| v == 0.0));
        // No shift: the same image.
        let ramp: Vec<f32> = (0..6).map(|v| v as f32).collect();
        assert_eq!(shift(&ramp, (2, 3), (0, 0)), ramp);
        assert_eq!(shift(&ramp, (2, 3), (0, 1)), [0.0, 0.0, 1.0, 0.0, 3.0, 4.0]);
    }

    #[test]
    fn jitter_moves_each_image_by_at_most_its_bound() {
        let (h, w) = (8, 8);
        // Two images with one lit pixel each, well inside the frame.
        let mut rows = vec![0.0; 2 * h * w];
        rows[3 * w + 4] = 1.0;
        rows[h * w + 4 * w + 3] = 1.0;
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut moved_any = false;
        for _ in 0..20 {
            let mut r = rows.clone();
            jitter_images(&mut r, (h, w), 2, &mut rng);
            for (k, image) in r.chunks(h * w).enumerate() {
                let at = image
                    .iter()
                    .position(|&v| v == 1.0)
                    .expect("still in frame");
                let (y, x) = ((at / w) as isize, (at % w) as isize);
                let (y0, x0) = if k == 0 { (3, 4) } else { (4, 3) };
                assert!((y - y0).abs() <= 2 && (x - x0).abs() <= 2, "({y},{x})");
                moved_any |= (y, x) != (y0, x0);
            }
        }
        assert!(moved_any, "twenty draws of ±2 moved nothing");
        let mut same = rows.clone();
        jitter_images(&mut same, (h, w), 0, &mut rng);
        assert_eq!(same, rows, "no jitter asked: untouched");
    }

    #[test]
    fn bounds_are_checked_and_the_optimizer_decays_only_when_asked() {
        assert!(Regularisation::hinton().validate().is_ok());
        for bad in [
            Regularisation {
                hidden_dropout: 0.95,
                ..Default::default()
            },
            Regularisation {
                input_dropout: -0.1,
                ..Default::default()
            },
            Regularisation {
                jitter: 9,
                ..Default::default()
            },
            Regularisation {
                weight_decay: 1.0,
                ..Default::default()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
        assert!(!Regularisation::default().drops());
        assert!(Regularisation::hinton().drops());
    }
}
