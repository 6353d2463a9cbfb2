use crate::kernels::product::*;

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
