//! `bench`: the engine's distillation steps per second and where the time goes.

use std::path::Path;

use burn::tensor::Device;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::engine::catalog::DatasetKind;
use crate::engine::error::{Error, Result};
use crate::engine::network::Classifier;

use super::kinds::NetKind;
use super::*;
use crate::engine::bench::{MatmulPeak, ScalePoint, StepBench};

pub(super) fn bench(args: BenchArgs, assets: &Path, device: &Device, quiet: bool) -> Result<()> {
    let (datasets, batches) = args.lists()?;
    let bar = bench_bar(&args, &datasets, batches.len(), quiet);
    bar.set_prefix("bench");
    bar.set_message("matmul peak");
    let peak = crate::engine::bench::matmul_peak(1024, device)?;
    bar.inc(1);
    let mut results = Vec::new();
    for kind in &datasets {
        let path = shipped_teacher(assets, *kind);
        let (teacher, info) = load_weights(&path, device)?;
        let tokenizer = text_tokenizer(&teacher, &info, None, &path)?;
        let data = load_data(*kind, assets, 42, tokenizer)?;
        for (student, hidden) in students(*kind, &data, &args.text_students)? {
            for &batch in &batches {
                bar.set_message(format!("{} {} batch {batch}", kind.name(), student.kind()));
                results.push(crate::engine::bench::distill_steps(
                    kind.name(),
                    &data.split,
                    (&teacher, &student),
                    (batch, hidden),
                    args.steps,
                    device,
                )?);
                bar.inc(1);
            }
        }
    }
    bar.finish_and_clear();
    let scale = if args.scale {
        scale_sweep(assets, args.steps, device, quiet)?
    } else {
        Vec::new()
    };
    let minilm = if args.minilm {
        minilm_forward(assets, &batches, device)?
    } else {
        Vec::new()
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    print_table(&peak, &results, threads);
    print_scale(&peak, &scale);
    if let Some(out) = &args.out {
        write_report(out, &peak, (&results, &scale, &minilm), threads)?;
    }
    Ok(())
}

/// The pretrained MiniLM teacher's forward pass on Brown's first rows of 64 pieces: the
/// median milliseconds per batch, printed and returned as `{batch, forward_ms}`.
fn minilm_forward(
    assets: &Path,
    batches: &[usize],
    device: &Device,
) -> Result<Vec<serde_json::Value>> {
    use crate::engine::text::{BROWN_PIECES, brown_pieces};
    let (teacher, _) = load_weights(&shipped_teacher(assets, DatasetKind::Brown), device)?;
    let wordpiece = crate::engine::minilm::wordpiece(assets, BROWN_PIECES)?;
    let split = brown_pieces(&crate::engine::catalog::read_brown(assets)?, &wordpiece)?;
    let mut out = Vec::new();
    for &batch in batches {
        let ms = crate::engine::bench::teacher_forward(&teacher, &split, batch, device)?;
        println!("MiniLM forward pass, batch {batch} × 64 pieces: {ms:.1} ms");
        out.push(json!({ "batch": batch, "forward_ms": ms, "teacher": teacher.architecture().describe() }));
    }
    Ok(out)
}

/// One tick per measurement: the matmul peak, then every student at every batch size.
fn bench_bar(
    args: &BenchArgs,
    datasets: &[DatasetKind],
    batches: usize,
    quiet: bool,
) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    // Text: the students asked for; images: the MLP with and without the hidden terms.
    let students: usize = datasets
        .iter()
        .map(|d| {
            if d.is_text() {
                args.text_students.len()
            } else {
                2
            }
        })
        .sum();
    let bar = ProgressBar::new((students * batches + 1) as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix:>9} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// The full step over the scale grid on the digits, each point timed for about as long as
/// `steps` steps of the smallest (a 1,024 × 512 step is ~250 times the work of a 64 × 32 one).
fn scale_sweep(
    assets: &Path,
    steps: usize,
    device: &Device,
    quiet: bool,
) -> Result<Vec<ScalePoint>> {
    use crate::engine::bench::{SCALE_BATCHES, SCALE_WIDTHS, scale_point};
    let path = shipped_teacher(assets, DatasetKind::Digits);
    let (teacher, _) = load_weights(&path, device)?;
    let data = load_data(DatasetKind::Digits, assets, 42, None)?;
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new((SCALE_BATCHES.len() * SCALE_WIDTHS.len()) as u64)
    };
    bar.set_prefix("scale");
    let mut points = Vec::new();
    for &width in &SCALE_WIDTHS {
        for &batch in &SCALE_BATCHES {
            bar.set_message(format!("batch {batch}, width {width}"));
            let n = (steps * 64 * 32 / (batch * width)).max(10);
            points.push(scale_point(
                &data.split,
                &teacher,
                (batch, width),
                n,
                device,
            )?);
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    Ok(points)
}

fn print_scale(peak: &MatmulPeak, points: &[ScalePoint]) {
    if points.is_empty() {
        return;
    }
    println!(
        "\nScale: full steps/s (GFLOP/s of teacher and student, of a {:.0} GFLOP/s peak)",
        peak.gflops
    );
    print!("{:>7}", "width");
    for &b in &crate::engine::bench::SCALE_BATCHES {
        print!(" {:>16}", format!("batch {b}"));
    }
    println!();
    for row in points.chunks(crate::engine::bench::SCALE_BATCHES.len()) {
        print!("{:>7}", row[0].width);
        for p in row {
            print!(
                " {:>16}",
                format!("{:.0} ({:.0})", p.full_steps_per_s, p.gflops)
            );
        }
        println!();
    }
}

/// The students measured on a dataset, each with whether its loss has the hidden terms: the
/// default MLP without and with them, or each text kind's default shape.
fn students(
    kind: DatasetKind,
    data: &Data,
    text_students: &[NetKind],
) -> Result<Vec<(Architecture, bool)>> {
    use super::kinds::{Role, architecture};
    let kinds: &[NetKind] = if kind.is_text() {
        text_students
    } else {
        &[NetKind::Mlp]
    };
    kinds
        .iter()
        .map(|&k| {
            architecture(
                k,
                None,
                Role::Student,
                4,
                0.0,
                Default::default(),
                &data.shape(),
            )
        })
        .map(|arch| {
            let arch = arch?;
            let with_hidden = (!kind.is_text()).then(|| (arch.clone(), true));
            Ok([Some((arch, false)), with_hidden])
        })
        .collect::<Result<Vec<_>>>()
        .map(|v| v.into_iter().flatten().flatten().collect())
}

fn print_table(peak: &MatmulPeak, results: &[StepBench], threads: usize) {
    println!(
        "CPU (burn Flex, {threads} threads): f32 matmul 1024³ peak {:.1} GFLOP/s",
        peak.gflops
    );
    println!(
        "{:<7} {:<12} {:<9} {:>5} {:>10} {:>9} {:>9} {:>9} {:>12} {:>11} {:>12}",
        "dataset",
        "student",
        "loss",
        "batch",
        "playground",
        "ms",
        "full/s",
        "full ms",
        "student GF/s",
        "teacher ms",
        "teacher GF/s",
    );
    for r in results {
        let kind = r.student.split_whitespace().next().unwrap_or("");
        println!(
            "{:<7} {:<12} {:<9} {:>5} {:>10.0} {:>9.3} {:>9.0} {:>9.3} {:>12.2} {:>11.3} {:>12.2}",
            r.dataset,
            kind,
            r.loss,
            r.batch,
            r.steps_per_s,
            r.step_ms,
            r.full_steps_per_s,
            r.step_with_teacher_ms,
            r.student_gflops,
            r.teacher_forward_ms,
            r.teacher_gflops,
        );
    }
    println!(
        "playground: steps/s with the teacher's outputs from the cache (one student); full: the teacher runs on every batch, \
         the step the peers time. FLOPs: student 3·B·F per step (F = one example's forward FLOPs), teacher B·F per batch."
    );
}

/// The measurements as JSON, for bench/report.mjs.
fn write_report(
    out: &Path,
    peak: &MatmulPeak,
    (results, scale, minilm): (&[StepBench], &[ScalePoint], &[serde_json::Value]),
    threads: usize,
) -> Result<()> {
    {
        let report = json!({
            "machine": {
                "threads": threads,
                "os": std::env::consts::OS,
                "arch": std::env::consts::ARCH,
            },
            "engine": crate::VERSION,
            "backend": "burn 0.22 Flex (CPU), simd + rayon",
            "matmul_peak": peak,
            "distill": results,
            "scale": scale,
            "minilm_forward": minilm,
        });
        let text =
            serde_json::to_string_pretty(&report).map_err(|e| Error::Settings(e.to_string()))?;
        write(out, text.as_bytes())?;
        println!("Wrote {}", out.display());
    }
    Ok(())
}

impl BenchArgs {
    /// The datasets and batch sizes to measure, checked.
    fn lists(&self) -> Result<(Vec<DatasetKind>, Vec<usize>)> {
        let list = |text: &str| -> Vec<String> {
            text.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let datasets = list(&self.datasets)
            .iter()
            .map(|d| d.parse::<DatasetKind>())
            .collect::<Result<Vec<_>>>()?;
        let batches = list(&self.batches)
            .iter()
            .map(|b| {
                b.parse::<usize>()
                    .ok()
                    .filter(|n| crate::engine::limits::BATCH_SIZE.contains(*n))
                    .ok_or_else(|| {
                        Error::Settings(format!(
                            "batch size '{b}' must be a number in 1..={}",
                            crate::engine::train::MAX_BATCH
                        ))
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        if self.steps == 0 {
            return Err(Error::Settings("--steps must be at least 1".into()));
        }
        Ok((datasets, batches))
    }
}
