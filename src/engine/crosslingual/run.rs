//! The whole experiment a step at a time: the English teacher; a Spanish student from its soft
//! targets on the parallel verses; the gold-label ceiling and the 1 % floor; then, with λ > 0,
//! an adapted teacher and a student from it. Every network is scored on the test chapters.

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::data::Bilingual;
use super::teacher::TeacherTrainer;
use super::{CrossLingualSettings, Learner, teacher_config};
use crate::data::{Dataset, TransferConfig, TransferSet};
use crate::error::{Error, Result};
use crate::loss::KlForm;
use crate::mapping::MappingScheme;
use crate::network::{Bow, Network};
use crate::schedule::Schedule;
use crate::train::{DistillSettings, Trainer, accuracy};

/// What a finished stage reports.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Finished {
    /// A teacher's accuracy on the English test verses, and when adaptation is asked for, the
    /// critic's accuracy over the teacher's last epoch (0.5: it cannot tell the two sets apart),
    /// against the adapted teacher or watching the plain one.
    Teacher {
        adapted: bool,
        accuracy: f32,
        critic: Option<f32>,
    },
    /// A student's accuracy on the Spanish test verses.
    Student { learner: Learner, accuracy: f32 },
}

enum Stage {
    Teacher {
        trainer: Box<TeacherTrainer>,
        adapted: bool,
        done: usize,
        /// The critic's accuracies over the last epoch.
        judged: Vec<f32>,
    },
    Student {
        trainer: Box<Trainer>,
        learner: Learner,
        done: usize,
    },
    Over,
}

/// The experiment under way.
pub struct CrossLingualRun {
    settings: CrossLingualSettings,
    stage: Stage,
    /// Learners still to train after the stage under way, in order.
    queue: Vec<Learner>,
    teacher: Option<Bow>,
    adapted: Option<Bow>,
    /// The student distilled from the unadapted teacher (the page shows it beside the teacher).
    student: Option<Network>,
    teacher_steps: usize,
    student_steps: usize,
    finished_steps: usize,
    device: Device,
}

impl CrossLingualRun {
    pub fn new(data: &Bilingual, settings: CrossLingualSettings, device: &Device) -> Result<Self> {
        settings.check()?;
        let trainer = teacher_trainer(data, &settings, false, device)?;
        let teacher_steps = settings.teacher_epochs * trainer.steps_per_epoch();
        let per_epoch = data.spanish.parallel.len().div_ceil(settings.batch_size);
        let mut queue = vec![Learner::Distilled, Learner::Gold, Learner::Few];
        if settings.lambda > 0.0 {
            queue.extend([Learner::AdaptedTeacher, Learner::AdaptedDistilled]);
        }
        Ok(Self {
            stage: Stage::Teacher {
                trainer: Box::new(trainer),
                adapted: false,
                done: 0,
                judged: Vec::new(),
            },
            queue,
            teacher: None,
            adapted: None,
            student: None,
            teacher_steps,
            student_steps: settings.student_epochs * per_epoch,
            finished_steps: 0,
            settings,
            device: device.clone(),
        })
    }

    /// Steps done and in all, over every network.
    pub fn progress(&self) -> (usize, usize) {
        let now = match &self.stage {
            Stage::Teacher { done, .. } | Stage::Student { done, .. } => *done,
            Stage::Over => 0,
        };
        let teachers = 1 + usize::from(self.settings.lambda > 0.0);
        let students = 3 + usize::from(self.settings.lambda > 0.0);
        let total = teachers * self.teacher_steps + students * self.student_steps;
        (self.finished_steps + now, total)
    }

    /// What is training now, for the progress line.
    pub fn training(&self) -> &'static str {
        match &self.stage {
            Stage::Teacher { adapted: false, .. } => "the English teacher",
            Stage::Teacher { adapted: true, .. } => "the adapted English teacher and its critic",
            Stage::Student { learner, .. } => learner.title(),
            Stage::Over => "done",
        }
    }

    pub fn is_over(&self) -> bool {
        matches!(self.stage, Stage::Over)
    }

    /// The unadapted teacher and the student distilled from it, once trained.
    pub fn networks(&self) -> (Option<&Bow>, Option<&Network>) {
        (self.teacher.as_ref(), self.student.as_ref())
    }

    /// One training step; a stage that ends reports its score.
    pub fn step(&mut self, data: &Bilingual) -> Result<Option<Finished>> {
        let ended = match &mut self.stage {
            Stage::Over => return Ok(None),
            Stage::Teacher {
                trainer,
                done,
                judged,
                ..
            } => {
                let step = trainer.step()?;
                *done += 1;
                let epoch = trainer.steps_per_epoch();
                if *done + epoch > self.teacher_steps {
                    judged.extend(step.critic_accuracy);
                }
                *done >= self.teacher_steps
            }
            Stage::Student { trainer, done, .. } => {
                trainer.step()?;
                *done += 1;
                *done >= self.student_steps
            }
        };
        if !ended {
            return Ok(None);
        }
        let finished = self.finish_stage(data)?;
        self.next_stage(data)?;
        Ok(Some(finished))
    }

    fn finish_stage(&mut self, data: &Bilingual) -> Result<Finished> {
        let stage = std::mem::replace(&mut self.stage, Stage::Over);
        match stage {
            Stage::Teacher {
                trainer,
                adapted,
                judged,
                ..
            } => {
                self.finished_steps += self.teacher_steps;
                let net = trainer.network();
                let accuracy = accuracy(&net, &data.english.test, &self.device)?;
                let critic =
                    (!judged.is_empty()).then(|| judged.iter().sum::<f32>() / judged.len() as f32);
                match adapted {
                    true => self.adapted = Some(net),
                    false => self.teacher = Some(net),
                }
                Ok(Finished::Teacher {
                    adapted,
                    accuracy,
                    critic,
                })
            }
            Stage::Student {
                trainer, learner, ..
            } => {
                self.finished_steps += self.student_steps;
                let accuracy = trainer.evaluate(&data.spanish.test)?.accuracy;
                if learner == Learner::Distilled {
                    self.student = Some(trainer.network());
                }
                Ok(Finished::Student { learner, accuracy })
            }
            Stage::Over => Err(Error::Settings("the run is over".into())),
        }
    }

    fn next_stage(&mut self, data: &Bilingual) -> Result<()> {
        if self.queue.is_empty() {
            return Ok(());
        }
        let learner = self.queue.remove(0);
        self.stage = match learner {
            Learner::AdaptedTeacher => Stage::Teacher {
                trainer: Box::new(teacher_trainer(data, &self.settings, true, &self.device)?),
                adapted: true,
                done: 0,
                judged: Vec::new(),
            },
            learner => Stage::Student {
                trainer: Box::new(self.student_trainer(data, learner)?),
                learner,
                done: 0,
            },
        };
        Ok(())
    }

    /// A Spanish student: from a teacher's soft targets on the parallel verses (no label), or
    /// from the gold labels of all of them or of a few.
    fn student_trainer(&self, data: &Bilingual, learner: Learner) -> Result<Trainer> {
        let s = &self.settings;
        let spanish = &data.spanish.parallel;
        let config = super::student_config(&data.spanish);
        let settings = DistillSettings {
            temperature: Schedule::constant(s.temperature),
            alpha: Schedule::constant(0.0),
            beta: 0.0,
            mapping: MappingScheme::None,
            learning_rate: s.learning_rate,
            batch_size: s.batch_size,
            total_steps: self.student_steps,
            seed: s.seed,
            kl: KlForm::HINTON,
            ..DistillSettings::default()
        };
        let teacher = match learner {
            Learner::Distilled => self.teacher.clone(),
            Learner::AdaptedDistilled => self.adapted.clone(),
            Learner::Gold | Learner::Few => {
                let labelled = TransferConfig {
                    labeled_fraction: if learner == Learner::Few {
                        s.few_percent / 100.0
                    } else {
                        1.0
                    },
                    include_unlabeled: false,
                    ..TransferConfig::default()
                };
                let set = TransferSet::build(spanish, &labelled, s.seed)?;
                let settings = DistillSettings {
                    alpha: Schedule::constant(1.0),
                    ..settings
                };
                return Trainer::supervised(config, set, settings, &self.device);
            }
            Learner::AdaptedTeacher => None,
        };
        let teacher = teacher.ok_or_else(|| Error::Settings("no teacher to learn from".into()))?;
        let set = unlabelled(spanish).with_teacher_rows(
            data.english.parallel.features.clone(),
            data.english.parallel.dim,
        )?;
        Trainer::distill(config, Network::from(teacher), set, settings, &self.device)
    }
}

fn teacher_trainer(
    data: &Bilingual,
    s: &CrossLingualSettings,
    adapted: bool,
    device: &Device,
) -> Result<TeacherTrainer> {
    let trainer = TeacherTrainer::new(
        &teacher_config(&data.english),
        &data.english.labelled,
        &data.english.parallel,
        if adapted { s.lambda } else { 0.0 },
        (s.learning_rate, s.batch_size, s.seed),
        device,
    )?;
    // When adaptation is asked for, a critic also watches the plain teacher: how well the two
    // sets' features can be told apart when nothing hides the difference.
    Ok(match s.lambda > 0.0 {
        true => trainer.watched(),
        false => trainer,
    })
}

/// Every row of `data` in its order, with no label: the student never reads a Spanish label.
fn unlabelled(data: &Dataset) -> TransferSet {
    TransferSet {
        features: data.features.clone(),
        labels: vec![None; data.len()],
        dim: data.dim,
        classes: data.classes,
        labeled: 0,
        unlabeled: data.len(),
        augmented: 0,
        image: None,
        teacher_rows: None,
    }
}
