//! Distilling from several teachers at once (MT-DNN): the weights act live on the cached
//! targets, one weight reproduces that teacher's run exactly, and what needs a single teacher is
//! refused. The claim itself (an ensemble's student beats one teacher's) is measured in
//! tests/native/evidence/reproductions.rs.

use burn::tensor::Device;
use distill_playground::alone::rerun_alone;
use distill_playground::engine::data::{TransferConfig, TransferSet, digits};
use distill_playground::engine::network::{Ensemble, MlpConfig, Network};
use distill_playground::engine::train::{DistillSettings, StepMetrics, Trainer};

fn teachers(device: &Device) -> Vec<Network> {
    [11, 12, 13]
        .map(|seed| Network::Mlp(MlpConfig::teacher(64, 10).init(device, seed).unwrap()))
        .to_vec()
}

fn run(mut t: Trainer, steps: usize) -> Vec<StepMetrics> {
    (0..steps).map(|_| t.step().unwrap()).collect()
}

#[test]
fn ensemble_weights_act_live_and_one_weight_is_that_teacher() {
    if rerun_alone(
        module_path!(),
        "ensemble_weights_act_live_and_one_weight_is_that_teacher",
    ) {
        return;
    }
    let device = Device::flex();
    let split = digits().unwrap();
    let data = TransferSet::build(&split.train, &TransferConfig::default(), 1).unwrap();
    let student = MlpConfig::student(64, 10);
    let settings = DistillSettings::default();
    let members = teachers(&device);
    let alone = Trainer::distill(
        student.clone(),
        members[1].clone(),
        data.clone(),
        settings.clone(),
        &device,
    )
    .unwrap();
    let even = Ensemble::new(members, &[1.0; 3]).unwrap();
    let build = || {
        Trainer::distill_ensemble(
            student.clone(),
            even.clone(),
            data.clone(),
            settings.clone(),
            &device,
        )
        .unwrap()
    };
    let mut reweighted = build();
    assert_eq!(reweighted.teacher_weights(), &[1.0 / 3.0; 3]);
    reweighted.set_teacher_weights(&[0.0, 2.0, 0.0]).unwrap();
    assert_eq!(reweighted.teacher_weights(), &[0.0, 1.0, 0.0]);
    let (alone, reweighted, all) = (run(alone, 5), run(reweighted, 5), run(build(), 5));
    assert_eq!(alone, reweighted, "weight on teacher 2 alone is teacher 2");
    assert_ne!(all[0].soft, alone[0].soft, "three teachers are not one");
    // Same student, same batches: only the targets differ, so the hard loss starts equal.
    assert_eq!(all[0].hard, alone[0].hard);
}

#[test]
fn bad_weights_and_single_teacher_losses_are_refused_and_change_nothing() {
    if rerun_alone(
        module_path!(),
        "bad_weights_and_single_teacher_losses_are_refused_and_change_nothing",
    ) {
        return;
    }
    let device = Device::flex();
    let split = digits().unwrap();
    let data = TransferSet::build(&split.train, &TransferConfig::default(), 1).unwrap();
    let even = Ensemble::new(teachers(&device), &[1.0; 3]).unwrap();
    let student = MlpConfig::student(64, 10);
    let hidden = DistillSettings {
        beta: 1.0,
        ..Default::default()
    };
    let err =
        Trainer::distill_ensemble(student.clone(), even.clone(), data.clone(), hidden, &device)
            .err()
            .unwrap()
            .to_string();
    assert!(err.contains("soft targets only"), "{err}");
    let mut t = Trainer::distill_ensemble(student, even, data, DistillSettings::default(), &device)
        .unwrap();
    let err = t.set_teacher_weights(&[1.0, 1.0]).unwrap_err().to_string();
    assert!(err.contains("2 teacher weights for 3 teachers"), "{err}");
    assert!(t.set_teacher_weights(&[0.0, 0.0, 0.0]).is_err());
    assert_eq!(t.teacher_weights(), &[1.0 / 3.0; 3]);
    assert!(t.step().unwrap().soft.is_finite());
}
