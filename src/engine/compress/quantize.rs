//! Post-training quantization of a network's weight matrices and embedding tables with burn's
//! own quantizer: each
//! tensor (or each block of 32 of its values) gets a scale from its range (MinMax: its largest
//! magnitude; AbsMean: its mean magnitude, BitNet's choice), its values become 8- or 4-bit
//! integers times that scale, and come back as floats to run. What is returned is the network as
//! it computes after quantization, and the bytes its weights would take.

use burn::tensor::quantization::{
    Calibration, QuantScheme, QuantValue, ScaleDtype, compute_q_params, compute_range,
};
use burn::tensor::{Device, Tensor, TensorData};

use crate::error::{Error, Result};
use crate::train::host;
use crate::weights::NetworkWeights;
use crate::weights::q8::quantizable;

/// The block of values that share one scale in per-block quantization.
pub const BLOCK: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bits {
    Eight,
    Four,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Granularity {
    PerTensor,
    /// One scale per [`BLOCK`] values, row-major.
    PerBlock,
}

/// Where a scale comes from (burn's `Calibration`, which is neither `Clone` nor `Debug`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Calibrate {
    /// The largest magnitude: nothing is clipped.
    MinMax,
    /// The mean magnitude: larger values are clipped, the rest get finer steps.
    AbsMean,
}

/// How to quantize.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quantization {
    pub bits: Bits,
    pub granularity: Granularity,
    pub calibration: Calibrate,
}

impl Quantization {
    fn calibration(&self) -> Calibration {
        match self.calibration {
            Calibrate::MinMax => Calibration::MinMax,
            Calibrate::AbsMean => Calibration::AbsMean,
        }
    }

    fn scheme(&self) -> QuantScheme {
        let value = match self.bits {
            Bits::Eight => QuantValue::Q8S,
            Bits::Four => QuantValue::Q4S,
        };
        let scheme = QuantScheme::default().with_value(value);
        match self.granularity {
            Granularity::PerTensor => scheme.per_tensor(ScaleDtype::F32),
            Granularity::PerBlock => scheme.per_block([BLOCK as u8], ScaleDtype::F32),
        }
    }

    /// The largest integer a value may take (±).
    pub fn levels(&self) -> f32 {
        match self.bits {
            Bits::Eight => 127.0,
            Bits::Four => 7.0,
        }
    }

    /// Bytes of one tensor of `n` values: its integers and its f32 scales.
    pub fn bytes(&self, n: usize) -> usize {
        let bits = match self.bits {
            Bits::Eight => 8,
            Bits::Four => 4,
        };
        let scales = match self.granularity {
            Granularity::PerTensor => 1,
            Granularity::PerBlock => n.div_ceil(BLOCK),
        };
        (n * bits).div_ceil(8) + 4 * scales
    }
}

/// `values` quantized and read back, through burn's quantizer on `device`.
pub fn round_trip(values: &[f32], q: &Quantization, device: &Device) -> Result<Vec<f32>> {
    if values.iter().any(|v| !v.is_finite()) {
        return Err(Error::Settings(
            "a weight is not finite: it cannot be quantized".into(),
        ));
    }
    // Per-block scales need whole blocks: zeros pad the last, and are dropped after.
    let n = values.len();
    let padded = match q.granularity {
        Granularity::PerTensor => n.max(1),
        Granularity::PerBlock => n.div_ceil(BLOCK).max(1) * BLOCK,
    };
    let mut data = values.to_vec();
    data.resize(padded, 0.0);
    let t = Tensor::<1>::from_data(TensorData::new(data, [padded]), device);
    let scheme = q.scheme();
    let range = compute_range(&scheme, &t, &q.calibration());
    let qparams = compute_q_params(&scheme, range);
    let mut back = host(t.quantize(&scheme, qparams).dequantize())?;
    back.truncate(n);
    Ok(back)
}

/// The network with every weight matrix quantized and read back, and the bytes of all its
/// weights (the matrices quantized, the rest as f32).
pub fn quantize(
    weights: &NetworkWeights,
    q: &Quantization,
    device: &Device,
) -> Result<(NetworkWeights, usize)> {
    let names = quantizable(&weights.architecture);
    let mut out = weights.clone();
    let mut bytes = 0;
    for (name, values) in out.tensors.iter_mut() {
        if names.contains(name) {
            *values = round_trip(values, q, device)?;
            bytes += q.bytes(values.len());
        } else {
            bytes += 4 * values.len();
        }
    }
    Ok((out, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Vec<f32> {
        // A spread of magnitudes, one large outlier, and a length that is no multiple of 32.
        let mut v: Vec<f32> = (0..200)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 40.0)
            .collect();
        v[7] = 9.0;
        v
    }

    #[test]
    fn min_max_weights_round_trip_within_half_a_step() {
        let device = Device::flex();
        let v = values();
        for bits in [Bits::Eight, Bits::Four] {
            for granularity in [Granularity::PerTensor, Granularity::PerBlock] {
                let q = Quantization {
                    bits,
                    granularity,
                    calibration: Calibrate::MinMax,
                };
                let back = round_trip(&v, &q, &device).unwrap();
                assert_eq!(back.len(), v.len());
                let chunk = match granularity {
                    Granularity::PerTensor => v.len(),
                    Granularity::PerBlock => BLOCK,
                };
                for (orig, got) in v.chunks(chunk).zip(back.chunks(chunk)) {
                    let step = orig.iter().fold(0.0f32, |m, x| m.max(x.abs())) / q.levels();
                    for (a, b) in orig.iter().zip(got) {
                        assert!(
                            (a - b).abs() <= step / 2.0 + 1e-5,
                            "{q:?}: {a} → {b}, step {step}"
                        );
                    }
                }
                // Fewer levels, larger error: the outlier's block suffers most per tensor.
                let worst = v
                    .iter()
                    .zip(&back)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f32::max);
                assert!(worst > 0.0);
            }
        }
    }

    #[test]
    fn blocks_and_more_bits_err_less_and_bytes_shrink() {
        let device = Device::flex();
        let v = values();
        let error = |bits, granularity| {
            let q = Quantization {
                bits,
                granularity,
                calibration: Calibrate::MinMax,
            };
            let back = round_trip(&v, &q, &device).unwrap();
            v.iter()
                .zip(&back)
                .map(|(a, b)| (a - b).powi(2))
                .sum::<f32>()
        };
        assert!(
            error(Bits::Eight, Granularity::PerTensor) < error(Bits::Four, Granularity::PerTensor)
        );
        // The outlier widens one block's step, not every value's.
        assert!(
            error(Bits::Four, Granularity::PerBlock) < error(Bits::Four, Granularity::PerTensor)
        );
        let q = |bits, granularity| Quantization {
            bits,
            granularity,
            calibration: Calibrate::MinMax,
        };
        assert_eq!(q(Bits::Eight, Granularity::PerTensor).bytes(200), 204);
        assert_eq!(q(Bits::Four, Granularity::PerBlock).bytes(200), 100 + 4 * 7);
        let err = round_trip(
            &[1.0, f32::NAN],
            &q(Bits::Eight, Granularity::PerTensor),
            &device,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("not finite"), "{err}");
    }

    #[test]
    fn abs_mean_clips_the_outlier_and_steps_finer_below_it() {
        let device = Device::flex();
        let v = values();
        let q = |calibration| Quantization {
            bits: Bits::Four,
            granularity: Granularity::PerTensor,
            calibration,
        };
        let mean = round_trip(&v, &q(Calibrate::AbsMean), &device).unwrap();
        let max = round_trip(&v, &q(Calibrate::MinMax), &device).unwrap();
        let gamma = v.iter().map(|x| x.abs()).sum::<f32>() / v.len() as f32;
        assert!(
            mean[7] <= gamma * 1.001,
            "the outlier 9 comes back as {}",
            mean[7]
        );
        let inside = |back: &[f32]| {
            v.iter()
                .zip(back)
                .filter(|(a, _)| a.abs() <= gamma)
                .map(|(a, b)| (a - b).abs())
                .sum::<f32>()
        };
        assert!(inside(&mean) < inside(&max));
    }

    #[test]
    fn an_8_bit_network_answers_as_the_float_one_in_a_quarter_of_the_bytes() {
        use crate::network::{Architecture, Classifier, Input, MlpConfig};
        let device = Device::flex();
        let config = MlpConfig {
            hidden: vec![32, 16],
            ..MlpConfig::student(64, 10)
        };
        let net = Architecture::from(config).init(&device, 3).unwrap();
        let w = NetworkWeights::from_network(&net).unwrap();
        let q = Quantization {
            bits: Bits::Eight,
            granularity: Granularity::PerTensor,
            calibration: Calibrate::MinMax,
        };
        let (small, bytes) = quantize(&w, &q, &device).unwrap();
        let floats: usize = w.tensors.values().map(Vec::len).sum();
        assert!(
            bytes * 3 < floats * 4,
            "{bytes} bytes against {}",
            floats * 4
        );
        let x = Tensor::<2>::random([16, 64], burn::tensor::Distribution::Default, &device);
        let a = host(net.logits(Input::Features(x.clone()))).unwrap();
        let small = small.to_network(&device).unwrap();
        let b = host(small.logits(Input::Features(x))).unwrap();
        let worst = a
            .iter()
            .zip(&b)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(worst < 0.02, "{worst}");
        assert!(worst > 0.0, "the weights changed");
    }
}
