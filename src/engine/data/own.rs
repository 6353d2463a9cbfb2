//! Your own data: a CSV with a header, numeric feature columns and one label column (named
//! `label`, `class`, `target` or `y`, or given by name; else the last). Every problem names its
//! line and column. The features are standardised with the training rows' means and spreads,
//! and the rows split into train and test with a seed.

use rand::SeedableRng;
use rand::seq::SliceRandom;

use super::{Dataset, Split};
use crate::error::{Error, Result, list, quote};

pub const MAX_ROWS: usize = 50_000;
pub const MAX_CLASSES: usize = 50;
pub const MAX_FEATURES: usize = 1024;
/// Largest file read (bytes), checked before parsing.
pub const MAX_BYTES: usize = 32 << 20;
/// Share of the rows kept for the test set.
pub const TEST_SHARE: f32 = 0.2;

/// The parsed set with what the page shows about it.
#[derive(Clone, Debug)]
pub struct OwnData {
    pub split: Split,
    pub feature_names: Vec<String>,
    pub label_name: String,
    /// The labels as the file spells them, in class order.
    pub class_names: Vec<String>,
}

fn bad(msg: impl Into<String>) -> Error {
    Error::Dataset(msg.into())
}

/// Reads `bytes` as a CSV set called `name`; `label` names the label column if given.
pub fn parse_own_csv(name: &str, bytes: &[u8], label: Option<&str>, seed: u64) -> Result<OwnData> {
    if bytes.len() > MAX_BYTES {
        return Err(bad(format!(
            "the file is {} MB; the page reads at most {} MB",
            bytes.len() >> 20,
            MAX_BYTES >> 20
        )));
    }
    header_fits(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad(format!("line 1: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    let label_at = label_column(&header, label)?;
    let columns = Columns::new(header, label_at)?;
    let (features, labels) = columns.read(&mut reader)?;
    let (class_names, classes) = class_indices(&labels, &columns.header[label_at])?;
    let dim = columns.features.len();
    let data = Dataset::new(name, features, classes, dim, class_names.len(), None)?;
    Ok(OwnData {
        split: split_and_standardise(&data, seed)?,
        feature_names: columns
            .features
            .iter()
            .map(|&c| columns.header[c].clone())
            .collect(),
        label_name: columns.header[label_at].clone(),
        class_names,
    })
}

fn label_column(header: &[String], label: Option<&str>) -> Result<usize> {
    let find = |n: &str| header.iter().position(|h| h.eq_ignore_ascii_case(n));
    if header.len() < 2 {
        return Err(bad(
            "line 1: the header needs at least one feature column and a label column",
        ));
    }
    match label {
        Some(n) => find(n).ok_or_else(|| {
            bad(format!(
                "line 1: no column is named {} (the columns: {})",
                quote(n),
                list(header)
            ))
        }),
        None => Ok(["label", "class", "target", "y"]
            .iter()
            .find_map(|n| find(n))
            .unwrap_or(header.len() - 1)),
    }
}

/// The header's column count, counted on the raw bytes before the csv reader copies a field:
/// a header of millions of columns is refused before it costs memory. Quoted fields may hold
/// commas and line breaks, as RFC 4180 allows.
fn header_fits(bytes: &[u8]) -> Result<()> {
    let (mut quoted, mut columns) = (false, 1usize);
    for &b in bytes {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => columns += 1,
            b'\n' if !quoted => break,
            _ => {}
        }
        // The label column and MAX_FEATURES features at most.
        if columns > MAX_FEATURES + 1 {
            return Err(bad(format!(
                "line 1: more than {} columns; the page takes at most {MAX_FEATURES} features and a label",
                MAX_FEATURES + 1
            )));
        }
    }
    Ok(())
}

/// The header and which of its columns are features.
struct Columns {
    header: Vec<String>,
    features: Vec<usize>,
    label: usize,
}

impl Columns {
    fn new(header: Vec<String>, label: usize) -> Result<Self> {
        let features: Vec<usize> = (0..header.len()).filter(|&c| c != label).collect();
        if features.len() > MAX_FEATURES {
            return Err(bad(format!(
                "line 1: {} feature columns; the page takes at most {MAX_FEATURES}",
                features.len()
            )));
        }
        Ok(Self {
            header,
            features,
            label,
        })
    }

    /// Every record: its features (row-major) and its label text.
    fn read(&self, reader: &mut csv::Reader<&[u8]>) -> Result<(Vec<f32>, Vec<String>)> {
        let (mut features, mut labels) = (Vec::new(), Vec::new());
        for record in reader.records() {
            let record = record.map_err(|e| bad(format!("{e}")))?;
            let line = record.position().map_or(0, |p| p.line());
            if record.iter().all(str::is_empty) {
                continue;
            }
            if labels.len() == MAX_ROWS {
                return Err(bad(format!(
                    "line {line}: more than {MAX_ROWS} rows; the page trains in your browser, so use a sample"
                )));
            }
            if record.len() != self.header.len() {
                return Err(bad(format!(
                    "line {line}: {} fields, but the header has {}",
                    record.len(),
                    self.header.len()
                )));
            }
            for &c in &self.features {
                features.push(self.number(&record[c], line, c)?);
            }
            let label = &record[self.label];
            if label.is_empty() {
                return Err(bad(format!(
                    "line {line}, column {}: the label is empty",
                    quote(&self.header[self.label])
                )));
            }
            labels.push(label.to_string());
        }
        if labels.len() < 10 {
            return Err(bad(format!(
                "{} rows; the page needs at least 10",
                labels.len()
            )));
        }
        Ok((features, labels))
    }

    fn number(&self, text: &str, line: u64, column: usize) -> Result<f32> {
        let at = || format!("line {line}, column {}", quote(&self.header[column]));
        let v: f32 = text
            .parse()
            .map_err(|_| bad(format!("{}: {} is not a number", at(), quote(text))))?;
        if !v.is_finite() {
            return Err(bad(format!(
                "{}: {} is not a finite number",
                at(),
                quote(text)
            )));
        }
        Ok(v)
    }
}

/// Class indices in a stable order: numerically when every label is a number, else by text.
fn class_indices(labels: &[String], column: &str) -> Result<(Vec<String>, Vec<u8>)> {
    let mut names: Vec<String> = labels.to_vec();
    names.sort();
    names.dedup();
    if names.iter().all(|n| n.parse::<f64>().is_ok()) {
        names.sort_by(|a, b| {
            a.parse::<f64>()
                .unwrap_or(0.0)
                .total_cmp(&b.parse::<f64>().unwrap_or(0.0))
        });
    }
    match names.len() {
        0 | 1 => {
            return Err(bad(format!(
                "column {}: one class only ({}); a classifier needs at least two",
                quote(column),
                quote(names.first().map_or("", String::as_str))
            )));
        }
        n if n > MAX_CLASSES => {
            return Err(bad(format!(
                "column {c}: {n} classes; the page takes at most {MAX_CLASSES} (is {c} the label column?)",
                c = quote(column)
            )));
        }
        _ => {}
    }
    let index: std::collections::HashMap<&str, u8> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i as u8))
        .collect();
    Ok((
        names.clone(),
        labels.iter().map(|l| index[l.as_str()]).collect(),
    ))
}

/// A seeded train/test split, both standardised with the training rows' means and spreads.
fn split_and_standardise(data: &Dataset, seed: u64) -> Result<Split> {
    let mut rows: Vec<usize> = (0..data.len()).collect();
    rows.shuffle(&mut rand::rngs::ChaCha8Rng::seed_from_u64(seed));
    let test_len = ((data.len() as f32 * TEST_SHARE).round() as usize).max(1);
    let (test_rows, train_rows) = rows.split_at(test_len);
    let (mut train, mut test) = (data.subset(train_rows), data.subset(test_rows));
    let dim = data.dim;
    let n = train.len() as f64;
    for c in 0..dim {
        let column = || {
            train
                .features
                .iter()
                .skip(c)
                .step_by(dim)
                .map(|&v| f64::from(v))
        };
        let mean = column().sum::<f64>() / n;
        let var = column().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        let std = if var > 1e-12 { var.sqrt() } else { 1.0 };
        for set in [&mut train, &mut test] {
            for v in set.features.iter_mut().skip(c).step_by(dim) {
                *v = ((f64::from(*v) - mean) / std) as f32;
            }
        }
    }
    Ok(Split { train, test })
}
