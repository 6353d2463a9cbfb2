//! `cka`: how alike each teacher layer is to each student layer (linear CKA on a probe batch).

use std::path::Path;

use burn::tensor::Device;

use crate::engine::cka::layer_similarity;
use crate::engine::error::Result;
use crate::engine::network::Classifier;

use super::*;

pub(super) fn cka(args: CkaArgs, assets: &Path, device: &Device) -> Result<()> {
    let TeacherData { teacher, data, .. } = teacher_and_data(
        args.dataset,
        args.teacher.as_deref(),
        None,
        (assets, args.seed),
        device,
    )?;
    let (student, _) = load_weights(&args.student, device)?;
    check_fits(&student.architecture(), &args.student, args.dataset, &data)?;
    let test = &data.split.test;
    let probe = test.subset(&(0..test.len().min(args.probe)).collect::<Vec<_>>());
    let m = layer_similarity(&teacher, &student, &probe, device)?;
    println!(
        "Linear CKA on {} test examples: teacher {} (rows) against student {} (columns)",
        probe.len(),
        teacher.architecture().describe(),
        student.architecture().describe()
    );
    let columns = m.first().map_or(0, Vec::len);
    let head: String = (1..=columns)
        .map(|s| format!("{:>7}", format!("S{s}")))
        .collect();
    println!("{:>4}{head}", "");
    for (t, row) in m.iter().enumerate() {
        let cells: String = row.iter().map(|v| format!("{v:>7.3}")).collect();
        println!("{:>4}{cells}", format!("T{}", t + 1));
    }
    Ok(())
}
