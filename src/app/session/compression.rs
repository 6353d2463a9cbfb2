//! The compression table: sizes and measured forward times of the teacher and the students.

use super::*;
use crate::engine::network::Architecture;

impl Session {
    /// Times the teacher's and the student's forward pass over the test set (median of 7), and
    /// for text every student kind, awaiting `between` after each pass (the page handles input
    /// there: over a second of passes in all for text).
    pub async fn compression<F: std::future::Future<Output = ()>>(
        &self,
        settings: &Settings,
        now_ms: impl Fn() -> f64,
        mut between: impl FnMut() -> F,
    ) -> crate::Result<Compression> {
        let test = &self.split.test;
        // At most 1,000 examples (16 messages, 100 images where a conv net is timed, which takes
        // about as long for each as an MLP for a hundred): one pass is a task of the page's
        // thread (the text teacher's over 16 messages about 35 ms in wasm).
        let is_conv = |a: &Architecture| matches!(a, Architecture::Cnn(_));
        let conv = is_conv(&self.teacher.architecture)
            || is_conv(&self.distilled.network().architecture());
        let most = match (self.text.is_some(), conv) {
            (true, _) => 16,
            (false, true) => 100,
            (false, false) => 1000,
        };
        let timed = test.subset(&(0..test.len().min(most)).collect::<Vec<_>>());
        let student = self.distilled.network().architecture().init(&self.cpu, 0)?;
        let labels: Vec<usize> = test.labels.iter().map(|l| usize::from(*l)).collect();
        let mut clock = (&now_ms, &mut between);
        let teacher_ms = match self.pieces() {
            Some(_) => self.piece_teacher_ms(timed.len(), &now_ms)?,
            None => forward_ms(&self.teacher_cpu, &timed, &self.cpu, &mut clock).await?,
        };
        let student_ms = forward_ms(&student, &timed, &self.cpu, &mut clock).await?;
        Ok(Compression {
            teacher_params: self.teacher.architecture.declared_params() as usize,
            student_params: self.distilled.network().architecture().declared_params() as usize,
            examples: timed.len(),
            teacher_ms,
            student_ms,
            teacher_accuracy: fraction_equal(
                &predictions(&self.teacher_test_logits, test.classes),
                labels.into_iter(),
            ),
            kinds: (self.kind_costs(settings, &timed, &mut clock)).await?,
        })
    }

    async fn kind_costs<F: std::future::Future<Output = ()>>(
        &self,
        settings: &Settings,
        timed: &crate::engine::data::Dataset,
        clock: &mut (&impl Fn() -> f64, &mut impl FnMut() -> F),
    ) -> crate::Result<Vec<KindCost>> {
        if self.text.is_none() {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for kind in crate::engine::network::NetKind::TEXT {
            let arch = settings
                .with_kind(kind)?
                .student_architecture(self.student_shape)?;
            let net = arch.init(&self.cpu, 0)?;
            out.push(KindCost {
                kind,
                describe: arch.describe(),
                params: arch.declared_params() as usize,
                ms_per_example: forward_ms(&net, timed, &self.cpu, clock).await?
                    / timed.len().max(1) as f64,
            });
        }
        Ok(out)
    }
}

/// Sentences a teacher of word pieces is timed on: MiniLM takes a second for 8 in wasm, and
/// would hold the page for a minute over 64 sentences seven times.
const PIECE_TIMED: usize = 8;

impl Session {
    /// A piece teacher's forward time over `examples` test sentences, timed once per teacher on
    /// [`PIECE_TIMED`] of them in its own pieces and scaled.
    fn piece_teacher_ms(&self, examples: usize, now_ms: &impl Fn() -> f64) -> crate::Result<f64> {
        let Some((p, text)) = self.pieces() else {
            return Ok(0.0);
        };
        let once = || {
            let sentences = &text.split.test_text[..PIECE_TIMED.min(text.split.test_text.len())];
            let rows: Vec<f32> = sentences.iter().flat_map(|s| p.row(s)).collect();
            let own = crate::engine::data::Dataset::new(
                "timed pieces",
                rows,
                vec![0; sentences.len()],
                p.wordpiece.max_len(),
                self.split.test.classes,
                None,
            )?;
            let start = now_ms();
            logits_host(&self.teacher_cpu, &own, &self.cpu)?;
            Ok((now_ms() - start) / sentences.len().max(1) as f64)
        };
        Ok(text.timed_teacher(self.teacher_fp, once)? * examples as f64)
    }
}

/// Median of seven timings of a forward pass over `data`, awaiting `between` after each.
async fn forward_ms<F: std::future::Future<Output = ()>>(
    net: &dyn Classifier,
    data: &crate::engine::data::Dataset,
    cpu: &Device,
    (now_ms, between): &mut (&impl Fn() -> f64, &mut impl FnMut() -> F),
) -> crate::Result<f64> {
    let mut runs = Vec::new();
    for _ in 0..7 {
        let start = now_ms();
        logits_host(net, data, cpu)?;
        runs.push(now_ms() - start);
        between().await;
    }
    runs.sort_by(f64::total_cmp);
    Ok(runs[runs.len() / 2])
}
