//! Datasets: the shipped image sets (digits, MNIST), seeded 2-D toy sets, deterministic splits,
//! and the transfer set a student learns from.

mod digits;
mod idx;
mod own;
mod toy;
mod transfer;

pub use digits::parse_digits_csv;
pub use idx::{parse_idx_images, parse_idx_labels};
pub use own::{MAX_CLASSES as OWN_MAX_CLASSES, OwnData, parse_own_csv};
pub use toy::{ToyKind, toy_dataset};
pub use transfer::{Batch, Batches, TeacherRows, TransferConfig, TransferSet};

use std::io::Read;

use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rand::seq::SliceRandom;

use crate::error::{Error, Result};

/// A labeled set of examples, features scaled to roughly [0, 1] (images) or unit scale (toy sets).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Dataset {
    pub name: String,
    /// Row-major `[len, dim]`.
    pub features: Vec<f32>,
    pub labels: Vec<u8>,
    pub dim: usize,
    pub classes: usize,
    /// `(height, width)` when the examples are images.
    pub image: Option<(usize, usize)>,
}

impl Dataset {
    pub fn new(
        name: impl Into<String>,
        features: Vec<f32>,
        labels: Vec<u8>,
        dim: usize,
        classes: usize,
        image: Option<(usize, usize)>,
    ) -> Result<Self> {
        let name = name.into();
        if dim == 0 || features.len() != labels.len() * dim {
            return Err(Error::Dataset(format!(
                "{name}: {} feature values do not make {} examples of {dim}",
                features.len(),
                labels.len()
            )));
        }
        if let Some(bad) = labels.iter().find(|l| usize::from(**l) >= classes) {
            return Err(Error::Dataset(format!(
                "{name}: label {bad} is out of range for {classes} classes"
            )));
        }
        Ok(Self {
            name,
            features,
            labels,
            dim,
            classes,
            image,
        })
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn example(&self, i: usize) -> &[f32] {
        &self.features[i * self.dim..(i + 1) * self.dim]
    }

    /// The examples at `indices`, in that order.
    pub fn subset(&self, indices: &[usize]) -> Dataset {
        let mut features = Vec::with_capacity(indices.len() * self.dim);
        for &i in indices {
            features.extend_from_slice(self.example(i));
        }
        Dataset {
            name: self.name.clone(),
            features,
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
            dim: self.dim,
            classes: self.classes,
            image: self.image,
        }
    }

    /// `n` examples spread evenly over the set, in order (all of them for 0 or more than there
    /// are): a split kept in document order gives every part its share.
    pub fn spread(&self, n: usize) -> Dataset {
        let len = self.len();
        match n {
            0 => self.clone(),
            n if n >= len => self.clone(),
            n => self.subset(&(0..n).map(|i| i * len / n).collect::<Vec<_>>()),
        }
    }

    /// Examples per class.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes];
        for &l in &self.labels {
            counts[usize::from(l)] += 1;
        }
        counts
    }

    /// A seeded, stratified split: `test_fraction` of every class goes to the test set.
    pub fn split(&self, test_fraction: f32, seed: u64) -> Split {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for class in 0..self.classes {
            let mut idx: Vec<usize> = (0..self.len())
                .filter(|&i| usize::from(self.labels[i]) == class)
                .collect();
            idx.shuffle(&mut rng);
            let n_test = (idx.len() as f32 * test_fraction).round() as usize;
            test.extend_from_slice(&idx[..n_test]);
            train.extend_from_slice(&idx[n_test..]);
        }
        // Interleave classes so that any prefix is a fair sample.
        train.shuffle(&mut rng);
        test.shuffle(&mut rng);
        Split {
            train: self.subset(&train),
            test: self.subset(&test),
        }
    }
}

/// Training and test parts of a dataset.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Split {
    pub train: Dataset,
    pub test: Dataset,
}

/// The digits set is small enough to live inside the binary (and the page's wasm).
pub const DIGITS_CSV_GZ: &[u8] = include_bytes!("../../../assets/data/digits/digits.csv.gz");

/// Digits' fixed split: 20 % of every class held out, always with the same seed so the shipped
/// teacher's test set is the same for everyone.
pub const DIGITS_SPLIT_SEED: u64 = 2015;

/// Seed of the toy sets the page shows and its shipped toy teachers learned (the CLI's default).
pub const TOY_SEED: u64 = 42;

/// Training images of MNIST the page keeps (the first ones: every class ~10 %); it evaluates on
/// all 10,000 test images.
pub const PAGE_MNIST_TRAIN: usize = 10_000;

/// A toy set as the CLI and the page use it: 1,000 points, 30 % held out, both from `seed`.
pub fn toy_split(kind: ToyKind, seed: u64) -> Split {
    toy_dataset(kind, 1000, kind.noise(), seed).split(0.3, seed)
}

/// Decompresses gzip bytes, refusing output larger than `limit` bytes.
pub fn gunzip(bytes: &[u8], limit: usize, what: &str) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::Dataset(format!("{what}: not a valid gzip file ({e})")))?;
    if out.len() > limit {
        return Err(Error::Dataset(format!(
            "{what}: decompresses to more than {limit} bytes"
        )));
    }
    Ok(out)
}

/// The digits set with its fixed train/test split.
pub fn digits() -> Result<Split> {
    let csv = gunzip(DIGITS_CSV_GZ, 4 << 20, "digits.csv.gz")?;
    Ok(parse_digits_csv(&csv)?.split(0.2, DIGITS_SPLIT_SEED))
}

/// MNIST from its four gzip-compressed IDX files (train images, train labels, test images, test
/// labels), as read from `assets/data/mnist/` or fetched by the page. Keeps the first
/// `train_limit` training images (converted to floats only after the cut).
pub fn mnist_from_gz(
    train_images: &[u8],
    train_labels: &[u8],
    test_images: &[u8],
    test_labels: &[u8],
    train_limit: usize,
) -> Result<Split> {
    const LIMIT: usize = 64 << 20;
    let part = |images: &[u8], labels: &[u8], name: &str, limit: usize| -> Result<Dataset> {
        let (mut pixels, rows, cols) = parse_idx_images(&gunzip(images, LIMIT, name)?)?;
        let mut labels = parse_idx_labels(&gunzip(labels, LIMIT, name)?)?;
        if labels.len() * rows * cols == pixels.len() && labels.len() > limit {
            labels.truncate(limit);
            pixels.truncate(limit * rows * cols);
        }
        if labels.len() * rows * cols != pixels.len() {
            return Err(Error::Dataset(format!(
                "{name}: {} labels for {} images",
                labels.len(),
                pixels.len() / (rows * cols)
            )));
        }
        let features = pixels.iter().map(|&p| f32::from(p) / 255.0).collect();
        Dataset::new(
            "mnist",
            features,
            labels,
            rows * cols,
            10,
            Some((rows, cols)),
        )
    };
    Ok(Split {
        train: part(train_images, train_labels, "mnist train", train_limit)?,
        test: part(test_images, test_labels, "mnist test", usize::MAX)?,
    })
}

/// A file's bytes, refused once it passes `limit` bytes: reading stops there, so a huge file
/// or a device such as /dev/zero costs at most `limit` bytes and no wait.
#[cfg(not(target_arch = "wasm32"))]
pub fn read_capped(path: &std::path::Path, limit: usize) -> Result<Vec<u8>> {
    let cannot = |e| Error::io(format!("cannot read {}", path.display()), e);
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() > limit {
        return Err(Error::Dataset(format!(
            "{} is larger than {} MB, the most read from it",
            path.display(),
            limit >> 20
        )));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spread_takes_examples_from_every_part_of_the_set() {
        let test = digits().unwrap().test;
        let spread = test.spread(10);
        assert_eq!(spread.len(), 10);
        let step = test.len() / 10;
        assert_eq!(spread.example(9), test.example(9 * test.len() / 10));
        assert!(step > 1 && spread.example(1) == test.example(test.len() / 10));
        assert_eq!(test.spread(0).len(), test.len());
        assert_eq!(test.spread(100_000).len(), test.len());
    }

    #[test]
    fn digits_loads_with_a_stratified_split() {
        let split = digits().unwrap();
        assert_eq!(split.train.len() + split.test.len(), 1797);
        assert_eq!(split.train.dim, 64);
        assert_eq!(split.train.image, Some((8, 8)));
        // Every class keeps ~20 % in the test set.
        let all: Vec<usize> = split
            .train
            .class_counts()
            .iter()
            .zip(split.test.class_counts())
            .map(|(a, b)| a + b)
            .collect();
        for (c, (test, total)) in split.test.class_counts().iter().zip(&all).enumerate() {
            let frac = *test as f32 / *total as f32;
            assert!((frac - 0.2).abs() < 0.01, "class {c}: {frac}");
        }
        assert!(split.train.features.iter().all(|v| (0.0..=1.0).contains(v)));
        // The split is a function of the seed only.
        assert_eq!(digits().unwrap().test.labels, split.test.labels);
    }

    #[test]
    fn different_seeds_give_different_splits() {
        let csv = gunzip(DIGITS_CSV_GZ, 4 << 20, "digits").unwrap();
        let data = parse_digits_csv(&csv).unwrap();
        assert_ne!(
            data.split(0.2, 1).test.labels,
            data.split(0.2, 2).test.labels
        );
    }

    #[test]
    fn gunzip_rejects_garbage_and_bombs() {
        assert!(gunzip(b"not gzip at all", 1000, "x").is_err());
        let err = gunzip(DIGITS_CSV_GZ, 1000, "digits")
            .unwrap_err()
            .to_string();
        assert!(err.contains("more than 1000 bytes"), "{err}");
    }

    #[test]
    fn dataset_new_checks_shapes_and_labels() {
        assert!(Dataset::new("x", vec![0.0; 5], vec![0, 1], 2, 2, None).is_err());
        let err = Dataset::new("x", vec![0.0; 4], vec![0, 3], 2, 2, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("label 3"), "{err}");
    }
}
