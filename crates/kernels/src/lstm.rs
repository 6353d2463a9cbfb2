//! A bidirectional LSTM layer over host slices, forward and backward through time, as PyTorch's
//! `nn.LSTM(bidirectional=True)` over a packed sequence: a padded position leaves a direction's
//! state as it was and outputs zeros. Gates in PyTorch's order (input, forget, cell, output).
//!
//! Layouts (row-major): `x` `[batch, positions, embed]`, `mask` `[batch, positions]` (1 a token,
//! 0 padding), `wx` `[2, embed, 4·hidden]`, `wh` `[2, hidden, 4·hidden]`, `bias` `[2, 4·hidden]`
//! (`bias_ih + bias_hh`; direction 0 forward, 1 backward), output `[batch, positions, 2·hidden]`.

use crate::fast_math::{sigmoid, tanh};
use crate::product::{View, product};

/// The sizes of one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LstmShape {
    pub batch: usize,
    pub positions: usize,
    pub embed: usize,
    pub hidden: usize,
}

impl LstmShape {
    fn rows(&self) -> usize {
        self.batch * self.positions
    }

    fn gates(&self) -> usize {
        4 * self.hidden
    }

    /// The position direction `d` reads at step `step`.
    fn position(&self, d: usize, step: usize) -> usize {
        match d {
            0 => step,
            _ => self.positions - 1 - step,
        }
    }
}

/// Both directions' weights.
#[derive(Clone, Copy)]
pub struct LstmWeights<'a> {
    pub wx: &'a [f32],
    pub wh: &'a [f32],
    pub bias: &'a [f32],
}

impl<'a> LstmWeights<'a> {
    fn of(&self, s: &LstmShape, d: usize) -> (&'a [f32], &'a [f32], &'a [f32]) {
        let (e, h, g) = (s.embed, s.hidden, s.gates());
        (
            &self.wx[d * e * g..(d + 1) * e * g],
            &self.wh[d * h * g..(d + 1) * h * g],
            &self.bias[d * g..(d + 1) * g],
        )
    }
}

/// One direction's forward pass: its outputs and what its backward pass reads.
#[derive(Clone, Debug)]
pub struct DirectionRun {
    /// `[rows, hidden]`: the state after each position (zeros at padding).
    out: Vec<f32>,
    /// `[rows, 4·hidden]`: the gates after their nonlinearities.
    gates: Vec<f32>,
    /// `[rows, hidden]` each: the state and cell each token read, and tanh of the new cell.
    h_prev: Vec<f32>,
    c_prev: Vec<f32>,
    tanh_c: Vec<f32>,
}

/// The gradients of one call.
pub struct LstmGrads {
    pub x: Vec<f32>,
    pub wx: Vec<f32>,
    pub wh: Vec<f32>,
    pub bias: Vec<f32>,
}

/// Both directions forward: the output `[batch, positions, 2·hidden]` and each direction's run.
pub fn forward(
    s: &LstmShape,
    x: &[f32],
    mask: &[f32],
    w: LstmWeights,
) -> (Vec<f32>, [DirectionRun; 2]) {
    let (fwd, bwd) = join(
        || direction_forward(s, 0, x, mask, w),
        || direction_forward(s, 1, x, mask, w),
    );
    let h = s.hidden;
    let mut out = vec![0.0; s.rows() * 2 * h];
    for (r, row) in out.chunks_exact_mut(2 * h).enumerate() {
        row[..h].copy_from_slice(&fwd.out[r * h..(r + 1) * h]);
        row[h..].copy_from_slice(&bwd.out[r * h..(r + 1) * h]);
    }
    (out, [fwd, bwd])
}

fn direction_forward(
    s: &LstmShape,
    d: usize,
    x: &[f32],
    mask: &[f32],
    w: LstmWeights,
) -> DirectionRun {
    let (rows, h, g, t) = (s.rows(), s.hidden, s.gates(), s.positions);
    let (wx, wh, bias) = w.of(s, d);
    // Every position's input projection in one product, the bias first.
    let mut gates: Vec<f32> = bias.iter().copied().cycle().take(rows * g).collect();
    product(
        &mut gates,
        g,
        View::dense(x, rows, s.embed),
        View::dense(wx, s.embed, g),
        true,
    );
    let mut run = DirectionRun {
        out: vec![0.0; rows * h],
        gates: Vec::new(),
        h_prev: vec![0.0; rows * h],
        c_prev: vec![0.0; rows * h],
        tanh_c: vec![0.0; rows * h],
    };
    let (mut state, mut cell) = (vec![0.0; s.batch * h], vec![0.0; s.batch * h]);
    for step in 0..t {
        let p = s.position(d, step);
        // Row b·t + p of every sentence: the state's product added in place.
        let view = View::dense(&state, s.batch, h);
        product(
            &mut gates[p * g..],
            t * g,
            view,
            View::dense(wh, h, g),
            true,
        );
        for b in (0..s.batch).filter(|b| mask[b * t + p] != 0.0) {
            let r = b * t + p;
            let (hs, cs) = (
                &mut state[b * h..(b + 1) * h],
                &mut cell[b * h..(b + 1) * h],
            );
            run.h_prev[r * h..(r + 1) * h].copy_from_slice(hs);
            run.c_prev[r * h..(r + 1) * h].copy_from_slice(cs);
            let a = &mut gates[r * g..(r + 1) * g];
            cell_step(a, (hs, cs), &mut run.tanh_c[r * h..(r + 1) * h]);
            run.out[r * h..(r + 1) * h].copy_from_slice(hs);
        }
    }
    run.gates = gates;
    run
}

/// One token: the gates' pre-activations `a` become the gates, the state and cell are updated
/// in place, and tanh of the new cell is kept.
fn cell_step(a: &mut [f32], (hs, cs): (&mut [f32], &mut [f32]), tanh_c: &mut [f32]) {
    let h = hs.len();
    for j in 0..h {
        let (i, f) = (sigmoid(a[j]), sigmoid(a[h + j]));
        let (c, o) = (tanh(a[2 * h + j]), sigmoid(a[3 * h + j]));
        (a[j], a[h + j], a[2 * h + j], a[3 * h + j]) = (i, f, c, o);
        cs[j] = f * cs[j] + i * c;
        tanh_c[j] = tanh(cs[j]);
        hs[j] = o * tanh_c[j];
    }
}

/// Both directions backward from `d_out` `[batch, positions, 2·hidden]`.
pub fn backward(
    s: &LstmShape,
    x: &[f32],
    mask: &[f32],
    w: LstmWeights,
    runs: &[DirectionRun; 2],
    d_out: &[f32],
) -> LstmGrads {
    let (fwd, bwd) = join(
        || direction_backward(s, 0, x, mask, w, &runs[0], d_out),
        || direction_backward(s, 1, x, mask, w, &runs[1], d_out),
    );
    let add = |a: Vec<f32>, b: &[f32]| a.into_iter().zip(b).map(|(u, v)| u + v).collect();
    LstmGrads {
        x: add(fwd.x, &bwd.x),
        wx: [fwd.wx, bwd.wx].concat(),
        wh: [fwd.wh, bwd.wh].concat(),
        bias: [fwd.bias, bwd.bias].concat(),
    }
}

fn direction_backward(
    s: &LstmShape,
    d: usize,
    x: &[f32],
    mask: &[f32],
    w: LstmWeights,
    run: &DirectionRun,
    d_out: &[f32],
) -> LstmGrads {
    let (rows, h, g, t) = (s.rows(), s.hidden, s.gates(), s.positions);
    let (wx, wh, _) = w.of(s, d);
    // The gradient of every gate's pre-activation, zero at padding.
    let mut dg = vec![0.0; rows * g];
    let (mut dh, mut dc) = (vec![0.0; s.batch * h], vec![0.0; s.batch * h]);
    let mut back = vec![0.0; s.batch * h];
    for step in (0..t).rev() {
        let p = s.position(d, step);
        for b in (0..s.batch).filter(|b| mask[b * t + p] != 0.0) {
            let r = b * t + p;
            let a = &run.gates[r * g..(r + 1) * g];
            let da = &mut dg[r * g..(r + 1) * g];
            for j in 0..h {
                let (i, f, c, o) = (a[j], a[h + j], a[2 * h + j], a[3 * h + j]);
                let tc = run.tanh_c[r * h + j];
                let dht = dh[b * h + j] + d_out[r * 2 * h + d * h + j];
                let dct = dc[b * h + j] + dht * o * (1.0 - tc * tc);
                da[j] = dct * c * i * (1.0 - i);
                da[h + j] = dct * run.c_prev[r * h + j] * f * (1.0 - f);
                da[2 * h + j] = dct * i * (1.0 - c * c);
                da[3 * h + j] = dht * tc * o * (1.0 - o);
                dc[b * h + j] = dct * f;
            }
        }
        // The state a token read only fed its gates; padding passes the gradient through.
        let rows_p = View::rows(&dg[p * g..], s.batch, g, t * g);
        product(&mut back, h, rows_p, View::dense_t(wh, h, g), false);
        for b in (0..s.batch).filter(|b| mask[b * t + p] != 0.0) {
            dh[b * h..(b + 1) * h].copy_from_slice(&back[b * h..(b + 1) * h]);
        }
    }
    weight_grads(s, x, run, &dg, wx)
}

/// The products that close a direction's backward pass, over every position at once.
fn weight_grads(s: &LstmShape, x: &[f32], run: &DirectionRun, dg: &[f32], wx: &[f32]) -> LstmGrads {
    let (rows, e, h, g) = (s.rows(), s.embed, s.hidden, s.gates());
    let mut grads = LstmGrads {
        x: vec![0.0; rows * e],
        wx: vec![0.0; e * g],
        wh: vec![0.0; h * g],
        bias: vec![0.0; g],
    };
    let dg_view = View::dense(dg, rows, g);
    product(&mut grads.x, e, dg_view, View::dense_t(wx, e, g), false);
    product(&mut grads.wx, g, View::dense_t(x, rows, e), dg_view, false);
    product(
        &mut grads.wh,
        g,
        View::dense_t(&run.h_prev, rows, h),
        dg_view,
        false,
    );
    for row in dg.chunks_exact(g) {
        grads.bias.iter_mut().zip(row).for_each(|(b, v)| *b += v);
    }
    grads
}

/// The two directions at once where there are threads.
#[cfg(not(target_family = "wasm"))]
fn join<A: Send, B: Send>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B + Send) -> (A, B) {
    rayon::join(a, b)
}

#[cfg(target_family = "wasm")]
fn join<A, B>(a: impl FnOnce() -> A, b: impl FnOnce() -> B) -> (A, B) {
    (a(), b())
}
