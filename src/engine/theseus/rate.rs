//! The replacement rate p of phase 1.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How often a module runs as its successor during phase 1.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ReplaceRate {
    /// The same p at every step.
    Constant { p: f32 },
    /// The curriculum p = min(1, θ·t + b), t the step.
    Linear { base: f32, slope: f32 },
}

impl Default for ReplaceRate {
    fn default() -> Self {
        ReplaceRate::Constant { p: 0.5 }
    }
}

impl ReplaceRate {
    /// p at step `t` (0-based).
    pub fn at(self, t: usize) -> f32 {
        match self {
            ReplaceRate::Constant { p } => p,
            ReplaceRate::Linear { base, slope } => (slope * t as f32 + base).clamp(0.0, 1.0),
        }
    }

    pub fn validate(self) -> Result<()> {
        let bad = |m: String| Err(Error::Settings(m));
        match self {
            ReplaceRate::Constant { p } if !(p > 0.0 && p <= 1.0) => {
                bad(format!("replacement rate {p} must be in (0, 1]"))
            }
            ReplaceRate::Linear { base, slope }
                if !(0.0..=1.0).contains(&base) || !slope.is_finite() || slope <= 0.0 =>
            {
                bad(format!(
                    "curriculum p = min(1, {slope}·t + {base}): the base must be in [0, 1] and \
                     the slope above 0"
                ))
            }
            _ => Ok(()),
        }
    }

    /// "0.5", or "0.3+0.001t" for a curriculum; the form the CLI and the page's link read.
    pub fn parse(text: &str) -> Result<Self> {
        let number = |s: &str| {
            s.trim().parse::<f32>().map_err(|_| {
                Error::Settings(format!(
                    "replacement rate '{text}': write a rate (0.5) or a curriculum (0.3+0.001t)"
                ))
            })
        };
        let rate = match text.trim().strip_suffix('t') {
            Some(rest) => {
                let (base, slope) = rest.split_once('+').ok_or_else(|| {
                    Error::Settings(format!(
                        "replacement rate '{text}': a curriculum is written base+slope·t, e.g. 0.3+0.001t"
                    ))
                })?;
                ReplaceRate::Linear {
                    base: number(base)?,
                    slope: number(slope)?,
                }
            }
            None => ReplaceRate::Constant { p: number(text)? },
        };
        rate.validate()?;
        Ok(rate)
    }
}

impl std::fmt::Display for ReplaceRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplaceRate::Constant { p } => write!(f, "{p}"),
            ReplaceRate::Linear { base, slope } => write!(f, "{base}+{slope}t"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_and_curriculum_rates() {
        assert_eq!(ReplaceRate::parse("0.5").unwrap().at(1000), 0.5);
        let c = ReplaceRate::parse("0.3+0.001t").unwrap();
        assert_eq!(
            c,
            ReplaceRate::Linear {
                base: 0.3,
                slope: 0.001
            }
        );
        assert!((c.at(200) - 0.5).abs() < 1e-6);
        assert_eq!(c.at(5000), 1.0, "the curriculum stops at 1");
        assert_eq!(ReplaceRate::parse(&c.to_string()).unwrap(), c);
        for bad in ["0", "1.5", "x", "0.3+t", "0.3-0.1t", "2+0.1t", "0.3+0t"] {
            assert!(ReplaceRate::parse(bad).is_err(), "{bad}");
        }
    }
}
