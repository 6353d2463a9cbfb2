//! FastBERT's early exits (Liu et al. 2020): a small classifier after every layer of a trained
//! teacher, taught by the teacher's own final classifier (self-distillation). The backbone stays
//! frozen and no label is read: the branches learn the teacher's distribution, KL(p_final ‖ p_k).
//!
//! At inference an example leaves at the first branch whose normalised entropy
//! `H(p) / ln C` is below the speed S; the last layer's classifier takes whatever is left. S = 0
//! runs every layer, S = 1 leaves at the first branch. [`ExitTable`] keeps every branch's
//! distribution for a test set, so the accuracy–speed curve redraws without running anything.
//!
//! Branches read an MLP's hidden state, or a transformer block's `[CLS]` position. FastBERT's
//! branches are themselves small transformers; a linear layer is the smallest classifier that
//! shows the idea, and it is what the FLOP counts below charge.

mod file;
mod table;
mod trainer;

pub use file::exit_shapes;
pub use table::{ExitPoint, ExitTable, MAX_CURVE_POINTS, every_exit, leave_at, normalised_entropy};
pub use trainer::{ExitSettings, ExitTrainer};

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;

use crate::error::{Error, Result};
use crate::network::{Architecture, Taps, random_linear};

/// One linear classifier per layer but the last (which has the teacher's own).
#[derive(Module, Debug)]
pub struct ExitBranches {
    pub branches: Vec<Linear>,
}

impl ExitBranches {
    /// Fresh branches for `teacher`, drawn from `seed`.
    pub fn init(teacher: &Architecture, device: &Device, seed: u64) -> Result<Self> {
        let widths = branch_widths(teacher)?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6578_6974);
        let branches = widths
            .iter()
            .map(|&w| random_linear(w, teacher.classes(), &mut rng, device))
            .collect();
        Ok(Self { branches })
    }

    /// Each branch's logits `[batch, classes]`, layer 1 first, from the teacher's taps.
    pub fn logits(&self, taps: &Taps) -> Result<Vec<Tensor<2>>> {
        self.branches
            .iter()
            .enumerate()
            .map(|(k, branch)| {
                let h = taps.hidden(k + 1).cloned().ok_or_else(|| {
                    Error::Mapping(format!("the teacher has no tap hidden.{}", k + 1))
                })?;
                // The first position: an MLP's only one, a transformer's [CLS].
                let [batch, _, width] = h.dims();
                Ok(branch.forward(h.narrow(1, 0, 1).reshape([batch, width])))
            })
            .collect()
    }
}

/// The width each branch reads (layers 1 to depth − 1). Only the kinds whose every layer has a
/// summary vector at its first position qualify.
pub fn branch_widths(teacher: &Architecture) -> Result<Vec<usize>> {
    match teacher {
        Architecture::Mlp(_) | Architecture::Transformer(_) => {}
        other => {
            return Err(Error::ModelConfig(format!(
                "early exits read an MLP's layers or a transformer's blocks, not a {}",
                other.kind()
            )));
        }
    }
    if teacher.depth() < 2 {
        return Err(Error::ModelConfig(format!(
            "the teacher {} has one layer: early exits need at least two",
            teacher.describe()
        )));
    }
    Ok((1..teacher.depth())
        .filter_map(|l| teacher.width(l))
        .collect())
}

/// Multiply-adds ×2 of running layer `layer` (1-based) for one example (0 for the kinds
/// without a count).
pub fn layer_flops(teacher: &Architecture, layer: usize) -> u64 {
    match teacher {
        Architecture::Mlp(c) => {
            let input = match layer {
                1 => c.inputs,
                l => c.width(l - 1).unwrap_or(0),
            } as u64;
            2 * input * c.width(layer).unwrap_or(0) as u64
        }
        Architecture::Transformer(c) => {
            let (n, d, ff) = (c.max_len as u64, c.width as u64, c.ff as u64);
            // Q, K, V and output projections, the feed-forward pair, and the two attention
            // products (scores and the weighted sum).
            2 * n * (4 * d * d + 2 * d * ff) + 4 * n * n * d
        }
        _ => 0,
    }
}

/// FLOPs of one exit classifier (a branch, or the teacher's own at the last layer).
pub fn exit_flops(teacher: &Architecture, layer: usize) -> u64 {
    2 * teacher.width(layer).unwrap_or(0) as u64 * teacher.classes() as u64
}

/// FLOPs per example of a whole network: every layer and its classifier (MLPs and
/// transformers; 0 for the kinds without a count).
pub fn network_flops(arch: &Architecture) -> u64 {
    let layers: u64 = (1..=arch.depth()).map(|l| layer_flops(arch, l)).sum();
    layers + exit_flops(arch, arch.depth())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{BowConfig, MlpConfig, TransformerConfig};

    #[test]
    fn a_branch_per_layer_but_the_last_and_only_where_it_reads_something() {
        let mlp = Architecture::from(MlpConfig::teacher(64, 10));
        assert_eq!(branch_widths(&mlp).unwrap(), vec![128; 5]);
        let shallow = Architecture::from(MlpConfig {
            hidden: vec![16],
            ..MlpConfig::teacher(64, 10)
        });
        let err = branch_widths(&shallow).unwrap_err().to_string();
        assert!(err.contains("at least two"), "{err}");
        let bow = Architecture::from(BowConfig {
            vocab: 10,
            max_len: 4,
            embed: 8,
            hidden: vec![8, 8],
            classes: 2,
        });
        assert!(branch_widths(&bow).unwrap_err().to_string().contains("bow"));
        let t = Architecture::from(TransformerConfig {
            vocab: 10,
            max_len: 4,
            width: 8,
            heads: 2,
            blocks: 3,
            ff: 16,
            classes: 2,
            dropout: 0.0,
        });
        assert_eq!(branch_widths(&t).unwrap(), vec![8, 8]);
        // 4 tokens: 2·4·(4·64 + 2·128) + 4·16·8.
        assert_eq!(layer_flops(&t, 2), 2 * 4 * (256 + 256) + 4 * 16 * 8);
        assert_eq!(layer_flops(&mlp, 1), 2 * 64 * 128);
        assert_eq!(layer_flops(&mlp, 2), 2 * 128 * 128);
        assert_eq!(exit_flops(&mlp, 3), 2 * 128 * 10);
    }
}
