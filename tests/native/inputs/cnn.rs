//! Conv nets (seed 002's natural images, on Fashion-MNIST): one learns the clothes, its file
//! round-trips, a conv student distils from a conv teacher with a hidden-state loss between
//! mapped blocks, an MLP student from its maps averaged over the pixels, and shapes that do not
//! fit are refused with the reason.

use std::path::Path;

use burn::tensor::Device;
use distill_playground::engine::catalog::{self, DatasetKind};
use distill_playground::engine::data::{Split, TransferConfig, TransferSet};
use distill_playground::engine::mapping::MappingScheme;
use distill_playground::engine::network::spec::{Role, Shape, architecture, kind_for};
use distill_playground::engine::network::{Activation, Architecture, CnnConfig, NetKind};
use distill_playground::engine::train::{DistillSettings, Trainer, accuracy};
use distill_playground::engine::weights::{FileInfo, load_network, save_network};

/// The first 3,000 training and 1,000 test images.
fn fashion() -> Split {
    let assets = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/assets"));
    let split = catalog::load(DatasetKind::FashionMnist, assets, 0).unwrap();
    assert_eq!((split.train.len(), split.test.len()), (60_000, 10_000));
    let first = |n: usize| (0..n).collect::<Vec<_>>();
    Split {
        train: split.train.subset(&first(3000)),
        test: split.test.subset(&first(1000)),
    }
}

fn cnn(channels: &[usize]) -> CnnConfig {
    CnnConfig {
        side: 28,
        channels: channels.to_vec(),
        classes: 10,
    }
}

#[test]
fn a_conv_net_learns_the_clothes_and_its_file_round_trips() {
    let device = Device::flex();
    let split = fashion();
    let data = TransferSet::build(&split.train, &TransferConfig::default(), 1).unwrap();
    let settings = DistillSettings {
        total_steps: 200,
        seed: 1,
        ..Default::default()
    };
    let mut trainer = Trainer::supervised(cnn(&[8, 16]), data, settings, &device).unwrap();
    for _ in 0..200 {
        trainer.step().unwrap();
    }
    let net = trainer.network();
    let acc = accuracy(&net, &split.test, &device).unwrap();
    eprintln!("a conv net [8, 16] after 200 steps: {acc}");
    // Measured: 77.6 % after 200 steps of 64 (chance is 10 %).
    assert!(acc > 0.65, "{acc}");
    let bytes = save_network(&net, &FileInfo::default()).unwrap();
    let (back, _) = load_network(&bytes, &device).unwrap();
    assert_eq!(accuracy(&back, &split.test, &device).unwrap(), acc);
    assert_eq!(
        distill_playground::engine::network::Classifier::architecture(&back),
        Architecture::Cnn(cnn(&[8, 16]))
    );
}

#[test]
fn a_conv_student_matches_a_conv_teachers_feature_maps_block_by_block() {
    let device = Device::flex();
    let split = fashion();
    let teacher = cnn(&[16, 32]).init(&device, 7).unwrap();
    let data = TransferSet::build(&split.train, &TransferConfig::default(), 1).unwrap();
    let settings = DistillSettings {
        total_steps: 5,
        seed: 1,
        beta: 1.0,
        ..Default::default()
    };
    // Widths differ (8 against 16, 16 against 32): projections carry them; the pixels agree.
    let mut kd = Trainer::distill(cnn(&[8, 16]), teacher, data, settings, &device).unwrap();
    for _ in 0..5 {
        let m = kd.step().unwrap();
        assert!(m.hidden.is_finite() && m.hidden > 0.0, "{m:?}");
    }
}

#[test]
fn an_mlp_student_learns_from_a_conv_teachers_maps_averaged_over_the_pixels() {
    let device = Device::flex();
    let split = fashion();
    let teacher = cnn(&[8, 16]).init(&device, 7).unwrap();
    let data = TransferSet::build(&split.train, &TransferConfig::default(), 1).unwrap();
    let settings = DistillSettings {
        total_steps: 5,
        beta: 1.0,
        ..Default::default()
    };
    let mlp = distill_playground::engine::network::MlpConfig {
        inputs: 28 * 28,
        hidden: vec![32, 32],
        classes: 10,
        activation: Activation::Relu,
        ranks: Vec::new(),
        shared: false,
    };
    let mut kd = Trainer::distill(mlp, teacher, data, settings, &device).unwrap();
    for _ in 0..5 {
        let m = kd.step().unwrap();
        assert!(m.hidden.is_finite() && m.hidden > 0.0, "{m:?}");
    }
}

#[test]
fn a_conv_student_whose_maps_differ_in_size_from_the_teachers_block_is_refused() {
    let device = Device::flex();
    let split = fashion();
    let teacher = cnn(&[8, 16]).init(&device, 7).unwrap();
    let data = TransferSet::build(&split.train, &TransferConfig::default(), 1).unwrap();
    let settings = DistillSettings {
        total_steps: 5,
        beta: 1.0,
        mapping: MappingScheme::Custom(vec![(3, 2)]),
        ..Default::default()
    };
    // The student's third block has 3×3 pixels, the teacher's second 7×7.
    let err = Trainer::distill(cnn(&[8, 8, 8]), teacher, data, settings, &device)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("conv teacher's block 2 has 49"), "{err}");
}

#[test]
fn conv_shapes_that_do_not_fit_are_refused_with_the_reason() {
    let images = Shape {
        inputs: 28 * 28,
        classes: 10,
        vocab: None,
    };
    let spec = |s: &str, shape: &Shape| {
        architecture(
            NetKind::Cnn,
            Some(s),
            Role::Student,
            1,
            0.0,
            Activation::Relu,
            shape,
        )
    };
    assert!(spec("8,16", &images).is_ok());
    let deep = spec("8,8,8,8,8", &images).unwrap_err().to_string();
    assert!(deep.contains("halve 28-pixel images to nothing"), "{deep}");
    let points = Shape {
        inputs: 2,
        ..images
    };
    let flat = spec("8", &points).unwrap_err().to_string();
    assert!(flat.contains("reads square images"), "{flat}");
    let text = kind_for(Some(NetKind::Cnn), DatasetKind::Spam)
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("conv net reads feature rows; spam is text"),
        "{text}"
    );
}
