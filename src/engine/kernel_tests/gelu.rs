use crate::kernels::gelu;
use burn::tensor::Tensor;
use burn::tensor::{Device, TensorData};

#[test]
fn the_fused_gelu_matches_burns_forward_and_backward() {
    let device = Device::flex().autodiff();
    let values: Vec<f32> = (0..600).map(|i| (i as f32 - 300.0) / 40.0).collect();
    let probe: Vec<f32> = (0..600).map(|i| (i as f32 * 0.7).sin()).collect();
    let run = |fused: bool| {
        let x = Tensor::<2>::from_data(TensorData::new(values.clone(), [20, 30]), &device)
            .require_grad();
        let y = match fused {
            true => gelu(x.clone()),
            false => burn::tensor::activation::gelu(x.clone()),
        };
        let p = Tensor::<2>::from_data(TensorData::new(probe.clone(), [20, 30]), &device);
        let grads = (y.clone() * p).sum().backward();
        (super::host(y), super::host(x.grad(&grads).unwrap()))
    };
    let ((y_f, g_f), (y_c, g_c)) = (run(true), run(false));
    let gap = super::largest_gap;
    assert!(
        gap(&y_f, &y_c) < 1e-5,
        "outputs differ by {}",
        gap(&y_f, &y_c)
    );
    assert!(
        gap(&g_f, &g_c) < 1e-5,
        "gradients differ by {}",
        gap(&g_f, &g_c)
    );
    assert!(g_c.iter().any(|g| g.abs() > 0.5));
}
