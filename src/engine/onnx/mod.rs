//! Students as ONNX models, for onnxruntime in Python or in a web page: every kind the page
//! trains (MLP, whole, factorized or shared; conv net; bag of words; BiLSTM; transformer), in
//! float32 or with int8 weights. Each graph computes what the engine's forward pass computes,
//! from the same PyTorch-layout tensors the weight files hold; `scripts/interop.sh` checks the
//! logits with onnxruntime. A network ONNX cannot be asked for here is refused before anything
//! is written.

mod features;
mod graph;
pub mod proto;
mod text;

use std::collections::BTreeMap;

use prost::Message;

use crate::error::{Error, Result};
use crate::network::{Activation, Architecture};
use crate::weights::NetworkWeights;
use graph::{Dim, Graph};
pub use graph::{OPSET, Precision, int8};

/// The graph's input and output names.
pub const INPUT: &str = "input";
pub const OUTPUT: &str = "logits";

/// A network's tensors by PyTorch name.
pub struct Tensors<'a>(&'a BTreeMap<String, Vec<f32>>);

impl Tensors<'_> {
    pub fn get(&self, name: &str) -> Result<&[f32]> {
        self.0
            .get(name)
            .map(Vec::as_slice)
            .ok_or_else(|| Error::Weights(format!("missing tensor {name}")))
    }
}

/// `weights` as an ONNX model's bytes. The MiniLM teacher is refused: it is no student.
pub fn export(weights: &NetworkWeights, precision: Precision) -> Result<Vec<u8>> {
    if let Architecture::Bert(_) = weights.architecture {
        return Err(not_a_student());
    }
    weights.check()?;
    let t = Tensors(&weights.tensors);
    let mut g = Graph::new(precision);
    let features = |n: usize| (proto::FLOAT, vec![Dim::Named("batch"), Dim::Fixed(n)]);
    let tokens = || {
        (
            proto::INT64,
            vec![Dim::Named("batch"), Dim::Named("positions")],
        )
    };
    let ((elem, shape), logits, classes) = match &weights.architecture {
        Architecture::Mlp(c) => (
            features(c.inputs),
            features::mlp(&mut g, c, &t, INPUT)?,
            c.classes,
        ),
        Architecture::Cnn(c) => (
            features(c.side * c.side),
            features::cnn(&mut g, c, &t, INPUT)?,
            c.classes,
        ),
        Architecture::Bow(c) => (tokens(), text::bow(&mut g, c, &t, INPUT)?, c.classes),
        Architecture::BiLstm(c) => (tokens(), text::bilstm(&mut g, c, &t, INPUT)?, c.classes),
        Architecture::Transformer(c) => (
            tokens(),
            text::transformer(&mut g, c, &t, INPUT)?,
            c.classes,
        ),
        Architecture::Bert(_) => return Err(not_a_student()),
    };
    let doc = format!("{} ({precision:?})", weights.architecture.describe());
    let model = g.finish((INPUT, elem, &shape), &logits, OUTPUT, classes, doc);
    Ok(model.encode_to_vec())
}

fn not_a_student() -> Error {
    Error::Settings(
        "ONNX export is for the students the page trains (MLP, conv net, bag of words, BiLSTM, \
         transformer); the pretrained MiniLM teacher is not one: export it as safetensors, \
         which Hugging Face's BertModel reads"
            .into(),
    )
}

/// `weights` with every tensor the int8 export quantizes (each of two or more dimensions) as
/// its int8 values times its scale: what the int8 model computes with.
pub fn dequantized(weights: &NetworkWeights) -> NetworkWeights {
    let mut out = weights.clone();
    for name in crate::weights::q8::quantizable(&weights.architecture) {
        if let Some(values) = out.tensors.get_mut(&name) {
            *values = crate::weights::q8::round_trip(values);
        }
    }
    out
}

fn activation(g: &mut Graph, a: Activation, x: &str) -> String {
    match a {
        Activation::Relu => g.op("Relu", &[x], vec![]),
        Activation::Tanh => g.op("Tanh", &[x], vec![]),
        Activation::Gelu => gelu(g, x),
    }
}

/// The exact GELU, `x · (1 + erf(x / √2)) / 2` (as burn computes it; `Erf` is in every opset
/// onnxruntime-web runs).
fn gelu(g: &mut Graph, x: &str) -> String {
    let root = g.scalar(std::f32::consts::SQRT_2);
    let scaled = g.op("Div", &[x, &root], vec![]);
    let erf = g.op("Erf", &[&scaled], vec![]);
    let one = g.scalar(1.0);
    let shifted = g.op("Add", &[&erf, &one], vec![]);
    let product = g.op("Mul", &[x, &shifted], vec![]);
    let half = g.scalar(0.5);
    g.op("Mul", &[&product, &half], vec![])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compress::quantize::{Bits, Calibrate, Granularity, Quantization, round_trip};
    use crate::network::{BiLstmConfig, BowConfig, CnnConfig, MlpConfig, TransformerConfig};
    use burn::tensor::Device;

    fn weights(architecture: Architecture) -> NetworkWeights {
        let net = architecture.init(&Device::flex(), 3).unwrap();
        NetworkWeights::from_network(&net).unwrap()
    }

    fn decode(bytes: &[u8]) -> proto::GraphProto {
        let model = proto::ModelProto::decode(bytes).unwrap();
        assert_eq!(model.opset_import[0].version, OPSET);
        model.graph.unwrap()
    }

    #[test]
    fn every_student_kind_exports_a_graph_from_its_input_to_its_logits() {
        let kinds: Vec<Architecture> = vec![
            MlpConfig::student(64, 10).into(),
            MlpConfig {
                hidden: vec![32, 32],
                ranks: vec![8, 8, 0],
                ..MlpConfig::student(64, 10)
            }
            .into(),
            MlpConfig {
                hidden: vec![32; 3],
                shared: true,
                ..MlpConfig::student(64, 10)
            }
            .into(),
            CnnConfig {
                side: 28,
                channels: vec![4, 8],
                classes: 10,
            }
            .into(),
            BowConfig::student(500, 32, 2).into(),
            BiLstmConfig::student(500, 32, 2).into(),
            TransformerConfig::student(500, 32, 2).into(),
        ];
        for architecture in kinds {
            let w = weights(architecture.clone());
            let graph = decode(&export(&w, Precision::Float32).unwrap());
            let (input, output) = (&graph.input[0], &graph.output[0]);
            assert_eq!((input.name.as_str(), output.name.as_str()), (INPUT, OUTPUT));
            // Every tensor of the file is an initializer; a shared layer's once.
            let mut names: Vec<&str> = graph.initializer.iter().map(|t| t.name.as_str()).collect();
            let count = names.len();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), count, "{}", architecture.describe());
            let stored: usize = graph
                .initializer
                .iter()
                .filter(|t| t.data_type == proto::FLOAT)
                .map(|t| t.raw_data.len() / 4)
                .sum();
            assert!(
                stored >= w.tensors.values().map(Vec::len).sum::<usize>(),
                "{}",
                architecture.describe()
            );
            // Every node reads what an input, an initializer or an earlier node gives.
            let mut known: Vec<String> = graph.initializer.iter().map(|t| t.name.clone()).collect();
            known.push(INPUT.into());
            for node in &graph.node {
                for i in &node.input {
                    assert!(known.contains(i), "{} reads {i} first", node.op_type);
                }
                known.extend(node.output.iter().cloned());
            }
            assert!(known.contains(&OUTPUT.to_string()));
        }
    }

    #[test]
    fn int8_weights_are_burns_8_bit_step_and_a_quarter_of_the_bytes() {
        let w = weights(MlpConfig::teacher(64, 10).into());
        let values = &w.tensors["0.weight"];
        let q = Quantization {
            bits: Bits::Eight,
            granularity: Granularity::PerTensor,
            calibration: Calibrate::MinMax,
        };
        let burn = round_trip(values, &q, &Device::flex()).unwrap();
        let (ints, scale) = int8(values);
        for ((v, b), i) in values.iter().zip(&burn).zip(&ints) {
            let ours = f32::from(*i) * scale;
            assert!((ours - v).abs() <= scale / 2.0 + 1e-7);
            assert!((ours - b).abs() <= 1e-6, "{ours} against burn's {b}");
        }
        let float = export(&w, Precision::Float32).unwrap().len();
        let small = export(&w, Precision::Int8).unwrap().len();
        assert!(small * 3 < float, "{small} against {float}");
        let graph = decode(&export(&w, Precision::Int8).unwrap());
        let dequantize = graph
            .node
            .iter()
            .filter(|n| n.op_type == "DequantizeLinear")
            .count();
        assert_eq!(dequantize, 7, "one per weight matrix");
        let d = dequantized(&w);
        assert_eq!(d.tensors["0.bias"], w.tensors["0.bias"]);
        assert_ne!(d.tensors["0.weight"], w.tensors["0.weight"]);
    }

    #[test]
    fn what_onnx_is_not_asked_for_is_refused_with_the_reason() {
        let mut w = weights(MlpConfig::student(64, 10).into());
        w.tensors.remove("2.bias");
        let err = export(&w, Precision::Float32).unwrap_err().to_string();
        assert!(err.contains("7 tensors"), "{err}");
        let bert = NetworkWeights {
            architecture: Architecture::Bert(crate::network::BertConfig::minilm(64, 10)),
            tensors: BTreeMap::new(),
        };
        let err = export(&bert, Precision::Float32).unwrap_err().to_string();
        assert!(err.contains("MiniLM teacher is not one"), "{err}");
    }
}
