//! An α × T sweep: the same short distillation run for every cell of a grid, each from the same
//! student initialisation on the same batches (one seed), scored by test accuracy. Only α and T
//! differ between cells, so the grid shows what they alone do.

use burn::tensor::Device;

use crate::data::{Dataset, TransferSet};
use crate::error::{Error, Result};
use crate::limits::{ALPHA, Bound, TEMPERATURE};
use crate::network::{Architecture, Network};
use crate::schedule::Schedule;
use crate::train::{DistillSettings, Trainer, accuracy};

/// Most values along one side of the grid.
pub const MAX_SIDE: usize = 12;

/// The grid's values: α down the rows, T across the columns.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SweepGrid {
    pub alphas: Vec<f32>,
    pub temperatures: Vec<f32>,
}

impl Default for SweepGrid {
    /// 5 × 5: α = 1 is the labels alone (no teacher), a row to compare the others with.
    fn default() -> Self {
        Self {
            alphas: vec![0.0, 0.25, 0.5, 0.75, 1.0],
            temperatures: vec![1.0, 2.0, 4.0, 8.0, 16.0],
        }
    }
}

impl SweepGrid {
    /// Two comma-separated lists, each checked against its bounds ("0,0.5,1" and "1,4,16").
    pub fn parse(alphas: &str, temperatures: &str) -> Result<Self> {
        Ok(Self {
            alphas: side(alphas, ALPHA)?,
            temperatures: side(temperatures, TEMPERATURE)?,
        })
    }

    pub fn len(&self) -> usize {
        self.alphas.len() * self.temperatures.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Cell `i`'s (α, T), row by row.
    pub fn cell(&self, i: usize) -> Option<(f32, f32)> {
        let columns = self.temperatures.len().max(1);
        let alpha = self.alphas.get(i / columns)?;
        let t = self.temperatures.get(i % columns)?;
        Some((*alpha, *t))
    }
}

fn side(list: &str, bound: Bound<f32>) -> Result<Vec<f32>> {
    let bad = |m: String| Error::Settings(format!("{}: {m}", bound.what));
    let mut values = Vec::new();
    for item in list.split(',').map(str::trim) {
        let v: f32 = item
            .parse()
            .map_err(|_| bad(format!("'{item}' is not a number")))?;
        values.push(bound.check(v)?);
    }
    if values.len() > MAX_SIDE {
        return Err(bad(format!(
            "at most {MAX_SIDE} values, not {}",
            values.len()
        )));
    }
    let mut sorted = values.clone();
    sorted.sort_by(f32::total_cmp);
    if sorted.windows(2).any(|w| w[0] == w[1]) {
        return Err(bad("a value is repeated".into()));
    }
    Ok(values)
}

/// The sweep's results as they come: a test accuracy per finished cell, `None` for a cell whose
/// run diverged.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SweepResult {
    pub grid: SweepGrid,
    pub steps: usize,
    pub cells: Vec<Option<f32>>,
}

impl SweepResult {
    pub fn new(grid: SweepGrid, steps: usize) -> Self {
        Self {
            grid,
            steps,
            cells: Vec::new(),
        }
    }

    /// The best finished cell: its index and accuracy (the first one on a tie).
    pub fn best(&self) -> Option<(usize, f32)> {
        let mut best: Option<(usize, f32)> = None;
        for (i, acc) in self.cells.iter().enumerate() {
            if let Some(a) = *acc
                && best.is_none_or(|(_, b)| a > b)
            {
                best = Some((i, a));
            }
        }
        best
    }

    pub fn is_done(&self) -> bool {
        self.cells.len() >= self.grid.len()
    }

    /// `alpha,temperature,steps,test_accuracy`, one line per finished cell ("diverged" where
    /// the run blew up).
    pub fn to_csv(&self) -> String {
        let mut out = String::from("alpha,temperature,steps,test_accuracy\n");
        for (i, acc) in self.cells.iter().enumerate() {
            if let Some((alpha, t)) = self.grid.cell(i) {
                let acc = acc.map_or("diverged".to_string(), |a| format!("{a:.4}"));
                out.push_str(&format!("{alpha},{t},{},{acc}\n", self.steps));
            }
        }
        out
    }
}

/// What every cell shares: the student's shape, the teacher, the transfer set, the test set and
/// the settings other than α and T.
pub struct SweepRun<'a> {
    pub student: Architecture,
    pub teacher: &'a Network,
    pub data: &'a TransferSet,
    pub test: &'a Dataset,
    pub base: DistillSettings,
    pub steps: usize,
}

impl SweepRun<'_> {
    /// The trainer for the cell (α, T): the base settings with a constant α and T, its student
    /// initialised from the base seed, like every other cell's.
    pub fn trainer(&self, alpha: f32, temperature: f32, device: &Device) -> Result<Trainer> {
        let settings = DistillSettings {
            alpha: Schedule::constant(alpha),
            temperature: Schedule::constant(temperature),
            total_steps: self.steps,
            ..self.base.clone()
        };
        Trainer::distill(
            self.student.clone(),
            self.teacher.clone(),
            self.data.clone(),
            settings,
            device,
        )
    }

    /// A cell's score once its steps are done: the student's test accuracy.
    pub fn score(&self, trainer: &Trainer, device: &Device) -> Result<f32> {
        accuracy(&trainer.network(), self.test, device)
    }

    /// One whole cell: its steps, then its score.
    pub fn run_cell(&self, alpha: f32, temperature: f32, device: &Device) -> Result<Option<f32>> {
        let mut trainer = self.trainer(alpha, temperature, device)?;
        for _ in 0..self.steps {
            match trainer.step() {
                Ok(_) => {}
                Err(e) if e.is_divergence() => return Ok(None),
                Err(e) => return Err(e),
            }
        }
        self.score(&trainer, device).map(Some)
    }

    /// Every cell in order, `progress` told after each.
    pub fn run(
        &self,
        grid: &SweepGrid,
        device: &Device,
        mut progress: impl FnMut(&SweepResult),
    ) -> Result<SweepResult> {
        let mut result = SweepResult::new(grid.clone(), self.steps);
        for i in 0..grid.len() {
            let Some((alpha, t)) = grid.cell(i) else {
                break;
            };
            result.cells.push(self.run_cell(alpha, t, device)?);
            progress(&result);
        }
        Ok(result)
    }
}
