//! The frozen teacher: what a step needs from it, and its outputs for every transfer row,
//! computed once where they fit.

use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::data::TransferSet;
use crate::error::{Error, Result};
use crate::loss::AttentionLoss;
use crate::network::{Architecture, Classifier, Input, Qkv, Taps};

use super::aligned::Pooling;
use super::*;

/// What the teacher gives one step: logits, the hidden states of the hidden pairs (cut to the
/// student's positions), and what attention transfer needs.
pub(super) struct Targets {
    pub logits: Tensor<2>,
    pub hidden: Vec<Tensor<3>>,
    pub attention: Vec<Tensor<4>>,
    pub qkv: Option<Qkv>,
}

/// A teacher hidden state cut to the positions the student has at that layer: all of them, or
/// one vector for a student layer that pools. A sentence gives its `[CLS]` position (PKD
/// compares `[CLS]` vectors); a conv block's maps have no such pixel, so each channel is averaged
/// over the image (global average pooling).
pub(super) fn align(hidden: Tensor<3>, student_positions: usize, pixels: bool) -> Tensor<3> {
    match (student_positions == 1 && hidden.dims()[1] > 1, pixels) {
        (true, true) => hidden.mean_dim(1),
        (true, false) => hidden.narrow(1, 0, 1),
        (false, _) => hidden,
    }
}

impl Targets {
    /// The targets of a teacher that reads its own tokens, on the student's positions (the
    /// student has `heads` attention heads; 0 for none).
    pub(super) fn pooled(self, pooling: &Pooling, heads: usize) -> Self {
        Self {
            logits: self.logits,
            hidden: self.hidden.into_iter().map(|h| pooling.hidden(h)).collect(),
            attention: self
                .attention
                .into_iter()
                .map(|a| pooling.attention(a, heads))
                .collect(),
            qkv: self.qkv.as_ref().map(|q| pooling.qkv(q)),
        }
    }
}

impl Teacher {
    /// The teacher's hidden tap for every hidden pair, aligned with the student.
    pub(super) fn hidden_taps(
        &self,
        taps: &Taps,
        student: &Architecture,
    ) -> Result<Vec<Tensor<3>>> {
        let pixels = matches!(self.net.architecture(), Architecture::Cnn(_));
        self.hidden_pairs
            .iter()
            .map(|&(s, t)| {
                let h = taps.hidden(t).cloned().ok_or_else(|| {
                    Error::Mapping(format!("the teacher network has no tap hidden.{t}"))
                })?;
                Ok(align(h, student.positions(s), pixels))
            })
            .collect()
    }

    /// Everything a step needs, from one forward pass.
    pub(super) fn targets(
        &self,
        x: Input,
        settings: &DistillSettings,
        student: &Architecture,
    ) -> Result<Targets> {
        let out = self.net.forward(x);
        let hidden = if settings.beta > 0.0 {
            self.hidden_taps(&out.taps, student)?
        } else {
            Vec::new()
        };
        let (mut attention, mut qkv) = (Vec::new(), None);
        if settings.gamma > 0.0 {
            match settings.attention_loss {
                AttentionLoss::Off => {}
                AttentionLoss::TinyBert => {
                    for &(_, t) in self.mapping.pairs() {
                        let a = out.taps.attention(t).cloned().ok_or_else(|| {
                            Error::Mapping(format!("the teacher has no attention in block {t}"))
                        })?;
                        attention.push(a);
                    }
                }
                AttentionLoss::MiniLm => {
                    let last = self.net.architecture().depth();
                    qkv = out.taps.qkv(last).cloned();
                }
            }
        }
        Ok(Targets {
            logits: out.logits,
            hidden,
            attention,
            qkv,
        })
    }

    /// Targets gathered from the cache for transfer rows `rows`, when it holds all a step
    /// needs (attention transfer always runs the teacher: its maps are too big to keep).
    pub(super) fn cached(
        &self,
        rows: &[usize],
        settings: &DistillSettings,
        device: &Device,
    ) -> Option<Targets> {
        let cache = self.cache.as_ref()?;
        let wants_attention = settings.gamma > 0.0 && settings.attention_loss != AttentionLoss::Off;
        let wants_hidden = settings.beta > 0.0 && !self.hidden_pairs.is_empty();
        if wants_attention || (wants_hidden && cache.hidden.is_none()) {
            return None;
        }
        let index = Tensor::<1, Int>::from_data(
            TensorData::new(
                rows.iter().map(|&r| r as i64).collect::<Vec<_>>(),
                [rows.len()],
            ),
            device,
        );
        let hidden = match (&cache.hidden, wants_hidden) {
            (Some(h), true) => h
                .iter()
                .map(|t| t.clone().select(0, index.clone()))
                .collect(),
            _ => Vec::new(),
        };
        let logits = cache
            .logits
            .iter()
            .map(|l| l.clone().select(0, index.clone()))
            .collect();
        Some(Targets {
            logits: self.net.combine(logits),
            hidden,
            attention: Vec::new(),
            qkv: None,
        })
    }
}

impl TeacherCache {
    /// The teacher's logits for every transfer row, and the aligned hidden states of the hidden
    /// pairs when `with_hidden` and they fit [`TEACHER_CACHE_FLOATS`]. `None` if not even the
    /// logits fit.
    pub(super) fn build(
        teacher: &Teacher,
        student: &Architecture,
        with_hidden: bool,
        data: &TransferSet,
        known: Option<&KnownLogits>,
        device: &Device,
    ) -> Option<Self> {
        let config = teacher.net.architecture();
        let rows = data.len();
        let logit_floats = config.classes() * teacher.net.members().len();
        if rows.checked_mul(logit_floats)? > TEACHER_CACHE_FLOATS {
            return None;
        }
        let hidden_floats: usize = teacher
            .hidden_pairs
            .iter()
            .map(|&(s, t)| {
                let positions = student.positions(s).min(config.positions(t));
                positions * config.width(t).unwrap_or(0)
            })
            .sum();
        let keep_hidden = with_hidden
            && !teacher.hidden_pairs.is_empty()
            && rows.checked_mul(logit_floats + hidden_floats)? <= TEACHER_CACHE_FLOATS;
        let members = teacher.net.members();
        let lone = members.len() == 1;
        if lone
            && !keep_hidden
            && let Some(host) = known.and_then(|k| k.all(&data.features))
        {
            let logits = TensorData::new(host, [rows, config.classes()]);
            return Some(Self {
                logits: vec![Tensor::from_data(logits, device)],
                hidden: None,
            });
        }
        Self::run(teacher, student, keep_hidden, data, device)
    }

    /// Every member over the transfer set in passes its memory allows, the lead member's hidden
    /// states kept when asked.
    fn run(
        teacher: &Teacher,
        student: &Architecture,
        keep_hidden: bool,
        data: &TransferSet,
        device: &Device,
    ) -> Option<Self> {
        let members = teacher.net.members();
        let mut logits: Vec<Vec<Tensor<2>>> = vec![Vec::new(); members.len()];
        let mut hidden: Vec<Vec<Tensor<3>>> = vec![Vec::new(); teacher.hidden_pairs.len()];
        // Every member runs on each slice: the slice fits the hungriest one.
        let (features, dim) = data.teacher_features();
        let rows = members
            .iter()
            .map(|m| m.architecture().rows_per_pass(dim))
            .min()
            .unwrap_or(1);
        for (slice, x) in super::eval::feature_slices(features, dim, rows, device).enumerate() {
            let start = slice * rows;
            let in_slice: Vec<usize> = (start..(start + rows).min(data.len())).collect();
            let pooling = keep_hidden
                .then(|| data.alignment(&in_slice))
                .flatten()
                .map(|words| Pooling::new(&words, dim, data.dim, device));
            for (k, m) in members.iter().enumerate().skip(1) {
                logits[k].push(m.logits(Input::Features(x.clone())));
            }
            if !keep_hidden {
                logits[0].push(members[0].logits(Input::Features(x)));
                continue;
            }
            let out = members[0].forward(Input::Features(x));
            logits[0].push(out.logits);
            for (k, h) in teacher
                .hidden_taps(&out.taps, student)
                .ok()?
                .into_iter()
                .enumerate()
            {
                hidden[k].push(match &pooling {
                    Some(p) => p.hidden(h),
                    None => h,
                });
            }
        }
        Some(Self {
            logits: logits.into_iter().map(|l| Tensor::cat(l, 0)).collect(),
            hidden: keep_hidden.then(|| {
                hidden
                    .into_iter()
                    .map(|parts| Tensor::cat(parts, 0))
                    .collect()
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pooling_student_layer_gets_the_cls_vector_of_a_sentence_and_the_mean_of_an_images_pixels()
    {
        let device = Device::flex();
        // [1 row, 3 positions, 2 channels]: position p holds (p, 10 p).
        let values = vec![0.0, 0.0, 1.0, 10.0, 2.0, 20.0];
        let hidden = Tensor::<3>::from_data(TensorData::new(values, [1, 3, 2]), &device);
        let read = |t: Tensor<3>| t.into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(read(align(hidden.clone(), 1, false)), vec![0.0, 0.0]);
        assert_eq!(read(align(hidden.clone(), 1, true)), vec![1.0, 10.0]);
        assert_eq!(align(hidden.clone(), 3, true).dims(), [1, 3, 2]);
    }
}
