//! What the trainer checks before a run about a student and its teacher: that they read the
//! same rows (or the teacher its own, aligned or not), predict the same classes, and can compare
//! attention.

use crate::data::TransferSet;
use crate::error::{Error, Result};
use crate::loss::AttentionLoss;
use crate::network::Architecture;

use super::DistillSettings;

/// The teacher reads the rows it is given (its own, or the student's) and predicts the
/// student's classes.
pub(super) fn check_shapes(
    config: &Architecture,
    teacher: &Architecture,
    data: &TransferSet,
) -> Result<()> {
    let inputs = match &data.teacher_rows {
        Some(rows) => rows.dim,
        None => config.inputs(),
    };
    if (teacher.inputs(), teacher.classes()) == (inputs, config.classes()) {
        return Ok(());
    }
    Err(Error::ModelConfig(format!(
        "the teacher maps {} inputs to {} classes, the student {} to {}",
        teacher.inputs(),
        teacher.classes(),
        config.inputs(),
        config.classes()
    )))
}

/// A teacher that is never run (its logits all known) must still predict the student's classes.
pub(super) fn check_classes(config: &Architecture, teacher: &Architecture) -> Result<()> {
    if teacher.classes() == config.classes() {
        return Ok(());
    }
    Err(Error::ModelConfig(format!(
        "the teacher predicts {} classes, the student {}",
        teacher.classes(),
        config.classes()
    )))
}

/// A teacher that tokenizes differently (its own rows) teaches through its soft targets, and
/// through its layers and attention when its rows are aligned with the student's words; its
/// embedding table is over another vocabulary.
pub(super) fn check_own_rows(
    student: &Architecture,
    teacher: &Architecture,
    data: &TransferSet,
    settings: &DistillSettings,
) -> Result<()> {
    let attention = settings.gamma > 0.0 && settings.attention_loss != AttentionLoss::Off;
    let aligned = data.is_aligned();
    if settings.match_embeddings {
        return Err(Error::Settings(
            "this teacher reads its own tokens (word pieces, not the student's words): its \
             embedding table cannot be matched with the student's"
                .into(),
        ));
    }
    if !aligned && (settings.beta > 0.0 || attention) {
        return Err(Error::Settings(
            "this teacher reads its own tokens (word pieces, not the student's words) and no \
             alignment says which pieces make which word: set β and γ to 0 and distil from its \
             soft targets"
                .into(),
        ));
    }
    check_attention(student, teacher, settings, true)
}

/// A text student and its teacher must read the same tokens.
pub(super) fn check_text_pair(
    student: &Architecture,
    teacher: &Architecture,
    settings: &DistillSettings,
) -> Result<()> {
    if student.vocab() != teacher.vocab() {
        return Err(Error::ModelConfig(format!(
            "the teacher reads a vocabulary of {} words, the student {}: they need the same tokenizer",
            teacher.vocab().unwrap_or(0),
            student.vocab().unwrap_or(0)
        )));
    }
    check_attention(student, teacher, settings, false)
}

/// Attention transfer needs attention on both sides; TinyBERT's loss matches heads one by one
/// (or, with `grouped`, each student head against the mean of a group of the teacher's), and
/// MiniLM's splits the teacher's width into the student's head count.
fn check_attention(
    student: &Architecture,
    teacher: &Architecture,
    settings: &DistillSettings,
    grouped: bool,
) -> Result<()> {
    if settings.gamma <= 0.0 || settings.attention_loss == AttentionLoss::Off {
        return Ok(());
    }
    let (Some(hs), Some(ht)) = (student.heads(), teacher.heads()) else {
        return Err(Error::Settings(format!(
            "{} attention transfer needs a transformer student and teacher (this is a {} from a {})",
            settings.attention_loss.name(),
            student.kind(),
            teacher.kind()
        )));
    };
    let groups = grouped && hs > 0 && ht.is_multiple_of(hs);
    match settings.attention_loss {
        AttentionLoss::TinyBert if hs != ht && !groups => Err(Error::Settings(format!(
            "TinyBERT's attention loss matches heads one by one: the student has {hs} heads, the \
             teacher {ht}. Give the student {ht} heads{}, or use MiniLM, which works across head \
             counts",
            if grouped { " (or a divisor of it)" } else { "" }
        ))),
        AttentionLoss::MiniLm => {
            let wt = teacher.width(teacher.depth()).unwrap_or(0);
            if !wt.is_multiple_of(hs) {
                return Err(Error::Settings(format!(
                    "MiniLM splits both last blocks into the student's {hs} relation heads; the \
                     teacher's width {wt} is not a multiple of {hs}"
                )));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
