//! Linear CKA (Kornblith et al. 2019): how alike two layers' representations of the same
//! examples are, from 0 to 1, whatever their widths. For centred `X` `[n, d₁]` and `Y`
//! `[n, d₂]`: CKA = ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F). It ignores rotations and overall scale, so a
//! student layer can be compared with any teacher layer. Computed on the host in f64 (a probe of
//! a few hundred examples).

use burn::tensor::Device;

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::network::{Architecture, Classifier, Input, Network};
use crate::train::{feature_slices, host};

/// Rows of `width` values, centred column by column.
fn centred(values: &[f32], width: usize) -> Vec<f64> {
    let n = values.len() / width.max(1);
    let mut out: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
    for c in 0..width {
        let mean = (0..n).map(|r| out[r * width + c]).sum::<f64>() / n.max(1) as f64;
        for r in 0..n {
            out[r * width + c] -= mean;
        }
    }
    out
}

/// ‖AᵀB‖²_F for row-major `[n, da]` and `[n, db]`: AᵀB accumulated row by row (each row's
/// outer product), which reads both in memory order.
fn cross(a: &[f64], da: usize, b: &[f64], db: usize) -> f64 {
    let mut product = vec![0.0; da * db];
    for (ra, rb) in a.chunks_exact(da.max(1)).zip(b.chunks_exact(db.max(1))) {
        for (i, &x) in ra.iter().enumerate() {
            let out = &mut product[i * db..(i + 1) * db];
            for (o, &y) in out.iter_mut().zip(rb) {
                *o += x * y;
            }
        }
    }
    product.iter().map(|v| v * v).sum()
}

/// Linear CKA of two representations of the same `n` examples (row-major `[n, dx]`, `[n, dy]`).
pub fn linear_cka(x: &[f32], dx: usize, y: &[f32], dy: usize) -> Result<f32> {
    let rows = |v: &[f32], d: usize| (d > 0 && v.len().is_multiple_of(d)).then(|| v.len() / d);
    if rows(x, dx).is_none() || rows(x, dx) != rows(y, dy) {
        return Err(Error::Settings(
            "CKA compares two representations of the same examples".into(),
        ));
    }
    Ok(Centred::new((x.to_vec(), dx)).cka(&Centred::new((y.to_vec(), dy))))
}

/// Every layer's representation of `probe` (the first position of each hidden state: an MLP's
/// only one, a transformer's `[CLS]`; a conv block's maps averaged over the pixels, as the
/// hidden loss pools them), with its width, layer 1 first.
fn representations(
    net: &Network,
    probe: &Dataset,
    device: &Device,
) -> Result<Vec<(Vec<f32>, usize)>> {
    let depth = net.architecture().depth();
    let mut layers: Vec<(Vec<f32>, usize)> = vec![(Vec::new(), 0); depth];
    let rows = net.architecture().rows_per_pass(probe.dim);
    let pixels = matches!(net.architecture(), Architecture::Cnn(_));
    for x in feature_slices(&probe.features, probe.dim, rows, device) {
        let taps = net.forward(Input::Features(x)).taps;
        for (l, slot) in layers.iter_mut().enumerate() {
            let h = taps.hidden(l + 1).cloned().ok_or_else(|| {
                Error::Mapping(format!("the network has no tap hidden.{}", l + 1))
            })?;
            let [batch, _, width] = h.dims();
            let one = if pixels {
                h.mean_dim(1)
            } else {
                h.narrow(1, 0, 1)
            };
            slot.0.extend(host(one.reshape([batch, width]))?);
            slot.1 = width;
        }
    }
    Ok(layers)
}

/// CKA of every teacher layer (rows) with every student layer (columns) on `probe`.
pub fn layer_similarity(
    teacher: &Network,
    student: &Network,
    probe: &Dataset,
    device: &Device,
) -> Result<Vec<Vec<f32>>> {
    TeacherProbe::new(teacher, probe, device)?.against(student, device)
}

/// One layer's centred representation and its ‖XᵀX‖_F.
struct Centred {
    values: Vec<f64>,
    width: usize,
    norm: f64,
}

impl Centred {
    fn new((values, width): (Vec<f32>, usize)) -> Self {
        let values = centred(&values, width);
        let norm = cross(&values, width, &values, width).sqrt();
        Self {
            values,
            width,
            norm,
        }
    }

    fn cka(&self, other: &Centred) -> f32 {
        let denominator = self.norm * other.norm;
        if denominator <= 0.0 {
            return 0.0;
        }
        (cross(&other.values, other.width, &self.values, self.width) / denominator) as f32
    }
}

/// The teacher's layers on a fixed probe batch, computed once, so a student can be compared
/// with them again and again as it trains (the page does, about once a second).
pub struct TeacherProbe {
    probe: Dataset,
    layers: Vec<Centred>,
}

impl TeacherProbe {
    pub fn new(teacher: &Network, probe: &Dataset, device: &Device) -> Result<Self> {
        let layers = representations(teacher, probe, device)?;
        Ok(Self {
            probe: probe.clone(),
            layers: layers.into_iter().map(Centred::new).collect(),
        })
    }

    /// A probe for a teacher that reads its own rows of the same examples (word pieces of the
    /// students' sentences): `own` for the teacher, `probe` for the students.
    pub fn read_as(
        teacher: &Network,
        own: &Dataset,
        probe: &Dataset,
        device: &Device,
    ) -> Result<Self> {
        if own.len() != probe.len() {
            return Err(Error::Mapping(format!(
                "the teacher's probe has {} examples, the students' {}",
                own.len(),
                probe.len()
            )));
        }
        let layers = representations(teacher, own, device)?;
        Ok(Self {
            probe: probe.clone(),
            layers: layers.into_iter().map(Centred::new).collect(),
        })
    }

    /// CKA of every teacher layer (rows) with every layer of `student` (columns).
    pub fn against(&self, student: &Network, device: &Device) -> Result<Vec<Vec<f32>>> {
        let s: Vec<Centred> = representations(student, &self.probe, device)?
            .into_iter()
            .map(Centred::new)
            .collect();
        Ok(self
            .layers
            .iter()
            .map(|t| s.iter().map(|sl| t.cka(sl)).collect())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x() -> Vec<f32> {
        (0..6)
            .flat_map(|i| (0..3).map(move |j| (0.7 * i as f64 + 1.3 * j as f64).sin() as f32))
            .collect()
    }

    #[test]
    fn a_conv_blocks_representation_is_its_maps_averaged_over_the_pixels() {
        use crate::network::CnnConfig;
        let device = Device::flex();
        let config = CnnConfig {
            side: 8,
            channels: vec![3],
            classes: 2,
        };
        let net = Network::Cnn(config.init(&device, 5).unwrap());
        let features: Vec<f32> = (0..2 * 64).map(|i| ((i * 7) % 11) as f32 / 10.0).collect();
        let probe = Dataset::new("p", features.clone(), vec![0, 1], 64, 2, None).unwrap();
        let (got, width) = representations(&net, &probe, &device).unwrap().remove(0);
        let x = burn::tensor::Tensor::<2>::from_data(
            burn::tensor::TensorData::new(features, [2, 64]),
            &device,
        );
        let maps = net
            .forward(Input::Features(x))
            .taps
            .hidden(1)
            .cloned()
            .unwrap();
        let maps = host(maps).unwrap();
        // [2 images, 16 pixels, 3 channels]: each channel's mean over its 16 pixels.
        let mean = |image: usize, c: usize| {
            (0..16).map(|p| maps[(image * 16 + p) * 3 + c]).sum::<f32>() / 16.0
        };
        assert_eq!(width, 3);
        for (i, v) in got.iter().enumerate() {
            assert!((v - mean(i / 3, i % 3)).abs() < 1e-6, "{got:?}");
        }
    }

    #[test]
    fn matches_numpy_and_is_one_for_a_rotated_scaled_copy() {
        let y: Vec<f32> = (0..6)
            .flat_map(|i| {
                (0..2).map(move |j| {
                    ((0.4 * (i * i) as f64 + 0.9 * j as f64).cos() + 0.1 * i as f64) as f32
                })
            })
            .collect();
        // numpy, float64, the same X and Y: 0.18753365403222413.
        let got = linear_cka(&x(), 3, &y, 2).unwrap();
        assert!((got - 0.187_533_65).abs() < 1e-5, "{got}");
        assert!((linear_cka(&x(), 3, &x(), 3).unwrap() - 1.0).abs() < 1e-6);
        // A rotation in the plane of columns 0 and 1, times 5, plus a shift: the same
        // representation to CKA.
        let (c, s) = (0.6f32, 0.8f32);
        let moved: Vec<f32> = x()
            .chunks(3)
            .flat_map(|r| {
                [
                    5.0 * (c * r[0] - s * r[1]) + 2.0,
                    5.0 * (s * r[0] + c * r[1]),
                    5.0 * r[2],
                ]
            })
            .collect();
        assert!((linear_cka(&x(), 3, &moved, 3).unwrap() - 1.0).abs() < 1e-5);
        assert!(
            linear_cka(&x(), 3, &x()[..12], 3).is_err(),
            "different examples"
        );
    }

    #[test]
    fn a_teacher_against_itself_has_ones_on_the_diagonal_and_near_layers_alike() {
        let device = Device::flex();
        let bytes = include_bytes!("../../assets/teachers/digits.safetensors");
        let (teacher, _) = crate::weights::load_network(bytes, &device).unwrap();
        let split = crate::data::digits().unwrap();
        let probe = split.test.subset(&(0..200).collect::<Vec<_>>());
        let m = layer_similarity(&teacher, &teacher, &probe, &device).unwrap();
        assert_eq!((m.len(), m[0].len()), (6, 6));
        for (l, row) in m.iter().enumerate() {
            assert!((row[l] - 1.0).abs() < 1e-4, "layer {l}: {}", row[l]);
        }
        assert!(
            m[0][1] > m[0][5],
            "layer 1 is more like 2 ({}) than 6 ({})",
            m[0][1],
            m[0][5]
        );
    }
}
