//! The page's training session: the teacher, the data, the distilled student and the scratch
//! student, stepped in time-boxed chunks. Metrics and displayed logits are computed on a CPU copy
//! of the student's weights, read asynchronously, so WebGPU never sees a synchronous read. The
//! data is one of the page's datasets (digits built in; MNIST and the toy teachers fetched).

use std::cell::OnceCell;
use std::rc::Rc;

use burn::tensor::Device;

pub use crate::app::CurvePoint;
use crate::app::loss_window::LossWindow;
use crate::app::saved_run::SavedRun;
use crate::app::state::Data;
use crate::app::text_data::{TextData, fingerprint};
use crate::app::{Settings, omitted_class_report};
use crate::engine::cka::TeacherProbe;
use crate::engine::data::{DatasetKind, Split, TransferSet};
use crate::engine::decision_map::{MapGrid, page_grid};
use crate::engine::loss::host;
#[cfg(test)]
use crate::engine::network::Mlp;
use crate::engine::network::{AttentionMaps, Classifier, Network, attention_maps};
use crate::engine::text::{TextSplit, Tokenizer, spam_from_gz};
use crate::engine::train::{KnownLogits, Trainer, fraction_equal, logits_host, predictions};
use crate::engine::weights::NetworkWeights;

const DIGITS_TEACHER: &[u8] = include_bytes!("../../assets/teachers/digits.safetensors");

/// A dataset as the page holds it: MNIST cut to its first training images, toy sets from the
/// fixed seed their shipped teachers learned.
/// `fetch` reads a file the page serves (a path under the site's root); the page passes the
/// browser's, tests a closure over the repository's assets.
pub async fn load_split<F, Fut>(kind: DatasetKind, fetch: F) -> crate::Result<Split>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, String>>,
{
    use crate::engine::data;
    match kind {
        DatasetKind::Digits => data::digits(),
        DatasetKind::Mnist => {
            let get = |name: &'static str| {
                let file = fetch(format!("assets/data/mnist/{name}"));
                async move { file.await.map_err(crate::Error::Dataset) }
            };
            data::mnist_from_gz(
                &get("train-images-idx3-ubyte.gz").await?,
                &get("train-labels-idx1-ubyte.gz").await?,
                &get("t10k-images-idx3-ubyte.gz").await?,
                &get("t10k-labels-idx1-ubyte.gz").await?,
                data::PAGE_MNIST_TRAIN,
            )
        }
        toy => {
            let kind = toy
                .toy()
                .ok_or_else(|| crate::Error::Dataset("not a toy set".into()))?;
            Ok(data::toy_split(kind, data::TOY_SEED))
        }
    }
}

/// The text set as the page holds it, with its teacher: the teacher first, since its file
/// carries the tokenizer the sentences must be read with; then the sentences, fetched (0.7 MB)
/// rather than built into the page.
pub async fn load_text_set<F, Fut>(fetch: F) -> crate::Result<(TextSplit, NetworkWeights)>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, String>>,
{
    let teacher_path = "assets/teachers/spam.safetensors";
    let bytes = fetch(teacher_path.into())
        .await
        .map_err(crate::Error::Dataset)?;
    let (teacher, info) = NetworkWeights::from_safetensors(&bytes)?;
    let tokenizer: Tokenizer = match info.info.get("tokenizer") {
        Some(t) => serde_json::from_value(t.clone())
            .map_err(|e| crate::Error::Weights(format!("{teacher_path}: its tokenizer: {e}")))?,
        None => {
            return Err(crate::Error::Weights(format!(
                "{teacher_path} has no tokenizer: it is not a text teacher"
            )));
        }
    };
    let arch = &teacher.architecture;
    if arch.vocab() != Some(tokenizer.vocab_size()) || arch.inputs() != tokenizer.max_len() {
        return Err(crate::Error::Weights(format!(
            "{teacher_path} does not read its own tokenizer's {} words × {} tokens",
            tokenizer.vocab_size(),
            tokenizer.max_len()
        )));
    }
    let sentences = fetch("assets/data/spam/spam.tsv.gz".into())
        .await
        .map_err(crate::Error::Dataset)?;
    Ok((spam_from_gz(&sentences, Some(tokenizer))?, teacher))
}

/// A dataset with its shipped teacher, as the page holds them.
pub async fn load_data<F, Fut>(kind: DatasetKind, fetch: F) -> crate::Result<(Data, NetworkWeights)>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, String>>,
{
    if kind.is_text() {
        let (text, teacher) = load_text_set(fetch).await?;
        return Ok((Data::text(kind, text), teacher));
    }
    let split = load_split(kind, &fetch).await?;
    let teacher = shipped_teacher(kind, fetch).await?;
    Ok((Data::features(kind, split), teacher))
}

/// The digits teacher, built into the page.
pub fn built_in_teacher() -> crate::Result<NetworkWeights> {
    Ok(NetworkWeights::from_safetensors(DIGITS_TEACHER)?.0)
}

/// The teacher shipped for a dataset: the digits one is built in, the others are fetched.
pub async fn shipped_teacher<F, Fut>(kind: DatasetKind, fetch: F) -> crate::Result<NetworkWeights>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, String>>,
{
    let bytes = match kind {
        DatasetKind::Digits => return built_in_teacher(),
        other => fetch(format!("assets/teachers/{}.safetensors", other.name()))
            .await
            .map_err(crate::Error::Dataset)?,
    };
    let weights = NetworkWeights::from_safetensors(&bytes)?.0;
    let c = &weights.architecture;
    if (c.inputs(), c.classes()) != (kind.inputs(), kind.classes()) {
        return Err(crate::Error::Dataset(format!(
            "the shipped {} teacher maps {} inputs to {} classes",
            kind.name(),
            c.inputs(),
            c.classes()
        )));
    }
    Ok(weights)
}

/// Augmented versions of the message shown, so a class sees what masking and replacement do.
pub const AUGMENTED_SHOWN: usize = 5;

/// What the attention view draws for one sentence, and its augmented versions.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ShownAttention {
    pub tokens: Vec<String>,
    /// [`AUGMENTED_SHOWN`] versions of the sentence under Tang's augmentation, decoded.
    pub augmented: Vec<String>,
    /// `None` for a student without attention (a BiLSTM, a bag of words).
    pub teacher: Option<AttentionMaps>,
    pub student: Option<AttentionMaps>,
}

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
        let (transfer, known) =
            transfer_set(settings, data, &teacher_weights, &teacher_cpu, between).await?;
        let teacher_test_logits = match known.as_ref().and_then(|k| k.all(&split.test.features)) {
            Some(l) => l,
            None => logits_host(&teacher_cpu, &split.test, &cpu)?,
        };
        let teacher_grid = if split.test.dim == 2 {
            Some(logits_host(
                &teacher_cpu,
                &rows(page_grid(data.kind).points(), &split),
                &cpu,
            )?)
        } else {
            None
        };
        let config = settings.student_architecture(&teacher_weights.architecture)?;
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

/// The transfer set the settings ask for; for text, with the teacher's logits of it and of the
/// test set, read where the teacher has not read them yet.
async fn transfer_set<F: std::future::Future<Output = ()>>(
    settings: &Settings,
    data: &Data,
    teacher: &NetworkWeights,
    teacher_cpu: &Network,
    between: impl FnMut(usize, usize) -> F,
) -> crate::Result<(TransferSet, Option<KnownLogits>)> {
    let split = &data.split;
    let Some(text) = &data.text else {
        let transfer =
            TransferSet::build(&split.train, &settings.transfer_config(), settings.seed)?;
        return Ok((transfer, None));
    };
    let fp = fingerprint(teacher);
    let transfer = text.transfer_set(settings, teacher_cpu, fp)?;
    let rows = [&transfer.features[..], &split.test.features[..]].concat();
    text.read_with_teacher(teacher_cpu, fp, &rows, between)
        .await?;
    Ok((transfer, Some(text.known(fp))))
}

/// What distillation buys, measured on the CPU copy the page reads from.
#[derive(Clone, Debug, PartialEq)]
pub struct Compression {
    pub teacher_params: usize,
    pub student_params: usize,
    /// Test examples in the timed forward pass.
    pub examples: usize,
    /// Median forward time over the test set, milliseconds.
    pub teacher_ms: f64,
    pub student_ms: f64,
    pub teacher_accuracy: f32,
    /// Text: every student kind at the page's width, timed on the same messages.
    pub kinds: Vec<KindCost>,
}

/// The size and speed of a student kind (untrained: its forward time does not depend on its
/// weights).
#[derive(Clone, Debug, PartialEq)]
pub struct KindCost {
    pub kind: crate::engine::network::NetKind,
    pub describe: String,
    pub params: usize,
    /// Median forward time per message, milliseconds.
    pub ms_per_example: f64,
}

impl Session {
    /// Times the teacher's and the student's forward pass over the test set (median of 7), and
    /// for text every student kind.
    pub fn compression(
        &self,
        settings: &Settings,
        now_ms: impl Fn() -> f64,
    ) -> crate::Result<Compression> {
        let test = &self.split.test;
        // At most 1,000 examples (64 messages): timing MNIST's full test set or the text teacher
        // on every message seven times would hold the page.
        let most = if self.text.is_some() { 64 } else { 1000 };
        let timed = test.subset(&(0..test.len().min(most)).collect::<Vec<_>>());
        let student = self.distilled.network().architecture().init(&self.cpu, 0)?;
        let time = |net: &dyn Classifier| forward_ms(net, &timed, &self.cpu, &now_ms);
        let labels: Vec<usize> = test.labels.iter().map(|l| usize::from(*l)).collect();
        Ok(Compression {
            teacher_params: self.teacher.architecture.declared_params() as usize,
            student_params: self.distilled.network().architecture().declared_params() as usize,
            examples: timed.len(),
            teacher_ms: time(&self.teacher_cpu)?,
            student_ms: time(&student)?,
            teacher_accuracy: fraction_equal(
                &predictions(&self.teacher_test_logits, test.classes),
                labels.into_iter(),
            ),
            kinds: self.kind_costs(settings, &timed, &now_ms)?,
        })
    }

    fn kind_costs(
        &self,
        settings: &Settings,
        timed: &crate::engine::data::Dataset,
        now_ms: &impl Fn() -> f64,
    ) -> crate::Result<Vec<KindCost>> {
        if self.text.is_none() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for kind in crate::engine::network::NetKind::TEXT {
            let arch = settings
                .with_kind(kind)?
                .student_architecture(&self.teacher.architecture)?;
            let net = arch.init(&self.cpu, 0)?;
            out.push(KindCost {
                kind,
                describe: arch.describe(),
                params: arch.declared_params() as usize,
                ms_per_example: forward_ms(&net, timed, &self.cpu, now_ms)?
                    / timed.len().max(1) as f64,
            });
        }
        Ok(out)
    }
}

/// Median of seven timings of a forward pass over `data`.
fn forward_ms(
    net: &dyn Classifier,
    data: &crate::engine::data::Dataset,
    cpu: &Device,
    now_ms: &impl Fn() -> f64,
) -> crate::Result<f64> {
    let mut runs = Vec::new();
    for _ in 0..7 {
        let start = now_ms();
        logits_host(net, data, cpu)?;
        runs.push(now_ms() - start);
    }
    runs.sort_by(f64::total_cmp);
    Ok(runs[runs.len() / 2])
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

/// Top class and its probability, for labels.
pub fn top(probs: &[f32]) -> (usize, f32) {
    let i = host::argmax(probs).unwrap_or(0);
    (i, probs.get(i).copied().unwrap_or(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let (text, teacher) = block_on(load_text_set(served)).unwrap();
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
        let err = block_on(load_text_set(missing))
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("spam.tsv.gz: 404"), "{err}");
        let digits = |path: String| served(path.replace("spam.safetensors", "digits.safetensors"));
        let err = block_on(load_text_set(digits))
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("has no tokenizer"), "{err}");
    }

    #[test]
    fn text_students_of_each_kind_train_and_show_their_attention() {
        let (text, teacher) = block_on(load_text_set(served)).unwrap();
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
        let c = s.compression(&base, || 0.0).unwrap();
        let kinds: Vec<_> = c.kinds.iter().map(|k| k.kind.name()).collect();
        assert_eq!(
            (kinds, c.examples),
            (vec!["transformer", "bilstm", "bow"], 64)
        );
        for kind in [NetKind::Transformer, NetKind::Bilstm] {
            let mut s = build(&base.with_kind(kind).unwrap());
            assert_eq!(reads.get(), first_reads, "the teacher read nothing again");
            block_on(s.steps(2)).unwrap();
            let students = block_on(s.students()).unwrap();
            let row = s.example_row(0);
            let shown = s.attention(&students, &row, &base).unwrap().unwrap();
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
