//! 8-bit weight files, "q8-symmetric-tensor-f32-v1": every tensor of two or more dimensions as
//! int8 values `{name}.q8` (its own shape) times one float32 scale `{name}.scale`, max |w| / 127
//! (1 for zeros), rounded half to even; vectors stay float32 under their name. numpy reads it
//! as `q8 * scale`; the page and the CLI read it back as the float network it stands for. The
//! same values are what the int8 ONNX export stores.

use std::collections::{BTreeMap, HashMap};

use safetensors::SafeTensors;
use safetensors::tensor::Dtype;

use super::{FileInfo, NetworkWeights, check_finite, check_tensors, file_info};
use crate::error::{Error, Result};
use crate::network::Architecture;

pub const FORMAT: &str = "q8-symmetric-tensor-f32-v1";
/// The file format's name in the metadata, beside the float32 and 4-bit ones.
pub const FORMAT_Q8: &str = "distill-playground/v2-q8";

/// Every tensor of two or more dimensions: the weight matrices, conv kernels and embedding
/// tables (a text network's largest part). These are what 8 bits store, in this format, in the
/// int8 ONNX export and on the frontier.
pub fn quantizable(architecture: &Architecture) -> Vec<String> {
    architecture
        .pytorch_shapes()
        .into_iter()
        .filter(|(_, shape)| shape.len() >= 2)
        .map(|(name, _)| name)
        .collect()
}

/// The symmetric int8 values of `w` and their scale.
pub fn int8(w: &[f32]) -> (Vec<i8>, f32) {
    let max = w.iter().fold(0f32, |m, v| m.max(v.abs()));
    let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
    let q = w
        .iter()
        .map(|v| (v / scale).round_ties_even().clamp(-127.0, 127.0) as i8)
        .collect();
    (q, scale)
}

/// `w` as its int8 values times their scale.
pub fn round_trip(w: &[f32]) -> Vec<f32> {
    let (q, scale) = int8(w);
    q.iter().map(|v| f32::from(*v) * scale).collect()
}

impl NetworkWeights {
    /// The file with every tensor of two or more dimensions in 8 bits: a quarter of the
    /// float32 size.
    pub fn to_q8_safetensors(&self, file: &FileInfo) -> Result<Vec<u8>> {
        check_tensors(&self.architecture, &self.tensors)?;
        let mut owned: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
        for (name, shape) in self.architecture.pytorch_shapes() {
            let values = &self.tensors[&name];
            if shape.len() < 2 {
                let bytes = values.iter().flat_map(|v| v.to_le_bytes()).collect();
                owned.push((name, Dtype::F32, shape, bytes));
                continue;
            }
            let (q, scale) = int8(values);
            owned.push((
                format!("{name}.q8"),
                Dtype::I8,
                shape,
                q.iter().map(|v| *v as u8).collect(),
            ));
            owned.push((
                format!("{name}.scale"),
                Dtype::F32,
                vec![1],
                scale.to_le_bytes().to_vec(),
            ));
        }
        let mut meta = self.metadata(file)?;
        meta.insert("format".into(), FORMAT_Q8.into());
        meta.insert("quantization".into(), FORMAT.into());
        super::q4::serialize_owned(&owned, meta)
    }

    /// Reads an 8-bit file: every tensor checked against the architecture (name, type and
    /// size) before its values are read.
    pub(super) fn from_q8(
        bytes: &[u8],
        architecture: Architecture,
        meta: &HashMap<String, String>,
    ) -> Result<(Self, FileInfo)> {
        // A byte a value, at the least.
        if architecture.declared_params() > bytes.len() as u64 {
            return Err(Error::Weights(format!(
                "the file declares {} ({} parameters) but holds only {} bytes",
                architecture.describe(),
                architecture.declared_params(),
                bytes.len()
            )));
        }
        let file = SafeTensors::deserialize(bytes)
            .map_err(|e| Error::Weights(format!("not a safetensors file: {e}")))?;
        let raw = |name: &str, dtype: Dtype, len: usize| -> Result<&[u8]> {
            let t = file
                .tensor(name)
                .map_err(|_| Error::Weights(format!("missing tensor {name}")))?;
            if t.dtype() != dtype || t.data().len() != len * (dtype.bitsize() / 8) {
                return Err(Error::Weights(format!(
                    "{name} should hold {len} {dtype:?} values"
                )));
            }
            Ok(t.data())
        };
        let floats = |b: &[u8]| -> Vec<f32> {
            b.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()
        };
        let mut tensors = BTreeMap::new();
        for (name, shape) in architecture.pytorch_shapes() {
            let count: usize = shape.iter().product();
            let values = if shape.len() < 2 {
                floats(raw(&name, Dtype::F32, count)?)
            } else {
                let q = raw(&format!("{name}.q8"), Dtype::I8, count)?;
                let scale = floats(raw(&format!("{name}.scale"), Dtype::F32, 1)?)[0];
                q.iter().map(|v| f32::from(*v as i8) * scale).collect()
            };
            check_finite(&name, &values)?;
            tensors.insert(name, values);
        }
        Ok((
            Self {
                architecture,
                tensors,
            },
            file_info(meta)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Device;

    #[test]
    fn an_8_bit_file_reads_back_as_its_rounded_weights_and_refuses_a_bad_one() {
        let arch: Architecture = crate::network::MlpConfig::student(64, 10).into();
        let net = arch.init(&Device::flex(), 2).unwrap();
        let w = NetworkWeights::from_network(&net).unwrap();
        let info = FileInfo {
            role: "student".into(),
            info: serde_json::json!({}),
        };
        let bytes = w.to_q8_safetensors(&info).unwrap();
        let float = w.to_safetensors(&info).unwrap();
        assert!(
            bytes.len() * 3 < float.len(),
            "{} against {}",
            bytes.len(),
            float.len()
        );
        let (back, _) = NetworkWeights::from_bytes(&bytes).unwrap();
        for (name, values) in &w.tensors {
            let want = match name.ends_with("weight") {
                true => round_trip(values),
                false => values.clone(),
            };
            assert_eq!(back.tensors[name], want, "{name}");
            let step = values.iter().fold(0f32, |m, v| m.max(v.abs())) / 127.0;
            assert!(
                values
                    .iter()
                    .zip(&back.tensors[name])
                    .all(|(a, b)| (a - b).abs() <= step / 2.0 + 1e-7)
            );
        }
        // A scale missing: refused with its name, nothing read.
        let mut cut = bytes.clone();
        let at = cut
            .windows(14)
            .position(|w| w == b"0.weight.scale")
            .unwrap();
        cut[at + 13] = b'X';
        let err = NetworkWeights::from_bytes(&cut).unwrap_err().to_string();
        assert!(err.contains("0.weight.scale"), "{err}");
    }
}
