//! `eval`, `export` and `predict`: reading a weight file and what it does on a dataset.

use std::path::{Path, PathBuf};

use burn::tensor::{Device, Int, Tensor, TensorData};
use serde_json::json;

use crate::engine::data::Dataset;
use crate::engine::error::{Error, Result};
use crate::engine::loss::host;
use crate::engine::network::{Classifier, Input};
use crate::engine::text::{BROWN_GENRES, SPAM_CLASSES};
use crate::engine::train::{
    accuracy, fraction_equal, logits_host, omitted_class_report, predictions,
};
use crate::engine::weights::{NetworkWeights, WeightFormat};

use super::*;

/// A weight file and the data it runs on (text tokenized with the network's tokenizer).
fn network_and_data(
    weights: &Path,
    tokenizer: Option<&Path>,
    dataset: DatasetKind,
    seed: u64,
    assets: &Path,
    device: &Device,
) -> Result<(Network, FileInfo, Data)> {
    let (net, file) = load_weights(weights, device)?;
    if let Network::Bert(bert) = &net {
        // MiniLM reads its own pieces: its test split is theirs.
        let mut data = super::minilm::data_for(bert, dataset, assets, seed)?;
        if let Some(pieces) = &data.pieces {
            data.split.test = pieces.test.clone();
        }
        return Ok((net, file, data));
    }
    let tokenizer = text_tokenizer(&net, &file, tokenizer, weights)?;
    let data = load_data(dataset, assets, seed, tokenizer)?;
    check_fits(&net.architecture(), weights, dataset, &data)?;
    Ok((net, file, data))
}

pub(super) fn eval(args: EvalArgs, assets: &Path, device: &Device) -> Result<()> {
    let (net, file, data) = network_and_data(
        &args.weights,
        args.tokenizer.as_deref(),
        args.dataset,
        args.seed,
        assets,
        device,
    )?;
    let test = &data.split.test;
    let acc = accuracy(&net, test, device)?;
    let role = if file.role.is_empty() {
        "network"
    } else {
        &file.role
    };
    println!(
        "{} ({role} {}): test accuracy {:.2} % on {} {} examples",
        args.weights.display(),
        net.architecture().describe(),
        acc * 100.0,
        test.len(),
        args.dataset.name()
    );
    let logits = match &net {
        Network::Bert(bert) => {
            crate::engine::train::fine_tune::bucketed_logits(bert, test, device)?
        }
        other => logits_host(other, test, device)?,
    };
    print_per_class(&logits, test);
    if let Some(path) = &args.logits_out {
        super::write(
            path,
            &crate::engine::minilm::write_logits(&logits, test.classes)?,
        )?;
        println!(
            "Saved its logits of the {} test examples to {}",
            test.len(),
            path.display()
        );
    }
    if let Some(path) = &args.train_logits_out {
        write_train_logits(&net, &data.split.train, path, device)?;
    }
    if let Some(class) = args.omitted_class {
        print_omitted(class, &net, &data.split, &logits, device)?;
    }
    if let Some(path) = &args.teacher {
        let (teacher, _) = load_weights(path, device)?;
        check_fits(&teacher.architecture(), path, args.dataset, &data)?;
        let a = predictions(&logits, test.classes);
        let b = predictions(&logits_host(&teacher, test, device)?, test.classes);
        println!(
            "Agrees with the teacher on {:.2} % of test examples",
            fraction_equal(&a, b.into_iter()) * 100.0
        );
    }
    Ok(())
}

/// The network's logits of the training split, to `path`.
fn write_train_logits(net: &Network, train: &Dataset, path: &Path, device: &Device) -> Result<()> {
    if let Network::Bert(_) = net {
        return Err(Error::Settings(
            "MiniLM reads its own pieces: `train-teacher --kind minilm --logits-out` writes its \
             logits of the training sentences"
                .into(),
        ));
    }
    let logits = logits_host(net, train, device)?;
    super::write(
        path,
        &crate::engine::minilm::write_logits(&logits, train.classes)?,
    )?;
    println!(
        "Saved its logits of the {} training examples to {}",
        train.len(),
        path.display()
    );
    Ok(())
}

/// Each class's share of its test examples called by its name, on one line.
fn print_per_class(logits: &[f32], test: &Dataset) {
    let preds = predictions(logits, test.classes);
    let per_class: Vec<String> = (0..test.classes)
        .map(|c| {
            let of_class = test
                .labels
                .iter()
                .zip(&preds)
                .filter(|(l, _)| usize::from(**l) == c);
            let (n, hits) =
                of_class.fold((0, 0), |(n, h), (_, p)| (n + 1, h + usize::from(*p == c)));
            format!("{c}: {:.1}", 100.0 * hits as f32 / n.max(1) as f32)
        })
        .collect();
    println!(
        "Per class (% of each class's test examples): {}",
        per_class.join(", ")
    );
}

/// Hinton's reading of an omitted class: recognised before and after the bias fix, the bias
/// chosen on the training set (never on the test set).
fn print_omitted(
    class: u8,
    net: &crate::engine::network::Network,
    split: &crate::engine::data::Split,
    test_logits: &[f32],
    device: &Device,
) -> Result<()> {
    let classes = split.test.classes;
    if usize::from(class) >= classes {
        return Err(Error::Settings(format!(
            "class {class} does not exist: the set has classes 0..{}",
            classes - 1
        )));
    }
    let train_logits = logits_host(net, &split.train, device)?;
    let r = omitted_class_report(
        class,
        classes,
        (&train_logits, &split.train.labels),
        (test_logits, &split.test.labels),
    );
    println!(
        "Omitted class {class}: {:.1} % of its test examples recognised (accuracy {:.2} %); with \
         its logit raised by {:.2} (chosen on the training set): {:.1} % (accuracy {:.2} %)",
        r.recall * 100.0,
        r.accuracy * 100.0,
        r.bias,
        r.recall_with_bias * 100.0,
        r.accuracy_with_bias * 100.0
    );
    Ok(())
}

pub(super) fn export(args: ExportArgs, device: &Device) -> Result<()> {
    let (net, file) = load_weights(&args.weights, device)?;
    let arch = net.architecture();
    let format = match args.format {
        Some(ExportFormat::Safetensors) => WeightFormat::Safetensors,
        Some(ExportFormat::Burnpack) => WeightFormat::Burnpack,
        Some(ExportFormat::SafetensorsInt8) => WeightFormat::SafetensorsInt8,
        None if args.out.extension().is_some_and(|e| e == "bpk") => WeightFormat::Burnpack,
        None => WeightFormat::Safetensors,
    };
    write(
        &args.out,
        &NetworkWeights::from_network(&net)?.to_format(format, &file)?,
    )?;
    let tensors: Vec<serde_json::Value> = arch
        .pytorch_shapes()
        .into_iter()
        .map(|(name, shape)| json!({"name": name, "shape": shape}))
        .collect();
    let sidecar = json!({
        "format": crate::engine::weights::FORMAT,
        "file": format.extension(),
        "layout": layout(format, &arch),
        "architecture": arch,
        "parameters": arch.declared_params(),
        "tensors": tensors,
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

/// How the exported file is laid out, for the sidecar.
fn layout(format: WeightFormat, arch: &Architecture) -> &'static str {
    match (format, arch) {
        (WeightFormat::Burnpack, _) => {
            "burnpack (burn's format): burn module names, linear weights [in, out], float32"
        }
        (WeightFormat::SafetensorsInt8, _) => {
            "safetensors, PyTorch names and layout as the float32 export, but every tensor of two or more dimensions as int8 `{name}.q8` (its own shape) times the float32 `{name}.scale` (q8-symmetric-tensor-f32-v1); vectors float32 under their names"
        }
        (_, Architecture::Mlp(_)) => {
            "safetensors in PyTorch nn.Linear layout: weight [out, in], bias [out], float32; names are torch.nn.Sequential indices (Linear at even indices, activation at odd)"
        }
        (_, Architecture::Transformer(_)) => {
            "safetensors, PyTorch names and layout: nn.Embedding token_embedding / position_embedding, nn.LayerNorm embedding_norm, layers.{b} = nn.TransformerEncoderLayer(d, heads, ff, dropout=0, activation='gelu', batch_first=True) (post-norm), nn.Linear classifier on position 0; float32"
        }
        (_, Architecture::BiLstm(_)) => {
            "safetensors, PyTorch names and layout: nn.Embedding embedding, nn.LSTM(embed, hidden, bidirectional=True, batch_first=True) lstm (gates i, f, g, o; run packed), max-pool over words, nn.Linear fc + ReLU, nn.Linear classifier; float32"
        }
        (_, Architecture::Bert(_)) => {
            "safetensors under Hugging Face BertModel names and layout (embeddings.*, encoder.layer.{n}.attention.self.query, …; post-norm, GELU, LayerNorm eps 1e-12), plus nn.Linear classifier on the mean of the last hidden states over the real tokens; float32"
        }
        (_, Architecture::Cnn(_)) => {
            "safetensors, PyTorch names and layout: blocks.{k} = nn.Conv2d(c_in, c_out, 3, padding=1), weight [out, in, 3, 3], each followed by ReLU and nn.MaxPool2d(2); nn.Linear classifier on the flattened maps (channels, rows, columns); float32"
        }
        (_, Architecture::Bow(_)) => {
            "safetensors, PyTorch names and layout: nn.EmbeddingBag(mode='mean', padding_idx=0) embedding, nn.Linear hidden.{k} + ReLU, nn.Linear classifier; float32"
        }
    }
}

pub(super) fn predict(args: PredictArgs, assets: &Path, device: &Device) -> Result<()> {
    let (net, _, data) = network_and_data(
        &args.weights,
        args.tokenizer.as_deref(),
        args.dataset,
        args.seed,
        assets,
        device,
    )?;
    if let Some(sentence) = &args.text {
        return classify(&net, &data, sentence, args.dataset, device);
    }
    let Some(out) = &args.out else {
        return Err(Error::Settings(
            "give --out (or --text for one sentence)".into(),
        ));
    };
    let test = &data.split.test;
    let n = args.count.min(test.len());
    let rows: Vec<usize> = (0..n).collect();
    let subset = test.subset(&rows);
    let logits = logits_host(&net, &subset, device)?;
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
    write(out, &bytes)?;
    println!(
        "Wrote the logits of {n} {} test examples to {}",
        args.dataset.name(),
        out.display()
    );
    Ok(())
}

/// One sentence through a text network: its tokens and the class probabilities.
fn classify(
    net: &Network,
    data: &Data,
    sentence: &str,
    dataset: DatasetKind,
    device: &Device,
) -> Result<()> {
    let Some(tokenizer) = data.tokenizer() else {
        return Err(Error::Settings(
            "--text needs a text network and a text dataset (--dataset spam or brown)".into(),
        ));
    };
    let (row, tokens) = match &data.pieces {
        Some(p) => {
            let row = p.wordpiece.encode(sentence);
            let pieces: Vec<&str> = row.iter().filter_map(|&id| p.wordpiece.piece(id)).collect();
            (row, pieces.join(" "))
        }
        None => {
            let row = tokenizer.encode(sentence)?;
            let words = tokenizer.decode(&row);
            (row, words)
        }
    };
    let ids: Vec<i64> = row.iter().map(|&id| i64::from(id)).collect();
    let x = Tensor::<2, Int>::from_data(TensorData::new(ids, [1, row.len()]), device);
    let logits = net
        .logits(Input::Tokens(x))
        .into_data()
        .try_to_vec::<f32>()
        .map_err(|e| Error::Read(format!("{e:?}")))?;
    println!("Tokens: {tokens}");
    let names: &[&str] = match dataset {
        DatasetKind::Brown => &BROWN_GENRES,
        _ => &SPAM_CLASSES,
    };
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    for (name, p) in names.iter().zip(host::softmax_t(&logits, 1.0)) {
        println!("{name:>width$}: {:5.1} %", p * 100.0);
    }
    Ok(())
}
