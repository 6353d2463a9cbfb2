//! The four networks, a step at a time: the teacher with tags, the teacher without them, the
//! student by plain KD from the first, and the student by adversarial imitation of it.

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::{ImitationSettings, ImitationStep, Imitator, Tagged, config};
use crate::data::{Dataset, TransferSet};
use crate::error::{Error, Result};
use crate::mapping::MappingScheme;
use crate::network::{Bow, Network};
use crate::schedule::Schedule;
use crate::train::{DistillSettings, Trainer, accuracy};

/// Who trains, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    TeacherWithTags,
    TeacherWithoutTags,
    PlainKd,
    Imitation,
}

impl Stage {
    pub const ALL: [Stage; 4] = [
        Stage::TeacherWithTags,
        Stage::TeacherWithoutTags,
        Stage::PlainKd,
        Stage::Imitation,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Stage::TeacherWithTags => "the teacher, reading words and tags",
            Stage::TeacherWithoutTags => "a teacher reading words alone",
            Stage::PlainKd => "the student by plain KD",
            Stage::Imitation => "the student by adversarial imitation",
        }
    }
}

/// What one step did: the imitation's step when it ran one, and a network's test accuracy when
/// its stage ended.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stepped {
    pub imitation: Option<ImitationStep>,
    pub finished: Option<(Stage, f32)>,
}

enum Training {
    Trainer(Box<Trainer>),
    Imitator(Box<Imitator>),
}

pub struct ImitationRun {
    settings: ImitationSettings,
    stage: usize,
    training: Option<Training>,
    done: usize,
    per_stage: usize,
    teacher: Option<Bow>,
    device: Device,
}

/// Every row with its label, in order (the teacher's rows are then the same sentences).
fn labelled(data: &Dataset) -> TransferSet {
    TransferSet {
        features: data.features.clone(),
        labels: data.labels.iter().map(|&l| Some(l)).collect(),
        dim: data.dim,
        classes: data.classes,
        labeled: data.len(),
        unlabeled: 0,
        augmented: 0,
        image: None,
        teacher_rows: None,
    }
}

impl ImitationRun {
    pub fn new(data: &Tagged, settings: ImitationSettings, device: &Device) -> Result<Self> {
        settings.check()?;
        let per_epoch = data.train_words.len().div_ceil(settings.batch_size);
        let mut run = Self {
            per_stage: settings.epochs * per_epoch,
            settings,
            stage: 0,
            training: None,
            done: 0,
            teacher: None,
            device: device.clone(),
        };
        run.training = Some(run.start(data, Stage::TeacherWithTags)?);
        Ok(run)
    }

    /// Steps done and in all.
    pub fn progress(&self) -> (usize, usize) {
        let total = 3 * self.per_stage + self.settings.critic_steps + self.per_stage;
        let before = (self.stage * self.per_stage).min(3 * self.per_stage);
        (before + self.done, total)
    }

    pub fn stage(&self) -> Option<Stage> {
        self.training
            .as_ref()
            .and(Stage::ALL.get(self.stage).copied())
    }

    pub fn is_over(&self) -> bool {
        self.training.is_none()
    }

    fn steps_of(&self, stage: Stage) -> usize {
        match stage {
            Stage::Imitation => self.settings.critic_steps + self.per_stage,
            _ => self.per_stage,
        }
    }

    fn distil_settings(&self, alpha: f32) -> DistillSettings {
        let s = &self.settings;
        DistillSettings {
            temperature: Schedule::constant(s.temperature),
            alpha: Schedule::constant(alpha),
            beta: 0.0,
            mapping: MappingScheme::None,
            learning_rate: s.learning_rate,
            batch_size: s.batch_size,
            total_steps: self.per_stage,
            seed: s.seed,
            ..DistillSettings::default()
        }
    }

    fn start(&self, data: &Tagged, stage: Stage) -> Result<Training> {
        let words = config(data.words.vocab_size(), data.train_words.dim);
        let s = &self.settings;
        Ok(match stage {
            Stage::TeacherWithTags => Training::Trainer(Box::new(Trainer::supervised(
                config(data.tagged_vocab(), data.train_tagged.dim),
                labelled(&data.train_tagged),
                self.distil_settings(1.0),
                &self.device,
            )?)),
            Stage::TeacherWithoutTags => Training::Trainer(Box::new(Trainer::supervised(
                words,
                labelled(&data.train_words),
                self.distil_settings(1.0),
                &self.device,
            )?)),
            Stage::PlainKd => {
                let set = labelled(&data.train_words)
                    .with_teacher_rows(data.train_tagged.features.clone(), data.train_tagged.dim)?;
                Training::Trainer(Box::new(Trainer::distill(
                    words,
                    Network::from(self.teacher()?.clone()),
                    set,
                    self.distil_settings(s.alpha),
                    &self.device,
                )?))
            }
            Stage::Imitation => Training::Imitator(Box::new(Imitator::new(
                self.teacher()?,
                &words,
                (&data.train_tagged, &data.train_words),
                (s.lambda, s.critic_steps),
                (s.learning_rate, s.batch_size, s.seed),
                &self.device,
            )?)),
        })
    }

    fn teacher(&self) -> Result<&Bow> {
        self.teacher
            .as_ref()
            .ok_or_else(|| Error::Settings("the teacher with tags is not trained yet".into()))
    }

    /// One step.
    pub fn step(&mut self, data: &Tagged) -> Result<Stepped> {
        let Some(training) = self.training.as_mut() else {
            return Ok(Stepped::default());
        };
        let seen = match training {
            Training::Trainer(t) => {
                t.step()?;
                None
            }
            Training::Imitator(i) => Some(i.step()?),
        };
        self.done += 1;
        let going = Stepped {
            imitation: seen,
            finished: None,
        };
        let Some(stage) = Stage::ALL.get(self.stage).copied() else {
            return Ok(going);
        };
        if self.done < self.steps_of(stage) {
            return Ok(going);
        }
        let accuracy = self.finish(data, stage)?;
        self.stage += 1;
        self.done = 0;
        self.training = match Stage::ALL.get(self.stage) {
            Some(&next) => Some(self.start(data, next)?),
            None => None,
        };
        Ok(Stepped {
            imitation: seen,
            finished: Some((stage, accuracy)),
        })
    }

    /// The finished network's accuracy on the test sentences (each read its own way).
    fn finish(&mut self, data: &Tagged, stage: Stage) -> Result<f32> {
        match self.training.take() {
            Some(Training::Trainer(t)) if stage == Stage::TeacherWithTags => {
                let Network::Bow(teacher) = t.network() else {
                    return Err(Error::ModelConfig(
                        "the teacher is not a bag of words".into(),
                    ));
                };
                let score = accuracy(&teacher, &data.test_tagged, &self.device)?;
                self.teacher = Some(teacher);
                Ok(score)
            }
            Some(Training::Trainer(t)) => Ok(t.evaluate(&data.test_words)?.accuracy),
            Some(Training::Imitator(i)) => accuracy(&i.network(), &data.test_words, &self.device),
            None => Err(Error::Settings("the run is over".into())),
        }
    }
}
