//! One-click setups of the papers' experiments, each with what it shows.

use super::settings::{AlphaSchedule, Settings};
use crate::engine::data::DatasetKind;
use crate::engine::loss::{HiddenLoss, SoftLoss};
use crate::engine::mapping::MappingScheme;

/// One-click setups of the papers' experiments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    Hinton2015,
    Tang2019,
    PatientKdSkip,
    PatientKdLast,
    LittleLabeledData,
    OmittedClass,
    TeacherAnnealing,
}

impl Preset {
    pub const ALL: [Preset; 7] = [
        Preset::Hinton2015,
        Preset::Tang2019,
        Preset::PatientKdSkip,
        Preset::PatientKdLast,
        Preset::LittleLabeledData,
        Preset::OmittedClass,
        Preset::TeacherAnnealing,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Preset::Hinton2015 => "hinton",
            Preset::Tang2019 => "tang",
            Preset::PatientKdSkip => "pkd-skip",
            Preset::PatientKdLast => "pkd-last",
            Preset::LittleLabeledData => "little-labeled",
            Preset::OmittedClass => "omitted-class",
            Preset::TeacherAnnealing => "bam",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Preset::Hinton2015 => "Soft targets (Hinton et al. 2015)",
            Preset::Tang2019 => "MSE on logits (Tang et al. 2019)",
            Preset::PatientKdSkip => "Patient KD, skip (Sun et al. 2019)",
            Preset::PatientKdLast => "Patient KD, last (Sun et al. 2019)",
            Preset::LittleLabeledData => "Little labeled data",
            Preset::OmittedClass => "The omitted class (Hinton et al. 2015)",
            Preset::TeacherAnnealing => "Teacher annealing (Clark et al. 2019, BAM)",
        }
    }

    /// Two lines for students: what is set, and what to look for.
    pub fn explain(self) -> &'static str {
        match self {
            Preset::Hinton2015 => {
                "T = 4, α = 0.5, all labels: the student matches the teacher's softened distribution and the labels. Watch it track the teacher's curve from the start."
            }
            Preset::Tang2019 => {
                "No temperature: the student's raw logits regress onto the teacher's (MSE), α = 0. Compare the soft-target bars: the logits carry the same dark knowledge."
            }
            Preset::PatientKdSkip => {
                "β = 1: student layers 1–3 also imitate teacher layers 2, 4, 6 (normalised hidden states, learned projections 32 → 128). Every other layer: the skip strategy."
            }
            Preset::PatientKdLast => {
                "β = 1: student layers imitate the teacher's last three layers 4, 5, 6. The PKD paper found skip and last close; try both here."
            }
            Preset::LittleLabeledData => {
                "Only 3 % of the training examples keep their label; the rest teach through the teacher alone. The scratch student has only the labels: the gap is largest here."
            }
            Preset::OmittedClass => {
                "No 3 appears anywhere in the transfer set. The student learns about 3s only from how the teacher spreads probability on other digits, then recognises them."
            }
            Preset::TeacherAnnealing => {
                "α moves from 0 to 1 over the run: the student first only imitates the teacher, and ends on the gold labels — so it can end up better than its teacher."
            }
        }
    }

    /// The settings of the preset, from the defaults (the dataset and the selected example are
    /// kept; the omitted class needs ten classes, so on a 2-D set it switches to digits).
    pub fn apply(self, current: &Settings) -> Settings {
        let dataset = match self {
            Preset::OmittedClass if current.dataset.classes() < 10 => DatasetKind::Digits,
            _ => current.dataset,
        };
        let base = Settings {
            dataset,
            example: current.example,
            ..Settings::default()
        };
        match self {
            Preset::Hinton2015 => Settings {
                labeled_fraction: 1.0,
                ..base
            },
            Preset::Tang2019 => Settings {
                soft_loss: SoftLoss::LogitMse,
                alpha: 0.0,
                labeled_fraction: 1.0,
                ..base
            },
            Preset::PatientKdSkip => Settings {
                beta: 1.0,
                hidden_loss: HiddenLoss::Pkd,
                mapping: MappingScheme::Skip,
                labeled_fraction: 1.0,
                ..base
            },
            Preset::PatientKdLast => Settings {
                beta: 1.0,
                hidden_loss: HiddenLoss::Pkd,
                mapping: MappingScheme::Last,
                labeled_fraction: 1.0,
                ..base
            },
            Preset::LittleLabeledData => Settings {
                labeled_fraction: 0.03,
                ..base
            },
            Preset::OmittedClass => Settings {
                omit_class: Some(3),
                labeled_fraction: 1.0,
                alpha: 0.1,
                ..base
            },
            Preset::TeacherAnnealing => Settings {
                alpha_schedule: AlphaSchedule::TeacherAnnealing,
                labeled_fraction: 1.0,
                ..base
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::check;
    use crate::engine::schedule::Schedule;

    #[test]
    fn every_preset_is_a_valid_setup_that_says_what_it_sets() {
        let current = Settings {
            example: 42,
            ..Settings::default()
        };
        for preset in Preset::ALL {
            let s = preset.apply(&current);
            check(&s, 6).unwrap();
            assert_eq!(s.example, 42, "{preset:?} keeps the selected example");
            assert!(preset.explain().len() > 40 && !preset.title().is_empty());
            // A preset survives a shared link.
            assert_eq!(Settings::from_hash(&s.to_hash()), (s.clone(), vec![]));
        }
        assert_eq!(
            Preset::Tang2019.apply(&current).soft_loss,
            SoftLoss::LogitMse
        );
        assert_eq!(
            Preset::PatientKdLast.apply(&current).mapping,
            MappingScheme::Last
        );
        assert!(Preset::LittleLabeledData.apply(&current).labeled_fraction < 0.05);
        assert_eq!(Preset::OmittedClass.apply(&current).omit_class, Some(3));
        assert_eq!(
            Preset::TeacherAnnealing
                .apply(&current)
                .distill_settings()
                .alpha,
            Schedule::TeacherAnnealing
        );
        // Presets keep the dataset, except the omitted class, which needs ten classes.
        let moons = Settings {
            dataset: DatasetKind::Moons,
            ..current.clone()
        };
        for preset in Preset::ALL {
            let s = preset.apply(&moons);
            check(&s, 6).unwrap();
            let want = if preset == Preset::OmittedClass {
                DatasetKind::Digits
            } else {
                DatasetKind::Moons
            };
            assert_eq!(s.dataset, want, "{preset:?}");
        }
        let ids: std::collections::HashSet<_> = Preset::ALL.iter().map(|p| p.id()).collect();
        assert_eq!(ids.len(), Preset::ALL.len());
    }
}
