//! Evaluation helpers: logits on the host, predictions, accuracy, agreement.

use burn::tensor::{Device, Tensor, TensorData};

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::loss::host;
use crate::network::{Classifier, Input};

/// Row-major feature rows (`dim` each) as tensors of at most `rows` rows (a whole test set at
/// once would be one large allocation on the device; see [`Architecture::rows_per_pass`]).
pub fn feature_slices<'a>(
    features: &'a [f32],
    dim: usize,
    rows: usize,
    device: &'a Device,
) -> impl Iterator<Item = Tensor<2>> + 'a {
    features.chunks(rows.max(1) * dim.max(1)).map(move |rows| {
        let data = TensorData::new(rows.to_vec(), [rows.len() / dim.max(1), dim]);
        Tensor::<2>::from_data(data, device)
    })
}

/// A device tensor's values on the host (a synchronous read: the CPU, or natively).
pub fn host<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>> {
    t.into_data()
        .try_to_vec::<f32>()
        .map_err(|e| Error::Read(format!("{e:?}")))
}

/// A device tensor's values on the host, read asynchronously (WebGPU in a browser).
pub async fn host_async<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>> {
    t.into_data_async()
        .await
        .map_err(|e| Error::Read(format!("{e:?}")))?
        .try_to_vec::<f32>()
        .map_err(|e| Error::Read(format!("{e:?}")))
}

/// Host copy of logits for rows of a dataset.
pub fn logits_host(
    net: &(impl Classifier + ?Sized),
    data: &Dataset,
    device: &Device,
) -> Result<Vec<f32>> {
    let architecture = net.architecture();
    let rows = architecture.rows_per_pass(data.dim);
    let mut out = Vec::with_capacity(data.len() * architecture.classes());
    for x in feature_slices(&data.features, data.dim, rows, device) {
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
