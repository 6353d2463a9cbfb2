//! The weight-file readers take bytes from users: random and mutated files must give an error or
//! a valid network, never a panic (proptest generates and shrinks the inputs).
#![cfg(not(target_arch = "wasm32"))]

use burn::tensor::Device;
use distill_playground::model::MlpConfig;
use distill_playground::weights::{FileInfo, MlpWeights, WeightFormat};
use proptest::prelude::*;
use proptest::sample::Index;

fn valid_file(format: WeightFormat) -> Vec<u8> {
    let config = MlpConfig {
        hidden: vec![6, 5],
        ..MlpConfig::student(8, 3)
    };
    let net = config.init(&Device::flex(), 3).unwrap();
    let info = FileInfo {
        role: "student".into(),
        info: serde_json::json!({"dataset": "fuzz"}),
    };
    MlpWeights::from_mlp(&net)
        .unwrap()
        .to_format(format, &info)
        .unwrap()
}

/// A successful read must be a usable network: loadable, finite.
fn check(bytes: &[u8]) {
    if let Ok((weights, _)) = MlpWeights::from_bytes(bytes) {
        assert!(weights.config.validate().is_ok());
        assert!(
            weights
                .layers
                .iter()
                .all(|(w, b)| w.iter().chain(b).all(|v| v.is_finite()))
        );
        weights.to_mlp(&Device::flex()).unwrap();
    }
}

#[derive(Clone, Debug)]
enum Mutation {
    Set(Index, u8),
    Flip(Index, u8),
    Truncate(Index),
    Insert(Index, Vec<u8>),
    Remove(Index, usize),
    /// Rewrites the leading length field (safetensors' u64 header size, burnpack's u32 magic).
    Header(u64),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<Index>(), 0u8..8).prop_map(|(i, bit)| Mutation::Flip(i, bit)),
        any::<Index>().prop_map(Mutation::Truncate),
        (
            any::<Index>(),
            proptest::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        (any::<Index>(), 1usize..64).prop_map(|(i, n)| Mutation::Remove(i, n)),
        any::<u64>().prop_map(Mutation::Header),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        if bytes.is_empty() {
            break;
        }
        let len = bytes.len();
        match m {
            Mutation::Set(i, b) => bytes[i.index(len)] = *b,
            Mutation::Flip(i, bit) => bytes[i.index(len)] ^= 1 << bit,
            Mutation::Truncate(i) => bytes.truncate(i.index(len)),
            Mutation::Insert(i, v) => {
                let at = i.index(len);
                bytes.splice(at..at, v.iter().copied());
            }
            Mutation::Remove(i, n) => {
                let at = i.index(len);
                bytes.drain(at..(at + n).min(len));
            }
            Mutation::Header(v) if len >= 8 => bytes[..8].copy_from_slice(&v.to_le_bytes()),
            Mutation::Header(_) => {}
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        check(&bytes);
    }

    #[test]
    fn mutated_safetensors_never_panic(mutations in proptest::collection::vec(mutation(), 1..6)) {
        check(&apply(valid_file(WeightFormat::Safetensors), &mutations));
    }

    #[test]
    fn mutated_burnpack_never_panic(mutations in proptest::collection::vec(mutation(), 1..6)) {
        check(&apply(valid_file(WeightFormat::Burnpack), &mutations));
    }
}

#[test]
fn the_unmutated_files_are_read() {
    for format in [WeightFormat::Safetensors, WeightFormat::Burnpack] {
        let bytes = valid_file(format);
        assert_eq!(WeightFormat::sniff(&bytes), format);
        let (weights, info) = MlpWeights::from_bytes(&bytes).unwrap();
        assert_eq!(weights.config.hidden, vec![6, 5]);
        assert_eq!(info.role, "student");
    }
}
