//! The guided tour: soft targets → temperature → α → training → layer mapping → attention (on
//! the text set) → export.

use super::settings::Settings;
use crate::engine::catalog::DatasetKind;
use crate::engine::loss::AttentionLoss;
use crate::engine::mapping::MappingScheme;
use crate::engine::network::NetKind;

/// One stop of the guided tour: what to look at, and the settings that show it.
pub struct TourStep {
    pub title: &'static str,
    pub text: &'static str,
    /// The panel to look at (its CSS class).
    pub panel: &'static str,
    pub apply: fn(&Settings) -> Settings,
}

/// A walk for a class: soft targets → temperature → α → training → layer mapping → export.
pub const TOUR: [TourStep; 7] = [
    TourStep {
        title: "1 · Soft targets",
        text: "The teacher does not just answer: it gives a probability to every class. At T = 1 almost all of it sits on one class, like the one-hot label on the left.",
        panel: "soft",
        apply: |s| Settings {
            temperature: 1.0,
            ..s.clone()
        },
    },
    TourStep {
        title: "2 · Temperature",
        text: "Divide the logits by T = 8 before the softmax: the distribution flattens and the small probabilities of the wrong classes appear. Which wrong classes the teacher finds plausible is the 'dark knowledge'. Drag the slider yourself.",
        panel: "soft",
        apply: |s| Settings {
            temperature: 8.0,
            ..s.clone()
        },
    },
    TourStep {
        title: "3 · α: labels or teacher",
        text: "The loss mixes the cross-entropy with the labels (weight α) and the distance to the teacher's soft targets (weight 1 − α, times T²). α = 0.3: mostly the teacher.",
        panel: "controls",
        apply: |s| Settings {
            alpha: 0.3,
            ..s.clone()
        },
    },
    TourStep {
        title: "4 · Training",
        text: "Only 10 % of the training examples keep their label. Press Train: the distilled student (orange) also learns from the teacher on the other 90 %, the scratch student (purple, dashed) from the labels alone — on the same batches.",
        panel: "training",
        apply: |s| Settings {
            labeled_fraction: 0.1,
            ..s.clone()
        },
    },
    TourStep {
        title: "5 · Layer mapping",
        text: "Patient KD: with β = 0.5 the student's hidden layers also imitate teacher layers (skip: 2, 4, 6), through learned projections from the student's width to the teacher's. Click layers to change the lines.",
        panel: "mapping",
        apply: |s| Settings {
            beta: 0.5,
            mapping: MappingScheme::Skip,
            ..s.clone()
        },
    },
    TourStep {
        title: "6 · Attention",
        text: "Now text: a transformer teacher reads e-mails. Each of its blocks decides, per word, which other words to look at: the attention maps. With TinyBERT's loss (γ = 1) the student's mapped blocks learn to look where the teacher looks. Type a message, press Train, and watch the student's map change while the teacher's stays.",
        panel: "attention",
        apply: |s| {
            let text = s.with_dataset(DatasetKind::Spam);
            Settings {
                student_kind: NetKind::Transformer,
                attention_loss: AttentionLoss::TinyBert,
                gamma: 1.0,
                ..text
            }
        },
    },
    TourStep {
        title: "7 · Take it with you",
        text: "Download the distilled student: a safetensors file in PyTorch's layout, with the settings inside. The three lines below load it in PyTorch.",
        panel: "files",
        apply: |s| s.clone(),
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::check;

    #[test]
    fn every_tour_step_is_valid_and_the_controls_move() {
        let mut s = Settings::default();
        let mut changes = 0;
        for step in &TOUR {
            let next = (step.apply)(&s);
            check(&next).unwrap();
            changes += usize::from(next != s);
            assert!(step.text.len() > 60 && !step.panel.is_empty());
            s = next;
        }
        assert!(changes >= 4, "the tour moves the controls");
        assert_eq!((s.temperature, s.alpha, s.beta), (8.0, 0.3, 0.5));
        assert_eq!(
            (s.dataset, s.attention_loss),
            (DatasetKind::Spam, AttentionLoss::TinyBert)
        );
    }
}
