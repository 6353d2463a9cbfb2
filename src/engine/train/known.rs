//! The teacher's logits of rows it has already read, by row. A text teacher reads a sentence in
//! milliseconds, and the page would otherwise read the same 6,000 sentences again for every new
//! pair of students; a trainer given these looks each transfer row up and computes only the
//! rows it does not find (augmented copies, a changed transfer set).

use std::collections::HashMap;

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::network::Classifier;

use super::logits_host;

/// Serializable so the page can hand what its teacher read to the training worker.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct KnownLogits {
    dim: usize,
    classes: usize,
    rows: HashMap<RowKey, Vec<f32>>,
}

/// A row by its 128-bit hash: an image's row as its key would hold 784 values, and the page's
/// 20,000 images would take another 63 MB, sent again to the worker. Two rows that differ
/// collide with odds of about 2⁻¹²⁸ per pair.
type RowKey = (u64, u64);

fn key(row: &[f32]) -> RowKey {
    use std::hash::{Hash, Hasher};
    let half = |salt: u8| {
        // SipHash with fixed keys: the same row gives the same key in the page and the worker.
        let mut h = std::collections::hash_map::DefaultHasher::new();
        salt.hash(&mut h);
        row.len().hash(&mut h);
        for v in row {
            v.to_bits().hash(&mut h);
        }
        h.finish()
    };
    (half(1), half(2))
}

impl KnownLogits {
    pub fn new(dim: usize, classes: usize) -> Self {
        Self {
            dim,
            classes,
            rows: HashMap::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Whether these are logits of rows of `dim` values over `classes` classes.
    pub fn fits(&self, dim: usize, classes: usize) -> bool {
        (self.dim, self.classes) == (dim, classes) && self.rows.values().all(|v| v.len() == classes)
    }

    /// Adds the rows `other` knows (same shape: see [`KnownLogits::fits`]).
    pub fn absorb(&mut self, other: KnownLogits) {
        self.rows.extend(other.rows);
    }

    pub fn get(&self, row: &[f32]) -> Option<&[f32]> {
        self.rows.get(&key(row)).map(Vec::as_slice)
    }

    /// Indices of the rows of `features` (`dim` values each) not known yet, once each.
    pub fn missing(&self, features: &[f32]) -> Vec<usize> {
        let mut seen = std::collections::HashSet::new();
        features
            .chunks(self.dim.max(1))
            .enumerate()
            .filter(|(_, row)| !self.rows.contains_key(&key(row)) && seen.insert(key(row)))
            .map(|(i, _)| i)
            .collect()
    }

    /// Reads the rows `which` of `features` with `teacher` and remembers their logits.
    pub fn learn(
        &mut self,
        teacher: &(impl Classifier + ?Sized),
        features: &[f32],
        which: &[usize],
        device: &burn::tensor::Device,
    ) -> Result<()> {
        self.learn_read_as(teacher, features, (features, self.dim), which, device)
    }

    /// [`KnownLogits::learn`] for a teacher that reads its own rows of the same examples
    /// (`own`: `(values, dim)`, MiniLM's word pieces): remembered under the rows of `features`.
    pub fn learn_read_as(
        &mut self,
        teacher: &(impl Classifier + ?Sized),
        features: &[f32],
        (own, own_dim): (&[f32], usize),
        which: &[usize],
        device: &burn::tensor::Device,
    ) -> Result<()> {
        let c = teacher.architecture();
        if (c.inputs(), c.classes()) != (own_dim, self.classes) {
            return Err(Error::ModelConfig(format!(
                "the teacher maps {} inputs to {} classes; it is given rows of {own_dim} for {} classes",
                c.inputs(),
                c.classes(),
                self.classes
            )));
        }
        let pick = |values: &'_ [f32], dim: usize| -> Vec<f32> {
            which
                .iter()
                .filter_map(|&i| values.get(i * dim..(i + 1) * dim))
                .flatten()
                .copied()
                .collect()
        };
        let (keys, read) = (pick(features, self.dim), pick(own, own_dim));
        let rows = read.len() / own_dim.max(1);
        if keys.len() != rows * self.dim {
            return Err(Error::ModelConfig(
                "the teacher's rows and the students' rows differ in number".into(),
            ));
        }
        let batch = Dataset::new(
            "teacher input",
            read,
            vec![0; rows],
            own_dim,
            self.classes,
            None,
        )?;
        let logits = logits_host(teacher, &batch, device)?;
        for (row, l) in keys
            .chunks(self.dim.max(1))
            .zip(logits.chunks(self.classes))
        {
            self.rows.insert(key(row), l.to_vec());
        }
        Ok(())
    }

    /// Logits computed elsewhere (MiniLM's shipped logits of the training split), row by row
    /// of `features`: `logits` holds `classes` values per row of `dim`.
    pub fn from_table(
        features: &[f32],
        dim: usize,
        logits: &[f32],
        classes: usize,
    ) -> Result<Self> {
        let rows = features.len() / dim.max(1);
        if dim == 0 || classes == 0 || logits.len() != rows * classes {
            return Err(Error::Settings(format!(
                "{} logits are not {classes} for each of {rows} rows",
                logits.len()
            )));
        }
        if let Some(bad) = logits.iter().find(|v| !v.is_finite()) {
            return Err(Error::Settings(format!("a known logit is {bad}")));
        }
        let mut known = Self::new(dim, classes);
        for (row, l) in features.chunks(dim).zip(logits.chunks(classes)) {
            known.rows.insert(key(row), l.to_vec());
        }
        Ok(known)
    }

    /// The logits of every row of `features`, if all are known.
    pub fn all(&self, features: &[f32]) -> Option<Vec<f32>> {
        let mut out = Vec::with_capacity(features.len() / self.dim.max(1) * self.classes);
        for row in features.chunks(self.dim.max(1)) {
            out.extend_from_slice(self.get(row)?);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::MlpConfig;
    use burn::tensor::Device;

    #[test]
    fn rows_are_read_once_and_looked_up_by_content() {
        let device = Device::flex();
        let net = MlpConfig::teacher(2, 3).init(&device, 1).unwrap();
        let features = [0.5, 1.0, -1.0, 2.0, 0.5, 1.0];
        let mut known = KnownLogits::new(2, 3);
        assert_eq!(known.missing(&features), [0, 1], "the repeated row once");
        known.learn(&net, &features, &[0, 1], &device).unwrap();
        assert!(known.missing(&features).is_empty());
        let all = known.all(&features).unwrap();
        let data = Dataset::new("x", features.to_vec(), vec![0; 3], 2, 3, None).unwrap();
        assert_eq!(all, logits_host(&net, &data, &device).unwrap());
        assert!(known.all(&[9.0, 9.0]).is_none());
        let wrong = MlpConfig::teacher(3, 3).init(&device, 1).unwrap();
        assert!(known.learn(&wrong, &[0.0; 3], &[0], &device).is_err());
    }

    #[test]
    fn a_table_of_logits_is_looked_up_by_row() {
        let features = [0.5, 1.0, -1.0, 2.0];
        let known = KnownLogits::from_table(&features, 2, &[1.0, 2.0, 3.0, 4.0], 2).unwrap();
        assert_eq!(known.get(&[-1.0, 2.0]), Some(&[3.0, 4.0][..]));
        assert!(KnownLogits::from_table(&features, 2, &[1.0; 3], 2).is_err());
        assert!(KnownLogits::from_table(&features, 2, &[f32::NAN; 4], 2).is_err());
    }

    #[test]
    fn logits_read_elsewhere_are_taken_only_in_their_shape() {
        let device = Device::flex();
        let net = MlpConfig::teacher(2, 3).init(&device, 1).unwrap();
        let features = [0.5, 1.0, -1.0, 2.0];
        let mut read = KnownLogits::new(2, 3);
        read.learn(&net, &features, &[0, 1], &device).unwrap();
        let mut here = KnownLogits::new(2, 3);
        assert!(read.fits(2, 3) && !read.fits(3, 3) && !read.fits(2, 4));
        here.absorb(read.clone());
        assert!(here.missing(&features).is_empty());
        assert_eq!(here, read);
        // A forged entry of the wrong width does not fit.
        let mut forged = read;
        forged.rows.insert((0, 0), vec![0.0; 5]);
        assert!(!forged.fits(2, 3));
    }
}
