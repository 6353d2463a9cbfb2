//! The shipped text sets' common file shape: gzip-compressed UTF-8, one sentence per line,
//! tab-separated fields whose first names the split (`train` or `test`), `#` comments. Each set
//! reads its other fields itself; both splits come back shuffled (seeded) so that any prefix,
//! such as the first test sentences a check reads, is a fair sample.

use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rand::seq::SliceRandom;

use crate::data::gunzip;
use crate::error::{Error, Result};

/// The rows of each split of `file` (at most `max_bytes` unpacked). `row(fields, bad)` reads the
/// fields after the split, and returns `bad(what)` for a line it refuses (named by number).
pub fn split_rows<T>(
    bytes: &[u8],
    file: &str,
    max_bytes: usize,
    seed: u64,
    row: impl Fn(&str, &dyn Fn(&str) -> Error) -> Result<T>,
) -> Result<[Vec<T>; 2]> {
    let text = gunzip(bytes, max_bytes, file)?;
    let text =
        String::from_utf8(text).map_err(|_| Error::Dataset(format!("{file} is not UTF-8 text")))?;
    let name = file.trim_end_matches(".gz");
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |what: &str| Error::Dataset(format!("{name} line {}: {what}", n + 1));
        let (split, rest) = line.split_once('\t').unwrap_or((line, ""));
        let parsed = row(rest, &bad)?;
        match split {
            "train" => train.push(parsed),
            "test" => test.push(parsed),
            _ => return Err(bad("the split is neither train nor test")),
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    train.shuffle(&mut rng);
    test.shuffle(&mut rng);
    Ok([train, test])
}

/// `text` gzip-compressed, as the shipped sets are: the sets' tests write their bad lines so.
#[cfg(test)]
pub(crate) fn gz(text: &str) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(text.as_bytes()).unwrap();
    e.finish().unwrap()
}
