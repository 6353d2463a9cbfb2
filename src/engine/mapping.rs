//! Which teacher hidden layer supervises which student hidden layer.
//!
//! Layers are numbered from 1 (first hidden layer) to the depth; the input is not a layer.
//! With a 6-layer teacher and a 3-layer student, Patient KD's "skip" maps teacher 2,4,6 onto
//! student 1,2,3 and "last" maps 4,5,6 onto 1,2,3.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How the mapping is chosen; resolved against actual depths by [`MappingScheme::resolve`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "pairs", rename_all = "lowercase")]
pub enum MappingScheme {
    /// Every student layer gets an evenly spaced teacher layer, ending at the last (PKD-skip).
    Skip,
    /// The student's layers take the teacher's last layers (PKD-last).
    Last,
    /// Explicit `(student, teacher)` pairs.
    Custom(Vec<(usize, usize)>),
    /// No hidden-state supervision.
    None,
}

/// A validated mapping: `(student layer, teacher layer)` pairs, both strictly increasing, for a
/// student and a teacher of the depths it was checked against. Deserialising goes through
/// [`LayerMapping::new`] too (`try_from`), so no unchecked mapping can be built.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "UncheckedMapping", into = "UncheckedMapping")]
pub struct LayerMapping {
    pairs: Vec<(usize, usize)>,
    student_depth: usize,
    teacher_depth: usize,
}

/// A mapping's serialised form, before its checks.
#[derive(Clone, Serialize, Deserialize)]
struct UncheckedMapping {
    pairs: Vec<(usize, usize)>,
    student_depth: usize,
    teacher_depth: usize,
}

impl TryFrom<UncheckedMapping> for LayerMapping {
    type Error = Error;

    fn try_from(m: UncheckedMapping) -> Result<Self> {
        LayerMapping::new(m.pairs, m.student_depth, m.teacher_depth)
    }
}

impl From<LayerMapping> for UncheckedMapping {
    fn from(m: LayerMapping) -> Self {
        Self {
            pairs: m.pairs,
            student_depth: m.student_depth,
            teacher_depth: m.teacher_depth,
        }
    }
}

impl LayerMapping {
    pub fn pairs(&self) -> &[(usize, usize)] {
        &self.pairs
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// Checks `pairs` against the depths and says which entry is wrong.
    pub fn new(
        pairs: Vec<(usize, usize)>,
        student_depth: usize,
        teacher_depth: usize,
    ) -> Result<Self> {
        let bad = |m: String| Err(Error::Mapping(m));
        if pairs.len() > student_depth {
            return bad(format!(
                "{} pairs for a student with {student_depth} hidden layers: each student layer \
                 can be supervised at most once",
                pairs.len()
            ));
        }
        for (i, &(s, t)) in pairs.iter().enumerate() {
            let entry = i + 1;
            if s == 0 || s > student_depth {
                return bad(format!(
                    "entry {entry} ({s}→{t}): student layer {s} does not exist \
                     (the student has layers 1..={student_depth})"
                ));
            }
            if t == 0 || t > teacher_depth {
                return bad(format!(
                    "entry {entry} ({s}→{t}): teacher layer {t} does not exist \
                     (the teacher has layers 1..={teacher_depth})"
                ));
            }
            if let Some(j) = pairs[..i].iter().position(|p| p.0 == s) {
                return bad(format!(
                    "entry {entry} ({s}→{t}): student layer {s} is already mapped by entry {}",
                    j + 1
                ));
            }
            if let Some(j) = pairs[..i].iter().position(|p| p.1 == t) {
                return bad(format!(
                    "entry {entry} ({s}→{t}): teacher layer {t} is already used by entry {}",
                    j + 1
                ));
            }
            if let Some(&(ps, pt)) = i.checked_sub(1).map(|j| &pairs[j])
                && (s <= ps || t <= pt)
            {
                return bad(format!(
                    "entry {entry} ({s}→{t}) comes after {ps}→{pt}: layers must be strictly \
                     increasing on both sides, so the lines do not cross"
                ));
            }
        }
        Ok(Self {
            pairs,
            student_depth,
            teacher_depth,
        })
    }

    /// The student's and the teacher's depth this mapping was checked against.
    pub fn depths(&self) -> (usize, usize) {
        (self.student_depth, self.teacher_depth)
    }
}

impl MappingScheme {
    pub fn resolve(&self, student_depth: usize, teacher_depth: usize) -> Result<LayerMapping> {
        let pairs = match self {
            MappingScheme::None => Vec::new(),
            MappingScheme::Custom(pairs) => pairs.clone(),
            MappingScheme::Skip | MappingScheme::Last if student_depth > teacher_depth => {
                return Err(Error::Mapping(format!(
                    "the student has {student_depth} hidden layers but the teacher only \
                     {teacher_depth}: '{}' needs a teacher at least as deep; use a custom mapping",
                    self.name()
                )));
            }
            // Student layer j takes teacher layer round(j · T / S): 6→3 gives 2,4,6; 6→4 gives 2,3,5,6.
            MappingScheme::Skip => (1..=student_depth)
                .map(|j| {
                    (
                        j,
                        (j * teacher_depth * 2 + student_depth) / (2 * student_depth),
                    )
                })
                .collect(),
            MappingScheme::Last => (1..=student_depth)
                .map(|j| (j, teacher_depth - student_depth + j))
                .collect(),
        };
        LayerMapping::new(pairs, student_depth, teacher_depth)
    }

    pub fn name(&self) -> &'static str {
        match self {
            MappingScheme::Skip => "skip",
            MappingScheme::Last => "last",
            MappingScheme::Custom(_) => "custom",
            MappingScheme::None => "none",
        }
    }

    /// Parses `skip`, `last`, `none`, a list of teacher layers for student layers 1,2,3…
    /// (`2,4,6`), or explicit pairs `student:teacher` (`1:2,3:6`).
    pub fn parse(spec: &str) -> Result<Self> {
        let spec = spec.trim();
        match spec.to_ascii_lowercase().as_str() {
            "skip" => return Ok(MappingScheme::Skip),
            "last" => return Ok(MappingScheme::Last),
            "none" | "" => return Ok(MappingScheme::None),
            _ => {}
        }
        let num = |s: &str, entry: usize| {
            s.trim().parse::<usize>().map_err(|_| {
                Error::Mapping(format!(
                    "entry {entry} ('{}') is not a layer number; use skip, last, none, \
                     a teacher-layer list like 2,4,6 or pairs like 1:2,3:6",
                    s.trim()
                ))
            })
        };
        let pairs = spec
            .split(',')
            .enumerate()
            .map(|(i, item)| match item.split_once(':') {
                Some((s, t)) => Ok((num(s, i + 1)?, num(t, i + 1)?)),
                None => Ok((i + 1, num(item, i + 1)?)),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(MappingScheme::Custom(pairs))
    }
}

impl std::fmt::Display for MappingScheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MappingScheme::Custom(pairs) => {
                let items: Vec<String> = pairs.iter().map(|(s, t)| format!("{s}:{t}")).collect();
                write!(f, "{}", items.join(","))
            }
            other => write!(f, "{}", other.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn teachers(scheme: MappingScheme, s: usize, t: usize) -> Vec<usize> {
        scheme
            .resolve(s, t)
            .unwrap()
            .pairs()
            .iter()
            .map(|p| p.1)
            .collect()
    }

    #[test]
    fn deserialising_checks_the_mapping_like_new() {
        let good = MappingScheme::Skip.resolve(3, 6).unwrap();
        let json = serde_json::to_string(&good).unwrap();
        assert_eq!(serde_json::from_str::<LayerMapping>(&json).unwrap(), good);
        for bad in [
            r#"{"pairs":[[1,4],[2,2]],"student_depth":3,"teacher_depth":6}"#,
            r#"{"pairs":[[1,7]],"student_depth":3,"teacher_depth":6}"#,
            r#"{"pairs":[[0,1]],"student_depth":3,"teacher_depth":6}"#,
            r#"{"pairs":[[1,1],[1,2]],"student_depth":3,"teacher_depth":6}"#,
        ] {
            let err = serde_json::from_str::<LayerMapping>(bad)
                .unwrap_err()
                .to_string();
            assert!(err.contains("entry"), "{bad}: {err}");
        }
    }

    #[test]
    fn pkd_schemes_for_six_to_three() {
        assert_eq!(teachers(MappingScheme::Skip, 3, 6), vec![2, 4, 6]);
        assert_eq!(teachers(MappingScheme::Last, 3, 6), vec![4, 5, 6]);
        assert!(MappingScheme::None.resolve(3, 6).unwrap().is_empty());
    }

    #[test]
    fn skip_and_last_coincide_under_a_three_layer_teacher() {
        // MiniLM-L3 (Brown's teacher): Patient KD's skip-or-last question cannot be asked of
        // it with any student depth. A 4-layer teacher already tells them apart.
        for student in 1..=3 {
            let (skip, last) = (MappingScheme::Skip, MappingScheme::Last);
            assert_eq!(teachers(skip, student, 3), teachers(last, student, 3));
        }
        assert_eq!(teachers(MappingScheme::Skip, 1, 3), vec![3]);
        assert_ne!(
            teachers(MappingScheme::Skip, 2, 4),
            teachers(MappingScheme::Last, 2, 4)
        );
    }

    #[test]
    fn skip_generalises_to_other_depths() {
        assert_eq!(
            teachers(MappingScheme::Skip, 6, 12),
            vec![2, 4, 6, 8, 10, 12]
        );
        assert_eq!(teachers(MappingScheme::Skip, 4, 6), vec![2, 3, 5, 6]);
        assert_eq!(teachers(MappingScheme::Skip, 2, 7), vec![4, 7]);
        assert_eq!(teachers(MappingScheme::Skip, 3, 3), vec![1, 2, 3]);
        assert_eq!(teachers(MappingScheme::Last, 2, 7), vec![6, 7]);
        // Every depth combination gives a valid (strictly increasing, in range) mapping.
        for t in 1..=12 {
            for s in 1..=t {
                MappingScheme::Skip.resolve(s, t).unwrap();
                MappingScheme::Last.resolve(s, t).unwrap();
            }
        }
    }

    #[test]
    fn student_deeper_than_teacher_is_rejected() {
        let err = MappingScheme::Skip.resolve(4, 2).unwrap_err().to_string();
        assert!(err.contains("student has 4 hidden layers"), "{err}");
    }

    #[test]
    fn parse_forms() {
        assert_eq!(MappingScheme::parse("SKIP").unwrap(), MappingScheme::Skip);
        assert_eq!(
            MappingScheme::parse("2,4,6").unwrap(),
            MappingScheme::Custom(vec![(1, 2), (2, 4), (3, 6)])
        );
        assert_eq!(
            MappingScheme::parse("1:2, 3:6").unwrap(),
            MappingScheme::Custom(vec![(1, 2), (3, 6)])
        );
        let err = MappingScheme::parse("2,x,6").unwrap_err().to_string();
        assert!(err.contains("entry 2 ('x')"), "{err}");
        let s = MappingScheme::parse("1:2,3:6").unwrap();
        assert_eq!(MappingScheme::parse(&s.to_string()).unwrap(), s);
    }

    #[test]
    fn invalid_custom_mappings_name_the_entry() {
        let check = |spec: &str, needle: &str| {
            let err = MappingScheme::parse(spec)
                .unwrap()
                .resolve(3, 6)
                .unwrap_err()
                .to_string();
            assert!(err.contains(needle), "{spec}: {err}");
        };
        check("2,4,6,6", "4 pairs for a student with 3");
        check("2,4,7", "entry 3 (3→7): teacher layer 7 does not exist");
        check("0,4,6", "entry 1 (1→0): teacher layer 0");
        check("4:2", "entry 1 (4→2): student layer 4 does not exist");
        check("4,2,6", "entry 2 (2→2) comes after 1→4");
        check(
            "2,2,6",
            "entry 2 (2→2): teacher layer 2 is already used by entry 1",
        );
        check("1:2,1:4", "student layer 1 is already mapped by entry 1");
        check("2:2,1:4", "entry 2 (1→4) comes after 2→2");
        // A partial mapping is fine.
        assert_eq!(
            MappingScheme::parse("2:5")
                .unwrap()
                .resolve(3, 6)
                .unwrap()
                .pairs(),
            &[(2, 5)]
        );
    }
}
