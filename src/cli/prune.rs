//! `prune`: a weight file pruned by magnitude, written with its mask beside it
//! (`<out>` and `<out stem>.mask.safetensors`); `factorize`: an MLP's file by truncated SVD.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use clap::Args;

use crate::engine::compress::prune::{Scope, magnitude_mask};
use crate::engine::error::Result;
use crate::engine::weights::NetworkWeights;

use super::{load_weights, write};

#[derive(Args, Debug)]
pub struct PruneArgs {
    /// The weight file to prune.
    #[arg(long)]
    pub weights: PathBuf,
    /// The share of the weight matrices set to zero, smallest magnitudes first (0 to below 1).
    #[arg(long)]
    pub sparsity: f32,
    /// The sparsity in every layer, rather than one threshold over all of them.
    #[arg(long)]
    pub per_layer: bool,
    /// Where the pruned weights go; the mask goes beside them.
    #[arg(long)]
    pub out: PathBuf,
}

/// `student.safetensors` → `student.mask.safetensors`.
fn mask_path(out: &Path) -> PathBuf {
    let stem = out
        .file_stem()
        .map_or("weights".into(), |s| s.to_string_lossy().into_owned());
    out.with_file_name(format!("{stem}.mask.safetensors"))
}

pub(super) fn prune(args: PruneArgs, device: &Device) -> Result<()> {
    let (net, info) = load_weights(&args.weights, device)?;
    let mut weights = NetworkWeights::from_network(&net)?;
    let scope = match args.per_layer {
        true => Scope::PerLayer,
        false => Scope::Global,
    };
    let mask = magnitude_mask(&weights, args.sparsity, scope)?;
    mask.apply(&mut weights)?;
    write(&args.out, &weights.to_safetensors(&info)?)?;
    let masks = mask_path(&args.out);
    write(&masks, &mask.to_safetensors(&weights.architecture)?)?;
    println!(
        "pruned {:.2} % of {} weight matrices; wrote {} and {}",
        mask.sparsity() * 100.0,
        mask.kept.len(),
        args.out.display(),
        masks.display()
    );
    Ok(())
}

#[derive(Args, Debug)]
pub struct FactorizeArgs {
    /// The weight file of an MLP.
    #[arg(long)]
    pub weights: PathBuf,
    /// The rank of every layer where it makes the layer smaller.
    #[arg(long)]
    pub rank: usize,
    /// Where the factorized weights go (each such layer as two nn.Linear).
    #[arg(long)]
    pub out: PathBuf,
}

pub(super) fn factorize(args: FactorizeArgs, device: &Device) -> Result<()> {
    let (net, info) = load_weights(&args.weights, device)?;
    let weights = NetworkWeights::from_network(&net)?;
    let Some(small) = crate::engine::compress::factorize::factorize(&weights, args.rank)? else {
        return Err(crate::engine::error::Error::Settings(format!(
            "rank {} makes no layer of {} smaller",
            args.rank,
            weights.architecture.describe()
        )));
    };
    write(&args.out, &small.to_safetensors(&info)?)?;
    println!(
        "factorized to {}; wrote {}",
        small.architecture.describe(),
        args.out.display()
    );
    Ok(())
}
