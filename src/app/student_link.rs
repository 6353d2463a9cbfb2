//! A trained student inside a link: its weights as 16-bit floats, deflated and base64url-coded
//! in the URL fragment beside the settings (`#…&weights=…`). Half precision keeps about three
//! significant digits, more than a student's bars can show, at half the size. A CRC-32 closes
//! the field, so a damaged link is refused with the reason; a forged one is checked like a file,
//! sizes first, before anything is allocated.

use std::io::{Read, Write};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use half::f16;

use crate::engine::network::Architecture;
use crate::engine::weights::NetworkWeights;

/// The link field's name.
pub const FIELD: &str = "weights";
/// Longest weights field a link carries (characters); browsers take far longer URLs, but
/// mail and chat tools cut them.
pub const MAX_FIELD_CHARS: usize = 48_000;
/// Most parameters a link's student may declare (f16: twice as many bytes before deflating).
pub const MAX_PARAMS: u64 = 60_000;
const MAGIC: &[u8; 4] = b"DPS1";
/// Longest architecture description in the field.
const MAX_ARCH_BYTES: usize = 4096;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LinkError {
    #[error(
        "this student is {chars} characters as a link ({kb:.0} KB); a link carries at most {limit} characters. Download its weights file instead"
    )]
    TooBig { chars: usize, kb: f64, limit: usize },
    #[error("the student in the link is damaged: {0}")]
    Damaged(String),
    #[error("the student could not be written into a link: {0}")]
    Encode(String),
}

fn damaged(why: impl Into<String>) -> LinkError {
    LinkError::Damaged(why.into())
}

/// The weights field for `weights` (without the `weights=`).
pub fn encode(weights: &NetworkWeights) -> Result<String, LinkError> {
    let arch =
        serde_json::to_vec(&weights.architecture).map_err(|e| LinkError::Encode(e.to_string()))?;
    let mut body = Vec::with_capacity(8 + arch.len() + 2 * params(&weights.architecture));
    body.extend_from_slice(MAGIC);
    body.extend_from_slice(&(arch.len() as u32).to_le_bytes());
    body.extend_from_slice(&arch);
    for (name, _) in weights.architecture.pytorch_shapes() {
        let values = weights
            .tensors
            .get(&name)
            .ok_or_else(|| LinkError::Encode(format!("missing tensor {name}")))?;
        for v in values {
            body.extend_from_slice(&f16::from_f32(*v).to_le_bytes());
        }
    }
    let mut crc = flate2::Crc::new();
    crc.update(&body);
    body.extend_from_slice(&crc.sum().to_le_bytes());
    let mut deflate = DeflateEncoder::new(Vec::new(), Compression::best());
    deflate
        .write_all(&body)
        .map_err(|e| LinkError::Encode(e.to_string()))?;
    let packed = deflate
        .finish()
        .map_err(|e| LinkError::Encode(e.to_string()))?;
    let field = URL_SAFE_NO_PAD.encode(packed);
    if field.len() > MAX_FIELD_CHARS {
        return Err(LinkError::TooBig {
            chars: field.len(),
            kb: field.len() as f64 / 1024.0,
            limit: MAX_FIELD_CHARS,
        });
    }
    Ok(field)
}

fn params(arch: &Architecture) -> usize {
    arch.pytorch_shapes()
        .iter()
        .map(|(_, s)| s.iter().product::<usize>())
        .sum()
}

/// The student a weights field holds, every size checked before it is trusted.
pub fn decode(field: &str) -> Result<NetworkWeights, LinkError> {
    if field.len() > MAX_FIELD_CHARS {
        return Err(damaged(format!(
            "its field is {} characters, more than a link carries ({MAX_FIELD_CHARS})",
            field.len()
        )));
    }
    let packed = URL_SAFE_NO_PAD
        .decode(field)
        .map_err(|e| damaged(format!("not base64url ({e})")))?;
    // Inflate no more than the largest student could need, whatever the stream claims.
    let limit = 12 + MAX_ARCH_BYTES as u64 + 2 * MAX_PARAMS;
    let mut body = Vec::new();
    DeflateDecoder::new(packed.as_slice())
        .take(limit + 1)
        .read_to_end(&mut body)
        .map_err(|e| damaged(format!("not a deflate stream ({e})")))?;
    if body.len() as u64 > limit {
        return Err(damaged(
            "it unpacks to more than the largest student a link holds",
        ));
    }
    let (architecture, values) = header(checked(&body)?)?;
    tensors(architecture, values)
}

/// The body without its CRC-32, if the CRC matches: a changed character can still inflate to
/// a well-formed student, so the link's bytes are checked whole first.
fn checked(body: &[u8]) -> Result<&[u8], LinkError> {
    let (content, sum) = body
        .split_last_chunk::<4>()
        .ok_or_else(|| damaged("it is too short"))?;
    let mut crc = flate2::Crc::new();
    crc.update(content);
    if crc.sum() != u32::from_le_bytes(*sum) {
        return Err(damaged(
            "its checksum does not match (the link was changed or cut)",
        ));
    }
    Ok(content)
}

/// The magic, the architecture (checked and bounded) and the bytes after it.
fn header(body: &[u8]) -> Result<(Architecture, &[u8]), LinkError> {
    let rest = body
        .strip_prefix(MAGIC)
        .ok_or_else(|| damaged("it does not start like a playground student"))?;
    let (len, rest) = rest
        .split_first_chunk::<4>()
        .ok_or_else(|| damaged("it ends before its architecture"))?;
    let len = u32::from_le_bytes(*len) as usize;
    if len > MAX_ARCH_BYTES || len > rest.len() {
        return Err(damaged(format!("its architecture claims {len} bytes")));
    }
    let (arch, values) = rest.split_at(len);
    let architecture: Architecture = serde_json::from_slice(arch)
        .map_err(|e| damaged(format!("its architecture is unreadable ({e})")))?;
    architecture
        .validate()
        .map_err(|e| damaged(format!("its architecture is impossible ({e})")))?;
    if architecture.declared_params() > MAX_PARAMS {
        return Err(damaged(format!(
            "it declares {} parameters; a link holds at most {MAX_PARAMS}",
            architecture.declared_params()
        )));
    }
    Ok((architecture, values))
}

fn tensors(architecture: Architecture, values: &[u8]) -> Result<NetworkWeights, LinkError> {
    let expected = params(&architecture);
    if values.len() != 2 * expected {
        return Err(damaged(format!(
            "it holds {} bytes of weights; its architecture needs {}",
            values.len(),
            2 * expected
        )));
    }
    let mut floats = values
        .chunks_exact(2)
        .map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32());
    let mut tensors = std::collections::BTreeMap::new();
    for (name, shape) in architecture.pytorch_shapes() {
        let n: usize = shape.iter().product();
        let t: Vec<f32> = floats.by_ref().take(n).collect();
        if t.iter().any(|v| !v.is_finite()) {
            return Err(damaged(format!(
                "{name} holds a value that is not a number"
            )));
        }
        tensors.insert(name, t);
    }
    Ok(NetworkWeights {
        architecture,
        tensors,
    })
}

/// Splits a link's hash into its settings part and its weights field, if any.
pub fn split_hash(hash: &str) -> (String, Option<&str>) {
    let hash = hash.trim_start_matches('#');
    let mut settings = Vec::new();
    let mut weights = None;
    for item in hash.split('&') {
        match item.strip_prefix(FIELD).and_then(|v| v.strip_prefix('=')) {
            Some(v) => weights = Some(v),
            None => settings.push(item),
        }
    }
    (settings.join("&"), weights)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::network::MlpConfig;
    use burn::tensor::Device;

    fn student() -> NetworkWeights {
        let net = MlpConfig::student(64, 10).init(&Device::flex(), 3).unwrap();
        NetworkWeights::from_network(&net.into()).unwrap()
    }

    #[test]
    fn a_student_survives_the_link_to_half_precision() {
        let w = student();
        let field = encode(&w).unwrap();
        assert!(field.len() < 14_000, "{}", field.len());
        let back = decode(&field).unwrap();
        assert_eq!(back.architecture, w.architecture);
        for (name, values) in &w.tensors {
            for (a, b) in values.iter().zip(&back.tensors[name]) {
                assert!((a - b).abs() <= 1e-3 * a.abs().max(1e-2), "{name}: {a} {b}");
            }
        }
        let link = format!("#T=2&weights={field}&alpha=0.3");
        let (settings, weights) = split_hash(&link);
        assert_eq!(
            (settings.as_str(), weights),
            ("T=2&alpha=0.3", Some(field.as_str()))
        );
    }

    #[test]
    fn a_big_student_is_refused_with_its_size() {
        let net = MlpConfig {
            hidden: vec![256, 256],
            ..MlpConfig::student(784, 10)
        }
        .init(&Device::flex(), 1)
        .unwrap();
        let err = encode(&NetworkWeights::from_network(&net.into()).unwrap()).unwrap_err();
        assert!(matches!(err, LinkError::TooBig { .. }), "{err}");
        assert!(
            err.to_string().contains("at most 48000 characters"),
            "{err}"
        );
    }
}
