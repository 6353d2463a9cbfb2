//! Sequence-level KD on CMUdict (Kim & Rush 2016): an encoder–decoder student learns from the
//! gold pronunciations, the teacher's word-level distributions, its whole greedy outputs, or
//! both; a typed word is pronounced by the teacher and the latest student. Engine:
//! `engine::seq2seq`. It has its own data and teacher, fetched on demand.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::plugin::{Fetch, Lab, LabContext, Started};
use crate::app::jobs::{Ended, Flow, Job, Progress, StepFuture, ready};
use crate::engine::seq2seq::data::{PHONES, letters, spell};
use crate::engine::seq2seq::{
    G2p, G2pScore, Pair, Seq2Seq, Seq2SeqConfig, Seq2SeqSettings, Seq2SeqTrainer, Targets,
    evaluate, load_seq2seq,
};

/// Words the page's student learns from, epochs, and test words it is scored on: a minute or
/// two of the CPU engine.
const PAGE_WORDS: usize = 5000;
const PAGE_EPOCHS: usize = 4;
const PAGE_TEST: usize = 500;

pub struct Sequence;

#[derive(Clone, Debug, PartialEq)]
pub struct SequenceLab {
    pub targets: Targets,
    /// The data and the teacher are loaded (with the teacher's score on the page's test words).
    pub teacher: Option<G2pScore>,
    /// The students trained in this visit: what each learned from, and its score.
    pub students: Vec<(Targets, G2pScore)>,
    pub said: Option<Said>,
}

impl Default for SequenceLab {
    fn default() -> Self {
        Self {
            targets: Targets::Sequence,
            teacher: None,
            students: Vec::new(),
            said: None,
        }
    }
}

/// A word as the teacher and the latest student pronounce it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Said {
    pub word: String,
    pub teacher: Pronunciation,
    pub student: Option<Pronunciation>,
}

/// Phoneme ids and, per position, the distribution over phoneme ids.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pronunciation {
    pub ids: Vec<u32>,
    pub positions: Vec<Vec<f32>>,
}

impl Pronunciation {
    pub fn arpabet(&self) -> String {
        spell(&self.ids)
    }

    /// The `k` likeliest choices at position `i`, named ("end" for the end token).
    pub fn top(&self, i: usize, k: usize) -> Vec<(String, f32)> {
        let Some(p) = self.positions.get(i) else {
            return Vec::new();
        };
        let mut order: Vec<usize> = (0..p.len()).collect();
        order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
        order
            .into_iter()
            .take(k)
            .map(|id| (name(id as u32), p[id]))
            .collect()
    }
}

fn name(id: u32) -> String {
    match id {
        0 => "pad".into(),
        1 => "start".into(),
        2 => "end".into(),
        id => PHONES
            .get(id as usize - 3)
            .map_or("?".into(), |p| p.to_string()),
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SequenceRequest {
    /// Fetch CMUdict and its encoder–decoder teacher (once), and score the teacher.
    Load,
    /// A student learning from these targets, then scored.
    Train(Targets),
    /// A typed word as the teacher and the student say it.
    Pronounce(String),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SequenceEvent {
    Targets(Targets),
    Loaded(G2pScore),
    Student(Option<(Targets, G2pScore)>),
    Said(Said),
}

/// CMUdict, its teacher, and the latest student.
#[derive(Default)]
pub struct SequenceMemory {
    loaded: Option<(G2p, Seq2Seq)>,
    student: Option<Seq2Seq>,
}

fn test_words(data: &G2p) -> &[Pair] {
    &data.test[..data.test.len().min(PAGE_TEST)]
}

impl Lab for Sequence {
    const ID: &'static str = "sequence";
    const TITLE: &'static str = "Sequence-level KD";
    const SUMMARY: &'static str = "An encoder–decoder learns to pronounce English words (CMUdict) from the gold pronunciations, from the teacher's distribution at each position, or from the teacher's whole outputs. Type a word and hear both.";
    const SOURCE: &'static str = "Kim & Rush 2016";
    const OWN_MATERIAL: bool = true;
    type State = SequenceLab;
    type Request = SequenceRequest;
    type Event = SequenceEvent;
    type Memory = SequenceMemory;

    fn start(
        request: SequenceRequest,
        context: &LabContext,
        memory: &Rc<RefCell<SequenceMemory>>,
    ) -> crate::Result<Started<SequenceEvent>> {
        match request {
            SequenceRequest::Load if memory.borrow().loaded.is_some() => {
                Ok(Started::Now(Vec::new()))
            }
            SequenceRequest::Load => Ok(Started::Job(Box::new(LoadJob {
                fetch: context.fetch.clone(),
                memory: memory.clone(),
                events: Vec::new(),
            }))),
            SequenceRequest::Train(targets) => train(targets, memory),
            SequenceRequest::Pronounce(word) => Ok(Started::Now(vec![pronounce(&word, memory)?])),
        }
    }

    fn answers_at_once(request: &SequenceRequest) -> bool {
        matches!(request, SequenceRequest::Pronounce(_))
    }

    fn reduce(lab: &mut SequenceLab, event: SequenceEvent) {
        match event {
            SequenceEvent::Targets(t) => lab.targets = t,
            SequenceEvent::Loaded(score) => lab.teacher = Some(score),
            SequenceEvent::Student(done) => lab.students.extend(done),
            SequenceEvent::Said(said) => lab.said = Some(said),
        }
    }

    /// Its own data and teacher: a new page teacher changes nothing.
    fn after_new_teacher(lab: &SequenceLab) -> SequenceLab {
        lab.clone()
    }
}

/// The teacher's and the latest student's pronunciation of a typed word.
fn pronounce(word: &str, memory: &Rc<RefCell<SequenceMemory>>) -> crate::Result<SequenceEvent> {
    let memory = memory.borrow();
    let Some((_, teacher)) = &memory.loaded else {
        return Err(crate::Error::Settings("load CMUdict first".into()));
    };
    let cpu = Device::flex();
    let ids = letters(word)?;
    let say = |m: &Seq2Seq| {
        m.pronounce(&ids, &cpu)
            .map(|(ids, positions)| Pronunciation { ids, positions })
    };
    Ok(SequenceEvent::Said(Said {
        word: word.trim().to_lowercase(),
        teacher: say(teacher)?,
        student: memory.student.as_ref().map(say).transpose()?,
    }))
}

/// Fetches the pairs and the teacher, then scores the teacher.
struct LoadJob {
    fetch: Fetch,
    memory: Rc<RefCell<SequenceMemory>>,
    events: Vec<SequenceEvent>,
}

impl LoadJob {
    async fn load(&mut self) -> crate::Result<Flow> {
        let get = |path: &str| {
            let file = (self.fetch)(path.to_string());
            async move { file.await.map_err(crate::Error::Dataset) }
        };
        let pairs = get("assets/data/cmudict/cmudict.tsv.gz").await?;
        let teacher = get("assets/teachers/cmudict.safetensors").await?;
        let cpu = Device::flex();
        let (teacher, _, _) = load_seq2seq(&teacher, &cpu)?;
        let data = G2p::from_gz(&pairs)?;
        let score = evaluate(&teacher, test_words(&data), &cpu)?;
        self.memory.borrow_mut().loaded = Some((data, teacher));
        self.events.push(SequenceEvent::Loaded(score));
        Ok(Flow::Done)
    }
}

impl Job for LoadJob {
    type Event = SequenceEvent;

    fn step(&mut self) -> StepFuture<'_> {
        Box::pin(self.load())
    }

    fn progress(&self) -> Progress {
        Progress::new(0, 1, "CMUdict and its teacher")
    }

    fn take_events(&mut self) -> Vec<SequenceEvent> {
        std::mem::take(&mut self.events)
    }

    fn finish(&mut self, _: &Ended) -> Vec<SequenceEvent> {
        Vec::new()
    }
}

fn train(
    targets: Targets,
    memory: &Rc<RefCell<SequenceMemory>>,
) -> crate::Result<Started<SequenceEvent>> {
    let m = memory.borrow();
    let Some((data, teacher)) = &m.loaded else {
        return Err(crate::Error::Settings("load CMUdict first".into()));
    };
    let cpu = Device::flex();
    let words = &data.train[..data.train.len().min(PAGE_WORDS)];
    let settings = Seq2SeqSettings {
        targets,
        learning_rate: 3e-3,
        batch_size: 64,
        seed: 1,
        beam: 1,
    };
    // Sequence-level targets are the teacher's greedy outputs, decoded here first.
    let trainer = Seq2SeqTrainer::new(
        &Seq2SeqConfig::student(),
        words,
        Some(teacher),
        settings,
        &cpu,
    )?;
    let total = PAGE_EPOCHS * trainer.steps_per_epoch();
    Ok(Started::Job(Box::new(StudentJob {
        trainer,
        targets,
        total,
        done: 0,
        memory: memory.clone(),
        cpu,
    })))
}

/// A student learning from its targets, then scored on the page's test words.
struct StudentJob {
    trainer: Seq2SeqTrainer,
    targets: Targets,
    total: usize,
    done: usize,
    memory: Rc<RefCell<SequenceMemory>>,
    cpu: Device,
}

impl StudentJob {
    fn advance(&mut self) -> crate::Result<Flow> {
        self.trainer.step()?;
        self.done += 1;
        Ok(if self.done < self.total {
            Flow::More
        } else {
            Flow::Done
        })
    }

    fn score(&mut self) -> crate::Result<SequenceEvent> {
        let student = self.trainer.network();
        let mut memory = self.memory.borrow_mut();
        let Some((data, _)) = &memory.loaded else {
            return Err(crate::Error::Settings("CMUdict was unloaded".into()));
        };
        let score = evaluate(&student, test_words(data), &self.cpu)?;
        memory.student = Some(student);
        Ok(SequenceEvent::Student(Some((self.targets, score))))
    }
}

impl Job for StudentJob {
    type Event = SequenceEvent;

    fn step(&mut self) -> StepFuture<'_> {
        ready(self.advance())
    }

    fn progress(&self) -> Progress {
        Progress::new(self.done, self.total, "the student")
    }

    fn take_events(&mut self) -> Vec<SequenceEvent> {
        Vec::new()
    }

    fn finish(&mut self, ended: &Ended) -> Vec<SequenceEvent> {
        match ended {
            Ended::Done => vec![self.score().unwrap_or(SequenceEvent::Student(None))],
            _ => vec![SequenceEvent::Student(None)],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_name_their_likeliest_phonemes() {
        // Ids: pad, start, end, AA, AE, AH, ...
        let p = Pronunciation {
            ids: vec![3, 5],
            positions: vec![
                vec![0.0, 0.0, 0.1, 0.6, 0.3],
                vec![0.0, 0.0, 0.9, 0.05, 0.05],
            ],
        };
        assert_eq!(p.arpabet(), "AA AH");
        assert_eq!(p.top(0, 2), vec![("AA".into(), 0.6), ("AE".into(), 0.3)]);
        assert_eq!(p.top(1, 1), vec![("end".into(), 0.9)]);
        assert!(p.top(2, 3).is_empty());
        let mut lab = SequenceLab::default();
        let score = G2pScore {
            sequence_accuracy: 0.3,
            phoneme_error_rate: 0.2,
        };
        Sequence::reduce(
            &mut lab,
            SequenceEvent::Student(Some((Targets::Word, score))),
        );
        assert_eq!(lab.students.len(), 1);
    }
}
