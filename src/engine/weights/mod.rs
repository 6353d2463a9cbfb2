//! Weight files: safetensors with PyTorch's names and layouts, so that the matching PyTorch
//! module loads one with `load_state_dict`, and burn's burnpack for round trips through burn.
//!
//! Every member of the family lists its tensors by PyTorch name ([`Architecture::pytorch_shapes`]):
//! - an MLP is `torch.nn.Sequential(Linear, act, …, Linear)`: linear layer `i` is `{2i}.weight`
//!   `[out, in]` and `{2i}.bias` `[out]` (odd indices are activations, without weights);
//! - a transformer is `token_embedding`, `position_embedding`, `embedding_norm`, then
//!   `layers.{b}.` with `torch.nn.TransformerEncoderLayer`'s names (`self_attn.in_proj_weight`
//!   `[3d, d]`, `self_attn.out_proj`, `linear1`, `linear2`, `norm1`, `norm2`), then `classifier`.
//!
//! All float32. The safetensors metadata carries `format` = [`FORMAT`], `architecture` (the
//! [`Architecture`] as JSON, tagged with its `kind`), `role` and `info` (free JSON: dataset,
//! settings, metrics, and for text networks the tokenizer). Files of the first format,
//! [`FORMAT_MLP_V1`] (an untagged MLP architecture), still load.

mod mlp;
pub mod q4;
pub mod q8;

pub use mlp::MlpWeights;

use std::collections::{BTreeMap, HashMap};

use burn::store::burn_pack::Reader as BurnpackReader;
use burn::store::{BurnpackStore, ModuleSnapshot};
use burn::tensor::{Bytes, Device};
use safetensors::{Dtype, SafeTensors, tensor::TensorView};

use crate::error::{Error, Result, list, quote};
use crate::network::torch::TorchValues;
use crate::network::{Architecture, Classifier, MlpConfig, Network};

/// What this version writes: the architecture names its kind (`{"kind": "mlp", …}`).
pub const FORMAT: &str = "distill-playground/v2";
/// The first format, read still: the architecture is an MLP's, untagged.
pub const FORMAT_MLP_V1: &str = "distill-playground/mlp-v1";
/// A file whose matrices are in 4 bits ([`q4::FORMAT`]; the MiniLM teacher ships so).
pub const FORMAT_Q4: &str = "distill-playground/v2-q4";
/// The largest network this product makes is MiniLM exported in float32 (70 MB); a bigger file
/// is refused before parsing.
pub const MAX_FILE_BYTES: usize = 96 << 20;

/// What a weight file says about itself besides the weights.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileInfo {
    pub role: String,
    /// Free-form JSON (dataset, settings, metrics, a text network's tokenizer).
    pub info: serde_json::Value,
}

/// Any network's weights on the host, by PyTorch name and in PyTorch layout.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkWeights {
    pub architecture: Architecture,
    /// Every tensor [`Architecture::pytorch_shapes`] lists, flattened row-major.
    pub tensors: BTreeMap<String, Vec<f32>>,
}

fn read_err(e: impl std::fmt::Debug) -> Error {
    Error::Read(format!("{e:?}"))
}

pub(crate) fn too_big(bytes: usize) -> Result<()> {
    if bytes > MAX_FILE_BYTES {
        return Err(Error::Weights(format!(
            "the file is {:.1} MB; weight files of this tool are at most {} MB",
            bytes as f64 / 1e6,
            MAX_FILE_BYTES >> 20
        )));
    }
    Ok(())
}

impl NetworkWeights {
    /// Reads the weights synchronously (CPU devices; not WebGPU in a browser).
    pub fn from_network(net: &Network) -> Result<Self> {
        let tensors = net
            .torch_tensors()
            .into_iter()
            .map(|(name, t)| Ok((name, t.into_data().try_to_vec::<f32>().map_err(read_err)?)))
            .collect::<Result<_>>()?;
        Ok(Self {
            architecture: net.architecture(),
            tensors,
        })
    }

    /// Reads the weights asynchronously, as WebGPU in a browser requires.
    pub async fn from_network_async(net: &Network) -> Result<Self> {
        let mut tensors = BTreeMap::new();
        for (name, t) in net.torch_tensors() {
            let data = t.into_data_async().await.map_err(read_err)?;
            tensors.insert(name, data.try_to_vec::<f32>().map_err(read_err)?);
        }
        Ok(Self {
            architecture: net.architecture(),
            tensors,
        })
    }

    /// Whether every tensor the architecture lists is here, at its size.
    pub fn check(&self) -> Result<()> {
        self.architecture.validate()?;
        check_tensors(&self.architecture, &self.tensors)
    }

    /// Builds the network on `device`.
    pub fn to_network(&self, device: &Device) -> Result<Network> {
        check_tensors(&self.architecture, &self.tensors)?;
        Network::from_torch(
            &self.architecture,
            &TorchValues {
                values: &self.tensors,
                device,
            },
        )
    }

    fn metadata(&self, file: &FileInfo) -> Result<HashMap<String, String>> {
        let architecture =
            serde_json::to_string(&self.architecture).map_err(|e| Error::Weights(e.to_string()))?;
        Ok(HashMap::from([
            ("format".to_string(), FORMAT.to_string()),
            ("architecture".to_string(), architecture),
            ("role".to_string(), file.role.clone()),
            ("info".to_string(), file.info.to_string()),
        ]))
    }

    pub fn to_safetensors(&self, file: &FileInfo) -> Result<Vec<u8>> {
        check_tensors(&self.architecture, &self.tensors)?;
        let le = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = self
            .architecture
            .pytorch_shapes()
            .into_iter()
            .map(|(name, shape)| {
                let data = le(&self.tensors[&name]);
                (name, shape, data)
            })
            .collect();
        let views = bytes
            .iter()
            .map(|(name, shape, data)| {
                TensorView::new(Dtype::F32, shape.clone(), data)
                    .map(|v| (name.clone(), v))
                    .map_err(|e| Error::Weights(e.to_string()))
            })
            .collect::<Result<Vec<_>>>()?;
        safetensors::serialize(views, Some(self.metadata(file)?))
            .map_err(|e| Error::Weights(e.to_string()))
    }

    /// Parses and checks a weight file; every problem is reported, nothing panics.
    pub fn from_safetensors(bytes: &[u8]) -> Result<(Self, FileInfo)> {
        too_big(bytes.len())?;
        let file = SafeTensors::deserialize(bytes)
            .map_err(|e| Error::Weights(format!("not a valid safetensors file: {e}")))?;
        let (_, header) = SafeTensors::read_metadata(bytes)
            .map_err(|e| Error::Weights(format!("not a valid safetensors file: {e}")))?;
        let meta = header.metadata().clone().unwrap_or_default();
        let architecture = architecture_of(&meta)?;
        if meta.get("format").map(String::as_str) == Some(FORMAT_Q4) {
            return Self::from_q4(bytes, architecture, &meta);
        }
        if meta.get("format").map(String::as_str) == Some(q8::FORMAT_Q8) {
            return Self::from_q8(bytes, architecture, &meta);
        }
        let expected: BTreeMap<String, Vec<usize>> =
            architecture.pytorch_shapes().into_iter().collect();
        check_names(&file, &expected, &architecture)?;
        let tensors = expected
            .iter()
            .map(|(name, want)| Ok((name.clone(), read_tensor(&file, name, want)?)))
            .collect::<Result<_>>()?;
        Ok((
            Self {
                architecture,
                tensors,
            },
            file_info(&meta)?,
        ))
    }

    /// The file with every matrix but the classifier in 4 bits ([`q4`]): an eighth of the
    /// float32 size, for a teacher that ships.
    pub fn to_q4_safetensors(&self, file: &FileInfo) -> Result<Vec<u8>> {
        check_tensors(&self.architecture, &self.tensors)?;
        let tensors: Vec<(String, Vec<usize>, Vec<f32>)> = self
            .architecture
            .pytorch_shapes()
            .into_iter()
            .map(|(name, shape)| {
                let values = self.tensors[&name].clone();
                (name, shape, values)
            })
            .collect();
        let mut meta: BTreeMap<String, String> = self.metadata(file)?.into_iter().collect();
        meta.insert("format".into(), FORMAT_Q4.into());
        meta.insert("quantization".into(), q4::FORMAT.into());
        q4::write(&tensors, &["classifier.weight"], meta)
    }

    fn from_q4(
        bytes: &[u8],
        architecture: Architecture,
        meta: &HashMap<String, String>,
    ) -> Result<(Self, FileInfo)> {
        // Half a byte a value, at the least.
        let needed = architecture.declared_params() / 2;
        if needed > bytes.len() as u64 {
            return Err(Error::Weights(format!(
                "the file declares {} ({} parameters) but holds only {} bytes",
                architecture.describe(),
                architecture.declared_params(),
                bytes.len()
            )));
        }
        let tensors = q4::read(bytes, &architecture.pytorch_shapes())?;
        for (name, values) in &tensors {
            check_finite(name, values)?;
        }
        Ok((
            Self {
                architecture,
                tensors,
            },
            file_info(meta)?,
        ))
    }

    /// Writes burn's burnpack format (burn's own module names and layouts), with the same
    /// metadata as the safetensors files. The network is rebuilt on the CPU first, so this never
    /// reads a GPU tensor synchronously.
    pub fn to_burnpack(&self, file: &FileInfo) -> Result<Vec<u8>> {
        let net = self.to_network(&Device::flex())?;
        let mut store = BurnpackStore::from_bytes(None);
        for (k, v) in self.metadata(file)? {
            store = store.metadata(&k, v);
        }
        let saved = match &net {
            Network::Mlp(n) => n.save_into(&mut store),
            Network::Transformer(n) => n.save_into(&mut store),
            Network::BiLstm(n) => n.save_into(&mut store),
            Network::Bow(n) => n.save_into(&mut store),
            Network::Bert(n) => n.save_into(&mut store),
            Network::Cnn(n) => n.save_into(&mut store),
        };
        saved.map_err(burnpack_err("could not write burnpack"))?;
        let bytes = store
            .get_bytes()
            .map_err(burnpack_err("could not write burnpack"))?;
        Ok(bytes.to_vec())
    }

    /// Reads a burnpack file written by this tool (or by burn, with this tool's metadata), with
    /// the same checks as [`NetworkWeights::from_safetensors`].
    pub fn from_burnpack(bytes: &[u8]) -> Result<(Self, FileInfo)> {
        too_big(bytes.len())?;
        let owned = || Bytes::from_bytes_vec(bytes.to_vec());
        let reader = BurnpackReader::from_bytes(owned())
            .map_err(burnpack_err("not a valid burnpack file"))?;
        let meta: HashMap<String, String> = reader
            .metadata()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let architecture = architecture_of(&meta)?;
        check_declared_size(&architecture, bytes.len())?;
        let mut net = architecture.init(&Device::flex(), 0)?;
        let mut store = BurnpackStore::from_bytes(Some(owned()))
            .validate(true)
            .allow_partial(false);
        let applied = match &mut net {
            Network::Mlp(n) => n.load_from(&mut store),
            Network::Transformer(n) => n.load_from(&mut store),
            Network::BiLstm(n) => n.load_from(&mut store),
            Network::Bow(n) => n.load_from(&mut store),
            Network::Bert(n) => n.load_from(&mut store),
            Network::Cnn(n) => n.load_from(&mut store),
        }
        .map_err(burnpack_err(
            "the burnpack file does not fit its architecture",
        ))?;
        if !applied.unused.is_empty() || !applied.errors.is_empty() {
            return Err(Error::Weights(format!(
                "the burnpack file does not fit the architecture {}: unexpected [{}]{}",
                architecture.describe(),
                list(&applied.unused),
                applied
                    .errors
                    .first()
                    .map(|e| format!(", {e:?}"))
                    .unwrap_or_default()
            )));
        }
        let weights = Self::from_network(&net)?;
        for (name, values) in &weights.tensors {
            check_finite(name, values)?;
        }
        Ok((weights, file_info(&meta)?))
    }

    /// Reads any format, recognised by its first bytes (the safetensors ones by their metadata).
    pub fn from_bytes(bytes: &[u8]) -> Result<(Self, FileInfo)> {
        match WeightFormat::sniff(bytes) {
            WeightFormat::Burnpack => Self::from_burnpack(bytes),
            WeightFormat::Safetensors | WeightFormat::SafetensorsInt8 => {
                Self::from_safetensors(bytes)
            }
        }
    }

    pub fn to_format(&self, format: WeightFormat, file: &FileInfo) -> Result<Vec<u8>> {
        match format {
            WeightFormat::Safetensors => self.to_safetensors(file),
            WeightFormat::Burnpack => self.to_burnpack(file),
            WeightFormat::SafetensorsInt8 => self.to_q8_safetensors(file),
        }
    }
}

/// The host tensors are exactly the architecture's, with the right sizes.
fn check_tensors(architecture: &Architecture, tensors: &BTreeMap<String, Vec<f32>>) -> Result<()> {
    let shapes = architecture.pytorch_shapes();
    if shapes.len() != tensors.len() {
        return Err(Error::Weights(format!(
            "{} tensors for the architecture {}, which has {}",
            tensors.len(),
            architecture.describe(),
            shapes.len()
        )));
    }
    for (name, shape) in shapes {
        let len = tensors.get(&name).map(Vec::len);
        if len != Some(shape.iter().product()) {
            return Err(Error::Weights(format!(
                "{name} should hold {shape:?} values for {}",
                architecture.describe()
            )));
        }
    }
    Ok(())
}

fn check_finite(name: &str, values: &[f32]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(Error::Weights(format!(
            "{name}[{i}] is {} (weights must be finite)",
            values[i]
        ))),
        None => Ok(()),
    }
}

/// One float32 tensor of the file, of shape `want`, all finite.
pub(crate) fn read_tensor(file: &SafeTensors, name: &str, want: &[usize]) -> Result<Vec<f32>> {
    let view = file
        .tensor(name)
        .map_err(|e| Error::Weights(format!("{name}: {e}")))?;
    if view.dtype() != Dtype::F32 {
        return Err(Error::Weights(format!(
            "{name} is {:?}; float32 is required",
            view.dtype()
        )));
    }
    if view.shape() != want {
        return Err(Error::Weights(format!(
            "{name} has shape {:?}; the architecture needs {want:?}",
            view.shape()
        )));
    }
    let values: Vec<f32> = view
        .data()
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    check_finite(name, &values)?;
    Ok(values)
}

/// The file holds exactly the tensors the architecture needs, or the error lists the difference.
fn check_names(
    file: &SafeTensors,
    expected: &BTreeMap<String, Vec<usize>>,
    architecture: &Architecture,
) -> Result<()> {
    let mut missing: Vec<&str> = expected
        .keys()
        .filter(|k| file.tensor(k).is_err())
        .map(String::as_str)
        .collect();
    let mut extra: Vec<&str> = file
        .names()
        .into_iter()
        .filter(|n| !expected.contains_key(*n))
        .collect();
    missing.sort();
    extra.sort();
    if missing.is_empty() && extra.is_empty() {
        return Ok(());
    }
    Err(Error::Weights(format!(
        "tensors do not match the architecture {}: missing [{}], unexpected [{}]",
        architecture.describe(),
        list(&missing),
        list(&extra)
    )))
}

/// Which of the two weight formats a file is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightFormat {
    /// PyTorch layout, for torch / numpy (and this tool).
    Safetensors,
    /// burn's own format (burn module names, `[in, out]` weights), for round trips through burn.
    Burnpack,
    /// PyTorch layout with every matrix in 8 bits and a scale ([`q8`]): a quarter of the size.
    SafetensorsInt8,
}

impl WeightFormat {
    /// Burnpack files start with the bytes "NRUB" (its magic number, little-endian); anything
    /// else is read as safetensors, whose own checks then apply.
    pub fn sniff(bytes: &[u8]) -> Self {
        let magic = burn::store::burn_pack::MAGIC_NUMBER.to_le_bytes();
        if bytes.starts_with(&magic) {
            Self::Burnpack
        } else {
            Self::Safetensors
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Safetensors | Self::SafetensorsInt8 => "safetensors",
            Self::Burnpack => "bpk",
        }
    }

    /// What a file name says before the extension ("-int8").
    pub fn suffix(self) -> &'static str {
        match self {
            Self::SafetensorsInt8 => "-int8",
            Self::Safetensors | Self::Burnpack => "",
        }
    }
}

fn burnpack_err(what: &str) -> impl Fn(burn::store::burn_pack::Error) -> Error + '_ {
    move |e| Error::Weights(format!("{what}: {e}"))
}

/// The architecture a file's metadata declares, checked. Version 2 files name the kind; the
/// first format's (mlp-v1) are MLPs.
fn architecture_of(meta: &HashMap<String, String>) -> Result<Architecture> {
    let tagged = match meta.get("format") {
        Some(f) if f == FORMAT || f == FORMAT_Q4 || f == q8::FORMAT_Q8 => true,
        Some(f) if f == FORMAT_MLP_V1 => false,
        // burn writes format=burnpack into every file; ours overwrites it.
        Some(f) if f == "burnpack" => {
            return Err(Error::Weights(format!(
                "a burnpack file that was not written by this tool (its metadata lacks format={FORMAT} and the architecture)"
            )));
        }
        Some(f) => {
            return Err(Error::Weights(format!(
                "format {} is not {FORMAT} (nor the older {FORMAT_MLP_V1})",
                quote(f)
            )));
        }
        None => {
            return Err(Error::Weights(format!(
                "the file has no 'format' metadata: it was not written by this tool ({FORMAT})"
            )));
        }
    };
    let text = meta
        .get("architecture")
        .ok_or_else(|| Error::Weights("the file has no 'architecture' metadata".into()))?;
    let unreadable =
        |e: serde_json::Error| Error::Weights(format!("unreadable 'architecture' metadata: {e}"));
    let architecture = if tagged {
        serde_json::from_str::<Architecture>(text).map_err(unreadable)?
    } else {
        Architecture::Mlp(serde_json::from_str::<MlpConfig>(text).map_err(unreadable)?)
    };
    architecture
        .validate()
        .map_err(|e| Error::Weights(format!("the file's architecture is invalid: {e}")))?;
    Ok(architecture)
}

/// A file must hold at least 4 bytes (one float32) per parameter its metadata declares: checked
/// before a network of that shape is built, so a few edited bytes of metadata cannot make the
/// reader allocate gigabytes.
fn check_declared_size(architecture: &Architecture, file_bytes: usize) -> Result<()> {
    let needed = architecture.declared_params().saturating_mul(4);
    if needed > file_bytes as u64 {
        return Err(Error::Weights(format!(
            "the file declares the architecture {} ({} parameters, {:.1} MB of float32) but holds \
             only {} bytes",
            architecture.describe(),
            architecture.declared_params(),
            needed as f64 / 1e6,
            file_bytes
        )));
    }
    Ok(())
}

/// The largest `info` metadata read (a text network's tokenizer lives there: the shipped one is
/// 60 KB, a 100,000-word one about 1.5 MB). A bigger one is refused before it is parsed.
pub const MAX_INFO_BYTES: usize = 4 << 20;
/// The longest role kept (it is printed as it is).
const MAX_ROLE_CHARS: usize = 64;

fn file_info(meta: &HashMap<String, String>) -> Result<FileInfo> {
    let info = meta.get("info").map_or("", String::as_str);
    if info.len() > MAX_INFO_BYTES {
        return Err(Error::Weights(format!(
            "the file's 'info' metadata is {:.1} MB; at most {} MB",
            info.len() as f64 / 1e6,
            MAX_INFO_BYTES >> 20
        )));
    }
    Ok(FileInfo {
        role: meta
            .get("role")
            .map(|r| r.chars().take(MAX_ROLE_CHARS).collect())
            .unwrap_or_default(),
        info: serde_json::from_str(info).unwrap_or(serde_json::Value::Null),
    })
}

/// Loads a network of any kind from a weight file (safetensors or burnpack) onto `device`.
pub fn load_network(bytes: &[u8], device: &Device) -> Result<(Network, FileInfo)> {
    let (weights, info) = NetworkWeights::from_bytes(bytes)?;
    Ok((weights.to_network(device)?, info))
}

/// Loads an MLP from a weight file (safetensors or burnpack) onto `device`.
pub fn load_mlp(bytes: &[u8], device: &Device) -> Result<(crate::network::Mlp, FileInfo)> {
    let (weights, info) = MlpWeights::from_bytes(bytes)?;
    Ok((weights.to_mlp(device)?, info))
}

/// Serialises an MLP (synchronous read).
pub fn save_mlp(net: &crate::network::Mlp, info: &FileInfo) -> Result<Vec<u8>> {
    MlpWeights::from_mlp(net)?.to_safetensors(info)
}

/// Serialises a network of the family (synchronous read).
pub fn save_network(net: &Network, info: &FileInfo) -> Result<Vec<u8>> {
    NetworkWeights::from_network(net)?.to_safetensors(info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Mlp;
    use crate::train::logits_host;

    fn small() -> (Mlp, Device) {
        let device = Device::flex();
        device.seed(5);
        let cfg = MlpConfig {
            inputs: 64,
            hidden: vec![16, 8],
            classes: 10,
            activation: crate::network::Activation::Relu,
            ranks: Vec::new(),
            shared: false,
        };
        (cfg.init(&device, 5).unwrap(), device)
    }

    fn info() -> FileInfo {
        FileInfo {
            role: "student".into(),
            info: serde_json::json!({"dataset": "digits"}),
        }
    }

    /// Files written before the architecture named its kind (the shipped teachers are such files)
    /// still load; what is written now names the kind and reads back.
    #[test]
    fn first_format_files_load_and_new_files_name_their_kind() {
        let shipped = include_bytes!("../../../assets/teachers/digits.safetensors");
        let (_, header) = SafeTensors::read_metadata(shipped).unwrap();
        let meta = header.metadata().clone().unwrap();
        assert_eq!(
            meta["format"], FORMAT_MLP_V1,
            "the shipped teacher is a first-format file"
        );
        let (old, _) = MlpWeights::from_bytes(shipped).unwrap();
        assert_eq!(old.config.hidden, vec![128; 6]);

        let bytes = old.to_safetensors(&info()).unwrap();
        let (_, header) = SafeTensors::read_metadata(&bytes).unwrap();
        let meta = header.metadata().clone().unwrap();
        assert_eq!(meta["format"], FORMAT);
        let arch: serde_json::Value = serde_json::from_str(&meta["architecture"]).unwrap();
        assert_eq!(arch["kind"], "mlp");
        assert_eq!(MlpWeights::from_bytes(&bytes).unwrap().0, old);
        // A v2 file whose architecture lacks its kind is refused, with the reason.
        let untagged = serde_json::to_string(&old.config).unwrap();
        let mut meta = meta.clone();
        meta.insert("architecture".into(), untagged);
        let file = SafeTensors::deserialize(&bytes).unwrap();
        let relabelled = safetensors::serialize(file.tensors(), Some(meta)).unwrap();
        let err = MlpWeights::from_bytes(&relabelled).unwrap_err().to_string();
        assert!(err.contains("unreadable 'architecture' metadata"), "{err}");
    }

    /// Every text kind writes the tensors its architecture lists, in PyTorch layout, and reads
    /// back into a network with bit-identical logits, in both formats.
    #[test]
    fn text_networks_round_trip_in_both_formats() {
        use crate::network::{BiLstmConfig, BowConfig, Classifier, Input, TransformerConfig};
        use burn::tensor::{Int, Tensor, TensorData};
        let device = Device::flex();
        let kinds: Vec<Architecture> = vec![
            TransformerConfig {
                vocab: 30,
                max_len: 7,
                width: 8,
                heads: 2,
                blocks: 2,
                ff: 12,
                classes: 3,
                dropout: 0.0,
            }
            .into(),
            BiLstmConfig {
                vocab: 30,
                max_len: 7,
                embed: 5,
                hidden: 4,
                fc: 6,
                classes: 3,
            }
            .into(),
            BowConfig {
                vocab: 30,
                max_len: 7,
                embed: 5,
                hidden: vec![6],
                classes: 3,
            }
            .into(),
        ];
        let ids = Tensor::<2, Int>::from_data(
            TensorData::new(vec![2i64, 9, 17, 3, 0, 0, 0, 2, 5, 6, 7, 8, 29, 3], [2, 7]),
            &device,
        );
        for arch in kinds {
            let net = arch.init(&device, 11).unwrap();
            let logits = net.logits(Input::Tokens(ids.clone())).into_data();
            for format in [WeightFormat::Safetensors, WeightFormat::Burnpack] {
                let weights = NetworkWeights::from_network(&net).unwrap();
                let bytes = weights.to_format(format, &info()).unwrap();
                let (back, file) = NetworkWeights::from_bytes(&bytes).unwrap();
                assert_eq!(
                    (&back, &file),
                    (&weights, &info()),
                    "{} {format:?}",
                    arch.kind()
                );
                let again = back.to_network(&device).unwrap();
                assert_eq!(again.logits(Input::Tokens(ids.clone())).into_data(), logits);
            }
            let bytes = save_network(&net, &info()).unwrap();
            let file = SafeTensors::deserialize(&bytes).unwrap();
            for (name, shape) in arch.pytorch_shapes() {
                assert_eq!(
                    file.tensor(&name).unwrap().shape(),
                    shape.as_slice(),
                    "{name}"
                );
            }
            // An MLP reader names what the file holds instead.
            let err = MlpWeights::from_bytes(&bytes).unwrap_err().to_string();
            assert!(err.contains(&format!("holds a {}", arch.kind())), "{err}");
        }
    }

    #[test]
    fn round_trip_is_bit_exact() {
        let (net, device) = small();
        let bytes = save_mlp(&net, &info()).unwrap();
        let (back, file) = load_mlp(&bytes, &device).unwrap();
        assert_eq!(file, info());
        let test = crate::data::digits().unwrap().test;
        let a = logits_host(&net, &test, &device).unwrap();
        let b = logits_host(&back, &test, &device).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn layout_is_pytorch_linear() {
        let (net, _) = small();
        let bytes = save_mlp(&net, &info()).unwrap();
        let file = SafeTensors::deserialize(&bytes).unwrap();
        let mut names = file.names();
        names.sort();
        assert_eq!(
            names,
            [
                "0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"
            ]
        );
        assert_eq!(file.tensor("0.weight").unwrap().shape(), &[16, 64]);
        assert_eq!(file.tensor("4.weight").unwrap().shape(), &[10, 8]);
        // PyTorch's weight[o][i] is burn's weight[i][o].
        let burn_w = net.hidden[0]
            .weight
            .val()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let torch_w: Vec<f32> = file
            .tensor("0.weight")
            .unwrap()
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        let (o, i) = (3, 17);
        assert_eq!(torch_w[o * 64 + i], burn_w[i * 16 + o]);
    }

    #[test]
    fn bad_files_are_clear_errors() {
        let (net, _) = small();
        let good = save_mlp(&net, &info()).unwrap();
        let msg = |bytes: &[u8]| MlpWeights::from_safetensors(bytes).unwrap_err().to_string();
        assert!(msg(b"hello").contains("not a valid safetensors"));
        assert!(msg(&good[..good.len() - 10]).contains("not a valid safetensors"));
        assert!(msg(&vec![0u8; MAX_FILE_BYTES + 1]).contains("at most 96 MB"));
        let mut weights = MlpWeights::from_mlp(&net).unwrap();
        weights.layers[1].0[5] = f32::NAN;
        let nan = weights.to_safetensors(&info()).unwrap();
        assert!(msg(&nan).contains("2.weight[5] is NaN"), "{}", msg(&nan));
        // Files edited by hand: a tensor missing, one too many, a wrong shape, a wrong dtype.
        type Tensors = Vec<(String, Dtype, Vec<usize>, Vec<u8>)>;
        let edit = |f: &dyn Fn(&mut Tensors)| {
            let file = SafeTensors::deserialize(&good).unwrap();
            let mut tensors: Vec<_> = file
                .tensors()
                .into_iter()
                .map(|(n, v)| (n, v.dtype(), v.shape().to_vec(), v.data().to_vec()))
                .collect();
            f(&mut tensors);
            let views = tensors
                .iter()
                .map(|(n, d, s, b)| (n.clone(), TensorView::new(*d, s.clone(), b).unwrap()));
            let (_, header) = SafeTensors::read_metadata(&good).unwrap();
            safetensors::serialize(views, header.metadata().clone()).unwrap()
        };
        let missing = edit(&|t| t.retain(|x| x.0 != "4.bias"));
        assert!(
            msg(&missing).contains("missing ['4.bias'], unexpected []"),
            "{}",
            msg(&missing)
        );
        let extra = edit(&|t| t.push(("6.weight".into(), Dtype::F32, vec![1], vec![0; 4])));
        assert!(
            msg(&extra).contains("unexpected ['6.weight']"),
            "{}",
            msg(&extra)
        );
        let shape = edit(&|t| {
            if let Some(x) = t.iter_mut().find(|x| x.0 == "2.weight") {
                x.2 = vec![16, 8];
            }
        });
        assert!(
            msg(&shape).contains("2.weight has shape [16, 8]"),
            "{}",
            msg(&shape)
        );
        let dtype = edit(&|t| {
            if let Some(x) = t.iter_mut().find(|x| x.0 == "4.bias") {
                x.1 = Dtype::I32;
            }
        });
        assert!(msg(&dtype).contains("4.bias is I32"), "{}", msg(&dtype));
        // Foreign safetensors without our metadata.
        let data = [0u8; 8];
        let view = TensorView::new(Dtype::F32, vec![2], &data).unwrap();
        let foreign = safetensors::serialize([("w", view)], None).unwrap();
        assert!(msg(&foreign).contains("no 'format' metadata"));
        // A header claiming absurd sizes.
        let mut absurd = good.clone();
        absurd[..8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(msg(&absurd).contains("not a valid safetensors"));
        absurd[..8].copy_from_slice(&(good.len() as u64 - 4).to_le_bytes());
        assert!(msg(&absurd).contains("not a valid safetensors"));
    }

    /// A file's own text comes back in an error as a short quote and a count, never whole.
    #[test]
    fn errors_quote_a_hostile_file_briefly() {
        let data = [0u8; 4];
        let view = || TensorView::new(Dtype::F32, vec![1], &data).unwrap();
        let format = HashMap::from([("format".to_string(), "x".repeat(30_000_000))]);
        let file = safetensors::serialize([("w", view())], Some(format)).unwrap();
        let err = NetworkWeights::from_safetensors(&file)
            .unwrap_err()
            .to_string();
        assert!(
            err.len() < 200 && err.contains("(30000000 characters)"),
            "{err}"
        );

        let (net, _) = small();
        let good = save_mlp(&net, &info()).unwrap();
        let (_, header) = SafeTensors::read_metadata(&good).unwrap();
        let names: Vec<String> = (0..400_000).map(|i| format!("extra.{i}")).collect();
        let views = names.iter().map(|n| (n.clone(), view()));
        let file = safetensors::serialize(views, header.metadata().clone()).unwrap();
        let err = NetworkWeights::from_safetensors(&file)
            .unwrap_err()
            .to_string();
        assert!(err.len() < 600 && err.contains("and 399992 more"), "{err}");

        let mut meta = header.metadata().clone().unwrap();
        meta.insert("info".into(), format!("[{}]", "1,".repeat(3_000_000)));
        let views = SafeTensors::deserialize(&good).unwrap().tensors();
        let file = safetensors::serialize(views, Some(meta)).unwrap();
        let err = NetworkWeights::from_safetensors(&file)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("'info' metadata is 6.0 MB; at most 4 MB"),
            "{err}"
        );
    }

    /// A real burnpack whose metadata alone is edited to declare a huge network: refused before
    /// that network is built (it used to allocate gigabytes).
    #[test]
    fn a_burnpack_declaring_a_huge_network_is_refused_unbuilt() {
        let (net, _) = small();
        let huge = MlpConfig {
            inputs: 1 << 20,
            hidden: vec![4096; 32],
            classes: 10,
            activation: crate::network::Activation::Relu,
            ranks: Vec::new(),
            shared: false,
        };
        let mut store = BurnpackStore::from_bytes(None)
            .metadata("format", FORMAT)
            .metadata(
                "architecture",
                serde_json::to_string(&Architecture::from(&huge)).unwrap(),
            )
            .metadata("role", "teacher")
            .metadata("info", "{}");
        net.save_into(&mut store).unwrap();
        let bytes = store.get_bytes().unwrap().to_vec();
        let started = std::time::Instant::now();
        let err = MlpWeights::from_bytes(&bytes).unwrap_err().to_string();
        assert!(err.contains("declares the architecture"), "{err}");
        assert!(
            err.contains(&format!("holds only {} bytes", bytes.len())),
            "{err}"
        );
        // Not a timing test: a build of the declared network would not return for minutes.
        assert!(started.elapsed().as_secs() < 60);
    }

    #[test]
    fn burnpack_round_trip_is_bit_exact() {
        let (net, device) = small();
        let weights = MlpWeights::from_mlp(&net).unwrap();
        let bytes = weights.to_burnpack(&info()).unwrap();
        assert_eq!(WeightFormat::sniff(&bytes), WeightFormat::Burnpack);
        let (back, file) = MlpWeights::from_bytes(&bytes).unwrap();
        assert_eq!(back, weights);
        assert_eq!(file, info());
        let (loaded, _) = load_mlp(&bytes, &device).unwrap();
        let test = crate::data::digits().unwrap().test;
        assert_eq!(
            logits_host(&loaded, &test, &device).unwrap(),
            logits_host(&net, &test, &device).unwrap()
        );
    }

    #[test]
    fn bad_burnpack_files_are_clear_errors() {
        let (net, _) = small();
        let weights = MlpWeights::from_mlp(&net).unwrap();
        let good = weights.to_burnpack(&info()).unwrap();
        let msg = |bytes: &[u8]| MlpWeights::from_burnpack(bytes).unwrap_err().to_string();
        assert!(
            msg(b"NRUBxx").contains("not a valid burnpack"),
            "{}",
            msg(b"NRUBxx")
        );
        assert!(msg(&good[..good.len() - 10]).contains("not a valid burnpack"));
        let mut nan = weights.clone();
        nan.layers[2].1[1] = f32::INFINITY;
        let nan = nan.to_burnpack(&info()).unwrap();
        assert!(msg(&nan).contains("bias[1] is inf"), "{}", msg(&nan));
        // The metadata says one thing, the tensors another.
        let with_architecture = |hidden: Vec<usize>| {
            let config = MlpConfig {
                hidden,
                ..weights.config.clone()
            };
            let mut store = BurnpackStore::from_bytes(None)
                .metadata("format", FORMAT)
                .metadata(
                    "architecture",
                    serde_json::to_string(&Architecture::from(&config)).unwrap(),
                );
            net.save_into(&mut store).unwrap();
            store.get_bytes().unwrap().to_vec()
        };
        let fewer = with_architecture(vec![16]);
        assert!(msg(&fewer).contains("does not fit"), "{}", msg(&fewer));
        let wider = with_architecture(vec![16, 9]);
        assert!(msg(&wider).contains("does not fit"), "{}", msg(&wider));
        let mut store = BurnpackStore::from_bytes(None);
        net.save_into(&mut store).unwrap();
        let plain = store.get_bytes().unwrap().to_vec();
        assert!(
            msg(&plain).contains("not written by this tool"),
            "{}",
            msg(&plain)
        );
    }
}
