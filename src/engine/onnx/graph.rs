//! Building an ONNX graph: initializers, nodes with fresh output names, and the model around
//! them. A weight matrix goes in as float32, or as int8 integers with one float32 scale
//! through `DequantizeLinear` (symmetric, per tensor, the step burn's 8-bit MinMax takes).

use std::collections::HashMap;

pub use crate::weights::q8::int8;

use super::proto::{
    ATTR_FLOAT, ATTR_INT, ATTR_INTS, AttributeProto, Dimension, FLOAT, GraphProto, INT8, INT64,
    ModelProto, NodeProto, OperatorSetIdProto, TensorProto, TensorShapeProto, TensorTypeProto,
    TypeProto, ValueInfoProto,
};

/// The opset every export declares: 17 has `LayerNormalization`, and `DequantizeLinear` per
/// tensor; onnxruntime and onnxruntime-web run it.
pub const OPSET: i64 = 17;
/// ONNX IR version 8 goes with opset 17.
const IR_VERSION: i64 = 8;

/// How the weight matrices are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    Float32,
    /// int8 values times a float32 scale per matrix, dequantized in the graph.
    Int8,
}

/// A dimension of the input: fixed, or named and chosen by the caller (the batch, a length).
#[derive(Clone, Copy, Debug)]
pub enum Dim {
    Fixed(usize),
    Named(&'static str),
}

pub struct Graph {
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
    /// Names given so far, and what each stands for (a shared weight is stored once).
    named: HashMap<String, String>,
    precision: Precision,
    next: usize,
}

fn tensor(name: &str, dims: &[usize], data_type: i32, raw: Vec<u8>) -> TensorProto {
    TensorProto {
        dims: dims.iter().map(|d| *d as i64).collect(),
        data_type,
        name: name.to_string(),
        raw_data: raw,
    }
}

impl Graph {
    pub fn new(precision: Precision) -> Self {
        Self {
            nodes: Vec::new(),
            initializers: Vec::new(),
            named: HashMap::new(),
            precision,
            next: 0,
        }
    }

    /// What `name` stands for, when it was given before.
    fn known(&self, name: &str) -> Option<String> {
        self.named.get(name).cloned()
    }

    fn store(&mut self, t: TensorProto) -> String {
        let name = t.name.clone();
        self.named.insert(name.clone(), name.clone());
        self.initializers.push(t);
        name
    }

    /// A float32 initializer (biases, norms, and every weight in float32); a name given
    /// again is the first one's.
    pub fn floats(&mut self, name: &str, dims: &[usize], values: &[f32]) -> String {
        if let Some(known) = self.known(name) {
            return known;
        }
        let raw = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.store(tensor(name, dims, FLOAT, raw))
    }

    /// A 1-D int64 initializer (shapes, axes, indices); a name given again is the first one's.
    pub fn ints(&mut self, name: &str, values: &[i64]) -> String {
        if let Some(known) = self.known(name) {
            return known;
        }
        let raw = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.store(tensor(name, &[values.len()], INT64, raw))
    }

    /// A float32 scalar under a fresh name.
    pub fn scalar(&mut self, value: f32) -> String {
        let name = self.fresh("const");
        self.floats(&name, &[], &[value])
    }

    /// A weight of `dims` (row-major `values`): float32, or int8 through `DequantizeLinear`.
    pub fn weight(&mut self, name: &str, dims: &[usize], values: &[f32]) -> String {
        if self.precision == Precision::Float32 {
            return self.floats(name, dims, values);
        }
        if let Some(known) = self.known(name) {
            return known;
        }
        let (q, scale) = int8(values);
        let raw = q.iter().map(|v| *v as u8).collect();
        let stored = self.store(tensor(&format!("{name}_int8"), dims, INT8, raw));
        let scale = self.floats(&format!("{name}_scale"), &[], &[scale]);
        let zero = self.store(tensor(&format!("{name}_zero_point"), &[], INT8, vec![0]));
        let weight = self.op("DequantizeLinear", &[&stored, &scale, &zero], vec![]);
        self.named.insert(name.to_string(), weight.clone());
        weight
    }

    /// A linear layer's `[out, in]` weight as the `[in, out]` matrix `MatMul` takes.
    pub fn weight_transposed(&mut self, name: &str, [out, inp]: [usize; 2], w: &[f32]) -> String {
        let t = crate::network::transposed(w, out, inp);
        self.weight(name, &[inp, out], &t)
    }

    fn fresh(&mut self, op: &str) -> String {
        self.next += 1;
        format!("{}_{}", op.to_ascii_lowercase(), self.next)
    }

    /// A node of `op` over `inputs`; its one output's name.
    pub fn op(&mut self, op: &str, inputs: &[&str], attribute: Vec<AttributeProto>) -> String {
        let output = self.fresh(op);
        self.node(op, inputs, std::slice::from_ref(&output), attribute);
        output
    }

    fn node(
        &mut self,
        op: &str,
        inputs: &[&str],
        outputs: &[String],
        attribute: Vec<AttributeProto>,
    ) {
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: outputs.to_vec(),
            name: outputs.first().cloned().unwrap_or_default(),
            op_type: op.to_string(),
            attribute,
        });
    }

    /// `x` split along `axis` into the parts `sizes` (an int64 initializer) gives.
    pub fn split(&mut self, x: &str, sizes: &str, parts: usize, axis: i64) -> Vec<String> {
        let outputs: Vec<String> = (0..parts).map(|_| self.fresh("split")).collect();
        self.node("Split", &[x, sizes], &outputs, vec![int("axis", axis)]);
        outputs
    }

    /// The model: `input` of `elem_type` and `shape`; `logits` (`[batch, classes]`) given out
    /// as `output`.
    pub fn finish(
        mut self,
        (input, elem_type, shape): (&str, i32, &[Dim]),
        logits: &str,
        output: &str,
        classes: usize,
        doc: String,
    ) -> ModelProto {
        self.node("Identity", &[logits], &[output.to_string()], vec![]);
        let out_shape = [Dim::Named("batch"), Dim::Fixed(classes)];
        let graph = GraphProto {
            node: self.nodes,
            name: "student".into(),
            initializer: self.initializers,
            input: vec![value_info(input, elem_type, shape)],
            output: vec![value_info(output, FLOAT, &out_shape)],
        };
        ModelProto {
            ir_version: IR_VERSION,
            producer_name: "distill-playground".into(),
            producer_version: env!("CARGO_PKG_VERSION").into(),
            doc_string: doc,
            graph: Some(graph),
            opset_import: vec![OperatorSetIdProto {
                domain: String::new(),
                version: OPSET,
            }],
        }
    }
}

fn value_info(name: &str, elem_type: i32, shape: &[Dim]) -> ValueInfoProto {
    let dim = shape
        .iter()
        .map(|d| match d {
            Dim::Fixed(n) => Dimension {
                dim_value: Some(*n as i64),
                dim_param: None,
            },
            Dim::Named(name) => Dimension {
                dim_value: None,
                dim_param: Some(name.to_string()),
            },
        })
        .collect();
    ValueInfoProto {
        name: name.to_string(),
        r#type: Some(TypeProto {
            tensor_type: Some(TensorTypeProto {
                elem_type,
                shape: Some(TensorShapeProto { dim }),
            }),
        }),
    }
}

pub fn int(name: &str, i: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        i,
        r#type: ATTR_INT,
        ..Default::default()
    }
}

pub fn ints(name: &str, ints: &[i64]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        ints: ints.to_vec(),
        r#type: ATTR_INTS,
        ..Default::default()
    }
}

pub fn float(name: &str, f: f32) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        f,
        r#type: ATTR_FLOAT,
        ..Default::default()
    }
}
