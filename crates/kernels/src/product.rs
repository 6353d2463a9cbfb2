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
        Self::strided(data, rows, cols, row_stride, 1)
    }

    /// A dense row-major `rows × cols` matrix.
    pub fn dense(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self::rows(data, rows, cols, cols)
    }

    /// The transpose of a dense row-major `rows × cols` matrix (so `cols × rows`).
    pub fn dense_t(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self::strided(data, cols, rows, 1, cols)
    }

    /// Any strides: element `(r, c)` at `r·row_stride + c·col_stride`.
    pub fn strided(
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
