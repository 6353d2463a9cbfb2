//! Fashion-MNIST in the page, natively: the page's cut of the training images, the conv teacher's
//! logits of every image shipped with it (the students start without its pass over 20,000
//! images), another teacher reading the images itself, and logit files that are not the
//! teacher's refused by name.

use burn::tensor::Device;
use futures_lite::future::block_on;

use super::served::{nudged, replacing, served, without};
use distill_playground::app::Settings;
use distill_playground::app::loading::{FASHION_LOGITS, load_data};
use distill_playground::app::session::{Session, first_block};
use distill_playground::app::shipped_teacher::ShippedTeacher;
use distill_playground::app::state::Data;
use distill_playground::engine::catalog::DatasetKind;
use distill_playground::engine::data::Split;
use distill_playground::engine::minilm::read_logits;
use distill_playground::engine::train::logits_host;
use distill_playground::engine::weights::NetworkWeights;

fn fashion() -> (Data, NetworkWeights) {
    block_on(load_data(
        DatasetKind::FashionMnist,
        ShippedTeacher::Scratch,
        served,
    ))
    .unwrap()
}

fn session(data: &Data, teacher: &NetworkWeights) -> Session {
    let settings = Settings::default().with_dataset(DatasetKind::FashionMnist);
    let s = Session::new(&settings, Device::flex(), teacher, data, |_, _| {
        std::future::ready(())
    });
    block_on(s).unwrap()
}

/// The first `n` training and test images of `data`, with its shipped logits.
fn first(data: &Data, n: usize) -> Data {
    let rows: Vec<usize> = (0..n).collect();
    let split = Split {
        train: data.split.train.subset(&rows),
        test: data.split.test.subset(&rows),
    };
    let shipped = (**data.shipped.as_ref().unwrap()).clone();
    Data::features(DatasetKind::FashionMnist, split).with_shipped(shipped)
}

#[test]
fn the_page_holds_ten_thousand_training_images_and_the_teachers_logits_of_every_image() {
    let (data, teacher) = fashion();
    assert_eq!(
        (data.split.train.len(), data.split.test.len()),
        (10_000, 10_000)
    );
    assert_eq!(teacher.architecture.kind(), "cnn");
    // The page's cut is the start of the full set: the same first images and labels.
    let assets = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    let full =
        distill_playground::engine::catalog::load(DatasetKind::FashionMnist, &assets, 0).unwrap();
    let last = 9_999 * 784;
    assert_eq!(
        data.split.train.features[last..],
        full.train.features[last..last + 784]
    );
    assert_eq!(data.split.train.labels, full.train.labels[..10_000]);
    // The session's teacher logits are the shipped ones, as written (float16), not computed.
    let small = first(&data, 300);
    let s = session(&small, &teacher);
    let (test, _) = read_logits(&std::fs::read(assets.join(FASHION_LOGITS[1].0)).unwrap()).unwrap();
    assert_eq!(s.teacher_test_logits, test[..300 * 10]);
}

#[test]
fn another_teacher_reads_the_images_itself() {
    let (data, teacher) = fashion();
    let other = nudged(&teacher);
    let small = first(&data, 300);
    let s = session(&small, &other);
    let cpu = Device::flex();
    let own = logits_host(&other.to_network(&cpu).unwrap(), &small.split.test, &cpu).unwrap();
    let gap = s
        .teacher_test_logits
        .iter()
        .zip(&own)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(gap < 1e-5, "{gap}");
}

#[test]
fn a_missing_swapped_or_foreign_logit_file_is_named_and_nothing_loads() {
    let load = |fetch| {
        block_on(load_data(
            DatasetKind::FashionMnist,
            ShippedTeacher::Scratch,
            fetch,
        ))
        .map(|_| ())
        .unwrap_err()
        .to_string()
    };
    for (file, _) in FASHION_LOGITS {
        let err = block_on(load_data(
            DatasetKind::FashionMnist,
            ShippedTeacher::Scratch,
            without(file),
        ))
        .map(|_| ())
        .unwrap_err()
        .to_string();
        assert!(err.contains(file), "{err}");
    }
    // Both files hold 10,000 rows: swapped, only their values tell.
    let swapped = |path: String| served(path.replace("mnist-logits", "mnist-test-logits"));
    let err = load(swapped);
    assert!(
        err.contains("not the teacher's logits of the training images"),
        "{err}"
    );
    // Another teacher of the same shape (MNIST's MLP, 784 inputs and 10 classes) in the conv
    // teacher's place: the shipped logits are not its own.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mnist = std::fs::read(dir.join("assets/teachers/mnist.safetensors")).unwrap();
    let err = block_on(load_data(
        DatasetKind::FashionMnist,
        ShippedTeacher::Scratch,
        replacing("teachers/fashion-mnist.safetensors", &mnist),
    ))
    .map(|_| ())
    .unwrap_err()
    .to_string();
    assert!(err.contains("not the teacher's logits"), "{err}");
}

#[test]
fn the_conv_teachers_first_block_is_shown_for_the_example_or_the_drawing() {
    let (data, teacher) = fashion();
    let example = first_block(&teacher, &data, 3, None).unwrap();
    assert_eq!(
        (example.filters.len(), example.maps.len(), example.side),
        (32, 32, 28)
    );
    let blank = first_block(&teacher, &data, 3, Some(&[0.0; 784])).unwrap();
    assert_ne!(example.maps, blank.maps, "a drawing has maps of its own");
    assert_eq!(
        example.filters, blank.filters,
        "the filters are the teacher's"
    );
    let mnist = block_on(load_data(
        DatasetKind::Mnist,
        ShippedTeacher::Scratch,
        served,
    ))
    .unwrap();
    assert!(
        first_block(&mnist.1, &mnist.0, 0, None).is_none(),
        "an MLP has no filters"
    );
}
