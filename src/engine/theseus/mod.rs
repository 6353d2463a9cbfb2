//! BERT-of-Theseus (Xu et al. 2020): progressive module replacing. The teacher (predecessor) is
//! cut into n modules of k layers; each gets a successor of one layer that must stand in for it.
//!
//! Phase 1, replacing: at every step each module runs as its successor with probability p, else
//! as the frozen predecessor layers, so successors learn to fit between the teacher's own layers.
//! p is constant or a linear curriculum, p = min(1, θ·t + b). Phase 2, fine-tuning: the
//! successors alone. There is no distillation loss at all, only cross-entropy on the labels: the
//! teacher teaches by being the successors' surroundings.
//!
//! The successors are initialised from the teacher's first n layers (as the paper's code does),
//! and the classifier is a copy of the teacher's, trained with them; the teacher's own layers
//! never change. Works on MLP teachers (a module is k hidden layers) and transformer teachers (k
//! blocks); the student is a network of the same kind with n layers.

mod mixed;
mod rate;
mod trainer;

pub use rate::ReplaceRate;
pub use trainer::{Phase, TheseusSettings, TheseusStep, TheseusTrainer};

use crate::error::{Error, Result};

/// The teacher layers (0-based) each of `modules` successors replaces: `depth / modules` each.
pub fn module_layers(depth: usize, modules: usize) -> Result<Vec<std::ops::Range<usize>>> {
    if modules == 0 || modules > depth || !depth.is_multiple_of(modules) {
        return Err(Error::Settings(format!(
            "{depth} teacher layers do not split into {modules} equal modules: choose a number \
             of successors that divides {depth}"
        )));
    }
    let k = depth / modules;
    Ok((0..modules).map(|g| g * k..(g + 1) * k).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_split_the_teacher_evenly_or_not_at_all() {
        assert_eq!(module_layers(6, 3).unwrap(), vec![0..2, 2..4, 4..6]);
        assert_eq!(module_layers(6, 6).unwrap().len(), 6);
        assert_eq!(module_layers(4, 1).unwrap(), vec![0..4]);
        for bad in [0, 4, 7] {
            let err = module_layers(6, bad).unwrap_err().to_string();
            assert!(err.contains("do not split"), "{err}");
        }
    }
}
