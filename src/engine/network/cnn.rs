//! A convolutional classifier of square one-channel images: conv blocks (3×3 convolution with
//! "same" padding, ReLU, 2×2 max pooling), then one linear layer on the flattened maps. In
//! PyTorch: `nn.Conv2d(c_in, c_out, 3, padding=1)`, `nn.ReLU()`, `nn.MaxPool2d(2)` per block,
//! then `nn.Flatten()` and `nn.Linear`.

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::tokens::declared;
use super::torch::{TorchTensors, TorchValues, push_linear};
use super::{Architecture, Classifier, Forward, Input, Taps, fan_in_uniform, random_linear};
use crate::error::{Error, Result};

/// Side of every convolution kernel.
pub const KERNEL: usize = 3;
/// Most conv blocks a network may have, and most channels a block may have.
const MAX_BLOCKS: usize = 6;
const MAX_CHANNELS: usize = 512;

/// Shape of a conv net: the images' side in pixels, the channels of each block, the classes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CnnConfig {
    pub side: usize,
    pub channels: Vec<usize>,
    pub classes: usize,
}

impl CnnConfig {
    /// Refused with the reason: no blocks or too many, a block too wide, or more blocks than
    /// the image has pixels to halve.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::ModelConfig(m));
        if !(1..=MAX_BLOCKS).contains(&self.channels.len()) {
            return bad(format!(
                "{} conv blocks: 1 to {MAX_BLOCKS}",
                self.channels.len()
            ));
        }
        if let Some(c) = self
            .channels
            .iter()
            .find(|c| !(1..=MAX_CHANNELS).contains(*c))
        {
            return bad(format!("{c} channels: 1 to {MAX_CHANNELS} a block"));
        }
        if !(2..=1024).contains(&self.classes) {
            return bad(format!("{} classes: 2 to 1024", self.classes));
        }
        if self.side_after(self.channels.len()) == 0 {
            return bad(format!(
                "{} conv blocks halve {}-pixel images to nothing (2×2 pooling each): at most {}",
                self.channels.len(),
                self.side,
                self.fitting_blocks()
            ));
        }
        Ok(())
    }

    /// Blocks that leave at least one pixel.
    fn fitting_blocks(&self) -> usize {
        (0..=MAX_BLOCKS)
            .take_while(|&b| self.side_after(b) > 0)
            .last()
            .unwrap_or(0)
    }

    /// The maps' side after `blocks` blocks (each pooling floors the half).
    pub fn side_after(&self, blocks: usize) -> usize {
        (0..blocks).fold(self.side, |s, _| s / 2)
    }

    pub fn describe(&self) -> String {
        let c: Vec<String> = self.channels.iter().map(|c| c.to_string()).collect();
        format!(
            "conv net ({} blocks of 3×3 conv, ReLU, 2×2 max pool: channels [{}]) on {s}×{s} images → {}",
            self.channels.len(),
            c.join(", "),
            self.classes,
            s = self.side
        )
    }

    /// Values the classifier reads: the last block's maps, flattened.
    fn flat(&self) -> usize {
        let s = self.side_after(self.channels.len());
        self.channels.last().copied().unwrap_or(0) * s * s
    }

    pub fn pytorch_shapes(&self) -> Vec<(String, Vec<usize>)> {
        let mut out = Vec::new();
        let mut inputs = 1;
        for (k, &c) in self.channels.iter().enumerate() {
            out.push((
                format!("blocks.{k}.weight"),
                vec![c, inputs, KERNEL, KERNEL],
            ));
            out.push((format!("blocks.{k}.bias"), vec![c]));
            inputs = c;
        }
        out.push(("classifier.weight".into(), vec![self.classes, self.flat()]));
        out.push(("classifier.bias".into(), vec![self.classes]));
        out
    }

    pub fn declared_params(&self) -> u64 {
        declared(&self.pytorch_shapes())
    }

    /// Channels of block `layer` (1-based).
    pub fn width(&self, layer: usize) -> Option<usize> {
        layer
            .checked_sub(1)
            .and_then(|i| self.channels.get(i))
            .copied()
    }

    /// Pixels of block `layer`'s maps: its taps' positions.
    pub fn positions(&self, layer: usize) -> usize {
        let s = self.side_after(layer);
        s * s
    }

    pub fn init(&self, device: &Device, seed: u64) -> Result<Cnn> {
        self.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut inputs = 1;
        let mut blocks = Vec::with_capacity(self.channels.len());
        for &c in &self.channels {
            blocks.push(random_conv(inputs, c, &mut rng, device));
            inputs = c;
        }
        Ok(Cnn {
            blocks,
            classifier: random_linear(self.flat(), self.classes, &mut rng, device),
            pool: MaxPool2dConfig::new([2, 2]).init(),
            side: self.side,
        })
    }
}

/// PyTorch's default initialisation bound, 1/√fan-in, for weights and biases alike.
fn random_conv(inputs: usize, outputs: usize, rng: &mut ChaCha8Rng, device: &Device) -> Conv2d {
    let fan_in = inputs * KERNEL * KERNEL;
    let (w, b) = fan_in_uniform(rng, fan_in, outputs * fan_in, outputs);
    conv_from_host(&w, &b, inputs, outputs, device)
}

/// A 3×3 "same" convolution from PyTorch-layout values (`[out, in, 3, 3]`, which is burn's).
fn conv_from_host(w: &[f32], b: &[f32], inputs: usize, outputs: usize, device: &Device) -> Conv2d {
    let mut conv = Conv2dConfig::new([inputs, outputs], [KERNEL, KERNEL])
        .with_padding(PaddingConfig2d::Same)
        .init(device);
    conv.weight = Param::from_tensor(Tensor::from_data(
        TensorData::new(w.to_vec(), [outputs, inputs, KERNEL, KERNEL]),
        device,
    ));
    conv.bias = Some(Param::from_tensor(Tensor::from_data(
        TensorData::new(b.to_vec(), [outputs]),
        device,
    )));
    conv
}

/// Taps: `hidden.k` block k's maps as `[batch, pixels, channels]` (row-major pixels), so the
/// hidden-state losses compare them pixel by pixel as they compare tokens.
#[derive(Module, Debug)]
pub struct Cnn {
    pub blocks: Vec<Conv2d>,
    pub classifier: Linear,
    pub pool: MaxPool2d,
    #[module(skip)]
    pub side: usize,
}

impl Cnn {
    pub fn torch_tensors(&self) -> TorchTensors {
        let mut out = Vec::new();
        for (k, conv) in self.blocks.iter().enumerate() {
            let [o, i, kh, kw] = conv.weight.dims();
            let weight = conv.weight.val().reshape([o, i * kh * kw]);
            out.push((format!("blocks.{k}.weight"), weight));
            let bias = match &conv.bias {
                Some(b) => b.val(),
                None => Tensor::zeros([o], &conv.weight.device()),
            };
            out.push((format!("blocks.{k}.bias"), bias.unsqueeze_dim(0)));
        }
        push_linear(&mut out, "classifier", &self.classifier);
        out
    }

    pub fn from_torch(c: &CnnConfig, v: &TorchValues) -> Result<Self> {
        let mut inputs = 1;
        let mut blocks = Vec::with_capacity(c.channels.len());
        for (k, &outputs) in c.channels.iter().enumerate() {
            let w = v.get(&format!("blocks.{k}.weight"))?;
            let b = v.get(&format!("blocks.{k}.bias"))?;
            if w.len() != outputs * inputs * KERNEL * KERNEL || b.len() != outputs {
                return Err(Error::Weights(format!("blocks.{k} has the wrong size")));
            }
            blocks.push(conv_from_host(w, b, inputs, outputs, v.device));
            inputs = outputs;
        }
        Ok(Self {
            blocks,
            classifier: v.linear("classifier", c.flat(), c.classes)?,
            pool: MaxPool2dConfig::new([2, 2]).init(),
            side: c.side,
        })
    }
}

/// What a conv net's first block sees: its filters, and its maps of one image.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FirstBlock {
    /// One 3×3 kernel per channel, row-major.
    pub filters: Vec<Vec<f32>>,
    /// One map per channel, after the ReLU and before the pooling: the image's size.
    pub maps: Vec<Vec<f32>>,
    pub side: usize,
}

impl Cnn {
    /// The first block's filters, and its maps of `image` (`side × side` values). `None` for
    /// an image of another size or a net without blocks.
    pub fn first_block(&self, image: &[f32]) -> Option<FirstBlock> {
        let conv = self.blocks.first()?;
        if image.len() != self.side * self.side {
            return None;
        }
        let device = conv.weight.device();
        let x = Tensor::<4>::from_data(
            TensorData::new(image.to_vec(), [1, 1, self.side, self.side]),
            &device,
        );
        let [channels, ..] = conv.weight.dims();
        let rows = |t: Tensor<4>, width: usize| -> Option<Vec<Vec<f32>>> {
            let values = t.into_data().try_to_vec::<f32>().ok()?;
            Some(values.chunks(width).map(<[f32]>::to_vec).collect())
        };
        let maps = rows(relu(conv.forward(x)), self.side * self.side)?;
        let filters = rows(conv.weight.val(), KERNEL * KERNEL)?;
        (maps.len() == channels).then_some(FirstBlock {
            filters,
            maps,
            side: self.side,
        })
    }
}

impl Classifier for Cnn {
    fn forward(&self, input: Input) -> Forward {
        let x = input.features();
        let [batch, _] = x.dims();
        let mut maps: Tensor<4> = x.reshape([batch, 1, self.side, self.side]);
        let mut taps = Vec::with_capacity(self.blocks.len());
        for conv in &self.blocks {
            maps = self.pool.forward(relu(conv.forward(maps)));
            let [_, c, h, w] = maps.dims();
            taps.push(maps.clone().reshape([batch, c, h * w]).swap_dims(1, 2));
        }
        let [_, c, h, w] = maps.dims();
        Forward {
            logits: self.classifier.forward(maps.reshape([batch, c * h * w])),
            taps: Taps::new(taps),
        }
    }

    fn architecture(&self) -> Architecture {
        let [_, classes] = self.classifier.weight.dims();
        Architecture::Cnn(CnnConfig {
            side: self.side,
            channels: self.blocks.iter().map(|b| b.weight.dims()[0]).collect(),
            classes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> CnnConfig {
        CnnConfig {
            side: 28,
            channels: vec![4, 8],
            classes: 10,
        }
    }

    #[test]
    fn the_first_block_shows_each_filter_and_its_map_of_the_image() {
        let device = Device::flex();
        let net = config().init(&device, 3).unwrap();
        let mut image = vec![0.0; 28 * 28];
        image[14 * 28 + 14] = 1.0;
        let seen = net.first_block(&image).unwrap();
        assert_eq!((seen.filters.len(), seen.maps.len(), seen.side), (4, 4, 28));
        // One lit pixel: each map is its filter's bias plus the filter mirrored around it, cut
        // at zero (ReLU); far from it, the bias alone.
        let bias: Vec<f32> = net.blocks[0]
            .bias
            .as_ref()
            .unwrap()
            .val()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        for (c, (map, filter)) in seen.maps.iter().zip(&seen.filters).enumerate() {
            assert!((map[0] - bias[c].max(0.0)).abs() < 1e-6);
            let centre = (filter[4] + bias[c]).max(0.0);
            assert!((map[14 * 28 + 14] - centre).abs() < 1e-5, "{c}");
            let left = (filter[5] + bias[c]).max(0.0);
            assert!((map[14 * 28 + 13] - left).abs() < 1e-5, "{c}");
        }
        assert!(net.first_block(&[0.0; 10]).is_none());
    }

    #[test]
    fn blocks_halve_the_maps_and_the_taps_are_pixels_by_channels() {
        let device = Device::flex();
        let net = config().init(&device, 1).unwrap();
        let x = Tensor::<2>::ones([3, 28 * 28], &device);
        let out = net.forward(Input::Features(x));
        assert_eq!(out.logits.dims(), [3, 10]);
        assert_eq!(out.taps.hidden(1).unwrap().dims(), [3, 14 * 14, 4]);
        assert_eq!(out.taps.hidden(2).unwrap().dims(), [3, 7 * 7, 8]);
        assert_eq!(net.architecture(), Architecture::Cnn(config()));
        assert_eq!(config().positions(2), 49);
        let params: u64 = (4 * 9 + 4) + (8 * 4 * 9 + 8) + (10 * 8 * 49 + 10);
        assert_eq!(config().declared_params(), params);
        assert_eq!(net.num_params() as u64, params);
    }

    #[test]
    fn a_shape_that_does_not_fit_is_refused_with_the_reason() {
        let deep = CnnConfig {
            channels: vec![8; 5],
            ..config()
        };
        let err = deep.validate().unwrap_err().to_string();
        assert!(
            err.contains("5 conv blocks halve 28-pixel images to nothing")
                && err.contains("at most 4"),
            "{err}"
        );
        let wide = CnnConfig {
            channels: vec![8, 4096],
            ..config()
        };
        assert!(
            wide.validate()
                .unwrap_err()
                .to_string()
                .contains("4096 channels")
        );
        let none = CnnConfig {
            channels: vec![],
            ..config()
        };
        assert!(
            none.validate()
                .unwrap_err()
                .to_string()
                .contains("0 conv blocks")
        );
    }
}
