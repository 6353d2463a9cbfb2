use crate::kernels::attention_softmax;
use burn::tensor::Tensor;
use burn::tensor::activation::softmax;
use burn::tensor::{Device, TensorData};

use super::host;

/// The probabilities and the scores' gradient under `Σ p · probe`, fused or composed.
fn run(
    scores: &Tensor<4>,
    bias: &Tensor<4>,
    probe: &Tensor<4>,
    fused: bool,
) -> (Vec<f32>, Vec<f32>) {
    let scores = scores.clone().require_grad();
    let p = match fused {
        true => attention_softmax(scores.clone(), bias.clone(), 2.5),
        false => softmax(scores.clone().div_scalar(2.5).add(bias.clone()), 3),
    };
    let grads = (p.clone() * probe.clone()).sum().backward();
    (host(p), host(scores.grad(&grads).unwrap()))
}

#[test]
fn the_fused_softmax_matches_burns_forward_and_backward() {
    let device = Device::flex().autodiff();
    let (b, h, q, k) = (3, 2, 5, 5);
    let wave =
        |n: usize, f: f32| -> Vec<f32> { (0..n).map(|i| 4.0 * (i as f32 * f).sin()).collect() };
    let scores = Tensor::<4>::from_data(
        TensorData::new(wave(b * h * q * k, 0.9), [b, h, q, k]),
        &device,
    );
    let probe = Tensor::<4>::from_data(
        TensorData::new(wave(b * h * q * k, 0.3), [b, h, q, k]),
        &device,
    );
    // Sentences of 5, 3 and 1 tokens.
    let mask = [1., 1., 1., 1., 1., 1., 1., 1., 0., 0., 1., 0., 0., 0., 0.];
    let mask = Tensor::<2>::from_data(TensorData::new(mask.to_vec(), [b, k]), &device);
    let bias = crate::loss::key_bias(mask);
    let (p_f, g_f) = run(&scores, &bias, &probe, true);
    let (p_c, g_c) = run(&scores, &bias, &probe, false);
    let gap = super::largest_gap;
    assert!(
        gap(&p_f, &p_c) < 1e-6,
        "probabilities differ by {}",
        gap(&p_f, &p_c)
    );
    assert!(
        gap(&g_f, &g_c) < 1e-5,
        "gradients differ by {}",
        gap(&g_f, &g_c)
    );
    assert!(
        g_c.iter().any(|g| g.abs() > 1e-2),
        "a gradient that is not all zero"
    );
    // Padding gets no attention: the last sentence's every row is all on its one token.
    let last = &p_f[2 * h * q * k..];
    assert!(
        last.chunks(k)
            .all(|row| row[0] == 1.0 && row[1..].iter().all(|&v| v == 0.0))
    );
}
