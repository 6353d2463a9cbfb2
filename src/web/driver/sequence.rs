//! The sequence-level KD lab's work: CMUdict and its encoder–decoder teacher fetched on demand,
//! a student trained on the CPU engine in slices with progress, and typed words pronounced.

use burn::tensor::Device;

use super::*;
use crate::app::labs::LabAction;
use crate::app::labs::sequence::{Pronunciation, Said, SequenceAction};
use crate::engine::seq2seq::data::letters;
use crate::engine::seq2seq::{
    G2p, Seq2Seq, Seq2SeqConfig, Seq2SeqSettings, Seq2SeqTrainer, Targets, evaluate, load_seq2seq,
};
use crate::web::files;
use crate::web::pace::now_ms;

/// Words the page's student learns from, epochs, and test words it is scored on: a minute or
/// two of the CPU engine.
const PAGE_WORDS: usize = 5000;
const PAGE_EPOCHS: usize = 4;
const PAGE_TEST: usize = 500;

/// CMUdict, its teacher, and the latest student.
pub(super) struct SequenceWork {
    data: G2p,
    teacher: Seq2Seq,
    student: Option<Seq2Seq>,
}

impl Driver {
    fn seq(&self, action: SequenceAction) {
        self.emit(Action::Lab(LabAction::Sequence(action)));
    }

    /// Fetches the pairs and the teacher (once), and scores the teacher.
    pub(super) async fn load_cmudict(&mut self) {
        if self.sequence.is_some() {
            return;
        }
        self.seq(SequenceAction::Progress(
            Some((0, 1)),
            Some("CMUdict and its teacher".into()),
        ));
        match fetch_cmudict().await {
            Ok(work) => {
                let cpu = Device::flex();
                match evaluate(&work.teacher, test_words(&work.data), &cpu) {
                    Ok(score) => self.seq(SequenceAction::Loaded(score)),
                    Err(e) => self.emit(Action::Failed(format!("Scoring the teacher failed: {e}"))),
                }
                self.sequence = Some(work);
            }
            Err(e) => self.emit(Action::Failed(format!("Could not load CMUdict: {e}"))),
        }
        self.seq(SequenceAction::Progress(None, None));
    }

    /// A student learning from `targets`, then scored on the page's test words.
    pub(super) async fn train_sequence_student(&mut self, targets: Targets) {
        self.settle_worker(true).await;
        match self.sequence_student(targets).await {
            Ok(done) => self.seq(SequenceAction::Student(Some(done))),
            Err(e) => {
                self.seq(SequenceAction::Student(None));
                self.emit(Action::Failed(format!("Training the student failed: {e}")));
            }
        }
    }

    async fn sequence_student(
        &mut self,
        targets: Targets,
    ) -> crate::Result<(Targets, crate::engine::seq2seq::G2pScore)> {
        let cpu = Device::flex();
        let Some(work) = &self.sequence else {
            return Err(crate::Error::Settings("load CMUdict first".into()));
        };
        let words = &work.data.train[..work.data.train.len().min(PAGE_WORDS)];
        let what = match targets {
            Targets::Sequence | Targets::Both => "the teacher's pronunciations, then the student",
            _ => "the student",
        };
        self.seq(SequenceAction::Progress(Some((0, 1)), Some(what.into())));
        after_next_paint().await;
        let settings = Seq2SeqSettings {
            targets,
            learning_rate: 3e-3,
            batch_size: 64,
            seed: 1,
        };
        let config = Seq2SeqConfig::student();
        let mut t = Seq2SeqTrainer::new(&config, words, Some(&work.teacher), settings, &cpu)?;
        let total = PAGE_EPOCHS * t.steps_per_epoch();
        let mut done = 0;
        while done < total {
            let start = now_ms();
            while done < total && now_ms() - start < 10.0 {
                t.step()?;
                done += 1;
            }
            self.seq(SequenceAction::Progress(
                Some((done, total)),
                Some("the student".into()),
            ));
            after_next_paint().await;
        }
        let student = t.network();
        let Some(work) = &mut self.sequence else {
            return Err(crate::Error::Settings("CMUdict was unloaded".into()));
        };
        let score = evaluate(&student, test_words(&work.data), &cpu)?;
        work.student = Some(student);
        Ok((targets, score))
    }

    /// The teacher's and the student's pronunciation of a typed word.
    pub(super) fn pronounce(&mut self, word: String) {
        let Some(work) = &self.sequence else { return };
        let cpu = Device::flex();
        let said = letters(&word).and_then(|ids| {
            let say = |m: &Seq2Seq| {
                m.pronounce(&ids, &cpu)
                    .map(|(ids, positions)| Pronunciation { ids, positions })
            };
            Ok(Said {
                word: word.trim().to_lowercase(),
                teacher: say(&work.teacher)?,
                student: work.student.as_ref().map(say).transpose()?,
            })
        });
        match said {
            Ok(s) => self.seq(SequenceAction::Said(s)),
            Err(e) => self.emit(Action::Failed(e.to_string())),
        }
    }
}

fn test_words(data: &G2p) -> &[crate::engine::seq2seq::Pair] {
    &data.test[..data.test.len().min(PAGE_TEST)]
}

async fn fetch_cmudict() -> crate::Result<SequenceWork> {
    let read = |e: crate::web::error::WebError| crate::Error::Dataset(e.to_string());
    let pairs = files::fetch("assets/data/cmudict/cmudict.tsv.gz")
        .await
        .map_err(read)?;
    let teacher = files::fetch("assets/teachers/cmudict.safetensors")
        .await
        .map_err(read)?;
    let (teacher, _, _) = load_seq2seq(&teacher, &Device::flex())?;
    Ok(SequenceWork {
        data: G2p::from_gz(&pairs)?,
        teacher,
        student: None,
    })
}
