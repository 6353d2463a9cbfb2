//! A text teacher's first pass: its logits of every sentence the students learn from and are
//! tested on, read once per teacher (and again for Tang's new copies). On the CPU the page hands
//! it to the training worker ([`first_pass`]), so the page's thread stays free; a session built
//! where the teacher has not read them reads them itself ([`transfer_set`]).

use burn::tensor::Device;

use crate::app::Settings;
use crate::app::data::Data;
use crate::app::text_data::fingerprint;
use crate::engine::data::TransferSet;
use crate::engine::network::{Classifier, Network};
use crate::engine::train::KnownLogits;
use crate::engine::weights::NetworkWeights;

/// New sentences a teacher of word pieces may read in the page (MiniLM reads about 10 a second
/// in wasm).
pub const PAGE_PIECE_READS: usize = 2_000;

/// The rows a text teacher reads, as the students see them, and as the teacher reads them with
/// their width (its own word pieces, or the same rows).
struct ToRead {
    rows: Vec<f32>,
    own: Option<(Vec<f32>, usize)>,
}

/// Part `part` of `of` equal runs of the rows a first pass reads, so that two workers can read
/// one half each on two cores. Every reader computes the same rows from the same settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Share {
    pub part: usize,
    pub of: usize,
}

impl Share {
    pub const WHOLE: Self = Self { part: 0, of: 1 };

    /// The rows `[start, end)` of `n` that are this share's (none for a share that is no part).
    pub fn range(self, n: usize) -> std::ops::Range<usize> {
        if self.of == 0 || self.part >= self.of {
            return 0..0;
        }
        n * self.part / self.of..n * (self.part + 1) / self.of
    }
}

impl ToRead {
    /// The rows of `share`, `dim` wide as the students see them, and as the teacher reads them
    /// with their width.
    fn share(&self, share: Share, dim: usize) -> (&[f32], (&[f32], usize)) {
        let (own, own_dim) = match &self.own {
            Some((own, own_dim)) => (&own[..], *own_dim),
            None => (&self.rows[..], dim),
        };
        let range = share.range(self.rows.len() / dim.max(1));
        let rows = &self.rows[range.start * dim..range.end * dim];
        let own = &own[range.start * own_dim..range.end * own_dim];
        (rows, (own, own_dim))
    }
}

/// The transfer set the settings ask for, and on a text set the rows its teacher must have read
/// (`None`: its logits are shipped, or it reads nothing here).
fn transfer_and_rows(
    settings: &Settings,
    data: &Data,
    (teacher_cpu, fp): (&Network, u64),
) -> crate::Result<(TransferSet, Option<ToRead>)> {
    let split = &data.split;
    let Some(text) = &data.text else {
        let transfer =
            TransferSet::build(&split.train, &settings.transfer_config(), settings.seed)?;
        return Ok((transfer, None));
    };
    let transfer = text.transfer_set(settings, teacher_cpu, fp)?;
    let pieces = text.pieces_for(&teacher_cpu.architecture())?.is_some();
    let to_read = match (pieces, transfer.teacher_rows.is_some()) {
        // A teacher of word pieces shipped its logits of the test rows; its own rows are
        // attached only when it has rows to read.
        (true, true) => {
            let unread = text.unread(fp, &transfer.features);
            if unread > PAGE_PIECE_READS {
                return Err(crate::Error::Settings(format!(
                    "the pretrained teacher would have to read {unread} new sentences (Tang's \
                     augmented copies) here, over an hour in this page: set the copies to 0, or \
                     use the command line (distill distill --dataset brown --augment-copies …)"
                )));
            }
            let (own, dim) = transfer.teacher_features();
            let own = Some((own.to_vec(), dim));
            Some(ToRead {
                rows: transfer.features.clone(),
                own,
            })
        }
        (true, false) => None,
        (false, _) => Some(ToRead {
            rows: [&transfer.features[..], &split.test.features[..]].concat(),
            own: None,
        }),
    };
    Ok((transfer, to_read))
}

/// The transfer set the settings ask for; for text, with the teacher's logits of it and of the
/// test set, read where the teacher has not read them yet in `share` of the rows (awaiting
/// `between(done, total)` after each slice).
pub(super) async fn transfer_set<F: std::future::Future<Output = ()>>(
    settings: &Settings,
    data: &Data,
    (teacher_cpu, fp): (&Network, u64),
    share: Share,
    between: impl FnMut(usize, usize) -> F,
) -> crate::Result<(TransferSet, Option<KnownLogits>)> {
    let (transfer, to_read) = transfer_and_rows(settings, data, (teacher_cpu, fp))?;
    let Some(text) = &data.text else {
        // Another teacher (trained or loaded here) reads the images itself.
        let shipped = data.shipped.as_ref().filter(|s| s.teacher == fp);
        return Ok((transfer, shipped.map(|s| s.known.clone())));
    };
    if let Some(r) = to_read {
        let rows = r.share(share, transfer.dim);
        text.read_with_teacher(teacher_cpu, fp, rows, between)
            .await?;
    }
    Ok((transfer, Some(text.known(fp))))
}

/// How many sentences `teacher` would read before students could start on `data` under
/// `settings` (0 on a set of images, or when it has read them all).
pub fn unread_rows(
    settings: &Settings,
    teacher: &NetworkWeights,
    data: &Data,
) -> crate::Result<usize> {
    let Some(text) = &data.text else {
        return Ok(0);
    };
    let teacher_cpu = teacher.to_network(&Device::flex())?;
    let fp = fingerprint(teacher);
    let (_, to_read) = transfer_and_rows(settings, data, (&teacher_cpu, fp))?;
    Ok(to_read.map_or(0, |r| text.unread(fp, &r.rows)))
}

/// The first pass alone, as a training worker runs it for the page: `teacher` reads what it
/// has not read of `share` of `data`'s rows under `settings`, awaiting `between(done, total)`
/// after each slice. Its logits of every sentence it has read (`None` on a set of images).
pub async fn first_pass<F: std::future::Future<Output = ()>>(
    settings: &Settings,
    teacher: &NetworkWeights,
    data: &Data,
    share: Share,
    between: impl FnMut(usize, usize) -> F,
) -> crate::Result<Option<KnownLogits>> {
    if data.text.is_none() {
        return Ok(None);
    }
    let teacher_cpu = teacher.to_network(&Device::flex())?;
    let fp = fingerprint(teacher);
    let (_, known) = transfer_set(settings, data, (&teacher_cpu, fp), share, between).await?;
    Ok(known)
}
