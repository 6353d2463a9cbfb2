//! The page's datasets and shipped teachers, fetched by path: the page passes the browser's fetch,
//! the training worker its own, and tests a closure over the repository's assets.

use crate::app::data::Data;
use crate::app::piece_teacher::{PieceTeacher, page_test_rows, reads_pieces};
use crate::app::shipped_teacher::ShippedTeacher;
use crate::app::text_data::{ShippedLogits, TextData, fingerprint};
use crate::engine::catalog::DatasetKind;
use crate::engine::data::{Dataset, Split};
use crate::engine::minilm;
use crate::engine::text::wordpiece::WordPiece;
use crate::engine::text::{TextSplit, Tokenizer, spam_from_gz};
use crate::engine::train::KnownLogits;
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
        DatasetKind::Mnist | DatasetKind::FashionMnist => {
            // The clothes ship a page cut of their training images (4 MB of 26).
            let (train, test) = match kind {
                DatasetKind::Mnist => ("mnist", "mnist"),
                _ => ("fashion-mnist/page", "fashion-mnist"),
            };
            let get = |dir: &str, name: &str| {
                let file = fetch(format!("assets/data/{dir}/{name}"));
                async move { file.await.map_err(crate::Error::Dataset) }
            };
            data::mnist_from_gz(
                &get(train, "train-images-idx3-ubyte.gz").await?,
                &get(train, "train-labels-idx1-ubyte.gz").await?,
                &get(test, "t10k-images-idx3-ubyte.gz").await?,
                &get(test, "t10k-labels-idx1-ubyte.gz").await?,
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
pub async fn load_text_set<F, Fut>(fetch: &F) -> crate::Result<(TextSplit, NetworkWeights)>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, String>>,
{
    let teacher_path = "assets/teachers/spam.safetensors";
    let bytes = fetch(teacher_path.into())
        .await
        .map_err(crate::Error::Dataset)?;
    let (teacher, tokenizer) = word_teacher(teacher_path, &bytes)?;
    let sentences = fetch("assets/data/spam/spam.tsv.gz".into())
        .await
        .map_err(crate::Error::Dataset)?;
    Ok((spam_from_gz(&sentences, Some(tokenizer))?, teacher))
}

/// A teacher of words from its file (`path` names it in errors), with the tokenizer it carries:
/// the sentences must be read with that one.
fn word_teacher(path: &str, bytes: &[u8]) -> crate::Result<(NetworkWeights, Tokenizer)> {
    let (teacher, info) = NetworkWeights::from_safetensors(bytes)?;
    let tokenizer: Tokenizer = match info.info.get("tokenizer") {
        Some(t) => serde_json::from_value(t.clone())
            .map_err(|e| crate::Error::Weights(format!("{path}: its tokenizer: {e}")))?,
        None => {
            return Err(crate::Error::Weights(format!(
                "{path} has no tokenizer: it is not a text teacher"
            )));
        }
    };
    let arch = &teacher.architecture;
    if arch.vocab() != Some(tokenizer.vocab_size()) || arch.inputs() != tokenizer.max_len() {
        return Err(crate::Error::Weights(format!(
            "{path} does not read its own tokenizer's {} words × {} tokens",
            tokenizer.vocab_size(),
            tokenizer.max_len()
        )));
    }
    Ok((teacher, tokenizer))
}

/// The files the Brown genres set fetches, and what the page says of each while it does.
pub const BROWN_FILES: [(&str, &str); 5] = [
    (
        "teachers/brown-minilm.safetensors",
        "the fine-tuned MiniLM teacher, 9.7 MB",
    ),
    (
        "teachers/minilm/tokenizer.json",
        "its WordPiece vocabulary, 0.5 MB",
    ),
    ("data/brown/brown.tsv.gz", "57,340 sentences, 3.4 MB"),
    (
        "teachers/brown-minilm-logits.safetensors",
        "its logits of the training sentences, 1.4 MB",
    ),
    (
        "teachers/brown-minilm-test-logits.safetensors",
        "its logits of the test sentences, 0.3 MB",
    ),
];

/// Brown's genres with the fine-tuned MiniLM: the students read words (a vocabulary built from
/// the training split), the teacher word pieces; its logits of both splits come with it.
pub async fn load_brown<F, Fut>(fetch: F) -> crate::Result<(Data, NetworkWeights)>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, String>>,
{
    let get = |k: usize| {
        let file = fetch(format!("assets/{}", BROWN_FILES[k].0));
        async move { file.await.map_err(crate::Error::Dataset) }
    };
    let (teacher, _) = NetworkWeights::from_safetensors(&get(0).await?)?;
    let arch = &teacher.architecture;
    let classes = crate::engine::text::BROWN_GENRES.len();
    if !reads_pieces(arch) || arch.classes() != classes {
        return Err(crate::Error::Weights(format!(
            "{} is not a MiniLM teacher of {classes} genres",
            BROWN_FILES[0].0
        )));
    }
    let wordpiece = WordPiece::from_json(&get(1).await?, arch.inputs())?;
    let mut split = crate::engine::text::brown(&get(2).await?, None)?;
    let train = &split.train;
    let file = (BROWN_FILES[3].0, "training sentences");
    let train_logits = logits_of(file, &get(3).await?, train.len(), classes)?;
    let train_known = KnownLogits::from_table(&train.features, train.dim, &train_logits, classes)?;
    let (test_logits, _) = minilm::read_logits(&get(4).await?)?;
    let test_logits = page_test_rows(&mut split, &test_logits)?;
    let teacher_fp = fingerprint(&teacher);
    let pieces = PieceTeacher {
        wordpiece,
        shipped: teacher_fp,
        test_logits,
    };
    let shipped = ShippedLogits {
        teacher: teacher_fp,
        known: train_known,
    };
    let text = TextData::new(split)
        .with_pieces(pieces)
        .with_shipped(shipped);
    let data = Data::text_data(DatasetKind::Brown, text).with_teacher(ShippedTeacher::Minilm);
    Ok((data, teacher))
}

/// The files of Brown's teacher trained here from scratch, and what the page says of each.
pub const BROWN_SCRATCH_FILES: [(&str, &str); 4] = [
    (
        "teachers/brown-transformer.safetensors",
        "the transformer trained here, 3.6 MB",
    ),
    ("data/brown/brown.tsv.gz", "57,340 sentences, 3.4 MB"),
    (
        "teachers/brown-transformer-logits.safetensors",
        "its logits of the training sentences, 1.4 MB",
    ),
    (
        "teachers/brown-transformer-test-logits.safetensors",
        "its logits of the test sentences, 0.3 MB",
    ),
];

/// Brown's genres with the transformer trained here from scratch: it reads the students' words
/// (its file carries their vocabulary), and its logits of both splits come with it.
pub async fn load_brown_scratch<F, Fut>(fetch: F) -> crate::Result<(Data, NetworkWeights)>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, String>>,
{
    let files = &BROWN_SCRATCH_FILES;
    let get = |k: usize| {
        let file = fetch(format!("assets/{}", files[k].0));
        async move { file.await.map_err(crate::Error::Dataset) }
    };
    let (teacher, tokenizer) = word_teacher(files[0].0, &get(0).await?)?;
    let classes = crate::engine::text::BROWN_GENRES.len();
    if reads_pieces(&teacher.architecture) || teacher.architecture.classes() != classes {
        return Err(crate::Error::Weights(format!(
            "{} is not a teacher of words and {classes} genres",
            files[0].0
        )));
    }
    let mut split = crate::engine::text::brown(&get(1).await?, Some(tokenizer))?;
    let train = logits_of(
        (files[2].0, "training sentences"),
        &get(2).await?,
        split.train.len(),
        classes,
    )?;
    let test = logits_of(
        (files[3].0, "test sentences"),
        &get(3).await?,
        split.test.len(),
        classes,
    )?;
    let test = page_test_rows(&mut split, &test)?;
    let shipped = shipped_logits([&split.train, &split.test], &teacher, [train, test])?;
    let text = TextData::new(split).with_shipped(shipped);
    let data = Data::text_data(DatasetKind::Brown, text).with_teacher(ShippedTeacher::Scratch);
    Ok((data, teacher))
}

/// The logits a teacher shipped with, `[train, test]`, keyed by the rows of the two splits they
/// are of.
fn shipped_logits(
    [train_set, test_set]: [&Dataset; 2],
    teacher: &NetworkWeights,
    [train, test]: [Vec<f32>; 2],
) -> crate::Result<ShippedLogits> {
    let features = [&train_set.features[..], &test_set.features[..]].concat();
    let logits = [train, test].concat();
    let known = KnownLogits::from_table(&features, train_set.dim, &logits, train_set.classes)?;
    Ok(ShippedLogits {
        teacher: fingerprint(teacher),
        known,
    })
}

/// The two logit files `files` (`(path under assets/, what)`, training split first), checked
/// against the rows and classes of `sets`.
async fn fetch_logits<F, Fut>(
    fetch: &F,
    files: &[(&str, &str); 2],
    sets: [&Dataset; 2],
) -> crate::Result<[Vec<f32>; 2]>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, String>>,
{
    let mut logits = Vec::new();
    for (&file, set) in files.iter().zip(sets) {
        let bytes = fetch(format!("assets/{}", file.0))
            .await
            .map_err(crate::Error::Dataset)?;
        logits.push(logits_of(file, &bytes, set.len(), set.classes)?);
    }
    logits
        .try_into()
        .map_err(|_| crate::Error::Dataset("a teacher's logits are two files".into()))
}

/// The logit files the e-mails' teacher ships with, of the training and the test split.
pub const SPAM_LOGITS: [(&str, &str); 2] = [
    ("teachers/spam-logits.safetensors", "training messages"),
    ("teachers/spam-test-logits.safetensors", "test messages"),
];

/// The e-mails with their teacher and its logits of every message, so that the students start
/// without the teacher reading 5,837 messages first.
pub async fn load_spam<F, Fut>(fetch: F) -> crate::Result<(Data, NetworkWeights)>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, String>>,
{
    let (split, teacher) = load_text_set(&fetch).await?;
    let sets = [&split.train, &split.test];
    let logits = fetch_logits(&fetch, &SPAM_LOGITS, sets).await?;
    let shipped = shipped_logits(sets, &teacher, logits)?;
    let text = TextData::new(split).with_shipped(shipped);
    Ok((Data::text_data(DatasetKind::Spam, text), teacher))
}

/// The logits of a logit file (`(path, what)` name it and its rows in errors) that must hold
/// `rows` rows of `classes`.
fn logits_of(
    (path, what): (&str, &str),
    bytes: &[u8],
    rows: usize,
    classes: usize,
) -> crate::Result<Vec<f32>> {
    let (logits, c) =
        minilm::read_logits(bytes).map_err(|e| crate::Error::Dataset(format!("{path}: {e}")))?;
    if c != classes || logits.len() != rows * classes {
        return Err(crate::Error::Dataset(format!(
            "{path} holds {} rows of {c} logits; the {rows} {what} need {classes} each",
            logits.len() / c.max(1),
        )));
    }
    Ok(logits)
}

/// The files a set fetches with its teacher that the page names one by one as they come (the
/// large ones).
pub fn files_told(
    kind: DatasetKind,
    teacher: ShippedTeacher,
) -> &'static [(&'static str, &'static str)] {
    match (kind, teacher) {
        (DatasetKind::Brown, ShippedTeacher::Minilm) => &BROWN_FILES,
        (DatasetKind::Brown, ShippedTeacher::Scratch) => &BROWN_SCRATCH_FILES,
        _ => &[],
    }
}

/// A dataset with the shipped teacher chosen, as the page holds them.
pub async fn load_data<F, Fut>(
    kind: DatasetKind,
    teacher: ShippedTeacher,
    fetch: F,
) -> crate::Result<(Data, NetworkWeights)>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, String>>,
{
    teacher.check(kind)?;
    match (kind, teacher) {
        (DatasetKind::Brown, ShippedTeacher::Minilm) => return load_brown(fetch).await,
        (DatasetKind::Brown, ShippedTeacher::Scratch) => return load_brown_scratch(fetch).await,
        _ => {}
    }
    if kind.is_text() {
        return load_spam(fetch).await;
    }
    let split = load_split(kind, &fetch).await?;
    let teacher = shipped_teacher(kind, &fetch).await?;
    let data = Data::features(kind, split);
    if kind == DatasetKind::FashionMnist {
        return with_fashion_logits(data, teacher, &fetch).await;
    }
    Ok((data, teacher))
}

/// The clothes with their conv teacher's logits of every image, checked on a sample against the
/// teacher itself (the two files hold as many rows each: swapped, only their values tell).
async fn with_fashion_logits<F, Fut>(
    data: Data,
    teacher: NetworkWeights,
    fetch: &F,
) -> crate::Result<(Data, NetworkWeights)>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<u8>, String>>,
{
    let sets = [&data.split.train, &data.split.test];
    let logits = fetch_logits(fetch, &FASHION_LOGITS, sets).await?;
    let shipped = shipped_logits(sets, &teacher, logits)?;
    for (set, (file, what)) in sets.into_iter().zip(FASHION_LOGITS) {
        agrees_on_a_sample(&teacher, set, &shipped.known).map_err(|gap| {
            crate::Error::Dataset(format!(
                "{file} is not the teacher's logits of the {what}: they differ from its own by {gap:.3}"
            ))
        })?;
    }
    Ok((data.with_shipped(shipped), teacher))
}

/// Whether the shipped logits of `set`'s first images are the teacher's own, to float16's
/// precision (a file of another split or another teacher is caught); `Err(largest gap)`.
fn agrees_on_a_sample(
    teacher: &NetworkWeights,
    set: &Dataset,
    known: &KnownLogits,
) -> Result<(), f32> {
    let cpu = burn::tensor::Device::flex();
    let sample = set.subset(&(0..set.len().min(8)).collect::<Vec<_>>());
    let computed = teacher
        .to_network(&cpu)
        .and_then(|net| crate::engine::train::logits_host(&net, &sample, &cpu))
        .map_err(|_| f32::INFINITY)?;
    let shipped = known.all(&sample.features).ok_or(f32::INFINITY)?;
    let gap = shipped
        .iter()
        .zip(&computed)
        .map(|(a, b)| (a - b).abs() / b.abs().max(1.0))
        .fold(0.0, f32::max);
    if gap < 1e-2 { Ok(()) } else { Err(gap) }
}

/// The conv teacher's logits of the page's clothes, which it would take about 20 s to read in
/// wasm: the page's 10,000 training images, and the 10,000 test images.
pub const FASHION_LOGITS: [(&str, &str); 2] = [
    (
        "teachers/fashion-mnist-logits.safetensors",
        "training images",
    ),
    (
        "teachers/fashion-mnist-test-logits.safetensors",
        "test images",
    ),
];

/// The digits teacher, built into the page.
pub fn built_in_teacher() -> crate::Result<NetworkWeights> {
    Ok(NetworkWeights::from_safetensors(DIGITS_TEACHER)?.0)
}

/// The teacher shipped for a dataset: the digits one is built in, the others are fetched.
pub async fn shipped_teacher<F, Fut>(kind: DatasetKind, fetch: F) -> crate::Result<NetworkWeights>
where
    F: Fn(String) -> Fut,
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
