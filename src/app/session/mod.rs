//! The page's training session: the teacher, the data, the distilled student and the scratch
//! student, stepped in time-boxed chunks. Metrics and displayed logits are computed on a CPU copy
//! of the student's weights, read asynchronously, so WebGPU never sees a synchronous read. The
//! data is one of the page's datasets (digits built in; MNIST and the toy teachers fetched).

mod compression;
mod first_pass;
mod lesson;
mod views;

use first_pass::transfer_set;
pub use first_pass::{PAGE_PIECE_READS, Share, first_pass, unread_rows};
pub use lesson::{Between, Lesson};
pub use views::{first_block, preview};

use std::cell::OnceCell;
use std::rc::Rc;

use burn::tensor::Device;

pub use crate::app::CurvePoint;
use crate::app::data::Data;
use crate::app::loss_window::LossWindow;
use crate::app::saved_run::SavedRun;
use crate::app::text_data::{TextData, fingerprint};
pub use crate::app::views::{AUGMENTED_SHOWN, Compression, KindCost, ShownAttention};
use crate::app::{Settings, omitted_class_report};
use crate::engine::cka::TeacherProbe;
use crate::engine::data::Split;
use crate::engine::decision_map::{MapGrid, page_grid};
#[cfg(test)]
use crate::engine::network::Mlp;
use crate::engine::network::{Classifier, Network};
use crate::engine::train::{KnownLogits, Trainer, fraction_equal, logits_host, predictions};
use crate::engine::weights::NetworkWeights;

/// Both students on the CPU, read once per refresh and shared by the views that need them.
pub struct Students {
    distilled: Network,
    scratch: Network,
}

pub struct Session {
    pub split: Rc<Split>,
    /// The text set's sentences and tokenizer (text only).
    pub text: Option<Rc<TextData>>,
    /// Teacher logits of every test example, `[test, classes]`, computed once.
    pub teacher_test_logits: Vec<f32>,
    /// Teacher logits over the decision-map grid (2-D sets only), computed once.
    teacher_grid: Option<Vec<f32>>,
    pub distilled: Trainer,
    pub scratch: Trainer,
    pub teacher: NetworkWeights,
    /// What the students read: the teacher's rows, or the set's words under a piece teacher.
    pub student_shape: crate::engine::network::spec::Shape,
    /// Its [`fingerprint`], taken once (MiniLM has 17 million values).
    teacher_fp: u64,
    /// The teacher on the CPU, for drawn digits and timing (built once).
    teacher_cpu: Network,
    omit_class: Option<u8>,
    device: Device,
    cpu: Device,
    /// Running sums since the last curve point.
    window: LossWindow,
    /// The plane the decision maps show (2-D sets).
    grid: MapGrid,
    /// The teacher's layers on the probe batch of the layer-similarity view, made when first
    /// asked for (`None` inside: a teacher without comparable layers).
    probe: OnceCell<Option<TeacherProbe>>,
}

/// A batch of 2-D points (or any rows) as a dataset the evaluation helpers take.
fn rows(features: Vec<f32>, split: &Split) -> crate::engine::data::Dataset {
    let dim = split.test.dim;
    crate::engine::data::Dataset {
        name: "page input".into(),
        labels: vec![0; features.len() / dim.max(1)],
        features,
        dim,
        classes: split.test.classes,
        image: split.test.image,
    }
}

impl Session {
    /// Both students for `settings`, under `teacher`, on `data`. A text teacher first reads
    /// the sentences it has not read yet, a slice at a time, awaiting `between(done, total)`
    /// after each.
    pub async fn new<F: std::future::Future<Output = ()>>(
        settings: &Settings,
        device: Device,
        teacher: &NetworkWeights,
        data: &Data,
        between: impl FnMut(usize, usize) -> F,
    ) -> crate::Result<Self> {
        let split = data.split.clone();
        let cpu = Device::flex();
        let teacher_weights = teacher.clone();
        let teacher = teacher_weights.to_network(&device)?;
        let teacher_cpu = teacher_weights.to_network(&cpu)?;
        let text = data.text.clone();
        let fp = fingerprint(&teacher_weights);
        let (transfer, known) =
            transfer_set(settings, data, (&teacher_cpu, fp), Share::WHOLE, between).await?;
        let (teacher_test_logits, teacher_grid) =
            teacher_views((&teacher_cpu, fp), data, known.as_ref(), &cpu)?;
        let student_shape = data.student_shape(&teacher_weights.architecture);
        let config = settings.student_architecture(student_shape)?;
        let distill_settings = settings.distill_settings();
        // Same transfer set and seed, so the same batches in the same order: the scratch student
        // learns from the labels in them, the distilled one also from the teacher.
        let scratch = Trainer::supervised(
            config.clone(),
            transfer.clone(),
            distill_settings.clone(),
            &device,
        )?;
        let mut distilled = Trainer::distill_known(
            config,
            teacher,
            transfer,
            distill_settings,
            &device,
            known.as_ref(),
        )?;
        // The page shows how hard each term pulls on the logits (the loss laid bare).
        distilled.probe_gradients(true);
        Ok(Self {
            split,
            text,
            teacher_test_logits,
            teacher_grid,
            distilled,
            scratch,
            teacher: teacher_weights,
            teacher_fp: fp,
            student_shape,
            teacher_cpu,
            omit_class: settings.omit_class,
            device,
            cpu,
            window: LossWindow::default(),
            grid: page_grid(data.kind),
            probe: OnceCell::new(),
        })
    }

    /// The device the students train on.
    pub fn device(&self) -> Device {
        self.device.clone()
    }

    pub fn steps_done(&self) -> usize {
        self.distilled.steps_done()
    }

    /// Steps per device read on the CPU: a text step takes tens of milliseconds (not the bag of
    /// words'), so one at a time.
    pub fn steps_per_read(&self, settings: &Settings) -> usize {
        let slow_text =
            self.text.is_some() && settings.student_kind != crate::engine::network::NetKind::Bow;
        if slow_text { 1 } else { 5 }
    }

    /// Steps between two curve points (a large test set costs more to evaluate).
    pub fn point_every(&self) -> usize {
        if self.split.test.len() > 2000 {
            100
        } else {
            25
        }
    }

    /// `n` steps of each student, their numbers read back once per student. The two stay in
    /// lockstep: if either fails (a divergence, a lost device), both go back to where the chunk
    /// began, so they keep seeing the same batches.
    pub async fn steps(&mut self, n: usize) -> crate::Result<()> {
        self.steps_between(n, || std::future::ready(())).await
    }

    /// [`Session::steps`], awaiting `between` after the distilled student's steps, before the
    /// scratch student's: a text step takes long enough that the page handles input there.
    pub async fn steps_between<F: std::future::Future<Output = ()>>(
        &mut self,
        n: usize,
        mut between: impl FnMut() -> F,
    ) -> crate::Result<()> {
        let marks = (self.distilled.checkpoint(), self.scratch.checkpoint());
        let stepped = match self.distilled.steps_async(n).await {
            Ok(metrics) => {
                between().await;
                self.scratch.steps_async(n).await.map(|_| metrics)
            }
            Err(e) => Err(e),
        };
        let metrics = match stepped {
            Ok(metrics) => metrics,
            Err(e) => {
                self.distilled.rewind(marks.0)?;
                self.scratch.rewind(marks.1)?;
                return Err(e);
            }
        };
        let (beta, gamma) = (
            self.distilled.settings().beta,
            self.distilled.settings().gamma,
        );
        for m in &metrics {
            self.window.add(m, beta, gamma);
        }
        Ok(())
    }

    /// Lets both students train again after a divergence stop.
    pub fn resume(&mut self) {
        self.distilled.resume();
        self.scratch.resume();
    }

    /// Both students' weights, read asynchronously, with what is needed to pick the run up again.
    pub async fn snapshot(
        &self,
        settings: &Settings,
        curves: &[CurvePoint],
    ) -> crate::Result<SavedRun> {
        Ok(SavedRun {
            settings: settings.clone(),
            steps: self.steps_done(),
            curves: curves.to_vec(),
            distilled: NetworkWeights::from_network_async(&self.distilled.network()).await?,
            scratch: NetworkWeights::from_network_async(&self.scratch.network()).await?,
        })
    }

    /// Continues a saved run in this session (same students, same batches from its step on).
    pub fn restore(&mut self, run: &SavedRun) -> crate::Result<()> {
        self.distilled.restore(run.distilled.clone(), run.steps)?;
        self.scratch.restore(run.scratch.clone(), run.steps)?;
        self.window = LossWindow::default();
        Ok(())
    }

    /// A CPU copy of a network, read asynchronously.
    async fn on_cpu(&self, net: &Network) -> crate::Result<Network> {
        NetworkWeights::from_network_async(net)
            .await?
            .to_network(&self.cpu)
    }

    /// The distilled student's accuracy on the test set, read from its device and evaluated in
    /// slices (awaiting `between` after each), like a curve point.
    pub async fn distilled_accuracy<F: std::future::Future<Output = ()>>(
        &self,
        mut between: impl FnMut() -> F,
    ) -> crate::Result<f32> {
        let net = self.on_cpu(&self.distilled.network()).await?;
        let test = &self.split.test;
        let logits = self.logits_sliced(&net, test, &mut between).await?;
        let labels = test.labels.iter().map(|l| usize::from(*l));
        Ok(fraction_equal(&predictions(&logits, test.classes), labels))
    }

    /// Both students, read from their device once.
    pub async fn students(&self) -> crate::Result<Students> {
        Ok(Students {
            distilled: self.on_cpu(&self.distilled.network()).await?,
            scratch: self.on_cpu(&self.scratch.network()).await?,
        })
    }

    /// Logits of a large set in slices (2,000 rows, or 96 messages), awaiting `between` after
    /// each, so a full MNIST or text evaluation never holds the page for long.
    async fn logits_sliced<F: std::future::Future<Output = ()>>(
        &self,
        net: &Network,
        data: &crate::engine::data::Dataset,
        between: &mut impl FnMut() -> F,
    ) -> crate::Result<Vec<f32>> {
        // A text message costs a transformer far more than an image an MLP: smaller slices.
        let slice = if self.text.is_some() { 96 } else { 2000 };
        if data.len() <= slice {
            return logits_host(net, data, &self.cpu);
        }
        let mut out = Vec::with_capacity(data.len() * data.classes);
        for start in (0..data.len()).step_by(slice) {
            let part = rows(
                data.features[start * data.dim..(start + slice).min(data.len()) * data.dim]
                    .to_vec(),
                &self.split,
            );
            out.extend(logits_host(net, &part, &self.cpu)?);
            between().await;
        }
        Ok(out)
    }

    /// Test metrics of both students, and the losses averaged since the last point.
    pub async fn curve_point<F: std::future::Future<Output = ()>>(
        &mut self,
        mut between: impl FnMut() -> F,
    ) -> crate::Result<CurvePoint> {
        let split = self.split.clone();
        let test = &split.test;
        let labels: Vec<usize> = test.labels.iter().map(|l| usize::from(*l)).collect();
        let frac = |a: &[usize], b: &[usize]| fraction_equal(a, b.iter().copied());
        let students = self.students().await?;
        let test_logits = self
            .logits_sliced(&students.distilled, test, &mut between)
            .await?;
        let preds = predictions(&test_logits, test.classes);
        let scratch_logits = self
            .logits_sliced(&students.scratch, test, &mut between)
            .await?;
        let scratch_preds = predictions(&scratch_logits, test.classes);
        let teacher_preds = predictions(&self.teacher_test_logits, test.classes);
        let omitted = match self.omit_class {
            None => None,
            Some(class) => {
                let train = &split.train;
                let train_logits = self
                    .logits_sliced(&students.distilled, train, &mut between)
                    .await?;
                Some(omitted_class_report(
                    class,
                    test.classes,
                    (&train_logits, &train.labels),
                    (&test_logits, &test.labels),
                ))
            }
        };
        let means = self.window.take();
        let [hard, soft, hidden, attention] = means.parts;
        Ok(CurvePoint {
            step: self.steps_done(),
            hard,
            soft,
            hidden,
            attention,
            logit_gradients: means.gradients,
            train_accuracy: means.train_accuracy,
            test_accuracy: frac(&preds, &labels),
            scratch_test_accuracy: frac(&scratch_preds, &labels),
            agreement: frac(&preds, &teacher_preds),
            omitted,
        })
    }
}

/// The teacher's logits of every test example (read already when the teacher read the text
/// set) and, on a 2-D set, of the decision-map grid: computed once per session.
fn teacher_views(
    (teacher_cpu, fp): (&Network, u64),
    data: &Data,
    known: Option<&KnownLogits>,
    cpu: &Device,
) -> crate::Result<(Vec<f32>, Option<Vec<f32>>)> {
    let split = &data.split;
    let pieces = match &data.text {
        Some(text) => text.piece_test_logits(teacher_cpu, fp)?,
        None => None,
    };
    let test = match (pieces, known.and_then(|k| k.all(&split.test.features))) {
        (Some(l), _) | (None, Some(l)) => l,
        (None, None) => logits_host(teacher_cpu, &split.test, cpu)?,
    };
    let grid = match split.test.dim {
        2 => Some(logits_host(
            teacher_cpu,
            &rows(page_grid(data.kind).points(), split),
            cpu,
        )?),
        _ => None,
    };
    Ok((test, grid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::loading::{built_in_teacher, load_text_set};
    use crate::engine::catalog::DatasetKind;
    use crate::engine::network::NetKind;
    use crate::engine::train::DistillSettings;
    use futures_lite::future::block_on;

    fn session(settings: &Settings) -> Session {
        let data = Data::features(DatasetKind::Digits, crate::engine::data::digits().unwrap());
        let teacher = built_in_teacher().unwrap();
        block_on(Session::new(
            settings,
            Device::flex(),
            &teacher,
            &data,
            nothing,
        ))
        .unwrap()
    }

    async fn nothing(_: usize, _: usize) {}

    /// Files of the repository, as the page's server would give them.
    fn served(path: String) -> std::future::Ready<Result<Vec<u8>, String>> {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(&path);
        std::future::ready(std::fs::read(file).map_err(|e| format!("{path}: {e}")))
    }

    #[test]
    fn the_text_set_loads_with_its_teachers_tokenizer_and_failures_say_which_file() {
        let (text, teacher) = block_on(load_text_set(&served)).unwrap();
        assert_eq!(teacher.architecture.kind(), "transformer");
        assert_eq!((text.train.len(), text.test.len()), (4670, 1167));
        assert_eq!(
            Some(text.tokenizer.vocab_size()),
            teacher.architecture.vocab()
        );
        // A missing file, and a teacher that is not a text teacher.
        let missing = |path: String| {
            let gone = path.ends_with(".tsv.gz");
            let out = served(path.clone());
            async move {
                if gone {
                    Err(format!("{path}: 404"))
                } else {
                    out.await
                }
            }
        };
        let err = block_on(load_text_set(&missing))
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("spam.tsv.gz: 404"), "{err}");
        let digits = |path: String| served(path.replace("spam.safetensors", "digits.safetensors"));
        let err = block_on(load_text_set(&digits))
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("has no tokenizer"), "{err}");
    }

    #[test]
    fn text_students_of_each_kind_train_and_show_their_attention() {
        let (text, teacher) = block_on(load_text_set(&served)).unwrap();
        let data = Data::text(DatasetKind::Spam, text);
        let reads = std::cell::Cell::new(0);
        let build = |settings: &Settings| {
            let counting = |_: usize, _: usize| {
                reads.set(reads.get() + 1);
                std::future::ready(())
            };
            block_on(Session::new(
                settings,
                Device::flex(),
                &teacher,
                &data,
                counting,
            ))
            .unwrap()
        };
        let base = Settings {
            text_width: 16,
            text_depth: 1,
            batch_size: 8,
            ..Settings::default().with_dataset(DatasetKind::Spam)
        };
        let s = build(&base);
        let first_reads = reads.get();
        // A slice of 48 at a time (some messages read as the same tokens: fewer slices).
        assert!(
            (100..=(4670 + 1167usize).div_ceil(48)).contains(&first_reads),
            "{first_reads}"
        );
        let c = block_on(s.compression(&base, || 0.0, || std::future::ready(()))).unwrap();
        let kinds: Vec<_> = c.kinds.iter().map(|k| k.kind.name()).collect();
        assert_eq!(
            (kinds, c.examples),
            (vec!["transformer", "bilstm", "bow"], 16)
        );
        for kind in [NetKind::Transformer, NetKind::Bilstm] {
            let mut s = build(&base.with_kind(kind).unwrap());
            assert_eq!(reads.get(), first_reads, "the teacher read nothing again");
            block_on(s.steps(2)).unwrap();
            let students = block_on(s.students()).unwrap();
            let row = s.example_row(0);
            let shown = s
                .attention(&students, (&row, None), &base)
                .unwrap()
                .unwrap();
            assert_eq!(shown.augmented.len(), AUGMENTED_SHOWN);
            assert_eq!(shown.tokens[0], "[CLS]");
            let teacher = shown.teacher.unwrap();
            assert_eq!(
                (teacher.attention.len(), teacher.tokens),
                (4, shown.tokens.len())
            );
            assert_eq!(
                shown.student.is_some(),
                kind == NetKind::Transformer,
                "{kind:?}"
            );
            let row: Vec<f32> = row.iter().map(|&id| id as f32).collect();
            let [t, d, _] = s.input_logits(&students, &row).unwrap();
            assert_eq!(t, s.example_logits(&students, 0).unwrap()[0]);
            assert_eq!(d.len(), 3);
        }
        // Tang's copies join the transfer set, one per sentence; only they are new to the teacher.
        let augmented = Settings {
            augment_copies: 1,
            ..base
        };
        let s = build(&augmented);
        assert_eq!(s.distilled.transfer_set().len(), 2 * 4670);
        assert!(reads.get() > first_reads && reads.get() <= first_reads + 4670usize.div_ceil(48));
    }

    /// Each setting the table calls live reaches both running students at their next step,
    /// without a rebuild: the step count stays.
    #[test]
    fn every_live_setting_reaches_the_running_students() {
        use crate::app::settings::table::{Applies, TABLE};
        let mut s = session(&Settings::default());
        block_on(s.steps(3)).unwrap();
        for e in TABLE.iter().filter(|e| e.applies == Applies::Live) {
            let (changed, ignored) = Settings::from_hash(e.example);
            assert!(ignored.is_empty());
            s.retune(&changed).unwrap();
            let want = DistillSettings {
                total_steps: s.distilled.settings().total_steps,
                ..changed.distill_settings()
            };
            assert_eq!(s.distilled.settings(), &want, "{}", e.key);
            assert_eq!(
                s.scratch.settings().learning_rate,
                want.learning_rate,
                "{}",
                e.key
            );
            block_on(s.steps(1)).unwrap();
        }
        assert_eq!(s.steps_done(), 3 + 3);
    }

    #[test]
    fn both_students_step_together() {
        let mut s = session(&Settings::default());
        block_on(s.steps(5)).unwrap();
        assert_eq!((s.distilled.steps_done(), s.scratch.steps_done()), (5, 5));
    }

    /// The scratch student failing in the second half of a chunk must not leave the distilled
    /// one ahead: both go back to where the chunk began.
    #[test]
    fn a_failing_student_keeps_the_two_in_lockstep() {
        let mut s = session(&Settings::default());
        block_on(s.steps(5)).unwrap();
        s.scratch.map_network(Mlp::poisoned);
        let err = block_on(s.steps(5)).unwrap_err();
        assert!(err.is_divergence(), "{err}");
        assert_eq!((s.distilled.steps_done(), s.scratch.steps_done()), (5, 5));
        // Stopped (a divergence, not a device failure) until resumed.
        assert!(matches!(block_on(s.steps(1)), Err(crate::Error::Halted(_))));
    }

    #[test]
    fn resuming_after_a_divergence_trains_both_again() {
        let mut s = session(&Settings::default());
        block_on(s.steps(2)).unwrap();
        let good = s.scratch.checkpoint();
        s.scratch.map_network(Mlp::poisoned);
        assert!(block_on(s.steps(3)).is_err());
        s.scratch.rewind(good).unwrap();
        s.resume();
        block_on(s.steps(3)).unwrap();
        assert_eq!((s.distilled.steps_done(), s.scratch.steps_done()), (5, 5));
    }

    #[test]
    fn a_snapshot_restores_both_students_at_their_step() {
        let settings = Settings::default();
        let mut s = session(&settings);
        block_on(s.steps(4)).unwrap();
        let run = block_on(s.snapshot(&settings, &[])).unwrap();
        let mut t = session(&settings);
        t.restore(&run).unwrap();
        assert_eq!(t.steps_done(), 4);
        let a = block_on(s.students()).unwrap();
        let b = block_on(t.students()).unwrap();
        let input = vec![0.5; 64];
        assert_eq!(
            s.input_logits(&a, &input).unwrap(),
            t.input_logits(&b, &input).unwrap()
        );
    }
}
