//! How T and α change over a training run.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A value as a function of training progress `p ∈ [0, 1]` (step / total steps).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Schedule {
    Constant {
        value: f32,
    },
    /// Straight line from `from` at the first step to `to` at the last.
    Linear {
        from: f32,
        to: f32,
    },
    /// BAM teacher annealing (Clark et al. 2019), as a schedule for α: the weight of the gold
    /// labels grows linearly from 0 to 1, so the student first imitates the teacher and ends up
    /// learning from the labels. (With T = 1 this is exactly BAM's mixed target
    /// `λ·y + (1 − λ)·p_teacher`.)
    TeacherAnnealing,
}

impl Schedule {
    pub fn constant(value: f32) -> Self {
        Schedule::Constant { value }
    }

    pub fn at(&self, progress: f32) -> f32 {
        let p = progress.clamp(0.0, 1.0);
        match *self {
            Schedule::Constant { value } => value,
            Schedule::Linear { from, to } => from + (to - from) * p,
            Schedule::TeacherAnnealing => p,
        }
    }

    /// The value at the start of training, for display.
    pub fn initial(&self) -> f32 {
        self.at(0.0)
    }

    fn values(&self) -> Vec<f32> {
        match *self {
            Schedule::Constant { value } => vec![value],
            Schedule::Linear { from, to } => vec![from, to],
            Schedule::TeacherAnnealing => vec![0.0, 1.0],
        }
    }

    /// Checks every value the schedule can take lies in `range`.
    pub fn check(&self, name: &str, lo: f32, hi: f32) -> Result<()> {
        for v in self.values() {
            if !(v.is_finite() && v >= lo && v <= hi) {
                return Err(Error::Settings(format!(
                    "{name} = {v} is out of range: it must lie between {lo} and {hi}"
                )));
            }
        }
        Ok(())
    }

    /// Parses "4" (constant), "8..1" (linear from 8 to 1) or "bam" / "teacher-annealing".
    pub fn parse(spec: &str) -> Result<Self> {
        let spec = spec.trim();
        let num = |s: &str| {
            s.trim().parse::<f32>().map_err(|_| {
                Error::Settings(format!(
                    "'{spec}' is not a schedule: use a number (4), a range (8..1) or 'bam'"
                ))
            })
        };
        match spec.to_ascii_lowercase().as_str() {
            "bam" | "teacher-annealing" => Ok(Schedule::TeacherAnnealing),
            _ => match spec.split_once("..") {
                Some((a, b)) => Ok(Schedule::Linear {
                    from: num(a)?,
                    to: num(b)?,
                }),
                None => Ok(Schedule::Constant { value: num(spec)? }),
            },
        }
    }
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Schedule::Constant { value } => write!(f, "{value}"),
            Schedule::Linear { from, to } => write!(f, "{from}..{to}"),
            Schedule::TeacherAnnealing => write!(f, "teacher-annealing"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_over_progress() {
        assert_eq!(Schedule::constant(4.0).at(0.7), 4.0);
        let lin = Schedule::Linear { from: 8.0, to: 2.0 };
        assert_eq!(lin.at(0.0), 8.0);
        assert_eq!(lin.at(0.5), 5.0);
        assert_eq!(lin.at(1.0), 2.0);
        assert_eq!(lin.at(3.0), 2.0, "progress past the end is clamped");
        assert_eq!(Schedule::TeacherAnnealing.at(0.0), 0.0);
        assert_eq!(Schedule::TeacherAnnealing.at(0.25), 0.25);
    }

    #[test]
    fn parse_round_trips_and_rejects() {
        for s in ["4", "8..1", "teacher-annealing"] {
            assert_eq!(Schedule::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(Schedule::parse("BAM").unwrap(), Schedule::TeacherAnnealing);
        assert!(Schedule::parse("fast").is_err());
        assert!(Schedule::parse("1..x").is_err());
    }

    #[test]
    fn check_names_the_bad_value() {
        let err = Schedule::Linear { from: 0.5, to: 1.5 }
            .check("alpha", 0.0, 1.0)
            .unwrap_err()
            .to_string();
        assert!(err.contains("alpha = 1.5"), "{err}");
        assert!(
            Schedule::constant(f32::NAN)
                .check("T", 0.01, 100.0)
                .is_err()
        );
        assert!(Schedule::TeacherAnnealing.check("alpha", 0.0, 1.0).is_ok());
    }
}
