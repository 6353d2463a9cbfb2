//! Several teachers as one (MT-DNN's ensemble, Liu et al. 2019): the ensemble's distribution is
//! the weighted average of its members' class probabilities. A distillation loss then treats it
//! as any teacher: the temperature softens the averaged distribution.
//!
//! Its logits are `log Σₖ wₖ softmax(zₖ)`, so `softmax(logits) = Σₖ wₖ softmax(zₖ)` exactly and
//! the trainer's teacher cache, losses and agreement all work unchanged. With one member the
//! logits are that member's, untouched.

use burn::tensor::Tensor;
use burn::tensor::activation::log_softmax;

use super::{Architecture, Classifier, Forward, Input, Network};
use crate::error::{Error, Result};

/// At most this many teachers (each runs on every row of the transfer set once).
pub const MAX_MEMBERS: usize = 8;

/// K teachers and their weights (normalised to sum to 1).
#[derive(Clone, Debug)]
pub struct Ensemble {
    members: Vec<Network>,
    weights: Vec<f32>,
}

impl From<Network> for Ensemble {
    fn from(net: Network) -> Self {
        Self {
            members: vec![net],
            weights: vec![1.0],
        }
    }
}

impl Ensemble {
    /// Teachers that read the same inputs and predict the same classes, with one weight each.
    pub fn new(members: Vec<Network>, weights: &[f32]) -> Result<Self> {
        let Some(first) = members.first().map(Classifier::architecture) else {
            return Err(Error::ModelConfig("an ensemble needs a teacher".into()));
        };
        if members.len() > MAX_MEMBERS {
            return Err(Error::ModelConfig(format!(
                "{} teachers: an ensemble has at most {MAX_MEMBERS}",
                members.len()
            )));
        }
        for (k, m) in members.iter().enumerate().skip(1) {
            let a = m.architecture();
            let fits = (a.inputs(), a.classes(), a.vocab())
                == (first.inputs(), first.classes(), first.vocab());
            if !fits {
                return Err(Error::ModelConfig(format!(
                    "teacher {} ({}) does not read the same inputs or predict the same classes \
                     as teacher 1 ({})",
                    k + 1,
                    a.describe(),
                    first.describe()
                )));
            }
        }
        let weights = checked_shares(weights, members.len())?;
        Ok(Self { members, weights })
    }

    pub fn members(&self) -> &[Network] {
        &self.members
    }

    /// The normalised weights, one per member.
    pub fn weights(&self) -> &[f32] {
        &self.weights
    }

    /// New weights for the same members (checked and normalised).
    pub fn set_weights(&mut self, weights: &[f32]) -> Result<()> {
        self.weights = checked_shares(weights, self.members.len())?;
        Ok(())
    }

    /// The members detached from autodiff.
    pub fn valid(&self) -> Self {
        use burn::module::Module;
        Self {
            members: self.members.iter().map(Module::valid).collect(),
            weights: self.weights.clone(),
        }
    }

    /// The ensemble's logits from every member's, in member order: `log Σₖ wₖ softmax(zₖ)`.
    /// Members of weight 0 are left out; a lone member's logits come back as they are.
    pub fn combine(&self, logits: Vec<Tensor<2>>) -> Tensor<2> {
        let mut weighted: Vec<(f32, Tensor<2>)> = self
            .weights
            .iter()
            .copied()
            .zip(logits)
            .filter(|(w, _)| *w > 0.0)
            .collect();
        if weighted.len() == 1
            && let Some((_, z)) = weighted.pop()
        {
            return z;
        }
        let parts: Vec<Tensor<2>> = weighted
            .into_iter()
            .map(|(w, z)| log_softmax(z, 1).add_scalar(w.ln()))
            .collect();
        log_sum_exp(Tensor::stack(parts, 0))
    }

    /// Every member's logits, then combined.
    fn run(&self, input: &Input) -> Tensor<2> {
        let logits = self
            .members
            .iter()
            .map(|m| m.logits(input.clone()))
            .collect();
        self.combine(logits)
    }
}

/// `log Σₖ exp(xₖ)` over the first axis, stably.
fn log_sum_exp(x: Tensor<3>) -> Tensor<2> {
    let max = x.clone().max_dim(0);
    let sum = x.sub(max.clone()).exp().sum_dim(0);
    sum.log().add(max).squeeze_dim(0)
}

/// `weights` checked (one per member, finite, none negative, not all 0) and scaled to sum to 1.
/// `weights` for `members` teachers, as shares of their sum.
fn checked_shares(weights: &[f32], members: usize) -> Result<Vec<f32>> {
    if weights.len() != members {
        return Err(Error::Settings(format!(
            "{} teacher weights for {members} teachers",
            weights.len()
        )));
    }
    shares(weights)
}

/// Teacher weights as shares of their sum (the page's sliders and the trainer share this).
pub fn shares(weights: &[f32]) -> Result<Vec<f32>> {
    if let Some(w) = weights.iter().find(|w| !w.is_finite() || **w < 0.0) {
        return Err(Error::Settings(format!(
            "teacher weight {w}: weights must be 0 or more"
        )));
    }
    // Summed in f64: two weights near f32::MAX would overflow to infinity and every share to 0.
    let sum: f64 = weights.iter().map(|&w| f64::from(w)).sum();
    if sum <= 0.0 {
        return Err(Error::Settings(
            "every weight is 0: give at least one teacher a weight".into(),
        ));
    }
    Ok(weights
        .iter()
        .map(|&w| (f64::from(w) / sum) as f32)
        .collect())
}

/// The lead member (the first) gives the taps; the logits are the ensemble's. Hidden-state and
/// attention losses need one teacher, and the trainer refuses them for a real ensemble.
impl Classifier for Ensemble {
    fn forward(&self, input: Input) -> Forward {
        let lead = self.members[0].forward(input.clone());
        if self.members.len() == 1 {
            return lead;
        }
        Forward {
            logits: self.run(&input),
            taps: lead.taps,
        }
    }

    fn logits(&self, input: Input) -> Tensor<2> {
        match self.members.len() {
            1 => self.members[0].logits(input),
            _ => self.run(&input),
        }
    }

    fn architecture(&self) -> Architecture {
        self.members[0].architecture()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::host;
    use crate::network::MlpConfig;
    use burn::tensor::{Device, TensorData};

    fn teachers(device: &Device) -> Vec<Network> {
        [1, 2, 3]
            .map(|s| Network::Mlp(MlpConfig::student(4, 3).init(device, s).unwrap()))
            .to_vec()
    }

    #[test]
    fn its_distribution_is_the_weighted_average_of_the_members() {
        let device = Device::flex();
        let x = Tensor::<2>::from_data(
            TensorData::new(
                (0..20).map(|i| (i as f32 * 0.37).sin() * 3.0).collect(),
                [5, 4],
            ),
            &device,
        );
        let members = teachers(&device);
        let each: Vec<Vec<f32>> = members
            .iter()
            .map(|m| {
                m.logits(Input::Features(x.clone()))
                    .into_data()
                    .try_to_vec::<f32>()
                    .unwrap()
            })
            .collect();
        let ensemble = Ensemble::new(members, &[2.0, 1.0, 1.0]).unwrap();
        assert_eq!(ensemble.weights(), &[0.5, 0.25, 0.25]);
        let got: Vec<f32> = ensemble
            .logits(Input::Features(x))
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        for row in 0..5 {
            let r = row * 3..row * 3 + 3;
            let rows: Vec<&[f32]> = each.iter().map(|z| &z[r.clone()]).collect();
            let want = host::mix(&rows, &[0.5, 0.25, 0.25]);
            for (g, w) in host::softmax_t(&got[r], 1.0).iter().zip(&want) {
                assert!((g - w).abs() < 1e-6, "{g} vs {w}");
            }
        }
    }

    #[test]
    fn one_member_or_one_weight_gives_that_teacher_untouched() {
        let device = Device::flex();
        let x = Tensor::<2>::ones([2, 4], &device);
        let members = teachers(&device);
        let second: Vec<f32> = members[1]
            .logits(Input::Features(x.clone()))
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let only_second = Ensemble::new(members.clone(), &[0.0, 3.0, 0.0]).unwrap();
        let got: Vec<f32> = only_second
            .logits(Input::Features(x.clone()))
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert_eq!(got, second);
        let single = Ensemble::from(members[1].clone());
        let got: Vec<f32> = single
            .logits(Input::Features(x))
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert_eq!(got, second);
    }

    #[test]
    fn bad_weights_and_mismatched_teachers_are_refused() {
        let device = Device::flex();
        let members = teachers(&device);
        let err = |w: &[f32]| Ensemble::new(members.clone(), w).unwrap_err().to_string();
        assert!(err(&[1.0, 1.0]).contains("2 teacher weights for 3 teachers"));
        assert!(err(&[1.0, -1.0, 1.0]).contains("weight -1"));
        assert!(err(&[1.0, f32::NAN, 1.0]).contains("weight NaN"));
        assert!(err(&[0.0, 0.0, 0.0]).contains("every weight is 0"));
        let mut mixed = members.clone();
        mixed.push(Network::Mlp(
            MlpConfig::student(5, 3).init(&device, 1).unwrap(),
        ));
        let e = Ensemble::new(mixed, &[1.0; 4]).unwrap_err().to_string();
        assert!(e.contains("teacher 4"), "{e}");
        let mut ok = Ensemble::new(members, &[1.0; 3]).unwrap();
        assert!(ok.set_weights(&[0.0; 3]).is_err());
        assert_eq!(
            ok.weights(),
            &[1.0 / 3.0; 3],
            "a refused change keeps the weights"
        );
    }

    /// Weights near f32::MAX once summed to infinity, made every share 0 and panicked on an
    /// empty stack (`distill distill --teacher-weights 3e38,3e38`).
    #[test]
    fn huge_weights_are_shares_like_any_others() {
        let device = Device::flex();
        let members = teachers(&device);
        let big = Ensemble::new(members.clone(), &[3e38, 3e38, 0.0]).unwrap();
        assert_eq!(big.weights(), &[0.5, 0.5, 0.0]);
        let x = Tensor::<2>::ones([2, 4], &device);
        let even = Ensemble::new(members, &[1.0, 1.0, 0.0]).unwrap();
        let got = big.logits(Input::Features(x.clone())).into_data();
        assert_eq!(got, even.logits(Input::Features(x)).into_data());
    }
}
