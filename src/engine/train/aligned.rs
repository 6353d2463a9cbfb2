//! A teacher's states and attention over its own tokens (word pieces), brought onto the
//! student's (words) for one batch: a state is the mean of its word's pieces; an attention row
//! is the mean of its word's piece rows, and a column the sum of its word's piece columns, so
//! each row still sums to one. Student positions no piece pools into (padding, words the
//! teacher's row cut) are left out of the loss on both sides.

use burn::tensor::{Device, Tensor, TensorData};

use crate::network::Qkv;

pub(super) struct Pooling {
    /// `[batch, student positions, teacher positions]`: 1/k for each of a word's k pieces.
    mean: Tensor<3>,
    /// The same with 1 for each piece.
    sum: Tensor<3>,
    /// `[batch, student positions]`: 1 where some piece pools in.
    pub mask: Tensor<2>,
}

impl Pooling {
    /// From the alignment of a batch (see `TeacherRows::words`): `teacher_len` values per row,
    /// into rows of `student_len` positions.
    pub fn new(words: &[u16], teacher_len: usize, student_len: usize, device: &Device) -> Self {
        let n = words.len() / teacher_len.max(1);
        let mut sum = vec![0.0f32; n * student_len * teacher_len];
        let mut counts = vec![0.0f32; n * student_len];
        for (i, row) in words.chunks(teacher_len).enumerate() {
            for (p, &w) in row.iter().enumerate() {
                let Some(s) = usize::from(w).checked_sub(1).filter(|&s| s < student_len) else {
                    continue;
                };
                sum[(i * student_len + s) * teacher_len + p] = 1.0;
                counts[i * student_len + s] += 1.0;
            }
        }
        let mean: Vec<f32> = sum
            .chunks(teacher_len)
            .zip(&counts)
            .flat_map(|(row, &k)| row.iter().map(move |v| v / k.max(1.0)))
            .collect();
        let mask = counts.iter().map(|&k| f32::from(k > 0.0)).collect();
        let shape = [n, student_len, teacher_len];
        Self {
            mean: Tensor::from_data(TensorData::new(mean, shape), device),
            sum: Tensor::from_data(TensorData::new(sum, shape), device),
            mask: Tensor::from_data(TensorData::new(mask, [n, student_len]), device),
        }
    }

    fn teacher_len(&self) -> usize {
        self.mean.dims()[2]
    }

    /// A teacher state `[batch, teacher positions, width]` on the student's positions; a state
    /// of one position (a `[CLS]` vector for a pooled student layer) stays as it is.
    pub fn hidden(&self, h: Tensor<3>) -> Tensor<3> {
        if h.dims()[1] != self.teacher_len() {
            return h;
        }
        self.mean.clone().matmul(h)
    }

    /// A state on the student's positions with those no piece pools into zeroed.
    pub fn masked(&self, h: Tensor<3>) -> Tensor<3> {
        if h.dims()[1] != self.mask.dims()[1] {
            return h;
        }
        h.mul(self.mask.clone().unsqueeze_dim(2))
    }

    /// Teacher attention `[batch, heads, teacher, teacher]` on the student's positions, its
    /// heads averaged in groups down to `heads` (12 teacher heads for 4 student heads: each
    /// student head against the mean of 3).
    pub fn attention(&self, a: Tensor<4>, heads: usize) -> Tensor<4> {
        let [n, h, lt, _] = a.dims();
        let a = if heads > 0 && h != heads && h.is_multiple_of(heads) {
            a.reshape([n * heads, h / heads, lt, lt])
                .mean_dim(1)
                .reshape([n, heads, lt, lt])
        } else {
            a
        };
        let mean = self.mean.clone().unsqueeze_dim::<4>(1);
        let sum = self.sum.clone().unsqueeze_dim::<4>(1);
        mean.matmul(a).matmul(sum.swap_dims(2, 3))
    }

    /// Student attention with the rows of positions no piece pools into zeroed.
    pub fn student_attention(&self, a: Tensor<4>) -> Tensor<4> {
        let [n, ls] = self.mask.dims();
        a.mul(self.mask.clone().reshape([n, 1, ls, 1]))
    }

    /// Queries, keys and values averaged over each word's pieces (MiniLM's relations then
    /// relate words).
    pub fn qkv(&self, x: &Qkv) -> Qkv {
        let mean = self.mean.clone().unsqueeze_dim::<4>(1);
        Qkv {
            query: mean.clone().matmul(x.query.clone()),
            key: mean.clone().matmul(x.key.clone()),
            value: mean.matmul(x.value.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    /// One row: teacher positions [CLS] a ##b c [SEP] pad → student [CLS] ab c [SEP] pad pad.
    fn pooling() -> Pooling {
        Pooling::new(&[1, 2, 2, 3, 4, 0], 6, 6, &Device::flex())
    }

    #[test]
    fn states_average_each_words_pieces_and_unpooled_positions_drop_out() {
        let p = pooling();
        let h: Vec<f32> = (0..6).map(|i| i as f32).collect();
        let h = Tensor::<3>::from_data(TensorData::new(h, [1, 6, 1]), &Device::flex());
        assert_eq!(
            host(p.hidden(h.clone())),
            vec![0.0, 1.5, 3.0, 4.0, 0.0, 0.0]
        );
        assert_eq!(host(p.masked(h)), vec![0.0, 1.0, 2.0, 3.0, 0.0, 0.0]);
        assert_eq!(host(p.mask), vec![1.0, 1.0, 1.0, 1.0, 0.0, 0.0]);
    }

    /// Rows stay distributions: a word's row is the mean of its pieces' rows, its column the sum
    /// of their columns; two heads averaged into one.
    #[test]
    fn attention_rows_still_sum_to_one_and_heads_average_in_groups() {
        let p = pooling();
        let uniform: Vec<f32> = (0..36).map(|i| if i % 6 < 5 { 0.2 } else { 0.0 }).collect();
        let mut first = vec![0.0f32; 36];
        for q in 0..6 {
            first[q * 6 + 1] = 1.0; // every query on piece "a"
        }
        let a = Tensor::<4>::from_data(
            TensorData::new([first, uniform].concat(), [1, 2, 6, 6]),
            &Device::flex(),
        );
        let got = host(p.attention(a, 1));
        let row = |r: usize| got[r * 6..(r + 1) * 6].to_vec();
        let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-6);
        // Half on "a", half spread at 0.1 on each real piece: word "ab" gets 0.5 + 0.1 + 0.1.
        assert!(
            close(&row(1), &[0.1, 0.7, 0.1, 0.1, 0.0, 0.0]),
            "{:?}",
            row(1)
        );
        assert!(close(&row(0), &row(2)));
        assert!(row(4).iter().all(|&v| v == 0.0));
    }
}
