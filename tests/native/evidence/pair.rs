//! One seed of the evidence tests' comparison: a student distilled from a teacher on a transfer
//! set, and the same student trained on that set's labeled rows alone, for as many steps on the
//! same seed.

use burn::tensor::Device;
use distill_playground::engine::data::{Dataset, TransferSet};
use distill_playground::engine::network::{Architecture, Network};
use distill_playground::engine::train::{DistillSettings, Trainer};

/// Test accuracy of the distilled student and of the scratch one, after `settings.total_steps`.
pub fn distilled_and_scratch(
    student: &Architecture,
    teacher: &Network,
    data: TransferSet,
    settings: DistillSettings,
    test: &Dataset,
    device: &Device,
) -> (f32, f32) {
    let steps = settings.total_steps;
    let labeled = data.labeled_only();
    let mut kd = Trainer::distill(
        student.clone(),
        teacher.clone(),
        data,
        settings.clone(),
        device,
    )
    .unwrap();
    let mut plain = Trainer::supervised(student.clone(), labeled, settings, device).unwrap();
    for _ in 0..steps {
        kd.step().unwrap();
        plain.step().unwrap();
    }
    (
        kd.evaluate(test).unwrap().accuracy,
        plain.evaluate(test).unwrap().accuracy,
    )
}
