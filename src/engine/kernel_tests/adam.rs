use burn::nn::{Linear, LinearConfig};
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor, TensorData};

use crate::train::adam::{OnePassAdam, burn_config};

/// A batch for step `i`: different inputs and a different direction to descend every time.
fn batch(i: usize, device: &Device) -> (Tensor<2>, Tensor<2>) {
    let x: Vec<f32> = (0..5 * 6)
        .map(|j| ((i * 31 + j) as f32 * 0.37).sin())
        .collect();
    let p: Vec<f32> = (0..5 * 4)
        .map(|j| ((i * 17 + j) as f32 * 0.61).cos())
        .collect();
    (
        Tensor::from_data(TensorData::new(x, [5, 6]), device),
        Tensor::from_data(TensorData::new(p, [5, 4]), device),
    )
}

fn step(net: Linear, optim: &mut ModuleOptimizer, i: usize, device: &Device) -> Linear {
    let (x, p) = batch(i, device);
    let loss = (net.forward(x) * p).sum();
    let grads = GradientsParams::from_grads(loss.backward(), &net);
    optim.step(0.05, net, grads)
}

/// Weight and bias, as host numbers.
fn values(net: &Linear) -> Vec<f32> {
    let mut v = super::host(net.weight.val());
    v.extend(net.bias.iter().flat_map(|b| super::host(b.val())));
    v
}

/// Steps both optimizers from the same start, checking the weights after every step (equal to
/// the last bit here: the same operations in the same order); then goes
/// back to a checkpoint taken at step 3 (weights and optimizer, sharing buffers with what was
/// stepped since) and steps again from there.
fn matches_burns_adam(weight_decay: f32) {
    let device = Device::flex().autodiff();
    let start = LinearConfig::new(6, 4).init(&device);
    let mut ours = OnePassAdam::module(weight_decay);
    let mut burns = burn_config(weight_decay).init();
    let (mut a, mut b) = (start.clone(), start);
    let mut checkpoint = None;
    for i in 0..8 {
        if i == 3 {
            checkpoint = Some((a.clone(), ours.clone(), b.clone(), burns.clone()));
        }
        a = step(a, &mut ours, i, &device);
        b = step(b, &mut burns, i, &device);
        let gap = super::largest_gap(&values(&a), &values(&b));
        assert!(gap < 1e-6, "step {i}: weights differ by {gap}");
    }
    let (a3, mut ours3, b3, mut burns3) = checkpoint.unwrap();
    let (a4, b4) = (
        step(a3, &mut ours3, 3, &device),
        step(b3, &mut burns3, 3, &device),
    );
    let gap = super::largest_gap(&values(&a4), &values(&b4));
    assert!(gap < 1e-6, "from the checkpoint: weights differ by {gap}");
    // The steps since the checkpoint did not write into its buffers.
    assert!(super::largest_gap(&values(&a4), &values(&a)) > 1e-3);
}

#[test]
fn the_one_pass_adam_matches_burns_adam_step_by_step_and_from_a_checkpoint() {
    matches_burns_adam(0.0);
}

#[test]
fn the_one_pass_adam_matches_burns_adam_with_weight_decay() {
    matches_burns_adam(0.1);
}
