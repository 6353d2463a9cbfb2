//! What the page draws from the students: the example's (or the input's) logits, the decision
//! maps, the attention of the message shown and the layer similarity, and the live retuning of
//! T, α and the learning rate.

use super::*;
use crate::app::piece_teacher::PieceTeacher;
use crate::app::views::{Shown, Views};
use crate::engine::network::attention_maps;

impl Session {
    /// The views of `shown` under `settings` (they pick the augmentation shown with the text).
    pub async fn views(&self, shown: &Shown, settings: &Settings) -> crate::Result<Views> {
        let students = self.students().await?;
        let logits = match &shown.input {
            Some((_, input)) => self.message_logits(&students, input, shown.text.as_deref())?,
            None => self.example_logits(&students, shown.example)?,
        };
        // Text: the attention on the same sentence (a typed message's row holds token ids).
        let row = match &shown.input {
            Some((_, ids)) => ids.iter().map(|&id| id as u32).collect(),
            None => self.example_row(shown.example),
        };
        // The sentence as written, for a teacher that reads it in its own pieces.
        let sentence = match &shown.input {
            Some(_) => shown.text.clone(),
            None => self.text.as_ref().and_then(|t| {
                let all = &t.split.test_text;
                all.get(shown.example.min(all.len().saturating_sub(1)))
                    .cloned()
            }),
        };
        Ok(Views {
            logits,
            drawing: shown.input.as_ref().map(|(version, _)| *version),
            grid: self.grid_logits(&students)?,
            attention: self.attention(&students, (&row, sentence.as_deref()), settings)?,
            similarity: match shown.similarity {
                true => self.similarity(&students),
                false => None,
            },
        })
    }

    /// Retunes both students to `settings` (T, α and the learning rate apply at once).
    pub fn retune(&mut self, settings: &Settings) -> crate::Result<()> {
        let d = settings.distill_settings();
        let mut refused = Ok(());
        for trainer in [&mut self.distilled, &mut self.scratch] {
            let now = trainer.settings();
            let changed = now.temperature != d.temperature
                || now.alpha != d.alpha
                || now.learning_rate != d.learning_rate;
            if changed && let Err(e) = trainer.retune(d.temperature, d.alpha, d.learning_rate) {
                refused = Err(e);
            }
        }
        refused
    }

    /// Linear CKA of every teacher layer (rows) with every layer of the distilled student
    /// (columns) on a fixed probe batch, the first test examples. `None` where the networks have
    /// no layers to compare (a BiLSTM or a bag of words).
    pub fn similarity(&self, students: &Students) -> Option<Vec<Vec<f32>>> {
        let probe = self.probe.get_or_init(|| {
            let test = &self.split.test;
            let rows = if self.text.is_some() { 64 } else { 200 };
            let rows: Vec<usize> = (0..test.len().min(rows)).collect();
            let probe = test.subset(&rows);
            match self.pieces() {
                Some((p, text)) => {
                    let own: Vec<f32> = rows
                        .iter()
                        .flat_map(|&i| p.row(&text.split.test_text[i]))
                        .collect();
                    let own = crate::engine::data::Dataset::new(
                        "probe pieces",
                        own,
                        probe.labels.clone(),
                        p.wordpiece.max_len(),
                        probe.classes,
                        None,
                    )
                    .ok()?;
                    TeacherProbe::read_as(&self.teacher_cpu, &own, &probe, &self.cpu).ok()
                }
                None => TeacherProbe::new(&self.teacher_cpu, &probe, &self.cpu).ok(),
            }
        });
        probe.as_ref()?.against(&students.distilled, &self.cpu).ok()
    }

    /// The teacher that reads word pieces and the set it came with (Brown's MiniLM).
    pub(super) fn pieces(&self) -> Option<(&crate::app::piece_teacher::PieceTeacher, &TextData)> {
        let text = self.text.as_deref()?;
        let p = text.pieces_for(&self.teacher.architecture).ok()??;
        Some((p, text))
    }

    /// The teacher's logits of a students' row: a teacher of word pieces reads `typed` (the
    /// sentence as written), else the row's words.
    fn teacher_logits(
        &self,
        one: &crate::engine::data::Dataset,
        typed: Option<&str>,
    ) -> crate::Result<Vec<f32>> {
        let Some((p, text)) = self.pieces() else {
            return logits_host(&self.teacher_cpu, one, &self.cpu);
        };
        let ids: Vec<u32> = one.features.iter().map(|&v| v as u32).collect();
        let sentence = match typed {
            Some(t) => t.to_string(),
            None => PieceTeacher::words_read_back(&ids, &text.split.tokenizer),
        };
        let own = crate::engine::data::Dataset::new(
            "pieces",
            p.row(&sentence),
            vec![0],
            p.wordpiece.max_len(),
            one.classes,
            None,
        )?;
        logits_host(&self.teacher_cpu, &own, &self.cpu)
    }

    /// Logits of any input (a hand-drawn digit, a clicked point) from the teacher and both students.
    pub fn input_logits(&self, students: &Students, input: &[f32]) -> crate::Result<[Vec<f32>; 3]> {
        self.message_logits(students, input, None)
    }

    /// [`Session::input_logits`] of a typed message's row, with the message as typed.
    pub fn message_logits(
        &self,
        students: &Students,
        input: &[f32],
        typed: Option<&str>,
    ) -> crate::Result<[Vec<f32>; 3]> {
        let one = rows(input.to_vec(), &self.split);
        Ok([
            self.teacher_logits(&one, typed)?,
            logits_host(&students.distilled, &one, &self.cpu)?,
            logits_host(&students.scratch, &one, &self.cpu)?,
        ])
    }

    /// Logits of test example `index` from the teacher, the distilled and the scratch student.
    pub fn example_logits(
        &self,
        students: &Students,
        index: usize,
    ) -> crate::Result<[Vec<f32>; 3]> {
        let test = &self.split.test;
        let i = index.min(test.len().saturating_sub(1));
        let one = test.subset(&[i]);
        let classes = test.classes;
        let teacher = self.teacher_test_logits[i * classes..(i + 1) * classes].to_vec();
        Ok([
            teacher,
            logits_host(&students.distilled, &one, &self.cpu)?,
            logits_host(&students.scratch, &one, &self.cpu)?,
        ])
    }

    /// The attention of the teacher and the distilled student on one sentence (`row` of token
    /// ids, and the sentence as written when known), with its tokens as words; `None` for data
    /// that is not text.
    pub fn attention(
        &self,
        students: &Students,
        (row, written): (&[u32], Option<&str>),
        settings: &Settings,
    ) -> crate::Result<Option<ShownAttention>> {
        let Some(text) = &self.text else {
            return Ok(None);
        };
        let tokenizer = &text.split.tokenizer;
        let aug = settings.tang();
        let neighbours = if aug.p_replace > 0.0 && self.pieces().is_none() {
            Some(text.neighbours(&self.teacher_cpu, self.teacher_fp)?)
        } else {
            None
        };
        let words = crate::engine::text::Tokenizer::word_ids(row);
        let mut rng = <rand::rngs::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(settings.seed);
        let augmented = (0..AUGMENTED_SHOWN)
            .map(|_| {
                let ids = crate::engine::text::augment_words(
                    &words,
                    &aug,
                    neighbours.as_deref(),
                    &mut rng,
                );
                tokenizer.decode(&tokenizer.row(&ids))
            })
            .collect();
        let tokens = row
            .iter()
            .take_while(|&&id| id != 0)
            .map(|&id| tokenizer.word(id).to_string())
            .collect();
        let (teacher, teacher_tokens) = match self.pieces() {
            None => (attention_maps(&self.teacher_cpu, row, &self.cpu)?, None),
            Some((p, _)) => {
                let sentence = match written {
                    Some(s) => s.to_string(),
                    None => PieceTeacher::words_read_back(row, tokenizer),
                };
                let pieces: Vec<u32> = p.wordpiece.encode_padded(&sentence);
                (
                    attention_maps(&self.teacher_cpu, &pieces, &self.cpu)?,
                    Some(p.tokens(&sentence)),
                )
            }
        };
        Ok(Some(ShownAttention {
            augmented,
            tokens,
            teacher_tokens,
            teacher,
            student: attention_maps(&students.distilled, row, &self.cpu)?,
        }))
    }

    /// The token ids of test example `index` (text).
    pub fn example_row(&self, index: usize) -> Vec<u32> {
        let test = &self.split.test;
        let i = index.min(test.len().saturating_sub(1));
        test.example(i).iter().map(|&v| v as u32).collect()
    }

    /// Logits over the decision-map grid of the teacher and both students (2-D sets only).
    pub fn grid_logits(&self, students: &Students) -> crate::Result<Option<[Vec<f32>; 3]>> {
        let Some(teacher) = &self.teacher_grid else {
            return Ok(None);
        };
        let grid = rows(self.grid.points(), &self.split);
        Ok(Some([
            teacher.clone(),
            logits_host(&students.distilled, &grid, &self.cpu)?,
            logits_host(&students.scratch, &grid, &self.cpu)?,
        ]))
    }
}

/// Logits of test example `index` from the teacher and the students, computed on the CPU in
/// milliseconds: shown while a GPU session warms up (compiling its kernels takes seconds). The
/// students are those of `run` when a run is being picked up, else the untrained ones, whose
/// initial weights are drawn on the host and so equal the GPU students' exactly.
pub fn preview(
    settings: &Settings,
    teacher: &NetworkWeights,
    data: &Data,
    index: usize,
    run: Option<&SavedRun>,
) -> crate::Result<[Vec<f32>; 3]> {
    let cpu = Device::flex();
    let test = &data.split.test;
    let i = index.min(test.len().saturating_sub(1));
    let one = test.subset(&[i]);
    let teacher_logits = match data.text.as_ref() {
        Some(text) if crate::app::piece_teacher::reads_pieces(&teacher.architecture) => {
            text.piece_test_row(teacher, i)?
        }
        _ => logits_host(&teacher.to_network(&cpu)?, &one, &cpu)?,
    };
    if let Some(run) = run {
        let distilled = logits_host(&run.distilled.to_network(&cpu)?, &one, &cpu)?;
        let scratch = logits_host(&run.scratch.to_network(&cpu)?, &one, &cpu)?;
        return Ok([teacher_logits, distilled, scratch]);
    }
    let student = settings
        .student_architecture(data.student_shape(&teacher.architecture))?
        .init(&cpu, settings.seed)?;
    let student = logits_host(&student, &one, &cpu)?;
    Ok([teacher_logits, student.clone(), student])
}

/// The conv teacher's first block on the image shown: `input` (a drawing) if any, else test
/// example `index`. `None` for a teacher without conv blocks.
pub fn first_block(
    teacher: &NetworkWeights,
    data: &Data,
    index: usize,
    input: Option<&[f32]>,
) -> Option<crate::engine::network::FirstBlock> {
    if !matches!(
        teacher.architecture,
        crate::engine::network::Architecture::Cnn(_)
    ) {
        return None;
    }
    let Ok(Network::Cnn(net)) = teacher.to_network(&Device::flex()) else {
        return None;
    };
    let test = &data.split.test;
    let image = match input {
        Some(pixels) => pixels,
        None => test.example(index.min(test.len().checked_sub(1)?)),
    };
    net.first_block(image)
}
