//! Evaluation helpers: logits on the host, predictions, accuracy, agreement.

use burn::tensor::{Device, Tensor, TensorData};

use crate::engine::data::Dataset;
use crate::engine::error::{Error, Result};
use crate::engine::loss::host;
use crate::engine::network::{Classifier, Input};

/// Host copy of logits for rows of a dataset.
pub fn logits_host(
    net: &(impl Classifier + ?Sized),
    data: &Dataset,
    device: &Device,
) -> Result<Vec<f32>> {
    let mut out = Vec::with_capacity(data.len() * net.architecture().classes());
    for start in (0..data.len()).step_by(1024) {
        let end = (start + 1024).min(data.len());
        let x = Tensor::<2>::from_data(
            TensorData::new(
                data.features[start * data.dim..end * data.dim].to_vec(),
                [end - start, data.dim],
            ),
            device,
        );
        let logits = net.logits(Input::Features(x)).into_data();
        out.extend(
            logits
                .try_to_vec::<f32>()
                .map_err(|e| Error::Read(format!("{e:?}")))?,
        );
    }
    Ok(out)
}

/// Top class of every row of a flat `[rows, classes]` logit buffer.
pub fn predictions(logits: &[f32], classes: usize) -> Vec<usize> {
    logits
        .chunks(classes)
        .map(|row| host::argmax(row).unwrap_or(0))
        .collect()
}

/// Accuracy of `net` on `data`.
pub fn accuracy(net: &(impl Classifier + ?Sized), data: &Dataset, device: &Device) -> Result<f32> {
    let preds = predictions(&logits_host(net, data, device)?, data.classes);
    Ok(fraction_equal(
        &preds,
        data.labels.iter().map(|l| usize::from(*l)),
    ))
}

/// Fraction of positions where two prediction lists agree (accuracy against labels, or agreement
/// with a teacher).
pub fn fraction_equal(a: &[usize], b: impl Iterator<Item = usize>) -> f32 {
    let hits = a.iter().zip(b).filter(|(x, y)| **x == *y).count();
    hits as f32 / a.len().max(1) as f32
}
