//! What the page draws from the students: the example's (or the input's) logits, the decision
//! maps, the attention of the message shown and the layer similarity, and the live retuning of
//! T, α and the learning rate.

use super::*;
use crate::app::views::{Shown, Views};
use crate::engine::network::attention_maps;

impl Session {
    /// The views of `shown` under `settings` (they pick the augmentation shown with the text).
    pub async fn views(&self, shown: &Shown, settings: &Settings) -> crate::Result<Views> {
        let students = self.students().await?;
        let logits = match &shown.input {
            Some((_, input)) => self.input_logits(&students, input)?,
            None => self.example_logits(&students, shown.example)?,
        };
        // Text: the attention on the same sentence (a typed message's row holds token ids).
        let row = match &shown.input {
            Some((_, ids)) => ids.iter().map(|&id| id as u32).collect(),
            None => self.example_row(shown.example),
        };
        Ok(Views {
            logits,
            drawing: shown.input.as_ref().map(|(version, _)| *version),
            grid: self.grid_logits(&students)?,
            attention: self.attention(&students, &row, settings)?,
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
            TeacherProbe::new(&self.teacher_cpu, &test.subset(&rows), &self.cpu).ok()
        });
        probe.as_ref()?.against(&students.distilled, &self.cpu).ok()
    }

    /// Logits of any input (a hand-drawn digit, a clicked point) from the teacher and both students.
    pub fn input_logits(&self, students: &Students, input: &[f32]) -> crate::Result<[Vec<f32>; 3]> {
        let one = rows(input.to_vec(), &self.split);
        Ok([
            logits_host(&self.teacher_cpu, &one, &self.cpu)?,
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
    /// ids), with its tokens as words; `None` for data that is not text.
    pub fn attention(
        &self,
        students: &Students,
        row: &[u32],
        settings: &Settings,
    ) -> crate::Result<Option<ShownAttention>> {
        let Some(text) = &self.text else {
            return Ok(None);
        };
        let tokenizer = &text.split.tokenizer;
        let aug = settings.tang();
        let neighbours = if aug.p_replace > 0.0 {
            Some(text.neighbours(&self.teacher_cpu, fingerprint(&self.teacher))?)
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
        Ok(Some(ShownAttention {
            augmented,
            tokens,
            teacher: attention_maps(&self.teacher_cpu, row, &self.cpu)?,
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
    split: &Split,
    index: usize,
    run: Option<&SavedRun>,
) -> crate::Result<[Vec<f32>; 3]> {
    let cpu = Device::flex();
    let test = &split.test;
    let one = test.subset(&[index.min(test.len().saturating_sub(1))]);
    let teacher_logits = logits_host(&teacher.to_network(&cpu)?, &one, &cpu)?;
    if let Some(run) = run {
        let distilled = logits_host(&run.distilled.to_network(&cpu)?, &one, &cpu)?;
        let scratch = logits_host(&run.scratch.to_network(&cpu)?, &one, &cpu)?;
        return Ok([teacher_logits, distilled, scratch]);
    }
    let student = settings
        .student_architecture(&teacher.architecture)?
        .init(&cpu, settings.seed)?;
    let student = logits_host(&student, &one, &cpu)?;
    Ok([teacher_logits, student.clone(), student])
}
