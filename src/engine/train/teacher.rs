//! The frozen teacher's outputs for every transfer row, computed once.

use burn::tensor::{Device, Tensor};

use crate::engine::data::TransferSet;
use crate::engine::mapping::LayerMapping;
use crate::engine::network::{Classifier, Input, Network};

use super::*;

impl TeacherCache {
    pub(super) fn build(
        teacher: &Network,
        mapping: &LayerMapping,
        with_hidden: bool,
        data: &TransferSet,
        device: &Device,
    ) -> Option<Self> {
        let config = teacher.architecture();
        let mapped: Vec<usize> = if with_hidden {
            mapping.pairs().iter().map(|&(_, t)| t).collect()
        } else {
            Vec::new()
        };
        let per_row = config.classes()
            + mapped
                .iter()
                .filter_map(|&t| config.width(t))
                .sum::<usize>();
        if data.len().checked_mul(per_row)? > TEACHER_CACHE_FLOATS {
            return None;
        }
        let mut logits = Vec::new();
        let mut hidden: Vec<Vec<Tensor<2>>> = vec![Vec::new(); mapped.len()];
        for x in super::eval::feature_slices(&data.features, data.dim, device) {
            let out = teacher.forward(Input::Features(x));
            logits.push(out.logits);
            for (k, &t) in mapped.iter().enumerate() {
                hidden[k].push(out.taps.hidden(t)?.clone());
            }
        }
        Some(Self {
            logits: Tensor::cat(logits, 0),
            hidden: hidden
                .into_iter()
                .map(|parts| Tensor::cat(parts, 0))
                .collect(),
        })
    }
}
