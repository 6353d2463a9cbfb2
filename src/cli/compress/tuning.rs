//! The work of one frontier: distilling its students, and fine-tuning the points that can be
//! (a pruned one with its mask held, a factorized one as it is, a quantized one on its grid).

use burn::tensor::Device;

use crate::engine::compress::fine_tune::Tuner;
use crate::engine::compress::frontier::{Candidate, Recipe, make};
use crate::engine::data::TransferSet;
use crate::engine::error::Result;
use crate::engine::network::{Architecture, Network};
use crate::engine::train::{DistillSettings, Trainer};
use crate::engine::weights::NetworkWeights;

use super::super::{run_steps, steps_for};
use super::CompressArgs;
use super::students::Student;

/// What every student and fine-tuning run of one frontier shares.
pub(super) struct Frontier<'a> {
    pub set: TransferSet,
    pub args: &'a CompressArgs,
    pub device: &'a Device,
    pub quiet: bool,
}

impl Frontier<'_> {
    fn settings(&self, steps: usize) -> DistillSettings {
        DistillSettings {
            total_steps: steps,
            seed: self.args.seed,
            ..DistillSettings::default()
        }
    }

    pub(super) fn distil(&self, s: &Student, teacher: &Network) -> Result<NetworkWeights> {
        let batch = DistillSettings::default().batch_size;
        let steps = steps_for(self.epochs(), self.set.len(), batch);
        let settings = DistillSettings {
            learning_rate: s.learning_rate,
            ..self.settings(steps)
        };
        let (config, set) = (s.architecture.clone(), self.set.clone());
        let mut trainer = Trainer::distill(config, teacher.clone(), set, settings, self.device)?;
        run_steps(&mut trainer, steps, "distilling a student", self.quiet)?;
        NetworkWeights::from_network(&trainer.network())
    }

    /// The students' epochs: as asked, else 20 on images and 3 on text.
    fn epochs(&self) -> usize {
        let text = self.args.dataset.is_text();
        self.args.epochs.unwrap_or(if text { 3 } else { 20 })
    }

    /// A trainer of `architecture` for fine-tuning: from `teacher` when there is one, else
    /// from the labels.
    fn tuner(&self, architecture: Architecture, teacher: Option<&Network>) -> Result<Trainer> {
        let settings = self.settings(self.args.fine_tune_steps);
        match teacher {
            Some(t) => Trainer::distill(
                architecture,
                t.clone(),
                self.set.clone(),
                settings,
                self.device,
            ),
            None => Trainer::supervised(architecture, self.set.clone(), settings, self.device),
        }
    }

    /// The pruned, factorized and quantized points of `own` fine-tuned (a pruned one with its
    /// mask held, a quantized one on its grid). MLPs only so far: a conv net's points stay as
    /// they fall (the table says so).
    pub(super) fn tuned(
        &self,
        own: &[Candidate],
        teacher: Option<&Network>,
    ) -> Result<Vec<Candidate>> {
        let steps = self.args.fine_tune_steps;
        let mut out = Vec::new();
        for c in own
            .iter()
            .filter(|c| steps > 0 && c.recipe.tunable(&c.weights))
        {
            let trainer = self.tuner(c.weights.architecture.clone(), teacher)?;
            let tuning = Tuner::start(trainer, c, steps, self.device)?;
            out.push(c.after_tuning(tuning.finish()?));
        }
        Ok(out)
    }

    /// The combination the other way round: the first student distilled from the teacher
    /// pruned to 70 % and fine-tuned, a point the teacher's own already holds (`teacher`: the
    /// teacher's points, fine-tuned ones included; with no fine-tuning, the pruned one).
    pub(super) fn distilled_from_pruned_teacher(
        &self,
        teacher: &[Candidate],
        first: Option<&Student>,
    ) -> Result<Vec<Candidate>> {
        let pruned = |tuned: bool| {
            teacher.iter().find(|c| {
                c.subject == "teacher"
                    && c.recipe == Recipe::Prune(PRUNED_TEACHER)
                    && c.tuned == tuned
            })
        };
        let (Some(first), Some(source)) = (first, pruned(true).or(pruned(false))) else {
            return Ok(Vec::new());
        };
        if !source.recipe.tunable(&source.weights) {
            return Ok(Vec::new());
        }
        let student = self.distil(first, &source.weights.to_network(self.device)?)?;
        let subject = format!("{} from the teacher pruned to 70 %", first.name);
        Ok(make(&student, &subject, Recipe::AsIs, self.device)?
            .into_iter()
            .collect())
    }
}

/// The sparsity of the pruned teacher a student is distilled from.
const PRUNED_TEACHER: f32 = 0.7;
