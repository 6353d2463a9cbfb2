//! A user's edit of the settings, as the page's controls send it: named, printable and
//! comparable, and applied by the reducer to the settings as they are then (a panel that missed
//! a render never writes an old value back).

use super::Settings;
use super::table::entry;
use crate::app::Preset;
use crate::engine::limits::{HEADS, STUDENT_DEPTH, STUDENT_WIDTH, TEXT_DEPTH, TEXT_WIDTH};
use crate::engine::mapping::MappingScheme;
use crate::engine::network::NetKind;

#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    /// One setting by its key in the settings table, its value as a link spells it
    /// (`Field("alpha", "0.3")`): read by that entry's own reader.
    Field(&'static str, String),
    /// The temperature (the slider's log scale already undone).
    Temperature(f32),
    /// The students' hidden layers, all of one width.
    StudentDepth(usize),
    StudentWidth(usize),
    TextWidth(usize),
    TextDepth(usize),
    Heads(usize),
    Kind(NetKind),
    Mapping(MappingScheme),
    /// A line of the mapping editor connected or disconnected (student layer, teacher layer),
    /// against a teacher of `teacher_depth` layers.
    TogglePair {
        student: usize,
        teacher: usize,
        teacher_depth: usize,
    },
    /// The test example `by` places on, wrapping around `of` examples.
    StepExample {
        by: isize,
        of: usize,
    },
    Preset(Preset),
}

impl Edit {
    /// The settings after this edit, or why it is impossible.
    pub fn apply(&self, current: &Settings) -> Result<Settings, String> {
        let mut s = current.clone();
        match self {
            Edit::Field(key, value) => {
                let e = entry(key).ok_or_else(|| format!("unknown setting '{key}'"))?;
                (e.set)(&mut s, value).map_err(|why| format!("{}: {why}", e.label))?;
            }
            Edit::Temperature(t) => s.temperature = (t * 100.0).round() / 100.0,
            Edit::StudentDepth(n) => {
                let w = s
                    .student_hidden
                    .first()
                    .copied()
                    .unwrap_or(STUDENT_WIDTH.default);
                s.student_hidden = vec![w; (*n).clamp(STUDENT_DEPTH.min, STUDENT_DEPTH.max)];
                s.keep_mapping_possible();
            }
            Edit::StudentWidth(w) => {
                let w = (*w).clamp(STUDENT_WIDTH.min, STUDENT_WIDTH.max);
                s.student_hidden = vec![w; s.student_hidden.len()];
            }
            Edit::TextWidth(w) => s.text_width = (*w).clamp(TEXT_WIDTH.min, TEXT_WIDTH.max),
            Edit::TextDepth(d) => {
                s.text_depth = (*d).clamp(TEXT_DEPTH.min, TEXT_DEPTH.max);
                s.keep_mapping_possible();
            }
            Edit::Heads(h) => s.heads = (*h).clamp(HEADS.min, HEADS.max),
            Edit::Kind(kind) => s = s.with_kind(*kind).map_err(|e| e.to_string())?,
            Edit::Mapping(scheme) => s.mapping = scheme.clone(),
            Edit::TogglePair {
                student,
                teacher,
                teacher_depth,
            } => {
                s.mapping = s
                    .toggle_pair(*student, *teacher, *teacher_depth)
                    .map_err(|e| format!("That mapping is impossible: {e}"))?;
            }
            Edit::StepExample { by, of } => {
                s.example = (s.example as isize + by).rem_euclid((*of).max(1) as isize) as usize;
            }
            Edit::Preset(preset) => s = preset.apply(&s),
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_apply_to_the_settings_as_they_are() {
        let s = Settings::default();
        let alpha = Edit::Field("alpha", "0.3".into()).apply(&s).unwrap();
        assert_eq!(alpha.alpha, 0.3);
        let err = Edit::Field("alpha", "3".into()).apply(&s).unwrap_err();
        assert!(err.contains("between 0 and 1"), "{err}");
        let wider = Edit::StudentWidth(64).apply(&s).unwrap();
        let deeper = Edit::StudentDepth(5).apply(&wider).unwrap();
        assert_eq!(
            deeper.student_hidden,
            vec![64; 5],
            "the width seen last is kept"
        );
        assert_eq!(
            Edit::StudentWidth(9999).apply(&s).unwrap().student_hidden,
            vec![256; 3]
        );
        let back = Edit::StepExample { by: -1, of: 10 }.apply(&s).unwrap();
        assert_eq!(back.example, 9);
        let crossing = Edit::TogglePair {
            student: 1,
            teacher: 5,
            teacher_depth: 6,
        };
        assert!(crossing.apply(&s).unwrap_err().contains("impossible"));
        assert_eq!(
            Edit::Temperature(4.567).apply(&s).unwrap().temperature,
            4.57
        );
    }
}
