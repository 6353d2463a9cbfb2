//! FastBERT's early exits: exits trained on the page's teacher, each taught by the teacher's own
//! final layer; then the speed S decides where each example leaves. Engine: `engine::exits`.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::Shared;
use super::plugin::{Lab, LabContext, Started};
use crate::app::jobs::{Ended, Flow, Job, Progress, StepFuture, ready};
use crate::engine::data::{Dataset, TransferConfig, TransferSet};
use crate::engine::exits::{
    ExitBranches, ExitPoint, ExitSettings, ExitTable, ExitTrainer, leave_at, network_flops,
    normalised_entropy,
};
use crate::engine::loss::host;
use crate::engine::network::{Classifier, Input, Network};
use crate::engine::train::accuracy;

/// The speed the panel opens at: most digits leave by the third layer at the teacher's accuracy.
pub const DEFAULT_SPEED: f32 = 0.2;

pub struct Exits;

#[derive(Clone, Debug, PartialEq)]
pub struct ExitsLab {
    pub speed: f32,
    pub result: Option<Shared<ExitsResult>>,
    /// Every exit's distribution for the drawing or message on show (exits × classes), with
    /// the input version it belongs to.
    pub input: Option<(u64, Vec<f32>)>,
}

impl Default for ExitsLab {
    fn default() -> Self {
        Self {
            speed: DEFAULT_SPEED,
            result: None,
            input: None,
        }
    }
}

/// Trained exits on the test set, with the points to set against them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExitsResult {
    pub table: ExitTable,
    /// The curve at 21 speeds from 0 to 1 (computed once; the slider reads the table).
    pub curve: Vec<ExitPoint>,
    pub teacher_accuracy: f32,
    /// The distilled student's accuracy and its FLOPs as a fraction of the teacher's, when
    /// there was one to measure.
    pub student: Option<(f32, f64)>,
}

impl ExitsResult {
    pub fn new(table: ExitTable, teacher_accuracy: f32, student: Option<(f32, f64)>) -> Self {
        Self {
            curve: table.curve(21),
            table,
            teacher_accuracy,
            student,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ExitsRequest {
    Train,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ExitsEvent {
    Ready(ExitsResult),
    Speed(f32),
    /// The exits' distributions for a drawn or typed input (None: back to test examples).
    Input(Option<(u64, Vec<f32>)>),
}

/// The trained exits with their teacher, for the inputs the page shows.
#[derive(Default)]
pub struct ExitsMemory {
    exits: Option<(Network, ExitBranches)>,
}

/// Epochs of the exits' training: short on text (a transformer reads every token).
fn epochs(text: bool) -> usize {
    if text { 1 } else { 10 }
}

impl Lab for Exits {
    const ID: &'static str = "exits";
    const TITLE: &'static str = "Early exits";
    const SUMMARY: &'static str = "A small classifier after every layer of the teacher learns the teacher's own answer; an example then leaves at the first exit sure enough. Drag the speed and watch accuracy against layers and FLOPs.";
    const SOURCE: &'static str = "FastBERT, Liu et al. 2020";
    const USES_INPUT: bool = true;
    type State = ExitsLab;
    type Request = ExitsRequest;
    type Event = ExitsEvent;
    type Memory = ExitsMemory;

    fn start(
        _: ExitsRequest,
        context: &LabContext,
        memory: &Rc<RefCell<ExitsMemory>>,
    ) -> crate::Result<Started<ExitsEvent>> {
        let cpu = Device::flex();
        let run = context.run()?;
        let teacher = run.teacher.to_network(&cpu)?;
        let session = run.session;
        let data = TransferSet::build(&session.split.train, &TransferConfig::default(), 1)?;
        let trainer = ExitTrainer::new(&teacher, data, ExitSettings::default(), &cpu)?;
        let total = trainer.steps_for(epochs(run.settings.dataset.is_text()));
        let student = match session.steps_done() {
            0 => None,
            _ => Some(session.distilled.network()),
        };
        Ok(Started::Job(Box::new(ExitsJob {
            trainer,
            teacher,
            test: session.split.test.clone(),
            student,
            total,
            memory: memory.clone(),
            events: Vec::new(),
            cpu,
        })))
    }

    fn reduce(lab: &mut ExitsLab, event: ExitsEvent) {
        match event {
            ExitsEvent::Ready(r) => lab.result = Some(Shared(Rc::new(r))),
            ExitsEvent::Speed(s) if s.is_finite() => lab.speed = s.clamp(0.0, 1.0),
            ExitsEvent::Speed(_) => {}
            ExitsEvent::Input(input) => lab.input = input,
        }
    }

    fn on_show(
        input: Option<&(u64, Vec<f32>)>,
        memory: &Rc<RefCell<ExitsMemory>>,
    ) -> Vec<ExitsEvent> {
        let memory = memory.borrow();
        let Some((teacher, branches)) = &memory.exits else {
            return Vec::new();
        };
        let Some((version, input)) = input else {
            return vec![ExitsEvent::Input(None)];
        };
        let cpu = Device::flex();
        let x = Tensor::<2>::from_data(TensorData::new(input.clone(), [1, input.len()]), &cpu);
        let probs = crate::engine::exits::every_exit(teacher, branches, Input::Features(x))
            .and_then(crate::engine::train::host);
        match probs {
            Ok(p) => vec![ExitsEvent::Input(Some((*version, p)))],
            Err(_) => vec![ExitsEvent::Input(None)],
        }
    }
}

/// The exits' training, then every exit's answers on the test set.
struct ExitsJob {
    trainer: ExitTrainer,
    teacher: Network,
    test: Dataset,
    /// The distilled student, when it has trained, to set against the exits.
    student: Option<Network>,
    total: usize,
    memory: Rc<RefCell<ExitsMemory>>,
    events: Vec<ExitsEvent>,
    cpu: Device,
}

impl ExitsJob {
    fn step_exits(&mut self) -> crate::Result<Flow> {
        if self.trainer.steps_done() < self.total {
            self.trainer.step()?;
            return Ok(Flow::More);
        }
        let branches = self.trainer.branches();
        let table = ExitTable::measure(&self.teacher, &branches, &self.test, &self.cpu)?;
        let teacher_accuracy = table.at(0.0).accuracy;
        let student = match &self.student {
            Some(net) => {
                let acc = accuracy(net, &self.test, &self.cpu)?;
                let full = table.full_flops().max(1) as f64;
                Some((acc, network_flops(&net.architecture()) as f64 / full))
            }
            None => None,
        };
        self.memory.borrow_mut().exits = Some((self.teacher.clone(), branches));
        self.events.push(ExitsEvent::Ready(ExitsResult::new(
            table,
            teacher_accuracy,
            student,
        )));
        Ok(Flow::Done)
    }
}

impl Job for ExitsJob {
    type Event = ExitsEvent;

    fn step(&mut self) -> StepFuture<'_> {
        ready(self.step_exits())
    }

    fn progress(&self) -> Progress {
        Progress::new(self.trainer.steps_done(), self.total, "training the exits")
    }

    fn take_events(&mut self) -> Vec<ExitsEvent> {
        std::mem::take(&mut self.events)
    }

    fn finish(&mut self, _: &Ended) -> Vec<ExitsEvent> {
        Vec::new()
    }
}

/// One exit of one example, as the panel lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct ExitRow {
    pub exit: usize,
    pub top: usize,
    pub confidence: f32,
    pub entropy: f32,
    /// The example leaves here.
    pub leaves: bool,
    /// It never reaches this exit.
    pub skipped: bool,
    /// The exit's whole distribution over the classes.
    pub probs: Vec<f32>,
}

/// Test example `i` at `speed`: every exit's top class, confidence and normalised entropy, and
/// where it leaves.
pub fn example_rows(table: &ExitTable, i: usize, speed: f32) -> Vec<ExitRow> {
    if i >= table.examples() {
        return Vec::new();
    }
    rows(&table.distributions(i), speed)
}

/// The rows of an input's exits from their distributions (flat, `classes` each).
pub fn input_rows(flat: &[f32], classes: usize, speed: f32) -> Vec<ExitRow> {
    rows(&flat.chunks(classes.max(1)).collect::<Vec<_>>(), speed)
}

fn rows(distributions: &[&[f32]], speed: f32) -> Vec<ExitRow> {
    let exit = leave_at(distributions, speed);
    distributions
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let top = host::argmax(p).unwrap_or(0);
            let confidence = p.get(top).copied().unwrap_or(0.0);
            ExitRow {
                exit: k + 1,
                top,
                confidence,
                entropy: normalised_entropy(p),
                leaves: k + 1 == exit,
                skipped: k + 1 > exit,
                probs: p.to_vec(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_leaves_at_its_first_sure_exit() {
        // Three exits, two classes: unsure, sure, sure.
        let flat = [0.5, 0.5, 0.02, 0.98, 0.01, 0.99];
        let rows = input_rows(&flat, 2, 0.2);
        let marks: Vec<(bool, bool)> = rows.iter().map(|r| (r.leaves, r.skipped)).collect();
        assert_eq!(marks, vec![(false, false), (true, false), (false, true)]);
        assert_eq!((rows[1].top, rows[0].entropy), (1, 1.0));
        // At S = 0 nothing leaves early.
        assert!(input_rows(&flat, 2, 0.0)[2].leaves);
    }
}
