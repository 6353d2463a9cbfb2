//! What the page draws for one sentence: every block's attention per head, and MiniLM's Q·K and
//! V·V relations of the last block, cut to the sentence's own tokens (`[CLS]` … `[SEP]`).

use burn::tensor::{Device, Int, Tensor, TensorData};

use super::{Classifier, Input, Network};
use crate::error::{Error, Result};
use crate::loss::{key_bias, log_relation};

/// Square maps of `tokens × tokens` weights, row-major, rows summing to one.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AttentionMaps {
    pub tokens: usize,
    /// `[block][head]`.
    pub attention: Vec<Vec<Vec<f32>>>,
    /// The last block's softmax(Q·Kᵀ/√d) and softmax(V·Vᵀ/√d) per head, as MiniLM compares them.
    pub query_key: Vec<Vec<f32>>,
    pub value_value: Vec<Vec<f32>>,
}

fn host(t: Tensor<4>) -> Result<Vec<f32>> {
    t.into_data()
        .try_to_vec::<f32>()
        .map_err(|e| Error::Read(format!("{e:?}")))
}

/// `[1, heads, n, n]` → one row-major map per head.
fn per_head(t: Tensor<4>, n: usize) -> Result<Vec<Vec<f32>>> {
    Ok(host(t)?.chunks(n * n).map(<[f32]>::to_vec).collect())
}

/// The maps of `net` for one encoded sentence (`row`: `[CLS] … [SEP] [PAD]…`), read on a CPU
/// device; `None` for kinds without attention.
pub fn attention_maps(
    net: &Network,
    row: &[u32],
    device: &Device,
) -> Result<Option<AttentionMaps>> {
    if net.architecture().heads().is_none() {
        return Ok(None);
    }
    let n = row.iter().take_while(|&&id| id != 0).count().max(1);
    let ids: Vec<i64> = row[..n].iter().map(|&id| i64::from(id)).collect();
    let x = Tensor::<2, Int>::from_data(TensorData::new(ids, [1, n]), device);
    let taps = net.forward(Input::Tokens(x)).taps;
    let depth = net.architecture().depth();
    let attention = (1..=depth)
        .map(|b| match taps.attention(b) {
            Some(a) => per_head(a.clone(), n),
            None => Err(Error::Read(format!("no attention in block {b}"))),
        })
        .collect::<Result<Vec<_>>>()?;
    let (Some(qkv), Some(mask)) = (taps.qkv(depth), taps.mask()) else {
        return Err(Error::Read("no queries and keys in the last block".into()));
    };
    let heads = qkv.query.dims()[1];
    let bias = key_bias(mask.clone());
    let relation = |a: &Tensor<4>, b: &Tensor<4>| {
        per_head(
            log_relation(a.clone(), b.clone(), heads, bias.clone()).exp(),
            n,
        )
    };
    Ok(Some(AttentionMaps {
        tokens: n,
        attention,
        query_key: relation(&qkv.query, &qkv.key)?,
        value_value: relation(&qkv.value, &qkv.value)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{BowConfig, TransformerConfig};

    #[test]
    fn maps_cover_the_sentence_per_block_and_head() {
        let device = Device::flex();
        let config = TransformerConfig {
            vocab: 20,
            max_len: 8,
            width: 8,
            heads: 2,
            blocks: 3,
            ff: 16,
            classes: 2,
            dropout: 0.0,
        };
        let net = Network::from(config.init(&device, 1).unwrap());
        let maps = attention_maps(&net, &[2, 9, 11, 7, 3, 0, 0, 0], &device)
            .unwrap()
            .unwrap();
        assert_eq!(maps.tokens, 5);
        assert_eq!((maps.attention.len(), maps.attention[0].len()), (3, 2));
        for map in maps
            .attention
            .iter()
            .flatten()
            .chain(&maps.query_key)
            .chain(&maps.value_value)
        {
            assert_eq!(map.len(), 25);
            for row in map.chunks(5) {
                assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
            }
        }
        // The same maps as the full padded row gives: padding is masked out of every softmax.
        let full = net.forward(Input::Tokens(Tensor::<2, Int>::from_data(
            TensorData::new(vec![2i64, 9, 11, 7, 3, 0, 0, 0], [1, 8]),
            &device,
        )));
        let block2 = host(full.taps.attention(2).unwrap().clone()).unwrap();
        let head1_row0: Vec<f32> = block2[64..64 + 5].to_vec();
        let ours = &maps.attention[1][1][..5];
        for (a, b) in head1_row0.iter().zip(ours) {
            assert!((a - b).abs() < 1e-5, "{head1_row0:?} vs {ours:?}");
        }
        let bow = Network::from(BowConfig::student(20, 8, 2).init(&device, 1).unwrap());
        assert!(
            attention_maps(&bow, &[2, 9, 3, 0, 0, 0, 0, 0], &device)
                .unwrap()
                .is_none()
        );
    }
}
