//! Low-rank factorization by truncated SVD. A linear layer's weight `W = U S Vᵀ` keeps its r
//! largest singular values and becomes two layers, `√S_r V_rᵀ` (`in → r`) then `U_r √S_r`
//! (`r → out`): the closest rank-r matrix to W (Eckart–Young), in `r (in + out)` weights
//! instead of `in · out`. A layer where that would not save anything stays whole.

use burn::linalg::svd;
use burn::tensor::{Device, Tensor, TensorData};

use crate::error::{Error, Result};
use crate::network::{Architecture, MlpConfig};
use crate::weights::NetworkWeights;

/// The ranks of the factorized points.
pub const RANKS: [usize; 4] = [32, 16, 8, 4];

/// QR sweeps allowed per singular value. LAPACK allows 6; burn-linalg panics past its budget,
/// so this one is generous, and the weights are checked finite first.
const SWEEPS: usize = 60;

/// `w[o][i]` (`[out, in]`, row-major) as `(up [out, r], down [r, in])`, and the singular values.
pub fn truncated_svd(
    w: &[f32],
    [outputs, inputs]: [usize; 2],
    rank: usize,
) -> Result<(Vec<f32>, Vec<f32>, Vec<f32>)> {
    if let Some(bad) = w.iter().find(|v| !v.is_finite()) {
        return Err(Error::Weights(format!(
            "cannot factorize a weight holding {bad}"
        )));
    }
    let device = Device::flex();
    let matrix = Tensor::<2>::from_data(TensorData::new(w.to_vec(), [outputs, inputs]), &device);
    let (u, s, vt) = svd::<2, 1>(matrix, SWEEPS);
    let host = |t: Tensor<2>| t.into_data().try_to_vec::<f32>();
    let singular = s.into_data().try_to_vec::<f32>();
    let (u, vt, singular) = match (host(u), host(vt), singular) {
        (Ok(u), Ok(vt), Ok(s)) => (u, vt, s),
        _ => return Err(Error::Weights("the SVD gave no f32 values".into())),
    };
    let k = singular.len();
    let root: Vec<f32> = singular[..rank].iter().map(|s| s.sqrt()).collect();
    let up = (0..outputs * rank)
        .map(|j| u[(j / rank) * k + j % rank] * root[j % rank])
        .collect();
    let down = (0..rank * inputs)
        .map(|j| vt[j] * root[j / inputs])
        .collect();
    Ok((up, down, singular))
}

/// The ranks `rank` gives an MLP: each layer factorized where `rank` saves weights.
fn ranks_for(config: &MlpConfig, rank: usize) -> Vec<usize> {
    config
        .layer_shapes()
        .map(|(i, o)| if rank * (i + o) < i * o { rank } else { 0 })
        .collect()
}

/// `network` (a plain MLP) with every layer factorized to `rank` where that saves weights.
/// `None` when no layer would.
pub fn factorize(network: &NetworkWeights, rank: usize) -> Result<Option<NetworkWeights>> {
    let Architecture::Mlp(config) = &network.architecture else {
        return Err(Error::Settings(format!(
            "factorization is written for MLPs; this is a {}",
            network.architecture.kind()
        )));
    };
    if !config.ranks.is_empty() || rank == 0 {
        return Err(Error::Settings(
            "factorize a plain MLP, to a rank of at least 1".into(),
        ));
    }
    let ranks = ranks_for(config, rank);
    if ranks.iter().all(|r| *r == 0) {
        return Ok(None);
    }
    let factorized = MlpConfig {
        ranks,
        ..config.clone()
    };
    let mut tensors = std::collections::BTreeMap::new();
    for (plain, layer) in config.sequential().iter().zip(factorized.sequential()) {
        let weight = tensor(network, &format!("{}.weight", plain.index))?;
        let bias = tensor(network, &format!("{}.bias", plain.index))?;
        if let Some(r) = layer.rank {
            let (up, down, _) = truncated_svd(weight, [layer.outputs, layer.inputs], r)?;
            tensors.insert(format!("{}.weight", layer.index), down);
            tensors.insert(format!("{}.weight", layer.index + 1), up);
        } else {
            tensors.insert(format!("{}.weight", layer.index), weight.to_vec());
        }
        tensors.insert(format!("{}.bias", layer.biased_prefix()), bias.to_vec());
    }
    Ok(Some(NetworkWeights {
        architecture: factorized.into(),
        tensors,
    }))
}

fn tensor<'a>(network: &'a NetworkWeights, name: &str) -> Result<&'a [f32]> {
    network
        .tensors
        .get(name)
        .map(Vec::as_slice)
        .ok_or_else(|| Error::Weights(format!("missing tensor {name}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{Classifier, Input};

    fn mlp(hidden: Vec<usize>, seed: u64) -> NetworkWeights {
        let config = MlpConfig {
            hidden,
            ..MlpConfig::student(64, 10)
        };
        let net = Architecture::from(config)
            .init(&Device::flex(), seed)
            .unwrap();
        NetworkWeights::from_network(&net).unwrap()
    }

    /// `up · down` as `[out, in]`.
    fn product(up: &[f32], down: &[f32], [o, i]: [usize; 2], r: usize) -> Vec<f32> {
        (0..o * i)
            .map(|j| {
                (0..r)
                    .map(|k| up[(j / i) * r + k] * down[k * i + j % i])
                    .sum()
            })
            .collect()
    }

    #[test]
    fn a_factorized_layer_has_the_rank_asked_for_and_the_error_eckart_young_predicts() {
        let w = mlp(vec![48], 3);
        let weight = &w.tensors["0.weight"];
        for r in [1, 5, 12] {
            let (up, down, s) = truncated_svd(weight, [48, 64], r).unwrap();
            assert_eq!((up.len(), down.len()), (48 * r, r * 64));
            let approx = product(&up, &down, [48, 64], r);
            let (_, _, again) = truncated_svd(&approx, [48, 64], 1).unwrap();
            // Exactly r singular values are left; the others vanish.
            assert!(again[r - 1] > 1e-3 * again[0], "rank {r}: {again:?}");
            assert!(again[r] < 1e-4 * again[0], "rank {r}: {again:?}");
            let error: f32 = weight
                .iter()
                .zip(&approx)
                .map(|(a, b)| (a - b).powi(2))
                .sum();
            let tail: f32 = s[r..].iter().map(|s| s * s).sum();
            assert!((error - tail).abs() < 1e-3 * tail, "{error} vs {tail}");
        }
    }

    #[test]
    fn a_factorized_mlp_computes_its_two_layers_in_order() {
        let w = mlp(vec![40, 40], 4);
        let f = factorize(&w, 9).unwrap().unwrap();
        let Architecture::Mlp(config) = &f.architecture else {
            panic!("not an MLP")
        };
        // 64→40 and 40→40 shrink at rank 9; 40→10 would not.
        assert_eq!(config.ranks, [9, 9, 0]);
        // The same network with each pair multiplied back into one dense layer.
        let mut dense = w.clone();
        let plain = MlpConfig {
            ranks: vec![],
            ..config.clone()
        };
        for (plain, layer) in plain
            .sequential()
            .iter()
            .zip(config.sequential())
            .filter(|(_, l)| l.rank.is_some())
        {
            let down = &f.tensors[&format!("{}.weight", layer.index)];
            let up = &f.tensors[&format!("{}.weight", layer.index + 1)];
            let merged = product(up, down, [layer.outputs, layer.inputs], 9);
            dense
                .tensors
                .insert(format!("{}.weight", plain.index), merged);
        }
        let device = Device::flex();
        let x = Tensor::<2>::random([5, 64], burn::tensor::Distribution::Default, &device);
        let logits = |w: &NetworkWeights| {
            let net = w.to_network(&device).unwrap();
            net.logits(Input::Features(x.clone()))
                .into_data()
                .try_to_vec::<f32>()
                .unwrap()
        };
        let (a, b) = (logits(&f), logits(&dense));
        assert!(
            a.iter().zip(&b).all(|(a, b)| (a - b).abs() < 1e-4),
            "{a:?} vs {b:?}"
        );
        assert_ne!(logits(&w), a, "rank 9 changed nothing");
    }

    #[test]
    fn a_factorized_mlp_keeps_its_ranks_through_both_file_formats() {
        let f = factorize(&mlp(vec![40], 5), 4).unwrap().unwrap();
        let info = crate::weights::FileInfo {
            role: "student".into(),
            info: serde_json::json!({}),
        };
        for bytes in [
            f.to_safetensors(&info).unwrap(),
            f.to_burnpack(&info).unwrap(),
        ] {
            let (back, _) = NetworkWeights::from_bytes(&bytes).unwrap();
            assert_eq!(back, f);
        }
    }

    #[test]
    fn impossible_ranks_and_weights_are_refused() {
        let config = |ranks: Vec<usize>| MlpConfig {
            hidden: vec![16],
            ranks,
            ..MlpConfig::student(64, 10)
        };
        assert!(config(vec![8, 0]).validate().is_ok());
        let err = config(vec![16, 0]).validate().unwrap_err().to_string();
        assert!(err.contains("rank must be below 16"), "{err}");
        let err = config(vec![8]).validate().unwrap_err().to_string();
        assert!(err.contains("1 ranks for 2 linear layers"), "{err}");
        let mut w = mlp(vec![16], 1);
        w.tensors.get_mut("0.weight").unwrap()[3] = f32::NAN;
        let err = factorize(&w, 2).unwrap_err().to_string();
        assert!(err.contains("NaN"), "{err}");
        // Nothing to gain: 64→10 at rank 9 takes 666 weights instead of 640.
        assert!(factorize(&mlp(vec![], 1), 9).unwrap().is_none());
        assert!(factorize(&mlp(vec![], 1), 8).unwrap().is_some());
    }
}
