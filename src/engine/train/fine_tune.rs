//! Fine-tuning a pretrained BERT on a labelled text set, the way BERT's authors and most since
//! do it: AdamW with weight decay, the learning rate warmed up linearly over the first tenth of
//! the run and then decayed linearly to zero, dropout 0.1, gradients clipped.
//!
//! Two economies that change no result: each batch is cut to its longest sentence (padding is
//! masked anyway; Brown's sentences average 28 pieces in rows of 64), and the word embeddings
//! stay frozen by default: they are 11.7 M of MiniLM's 17.4 M parameters, whose dense gradient
//! and Adam state would cost more than the three layers, and a few thousand sentences per
//! genre would move only the rows of the words they contain.

use burn::module::Module;
use burn::optim::grad_clipping::GradientClippingConfig;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::loss::hard_cross_entropy;
use crate::network::{Bert, Classifier, Input};

use super::eval::{fraction_equal, predictions};

/// How a pretrained encoder is fine-tuned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FineTuneSettings {
    /// Peak learning rate, reached at the end of the warm-up.
    pub learning_rate: f64,
    pub batch_size: usize,
    pub epochs: f32,
    /// Fraction of the steps spent warming up.
    pub warmup: f32,
    /// AdamW's decoupled weight decay.
    pub weight_decay: f32,
    /// Each parameter's gradient norm is clipped to this.
    pub clip: f32,
    pub freeze_word_embeddings: bool,
    /// Train through the 4-bit values of the matrices (the file ships them), with the
    /// embeddings frozen: what is trained is what is written.
    pub four_bit: bool,
    pub seed: u64,
}

impl Default for FineTuneSettings {
    fn default() -> Self {
        Self {
            learning_rate: 1e-4,
            batch_size: 32,
            epochs: 2.0,
            warmup: 0.1,
            weight_decay: 0.01,
            clip: 1.0,
            freeze_word_embeddings: true,
            four_bit: false,
            seed: 42,
        }
    }
}

impl FineTuneSettings {
    pub fn validate(&self) -> Result<()> {
        let ok = self.learning_rate > 0.0
            && self.learning_rate < 1.0
            && (1..=512).contains(&self.batch_size)
            && self.epochs > 0.0
            && self.epochs <= 100.0
            && (0.0..1.0).contains(&self.warmup)
            && (0.0..1.0).contains(&self.weight_decay)
            && self.clip > 0.0;
        if ok {
            Ok(())
        } else {
            Err(Error::Settings(format!(
                "fine-tuning needs a learning rate in (0, 1), a batch of 1 to 512, 0 to 100 \
                 epochs, warm-up and weight decay in [0, 1) and a positive clip: {self:?}"
            )))
        }
    }

    /// Steps for `rows` training sentences.
    pub fn steps(&self, rows: usize) -> usize {
        ((rows as f64 * self.epochs as f64) / self.batch_size as f64).ceil() as usize
    }

    /// The learning rate at `step` of `total`: a linear warm-up, then a linear decay to zero.
    pub fn rate_at(&self, step: usize, total: usize) -> f64 {
        let warm = ((total as f32 * self.warmup).ceil() as usize).max(1);
        let peak = self.learning_rate;
        if step < warm {
            peak * (step + 1) as f64 / warm as f64
        } else {
            peak * (total.saturating_sub(step)) as f64 / (total - warm).max(1) as f64
        }
    }
}

/// Token-id rows cut to the longest one (ids stored as `f32`; `[PAD]` is 0 after the end).
pub fn trimmed_ids(data: &Dataset, rows: &[usize], device: &Device) -> Tensor<2, Int> {
    let len = rows
        .iter()
        .map(|&r| {
            let row = &data.features[r * data.dim..(r + 1) * data.dim];
            row.iter().rposition(|&id| id != 0.0).map_or(1, |p| p + 1)
        })
        .max()
        .unwrap_or(1);
    let ids: Vec<i64> = rows
        .iter()
        .flat_map(|&r| {
            data.features[r * data.dim..r * data.dim + len]
                .iter()
                .map(|&v| v as i64)
        })
        .collect();
    Tensor::from_data(TensorData::new(ids, [rows.len(), len]), device)
}

/// Logits of every row, in order, computed in batches of similar length.
pub fn bucketed_logits(net: &impl Classifier, data: &Dataset, device: &Device) -> Result<Vec<f32>> {
    let classes = net.architecture().classes();
    let mut order: Vec<usize> = (0..data.len()).collect();
    order.sort_by_key(|&r| row_length(data, r));
    let mut out = vec![0.0; data.len() * classes];
    for chunk in order.chunks(128) {
        let logits = net.logits(Input::Tokens(trimmed_ids(data, chunk, device)));
        let values = logits
            .into_data()
            .try_to_vec::<f32>()
            .map_err(|e| Error::Read(format!("{e:?}")))?;
        for (&r, row) in chunk.iter().zip(values.chunks(classes)) {
            out[r * classes..(r + 1) * classes].copy_from_slice(row);
        }
    }
    Ok(out)
}

/// Accuracy of `net` on `data`, by [`bucketed_logits`].
pub fn bucketed_accuracy(net: &impl Classifier, data: &Dataset, device: &Device) -> Result<f32> {
    let logits = bucketed_logits(net, data, device)?;
    let preds = predictions(&logits, data.classes);
    Ok(fraction_equal(
        &preds,
        data.labels.iter().map(|&l| usize::from(l)),
    ))
}

/// Fine-tunes `net` (on an autodiff device) on `train`; `progress(step, total, loss)` is called
/// after every step and may stop the run by returning `false`. Returns the network for
/// inference.
pub fn fine_tune(
    net: Bert,
    train: &Dataset,
    settings: &FineTuneSettings,
    mut progress: impl FnMut(usize, usize, f32) -> bool,
) -> Result<Bert> {
    settings.validate()?;
    let device = net.word_embeddings.weight.device();
    if !device.is_autodiff() {
        return Err(Error::Settings(
            "fine-tuning needs an autodiff device".into(),
        ));
    }
    let mut net = prepared(net, settings);
    let mut optim = AdamWConfig::new()
        .with_weight_decay(settings.weight_decay)
        .with_epsilon(1e-8)
        .with_grad_clipping(Some(GradientClippingConfig::Norm(settings.clip)))
        .init();
    let total = settings.steps(train.len());
    let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
    let mut batches: Vec<Vec<usize>> = Vec::new();
    for step in 0..total {
        if batches.is_empty() {
            batches = bucketed_batches(train, settings.batch_size, &mut rng);
        }
        let rows = batches.pop().unwrap_or_default();
        let loss = batch_loss(&net, train, &rows, &device);
        let value = loss.clone().into_scalar::<f32>();
        let value = Error::finite(value, step, "loss")?;
        let grads = GradientsParams::from_grads(loss.backward(), &net);
        net = optim.step(settings.rate_at(step, total), net, grads);
        if !progress(step + 1, total, value) {
            break;
        }
    }
    let net = net.valid();
    Ok(if settings.four_bit {
        net.snap_to_four_bit()
    } else {
        net
    })
}

/// What stays frozen, and the 4-bit forward pass when the fine-tuning is quantization-aware.
fn prepared(mut net: Bert, settings: &FineTuneSettings) -> Bert {
    if settings.four_bit {
        // The file keeps these tables in 4 bits: on the grid and frozen, they stay as written.
        net = net.snap_embeddings_to_four_bit();
        net.position_embeddings = net.position_embeddings.no_grad();
        net.token_type_embeddings = net.token_type_embeddings.no_grad();
        net.set_four_bit(true);
    }
    if settings.freeze_word_embeddings || settings.four_bit {
        net.word_embeddings = net.word_embeddings.no_grad();
    }
    net
}

/// The cross-entropy of a batch of rows.
fn batch_loss(net: &Bert, train: &Dataset, rows: &[usize], device: &Device) -> Tensor<1> {
    let ids = trimmed_ids(train, rows, device);
    let labels: Vec<f32> = rows
        .iter()
        .flat_map(|&r| one_hot(train.labels[r], train.classes))
        .collect();
    let one_hot =
        Tensor::<2>::from_data(TensorData::new(labels, [rows.len(), train.classes]), device);
    hard_cross_entropy(net.logits(Input::Tokens(ids)), one_hot, rows.len())
}

/// Position of the last token of row `r` (0 for an empty row).
fn row_length(data: &Dataset, r: usize) -> usize {
    data.features[r * data.dim..(r + 1) * data.dim]
        .iter()
        .rposition(|&id| id != 0.0)
        .unwrap_or(0)
}

/// One epoch's batches, each of sentences of about the same length: the rows are shuffled,
/// sorted by length within runs of 50 batches, cut into batches, and the batches shuffled.
/// A batch then pays for its own longest sentence, not for the longest of the set (2.2× fewer
/// positions on Brown), and its sentences still come from anywhere in the set.
pub fn bucketed_batches(data: &Dataset, batch: usize, rng: &mut ChaCha8Rng) -> Vec<Vec<usize>> {
    let mut rows: Vec<usize> = (0..data.len()).collect();
    rows.shuffle(rng);
    let mut batches = Vec::new();
    for run in rows.chunks_mut(50 * batch.max(1)) {
        run.sort_by_key(|&r| row_length(data, r));
        batches.extend(run.chunks(batch.max(1)).map(<[usize]>::to_vec));
    }
    batches.shuffle(rng);
    batches
}

fn one_hot(label: u8, classes: usize) -> Vec<f32> {
    (0..classes)
        .map(|c| f32::from(c == usize::from(label)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::BertConfig;

    #[test]
    fn the_rate_warms_up_then_decays_to_zero() {
        let s = FineTuneSettings::default();
        let rates: Vec<f64> = (0..100).map(|i| s.rate_at(i, 100)).collect();
        assert!((rates[0] - 1e-5).abs() < 1e-12);
        assert!((rates[9] - 1e-4).abs() < 1e-12, "the peak ends the warm-up");
        assert!(rates[10..].windows(2).all(|w| w[1] < w[0]));
        assert!(rates[99] < 2e-6);
        assert_eq!(s.steps(100), 7, "two epochs of 100 in batches of 32");
        assert!(FineTuneSettings { batch_size: 0, ..s }.validate().is_err());
    }

    #[test]
    fn batches_are_cut_to_their_longest_row() {
        let features = vec![
            101.0, 7.0, 102.0, 0.0, 0.0, //
            101.0, 7.0, 8.0, 9.0, 102.0, //
            101.0, 102.0, 0.0, 0.0, 0.0,
        ];
        let data = Dataset::new("t", features, vec![0, 1, 0], 5, 2, None).unwrap();
        let device = Device::flex();
        assert_eq!(trimmed_ids(&data, &[0, 2], &device).dims(), [2, 3]);
        assert_eq!(trimmed_ids(&data, &[2, 1], &device).dims(), [2, 5]);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut seen: Vec<usize> = bucketed_batches(&data, 2, &mut rng).concat();
        seen.sort();
        assert_eq!(seen, [0, 1, 2], "an epoch holds every row once");
    }

    /// The fake 4-bit weights are the file's 4-bit weights (up to the float16 rounding of
    /// the scales), and a network fine-tuned through them is the network its 4-bit file holds.
    #[test]
    fn quantization_aware_fine_tuning_writes_what_it_trained() {
        use crate::network::bert::fake_quantize;
        use crate::weights::{FileInfo, NetworkWeights, q4};
        let device = Device::flex();
        let values: Vec<f32> = (0..64 * 3)
            .map(|i| ((i * 29) % 41) as f32 / 13.0 - 1.5)
            .collect();
        // burn's [in = 64, out = 3] holds PyTorch's [3, 64] transposed.
        let w = Tensor::<2>::from_data(TensorData::new(values, [3, 64]), &device);
        let fake: Vec<f32> = fake_quantize(w.clone().transpose())
            .transpose()
            .into_data()
            .try_to_vec()
            .unwrap();
        let torch_rows: Vec<f32> = w.into_data().try_to_vec().unwrap();
        let file = q4::dequantize(&q4::quantize(&torch_rows), torch_rows.len()).unwrap();
        for (a, b) in fake.iter().zip(&file) {
            assert!((a - b).abs() <= 2e-3 * a.abs().max(0.1), "{a} vs {b}");
        }

        let config = BertConfig {
            vocab: 12,
            max_len: 6,
            width: 32,
            heads: 2,
            layers: 1,
            ff: 64,
            classes: 2,
            dropout: 0.0,
        };
        let features: Vec<f32> = (0..16)
            .flat_map(|i| {
                [
                    1.0,
                    5.0 + (i % 2) as f32,
                    7.0 + (i % 3) as f32,
                    2.0,
                    0.0,
                    0.0,
                ]
            })
            .collect();
        let labels = (0..16).map(|i| (i % 2) as u8).collect();
        let data = Dataset::new("t", features, labels, 6, 2, None).unwrap();
        let net = config.init(&device.clone().autodiff(), 5).unwrap();
        let settings = FineTuneSettings {
            learning_rate: 1e-2,
            batch_size: 8,
            epochs: 4.0,
            four_bit: true,
            ..FineTuneSettings::default()
        };
        let trained = fine_tune(net, &data, &settings, |_, _, _| true).unwrap();
        let weights = NetworkWeights::from_network(&trained.clone().into()).unwrap();
        let bytes = weights.to_q4_safetensors(&FileInfo::default()).unwrap();
        let back = NetworkWeights::from_safetensors(&bytes)
            .unwrap()
            .0
            .to_network(&device)
            .unwrap();
        let a = bucketed_logits(&trained, &data, &device).unwrap();
        let b = bucketed_logits(&back, &data, &device).unwrap();
        let worst = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0f32, f32::max);
        // Measured: 1.0e-4 (the float16 scales); 8.7e-4 when the weights are not snapped.
        assert!(worst < 3e-4, "the 4-bit file moved the logits by {worst}");
    }

    /// A tiny BERT learns a task whose label is its first word, and bucketed logits are the
    /// logits of each row alone.
    #[test]
    fn a_small_bert_fine_tunes() {
        let config = BertConfig {
            vocab: 12,
            max_len: 6,
            width: 16,
            heads: 2,
            layers: 1,
            ff: 32,
            classes: 2,
            dropout: 0.0,
        };
        let rows: Vec<(Vec<f32>, u8)> = (0..64)
            .map(|i| {
                let first = 5 + (i % 2) as u8;
                let len = 3 + i % 3;
                let mut row = vec![1.0, f32::from(first)];
                row.extend((0..len - 2).map(|j| (7 + (i + j) % 4) as f32));
                row.push(2.0);
                row.resize(6, 0.0);
                (row, first - 5)
            })
            .collect();
        let data = Dataset::new(
            "t",
            rows.iter().flat_map(|(r, _)| r.clone()).collect(),
            rows.iter().map(|(_, l)| *l).collect(),
            6,
            2,
            None,
        )
        .unwrap();
        let device = Device::flex().autodiff();
        let net = config.init(&device, 3).unwrap();
        let settings = FineTuneSettings {
            learning_rate: 3e-3,
            batch_size: 16,
            epochs: 20.0,
            freeze_word_embeddings: false,
            ..FineTuneSettings::default()
        };
        let mut losses = Vec::new();
        let net = fine_tune(net, &data, &settings, |_, _, l| {
            losses.push(l);
            true
        })
        .unwrap();
        assert_eq!(losses.len(), 80);
        let flex = Device::flex();
        assert!(
            bucketed_accuracy(&net, &data, &flex).unwrap() > 0.95,
            "{losses:?}"
        );
        let together = bucketed_logits(&net, &data, &flex).unwrap();
        let alone = crate::train::logits_host(&net, &data.subset(&[5]), &flex).unwrap();
        for (a, b) in together[10..12].iter().zip(&alone) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
    }
}
