//! The cheapest student, fastText-like: the mean of the sentence's word embeddings (padding
//! left out), then ReLU layers and the classifier. In PyTorch: `nn.EmbeddingBag(vocab, embed,
//! mode="mean", padding_idx=0)` followed by an `nn.Sequential` of linear layers.

use burn::module::Module;
use burn::nn::{Embedding, Linear};
use burn::tensor::Device;
use burn::tensor::activation::relu;
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::tokens::{check_text_sizes, declared, random_embedding, token_mask};
use super::torch::{TorchTensors, TorchValues, push_embedding, push_linear};
use super::{Architecture, Classifier, Forward, Input, Taps, random_linear};
use crate::error::{Error, Result};

/// Shape of a bag-of-words classifier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BowConfig {
    pub vocab: usize,
    pub max_len: usize,
    pub embed: usize,
    /// ReLU layers after the mean (may be empty: a linear model of the mean embedding).
    pub hidden: Vec<usize>,
    pub classes: usize,
}

impl BowConfig {
    pub fn student(vocab: usize, max_len: usize, classes: usize) -> Self {
        Self {
            vocab,
            max_len,
            embed: 32,
            hidden: vec![32],
            classes,
        }
    }

    pub fn validate(&self) -> Result<()> {
        check_text_sizes(self.vocab, self.max_len, self.classes)?;
        if self.hidden.len() > 8 {
            return Err(Error::ModelConfig(format!(
                "{} ReLU layers: at most 8",
                self.hidden.len()
            )));
        }
        for w in std::iter::once(self.embed).chain(self.hidden.iter().copied()) {
            if !(1..=1024).contains(&w) {
                return Err(Error::ModelConfig(format!("width {w}: 1 to 1024")));
            }
        }
        Ok(())
    }

    pub fn describe(&self) -> String {
        let widths: Vec<String> = self.hidden.iter().map(|w| w.to_string()).collect();
        format!(
            "bag of words (embed {}, ReLU [{}]) on {} words × {} tokens → {}",
            self.embed,
            widths.join(", "),
            self.vocab,
            self.max_len,
            self.classes
        )
    }

    fn layer_shapes(&self) -> Vec<(usize, usize)> {
        let widths: Vec<usize> = std::iter::once(self.embed)
            .chain(self.hidden.iter().copied())
            .collect();
        let mut shapes: Vec<(usize, usize)> = widths.windows(2).map(|w| (w[0], w[1])).collect();
        shapes.push((*widths.last().unwrap_or(&self.embed), self.classes));
        shapes
    }

    pub fn pytorch_shapes(&self) -> Vec<(String, Vec<usize>)> {
        let mut out = vec![("embedding.weight".to_string(), vec![self.vocab, self.embed])];
        let shapes = self.layer_shapes();
        for (k, (i, o)) in shapes.iter().enumerate() {
            let name = layer_name(k, shapes.len());
            out.push((format!("{name}.weight"), vec![*o, *i]));
            out.push((format!("{name}.bias"), vec![*o]));
        }
        out
    }

    pub fn declared_params(&self) -> u64 {
        declared(&self.pytorch_shapes())
    }

    /// 0: the embeddings; k: ReLU layer k.
    pub fn width(&self, layer: usize) -> Option<usize> {
        match layer {
            0 => Some(self.embed),
            k => self.hidden.get(k - 1).copied(),
        }
    }

    pub fn init(&self, device: &Device, seed: u64) -> Result<Bow> {
        self.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let embedding = random_embedding(self.vocab, self.embed, 1.0, &mut rng, device);
        let mut layers: Vec<Linear> = self
            .layer_shapes()
            .into_iter()
            .map(|(i, o)| random_linear(i, o, &mut rng, device))
            .collect();
        let classifier = layers
            .pop()
            .ok_or_else(|| Error::ModelConfig("no classifier".into()))?;
        Ok(Bow {
            embedding,
            hidden: layers,
            classifier,
            max_len: self.max_len,
        })
    }
}

/// `hidden.{k}` for the ReLU layers, `classifier` for the last.
fn layer_name(k: usize, layers: usize) -> String {
    if k + 1 == layers {
        "classifier".into()
    } else {
        format!("hidden.{k}")
    }
}

/// Taps: `hidden.0` the word embeddings `[batch, positions, embed]`, `hidden.k` ReLU layer k
/// `[batch, 1, width]`.
#[derive(Module, Debug)]
pub struct Bow {
    pub embedding: Embedding,
    pub hidden: Vec<Linear>,
    pub classifier: Linear,
    #[module(skip)]
    pub max_len: usize,
}

impl Bow {
    pub fn torch_tensors(&self) -> TorchTensors {
        let mut out = Vec::new();
        push_embedding(&mut out, "embedding", &self.embedding);
        for (k, layer) in self.hidden.iter().enumerate() {
            push_linear(&mut out, &format!("hidden.{k}"), layer);
        }
        push_linear(&mut out, "classifier", &self.classifier);
        out
    }

    pub fn from_torch(c: &BowConfig, v: &TorchValues) -> Result<Self> {
        let shapes = c.layer_shapes();
        let mut layers = shapes
            .iter()
            .enumerate()
            .map(|(k, &(i, o))| v.linear(&layer_name(k, shapes.len()), i, o))
            .collect::<Result<Vec<_>>>()?;
        let classifier = layers
            .pop()
            .ok_or_else(|| Error::Weights("no classifier".into()))?;
        Ok(Self {
            embedding: v.embedding("embedding", c.vocab, c.embed)?,
            hidden: layers,
            classifier,
            max_len: c.max_len,
        })
    }
}

impl Classifier for Bow {
    fn forward(&self, input: Input) -> Forward {
        let ids = input.tokens();
        let mask = token_mask(&ids);
        let embedded = self.embedding.forward(ids);
        let [batch, _, width] = embedded.dims();
        let weights = mask.clone().unsqueeze_dim::<3>(2);
        let counts = mask.clone().sum_dim(1).clamp_min(1.0);
        let mean = embedded
            .clone()
            .mul(weights)
            .sum_dim(1)
            .reshape([batch, width])
            .div(counts);
        let mut taps = Vec::with_capacity(self.hidden.len());
        let mut h = mean;
        for layer in &self.hidden {
            h = relu(layer.forward(h));
            taps.push(h.clone().unsqueeze_dim(1));
        }
        Forward {
            logits: self.classifier.forward(h),
            taps: Taps::new(taps).with_embedding(embedded, mask),
        }
    }

    fn architecture(&self) -> Architecture {
        let [vocab, embed] = self.embedding.weight.dims();
        let [_, classes] = self.classifier.weight.dims();
        Architecture::Bow(BowConfig {
            vocab,
            max_len: self.max_len,
            embed,
            hidden: self.hidden.iter().map(|l| l.weight.dims()[1]).collect(),
            classes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Int, Tensor, TensorData};

    #[test]
    fn the_mean_ignores_padding_and_word_order() {
        let device = Device::flex();
        let config = BowConfig {
            vocab: 20,
            max_len: 6,
            embed: 4,
            hidden: vec![5, 3],
            classes: 2,
        };
        let net = config.init(&device, 1).unwrap();
        assert_eq!(net.architecture(), Architecture::Bow(config.clone()));
        let run = |row: &[i64]| {
            let x =
                Tensor::<2, Int>::from_data(TensorData::new(row.to_vec(), [1, row.len()]), &device);
            net.forward(Input::Tokens(x))
        };
        let a = run(&[2, 7, 8, 3, 0, 0]);
        let b = run(&[2, 8, 7, 3]);
        let diff = (a.logits.clone() - b.logits)
            .abs()
            .max()
            .into_scalar::<f32>();
        assert!(diff < 1e-6, "{diff}");
        assert_eq!(a.taps.hidden(2).unwrap().dims(), [1, 1, 3]);
        assert_eq!(a.taps.hidden(0).unwrap().dims(), [1, 6, 4]);
        let names: Vec<String> = config
            .pytorch_shapes()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            names,
            [
                "embedding.weight",
                "hidden.0.weight",
                "hidden.0.bias",
                "hidden.1.weight",
                "hidden.1.bias",
                "classifier.weight",
                "classifier.bias"
            ]
        );
    }
}
