//! The method labs' work: early exits on the teacher, module replacing, and an ensemble of
//! teachers with a student distilled from it. Each runs on the CPU engine in chunks between
//! frames with progress, and reports through `Action::Lab`; the students pause meanwhile.

use burn::tensor::Device;

use super::*;
use crate::app::PageTraining;
use crate::app::labs::LabAction;
use crate::app::labs::ensemble::{EnsembleAction, MAX_TEACHERS, Member};
use crate::app::labs::exits::{ExitsAction, ExitsResult};
use crate::app::labs::theseus::{TheseusAction, TheseusResult};
use crate::engine::data::{TransferConfig, TransferSet};
use crate::engine::exits::{ExitSettings, ExitTable, ExitTrainer, network_flops};
use crate::engine::network::{Classifier, Ensemble, Network};
use crate::engine::theseus::{ReplaceRate, TheseusSettings, TheseusTrainer};
use crate::engine::train::{DistillSettings, Trainer, accuracy, logits_host};
use crate::web::pace::now_ms;

/// Epochs of each lab's training per dataset: short on text (a transformer reads every token).
fn epochs(kind: DatasetKind, images: usize, text: usize) -> usize {
    if kind.is_text() { text } else { images }
}

/// Runs `step` until `total` steps are done, in 10 ms slices with a paint between them, and
/// reports progress about 15 times a second.
async fn in_slices(
    total: usize,
    mut step: impl FnMut() -> crate::Result<()>,
    mut report: impl FnMut(usize),
) -> crate::Result<()> {
    let (mut done, mut shown) = (0, f64::NEG_INFINITY);
    while done < total {
        let start = now_ms();
        while done < total && now_ms() - start < 10.0 {
            step()?;
            done += 1;
        }
        if now_ms() - shown > 66.0 || done == total {
            shown = now_ms();
            report(done);
        }
        after_next_paint().await;
    }
    Ok(())
}

/// How lab work in cancellable slices ended.
pub(super) enum Sliced {
    Done,
    /// The work stopped itself (a run that diverged).
    Stopped,
    Cancelled,
}

impl Driver {
    /// Runs `step` (which returns the steps done, or `None` to stop) until `total` steps are
    /// done, in 10 ms slices with a paint between them, reporting about 15 times a second. A
    /// cancel (or a closed page) is heard between slices.
    pub(super) async fn in_cancellable_slices(
        &mut self,
        total: usize,
        mut step: impl FnMut() -> crate::Result<Option<usize>>,
        mut report: impl FnMut(usize),
    ) -> crate::Result<Sliced> {
        let (mut done, mut shown) = (0, f64::NEG_INFINITY);
        while done < total {
            let start = now_ms();
            while done < total && now_ms() - start < 10.0 {
                match step()? {
                    Some(d) => done = d,
                    None => return Ok(Sliced::Stopped),
                }
            }
            if now_ms() - shown > 66.0 {
                shown = now_ms();
                report(done);
            }
            after_next_paint().await;
            if !self.take_commands() || self.wanted.cancel_lab {
                return Ok(Sliced::Cancelled);
            }
        }
        Ok(Sliced::Done)
    }
}

/// Module replacing in the page: half as many successors as teacher layers, 20 + 10 epochs
/// (1 + 1 on text); the curriculum reaches p = 1 three quarters into phase 1.
fn page_theseus(
    teacher: &Network,
    examples: usize,
    kind: DatasetKind,
    curriculum: bool,
) -> TheseusSettings {
    let per_epoch = examples.div_ceil(64);
    let replacing = epochs(kind, 20, 1) * per_epoch;
    TheseusSettings {
        successors: (teacher.architecture().depth() / 2).max(1),
        rate: match curriculum {
            true => ReplaceRate::Linear {
                base: 0.3,
                slope: 0.7 / (0.75 * replacing as f32).max(1.0),
            },
            false => ReplaceRate::Constant { p: 0.5 },
        },
        replacing_steps: replacing,
        finetune_steps: epochs(kind, 10, 1) * per_epoch,
        ..TheseusSettings::default()
    }
}

impl Driver {
    fn lab(&self, action: LabAction) {
        self.emit(Action::Lab(action));
    }

    /// The teacher and the training split on the CPU engine.
    fn lab_material(&self) -> crate::Result<(Network, TransferSet)> {
        let cpu = Device::flex();
        let Some(s) = &self.run.session else {
            return Err(crate::Error::Settings("the data is still loading".into()));
        };
        let teacher = self.material.teacher.to_network(&cpu)?;
        let data = TransferSet::build(&s.split.train, &TransferConfig::default(), 1)?;
        Ok((teacher, data))
    }

    /// FastBERT: exits on the frozen teacher, taught by its own final layer, then every exit's
    /// distribution on the test set for the speed slider.
    pub(super) async fn train_exits(&mut self) {
        self.settle_worker(true).await;
        let result = self.exits_result().await;
        match result {
            Ok(r) => self.lab(LabAction::Exits(ExitsAction::Ready(r))),
            Err(e) => {
                self.lab(LabAction::Exits(ExitsAction::Progress(None)));
                self.emit(Action::Failed(format!("Training the exits failed: {e}")));
            }
        }
    }

    async fn exits_result(&mut self) -> crate::Result<ExitsResult> {
        let cpu = Device::flex();
        let (teacher, data) = self.lab_material()?;
        let kind = self.wanted.settings.dataset;
        let mut trainer = ExitTrainer::new(&teacher, data, ExitSettings::default(), &cpu)?;
        let total = trainer.steps_for(epochs(kind, 10, 1));
        let events = self.events.clone();
        let report = |done| {
            events.dispatch(Action::Lab(LabAction::Exits(ExitsAction::Progress(Some(
                (done, total),
            )))))
        };
        in_slices(total, || trainer.step().map(|_| ()), report).await?;
        let Some(s) = &self.run.session else {
            return Err(crate::Error::Settings("the data changed".into()));
        };
        let branches = trainer.branches();
        let table = ExitTable::measure(&teacher, &branches, &s.split.test, &cpu)?;
        self.labs.exits = Some((teacher.clone(), branches));
        self.labs.exit_input = None;
        let teacher_accuracy = table.at(0.0).accuracy;
        let student = match s.steps_done() {
            0 => None,
            _ => {
                let net = crate::engine::weights::NetworkWeights::from_network_async(
                    &s.distilled.network(),
                )
                .await?
                .to_network(&cpu)?;
                let acc = accuracy(&net, &s.split.test, &cpu)?;
                let full = table.full_flops().max(1) as f64;
                Some((acc, network_flops(&net.architecture()) as f64 / full))
            }
        };
        Ok(ExitsResult::new(table, teacher_accuracy, student))
    }

    /// BERT-of-Theseus on the page's teacher: half as many successors as teacher layers, then
    /// the same student distilled by KD from the same start, for as many steps.
    pub(super) async fn replace_modules(&mut self, curriculum: bool) {
        self.settle_worker(true).await;
        if let Err(e) = self.theseus_run(curriculum).await {
            self.lab(LabAction::Theseus(TheseusAction::Done(None)));
            self.emit(Action::Failed(format!("Module replacing failed: {e}")));
        }
    }

    async fn theseus_run(&mut self, curriculum: bool) -> crate::Result<()> {
        let cpu = Device::flex();
        let (teacher, data) = self.lab_material()?;
        let settings = page_theseus(
            &teacher,
            data.len(),
            self.wanted.settings.dataset,
            curriculum,
        );
        let replacing = settings.replacing_steps;
        let mut t = TheseusTrainer::new(&teacher, &data, settings, &cpu)?;
        let (total, initial) = (t.total_steps(), t.network());
        self.lab(LabAction::Theseus(TheseusAction::Start {
            modules: t.modules().iter().map(|m| (m.start + 1, m.end)).collect(),
            replacing_steps: replacing,
            total,
        }));
        let Some(split) = self.run.session.as_ref().map(|s| s.split.clone()) else {
            return Ok(());
        };
        self.replace_in_slices(&mut t, &split.test).await?;
        let theseus_accuracy = accuracy(&t.network(), &split.test, &cpu)?;
        let kd_accuracy = self.kd_from(&initial, &teacher, data, total).await?;
        self.lab(LabAction::Theseus(TheseusAction::Done(Some(
            TheseusResult {
                student: initial.architecture().describe(),
                teacher_accuracy: accuracy(&teacher, &split.test, &cpu)?,
                theseus_accuracy,
                kd_accuracy,
            },
        ))));
        Ok(())
    }

    /// Every step of `t`, in 10 ms slices: the steps go to the strip, and the successors'
    /// accuracy alone about twelve times over the run.
    async fn replace_in_slices(
        &self,
        t: &mut TheseusTrainer,
        test: &crate::engine::data::Dataset,
    ) -> crate::Result<()> {
        let (cpu, total) = (Device::flex(), t.total_steps());
        let every = (total / 12).max(1);
        let mut batch = Vec::new();
        let send = |batch: &mut Vec<_>| {
            self.lab(LabAction::Theseus(TheseusAction::Steps(std::mem::take(
                batch,
            ))))
        };
        let mut slice = 0.0;
        while t.steps_done() < total {
            let s = t.step()?;
            let step = s.step;
            batch.push(s);
            if step % every == 0 || step == total {
                send(&mut batch);
                let acc = accuracy(&t.network(), test, &cpu)?;
                self.lab(LabAction::Theseus(TheseusAction::Accuracy(step, acc)));
            }
            if now_ms() - slice > 10.0 {
                send(&mut batch);
                after_next_paint().await;
                slice = now_ms();
            }
        }
        Ok(())
    }

    /// The Theseus student distilled by KD (the page's T and α) from the same start.
    async fn kd_from(
        &mut self,
        initial: &Network,
        teacher: &Network,
        data: TransferSet,
        steps: usize,
    ) -> crate::Result<f32> {
        let cpu = Device::flex();
        let w = &self.wanted.settings;
        let settings = DistillSettings {
            temperature: crate::engine::schedule::Schedule::constant(w.temperature),
            alpha: crate::engine::schedule::Schedule::constant(w.alpha),
            total_steps: steps,
            seed: 1,
            ..Default::default()
        };
        let mut kd = Trainer::distill(
            initial.architecture(),
            teacher.clone(),
            data,
            settings,
            &cpu,
        )?;
        kd.restore(
            crate::engine::weights::NetworkWeights::from_network(initial)?,
            0,
        )?;
        let events = self.events.clone();
        let report = |done| {
            events.dispatch(Action::Lab(LabAction::Theseus(TheseusAction::KdProgress(
                done, steps,
            ))));
        };
        in_slices(steps, || kd.step().map(|_| ()), report).await?;
        let test = self.run.session.as_ref().map(|s| s.split.clone());
        match test {
            Some(split) => accuracy(&kd.network(), &split.test, &cpu),
            None => Err(crate::Error::Settings("the data changed".into())),
        }
    }

    /// Another teacher of the page teacher's shape, trained here with the next seed.
    pub(super) async fn add_ensemble_teacher(&mut self) {
        self.settle_worker(true).await;
        let base = crate::app::text_data::fingerprint(&self.material.teacher);
        if self.labs.base != Some(base) {
            self.labs = LabWork {
                base: Some(base),
                ..LabWork::default()
            };
        }
        if self.labs.members.len() + 1 >= MAX_TEACHERS {
            return self.emit(Action::Failed(format!(
                "An ensemble here has at most {MAX_TEACHERS} teachers."
            )));
        }
        let Some(s) = &self.run.session else { return };
        let vocab = self.material.teacher.architecture.vocab();
        let kind = self.wanted.settings.dataset;
        let seed = 3 + self.labs.members.len() as u64;
        let plan = PageTraining {
            seed,
            ..PageTraining::teacher(kind, vocab)
        };
        let what = format!("teacher {} (seed {seed})", self.labs.members.len() + 2);
        self.lab(LabAction::Ensemble(EnsembleAction::Progress(
            Some((0, 1)),
            Some(what),
        )));
        match work::train_network(s, None, &plan, &self.events).await {
            Ok((weights, _)) => {
                self.labs.members.push((weights, seed));
                if let Err(e) = self.report_members() {
                    self.emit(Action::Failed(e.to_string()));
                }
            }
            Err(e) => self.emit(Action::Failed(format!(
                "Training another teacher failed: {e}. The ensemble is as it was."
            ))),
        }
        self.emit(Action::TeacherProgress(None));
        self.lab(LabAction::Ensemble(EnsembleAction::Progress(None, None)));
    }

    /// Every teacher of the ensemble on the CPU: the page's first.
    fn ensemble_members(&self) -> crate::Result<Vec<Network>> {
        let cpu = Device::flex();
        std::iter::once(&self.material.teacher)
            .chain(self.labs.members.iter().map(|(w, _)| w))
            .map(|w| w.to_network(&cpu))
            .collect()
    }

    /// Each teacher's accuracy and test logits, for the panel (which recombines them live).
    fn report_members(&self) -> crate::Result<()> {
        let cpu = Device::flex();
        let Some(s) = &self.run.session else {
            return Ok(());
        };
        let mut members = Vec::new();
        let mut logits = Vec::new();
        for (k, net) in self.ensemble_members()?.iter().enumerate() {
            let l = logits_host(net, &s.split.test, &cpu)?;
            let name = match k {
                0 => "the page's teacher".to_string(),
                k => format!(
                    "teacher {} (trained here, seed {})",
                    k + 1,
                    self.labs.members[k - 1].1
                ),
            };
            members.push(Member {
                name,
                accuracy: accuracy(net, &s.split.test, &cpu)?,
            });
            logits.push(l);
        }
        self.lab(LabAction::Ensemble(EnsembleAction::Members(
            members, logits,
        )));
        Ok(())
    }

    /// A student of the page's shape distilled from the ensemble; the weights the sliders set
    /// reach it between slices.
    pub(super) async fn distil_ensemble(&mut self, teacher_sized: bool) {
        self.settle_worker(true).await;
        if let Err(e) = self.ensemble_student(teacher_sized).await {
            self.lab(LabAction::Ensemble(EnsembleAction::StudentDone(None)));
            self.emit(Action::Failed(format!(
                "Distilling from the ensemble failed: {e}"
            )));
        }
    }

    async fn ensemble_student(&mut self, teacher_sized: bool) -> crate::Result<()> {
        let cpu = Device::flex();
        let (_, data) = self.lab_material()?;
        let members = self.ensemble_members()?;
        let ensemble = Ensemble::new(members, &self.ensemble_weights(1 + self.labs.members.len()))?;
        let w = &self.wanted.settings;
        let teacher = &self.material.teacher.architecture;
        let student = match teacher_sized {
            true => teacher.clone(),
            false => w.student_architecture(teacher)?,
        };
        let total = epochs(w.dataset, 30, 1) * data.len().div_ceil(64);
        let settings = DistillSettings {
            temperature: crate::engine::schedule::Schedule::constant(w.temperature),
            alpha: crate::engine::schedule::Schedule::constant(w.alpha),
            total_steps: total,
            seed: 1,
            ..Default::default()
        };
        let described = student.describe();
        let mut t = Trainer::distill_ensemble(student, ensemble, data, settings, &cpu)?;
        let mut applied = t.teacher_weights().to_vec();
        while t.steps_done() < total {
            let start = now_ms();
            while t.steps_done() < total && now_ms() - start < 10.0 {
                t.step()?;
            }
            self.lab(LabAction::Ensemble(EnsembleAction::Progress(
                Some((t.steps_done(), total)),
                Some(format!("the student ({described})")),
            )));
            after_next_paint().await;
            // The sliders move the ensemble while the student learns from it.
            if !self.take_commands() {
                return Ok(());
            }
            let wanted = self.ensemble_weights(applied.len());
            if wanted != applied {
                match t.set_teacher_weights(&wanted) {
                    Ok(()) => applied = wanted,
                    Err(e) => self.emit(Action::Failed(e.to_string())),
                }
            }
        }
        let Some(s) = &self.run.session else {
            return Ok(());
        };
        let acc = accuracy(&t.network(), &s.split.test, &cpu)?;
        self.lab(LabAction::Ensemble(EnsembleAction::StudentDone(Some(acc))));
        Ok(())
    }

    /// The weights the sliders set, for `members` teachers (1 for any not set yet).
    fn ensemble_weights(&self, members: usize) -> Vec<f32> {
        let mut w = self.wanted.ensemble_weights.clone();
        w.resize(members, 1.0);
        w
    }
}

/// The teachers trained here for an ensemble, with their seeds, and the page teacher they were
/// trained beside (another teacher starts a new ensemble); the trained exits with their
/// teacher, and the input version their view last showed.
#[derive(Default)]
pub(super) struct LabWork {
    pub base: Option<u64>,
    pub members: Vec<(crate::engine::weights::NetworkWeights, u64)>,
    pub exits: Option<(Network, crate::engine::exits::ExitBranches)>,
    pub exit_input: Option<u64>,
}

impl Driver {
    /// Every exit's distribution for the drawing or message on show, when it changed (the
    /// exits panel lists them instead of a test example's).
    pub(super) fn exit_view(&mut self) {
        let Some((teacher, branches)) = &self.labs.exits else {
            return;
        };
        let version = self.wanted.input.as_ref().map(|(v, _)| *v);
        if version == self.labs.exit_input {
            return;
        }
        self.labs.exit_input = version;
        let Some((version, input)) = &self.wanted.input else {
            return self.lab(LabAction::Exits(ExitsAction::Input(None)));
        };
        let cpu = Device::flex();
        let x = burn::tensor::Tensor::<2>::from_data(
            burn::tensor::TensorData::new(input.clone(), [1, input.len()]),
            &cpu,
        );
        let probs = crate::engine::exits::every_exit(
            teacher,
            branches,
            crate::engine::network::Input::Features(x),
        )
        .and_then(|p| {
            p.into_data()
                .try_to_vec::<f32>()
                .map_err(|e| crate::Error::Read(format!("{e:?}")))
        });
        match probs {
            Ok(p) => self.lab(LabAction::Exits(ExitsAction::Input(Some((*version, p))))),
            Err(e) => self.emit(Action::Failed(format!(
                "The exits could not read the input: {e}"
            ))),
        }
    }
}
