//! A pruning mask as its own safetensors file, beside the pruned weights: one `uint8` tensor
//! `{name}_mask` per pruned weight (1 kept, 0 pruned), in the weight's PyTorch shape, which
//! `torch.nn.utils.prune.custom_from_mask(module, "weight", mask)` takes. Read back, every
//! tensor is checked against the network before anything is kept.

use std::collections::BTreeMap;

use safetensors::SafeTensors;
use safetensors::tensor::{Dtype, TensorView};

use super::prune::{Mask, prunable};
use crate::error::{Error, Result, quote};
use crate::network::Architecture;

/// The suffix a mask tensor's name carries after its weight's name.
const SUFFIX: &str = "_mask";

impl Mask {
    pub fn to_safetensors(&self, architecture: &Architecture) -> Result<Vec<u8>> {
        let shapes: BTreeMap<String, Vec<usize>> =
            architecture.pytorch_shapes().into_iter().collect();
        let data: Vec<(String, Vec<usize>, Vec<u8>)> = self
            .kept
            .iter()
            .map(|(name, kept)| {
                let shape = shapes
                    .get(name)
                    .ok_or_else(|| Error::Weights(format!("the network has no {name}")))?;
                Ok((
                    format!("{name}{SUFFIX}"),
                    shape.clone(),
                    kept.iter().map(|k| u8::from(*k)).collect(),
                ))
            })
            .collect::<Result<_>>()?;
        let views = data
            .iter()
            .map(|(name, shape, bytes)| {
                TensorView::new(Dtype::U8, shape.clone(), bytes)
                    .map(|v| (name.clone(), v))
                    .map_err(|e| Error::Weights(e.to_string()))
            })
            .collect::<Result<Vec<_>>>()?;
        safetensors::serialize(views, None).map_err(|e| Error::Weights(e.to_string()))
    }

    /// A mask file for `architecture`: only masks of its prunable weights, of their shapes, of
    /// zeros and ones.
    pub fn from_safetensors(bytes: &[u8], architecture: &Architecture) -> Result<Self> {
        let bad = |m: String| Error::Weights(format!("mask file: {m}"));
        let file = SafeTensors::deserialize(bytes).map_err(|e| bad(e.to_string()))?;
        let shapes: BTreeMap<String, Vec<usize>> =
            architecture.pytorch_shapes().into_iter().collect();
        let allowed = prunable(architecture);
        let mut kept = BTreeMap::new();
        for (key, view) in file.tensors() {
            let name = key
                .strip_suffix(SUFFIX)
                .filter(|n| allowed.iter().any(|a| a == n))
                .ok_or_else(|| bad(format!("{} is no mask of a prunable weight", quote(&key))))?;
            if view.dtype() != Dtype::U8 || Some(&view.shape().to_vec()) != shapes.get(name) {
                return Err(bad(format!(
                    "{name}{SUFFIX} must be uint8 of shape {:?}",
                    shapes.get(name).cloned().unwrap_or_default()
                )));
            }
            let values = view.data();
            if values.iter().any(|v| *v > 1) {
                return Err(bad(format!(
                    "{name}{SUFFIX} holds values other than 0 and 1"
                )));
            }
            kept.insert(name.to_string(), values.iter().map(|v| *v == 1).collect());
        }
        Ok(Self { kept })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compress::prune::{Scope, magnitude_mask};
    use crate::network::MlpConfig;
    use crate::weights::NetworkWeights;
    use burn::tensor::Device;

    fn weights() -> NetworkWeights {
        let net = Architecture::from(MlpConfig {
            hidden: vec![8],
            ..MlpConfig::student(6, 3)
        })
        .init(&Device::flex(), 1)
        .unwrap();
        NetworkWeights::from_network(&net).unwrap()
    }

    #[test]
    fn a_mask_round_trips_under_pytorch_s_names_and_shapes() {
        let w = weights();
        let mask = magnitude_mask(&w, 0.5, Scope::Global).unwrap();
        let bytes = mask.to_safetensors(&w.architecture).unwrap();
        let file = SafeTensors::deserialize(&bytes).unwrap();
        let mut names: Vec<String> = file.names().into_iter().map(str::to_string).collect();
        names.sort();
        assert_eq!(names, ["0.weight_mask", "2.weight_mask"]);
        assert_eq!(file.tensor("0.weight_mask").unwrap().shape(), [8, 6]);
        assert_eq!(
            Mask::from_safetensors(&bytes, &w.architecture).unwrap(),
            mask
        );
    }

    #[test]
    fn a_hostile_mask_file_is_refused_with_the_reason() {
        let w = weights();
        let file = |name: &str, dtype, shape: Vec<usize>, data: Vec<u8>| {
            let view = TensorView::new(dtype, shape, &data).unwrap();
            safetensors::serialize([(name, view)], None).unwrap()
        };
        let cases = [
            (
                file("0.bias_mask", Dtype::U8, vec![8], vec![1; 8]),
                "no mask of a prunable weight",
            ),
            (
                file("0.weight_mask", Dtype::U8, vec![6, 8], vec![1; 48]),
                "of shape [8, 6]",
            ),
            (
                file("0.weight_mask", Dtype::F32, vec![8, 6], vec![0; 192]),
                "must be uint8",
            ),
            (
                file("0.weight_mask", Dtype::U8, vec![8, 6], vec![2; 48]),
                "other than 0 and 1",
            ),
            (b"not a file".to_vec(), "mask file"),
        ];
        for (bytes, why) in cases {
            let err = Mask::from_safetensors(&bytes, &w.architecture)
                .unwrap_err()
                .to_string();
            assert!(err.contains(why), "{err}");
        }
    }
}
