//! The settings in a link (`#T=4&alpha=0.5…`) and in the browser's storage: written and read by
//! walking [`super::table::TABLE`], every field checked, a bad one kept at its default and named.

use serde::{Deserialize, Serialize};

use super::Settings;
use super::table::{Applies, TABLE, entry};

/// The longest settings part of a link read.
pub const MAX_HASH_CHARS: usize = 2000;

impl Settings {
    /// The settings as a URL hash (without the leading '#').
    pub fn to_hash(&self) -> String {
        TABLE
            .iter()
            .map(|e| format!("{}={}", e.key, (e.get)(self).replace(['&', '#', '='], "")))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Reads a URL hash field by field: each bad field keeps its default and is reported.
    pub fn from_hash(hash: &str) -> (Settings, Vec<String>) {
        let mut s = Settings::default();
        let hash = hash.trim_start_matches('#');
        if hash.len() > MAX_HASH_CHARS {
            return (
                s,
                vec![format!(
                    "the link's settings are too long (over {MAX_HASH_CHARS} characters)"
                )],
            );
        }
        let mut ignored = Vec::new();
        let mut items: Vec<&str> = hash.split('&').filter(|i| !i.is_empty()).collect();
        items.sort_by_key(|item| read_order(item.split('=').next().unwrap_or_default()));
        for item in items {
            let (key, value) = item.split_once('=').unwrap_or((item, ""));
            let outcome = match entry(key) {
                Some(e) => (e.set)(&mut s, value),
                None => Err(format!("unknown setting '{key}'")),
            };
            if let Err(e) = outcome {
                let shown: String = value.chars().take(40).collect();
                ignored.push(format!("{key}='{shown}': {e}"));
            }
        }
        (s, ignored)
    }

    /// Reads settings saved in the browser (JSON) with the same checks as a link: every field
    /// goes through the link's reader, so a value out of bounds keeps its default and is
    /// reported. An unreadable text is an error.
    pub fn from_saved(json: &str) -> Result<(Settings, Vec<String>), String> {
        let saved: Settings = serde_json::from_str(json).map_err(|e| e.to_string())?;
        Ok(Settings::from_hash(&saved.to_hash()))
    }

    /// Whether changing from `self` to `next` needs new students, as the table says: a change
    /// of any setting that does not apply live (T, α, the learning rate) or only to the view.
    pub fn needs_restart(&self, next: &Settings) -> bool {
        TABLE
            .iter()
            .filter(|e| e.applies == Applies::Restart)
            .any(|e| (e.get)(self) != (e.get)(next))
    }
}

/// A unit enum's serde name (its spelling in links and saved settings).
/// When a field is read, whatever order the link has: the data before the students' kind, the
/// kind before their shape (a kind brings its default shape), and the mapping after both (it
/// must fit the students' and the teacher's depth).
fn read_order(key: &str) -> u8 {
    match key {
        "data" | "own" | "teacher" => 0,
        "kind" => 1,
        "map" => 3,
        _ => 2,
    }
}

pub(super) fn enum_name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub(super) fn parse_enum<T: for<'de> Deserialize<'de>>(value: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(value.to_string()))
        .map_err(|_| "not one of the choices".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::settings::{AlphaSchedule, check};
    use crate::engine::catalog::DatasetKind;
    use crate::engine::limits;
    use crate::engine::loss::{AttentionLoss, HiddenLoss, KlReduction, Projection, SoftLoss};
    use crate::engine::mapping::MappingScheme;
    use crate::engine::network::NetKind;

    #[test]
    fn hash_round_trips_every_field() {
        let s = Settings {
            dataset: DatasetKind::Mnist,
            teacher: crate::app::shipped_teacher::ShippedTeacher::Scratch,
            own_name: "iris.csv".into(),
            temperature: 7.5,
            anneal_temperature: true,
            alpha: 0.25,
            alpha_schedule: AlphaSchedule::TeacherAnnealing,
            beta: 0.5,
            soft_loss: SoftLoss::LogitMse,
            t_squared: false,
            kl_reduction: KlReduction::ElementMean,
            hidden_loss: HiddenLoss::Pkd,
            mapping: MappingScheme::Custom(vec![(1, 3), (2, 6)]),
            student_hidden: vec![48, 24],
            learning_rate: 0.003,
            batch_size: 128,
            labeled_fraction: 0.25,
            include_unlabeled: false,
            augment_copies: 2,
            omit_class: Some(3),
            seed: 9,
            example: 17,
            student_kind: NetKind::Mlp,
            text_width: 48,
            text_depth: 3,
            heads: 2,
            attention_loss: AttentionLoss::TinyBert,
            gamma: 3.5,
            match_embeddings: true,
            projection: Projection::SharedDown,
            p_mask: 0.2,
            p_replace: 0.3,
            p_ngram: 0.4,
        };
        let (back, ignored) = Settings::from_hash(&format!("#{}", s.to_hash()));
        assert!(ignored.is_empty(), "{ignored:?}");
        assert_eq!(back, s);
        assert_eq!(Settings::from_hash(""), (Settings::default(), vec![]));
    }

    #[test]
    fn saved_settings_get_the_checks_of_a_link() {
        let good = Settings {
            temperature: 8.0,
            soft_loss: SoftLoss::LogitMse,
            ..Settings::default()
        };
        let json = serde_json::to_string(&good).unwrap();
        assert_eq!(Settings::from_saved(&json).unwrap(), (good, vec![]));
        // Written by hand (or by an older page): out of bounds and a spelling from before.
        let json = r#"{"temperature": 1e9, "beta": 500, "soft_loss": "logit-mse", "student_hidden": [4096]}"#;
        let (s, ignored) = Settings::from_saved(json).unwrap();
        assert_eq!(s.temperature, limits::TEMPERATURE.default);
        assert_eq!(s.beta, limits::BETA.default);
        assert_eq!(s.student_hidden, Settings::default().student_hidden);
        assert_eq!(s.soft_loss, SoftLoss::LogitMse);
        assert_eq!(ignored.len(), 3, "{ignored:?}");
        assert!(
            ignored[0].starts_with("T='1000000000': must be between 0.5 and 50"),
            "{ignored:?}"
        );
        assert!(Settings::from_saved("{not json").is_err());
    }

    #[test]
    fn one_spelling_of_each_loss_everywhere() {
        for k in SoftLoss::ALL {
            assert_eq!(enum_name(&k), k.name());
            assert_eq!(k.name().parse::<SoftLoss>().unwrap(), k);
        }
        for k in HiddenLoss::ALL {
            assert_eq!(enum_name(&k), k.name());
            assert_eq!(k.name().parse::<HiddenLoss>().unwrap(), k);
        }
        let (s, ignored) = Settings::from_hash("soft=logit-mse");
        assert_eq!((s.soft_loss, ignored.len()), (SoftLoss::LogitMse, 0));
        assert!(Settings::default().to_hash().contains("soft=hinton&"));
    }

    #[test]
    fn a_link_carries_a_conv_student_and_refuses_one_on_points() {
        for hash in [
            "data=fashion-mnist&kind=cnn&student=4,12",
            "data=mnist&kind=cnn",
        ] {
            let (s, ignored) = Settings::from_hash(hash);
            assert!(ignored.is_empty(), "{ignored:?}");
            assert_eq!(s.student_kind, NetKind::Cnn);
            assert_eq!(Settings::from_hash(&s.to_hash()), (s, vec![]));
        }
        let (s, _) = Settings::from_hash("data=fashion-mnist&kind=cnn&student=4,12");
        assert_eq!(s.student_hidden, [4, 12]);
        let (s, ignored) = Settings::from_hash("data=moons&kind=cnn");
        assert_eq!(s.student_kind, NetKind::Mlp);
        assert!(ignored.join(" ").contains("square images"), "{ignored:?}");
    }

    #[test]
    fn a_link_carries_the_text_students() {
        let (s, ignored) = Settings::from_hash(
            "data=spam&kind=bilstm&text=48x3&heads=2&attn=minilm&gamma=5&embed=1&pMask=0.3&pReplace=0&pNgram=0.5",
        );
        assert!(ignored.is_empty(), "{ignored:?}");
        assert_eq!(
            (
                s.dataset,
                s.student_kind,
                s.text_width,
                s.text_depth,
                s.heads
            ),
            (DatasetKind::Spam, NetKind::Bilstm, 48, 3, 2)
        );
        assert_eq!(
            (s.attention_loss, s.gamma, s.match_embeddings),
            (AttentionLoss::MiniLm, 5.0, true)
        );
        assert_eq!((s.p_mask, s.p_replace, s.p_ngram), (0.3, 0.0, 0.5));
        assert_eq!(Settings::from_hash(&s.to_hash()), (s, vec![]));
        // An image kind for text, a mapping the four-block teacher lacks, a bad shape.
        let (s, ignored) = Settings::from_hash("kind=mlp&data=spam&map=1,6&text=32&pMask=2");
        assert_eq!(
            (s.dataset, s.student_kind),
            (DatasetKind::Spam, NetKind::Transformer)
        );
        let joined = ignored.join(" | ");
        for needle in ["kind='mlp'", "teacher layer 6", "text='32'", "pMask='2'"] {
            assert!(joined.contains(needle), "{needle} missing from {joined}");
        }
        let heads = Settings {
            heads: 3,
            ..Settings::default().with_dataset(DatasetKind::Spam)
        };
        assert!(
            check(&heads)
                .unwrap_err()
                .to_string()
                .contains("do not divide")
        );
    }

    #[test]
    fn bad_fields_fall_back_one_by_one() {
        let (s, ignored) = Settings::from_hash(
            "T=1e9&alpha=0.2&beta=abc&soft=l1&map=2,9,6&student=32x3&lr=0.01&evil=<script>&batch=0&omit=12&augment=9&data=cifar",
        );
        assert_eq!(s.alpha, 0.2, "good fields are kept");
        assert_eq!(s.learning_rate, 0.01);
        assert_eq!(s.temperature, Settings::default().temperature);
        assert_eq!(s.beta, Settings::default().beta);
        assert_eq!(s.mapping, MappingScheme::Skip);
        assert_eq!(s.batch_size, 64);
        let joined = ignored.join(" | ");
        for needle in [
            "T='1e9'",
            "beta='abc'",
            "soft='l1'",
            "teacher layer 9",
            "unknown setting 'evil'",
            "batch='0'",
            "omit='12'",
            "augment='9'",
            "unknown dataset 'cifar'",
        ] {
            assert!(joined.contains(needle), "{needle} missing from {joined}");
        }
        assert_eq!(ignored.len(), 9);
        assert_eq!(s.dataset, DatasetKind::Digits);
        // A 2-D set has two classes: omitting class 3 is refused there, and a set chosen
        // after an omitted class that it lacks drops the omission.
        let (s, ignored) = Settings::from_hash("data=moons&omit=3");
        assert_eq!(
            (s.dataset, s.omit_class, ignored.len()),
            (DatasetKind::Moons, None, 1)
        );
        let (s, ignored) = Settings::from_hash("data=fashion-mnist");
        assert_eq!((s.dataset, ignored.len()), (DatasetKind::FashionMnist, 0));
        // The data is read first, whatever the order: the omission is checked against it.
        let (s, ignored) = Settings::from_hash("omit=3&data=xor");
        assert_eq!(
            (s.dataset, s.omit_class, ignored.len()),
            (DatasetKind::Xor, None, 1)
        );
        let (s, ignored) = Settings::from_hash("kind=bilstm&data=spam");
        assert_eq!((s.student_kind, ignored.len()), (NetKind::Bilstm, 0));
        let bad = Settings {
            dataset: DatasetKind::Spirals,
            omit_class: Some(2),
            ..Settings::default()
        };
        assert!(
            check(&bad)
                .unwrap_err()
                .to_string()
                .contains("classes 0 to 1")
        );
        let (_, long) = Settings::from_hash(&"a".repeat(5000));
        assert_eq!(long.len(), 1);
    }

    #[test]
    fn restart_only_when_the_students_change() {
        let s = Settings::default();
        let display = Settings {
            temperature: 9.0,
            alpha: 0.9,
            example: 4,
            learning_rate: 0.01,
            ..s.clone()
        };
        assert!(!s.needs_restart(&display));
        for changed in [
            Settings {
                alpha_schedule: AlphaSchedule::TeacherAnnealing,
                ..s.clone()
            },
            Settings {
                student_hidden: vec![16],
                ..s.clone()
            },
            Settings {
                mapping: MappingScheme::Last,
                ..s.clone()
            },
            Settings {
                labeled_fraction: 0.5,
                ..s.clone()
            },
        ] {
            assert!(s.needs_restart(&changed));
        }
    }

    #[test]
    fn a_link_names_brown_s_teacher_and_minilm_stays_on_brown() {
        use crate::app::shipped_teacher::ShippedTeacher;
        let (s, ignored) = Settings::from_hash("data=brown");
        assert_eq!((s.teacher, ignored.len()), (ShippedTeacher::Minilm, 0));
        let (s, ignored) = Settings::from_hash(&s.to_hash().replace("minilm", "scratch"));
        assert_eq!((s.teacher, ignored.len()), (ShippedTeacher::Scratch, 0));
        // Another set takes its own teacher, and Brown opens on MiniLM again.
        assert_eq!(
            s.switched_to(DatasetKind::Spam).teacher,
            ShippedTeacher::Scratch
        );
        let back = s
            .switched_to(DatasetKind::Spam)
            .switched_to(DatasetKind::Brown);
        assert_eq!(back.teacher, ShippedTeacher::Minilm);
        let (s, ignored) = Settings::from_hash("data=spam&teacher=minilm");
        assert_eq!(s.teacher, ShippedTeacher::Scratch);
        assert!(ignored[0].contains("Brown's genres only"), "{ignored:?}");
        let forced = Settings {
            teacher: ShippedTeacher::Minilm,
            ..s
        };
        assert!(check(&forced).is_err());
    }
}
