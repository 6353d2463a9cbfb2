//! The IDX format of the MNIST files: a big-endian magic number (0x0803 images, 0x0801 labels),
//! the dimensions as big-endian u32, then unsigned bytes.

use crate::error::{Error, Result};

const IMAGES_MAGIC: u32 = 0x0000_0803;
const LABELS_MAGIC: u32 = 0x0000_0801;

fn be_u32(bytes: &[u8], at: usize, what: &str) -> Result<u32> {
    bytes
        .get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_be_bytes)
        .ok_or_else(|| Error::Dataset(format!("{what}: file ends inside its header")))
}

/// Returns the pixels, rows and columns of an IDX image file.
pub fn parse_idx_images(bytes: &[u8]) -> Result<(Vec<u8>, usize, usize)> {
    let what = "IDX images";
    let magic = be_u32(bytes, 0, what)?;
    if magic != IMAGES_MAGIC {
        return Err(Error::Dataset(format!(
            "{what}: magic number {magic:#010x}, expected {IMAGES_MAGIC:#010x}"
        )));
    }
    let count = be_u32(bytes, 4, what)? as usize;
    let rows = be_u32(bytes, 8, what)? as usize;
    let cols = be_u32(bytes, 12, what)? as usize;
    let expected = count
        .checked_mul(rows)
        .and_then(|n| n.checked_mul(cols))
        .ok_or_else(|| {
            Error::Dataset(format!("{what}: absurd dimensions {count}×{rows}×{cols}"))
        })?;
    let body = &bytes[16..];
    if body.len() != expected {
        return Err(Error::Dataset(format!(
            "{what}: header says {count} images of {rows}×{cols} ({expected} bytes), the file has {}",
            body.len()
        )));
    }
    Ok((body.to_vec(), rows, cols))
}

/// Returns the labels of an IDX label file.
pub fn parse_idx_labels(bytes: &[u8]) -> Result<Vec<u8>> {
    let what = "IDX labels";
    let magic = be_u32(bytes, 0, what)?;
    if magic != LABELS_MAGIC {
        return Err(Error::Dataset(format!(
            "{what}: magic number {magic:#010x}, expected {LABELS_MAGIC:#010x}"
        )));
    }
    let count = be_u32(bytes, 4, what)? as usize;
    let body = &bytes[8..];
    if body.len() != count {
        return Err(Error::Dataset(format!(
            "{what}: header says {count} labels, the file has {}",
            body.len()
        )));
    }
    if let Some(bad) = body.iter().find(|l| **l > 9) {
        return Err(Error::Dataset(format!(
            "{what}: label {bad} is not a digit"
        )));
    }
    Ok(body.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn images(count: u32, rows: u32, cols: u32, body: usize) -> Vec<u8> {
        let mut b = Vec::new();
        for v in [IMAGES_MAGIC, count, rows, cols] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        b.extend((0..body).map(|i| i as u8));
        b
    }

    #[test]
    fn parses_valid_files() {
        let (px, r, c) = parse_idx_images(&images(2, 2, 3, 12)).unwrap();
        assert_eq!((px.len(), r, c), (12, 2, 3));
        let mut labels = LABELS_MAGIC.to_be_bytes().to_vec();
        labels.extend_from_slice(&3u32.to_be_bytes());
        labels.extend_from_slice(&[1, 9, 0]);
        assert_eq!(parse_idx_labels(&labels).unwrap(), vec![1, 9, 0]);
    }

    #[test]
    fn rejects_bad_magic_truncation_and_overflow() {
        let mut wrong = images(1, 1, 1, 1);
        wrong[3] = 0x01;
        assert!(
            parse_idx_images(&wrong)
                .unwrap_err()
                .to_string()
                .contains("magic")
        );
        let short = images(2, 2, 3, 11);
        assert!(
            parse_idx_images(&short)
                .unwrap_err()
                .to_string()
                .contains("the file has 11")
        );
        assert!(parse_idx_images(&images(u32::MAX, u32::MAX, u32::MAX, 0)).is_err());
        assert!(parse_idx_images(&[0, 0, 8]).is_err());
        assert!(parse_idx_labels(&images(1, 1, 1, 1)).is_err());
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn shipped_mnist_has_the_canonical_sizes() {
        let dir =
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("assets");
        let split = crate::catalog::load(crate::catalog::DatasetKind::Mnist, &dir, 0).unwrap();
        assert_eq!((split.train.len(), split.test.len()), (60_000, 10_000));
        assert_eq!(split.train.dim, 784);
        assert_eq!(split.test.class_counts().iter().sum::<usize>(), 10_000);
        assert!(split.test.class_counts().iter().all(|c| *c > 800));
        // The page's cut keeps the first training images, every class well represented.
        let read = |name: &str| std::fs::read(dir.join("data/mnist").join(name)).unwrap();
        let page = super::super::mnist_from_gz(
            &read("train-images-idx3-ubyte.gz"),
            &read("train-labels-idx1-ubyte.gz"),
            &read("t10k-images-idx3-ubyte.gz"),
            &read("t10k-labels-idx1-ubyte.gz"),
            super::super::PAGE_MNIST_TRAIN,
        )
        .unwrap();
        assert_eq!(page.train.len(), super::super::PAGE_MNIST_TRAIN);
        assert_eq!(page.test, split.test);
        assert_eq!(page.train.example(9_999), split.train.example(9_999));
        assert!(page.train.class_counts().iter().all(|c| *c > 850));
    }
}
