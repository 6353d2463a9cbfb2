use crate::kernels::attention_core;
use crate::network::transformer::{composed_attention, split_heads};
use burn::tensor::Tensor;
use burn::tensor::{Device, TensorData};

use super::host;

fn wave<const D: usize>(dims: [usize; D], f: f32, device: &Device) -> Tensor<D> {
    let n = dims.iter().product();
    let v: Vec<f32> = (0..n).map(|i| 2.0 * (i as f32 * f).sin()).collect();
    Tensor::from_data(TensorData::new(v, dims), device)
}

/// Probabilities, context and `qkv`'s gradient under `Σ P·a + Σ C·b`, fused or composed.
fn run(qkv: &Tensor<3>, bias: &Tensor<4>, heads: usize, fused: bool) -> [Vec<f32>; 3] {
    let qkv = qkv.clone().require_grad();
    let (p, c) = match fused {
        true => attention_core(&qkv, bias, heads).unwrap(),
        false => composed_attention(&split_heads(&qkv, heads), bias.clone()),
    };
    let device = qkv.device();
    let loss = (p.clone() * wave(p.dims(), 0.37, &device)).sum()
        + (c.clone() * wave(c.dims(), 0.91, &device)).sum();
    let grads = loss.backward();
    [host(p), host(c), host(qkv.grad(&grads).unwrap())]
}

#[test]
fn the_fused_attention_matches_burns_ops_forward_and_backward() {
    let device = Device::flex().autodiff();
    let (batch, positions, heads, width) = (3, 6, 2, 4);
    let qkv = wave([batch, positions, 3 * heads * width], 0.53, &device);
    // Sentences of 6, 4 and 1 tokens.
    let mask: Vec<f32> = [6, 4, 1]
        .iter()
        .flat_map(|&n| (0..positions).map(move |i| if i < n { 1.0 } else { 0.0 }))
        .collect();
    let mask = Tensor::<2>::from_data(TensorData::new(mask, [batch, positions]), &device);
    let bias = crate::loss::key_bias(mask);
    let fused = run(&qkv, &bias, heads, true);
    let composed = run(&qkv, &bias, heads, false);
    for (k, (f, c)) in fused.iter().zip(&composed).enumerate() {
        let gap = super::largest_gap(f, c);
        assert!(gap < 1e-5, "output {k} differs by {gap}");
        assert!(
            c.iter().any(|v| v.abs() > 1e-2),
            "output {k} is not all zero"
        );
    }
    // Every third of the gradient is used: queries, keys and values.
    let third = heads * width;
    for part in 0..3 {
        let any = fused[2].chunks(3 * third).any(|row| {
            row[part * third..(part + 1) * third]
                .iter()
                .any(|v| v.abs() > 1e-3)
        });
        assert!(any, "part {part} of qkv gets a gradient");
    }
}

#[test]
fn other_devices_and_biases_take_burns_ops() {
    let device = Device::flex();
    let qkv = wave([2, 5, 12], 0.3, &device);
    assert!(attention_core(&qkv, &wave([2, 1, 1, 5], 0.1, &device), 2).is_some());
    assert!(attention_core(&qkv, &wave([2, 2, 5, 5], 0.1, &device), 2).is_none());
    assert!(attention_core(&qkv, &wave([2, 1, 1, 5], 0.1, &device), 5).is_none());
}
