//! The weight-file readers take bytes from users: random and mutated files must give an error or
//! a valid network, never a panic (proptest generates and shrinks the inputs).

use std::collections::HashMap;

use burn::store::{BurnpackStore, ModuleSnapshot};
use burn::tensor::Device;
use distill_playground::Error;
use distill_playground::engine::network::{
    Architecture, BiLstmConfig, BowConfig, MlpConfig, TransformerConfig,
};
use distill_playground::engine::weights::{FileInfo, MlpWeights, NetworkWeights, WeightFormat};
use proptest::prelude::*;
use proptest::sample::Index;
use safetensors::SafeTensors;

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

/// Small networks of every text kind, as files.
fn text_file(kind: usize, format: WeightFormat) -> Vec<u8> {
    let arch: Architecture = match kind % 3 {
        0 => TransformerConfig {
            vocab: 12,
            max_len: 5,
            width: 4,
            heads: 2,
            blocks: 2,
            ff: 6,
            classes: 3,
            dropout: 0.0,
        }
        .into(),
        1 => BiLstmConfig {
            vocab: 12,
            max_len: 5,
            embed: 3,
            hidden: 2,
            fc: 4,
            classes: 3,
        }
        .into(),
        _ => BowConfig {
            vocab: 12,
            max_len: 5,
            embed: 3,
            hidden: vec![4],
            classes: 3,
        }
        .into(),
    };
    let net = arch.init(&Device::flex(), 3).unwrap();
    NetworkWeights::from_network(&net)
        .unwrap()
        .to_format(format, &FileInfo::default())
        .unwrap()
}

/// A successful read of any kind must be a usable network: valid, finite, buildable.
fn check_any(bytes: &[u8]) {
    if let Ok((weights, _)) = NetworkWeights::from_bytes(bytes) {
        assert!(weights.architecture.validate().is_ok());
        assert!(weights.tensors.values().flatten().all(|v| v.is_finite()));
        assert!(weights.architecture.declared_params() * 4 <= bytes.len() as u64);
        weights.to_network(&Device::flex()).unwrap();
    }
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

/// A declared architecture as a file's metadata may spell it: mostly within the model's limits
/// (so the reader would build it) and often as large as they allow, sometimes beyond them.
fn architecture() -> impl Strategy<Value = serde_json::Value> {
    let width = prop_oneof![6 => Just(4096), 2 => 1usize..9, 1 => Just(4097), 1 => 0usize..2];
    (
        prop_oneof![1 => 1usize..65, 2 => Just(1 << 20), 1 => Just(usize::MAX >> 1)],
        proptest::collection::vec(width, 0..12),
        prop_oneof![2usize..11, Just(1000), 0usize..2],
        prop_oneof![Just("relu"), Just("tanh"), Just("gelu")],
    )
        .prop_map(|(inputs, hidden, classes, activation)| {
            serde_json::json!({
                "inputs": inputs, "hidden": hidden, "classes": classes, "activation": activation
            })
        })
}

/// The small valid file's tensors, with `architecture` written into its metadata instead.
/// Version 2 files tag the architecture with its kind; first-format (mlp-v1) files do not.
fn with_architecture(format: WeightFormat, architecture: &serde_json::Value, v2: bool) -> Vec<u8> {
    let (version, arch) = if v2 {
        let mut tagged = architecture.clone();
        tagged["kind"] = "mlp".into();
        ("distill-playground/v2", tagged.to_string())
    } else {
        ("distill-playground/mlp-v1", architecture.to_string())
    };
    let meta = |k: &str, v: &str| (k.to_string(), v.to_string());
    match format {
        WeightFormat::Burnpack => {
            let net = MlpConfig {
                hidden: vec![6, 5],
                ..MlpConfig::student(8, 3)
            }
            .init(&Device::flex(), 3)
            .unwrap();
            let mut store = BurnpackStore::from_bytes(None)
                .metadata("format", version)
                .metadata("architecture", arch)
                .metadata("role", "student")
                .metadata("info", "{}");
            net.save_into(&mut store).unwrap();
            store.get_bytes().unwrap().to_vec()
        }
        WeightFormat::Safetensors | WeightFormat::SafetensorsInt8 => {
            let bytes = valid_file(WeightFormat::Safetensors);
            let file = SafeTensors::deserialize(&bytes).unwrap();
            let metadata = HashMap::from([
                meta("format", version),
                meta("architecture", &arch),
                meta("role", "student"),
            ]);
            safetensors::serialize(file.tensors(), Some(metadata)).unwrap()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Whatever architecture the metadata declares, reading returns at once: an error, or the
    /// network the tensors really hold. A file never gets a network bigger than its bytes built.
    #[test]
    fn declared_architectures_never_build_more_than_the_file_holds(
        arch in architecture(),
        burnpack in any::<bool>(),
        v2 in any::<bool>(),
    ) {
        let format = if burnpack { WeightFormat::Burnpack } else { WeightFormat::Safetensors };
        let bytes = with_architecture(format, &arch, v2);
        match MlpWeights::from_bytes(&bytes) {
            Ok((weights, _)) => {
                prop_assert_eq!(&weights.config.hidden, &vec![6, 5]);
                prop_assert!(weights.config.declared_params() * 4 <= bytes.len() as u64);
            }
            // Refusals are the weight reader's own errors, never a model build failing later.
            Err(e) => prop_assert!(matches!(e, Error::Weights(_)), "{}", e),
        }
    }
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

    #[test]
    fn mutated_int8_safetensors_never_panic(mutations in proptest::collection::vec(mutation(), 1..6)) {
        check(&apply(valid_file(WeightFormat::SafetensorsInt8), &mutations));
    }
}

/// A text architecture as a file's metadata may declare it, often at the limits.
fn text_architecture() -> impl Strategy<Value = serde_json::Value> {
    let size = prop_oneof![3 => 1usize..9, 2 => Just(1024), 1 => Just(100_000), 1 => Just(usize::MAX >> 1)];
    (0usize..3, size.clone(), size.clone(), size.clone(), size)
        .prop_map(|(kind, a, b, c, d)| match kind {
            0 => serde_json::json!({"kind": "transformer", "vocab": a, "max_len": 5, "width": b, "heads": 2, "blocks": c % 30, "ff": d, "classes": 3}),
            1 => serde_json::json!({"kind": "bilstm", "vocab": a, "max_len": 5, "embed": b, "hidden": c, "fc": d, "classes": 3}),
            _ => serde_json::json!({"kind": "bow", "vocab": a, "max_len": b, "embed": c, "hidden": [d], "classes": 3}),
        })
}

/// A small text network's tensors under another declared architecture.
fn relabelled(kind: usize, format: WeightFormat, architecture: &serde_json::Value) -> Vec<u8> {
    let bytes = text_file(kind, format);
    let meta = |k: &str, v: String| (k.to_string(), v);
    match format {
        WeightFormat::Safetensors | WeightFormat::SafetensorsInt8 => {
            let file = SafeTensors::deserialize(&bytes).unwrap();
            let metadata = HashMap::from([
                meta("format", "distill-playground/v2".into()),
                meta("architecture", architecture.to_string()),
            ]);
            safetensors::serialize(file.tensors(), Some(metadata)).unwrap()
        }
        WeightFormat::Burnpack => {
            let (weights, _) = NetworkWeights::from_bytes(&bytes).unwrap();
            let net = weights.to_network(&Device::flex()).unwrap();
            let mut store = BurnpackStore::from_bytes(None)
                .metadata("format", "distill-playground/v2")
                .metadata("architecture", architecture.to_string());
            use distill_playground::engine::network::Network;
            match net {
                Network::Transformer(n) => n.save_into(&mut store).unwrap(),
                Network::BiLstm(n) => n.save_into(&mut store).unwrap(),
                Network::Bow(n) => n.save_into(&mut store).unwrap(),
                Network::Mlp(n) => n.save_into(&mut store).unwrap(),
                Network::Bert(n) => n.save_into(&mut store).unwrap(),
                Network::Cnn(n) => n.save_into(&mut store).unwrap(),
            }
            store.get_bytes().unwrap().to_vec()
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Text files, mutated: an error or a usable network, never a panic.
    #[test]
    fn mutated_text_networks_never_panic(
        kind in 0usize..3,
        burnpack in any::<bool>(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let format = if burnpack { WeightFormat::Burnpack } else { WeightFormat::Safetensors };
        check_any(&apply(text_file(kind, format), &mutations));
    }

    /// Whatever text architecture the metadata declares, reading returns at once with an error
    /// or the network the tensors hold; nothing bigger than the file is built.
    #[test]
    fn declared_text_architectures_never_build_more_than_the_file_holds(
        kind in 0usize..3,
        burnpack in any::<bool>(),
        arch in text_architecture(),
    ) {
        let format = if burnpack { WeightFormat::Burnpack } else { WeightFormat::Safetensors };
        let bytes = relabelled(kind, format, &arch);
        match NetworkWeights::from_bytes(&bytes) {
            Ok((weights, _)) => {
                prop_assert!(weights.architecture.declared_params() * 4 <= bytes.len() as u64);
            }
            Err(e) => prop_assert!(matches!(e, Error::Weights(_)), "{}", e),
        }
    }
}

#[test]
fn the_unmutated_text_files_are_read() {
    for kind in 0..3 {
        for format in [WeightFormat::Safetensors, WeightFormat::Burnpack] {
            let (weights, _) = NetworkWeights::from_bytes(&text_file(kind, format)).unwrap();
            assert_eq!(weights.architecture.vocab(), Some(12));
        }
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
