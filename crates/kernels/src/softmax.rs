//! Attention's masked softmax over host slices: rows of `k` scores, each row
//! `softmax(scores / divisor + bias)` with one bias row of `k` shared by `rows_per_bias`
//! consecutive rows (a sentence's key mask, shared by its heads and queries).

use crate::fast_math::exp;
use crate::for_chunks;

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
    out.iter_mut()
        .zip(bias)
        .for_each(|(o, &b)| *o = *o / divisor + b);
    let max = lanes(out, f32::NEG_INFINITY, |m, x| if x > m { x } else { m });
    out.iter_mut().for_each(|o| *o = exp(*o - max));
    let sum = lanes(out, 0.0, |s, x| s + x);
    out.iter_mut().for_each(|o| *o /= sum);
}

/// A reduction of `values` in eight independent lanes, so the loop vectorizes (a single running
/// value is one long dependency chain, which the compiler may not reorder for floats).
fn lanes(values: &[f32], start: f32, f: impl Fn(f32, f32) -> f32) -> f32 {
    let mut acc = [start; 8];
    let chunks = values.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, &x) in acc.iter_mut().zip(c) {
            *a = f(*a, x);
        }
    }
    acc.into_iter().chain(rest.iter().copied()).fold(start, &f)
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
    let mut acc = [0.0f32; 8];
    let (pc, dc) = (p.chunks_exact(8), dp.chunks_exact(8));
    let rest: f32 = pc
        .remainder()
        .iter()
        .zip(dc.remainder())
        .map(|(a, b)| a * b)
        .sum();
    for (a8, b8) in pc.zip(dc) {
        for ((acc, a), b) in acc.iter_mut().zip(a8).zip(b8) {
            *acc += a * b;
        }
    }
    let dot = acc.iter().sum::<f32>() + rest;
    for ((o, &p), &dp) in out.iter_mut().zip(p).zip(dp) {
        *o = p * (dp - dot) / divisor;
    }
}
