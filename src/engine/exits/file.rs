//! Exit branches as a safetensors file of their own, in PyTorch's `nn.Linear` layout:
//! `exits.{k}.weight` `[classes, width]` and `exits.{k}.bias` for the branch after layer k + 1.
//! The teacher they belong to is in the metadata; loading checks it and every shape before a
//! tensor is built.

use std::collections::{BTreeMap, HashMap};

use burn::tensor::Device;
use safetensors::{Dtype, SafeTensors, tensor::TensorView};

use super::{ExitBranches, branch_widths};
use crate::error::{Error, Result};
use crate::network::Architecture;
use crate::network::torch::{TorchValues, push_linear};
use crate::weights::{read_tensor, too_big};

const FORMAT: &str = "distill-playground exits";

/// Every tensor of the exits of `teacher`, with its shape.
pub fn exit_shapes(teacher: &Architecture) -> Result<Vec<(String, Vec<usize>)>> {
    let classes = teacher.classes();
    Ok(branch_widths(teacher)?
        .into_iter()
        .enumerate()
        .flat_map(|(k, w)| {
            [
                (format!("exits.{k}.weight"), vec![classes, w]),
                (format!("exits.{k}.bias"), vec![classes]),
            ]
        })
        .collect())
}

impl ExitBranches {
    /// The file of these exits of `teacher` (read synchronously: CPU tensors).
    pub fn to_safetensors(&self, teacher: &Architecture) -> Result<Vec<u8>> {
        let mut tensors = Vec::new();
        for (k, branch) in self.branches.iter().enumerate() {
            push_linear(&mut tensors, &format!("exits.{k}"), branch);
        }
        let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = exit_shapes(teacher)?
            .into_iter()
            .zip(tensors)
            .map(|((name, shape), (_, t))| {
                let values = t
                    .into_data()
                    .try_to_vec::<f32>()
                    .map_err(|e| Error::Read(format!("{e:?}")))?;
                let le = values.iter().flat_map(|x| x.to_le_bytes()).collect();
                Ok((name, shape, le))
            })
            .collect::<Result<_>>()?;
        let views = bytes
            .iter()
            .map(|(name, shape, data)| {
                TensorView::new(Dtype::F32, shape.clone(), data)
                    .map(|v| (name.clone(), v))
                    .map_err(|e| Error::Weights(e.to_string()))
            })
            .collect::<Result<Vec<_>>>()?;
        let teacher_json =
            serde_json::to_string(teacher).map_err(|e| Error::Weights(e.to_string()))?;
        let meta = HashMap::from([
            ("format".to_string(), FORMAT.to_string()),
            ("teacher".to_string(), teacher_json),
        ]);
        safetensors::serialize(views, Some(meta)).map_err(|e| Error::Weights(e.to_string()))
    }

    /// Exits read from a file, for `teacher`; a file of another teacher's exits, a missing or
    /// misshapen tensor, or a non-finite value is refused with the reason.
    pub fn from_safetensors(bytes: &[u8], teacher: &Architecture, device: &Device) -> Result<Self> {
        too_big(bytes.len())?;
        let bad = |e: safetensors::SafeTensorError| {
            Error::Weights(format!("not a valid safetensors file: {e}"))
        };
        let (_, header) = SafeTensors::read_metadata(bytes).map_err(bad)?;
        let meta = header.metadata().clone().unwrap_or_default();
        if meta.get("format").map(String::as_str) != Some(FORMAT) {
            return Err(Error::Weights(
                "this is not a file of exits (its metadata has no exits format)".into(),
            ));
        }
        let theirs: Architecture = meta
            .get("teacher")
            .and_then(|t| serde_json::from_str(t).ok())
            .ok_or_else(|| {
                Error::Weights("the file does not say which teacher it is for".into())
            })?;
        if &theirs != teacher {
            return Err(Error::Weights(format!(
                "these exits belong to the teacher {}, not {}",
                theirs.describe(),
                teacher.describe()
            )));
        }
        let file = SafeTensors::deserialize(bytes).map_err(bad)?;
        let values: BTreeMap<String, Vec<f32>> = exit_shapes(teacher)?
            .into_iter()
            .map(|(name, shape)| Ok((name.clone(), read_tensor(&file, &name, &shape)?)))
            .collect::<Result<_>>()?;
        let torch = TorchValues {
            values: &values,
            device,
        };
        let branches = branch_widths(teacher)?
            .into_iter()
            .enumerate()
            .map(|(k, w)| torch.linear(&format!("exits.{k}"), w, teacher.classes()))
            .collect::<Result<_>>()?;
        Ok(Self { branches })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::MlpConfig;

    #[test]
    fn exits_round_trip_and_refuse_another_teacher_or_a_damaged_file() {
        let device = Device::flex();
        let teacher = Architecture::from(MlpConfig::teacher(64, 10));
        let exits = ExitBranches::init(&teacher, &device, 3).unwrap();
        let bytes = exits.to_safetensors(&teacher).unwrap();
        let back = ExitBranches::from_safetensors(&bytes, &teacher, &device).unwrap();
        let flat = |e: &ExitBranches| -> Vec<f32> {
            e.branches
                .iter()
                .flat_map(|b| b.weight.val().into_data().try_to_vec::<f32>().unwrap())
                .collect()
        };
        assert_eq!(flat(&back), flat(&exits));
        let other = Architecture::from(MlpConfig::student(64, 10));
        let err = ExitBranches::from_safetensors(&bytes, &other, &device).unwrap_err();
        assert!(err.to_string().contains("belong to the teacher"), "{err}");
        let err = ExitBranches::from_safetensors(&bytes[..bytes.len() / 2], &teacher, &device)
            .unwrap_err();
        assert!(
            err.to_string().contains("not a valid safetensors file"),
            "{err}"
        );
        let mut nan = bytes.clone();
        let end = nan.len();
        nan[end - 4..].copy_from_slice(&f32::NAN.to_le_bytes());
        let err = ExitBranches::from_safetensors(&nan, &teacher, &device).unwrap_err();
        assert!(err.to_string().contains("finite"), "{err}");
    }
}
