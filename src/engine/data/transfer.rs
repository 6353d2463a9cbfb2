//! The transfer set (Hinton et al. 2015): the examples a student is distilled on. Some keep their
//! labels; the rest are unlabeled and teach through the teacher's soft targets only; augmented
//! copies (Gaussian noise, and for images random masking of pixels, as Tang et al. 2019 mask
//! words) add more.

use rand::rngs::ChaCha8Rng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};

use super::Dataset;
use crate::error::{Error, Result};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TransferConfig {
    /// Fraction of the training set (of every class) whose labels are kept.
    pub labeled_fraction: f32,
    /// Add the rest of the training set without labels.
    pub include_unlabeled: bool,
    /// Augmented (unlabeled) copies of every transfer example.
    pub augment_copies: usize,
    /// Std of the Gaussian pixel noise of augmented copies.
    pub noise_std: f32,
    /// Probability that an augmented copy's pixel is set to zero (images only: a point of a 2-D
    /// set with a coordinate zeroed would land on an axis, not near the original).
    pub mask_prob: f32,
    /// Remove every example of this class (Hinton's omitted-class experiment).
    pub omit_class: Option<u8>,
}

impl Default for TransferConfig {
    fn default() -> Self {
        Self {
            labeled_fraction: 1.0,
            include_unlabeled: true,
            augment_copies: 0,
            noise_std: 0.1,
            mask_prob: 0.1,
            omit_class: None,
        }
    }
}

impl TransferConfig {
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Settings(m));
        if !(self.labeled_fraction > 0.0 && self.labeled_fraction <= 1.0) {
            return bad(format!(
                "labeled fraction {} must be in (0, 1]",
                self.labeled_fraction
            ));
        }
        if self.augment_copies > 20 {
            return bad(format!(
                "{} augmented copies per example: at most 20",
                self.augment_copies
            ));
        }
        if !(self.noise_std.is_finite() && (0.0..=1.0).contains(&self.noise_std)) {
            return bad(format!("noise std {} must be in [0, 1]", self.noise_std));
        }
        if !(0.0..=1.0).contains(&self.mask_prob) {
            return bad(format!(
                "mask probability {} must be in [0, 1]",
                self.mask_prob
            ));
        }
        Ok(())
    }
}

/// The examples a student learns from; `labels[i]` is `None` where only soft targets teach.
#[derive(Clone, Debug, PartialEq)]
pub struct TransferSet {
    pub features: Vec<f32>,
    pub labels: Vec<Option<u8>>,
    pub dim: usize,
    pub classes: usize,
    pub labeled: usize,
    pub unlabeled: usize,
    pub augmented: usize,
    /// `(height, width)` when the rows are images (they can then be jittered).
    pub image: Option<(usize, usize)>,
    /// The same examples as the teacher reads them, when it tokenizes differently (MiniLM's
    /// WordPiece pieces against the students' words): row `i` here is row `i` of `features`.
    pub teacher_rows: Option<TeacherRows>,
}

/// A teacher's own rows of a transfer set, `dim` values each.
#[derive(Clone, Debug, PartialEq)]
pub struct TeacherRows {
    pub features: Vec<f32>,
    pub dim: usize,
    /// For each of the teacher's positions, the student position it pools into plus one (0:
    /// none): see [`piece_words`](crate::text::piece_words). Empty when not aligned.
    pub words: Vec<u16>,
}

impl TransferSet {
    pub fn build(train: &Dataset, config: &TransferConfig, seed: u64) -> Result<Self> {
        config.validate()?;
        if let Some(c) = config.omit_class
            && usize::from(c) >= train.classes
        {
            return Err(Error::Settings(format!(
                "cannot omit class {c}: the dataset has classes 0..{}",
                train.classes - 1
            )));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7472_616e_7366_6572);
        let (mut features, mut labels, labeled, unlabeled) = pick(train, config, &mut rng);
        let base = labels.len();
        augment(train, config, &mut features, base, &mut rng)?;
        labels.resize(base * (1 + config.augment_copies), None);
        Ok(Self {
            features,
            augmented: labels.len() - base,
            labels,
            dim: train.dim,
            classes: train.classes,
            labeled,
            unlabeled,
            image: train.image,
            teacher_rows: None,
        })
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// The labeled and unlabeled examples, before any augmented copies (row-major).
    pub fn base_rows(&self) -> &[f32] {
        &self.features[..(self.labeled + self.unlabeled) * self.dim]
    }

    /// Gives the teacher its own rows of these examples (`dim` values each, in the same order).
    pub fn with_teacher_rows(mut self, features: Vec<f32>, dim: usize) -> Result<Self> {
        if dim == 0 || features.len() != self.len() * dim {
            return Err(Error::Settings(format!(
                "{} teacher values are not {} rows of {dim}",
                features.len(),
                self.len()
            )));
        }
        self.teacher_rows = Some(TeacherRows {
            features,
            dim,
            words: Vec::new(),
        });
        Ok(self)
    }

    /// Says which student position each of the teacher's positions belongs to (one value per
    /// teacher value; see [`TeacherRows::words`]), so layer and attention losses can compare them.
    pub fn with_alignment(mut self, words: Vec<u16>) -> Result<Self> {
        let dim = self.dim;
        let Some(rows) = self.teacher_rows.as_mut() else {
            return Err(Error::Settings(
                "an alignment needs the teacher's own rows first".into(),
            ));
        };
        if words.len() != rows.features.len() || words.iter().any(|&w| usize::from(w) > dim) {
            return Err(Error::Settings(format!(
                "the alignment does not fit {} teacher rows of {} into rows of {dim}",
                rows.features.len() / rows.dim.max(1),
                rows.dim
            )));
        }
        rows.words = words;
        Ok(self)
    }

    /// Whether the teacher reads its own rows and they are aligned with the student's.
    pub fn is_aligned(&self) -> bool {
        self.teacher_rows
            .as_ref()
            .is_some_and(|t| !t.words.is_empty())
    }

    /// The alignment of rows `rows` (see [`TeacherRows::words`]), when there is one.
    pub fn alignment(&self, rows: &[usize]) -> Option<Vec<u16>> {
        let t = self.teacher_rows.as_ref().filter(|t| !t.words.is_empty())?;
        let mut out = Vec::with_capacity(rows.len() * t.dim);
        for &i in rows {
            out.extend_from_slice(t.words.get(i * t.dim..(i + 1) * t.dim)?);
        }
        Some(out)
    }

    /// The teacher's rows `rows`: its own when it has them, else the students'.
    pub fn teacher_batch(&self, rows: &[usize]) -> (Vec<f32>, usize) {
        let (features, dim) = match &self.teacher_rows {
            Some(t) => (&t.features, t.dim),
            None => (&self.features, self.dim),
        };
        let mut out = Vec::with_capacity(rows.len() * dim);
        for &i in rows {
            out.extend_from_slice(&features[i * dim..(i + 1) * dim]);
        }
        (out, dim)
    }

    /// Every row as the teacher reads it, and its width.
    pub fn teacher_features(&self) -> (&[f32], usize) {
        match &self.teacher_rows {
            Some(t) => (&t.features, t.dim),
            None => (&self.features, self.dim),
        }
    }

    /// Appends augmented copies made elsewhere (text augmentation), without labels.
    pub fn push_augmented(&mut self, rows: Vec<f32>) -> Result<()> {
        if self.teacher_rows.is_some() {
            return Err(Error::Settings(
                "the teacher reads its own rows here: augment first, then give the teacher \
                 its rows of every copy (with_teacher_rows)"
                    .into(),
            ));
        }
        self.push_student_rows(rows)
    }

    fn push_student_rows(&mut self, rows: Vec<f32>) -> Result<()> {
        if self.dim == 0 || !rows.len().is_multiple_of(self.dim) {
            return Err(Error::Settings(format!(
                "{} augmented values do not make rows of {}",
                rows.len(),
                self.dim
            )));
        }
        let n = rows.len() / self.dim;
        self.features.extend(rows);
        self.labels.extend(std::iter::repeat_n(None, n));
        self.augmented += n;
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The labeled examples alone, as a student trained without a teacher would see them.
    pub fn labeled_only(&self) -> TransferSet {
        let rows: Vec<usize> = (0..self.len())
            .filter(|&i| self.labels[i].is_some())
            .collect();
        let mut features = Vec::with_capacity(rows.len() * self.dim);
        for &i in &rows {
            features.extend_from_slice(&self.features[i * self.dim..(i + 1) * self.dim]);
        }
        TransferSet {
            features,
            labels: rows.iter().map(|&i| self.labels[i]).collect(),
            dim: self.dim,
            classes: self.classes,
            labeled: rows.len(),
            unlabeled: 0,
            augmented: 0,
            image: self.image,
            // A student without a teacher never reads them.
            teacher_rows: None,
        }
    }

    /// An error unless these rows fit a network (`who`, e.g. "the teacher") that reads
    /// `inputs` values and predicts `classes`.
    pub fn check_fits(&self, inputs: usize, classes: usize, who: &str) -> Result<()> {
        if (self.dim, self.classes) == (inputs, classes) {
            return Ok(());
        }
        Err(Error::ModelConfig(format!(
            "the data has {} inputs and {} classes, {who} expects {inputs} and {classes}",
            self.dim, self.classes
        )))
    }

    /// The same rows with every label dropped (for training that must not read labels).
    pub fn inputs_only(&self) -> TransferSet {
        TransferSet {
            features: self.features.clone(),
            labels: vec![None; self.labels.len()],
            dim: self.dim,
            classes: self.classes,
            labeled: 0,
            unlabeled: self.labeled + self.unlabeled,
            augmented: self.augmented,
            image: self.image,
            teacher_rows: self.teacher_rows.clone(),
        }
    }

    /// Gathers rows into a batch; unlabeled rows get an all-zero target.
    pub fn batch(&self, rows: &[usize]) -> Batch {
        let mut features = Vec::with_capacity(rows.len() * self.dim);
        let mut one_hot = vec![0.0; rows.len() * self.classes];
        let mut labeled = 0;
        for (r, &i) in rows.iter().enumerate() {
            features.extend_from_slice(&self.features[i * self.dim..(i + 1) * self.dim]);
            if let Some(l) = self.labels[i] {
                one_hot[r * self.classes + usize::from(l)] = 1.0;
                labeled += 1;
            }
        }
        Batch {
            features,
            one_hot,
            rows: rows.len(),
            labeled,
        }
    }
}

/// One batch, host-side, ready to become tensors.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    pub features: Vec<f32>,
    pub one_hot: Vec<f32>,
    pub rows: usize,
    pub labeled: usize,
}

/// Seeded batch order: every epoch visits every row once, in a fresh shuffled order.
#[derive(Debug)]
pub struct Batches {
    order: Vec<usize>,
    position: usize,
    batch_size: usize,
    epoch: usize,
    rng: ChaCha8Rng,
}

impl Batches {
    pub fn new(len: usize, batch_size: usize, seed: u64) -> Result<Self> {
        if len == 0 {
            return Err(Error::Settings("the transfer set is empty".into()));
        }
        if batch_size == 0 {
            return Err(Error::Settings("batch size must be at least 1".into()));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0062_6174_6368_6573);
        let mut order: Vec<usize> = (0..len).collect();
        order.shuffle(&mut rng);
        Ok(Self {
            order,
            position: 0,
            batch_size: batch_size.min(len),
            epoch: 0,
            rng,
        })
    }

    /// Completed passes over the data.
    /// The seeded order, already `step` batches in (the RNG cannot be cloned: it is replayed).
    pub fn at(len: usize, batch_size: usize, seed: u64, step: usize) -> Result<Self> {
        let mut batches = Self::new(len, batch_size, seed)?;
        for _ in 0..step {
            batches.next_rows();
        }
        Ok(batches)
    }

    pub fn epoch(&self) -> usize {
        self.epoch
    }

    pub fn batches_per_epoch(&self) -> usize {
        self.order.len().div_ceil(self.batch_size)
    }

    /// Row indices of the next batch; the last batch of an epoch may be smaller.
    pub fn next_rows(&mut self) -> Vec<usize> {
        if self.position >= self.order.len() {
            self.order.shuffle(&mut self.rng);
            self.position = 0;
            self.epoch += 1;
        }
        let end = (self.position + self.batch_size).min(self.order.len());
        let rows = self.order[self.position..end].to_vec();
        self.position = end;
        rows
    }
}

/// Labeled rows (the configured share of each class, seeded), then the unlabeled rest when
/// kept: their features, labels, and how many of each.
fn pick(
    train: &Dataset,
    config: &TransferConfig,
    rng: &mut ChaCha8Rng,
) -> (Vec<f32>, Vec<Option<u8>>, usize, usize) {
    let mut features = Vec::new();
    let mut labels = Vec::new();
    let mut unlabeled_rows = Vec::new();
    for class in 0..train.classes as u8 {
        if config.omit_class == Some(class) {
            continue;
        }
        let mut idx: Vec<usize> = (0..train.len())
            .filter(|&i| train.labels[i] == class)
            .collect();
        idx.shuffle(rng);
        let keep = ((idx.len() as f32 * config.labeled_fraction).round() as usize)
            .clamp(usize::from(!idx.is_empty()), idx.len());
        for &i in &idx[..keep] {
            features.extend_from_slice(train.example(i));
            labels.push(Some(class));
        }
        if config.include_unlabeled {
            unlabeled_rows.extend_from_slice(&idx[keep..]);
        }
    }
    let labeled = labels.len();
    for &i in &unlabeled_rows {
        features.extend_from_slice(train.example(i));
        labels.push(None);
    }
    (features, labels, labeled, unlabeled_rows.len())
}

/// The augmented copies of the first `base` rows: noise, and on images masked pixels.
fn augment(
    train: &Dataset,
    config: &TransferConfig,
    features: &mut Vec<f32>,
    base: usize,
    rng: &mut ChaCha8Rng,
) -> Result<()> {
    let noise = Normal::new(0.0f32, config.noise_std)
        .map_err(|e| Error::Settings(format!("noise std: {e}")))?;
    let (dim, image) = (train.dim, train.image.is_some());
    let mask_prob = if image { config.mask_prob } else { 0.0 };
    for _ in 0..config.augment_copies {
        for row in 0..base {
            for j in 0..dim {
                let v = features[row * dim + j];
                let v = if rng.random::<f32>() < mask_prob {
                    0.0
                } else {
                    v + noise.sample(rng)
                };
                features.push(if image { v.clamp(0.0, 1.0) } else { v });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::digits;

    #[test]
    fn labeled_fraction_is_stratified_and_rest_unlabeled() {
        let train = digits().unwrap().train;
        let config = TransferConfig {
            labeled_fraction: 0.1,
            ..Default::default()
        };
        let set = TransferSet::build(&train, &config, 3).unwrap();
        assert_eq!(set.len(), train.len());
        assert_eq!(set.labeled + set.unlabeled, train.len());
        let mut per_class = [0usize; 10];
        for l in set.labels.iter().flatten() {
            per_class[usize::from(*l)] += 1;
        }
        // ~10 % of ~144 per class
        assert!(
            per_class.iter().all(|c| (12..=16).contains(c)),
            "{per_class:?}"
        );
        assert_eq!(set.labeled_only().len(), set.labeled);
        // Seeded: the same seed keeps the same labeled examples, another seed others.
        let again = TransferSet::build(&train, &config, 3).unwrap();
        assert_eq!(again.features, set.features);
        let other = TransferSet::build(&train, &config, 4).unwrap();
        assert_ne!(other.features[..64 * 20], set.features[..64 * 20]);
    }

    #[test]
    fn without_unlabeled_only_labeled_rows_remain() {
        let train = digits().unwrap().train;
        let config = TransferConfig {
            labeled_fraction: 0.5,
            include_unlabeled: false,
            ..Default::default()
        };
        let set = TransferSet::build(&train, &config, 0).unwrap();
        assert_eq!(set.unlabeled, 0);
        assert!(set.labels.iter().all(Option::is_some));
    }

    #[test]
    fn augmented_copies_are_unlabeled_and_perturbed() {
        let train = digits().unwrap().train.subset(&(0..50).collect::<Vec<_>>());
        let config = TransferConfig {
            augment_copies: 2,
            noise_std: 0.0,
            mask_prob: 1.0,
            ..Default::default()
        };
        let set = TransferSet::build(&train, &config, 0).unwrap();
        assert_eq!((set.len(), set.augmented), (150, 100));
        assert!(set.labels[50..].iter().all(Option::is_none));
        // mask_prob 1 zeroes every input of every copy.
        assert!(set.features[50 * 64..].iter().all(|v| *v == 0.0));
        let noisy = TransferSet::build(
            &train,
            &TransferConfig {
                augment_copies: 1,
                noise_std: 0.2,
                mask_prob: 0.0,
                ..Default::default()
            },
            0,
        )
        .unwrap();
        let changed = (0..50 * 64)
            .filter(|&j| noisy.features[j] != noisy.features[50 * 64 + j])
            .count();
        assert!(changed > 50 * 64 / 3, "{changed}");
        assert!(noisy.features.iter().all(|v| (0.0..=1.0).contains(v)));
    }

    #[test]
    fn points_are_jittered_never_masked() {
        let train = crate::data::toy::toy_dataset(crate::data::toy::ToyKind::Moons, 100, 0.1, 0);
        let config = TransferConfig {
            augment_copies: 3,
            noise_std: 0.05,
            mask_prob: 1.0,
            ..Default::default()
        };
        let set = TransferSet::build(&train, &config, 0).unwrap();
        assert_eq!(set.augmented, 300);
        let base = set.len() - set.augmented;
        for copy in 0..3 {
            for row in 0..base {
                for j in 0..2 {
                    let original = set.features[row * 2 + j];
                    let jittered = set.features[((copy + 1) * base + row) * 2 + j];
                    assert_ne!(jittered, 0.0, "a coordinate was masked");
                    assert!(
                        (jittered - original).abs() < 0.5,
                        "{original} -> {jittered}"
                    );
                }
            }
        }
    }

    #[test]
    fn omitted_class_is_gone_and_bad_class_rejected() {
        let train = digits().unwrap().train;
        let config = TransferConfig {
            omit_class: Some(3),
            ..Default::default()
        };
        let set = TransferSet::build(&train, &config, 0).unwrap();
        assert!(set.labels.iter().all(|l| *l != Some(3)));
        assert_eq!(set.len(), train.len() - train.class_counts()[3]);
        let bad = TransferConfig {
            omit_class: Some(10),
            ..Default::default()
        };
        assert!(TransferSet::build(&train, &bad, 0).is_err());
        let bad = TransferConfig {
            labeled_fraction: 0.0,
            ..Default::default()
        };
        assert!(TransferSet::build(&train, &bad, 0).is_err());
    }

    #[test]
    fn batches_cover_each_epoch_once() {
        let mut b = Batches::new(10, 4, 1).unwrap();
        assert_eq!(b.batches_per_epoch(), 3);
        let mut seen: Vec<usize> = (0..3).flat_map(|_| b.next_rows()).collect();
        seen.sort();
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        assert_eq!(b.epoch(), 0);
        let next = b.next_rows();
        assert_eq!((b.epoch(), next.len()), (1, 4));
        assert!(Batches::new(0, 4, 1).is_err());
        assert!(Batches::new(5, 0, 1).is_err());
    }

    #[test]
    fn batch_one_hot_marks_labeled_rows() {
        let train = digits().unwrap().train.subset(&[0, 1, 2]);
        let mut set = TransferSet::build(&train, &TransferConfig::default(), 0).unwrap();
        set.labels[1] = None;
        let b = set.batch(&[0, 1]);
        assert_eq!((b.rows, b.labeled), (2, 1));
        assert_eq!(b.one_hot[..10].iter().sum::<f32>(), 1.0);
        assert_eq!(b.one_hot[10..].iter().sum::<f32>(), 0.0);
        assert_eq!(b.features.len(), 128);
    }
}
