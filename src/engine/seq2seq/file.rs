//! Encoder–decoder weight files: safetensors written by burn's store (burn's module names and
//! layouts), with the shape and what the file is in the metadata. Reading checks the shape's
//! bounds before anything is built, and every tensor against it.

use std::collections::HashMap;

use burn::store::{ModuleSnapshot, SafetensorsStore};
use burn::tensor::Device;
use safetensors::SafeTensors;

use super::model::{Seq2Seq, Seq2SeqConfig};
use crate::error::{Error, Result};
use crate::weights::too_big;

const FORMAT: &str = "distill-playground seq2seq";

fn store_err(what: &str) -> impl Fn(burn::store::SafetensorsStoreError) -> Error + '_ {
    move |e| Error::Weights(format!("{what}: {e}"))
}

/// The file of `model` (of shape `config`), with `info` (JSON) in its metadata.
pub fn save_seq2seq(model: &Seq2Seq, config: &Seq2SeqConfig, info: &str) -> Result<Vec<u8>> {
    let config = serde_json::to_string(config).map_err(|e| Error::Weights(e.to_string()))?;
    let mut store = SafetensorsStore::from_bytes(None)
        .metadata("format", FORMAT)
        .metadata("config", config)
        .metadata("info", info);
    model
        .save_into(&mut store)
        .map_err(store_err("could not write the encoder–decoder"))?;
    store
        .get_bytes()
        .map_err(store_err("could not write the encoder–decoder"))
}

/// An encoder–decoder read from a file: its model, shape and info.
pub fn load_seq2seq(bytes: &[u8], device: &Device) -> Result<(Seq2Seq, Seq2SeqConfig, String)> {
    too_big(bytes.len())?;
    let (_, header) = SafeTensors::read_metadata(bytes)
        .map_err(|e| Error::Weights(format!("not a valid safetensors file: {e}")))?;
    let meta: HashMap<String, String> = header.metadata().clone().unwrap_or_default();
    if meta.get("format").map(String::as_str) != Some(FORMAT) {
        return Err(Error::Weights(
            "not an encoder–decoder file of this tool (its metadata has no seq2seq format)".into(),
        ));
    }
    let config: Seq2SeqConfig = meta
        .get("config")
        .and_then(|c| serde_json::from_str(c).ok())
        .ok_or_else(|| Error::Weights("the file does not say the network's shape".into()))?;
    config.validate()?;
    let needed = config.declared_params().saturating_mul(4);
    if needed > bytes.len() as u64 {
        return Err(Error::Weights(format!(
            "the file declares the encoder–decoder {} ({} parameters, {:.1} MB of float32) but \
             holds only {} bytes",
            config.describe(),
            config.declared_params(),
            needed as f64 / 1e6,
            bytes.len()
        )));
    }
    let mut model = config.init(device)?;
    let mut store = SafetensorsStore::from_bytes(Some(bytes.to_vec()))
        .validate(true)
        .allow_partial(false);
    let applied = model
        .load_from(&mut store)
        .map_err(store_err("the file does not fit its shape"))?;
    if !applied.unused.is_empty() || !applied.errors.is_empty() {
        return Err(Error::Weights(format!(
            "the file does not fit the encoder–decoder {}: unexpected [{}]{}",
            config.describe(),
            crate::error::list(&applied.unused),
            applied
                .errors
                .first()
                .map(|e| format!(", {e:?}"))
                .unwrap_or_default()
        )));
    }
    Ok((model, config, meta.get("info").cloned().unwrap_or_default()))
}
