//! `onnx`: a weight file as an ONNX model for onnxruntime, in float32 or with int8 weights; with
//! `--dequantized`, also the network with the int8 weights back in float32 (what the int8 model
//! computes, for `distill predict` to compare against).

use std::path::PathBuf;

use burn::tensor::Device;
use clap::Args;

use crate::engine::error::Result;
use crate::engine::onnx::{Precision, dequantized, export};
use crate::engine::weights::NetworkWeights;

use super::{load_weights, write};

#[derive(Args, Debug)]
pub struct OnnxArgs {
    /// The weight file (safetensors or burnpack).
    #[arg(long)]
    pub weights: PathBuf,
    /// Where the ONNX model goes.
    #[arg(long)]
    pub out: PathBuf,
    /// Store the weight matrices as int8 with a float32 scale each (DequantizeLinear).
    #[arg(long)]
    pub int8: bool,
    /// Also write the network with the int8 weights dequantized, as safetensors.
    #[arg(long, requires = "int8")]
    pub dequantized: Option<PathBuf>,
}

pub(super) fn onnx(args: OnnxArgs, device: &Device) -> Result<()> {
    let (net, info) = load_weights(&args.weights, device)?;
    let weights = NetworkWeights::from_network(&net)?;
    let precision = if args.int8 {
        Precision::Int8
    } else {
        Precision::Float32
    };
    // Built whole before anything is written: a network ONNX cannot express leaves no file.
    let model = export(&weights, precision)?;
    write(&args.out, &model)?;
    println!(
        "wrote {} ({} bytes, {}, opset {})",
        args.out.display(),
        model.len(),
        if args.int8 { "int8 weights" } else { "float32" },
        crate::engine::onnx::OPSET
    );
    if let Some(path) = &args.dequantized {
        write(path, &dequantized(&weights).to_safetensors(&info)?)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
