//! `eval`, `export` and `predict`: reading a weight file and what it does on a dataset.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use serde_json::json;

use crate::engine::error::{Error, Result};
use crate::engine::train::accuracy;
use crate::engine::weights::{MlpWeights, WeightFormat};

use super::*;

pub(super) fn eval(args: EvalArgs, assets: &Path, device: &Device) -> Result<()> {
    let split = load_split(args.dataset, assets, args.seed)?;
    let (net, file) = load_weights(&args.weights, device)?;
    let config = net.config();
    check_fits(&config, &args.weights, args.dataset, &split.test)?;
    let acc = accuracy(&net, &split.test, device)?;
    println!(
        "{} ({} {}): test accuracy {:.2} % on {} {} examples",
        args.weights.display(),
        if file.role.is_empty() {
            "network"
        } else {
            &file.role
        },
        config.describe(),
        acc * 100.0,
        split.test.len(),
        args.dataset.name()
    );
    if let Some(path) = &args.teacher {
        let (teacher, _) = load_weights(path, device)?;
        let classes = split.test.classes;
        let a = crate::engine::train::predictions(
            &crate::engine::train::logits_host(&net, &split.test, device)?,
            classes,
        );
        let b = crate::engine::train::predictions(
            &crate::engine::train::logits_host(&teacher, &split.test, device)?,
            classes,
        );
        let agree = crate::engine::train::fraction_equal(&a, b.into_iter());
        println!(
            "Agrees with the teacher on {:.2} % of test examples",
            agree * 100.0
        );
    }
    Ok(())
}

pub(super) fn export(args: ExportArgs, device: &Device) -> Result<()> {
    let (net, file) = load_weights(&args.weights, device)?;
    let config = net.config();
    let format = match args.format {
        Some(ExportFormat::Safetensors) => WeightFormat::Safetensors,
        Some(ExportFormat::Burnpack) => WeightFormat::Burnpack,
        None if args.out.extension().is_some_and(|e| e == "bpk") => WeightFormat::Burnpack,
        None => WeightFormat::Safetensors,
    };
    write(
        &args.out,
        &MlpWeights::from_mlp(&net)?.to_format(format, &file)?,
    )?;
    let names: Vec<serde_json::Value> = (0..=config.depth())
        .map(|k| json!({"weight": format!("{}.weight", 2 * k), "bias": format!("{}.bias", 2 * k)}))
        .collect();
    let layout = match format {
        WeightFormat::Safetensors => {
            "safetensors in PyTorch nn.Linear layout: weight [out, in], bias [out], float32; names are torch.nn.Sequential indices (Linear at even indices, activation at odd)"
        }
        WeightFormat::Burnpack => {
            "burnpack (burn's format): burn module names (hidden.{i}, output), weight [in, out], bias [out], float32"
        }
    };
    let sidecar = json!({
        "format": crate::engine::weights::FORMAT,
        "file": format.extension(),
        "layout": layout,
        "architecture": crate::engine::network::Architecture::from(&config),
        "parameters": config.num_params(),
        "layers": names,
        "role": file.role,
        "info": file.info,
    });
    let mut json_path = args.out.clone().into_os_string();
    json_path.push(".json");
    let json_path = PathBuf::from(json_path);
    let text = serde_json::to_string_pretty(&sidecar).map_err(|e| Error::Weights(e.to_string()))?;
    write(&json_path, text.as_bytes())?;
    println!("Wrote {} and {}", args.out.display(), json_path.display());
    Ok(())
}

pub(super) fn predict(args: PredictArgs, assets: &Path, device: &Device) -> Result<()> {
    let split = load_split(args.dataset, assets, args.seed)?;
    let (net, _) = load_weights(&args.weights, device)?;
    let test = &split.test;
    check_fits(&net.config(), &args.weights, args.dataset, test)?;
    let n = args.count.min(test.len());
    let rows: Vec<usize> = (0..n).collect();
    let subset = test.subset(&rows);
    let logits = crate::engine::train::logits_host(&net, &subset, device)?;
    let le = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let (inputs, logits_bytes) = (le(&subset.features), le(&logits));
    let views = [
        (
            "inputs",
            safetensors::Dtype::F32,
            vec![n, test.dim],
            &inputs[..],
        ),
        (
            "logits",
            safetensors::Dtype::F32,
            vec![n, test.classes],
            &logits_bytes[..],
        ),
        (
            "labels",
            safetensors::Dtype::U8,
            vec![n],
            &subset.labels[..],
        ),
    ]
    .into_iter()
    .map(|(name, dtype, shape, data)| {
        safetensors::tensor::TensorView::new(dtype, shape, data)
            .map(|v| (name.to_string(), v))
            .map_err(|e| Error::Weights(e.to_string()))
    })
    .collect::<Result<Vec<_>>>()?;
    let bytes = safetensors::serialize(views, None).map_err(|e| Error::Weights(e.to_string()))?;
    write(&args.out, &bytes)?;
    println!(
        "Wrote the logits of {n} {} test examples to {}",
        args.dataset.name(),
        args.out.display()
    );
    Ok(())
}
