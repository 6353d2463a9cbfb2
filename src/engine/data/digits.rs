//! The UCI digits CSV: 64 pixel values 0..16 then the label, one image per line.

use super::Dataset;
use crate::error::{Error, Result};

pub fn parse_digits_csv(bytes: &[u8]) -> Result<Dataset> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| Error::Dataset("digits CSV is not UTF-8 text".into()))?;
    let mut features = Vec::new();
    let mut labels = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let line_no = n + 1;
        let values: Vec<&str> = line.split(',').collect();
        if values.len() != 65 {
            return Err(Error::Dataset(format!(
                "digits CSV line {line_no}: {} values, expected 64 pixels and a label",
                values.len()
            )));
        }
        for v in &values[..64] {
            let pixel: u8 = v.trim().parse().ok().filter(|p| *p <= 16).ok_or_else(|| {
                Error::Dataset(format!(
                    "digits CSV line {line_no}: pixel '{v}' is not an integer in 0..=16"
                ))
            })?;
            features.push(f32::from(pixel) / 16.0);
        }
        let label: u8 = values[64]
            .trim()
            .parse()
            .ok()
            .filter(|l| *l < 10)
            .ok_or_else(|| {
                Error::Dataset(format!(
                    "digits CSV line {line_no}: label '{}' is not a digit",
                    values[64]
                ))
            })?;
        labels.push(label);
    }
    Dataset::new("digits", features, labels, 64, 10, Some((8, 8)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_line_and_scales() {
        let mut line: Vec<String> = (0..64).map(|i| (i % 17).to_string()).collect();
        line.push("7".into());
        let d = parse_digits_csv(line.join(",").as_bytes()).unwrap();
        assert_eq!(d.labels, vec![7]);
        assert_eq!(d.features[16], 1.0);
        assert_eq!(d.features[8], 0.5);
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse_digits_csv(b"1,2,3\n").unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
        let mut line: Vec<String> = vec!["0".into(); 64];
        line.push("11".into());
        let err = parse_digits_csv(format!("\n{}", line.join(",")).as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 2") && err.contains("label '11'"),
            "{err}"
        );
    }
}
