//! Sequence-level KD on CMUdict (Kim & Rush 2016): an encoder–decoder student learns from the
//! gold pronunciations, the teacher's word-level distributions, its whole outputs (greedy or
//! the best of its beam), both, or the beam's candidate nearest the gold; a typed word is
//! pronounced by the teacher and the latest student, with the teacher's beam beside it.
//! Engine: `engine::seq2seq`. It has its own data and teacher, fetched on demand.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::plugin::{Fetch, Lab, LabContext, Started};
use crate::app::jobs::{Ended, Flow, Job, Progress, StepFuture, ready};
use crate::engine::seq2seq::data::{PHONES, letters, spell};
use crate::engine::seq2seq::{
    Candidate, G2p, G2pScore, Pair, Seq2Seq, Seq2SeqConfig, Seq2SeqSettings, Seq2SeqTrainer,
    Targets, decode_targets, evaluate, load_seq2seq,
};

/// Words the page's student learns from, epochs, and test words it is scored on: a minute or
/// two of the CPU engine.
const PAGE_WORDS: usize = 5000;
const PAGE_EPOCHS: usize = 4;
const PAGE_TEST: usize = 500;
/// The widths the page offers; Kim & Rush used 5.
pub const BEAMS: [usize; 6] = [1, 2, 3, 4, 5, 8];
/// The width interpolation takes when the beam was greedy.
const INTERPOLATION_BEAM: usize = 5;
/// Words the teacher decodes in one step of a student job (progress between steps).
const DECODED_PER_STEP: usize = 100;

pub struct Sequence;

#[derive(Clone, Debug, PartialEq)]
pub struct SequenceLab {
    pub targets: Targets,
    /// The teacher's beam for sequence-level targets, interpolation and the typed word's
    /// candidates (1: greedy).
    pub beam: usize,
    /// The data and the teacher are loaded (with the teacher's score on the page's test words).
    pub teacher: Option<G2pScore>,
    /// The students trained in this visit: what each learned from, and its score.
    pub students: Vec<(Taught, G2pScore)>,
    pub said: Option<Said>,
}

impl Default for SequenceLab {
    fn default() -> Self {
        Self {
            targets: Targets::Sequence,
            beam: 1,
            teacher: None,
            students: Vec::new(),
            said: None,
        }
    }
}

/// What a student learned from: the kind of targets and the teacher's beam.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Taught {
    pub targets: Targets,
    pub beam: usize,
}

impl Taught {
    /// "sequence, beam 5"; the beam is named only where the teacher decoded the targets.
    pub fn describe(&self) -> String {
        match (self.targets.uses_beam(), self.beam) {
            (true, 1) => format!("{}, greedy", self.targets.name()),
            (true, b) => format!("{}, beam {b}", self.targets.name()),
            _ => self.targets.name().to_string(),
        }
    }
}

/// A word as the teacher and the latest student pronounce it, the teacher's beam for it, and
/// the dictionary's pronunciation when the word is in CMUdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Said {
    pub word: String,
    pub teacher: Pronunciation,
    pub student: Option<Pronunciation>,
    pub beam: Vec<Candidate>,
    pub gold: Option<Vec<u32>>,
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
    Train(Taught),
    /// A typed word as the teacher and the student say it, with the teacher's beam this wide.
    Pronounce { word: String, beam: usize },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SequenceEvent {
    Targets(Targets),
    Beam(usize),
    Loaded(G2pScore),
    Student(Option<(Taught, G2pScore)>),
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
            SequenceRequest::Train(taught) => train(taught, memory),
            SequenceRequest::Pronounce { word, beam } => {
                Ok(Started::Now(vec![pronounce(&word, beam, memory)?]))
            }
        }
    }

    fn answers_at_once(request: &SequenceRequest) -> bool {
        matches!(request, SequenceRequest::Pronounce { .. })
    }

    fn reduce(lab: &mut SequenceLab, event: SequenceEvent) {
        match event {
            SequenceEvent::Targets(t) => {
                lab.targets = t;
                // Interpolation chooses among candidates: a greedy beam has one.
                if t == Targets::Interpolated && lab.beam == 1 {
                    lab.beam = INTERPOLATION_BEAM;
                }
            }
            SequenceEvent::Beam(b) => lab.beam = b,
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

/// The teacher's and the latest student's pronunciation of a typed word, and the teacher's
/// beam of `beam` for it.
fn pronounce(
    word: &str,
    beam: usize,
    memory: &Rc<RefCell<SequenceMemory>>,
) -> crate::Result<SequenceEvent> {
    let memory = memory.borrow();
    let Some((data, teacher)) = &memory.loaded else {
        return Err(crate::Error::Settings("load CMUdict first".into()));
    };
    let cpu = Device::flex();
    let ids = letters(word)?;
    let say = |m: &Seq2Seq| {
        m.pronounce(&ids, &cpu)
            .map(|(ids, positions)| Pronunciation { ids, positions })
    };
    let gold = data.train.iter().chain(&data.test).find(|p| p.letters == ids);
    Ok(SequenceEvent::Said(Said {
        word: word.trim().to_lowercase(),
        teacher: say(teacher)?,
        student: memory.student.as_ref().map(say).transpose()?,
        beam: teacher.beam(&ids, beam, &cpu)?,
        gold: gold.map(|p| p.phones.clone()),
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
    taught: Taught,
    memory: &Rc<RefCell<SequenceMemory>>,
) -> crate::Result<Started<SequenceEvent>> {
    let m = memory.borrow();
    let Some((data, _)) = &m.loaded else {
        return Err(crate::Error::Settings("load CMUdict first".into()));
    };
    let settings = Seq2SeqSettings {
        targets: taught.targets,
        learning_rate: 3e-3,
        batch_size: 64,
        seed: 1,
        beam: taught.beam,
    };
    settings.check(true)?;
    let words = data.train.len().min(PAGE_WORDS);
    Ok(Started::Job(Box::new(StudentJob {
        phase: Phase::Decoding(Vec::with_capacity(words)),
        words,
        settings,
        taught,
        memory: memory.clone(),
        cpu: Device::flex(),
    })))
}

/// First the teacher decodes the words' targets, a few at a time; then the student learns.
enum Phase {
    Decoding(Vec<Vec<u32>>),
    Training {
        trainer: Box<Seq2SeqTrainer>,
        done: usize,
        total: usize,
    },
}

/// A student learning from its targets, then scored on the page's test words.
struct StudentJob {
    phase: Phase,
    words: usize,
    settings: Seq2SeqSettings,
    taught: Taught,
    memory: Rc<RefCell<SequenceMemory>>,
    cpu: Device,
}

impl StudentJob {
    fn advance(&mut self) -> crate::Result<Flow> {
        if let Phase::Training {
            trainer,
            done,
            total,
        } = &mut self.phase
        {
            trainer.step()?;
            *done += 1;
            return Ok(if done < total { Flow::More } else { Flow::Done });
        }
        self.decode()?;
        Ok(Flow::More)
    }

    /// The teacher decodes the next few words' targets; after the last, the student is built.
    fn decode(&mut self) -> crate::Result<()> {
        let step = self.decode_step();
        let memory = self.memory.clone();
        let memory = memory.borrow();
        let Some((data, teacher)) = &memory.loaded else {
            return Err(crate::Error::Settings("CMUdict was unloaded".into()));
        };
        let Phase::Decoding(targets) = &mut self.phase else {
            return Ok(());
        };
        let from = targets.len();
        let chunk = &data.train[from..(from + step).min(self.words)];
        targets.extend(decode_targets(Some(teacher), chunk, &self.settings, &self.cpu)?);
        if targets.len() < self.words {
            return Ok(());
        }
        let trainer = Seq2SeqTrainer::with_targets(
            &Seq2SeqConfig::student(),
            &data.train[..self.words],
            std::mem::take(targets),
            Some(teacher),
            self.settings.clone(),
            &self.cpu,
        )?;
        let total = PAGE_EPOCHS * trainer.steps_per_epoch();
        self.phase = Phase::Training {
            trainer: Box::new(trainer),
            done: 0,
            total,
        };
        Ok(())
    }

    /// Greedy decoding and the dictionary's own targets are cheap: all at once.
    fn decode_step(&self) -> usize {
        if self.settings.targets.uses_beam() && self.settings.beam > 1 {
            DECODED_PER_STEP
        } else {
            self.words
        }
    }

    fn score(&mut self) -> crate::Result<SequenceEvent> {
        let Phase::Training { trainer, .. } = &self.phase else {
            return Err(crate::Error::Settings("the student never trained".into()));
        };
        let student = trainer.network();
        let mut memory = self.memory.borrow_mut();
        let Some((data, _)) = &memory.loaded else {
            return Err(crate::Error::Settings("CMUdict was unloaded".into()));
        };
        let score = evaluate(&student, test_words(data), &self.cpu)?;
        memory.student = Some(student);
        Ok(SequenceEvent::Student(Some((self.taught, score))))
    }
}

impl Job for StudentJob {
    type Event = SequenceEvent;

    fn step(&mut self) -> StepFuture<'_> {
        ready(self.advance())
    }

    fn progress(&self) -> Progress {
        match &self.phase {
            Phase::Decoding(targets) => Progress::new(
                targets.len(),
                self.words,
                format!("the teacher's beam of {}: words", self.settings.beam),
            ),
            Phase::Training { done, total, .. } => Progress::new(*done, *total, "the student"),
        }
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
            SequenceEvent::Student(Some((
                Taught {
                    targets: Targets::Word,
                    beam: 1,
                },
                score,
            ))),
        );
        assert_eq!(lab.students.len(), 1);
    }
}
