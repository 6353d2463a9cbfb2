//! The run written out for the tools engineers scale with: a TextBrewer `DistillationConfig`
//! (JSON) and a torchdistill config (YAML). Each maps our settings onto that tool's fields and
//! says, in notes that go into the file, what has no equivalent there.
//!
//! Checked against the tools' own definitions: TextBrewer's `DistillationConfig` and
//! `IntermediateMatch` keyword arguments and its `kd_ce_loss` (cross-entropy at T, batch mean,
//! no T², so the T² goes into `kd_loss_weight`); torchdistill's `WeightedSumLoss` sub-terms,
//! `KDLoss` (α·CE + (1 − α)·T²·KL, the same convention as ours) and `SimpleLossWrapper`.

mod textbrewer;
mod torchdistill;
pub mod yaml;

use crate::error::{Error, Result};
use crate::loss::AttentionLoss;
use crate::network::Architecture;
use crate::train::DistillSettings;

pub use textbrewer::TEXTBREWER_FIELDS;

/// What a recipe is written from: the two networks, the settings and the data's name.
pub struct Recipe<'a> {
    pub teacher: &'a Architecture,
    pub student: &'a Architecture,
    pub settings: &'a DistillSettings,
    pub dataset: &'a str,
    /// Rows of the transfer set (what an epoch is).
    pub examples: usize,
}

/// One hidden-state or attention term: student layer, teacher layer, their widths.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Term {
    student: usize,
    teacher: usize,
    widths: (usize, usize),
}

impl Recipe<'_> {
    /// The hidden-state terms (β > 0): the mapping's pairs, after (0, 0) when the embeddings
    /// are matched too.
    fn hidden_terms(&self) -> Result<Vec<Term>> {
        let s = self.settings;
        if s.beta <= 0.0 {
            return Ok(Vec::new());
        }
        let mut pairs = self.pairs()?;
        if s.match_embeddings {
            pairs.insert(0, (0, 0));
        }
        pairs
            .into_iter()
            .map(|(student, teacher)| {
                let width = |a: &Architecture, l: usize| {
                    a.width(l)
                        .ok_or_else(|| Error::Mapping(format!("no layer {l} in {}", a.describe())))
                };
                Ok(Term {
                    student,
                    teacher,
                    widths: (width(self.student, student)?, width(self.teacher, teacher)?),
                })
            })
            .collect()
    }

    /// TinyBERT's attention terms (γ > 0): the mapping's pairs of blocks.
    fn attention_pairs(&self) -> Result<Vec<(usize, usize)>> {
        let s = self.settings;
        if s.gamma <= 0.0 || s.attention_loss != AttentionLoss::TinyBert {
            return Ok(Vec::new());
        }
        self.pairs()
    }

    fn pairs(&self) -> Result<Vec<(usize, usize)>> {
        let mapping = self
            .settings
            .mapping
            .resolve(self.student.depth(), self.teacher.depth())?;
        Ok(mapping.pairs().to_vec())
    }

    /// Notes both tools share.
    fn common_notes(&self) -> Vec<String> {
        let mut notes = vec![format!(
            "Written by Distill Playground from a run on {}: teacher {}, student {}.",
            self.dataset,
            self.teacher.describe(),
            self.student.describe()
        )];
        if self.settings.attention_loss == AttentionLoss::MiniLm && self.settings.gamma > 0.0 {
            notes.push("MiniLM's last-block Q·K and V·V relation term has no equivalent here; it is left out.".into());
        }
        if self.settings.regularisation != Default::default() {
            notes.push("Dropout, jittered images and weight decay are not carried over.".into());
        }
        notes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::{KlForm, KlReduction};
    use crate::mapping::MappingScheme;
    use crate::network::MlpConfig;
    use crate::schedule::Schedule;

    fn recipe_text(settings: &DistillSettings) -> (serde_json::Value, String, Vec<String>) {
        let teacher: Architecture = MlpConfig::teacher(64, 10).into();
        let student: Architecture = MlpConfig::student(64, 10).into();
        let r = Recipe {
            teacher: &teacher,
            student: &student,
            settings,
            dataset: "digits",
            examples: 1437,
        };
        let (tb, mut notes) = r.textbrewer().unwrap();
        let (yaml, more) = r.torchdistill().unwrap();
        notes.extend(more);
        (tb, yaml, notes)
    }

    #[test]
    fn textbrewer_carries_alpha_t_squared_and_the_mapping() {
        let settings = DistillSettings {
            temperature: Schedule::constant(4.0),
            alpha: Schedule::constant(0.25),
            beta: 0.5,
            mapping: MappingScheme::Skip,
            ..DistillSettings::default()
        };
        let (tb, _, _) = recipe_text(&settings);
        let (fields, match_fields) = TEXTBREWER_FIELDS;
        let object = tb.as_object().unwrap();
        assert!(object.keys().all(|k| fields.contains(&k.as_str())), "{tb}");
        assert_eq!(
            (tb["temperature"].as_f64(), tb["hard_label_weight"].as_f64()),
            (Some(4.0), Some(0.25))
        );
        assert_eq!(tb["kd_loss_weight"].as_f64(), Some(0.75 * 16.0));
        let matches = tb["intermediate_matches"].as_array().unwrap();
        let pairs: Vec<(i64, i64)> = matches
            .iter()
            .map(|m| {
                (
                    m["layer_S"].as_i64().unwrap(),
                    m["layer_T"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(pairs, [(1, 2), (2, 4), (3, 6)]);
        for m in matches {
            assert!(
                m.as_object()
                    .unwrap()
                    .keys()
                    .all(|k| match_fields.contains(&k.as_str()))
            );
            assert_eq!(
                (m["weight"].as_f64(), m["loss"].as_str()),
                (Some(0.5), Some("hidden_mse"))
            );
            assert_eq!(m["proj"], serde_json::json!(["linear", 32, 128]));
        }
    }

    #[test]
    fn mistakes_and_schedules_map_or_are_named() {
        let bam = DistillSettings {
            alpha: Schedule::TeacherAnnealing,
            kl: KlForm {
                t_squared: true,
                reduction: KlReduction::ElementMean,
            },
            temperature: Schedule::Linear { from: 8.0, to: 1.0 },
            ..DistillSettings::default()
        };
        let (tb, yaml, notes) = recipe_text(&bam);
        assert_eq!(tb["hard_label_weight_scheduler"], "linear_growth");
        assert_eq!(tb["kd_loss_weight_scheduler"], "linear_decay");
        // T held at its start, 8; the element mean divides by the 10 classes.
        assert_eq!(tb["kd_loss_weight"].as_f64(), Some(64.0 / 10.0));
        assert!(yaml.contains("reduction: 'mean'") && yaml.contains("temperature: 8"));
        for said in [
            "no linear temperature schedule",
            "element-mean KL",
            "teacher annealing",
        ] {
            assert!(notes.iter().any(|n| n.contains(said)), "{said}: {notes:?}");
        }
        let no_t2 = DistillSettings {
            kl: KlForm {
                t_squared: false,
                reduction: KlReduction::BatchMean,
            },
            ..DistillSettings::default()
        };
        let (tb, _, notes) = recipe_text(&no_t2);
        assert_eq!(tb["kd_loss_weight"].as_f64(), Some(0.5));
        assert!(
            notes
                .iter()
                .any(|n| n.contains("always multiplies the KL by T²"))
        );
    }

    #[test]
    fn torchdistill_hooks_the_mapped_layers() {
        let settings = DistillSettings {
            alpha: Schedule::constant(0.3),
            beta: 2.0,
            mapping: MappingScheme::Last,
            ..DistillSettings::default()
        };
        let (_, yaml, _) = recipe_text(&settings);
        for line in [
            "key: 'KDLoss'",
            "alpha: 0.3",
            "temperature: 4",
            "reduction: 'batchmean'",
            "key: 'WeightedSumLoss'",
            "hidden_1_4:",
            "module_path: '7'",
            "module_path: 'proj0'",
            "weight: 2",
            "lr: 0.001",
            "num_epochs: 45",
            "key: 'distill_playground_mlp'",
        ] {
            assert!(yaml.contains(line), "{line} missing from\n{yaml}");
        }
        assert!(yaml.starts_with("# Written by Distill Playground"));
    }
}
