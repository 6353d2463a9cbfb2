//! Cross-lingual distillation on parallel verses (Xu & Yang 2017): an English teacher labels
//! the genre of a verse, a Spanish student learns from its soft targets on the English side of
//! parallel verses and never reads a Spanish label; the gold-label and 1 % students bound it,
//! and an adapted teacher tries the paper's adversarial feature adaptation. A verse, picked or
//! typed in either language, shows the teacher's soft targets beside the student's.
//! Engine: `engine::crosslingual`. It has its own data, fetched on demand.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::plugin::{Fetch, Lab, LabContext, Started};
use crate::app::jobs::{Ended, Flow, Job, Progress, StepFuture, ready};
use crate::engine::crosslingual::{
    Bilingual, CrossLingualRun, CrossLingualSettings, Finished, Learner, logits_of,
};
use crate::engine::network::{Bow, Classifier, Network};
use crate::engine::text::{Tokenizer, VERSES_FILE};

/// The page's runs: 2 epochs for the teacher and each student (the CLI's default is 4).
pub const PAGE_EPOCHS: usize = 2;
/// The adaptation weights the page offers (0: no adapted teacher).
pub const LAMBDAS: [f32; 3] = [0.0, 0.1, 1.0];
/// Test verses offered to pick from.
const PICKABLE: usize = 40;

pub struct CrossLingual;

#[derive(Clone, Debug, PartialEq)]
pub struct CrossLingualLab {
    pub temperature: f32,
    pub lambda: f32,
    pub loaded: Option<Loaded>,
    pub scores: Scores,
    /// The verse on show, in both languages (either may be typed).
    pub english: String,
    pub spanish: String,
    pub readout: Option<Readout>,
}

impl Default for CrossLingualLab {
    fn default() -> Self {
        Self {
            temperature: CrossLingualSettings::default().temperature,
            lambda: CrossLingualSettings::default().lambda,
            loaded: None,
            scores: Scores::default(),
            english: String::new(),
            spanish: String::new(),
            readout: None,
        }
    }
}

/// The data's sizes and the verses a visitor can pick.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Loaded {
    pub labelled: usize,
    pub parallel: usize,
    pub test: usize,
    pub verses: Vec<Verse>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verse {
    pub place: String,
    pub genre: u8,
    pub english: String,
    pub spanish: String,
}

/// Test accuracies of the latest run, as its networks finish.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub teacher: Option<f32>,
    pub adapted_teacher: Option<f32>,
    /// The critic's accuracy over the last epoch, watching the plain teacher and against the
    /// adapted one.
    pub critic: Option<f32>,
    pub adapted_critic: Option<f32>,
    pub distilled: Option<f32>,
    pub adapted_distilled: Option<f32>,
    pub gold: Option<f32>,
    pub few: Option<f32>,
}

impl Scores {
    fn hear(&mut self, finished: Finished) {
        match finished {
            Finished::Teacher {
                adapted: false,
                accuracy,
                critic,
            } => {
                self.teacher = Some(accuracy);
                self.critic = critic;
            }
            Finished::Teacher {
                adapted: true,
                accuracy,
                critic,
            } => {
                self.adapted_teacher = Some(accuracy);
                self.adapted_critic = critic;
            }
            Finished::Student { learner, accuracy } => {
                let slot = match learner {
                    Learner::Distilled => &mut self.distilled,
                    Learner::AdaptedDistilled => &mut self.adapted_distilled,
                    Learner::Gold => &mut self.gold,
                    Learner::Few | Learner::AdaptedTeacher => &mut self.few,
                };
                *slot = Some(accuracy);
            }
        }
    }
}

/// The teacher's logits of the English text and the student's of the Spanish, or why not.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Readout {
    pub teacher: Result<Vec<f32>, String>,
    pub student: Result<Vec<f32>, String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CrossLingualRequest {
    /// Fetch the verses (once).
    Load,
    /// Train the teacher, the students and (λ > 0) the adapted pair; then read the verse on
    /// show.
    Train {
        temperature: f32,
        lambda: f32,
        english: String,
        spanish: String,
    },
    /// Both networks' logits of a verse.
    Read { english: String, spanish: String },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CrossLingualEvent {
    Temperature(f32),
    Lambda(f32),
    Loaded(Loaded),
    /// A run starts: the old scores go.
    Started,
    Scored(Finished),
    /// The verse on show changed (picked or typed).
    Text { english: String, spanish: String },
    Readout(Readout),
}

/// The verses, and the latest run's teacher and student.
#[derive(Default)]
pub struct CrossLingualMemory {
    data: Option<Bilingual>,
    teacher: Option<Bow>,
    student: Option<Network>,
}

impl Lab for CrossLingual {
    const ID: &'static str = "cross-lingual";
    const TITLE: &'static str = "Across languages";
    const SUMMARY: &'static str = "An English teacher knows which part of the Bible a verse comes from. A Spanish student learns the same from the teacher's soft targets on parallel verses, without one Spanish label. Pick or type a verse in either language.";
    const SOURCE: &'static str = "Xu & Yang 2017";
    const OWN_MATERIAL: bool = true;
    type State = CrossLingualLab;
    type Request = CrossLingualRequest;
    type Event = CrossLingualEvent;
    type Memory = CrossLingualMemory;

    fn start(
        request: CrossLingualRequest,
        context: &LabContext,
        memory: &Rc<RefCell<CrossLingualMemory>>,
    ) -> crate::Result<Started<CrossLingualEvent>> {
        match request {
            CrossLingualRequest::Load if memory.borrow().data.is_some() => {
                Ok(Started::Now(Vec::new()))
            }
            CrossLingualRequest::Load => Ok(Started::Job(Box::new(LoadJob {
                fetch: context.fetch.clone(),
                memory: memory.clone(),
                events: Vec::new(),
            }))),
            CrossLingualRequest::Train {
                temperature,
                lambda,
                english,
                spanish,
            } => train((temperature, lambda), (english, spanish), memory),
            CrossLingualRequest::Read { english, spanish } => {
                Ok(Started::Now(vec![read(&english, &spanish, memory)]))
            }
        }
    }

    fn answers_at_once(request: &CrossLingualRequest) -> bool {
        matches!(request, CrossLingualRequest::Read { .. })
    }

    fn reduce(lab: &mut CrossLingualLab, event: CrossLingualEvent) {
        match event {
            CrossLingualEvent::Temperature(t) => lab.temperature = t,
            CrossLingualEvent::Lambda(l) => lab.lambda = l,
            CrossLingualEvent::Loaded(loaded) => {
                if let Some(first) = loaded.verses.first() {
                    lab.english = first.english.clone();
                    lab.spanish = first.spanish.clone();
                }
                lab.loaded = Some(loaded);
            }
            CrossLingualEvent::Started => lab.scores = Scores::default(),
            CrossLingualEvent::Scored(finished) => lab.scores.hear(finished),
            CrossLingualEvent::Text { english, spanish } => {
                lab.english = english;
                lab.spanish = spanish;
            }
            CrossLingualEvent::Readout(readout) => lab.readout = Some(readout),
        }
    }

    /// Its own data and networks: a new page teacher changes nothing.
    fn after_new_teacher(lab: &CrossLingualLab) -> CrossLingualLab {
        lab.clone()
    }
}

/// The networks' logits of a verse: the teacher reads the English, the student the Spanish.
fn read(
    english: &str,
    spanish: &str,
    memory: &Rc<RefCell<CrossLingualMemory>>,
) -> CrossLingualEvent {
    let memory = memory.borrow();
    let untrained = || Err("train first: the lab has no networks yet".to_string());
    let Some(data) = &memory.data else {
        return CrossLingualEvent::Readout(Readout {
            teacher: untrained(),
            student: untrained(),
        });
    };
    let logits = |net: Option<&dyn Classifier>, tokenizer: &Tokenizer, text: &str| match net {
        None => untrained(),
        Some(net) => logits_of(net, tokenizer, text, &Device::flex()).map_err(|e| e.to_string()),
    };
    CrossLingualEvent::Readout(Readout {
        teacher: logits(
            memory.teacher.as_ref().map(|n| n as &dyn Classifier),
            &data.english.tokenizer,
            english,
        ),
        student: logits(
            memory.student.as_ref().map(|n| n as &dyn Classifier),
            &data.spanish.tokenizer,
            spanish,
        ),
    })
}

/// Fetches and reads the verses.
struct LoadJob {
    fetch: Fetch,
    memory: Rc<RefCell<CrossLingualMemory>>,
    events: Vec<CrossLingualEvent>,
}

impl LoadJob {
    async fn load(&mut self) -> crate::Result<Flow> {
        let bytes = (self.fetch)(format!("assets/{VERSES_FILE}"))
            .await
            .map_err(crate::Error::Dataset)?;
        let data = Bilingual::from_gz(&bytes)?;
        let verses = data
            .test_verses
            .iter()
            .take(PICKABLE)
            .map(|v| Verse {
                place: v.place(),
                genre: v.genre,
                english: v.english.clone(),
                spanish: v.spanish.clone(),
            })
            .collect();
        self.events.push(CrossLingualEvent::Loaded(Loaded {
            labelled: data.english.labelled.len(),
            parallel: data.spanish.parallel.len(),
            test: data.spanish.test.len(),
            verses,
        }));
        self.memory.borrow_mut().data = Some(data);
        Ok(Flow::Done)
    }
}

impl Job for LoadJob {
    type Event = CrossLingualEvent;

    fn step(&mut self) -> StepFuture<'_> {
        Box::pin(self.load())
    }

    fn progress(&self) -> Progress {
        Progress::new(0, 1, "the verses")
    }

    fn take_events(&mut self) -> Vec<CrossLingualEvent> {
        std::mem::take(&mut self.events)
    }

    fn finish(&mut self, _: &Ended) -> Vec<CrossLingualEvent> {
        Vec::new()
    }
}

fn train(
    (temperature, lambda): (f32, f32),
    shown: (String, String),
    memory: &Rc<RefCell<CrossLingualMemory>>,
) -> crate::Result<Started<CrossLingualEvent>> {
    let settings = CrossLingualSettings {
        temperature,
        lambda,
        teacher_epochs: PAGE_EPOCHS,
        student_epochs: PAGE_EPOCHS,
        ..CrossLingualSettings::default()
    };
    let (run, shown) = {
        let m = memory.borrow();
        let Some(data) = &m.data else {
            return Err(crate::Error::Settings("load the verses first".into()));
        };
        // Nothing on show (a preset asked before the verses loaded): the first test verse,
        // which the page shows on loading.
        let shown = match (shown, data.test_verses.first()) {
            ((e, s), Some(v)) if e.is_empty() && s.is_empty() => {
                (v.english.clone(), v.spanish.clone())
            }
            (shown, _) => shown,
        };
        (CrossLingualRun::new(data, settings, &Device::flex())?, shown)
    };
    Ok(Started::Job(Box::new(TrainJob {
        run,
        memory: memory.clone(),
        events: vec![CrossLingualEvent::Started],
        shown,
    })))
}

/// The experiment, a training step at a time; each network's score as it finishes.
struct TrainJob {
    run: CrossLingualRun,
    memory: Rc<RefCell<CrossLingualMemory>>,
    events: Vec<CrossLingualEvent>,
    /// The verse on show when the run started, read once the student exists.
    shown: (String, String),
}

impl TrainJob {
    fn advance(&mut self) -> crate::Result<Flow> {
        let finished = {
            let memory = self.memory.borrow();
            let Some(data) = &memory.data else {
                return Err(crate::Error::Settings("the verses were unloaded".into()));
            };
            self.run.step(data)?
        };
        if let Some(finished) = finished {
            self.events.push(CrossLingualEvent::Scored(finished));
            self.keep_networks(finished);
        }
        Ok(if self.run.is_over() {
            Flow::Done
        } else {
            Flow::More
        })
    }
}

impl TrainJob {
    /// Once the student from the unadapted teacher exists, it and its teacher answer the
    /// verses (the last run's pair until then), starting with the verse on show.
    fn keep_networks(&mut self, finished: Finished) {
        let Finished::Student {
            learner: Learner::Distilled,
            ..
        } = finished
        else {
            return;
        };
        if let (Some(t), Some(s)) = self.run.networks() {
            let mut memory = self.memory.borrow_mut();
            memory.teacher = Some(t.clone());
            memory.student = Some(s.clone());
        }
        let (english, spanish) = &self.shown;
        self.events.push(read(english, spanish, &self.memory));
    }
}

impl Job for TrainJob {
    type Event = CrossLingualEvent;

    fn step(&mut self) -> StepFuture<'_> {
        ready(self.advance())
    }

    fn progress(&self) -> Progress {
        let (done, total) = self.run.progress();
        Progress::new(done, total, self.run.training())
    }

    fn take_events(&mut self) -> Vec<CrossLingualEvent> {
        std::mem::take(&mut self.events)
    }

    fn finish(&mut self, _: &Ended) -> Vec<CrossLingualEvent> {
        std::mem::take(&mut self.events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_network_s_score_lands_in_its_column_and_a_new_run_clears_them() {
        let mut lab = CrossLingualLab::default();
        let heard = [
            Finished::Teacher {
                adapted: false,
                accuracy: 0.6,
                critic: None,
            },
            Finished::Student {
                learner: Learner::Few,
                accuracy: 0.3,
            },
            Finished::Teacher {
                adapted: true,
                accuracy: 0.61,
                critic: Some(0.52),
            },
            Finished::Student {
                learner: Learner::AdaptedDistilled,
                accuracy: 0.55,
            },
        ];
        for f in heard {
            CrossLingual::reduce(&mut lab, CrossLingualEvent::Scored(f));
        }
        let s = lab.scores;
        assert_eq!((s.teacher, s.few, s.critic), (Some(0.6), Some(0.3), None));
        assert_eq!(s.adapted_critic, Some(0.52));
        assert_eq!((s.adapted_teacher, s.adapted_distilled), (Some(0.61), Some(0.55)));
        assert_eq!((s.distilled, s.gold), (None, None));
        CrossLingual::reduce(&mut lab, CrossLingualEvent::Started);
        assert_eq!(lab.scores, Scores::default());
    }

    #[test]
    fn a_verse_read_before_the_verses_load_says_to_train_first() {
        let memory = Rc::new(RefCell::new(CrossLingualMemory::default()));
        let CrossLingualEvent::Readout(r) = read("in the beginning", "en el principio", &memory)
        else {
            panic!("a readout")
        };
        assert!(r.teacher.unwrap_err().contains("train first"));
        assert!(r.student.unwrap_err().contains("train first"));
    }
}
