use crate::kernels::fast_math::*;

fn sweep(from: f32, to: f32) -> impl Iterator<Item = f32> {
    (0..=200_000).map(move |i| from + (to - from) * i as f32 / 200_000.0)
}

#[test]
fn exp_is_within_two_ulp_and_vanishes_where_libm_underflows() {
    for x in sweep(-87.0, 88.3) {
        let want = (x as f64).exp();
        let rel = ((exp(x) as f64 - want) / want).abs();
        assert!(rel < 2.5e-7, "exp({x}) off by {rel}");
    }
    assert_eq!(exp(-1e9), 0.0);
    assert_eq!(exp(f32::NEG_INFINITY), 0.0);
    assert_eq!(exp(0.0), 1.0);
    assert!(
        exp(100.0).is_finite() && exp(100.0) > 1e38,
        "clamped, not infinite"
    );
}

#[test]
fn sigmoid_tanh_and_erf_match_f64() {
    let erf64 = |x: f64| libm::erf(x);
    for x in sweep(-20.0, 20.0) {
        let s = 1.0 / (1.0 + (-(x as f64)).exp());
        assert!((sigmoid(x) as f64 - s).abs() < 3e-7, "sigmoid({x})");
        assert!(
            (tanh(x) as f64 - (x as f64).tanh()).abs() < 3e-7,
            "tanh({x})"
        );
        assert!((erf(x) as f64 - erf64(x as f64)).abs() < 1e-6, "erf({x})");
    }
    assert_eq!(tanh(-1e9), -1.0);
    assert_eq!(tanh(1e9), 1.0);
}
