//! The encoder–decoder of sequence-level KD: its decoder sees only the past, its files round-trip
//! and refuse what is not theirs, and the five kinds of targets train.

use burn::tensor::{Device, Tensor};
use distill_playground::engine::seq2seq::beam::closest_to_gold;
use distill_playground::engine::seq2seq::data::{BOS, MAX_LETTERS, TARGET_LEN, letters};
use distill_playground::engine::seq2seq::model::id_rows;
use distill_playground::engine::seq2seq::{
    G2p, Seq2SeqConfig, Seq2SeqSettings, Seq2SeqTrainer, Targets, load_seq2seq, save_seq2seq,
};

fn tiny() -> Seq2SeqConfig {
    Seq2SeqConfig {
        width: 16,
        heads: 2,
        layers: 1,
        ff: 32,
    }
}

fn values(t: Tensor<3>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().unwrap()
}

#[test]
fn the_decoder_sees_only_the_phonemes_before_each_position() {
    let device = Device::flex();
    let model = tiny().init(&device).unwrap();
    let word = id_rows(&[letters("cat").unwrap()], MAX_LETTERS, &device);
    let a = id_rows(&[vec![BOS, 22, 4, 33]], TARGET_LEN, &device);
    let b = id_rows(&[vec![BOS, 22, 4, 9]], TARGET_LEN, &device);
    let (la, lb) = (
        values(model.forward(word.clone(), a).narrow(1, 0, 3)),
        values(model.forward(word.clone(), b.clone()).narrow(1, 0, 3)),
    );
    assert_eq!(la, lb, "positions 0–2 do not see position 3");
    let c = id_rows(&[vec![BOS, 22, 5, 9]], TARGET_LEN, &device);
    let (lb2, lc) = (
        values(model.forward(word.clone(), b).narrow(1, 2, 1)),
        values(model.forward(word, c).narrow(1, 2, 1)),
    );
    assert_ne!(lb2, lc, "position 2 sees position 2");
}

#[test]
fn files_round_trip_and_refuse_what_is_not_an_encoder_decoder() {
    let device = Device::flex();
    let model = tiny().init(&device).unwrap();
    let bytes = save_seq2seq(&model, &tiny(), "{\"role\":\"test\"}").unwrap();
    let (back, config, info) = load_seq2seq(&bytes, &device).unwrap();
    assert_eq!((config, info.as_str()), (tiny(), "{\"role\":\"test\"}"));
    let words = vec![letters("photo").unwrap(), letters("graph").unwrap()];
    assert_eq!(
        model.greedy(&words, &device).unwrap(),
        back.greedy(&words, &device).unwrap()
    );
    let err = load_seq2seq(&bytes[..bytes.len() / 2], &device).unwrap_err();
    assert!(err.to_string().contains("not a valid safetensors"), "{err}");
    let mlp = std::fs::read("assets/teachers/digits.safetensors").unwrap();
    let err = load_seq2seq(&mlp, &device).unwrap_err();
    assert!(
        err.to_string().contains("not an encoder–decoder file"),
        "{err}"
    );
    // A shape out of bounds is refused before anything is built.
    let mut odd = bytes.clone();
    let at = odd.windows(10).position(|w| w == b"width\\\":16").unwrap();
    odd[at + 8..at + 10].copy_from_slice(b"99");
    let err = load_seq2seq(&odd, &device).unwrap_err();
    assert!(err.to_string().contains("width"), "{err}");
}

/// The parameter count a file is checked against is the count burn builds.
#[test]
fn the_declared_size_is_what_burn_builds() {
    use burn::module::Module;
    let device = Device::flex();
    for config in [tiny(), Seq2SeqConfig::teacher(), Seq2SeqConfig::student()] {
        let built = config.init(&device).unwrap().num_params() as u64;
        assert_eq!(config.declared_params(), built, "{}", config.describe());
    }
}

/// A small file that declares the largest shape is refused before 44 M parameters are built.
#[test]
fn a_file_declaring_a_huge_shape_is_refused_unbuilt() {
    let device = Device::flex();
    let model = tiny().init(&device).unwrap();
    let bytes = save_seq2seq(&model, &tiny(), "{}").unwrap();
    let (from, to) = (
        br#"{\"width\":16,\"heads\":2,\"layers\":1,\"ff\":32}"#.as_slice(),
        br#"{\"width\":512,\"heads\":2,\"layers\":6,\"ff\":2048}"#.as_slice(),
    );
    let at = bytes.windows(from.len()).position(|w| w == from).unwrap();
    let mut forged = bytes[..at].to_vec();
    forged.extend_from_slice(to);
    forged.extend_from_slice(&bytes[at + from.len()..]);
    // The header's length prefix grows with the edit (8 little-endian bytes first).
    let header =
        u64::from_le_bytes(forged[..8].try_into().unwrap()) + (to.len() - from.len()) as u64;
    forged[..8].copy_from_slice(&header.to_le_bytes());
    let err = load_seq2seq(&forged, &device).unwrap_err().to_string();
    assert!(
        err.contains("declares the encoder–decoder 6+6 layers"),
        "{err}"
    );
}

#[test]
fn every_kind_of_target_trains_and_distilling_needs_a_teacher() {
    let device = Device::flex();
    let text = "train\tcat\tK AE T\ntrain\tdog\tD AO G\ntrain\tcar\tK AA R\ntest\tcot\tK AA T\n";
    let data = G2p::parse(text).unwrap();
    let teacher = tiny().init(&device).unwrap();
    for targets in Targets::ALL {
        let settings = Seq2SeqSettings {
            targets,
            learning_rate: 3e-3,
            batch_size: 2,
            seed: 1,
            // Interpolation chooses among candidates: its own test is below.
            beam: if targets == Targets::Interpolated {
                3
            } else {
                1
            },
        };
        let mut t = Seq2SeqTrainer::new(
            &tiny(),
            &data.train,
            Some(&teacher),
            settings.clone(),
            &device,
        )
        .unwrap();
        let first = t.step().unwrap();
        assert!(first.is_finite() && first > 0.0, "{targets:?}: {first}");
        if targets.needs_teacher() {
            let err = Seq2SeqTrainer::new(&tiny(), &data.train, None, settings, &device)
                .err()
                .unwrap();
            assert!(err.to_string().contains("needs a teacher"), "{err}");
        }
        // Sequence-level targets are the teacher's pronunciations, not the dictionary's.
        let gold: Vec<Vec<u32>> = data.train.iter().map(|p| p.phones.clone()).collect();
        let own = teacher
            .greedy(
                &data
                    .train
                    .iter()
                    .map(|p| p.letters.clone())
                    .collect::<Vec<_>>(),
                &device,
            )
            .unwrap();
        match targets {
            Targets::Sequence | Targets::Both => assert_eq!(t.targets(), own.as_slice()),
            Targets::Interpolated => {}
            _ => assert_eq!(t.targets(), gold.as_slice()),
        }
    }
}

/// Sequence-level targets from the teacher's beam: the best candidate of each word; a beam of 0
/// is refused with the reason, before anything is decoded.
#[test]
fn sequence_targets_come_from_the_teachers_beam_and_a_beam_of_zero_is_refused() {
    let device = Device::flex();
    let text = "train\tcat\tK AE T\ntrain\tdog\tD AO G\ntrain\tcar\tK AA R\ntest\tcot\tK AA T\n";
    let data = G2p::parse(text).unwrap();
    let teacher = tiny().init(&device).unwrap();
    let settings = |beam| Seq2SeqSettings {
        targets: Targets::Sequence,
        learning_rate: 3e-3,
        batch_size: 2,
        seed: 1,
        beam,
    };
    let t =
        Seq2SeqTrainer::new(&tiny(), &data.train, Some(&teacher), settings(3), &device).unwrap();
    for (pair, target) in data.train.iter().zip(t.targets()) {
        let best = teacher.beam(&pair.letters, 3, &device).unwrap();
        assert_eq!(&best[0].phonemes, target);
    }
    let refused = Seq2SeqTrainer::new(&tiny(), &data.train, Some(&teacher), settings(0), &device);
    let err = refused.map(|_| ()).unwrap_err().to_string();
    assert!(err.contains("a beam of 0"), "{err}");
}

/// Sequence-level interpolation: of the teacher's beam for each word, the candidate nearest the
/// gold pronunciation, which need not be the beam's best; a beam of 1 is refused with the reason.
#[test]
fn interpolated_targets_are_the_beams_candidates_nearest_gold() {
    let device = Device::flex();
    let shipped = include_bytes!("../../../assets/teachers/cmudict.safetensors");
    let (teacher, _, _) = load_seq2seq(shipped, &device).unwrap();
    let data = G2p::from_gz(include_bytes!(
        "../../../assets/data/cmudict/cmudict.tsv.gz"
    ))
    .unwrap();
    let words = &data.test[..40];
    let settings = |beam| Seq2SeqSettings {
        targets: Targets::Interpolated,
        learning_rate: 3e-3,
        batch_size: 8,
        seed: 1,
        beam,
    };
    let t = Seq2SeqTrainer::new(&tiny(), words, Some(&teacher), settings(4), &device).unwrap();
    let mut not_the_best = 0;
    for (pair, target) in words.iter().zip(t.targets()) {
        let found = teacher.beam(&pair.letters, 4, &device).unwrap();
        let nearest = closest_to_gold(&found, &pair.phones).unwrap();
        assert_eq!(&nearest.phonemes, target, "{pair:?}");
        not_the_best += usize::from(found[0].phonemes != *target);
    }
    // The teacher is wrong on about 4 words in 10; its beam often holds the right one.
    assert!(
        not_the_best >= 3,
        "{not_the_best} targets were not the beam's best"
    );
    let refused = Seq2SeqTrainer::new(&tiny(), words, Some(&teacher), settings(1), &device);
    let err = refused.map(|_| ()).unwrap_err().to_string();
    assert!(err.contains("a beam of 1 gives one candidate"), "{err}");
}
