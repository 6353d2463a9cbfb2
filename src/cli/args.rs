//! The command line's arguments, declared with clap.

use std::path::PathBuf;

use clap::Args;

use crate::engine::catalog::DatasetKind;
use crate::engine::limits;
use crate::engine::loss::{AttentionLoss, HiddenLoss, KlReduction, Projection, SoftLoss};
use crate::engine::train::Regularisation;

use super::kinds::{NetKind, TeacherKind};
use crate::engine::network::Activation;

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Datasets to measure, comma-separated (their shipped teachers are used).
    #[arg(long, default_value = "digits,mnist,spam")]
    pub datasets: String,
    /// Batch sizes, comma-separated.
    #[arg(long, default_value = "64,256")]
    pub batches: String,
    /// Timed steps per measurement (after 20 warm-up steps).
    #[arg(long, default_value_t = 300)]
    pub steps: usize,
    /// Also write the results as JSON here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also sweep the full step over batch sizes 64–1,024 and student widths 32–512 (digits).
    #[arg(long)]
    pub scale: bool,
    /// Text students to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "transformer,bilstm,bow", value_parser = super::kinds::net_kind())]
    pub text_students: Vec<super::kinds::NetKind>,
    /// Also time the pretrained MiniLM teacher's forward pass on Brown's rows of 64 pieces, at
    /// each batch size (what bench/peers/jax_minilm.py times in JAX).
    #[arg(long)]
    pub minilm: bool,
}

#[derive(Args, Debug)]
pub struct ExitsArgs {
    #[arg(long, default_value = "digits")]
    pub dataset: DatasetKind,
    /// Teacher weights (default: the shipped teacher of the dataset).
    #[arg(long)]
    pub teacher: Option<PathBuf>,
    /// A distilled student to set against the curve.
    #[arg(long)]
    pub student: Option<PathBuf>,
    /// Passes over the training inputs.
    #[arg(long, default_value_t = 10)]
    pub epochs: usize,
    #[arg(long, default_value_t = 3e-3)]
    pub lr: f64,
    #[arg(long, default_value_t = limits::BATCH_SIZE.default)]
    pub batch_size: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Speeds on the curve, evenly spaced from 0 to 1 (2 to 1001).
    #[arg(long, default_value_t = 11, value_parser = clap::builder::RangedU64ValueParser::<usize>::new()
        .range(2..=crate::engine::exits::MAX_CURVE_POINTS as u64))]
    pub points: usize,
    /// Write the trained exits here (safetensors, nn.Linear layout: exits.{k}.weight/bias).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Read exits from this file instead of training them (they must be this teacher's).
    #[arg(long, conflicts_with = "out")]
    pub load: Option<PathBuf>,
    /// Write every exit's probabilities for the first 100 test examples, with the inputs
    /// (safetensors: inputs [n, in], probs [n, exits, classes]), to check another
    /// implementation against.
    #[arg(long)]
    pub probs_out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct TheseusArgs {
    #[arg(long, default_value = "digits")]
    pub dataset: DatasetKind,
    /// Teacher weights (default: the shipped teacher of the dataset).
    #[arg(long)]
    pub teacher: Option<PathBuf>,
    /// Successor modules: the student's layers. The teacher's depth must be a multiple.
    #[arg(long, default_value_t = 3)]
    pub successors: usize,
    /// Replacement rate p: a number (0.5) or a curriculum base+slope·t (0.3+0.001t).
    #[arg(long, default_value = "0.5")]
    pub rate: String,
    /// Epochs of phase 1 (modules replaced at random).
    #[arg(long, default_value_t = 20)]
    pub replacing_epochs: usize,
    /// Epochs of phase 2 (the successors alone).
    #[arg(long, default_value_t = 10)]
    pub finetune_epochs: usize,
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    #[arg(long, default_value_t = limits::BATCH_SIZE.default)]
    pub batch_size: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also distil the same student by KD for as many steps, and report both.
    #[arg(long)]
    pub compare_kd: bool,
    /// Where to write the successor network (safetensors).
    #[arg(long)]
    pub out: PathBuf,
}

/// An encoder–decoder's shape; unset fields take the role's default.
#[derive(Args, Debug)]
pub struct G2pShape {
    #[arg(long)]
    pub width: Option<usize>,
    #[arg(long)]
    pub heads: Option<usize>,
    /// Layers on each side (encoder and decoder).
    #[arg(long)]
    pub layers: Option<usize>,
    #[arg(long)]
    pub ff: Option<usize>,
}

#[derive(Args, Debug)]
pub struct G2pTeacherArgs {
    #[command(flatten)]
    pub shape: G2pShape,
    #[arg(long, default_value_t = 30)]
    pub epochs: usize,
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    #[arg(long, default_value_t = limits::BATCH_SIZE.default)]
    pub batch_size: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
pub struct G2pArgs {
    #[command(flatten)]
    pub shape: G2pShape,
    /// Teacher weights (default: the shipped CMUdict teacher).
    #[arg(long)]
    pub teacher: Option<PathBuf>,
    /// gold, word, sequence, both or interpolated (default: all five, one after another).
    #[arg(long)]
    pub targets: Option<String>,
    /// The teacher's beam for sequence-level and interpolated targets (1: greedy decoding, which
    /// interpolation refuses; up to 64).
    #[arg(long, default_value_t = 5)]
    pub beam: usize,
    /// Also score each student decoding with a beam this wide, beside greedy, with the speed of
    /// each (1: greedy only).
    #[arg(long, default_value_t = 1)]
    pub student_beam: usize,
    #[arg(long, default_value_t = 10)]
    pub epochs: usize,
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    #[arg(long, default_value_t = limits::BATCH_SIZE.default)]
    pub batch_size: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Save the (last) student here.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the teacher's and the student's pronunciation of this word.
    #[arg(long)]
    pub say: Option<String>,
    /// Write the teacher's teacher-forced logits for the first 100 test words (safetensors:
    /// letters [n, 10], prefix [n, 15], logits [n, 15, 42]), to check another implementation.
    #[arg(long)]
    pub logits_out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CkaArgs {
    #[arg(long, default_value = "digits")]
    pub dataset: DatasetKind,
    /// Teacher weights (default: the shipped teacher of the dataset).
    #[arg(long)]
    pub teacher: Option<PathBuf>,
    /// The student to compare, layer by layer.
    #[arg(long)]
    pub student: PathBuf,
    /// Test examples in the probe batch.
    #[arg(long, default_value_t = 256)]
    pub probe: usize,
    /// Seed of the toy sets' generation and split (image sets have fixed splits).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

#[derive(Args, Debug)]
pub struct SweepArgs {
    #[arg(long, default_value = "digits")]
    pub dataset: DatasetKind,
    /// Teacher weights (default: the shipped teacher of the dataset).
    #[arg(long)]
    pub teacher: Option<PathBuf>,
    /// mlp, cnn, transformer, bilstm or bow (default: transformer for text, mlp otherwise).
    #[arg(long, value_parser = super::kinds::net_kind())]
    pub kind: Option<NetKind>,
    /// Student shape, as for distill (default: the dataset's default student).
    #[arg(long)]
    pub student: Option<String>,
    /// The grid's α values, comma-separated.
    #[arg(long, default_value = "0,0.25,0.5,0.75,1")]
    pub alphas: String,
    /// The grid's temperatures, comma-separated.
    #[arg(long, default_value = "1,2,4,8,16")]
    pub temperatures: String,
    /// Training steps of every cell.
    #[arg(long, default_value_t = 1000)]
    pub steps: usize,
    /// Fraction of training examples (per class) that keep their label; the rest learn from
    /// the teacher only (the page's default, where a teacher has most to give).
    #[arg(long, default_value_t = 0.1)]
    pub labeled_fraction: f32,
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    #[arg(long, default_value_t = limits::BATCH_SIZE.default)]
    pub batch_size: usize,
    /// Seed of the student's initialisation and the batch order (the same in every cell).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Also write the grid as CSV (alpha, temperature, steps, test_accuracy).
    #[arg(long)]
    pub csv: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct FewClassesArgs {
    /// The class counts, comma-separated (the first k digit classes each time).
    #[arg(long, default_value = "2,3,5,10")]
    pub classes: String,
    /// Training steps of each student.
    #[arg(long, default_value_t = 400)]
    pub steps: usize,
    /// Fraction of the training examples (per class) both students learn from.
    #[arg(long, default_value_t = 0.02)]
    pub labeled_fraction: f32,
    /// Seeds averaged over, comma-separated.
    #[arg(long, default_value = "1,2,3")]
    pub seeds: String,
    /// Student shape, as for distill.
    #[arg(long, default_value = "32x3")]
    pub student: String,
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// digits, mnist, fashion-mnist, moons, circles, spirals, xor, spam or brown (text).
    #[arg(long, default_value = "digits")]
    pub dataset: DatasetKind,
    /// Passes over the training data.
    #[arg(long, default_value_t = 40)]
    pub epochs: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    #[arg(long, default_value_t = limits::BATCH_SIZE.default)]
    pub batch_size: usize,
    /// Seed of weight initialisation, batch order and data selection.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Where to write the weights (safetensors).
    #[arg(long)]
    pub out: PathBuf,
    /// Dropout on an MLP's inputs while it trains (Hinton et al.'s MNIST teacher: 0.2).
    #[arg(long, default_value_t = 0.0)]
    pub input_dropout: f32,
    /// Shift each training image at random by up to this many pixels, afresh at every step
    /// (Hinton et al.: 2); for training from labels only.
    #[arg(long, default_value_t = 0)]
    pub jitter: usize,
    /// L2 weight decay, added to the gradients by Adam.
    #[arg(long, default_value_t = 0.0)]
    pub weight_decay: f32,
}

#[derive(Args, Debug)]
pub struct TrainTeacherArgs {
    #[command(flatten)]
    pub train: TrainArgs,
    /// mlp, cnn, transformer, bilstm or bow (default: transformer for text, mlp otherwise), or
    /// minilm: the pretrained MiniLM fine-tuned (written in 4 bits; the --minilm-* flags).
    #[arg(long)]
    pub kind: Option<TeacherKind>,
    /// Shape: MLP "128x6" (six of 128) or "256,128"; transformer "128x4" (width × blocks);
    /// bilstm "64" or "300,150,400"; bow "32" or "64,32"; cnn "32,64" (channels per block).
    #[arg(long)]
    pub hidden: Option<String>,
    /// MiniLM: peak learning rate of AdamW, reached after the warm-up, then decayed to zero.
    #[arg(long, default_value_t = 1e-4)]
    pub minilm_lr: f64,
    /// MiniLM: passes over the training sentences.
    #[arg(long, default_value_t = 2.0)]
    pub minilm_epochs: f32,
    /// MiniLM: AdamW's decoupled weight decay.
    #[arg(long, default_value_t = 0.01)]
    pub minilm_weight_decay: f32,
    /// MiniLM: fraction of the steps over which the learning rate warms up.
    #[arg(long, default_value_t = 0.1)]
    pub warmup: f32,
    /// MiniLM: fine-tune the word embeddings too (frozen by default).
    #[arg(long)]
    pub train_embeddings: bool,
    /// MiniLM: fine-tune through the 4-bit weights the file ships (quantization-aware; the
    /// embeddings stay frozen), so the file is the network that was trained.
    #[arg(long)]
    pub four_bit: bool,
    /// MiniLM: WordPiece tokens per row (default 64).
    #[arg(long)]
    pub pieces: Option<usize>,
    /// MiniLM: train on the first N training sentences only (a quick run).
    #[arg(long)]
    pub limit: Option<usize>,
    /// MiniLM: also write its logits on the training sentences (float16 safetensors).
    #[arg(long)]
    pub logits_out: Option<PathBuf>,
    /// MiniLM: also write it in float32, under Hugging Face BertModel names (70 MB).
    #[arg(long)]
    pub f32_out: Option<PathBuf>,
    /// Attention heads per transformer block.
    #[arg(long, default_value_t = 4)]
    pub heads: usize,
    /// Dropout while training (0 to 0.9): inside a transformer's blocks (default 0.1), or after
    /// each hidden layer of an MLP (default 0; Hinton et al.'s MNIST teacher: 0.5).
    #[arg(long)]
    pub dropout: Option<f32>,
    #[arg(long, default_value = "relu")]
    pub activation: Activation,
    /// A tokenizer file (JSON: max_len and vocab) instead of one built from the training split.
    #[arg(long)]
    pub tokenizer: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct DistillArgs {
    #[command(flatten)]
    pub train: TrainArgs,
    /// Teacher weights (default: the shipped teacher of the dataset). Give it more than once to
    /// distil from an ensemble (MT-DNN): the weighted average of the teachers' soft targets.
    #[arg(long)]
    pub teacher: Vec<PathBuf>,
    /// The ensemble's weights, one per --teacher, comma-separated (default: equal).
    #[arg(long)]
    pub teacher_weights: Option<String>,
    /// The teacher's logits on the training split, in its order (`train-teacher --kind minilm
    /// --logits-out`), so it need not read those sentences again. Default for the shipped MiniLM
    /// teacher: its shipped logits.
    #[arg(long)]
    pub teacher_logits: Option<PathBuf>,
    /// mlp, cnn, transformer, bilstm or bow (default: transformer for text, mlp otherwise).
    #[arg(long, value_parser = super::kinds::net_kind())]
    pub kind: Option<NetKind>,
    /// Student shape: MLP "32x3" or "64,32"; transformer "64x2" (width × blocks); bilstm "64"
    /// or "300,150,400"; bow "32" or "64,32".
    #[arg(long)]
    pub student: Option<String>,
    /// Attention heads per transformer block of the student.
    #[arg(long, default_value_t = limits::HEADS.default)]
    pub heads: usize,
    /// Dropout while training the student (0 to 0.9): inside a transformer's blocks, or after
    /// each hidden layer of an MLP.
    #[arg(long, default_value_t = 0.0)]
    pub dropout: f32,
    #[arg(long, default_value = "relu")]
    pub activation: Activation,
    /// Temperature T: a number (4), a linear schedule (8..1).
    #[arg(long, default_value_t = limits::TEMPERATURE.default.to_string())]
    pub temperature: String,
    /// α, the weight of the hard labels: a number, a schedule (0..1) or "bam" (teacher annealing).
    #[arg(long, default_value_t = limits::ALPHA.default.to_string())]
    pub alpha: String,
    /// β, the weight of the hidden-state loss (0 = off).
    #[arg(long, default_value_t = limits::BETA.default)]
    pub beta: f32,
    /// hinton (T²·KL of soft targets) or mse (Tang et al.: MSE of logits).
    #[arg(long, default_value = "hinton")]
    pub soft_loss: SoftLoss,
    /// Leave out the KL's T² factor (a classic mistake: the soft gradients shrink like 1/T²).
    #[arg(long)]
    pub no_t_squared: bool,
    /// The KL's reduction: batchmean (sum over classes, mean over the batch) or mean (over every
    /// element: a classic bug that divides the soft gradients by the number of classes).
    #[arg(long, default_value = "batchmean")]
    pub kl_reduction: KlReduction,
    /// mse, pkd (normalised, Patient KD) or cosine.
    #[arg(long, default_value = "mse")]
    pub hidden_loss: HiddenLoss,
    /// skip, last, none, teacher layers for student 1,2,3 ("2,4,6") or pairs ("1:2,3:6").
    #[arg(long, default_value = "skip")]
    pub mapping: String,
    /// Also match the embedding outputs (TinyBERT's embedding-layer loss; text, β > 0).
    #[arg(long)]
    pub match_embeddings: bool,
    /// Where differing widths meet in the hidden term: layer (a student → teacher matrix per
    /// mapped layer), shared-up (one student → teacher matrix) or shared-down (one teacher →
    /// student matrix).
    #[arg(long, default_value = "layer")]
    pub projection: Projection,
    /// Attention transfer between transformers: off, tinybert (attention MSE per mapped block,
    /// heads must match) or minilm (last-block Q·K and V·V relations).
    #[arg(long, default_value = "off")]
    pub attention: AttentionLoss,
    /// γ, the weight of the attention term.
    #[arg(long, default_value_t = limits::GAMMA.default)]
    pub gamma: f32,
    /// Text augmentation (Tang et al.): probability of masking a word in an augmented copy.
    #[arg(long, default_value_t = limits::P_MASK.default)]
    pub p_mask: f32,
    /// Probability of replacing a word by a near neighbour in the teacher's embedding space.
    #[arg(long, default_value_t = limits::P_REPLACE.default)]
    pub p_replace: f32,
    /// Probability of keeping only a random n-gram (n = 1..5) of an augmented copy.
    #[arg(long, default_value_t = limits::P_NGRAM.default)]
    pub p_ngram: f32,
    /// A tokenizer file instead of the teacher's.
    #[arg(long)]
    pub tokenizer: Option<PathBuf>,
    /// Fraction of training examples (per class) that keep their label (the page starts at
    /// 0.1 to show what the teacher adds; the command line trains with every label).
    #[arg(long, default_value_t = 1.0)]
    pub labeled_fraction: f32,
    /// Leave the unlabeled remainder of the training set out of the transfer set.
    #[arg(long)]
    pub no_unlabeled: bool,
    /// Augmented, unlabeled copies of every transfer example.
    #[arg(long, default_value_t = limits::AUGMENT_COPIES.default)]
    pub augment_copies: usize,
    /// Std of the pixel noise of augmented copies.
    #[arg(long, default_value_t = 0.1)]
    pub noise: f32,
    /// Probability that a pixel of an augmented copy is masked to 0 (image datasets only).
    #[arg(long, default_value_t = 0.1)]
    pub mask: f32,
    /// Remove every example of this class from the transfer set (Hinton's omitted class).
    #[arg(long)]
    pub omit_class: Option<u8>,
    /// Also train the same student without the teacher on the labeled examples, and compare.
    #[arg(long)]
    pub compare_scratch: bool,
    /// Also write the run as a TextBrewer DistillationConfig (JSON).
    #[arg(long)]
    pub textbrewer: Option<PathBuf>,
    /// Also write the run as a torchdistill config (YAML).
    #[arg(long)]
    pub torchdistill: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct EvalArgs {
    #[arg(long)]
    pub weights: PathBuf,
    #[arg(long, default_value = "digits")]
    pub dataset: DatasetKind,
    /// Also report how often the network agrees with this teacher.
    #[arg(long)]
    pub teacher: Option<PathBuf>,
    /// Seed of the toy sets' generation and split (image sets have fixed splits).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// A tokenizer file instead of the one the weights carry (text).
    #[arg(long)]
    pub tokenizer: Option<PathBuf>,
    /// The class the network never saw (Hinton's omitted 3): how many of its test examples it
    /// recognises, before and after raising that class's logit by a bias chosen on the
    /// training set.
    #[arg(long)]
    pub omitted_class: Option<u8>,
    /// Also write the network's logits of the test split (float16 safetensors): the page reads
    /// the MiniLM teacher's test predictions from this file rather than computing them.
    #[arg(long)]
    pub logits_out: Option<PathBuf>,
    /// Also write its logits of the training split (float16 safetensors): the page starts the
    /// e-mails' students from the shipped teacher's instead of reading every message first.
    #[arg(long)]
    pub train_logits_out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// A weights file (safetensors or burnpack).
    #[arg(long)]
    pub weights: PathBuf,
    /// Output file; the description goes next to it as `<out>.json`.
    #[arg(long)]
    pub out: PathBuf,
    /// safetensors (PyTorch layout) or burnpack (burn's format). Default: from the extension
    /// of --out (.bpk is burnpack), else safetensors.
    #[arg(long)]
    pub format: Option<ExportFormat>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ExportFormat {
    Safetensors,
    Burnpack,
    /// safetensors with every matrix as int8 and a float32 scale.
    SafetensorsInt8,
}

#[derive(Args, Debug)]
pub struct PredictArgs {
    #[arg(long)]
    pub weights: PathBuf,
    #[arg(long, default_value = "digits")]
    pub dataset: DatasetKind,
    /// How many test examples, from the first.
    #[arg(long, default_value_t = 100)]
    pub count: usize,
    /// Seed of the toy sets' generation and split (image sets have fixed splits).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output safetensors with `inputs` [n, in], `logits` [n, classes] (float32), `labels` [n] (uint8).
    #[arg(long, required_unless_present = "text")]
    pub out: Option<PathBuf>,
    /// Classify this sentence instead (text networks) and print the class probabilities.
    #[arg(long)]
    pub text: Option<String>,
    /// A tokenizer file instead of the one the weights carry (text).
    #[arg(long)]
    pub tokenizer: Option<PathBuf>,
}

impl TrainArgs {
    /// The regularisation the flags ask for; `dropout` goes after an MLP's hidden layers (a
    /// transformer carries its own in its configuration).
    pub fn regularisation(&self, kind: NetKind, dropout: f32) -> Regularisation {
        Regularisation {
            input_dropout: self.input_dropout,
            hidden_dropout: if kind == NetKind::Mlp { dropout } else { 0.0 },
            jitter: self.jitter,
            weight_decay: self.weight_decay,
        }
    }
}
