//! pocket-encoder's 4-bit weight format, "q4-symmetric-g32-f16-v1", both ways: a matrix is cut
//! into groups of 32 values (row-major), each stored as integers q ∈ [-7, 7] (rounded half to
//! even) times one float16 scale, max |w| / 7 (1 for a group of zeros); two values a byte, the
//! first in the low nibble, as q + 8. Vectors stay float32.
//!
//! The MiniLM teacher arrives in it, and the fine-tuned teacher ships in it (9.8 MB for 17.4 M
//! parameters, against 70 MB as float32).

use std::collections::BTreeMap;

use half::f16;
use safetensors::tensor::{Dtype, TensorView};
use safetensors::{SafeTensors, serialize};

use crate::error::{Error, Result};

pub const FORMAT: &str = "q4-symmetric-g32-f16-v1";
const GROUP: usize = 32;

/// One matrix in 4 bits: packed nibbles and a scale per group.
#[derive(Clone, Debug, PartialEq)]
pub struct Packed {
    pub nibbles: Vec<u8>,
    pub scales: Vec<f16>,
}

/// Quantises `values` group by group.
pub fn quantize(values: &[f32]) -> Packed {
    let mut nibbles = vec![0u8; values.len().div_ceil(2)];
    let mut scales = Vec::with_capacity(values.len().div_ceil(GROUP));
    for (g, group) in values.chunks(GROUP).enumerate() {
        let max = group.iter().fold(0f32, |m, v| m.max(v.abs()));
        let scale = if max > 0.0 {
            f16::from_f32(max / 7.0)
        } else {
            f16::ONE
        };
        let step = scale.to_f32();
        scales.push(scale);
        for (i, v) in group.iter().enumerate() {
            let q = (v / step).round_ties_even().clamp(-7.0, 7.0) as i8;
            let at = g * GROUP + i;
            nibbles[at / 2] |= ((q + 8) as u8) << ((at % 2) * 4);
        }
    }
    Packed { nibbles, scales }
}

/// The `count` values of a packed matrix, or why they cannot be read.
pub fn dequantize(packed: &Packed, count: usize) -> Result<Vec<f32>> {
    if packed.nibbles.len() != count.div_ceil(2) || packed.scales.len() != count.div_ceil(GROUP) {
        return Err(Error::Weights(format!(
            "a 4-bit matrix of {count} values needs {} bytes and {} scales, not {} and {}",
            count.div_ceil(2),
            count.div_ceil(GROUP),
            packed.nibbles.len(),
            packed.scales.len()
        )));
    }
    Ok((0..count)
        .map(|i| {
            let nibble = (packed.nibbles[i / 2] >> ((i % 2) * 4)) & 15;
            (nibble as i8 - 8) as f32 * packed.scales[i / GROUP].to_f32()
        })
        .collect())
}

/// Reads a 4-bit safetensors file whose tensors must be exactly `shapes` (matrices as
/// `{name}.q4` + `{name}.scales`, vectors and matrices kept whole as float32 under their name);
/// every size is checked
/// against `shapes` before anything is allocated for it.
pub fn read(bytes: &[u8], shapes: &[(String, Vec<usize>)]) -> Result<BTreeMap<String, Vec<f32>>> {
    let file = SafeTensors::deserialize(bytes)
        .map_err(|e| Error::Weights(format!("not a safetensors file: {e}")))?;
    let tensor = |name: &str, dtype: Dtype, len: usize| -> Result<Vec<u8>> {
        let t = file
            .tensor(name)
            .map_err(|_| Error::Weights(format!("missing tensor {name}")))?;
        let width = dtype.bitsize() / 8;
        if t.dtype() != dtype || t.data().len() != len * width {
            return Err(Error::Weights(format!(
                "{name} should hold {len} {dtype:?} values"
            )));
        }
        Ok(t.data().to_vec())
    };
    let mut out = BTreeMap::new();
    for (name, shape) in shapes {
        let count: usize = shape.iter().product();
        // A matrix kept in float32 (a classifier) is stored under its own name, like a vector.
        let values = if shape.len() < 2 || file.tensor(name).is_ok() {
            let raw = tensor(name, Dtype::F32, count)?;
            raw.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        } else {
            let nibbles = tensor(&format!("{name}.q4"), Dtype::U8, count.div_ceil(2))?;
            let raw = tensor(&format!("{name}.scales"), Dtype::F16, count.div_ceil(GROUP))?;
            let scales = raw
                .chunks_exact(2)
                .map(|b| f16::from_le_bytes([b[0], b[1]]))
                .collect();
            dequantize(&Packed { nibbles, scales }, count)?
        };
        out.insert(name.clone(), values);
    }
    Ok(out)
}

/// Writes `tensors` (name, shape, values) in the format, matrices in 4 bits unless their name
/// is in `keep_f32`, with `metadata`.
pub fn write(
    tensors: &[(String, Vec<usize>, Vec<f32>)],
    keep_f32: &[&str],
    metadata: BTreeMap<String, String>,
) -> Result<Vec<u8>> {
    let mut owned: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
    for (name, shape, values) in tensors {
        if shape.len() < 2 || keep_f32.contains(&name.as_str()) {
            let bytes = values.iter().flat_map(|v| v.to_le_bytes()).collect();
            owned.push((name.clone(), Dtype::F32, vec![values.len()], bytes));
        } else {
            let packed = quantize(values);
            let scales = packed.scales.iter().flat_map(|s| s.to_le_bytes()).collect();
            owned.push((
                format!("{name}.q4"),
                Dtype::U8,
                vec![packed.nibbles.len()],
                packed.nibbles,
            ));
            owned.push((
                format!("{name}.scales"),
                Dtype::F16,
                vec![packed.scales.len()],
                scales,
            ));
        }
    }
    serialize_owned(&owned, metadata.into_iter().collect())
}

/// Tensors of any type (name, type, shape, little-endian bytes) as a safetensors file.
pub(super) fn serialize_owned(
    owned: &[(String, Dtype, Vec<usize>, Vec<u8>)],
    metadata: std::collections::HashMap<String, String>,
) -> Result<Vec<u8>> {
    let views = owned
        .iter()
        .map(|(name, dtype, shape, bytes)| {
            TensorView::new(*dtype, shape.clone(), bytes)
                .map(|v| (name.clone(), v))
                .map_err(|e| Error::Weights(e.to_string()))
        })
        .collect::<Result<Vec<_>>>()?;
    serialize(views, Some(metadata)).map_err(|e| Error::Weights(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_within_half_a_step() {
        let values: Vec<f32> = (0..100)
            .map(|i| ((i * 37) % 23) as f32 / 7.0 - 1.3)
            .collect();
        let packed = quantize(&values);
        assert_eq!((packed.nibbles.len(), packed.scales.len()), (50, 4));
        let back = dequantize(&packed, 100).unwrap();
        for (g, (a, b)) in values.chunks(32).zip(back.chunks(32)).enumerate() {
            let step = packed.scales[g].to_f32();
            let worst = a
                .iter()
                .zip(b)
                .map(|(x, y)| (x - y).abs())
                .fold(0f32, f32::max);
            assert!(worst <= step / 2.0 + 1e-6, "group {g}: {worst} > {step}/2");
            let max = a.iter().fold(0f32, |m, v| m.max(v.abs()));
            assert!(
                b.iter().any(|v| (v.abs() - max).abs() <= 1e-3 * max),
                "the extreme is kept"
            );
        }
        assert_eq!(
            dequantize(&quantize(&[0.0; 40]), 40).unwrap(),
            vec![0.0; 40]
        );
        // Half to even: 0.5 and 1.5 steps go to 0 and 2.
        let p = quantize(&[7.0, 0.5, 1.5, -2.5]);
        assert_eq!(dequantize(&p, 4).unwrap(), vec![7.0, 0.0, 2.0, -2.0]);
    }

    #[test]
    fn files_round_trip_and_wrong_sizes_are_refused() {
        let shapes = vec![("m".to_string(), vec![3, 32]), ("v".to_string(), vec![5])];
        let m: Vec<f32> = (0..96).map(|i| i as f32 / 10.0).collect();
        let mut tensors = vec![
            ("m".to_string(), vec![3, 32], m.clone()),
            ("v".to_string(), vec![5], vec![1.0, 2.0, 3.0, 4.0, 5.0]),
        ];
        let whole = write(&tensors, &["m"], BTreeMap::new()).unwrap();
        assert_eq!(
            read(&whole, &shapes).unwrap()["m"],
            m,
            "a matrix kept in float32"
        );
        tensors[0].2[0] = 0.05;
        let bytes = write(&tensors, &[], BTreeMap::new()).unwrap();
        assert!(bytes.len() < whole.len());
        let back = read(&bytes, &shapes).unwrap();
        assert_eq!(back["v"], [1.0, 2.0, 3.0, 4.0, 5.0]);
        assert!(
            back["m"]
                .iter()
                .zip(&m)
                .all(|(a, b)| (a - b).abs() <= 9.5 / 14.0 + 1e-3)
        );
        let bigger = vec![("m".to_string(), vec![4, 32]), ("v".to_string(), vec![5])];
        let err = read(&bytes, &bigger).unwrap_err().to_string();
        assert!(err.contains("m.q4 should hold 64"), "{err}");
        let missing = vec![("w".to_string(), vec![5])];
        assert!(
            read(&bytes, &missing)
                .unwrap_err()
                .to_string()
                .contains("missing tensor w")
        );
        assert!(read(b"nonsense", &shapes).is_err());
    }
}
