//! Attention's masked softmax over host slices: rows of `k` scores, each row
//! `softmax(scores / divisor + bias)` with one bias row of `k` shared by `rows_per_bias`
//! consecutive rows (a sentence's key mask, shared by its heads and queries).

use super::for_chunks;

/// The probabilities, in the shape of `scores`.
pub fn forward(
    scores: &[f32],
    bias: &[f32],
    k: usize,
    rows_per_bias: usize,
    divisor: f32,
) -> Vec<f32> {
    let mut out = vec![0.0; scores.len()];
    let chunk = rows_per_bias * k;
    for_chunks(&mut out, chunk, |i, block| {
        let bias = &bias[i * k..(i + 1) * k];
        let rows = scores[i * chunk..(i + 1) * chunk].chunks_exact(k);
        for (row, out) in rows.zip(block.chunks_exact_mut(k)) {
            out.copy_from_slice(row);
            softmax_in_place(out, bias, divisor);
        }
    });
    out
}

/// One row of scores into probabilities, as burn computes them: scaled and masked, shifted by
/// the row's largest value, exponentiated, divided by the sum.
pub fn softmax_in_place(out: &mut [f32], bias: &[f32], divisor: f32) {
    let mut max = f32::NEG_INFINITY;
    for (o, &b) in out.iter_mut().zip(bias) {
        *o = *o / divisor + b;
        max = max.max(*o);
    }
    let mut sum = 0.0;
    for o in out.iter_mut() {
        *o = (*o - max).exp();
        sum += *o;
    }
    out.iter_mut().for_each(|o| *o /= sum);
}

/// The scores' gradient from the probabilities `p` and their gradient `dp`:
/// `p ⊙ (dp − Σ dp ⊙ p) / divisor`, row by row.
pub fn backward(p: &[f32], dp: &[f32], k: usize, rows_per_chunk: usize, divisor: f32) -> Vec<f32> {
    let mut out = vec![0.0; p.len()];
    let chunk = rows_per_chunk * k;
    for_chunks(&mut out, chunk, |i, block| {
        let span = i * chunk..i * chunk + block.len();
        let rows = p[span.clone()]
            .chunks_exact(k)
            .zip(dp[span].chunks_exact(k));
        for ((p, dp), out) in rows.zip(block.chunks_exact_mut(k)) {
            row_backward(p, dp, divisor, out);
        }
    });
    out
}

/// One row of the scores' gradient.
pub fn row_backward(p: &[f32], dp: &[f32], divisor: f32, out: &mut [f32]) {
    let dot: f32 = p.iter().zip(dp).map(|(a, b)| a * b).sum();
    for ((o, &p), &dp) in out.iter_mut().zip(p).zip(dp) {
        *o = p * (dp - dot) / divisor;
    }
}
