//! Attention's core over host slices, reading the queries, keys and values where the
//! in-projection wrote them (`qkv` `[batch, positions, 3·d]`, PyTorch's `in_proj` order: all
//! queries, then keys, then values, each head's `width` columns together), so no head is copied
//! out and no context is copied back. Probabilities are `[batch, heads, positions, positions]`,
//! the context `[batch, positions, d]`.

use crate::for_chunks;
use crate::product::{View, product};
use crate::softmax::{row_backward, softmax_in_place};

/// The sizes of one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heads {
    pub batch: usize,
    pub positions: usize,
    pub heads: usize,
    pub width: usize,
}

/// Which third of a `qkv` row.
#[derive(Clone, Copy)]
enum Part {
    Query = 0,
    Key = 1,
    Value = 2,
}

impl Heads {
    fn d(&self) -> usize {
        self.heads * self.width
    }

    fn map(&self) -> usize {
        self.positions * self.positions
    }

    /// Sentence `b`'s `part` of head `h`, from its first row on (rows `3·d` apart).
    fn part<'a>(&self, qkv: &'a [f32], b: usize, part: Part, h: usize) -> &'a [f32] {
        let d = self.d();
        &qkv[b * self.positions * 3 * d + part as usize * d + h * self.width..]
    }

    /// That part as a `[positions, width]` matrix.
    fn rows<'a>(&self, qkv: &'a [f32], b: usize, part: Part, h: usize) -> View<'a> {
        View::rows(
            self.part(qkv, b, part, h),
            self.positions,
            self.width,
            3 * self.d(),
        )
    }

    /// Its transpose, `[width, positions]`.
    fn columns<'a>(&self, qkv: &'a [f32], b: usize, part: Part, h: usize) -> View<'a> {
        let t = self.positions;
        View::strided(self.part(qkv, b, part, h), self.width, t, 1, 3 * self.d())
    }
}

/// `softmax(Q·Kᵀ / divisor + bias)` per head; `bias` `[batch, positions]`, one row a sentence.
pub fn probabilities(s: &Heads, qkv: &[f32], bias: &[f32], divisor: f32) -> Vec<f32> {
    let (t, map) = (s.positions, s.map());
    let mut p = vec![0.0; s.batch * s.heads * map];
    for_chunks(&mut p, s.heads * map, |b, block| {
        for (h, out) in block.chunks_exact_mut(map).enumerate() {
            let (q, kt) = (
                s.rows(qkv, b, Part::Query, h),
                s.columns(qkv, b, Part::Key, h),
            );
            product(out, t, q, kt, false);
            let bias = &bias[b * t..(b + 1) * t];
            out.chunks_exact_mut(t)
                .for_each(|row| softmax_in_place(row, bias, divisor));
        }
    });
    p
}

/// The gradient of `qkv` (its values' third zero) from the probabilities' gradient `dp`.
pub fn probabilities_backward(
    s: &Heads,
    qkv: &[f32],
    p: &[f32],
    dp: &[f32],
    divisor: f32,
) -> Vec<f32> {
    let (t, d, map) = (s.positions, s.d(), s.map());
    let mut grad = vec![0.0; s.batch * t * 3 * d];
    for_chunks(&mut grad, t * 3 * d, |b, out| {
        let mut ds = vec![0.0; map];
        for h in 0..s.heads {
            let at = (b * s.heads + h) * map;
            let rows = p[at..at + map]
                .chunks_exact(t)
                .zip(dp[at..at + map].chunks_exact(t));
            for ((p, dp), o) in rows.zip(ds.chunks_exact_mut(t)) {
                row_backward(p, dp, divisor, o);
            }
            let k = s.rows(qkv, b, Part::Key, h);
            product(
                &mut out[h * s.width..],
                3 * d,
                View::dense(&ds, t, t),
                k,
                false,
            );
            let q = s.rows(qkv, b, Part::Query, h);
            product(
                &mut out[d + h * s.width..],
                3 * d,
                View::dense_t(&ds, t, t),
                q,
                false,
            );
        }
    });
    grad
}

/// The context `P·V` per head, heads side by side.
pub fn attend(s: &Heads, p: &[f32], qkv: &[f32]) -> Vec<f32> {
    let (t, d, map) = (s.positions, s.d(), s.map());
    let mut context = vec![0.0; s.batch * t * d];
    for_chunks(&mut context, t * d, |b, out| {
        for h in 0..s.heads {
            let at = (b * s.heads + h) * map;
            let v = s.rows(qkv, b, Part::Value, h);
            product(
                &mut out[h * s.width..],
                d,
                View::dense(&p[at..at + map], t, t),
                v,
                false,
            );
        }
    });
    context
}

/// The gradients of the probabilities and of `qkv` (only its values' third) from the context's
/// gradient `dc`.
pub fn attend_backward(s: &Heads, p: &[f32], qkv: &[f32], dc: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let (t, d, map) = (s.positions, s.d(), s.map());
    let dc_head = |b: usize, h: usize| View::rows(&dc[b * t * d + h * s.width..], t, s.width, d);
    let mut dp = vec![0.0; s.batch * s.heads * map];
    for_chunks(&mut dp, s.heads * map, |b, block| {
        for (h, out) in block.chunks_exact_mut(map).enumerate() {
            product(
                out,
                t,
                dc_head(b, h),
                s.columns(qkv, b, Part::Value, h),
                false,
            );
        }
    });
    let mut grad = vec![0.0; s.batch * t * 3 * d];
    for_chunks(&mut grad, t * 3 * d, |b, out| {
        for h in 0..s.heads {
            let at = (b * s.heads + h) * map;
            let pt = View::dense_t(&p[at..at + map], t, t);
            product(
                &mut out[2 * d + h * s.width..],
                3 * d,
                pt,
                dc_head(b, h),
                false,
            );
        }
    });
    (dp, grad)
}
