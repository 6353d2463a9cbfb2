//! A page's training run as one string for the browser's storage: the settings, the step count,
//! the curves and both students' weights (safetensors, base64). A reload, a device switch or a
//! lost GPU picks the run up from here. Reading it back goes through the weight-file checks, so
//! a damaged entry is a clear error, never a half-restored student.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::app::{CurvePoint, Settings};
use crate::engine::error::{Error, Result};
use crate::engine::network::Architecture;
use crate::engine::weights::{FileInfo, NetworkWeights};

/// Saved runs beyond this size are not written (browsers give a site about 5 MB of storage).
pub const MAX_SAVED_CHARS: usize = 4 << 20;

#[derive(Clone, Debug, PartialEq)]
pub struct SavedRun {
    pub settings: Settings,
    pub steps: usize,
    pub curves: Vec<CurvePoint>,
    pub distilled: NetworkWeights,
    pub scratch: NetworkWeights,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    format: String,
    settings: Settings,
    steps: usize,
    curves: Vec<CurvePoint>,
    distilled: String,
    scratch: String,
}

const FORMAT: &str = "distill-playground/run-v1";

impl SavedRun {
    pub fn encode(&self) -> Result<String> {
        let file = |role: &str, w: &NetworkWeights| -> Result<String> {
            let info = FileInfo {
                role: role.into(),
                info: serde_json::Value::Null,
            };
            Ok(STANDARD.encode(w.to_safetensors(&info)?))
        };
        let stored = Stored {
            format: FORMAT.into(),
            settings: self.settings.clone(),
            steps: self.steps,
            curves: self.curves.clone(),
            distilled: file("student", &self.distilled)?,
            scratch: file("scratch-student", &self.scratch)?,
        };
        serde_json::to_string(&stored).map_err(|e| Error::Settings(e.to_string()))
    }

    /// Reads a saved run whose students must have the architecture `expected`.
    pub fn decode(text: &str, expected: &Architecture) -> Result<Self> {
        let bad = |m: String| Error::Settings(format!("the saved run {m}"));
        if text.len() > MAX_SAVED_CHARS {
            return Err(bad("is too large".into()));
        }
        let stored: Stored =
            serde_json::from_str(text).map_err(|e| bad(format!("is not readable ({e})")))?;
        if stored.format != FORMAT {
            return Err(bad(format!("has an unknown format '{}'", stored.format)));
        }
        let weights = |b64: &str| -> Result<NetworkWeights> {
            let bytes = STANDARD
                .decode(b64)
                .map_err(|e| bad(format!("has damaged weights ({e})")))?;
            let (w, _) = NetworkWeights::from_safetensors(&bytes)?;
            if &w.architecture != expected {
                return Err(bad(format!(
                    "holds a {} student, the settings ask for {}",
                    w.architecture.describe(),
                    expected.describe()
                )));
            }
            Ok(w)
        };
        Ok(Self {
            settings: stored.settings,
            steps: stored.steps,
            curves: stored.curves,
            distilled: weights(&stored.distilled)?,
            scratch: weights(&stored.scratch)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::network::MlpConfig;
    use burn::tensor::Device;

    fn run() -> SavedRun {
        let settings = Settings::default();
        let config = settings.student_config(64, 10);
        let device = Device::flex();
        let net = |seed| {
            let mlp = config.init(&device, seed).unwrap();
            NetworkWeights::from_network(&mlp.into()).unwrap()
        };
        SavedRun {
            steps: 250,
            curves: vec![CurvePoint {
                step: 25,
                hard: 1.5,
                soft: 2.0,
                hidden: 0.0,
                attention: 0.0,
                logit_gradients: Some([0.25, 0.125]),
                train_accuracy: 0.5,
                test_accuracy: 0.6,
                scratch_test_accuracy: 0.4,
                agreement: 0.62,
                omitted: None,
            }],
            distilled: net(1),
            scratch: net(2),
            settings,
        }
    }

    #[test]
    fn round_trip_is_exact() {
        let mut saved = run();
        let config = Architecture::from(saved.settings.student_config(64, 10));
        let text = saved.encode().unwrap();
        assert_eq!(SavedRun::decode(&text, &config).unwrap(), saved);
        // A curve point without labeled rows (NaN train accuracy) survives JSON.
        saved.curves[0].train_accuracy = f32::NAN;
        let back = SavedRun::decode(&saved.encode().unwrap(), &config).unwrap();
        assert!(back.curves[0].train_accuracy.is_nan());
        assert_eq!(back.curves[0].agreement, saved.curves[0].agreement);
    }

    #[test]
    fn damaged_or_mismatched_runs_are_errors() {
        let saved = run();
        let mlp = saved.settings.student_config(64, 10);
        let config = Architecture::from(&mlp);
        let text = saved.encode().unwrap();
        let wider = Architecture::from(MlpConfig {
            hidden: vec![64; 3],
            ..mlp
        });
        let cases = [
            (String::new(), "not readable"),
            ("{\"format\":1}".to_string(), "not readable"),
            (text.replace(FORMAT, "other/v9"), "unknown format"),
            (
                text.replacen("\"distilled\":\"", "\"distilled\":\"!!", 1),
                "damaged",
            ),
            // Valid base64 of a truncated file.
            (
                {
                    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
                    let b = STANDARD.decode(v["scratch"].as_str().unwrap()).unwrap();
                    v["scratch"] = STANDARD.encode(&b[..b.len() / 2]).into();
                    v.to_string()
                },
                "",
            ),
        ];
        for (input, needle) in cases {
            let err = SavedRun::decode(&input, &config).unwrap_err().to_string();
            assert!(err.contains(needle), "{err}");
        }
        let err = SavedRun::decode(&text, &wider).unwrap_err().to_string();
        assert!(err.contains("the settings ask for"), "{err}");
    }
}
