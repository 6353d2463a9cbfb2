//! Matrix products on host slices through the `gemm` crate, the one burn-flex itself calls.
//! Strides make transposes and every-`t`-th-row views free, so the LSTM's per-step products read
//! and write its `[batch·positions, ·]` buffers in place.

/// A `rows × cols` matrix in `data`: element `(r, c)` at `r·row_stride + c·col_stride`.
#[derive(Clone, Copy)]
pub struct View<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> View<'a> {
    /// Row-major rows of `cols` values, `row_stride` apart.
    pub fn rows(data: &'a [f32], rows: usize, cols: usize, row_stride: usize) -> Self {
        Self::checked(data, rows, cols, row_stride, 1)
    }

    /// A dense row-major `rows × cols` matrix.
    pub fn dense(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self::rows(data, rows, cols, cols)
    }

    /// Any strides: element `(r, c)` at `r·row_stride + c·col_stride`.
    pub fn strided(
        data: &'a [f32],
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> Self {
        Self::checked(data, rows, cols, row_stride, col_stride)
    }

    /// The transpose of a dense row-major `rows × cols` matrix (so `cols × rows`).
    pub fn dense_t(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self::checked(data, cols, rows, 1, cols)
    }

    fn checked(
        data: &'a [f32],
        rows: usize,
        cols: usize,
        row_stride: usize,
        col_stride: usize,
    ) -> Self {
        // Shapes come from validated network configs; a miss here is this crate's bug.
        assert!(
            rows == 0
                || cols == 0
                || (rows - 1) * row_stride + (cols - 1) * col_stride < data.len(),
            "a {rows}×{cols} view past a buffer of {}",
            data.len()
        );
        Self {
            data,
            rows,
            cols,
            row_stride,
            col_stride,
        }
    }
}

/// `out = a·b`, or `out += a·b` when `accumulate`; `out` holds `a.rows` rows of `b.cols` values,
/// `out_stride` apart.
pub fn product(out: &mut [f32], out_stride: usize, a: View, b: View, accumulate: bool) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(k, b.rows, "inner sizes of a product differ");
    assert!(
        m == 0 || n == 0 || (m - 1) * out_stride + n <= out.len(),
        "a product's output past its buffer"
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            (0..m).for_each(|r| out[r * out_stride..r * out_stride + n].fill(0.0));
        }
        return;
    }
    // SAFETY: the asserts above keep every index gemm touches inside the three slices, and `out`
    // is borrowed mutably, so it cannot alias `a` or `b`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            1,
            out_stride as isize,
            accumulate,
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism(m * n * k),
        );
    }
}

/// Threads only for products big enough to pay for them.
#[cfg(not(target_family = "wasm"))]
fn parallelism(work: usize) -> gemm::Parallelism {
    match work >= 1 << 21 {
        true => gemm::Parallelism::Rayon(0),
        false => gemm::Parallelism::None,
    }
}

/// wasm32-unknown-unknown has one thread.
#[cfg(target_family = "wasm")]
fn parallelism(_work: usize) -> gemm::Parallelism {
    gemm::Parallelism::None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut out = vec![0.0; m * n];
        for r in 0..m {
            for c in 0..n {
                out[r * n + c] = (0..k).map(|i| a[r * k + i] * b[i * n + c]).sum();
            }
        }
        out
    }

    #[test]
    fn products_match_a_naive_loop_through_every_view() {
        let (m, k, n) = (5, 7, 3);
        let a: Vec<f32> = (0..m * k).map(|i| (i as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i as f32 * 0.11).cos()).collect();
        let want = naive(&a, &b, m, k, n);
        let mut out = vec![0.0; m * n];
        product(
            &mut out,
            n,
            View::dense(&a, m, k),
            View::dense(&b, k, n),
            false,
        );
        assert!(out.iter().zip(&want).all(|(x, y)| (x - y).abs() < 1e-5));
        // (bᵀ)ᵀ through the transposed view, accumulated onto what is there.
        let bt: Vec<f32> = (0..n * k).map(|i| b[(i % k) * n + i / k]).collect();
        product(
            &mut out,
            n,
            View::dense(&a, m, k),
            View::dense_t(&bt, n, k),
            true,
        );
        assert!(
            out.iter()
                .zip(&want)
                .all(|(x, y)| (x - 2.0 * y).abs() < 1e-5)
        );
        // Every other row of a taller buffer, written every third row of the output.
        let tall: Vec<f32> = (0..2 * m * k)
            .map(|i| a[(i / (2 * k)) * k + i % k])
            .collect();
        let mut spaced = vec![7.0; 3 * m * n];
        product(
            &mut spaced,
            3 * n,
            View::rows(&tall, m, k, 2 * k),
            View::dense(&b, k, n),
            false,
        );
        for r in 0..m {
            for c in 0..n {
                assert!((spaced[3 * r * n + c] - want[r * n + c]).abs() < 1e-5);
            }
        }
        assert_eq!(
            spaced[n], 7.0,
            "rows between the written ones are left alone"
        );
    }

    #[test]
    #[should_panic(expected = "past a buffer")]
    fn a_view_past_its_buffer_is_refused() {
        View::dense(&[0.0; 5], 2, 3);
    }
}
