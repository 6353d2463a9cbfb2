//! One-click setups of the papers' experiments, each with what it shows.

use super::settings::{AlphaSchedule, Settings};
use crate::engine::catalog::DatasetKind;
use crate::engine::loss::{AttentionLoss, HiddenLoss, SoftLoss};
use crate::engine::mapping::MappingScheme;
use crate::engine::network::NetKind;

/// One-click setups of the papers' experiments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    Hinton2015,
    Clothes,
    Tang2019,
    PatientKdSkip,
    PatientKdLast,
    LittleLabeledData,
    OmittedClass,
    TeacherAnnealing,
    TinyBert,
    MiniLm,
    TextAssistant,
    FastBert,
    Theseus,
    Ensemble,
    SequenceKd,
    CrossLingual,
    Imitation,
    MultiTask,
}

/// Work a preset starts in the page beyond its settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PresetWork {
    /// Distil a teacher assistant, which then teaches the students.
    Assistant,
    /// Train early exits on the teacher.
    Exits,
    /// Replace the teacher's modules, with the curriculum.
    Theseus,
    /// Train two more teachers, then a student from the three.
    Ensemble,
    /// Load CMUdict and its teacher, then train a student on the teacher's pronunciations.
    Sequence,
    /// Load the parallel verses, then train the English teacher and the Spanish students.
    CrossLingual,
    /// Read Brown with its tags, then train the four networks of adversarial imitation.
    Imitation,
    /// Read both text tasks, then train the multi-task student and the single-task ones.
    MultiTask,
}

impl Preset {
    pub const ALL: [Preset; 18] = [
        Preset::Hinton2015,
        Preset::Clothes,
        Preset::Tang2019,
        Preset::PatientKdSkip,
        Preset::PatientKdLast,
        Preset::LittleLabeledData,
        Preset::OmittedClass,
        Preset::TeacherAnnealing,
        Preset::TinyBert,
        Preset::MiniLm,
        Preset::TextAssistant,
        Preset::FastBert,
        Preset::Theseus,
        Preset::Ensemble,
        Preset::SequenceKd,
        Preset::CrossLingual,
        Preset::Imitation,
        Preset::MultiTask,
    ];

    /// Whether the preset is about text (it switches to the text set).
    pub fn text_only(self) -> bool {
        matches!(
            self,
            Preset::TinyBert | Preset::MiniLm | Preset::TextAssistant
        )
    }

    /// What the preset starts besides its settings.
    /// Where the page goes once the preset is set: the lab its work belongs to, else the
    /// playground, where the students train.
    pub fn place(self) -> crate::app::place::Place {
        use crate::app::place::Place;
        match self.work() {
            Some(PresetWork::Exits) => Place::Lab("exits"),
            Some(PresetWork::Theseus) => Place::Lab("theseus"),
            Some(PresetWork::Ensemble) => Place::Lab("ensemble"),
            Some(PresetWork::Sequence) => Place::Lab("sequence"),
            Some(PresetWork::CrossLingual) => Place::Lab("cross-lingual"),
            Some(PresetWork::Imitation) => Place::Lab("imitation"),
            Some(PresetWork::MultiTask) => Place::Lab("multitask"),
            Some(PresetWork::Assistant) | None => Place::Playground,
        }
    }

    pub fn work(self) -> Option<PresetWork> {
        match self {
            Preset::TextAssistant => Some(PresetWork::Assistant),
            Preset::FastBert => Some(PresetWork::Exits),
            Preset::Theseus => Some(PresetWork::Theseus),
            Preset::Ensemble => Some(PresetWork::Ensemble),
            Preset::SequenceKd => Some(PresetWork::Sequence),
            Preset::CrossLingual => Some(PresetWork::CrossLingual),
            Preset::Imitation => Some(PresetWork::Imitation),
            Preset::MultiTask => Some(PresetWork::MultiTask),
            _ => None,
        }
    }

    /// Whether the preset only starts a lab and leaves the settings (and the students) alone.
    pub fn keeps_settings(self) -> bool {
        matches!(
            self,
            Preset::FastBert
                | Preset::Theseus
                | Preset::Ensemble
                | Preset::SequenceKd
                | Preset::CrossLingual
                | Preset::Imitation
                | Preset::MultiTask
        )
    }

    pub fn id(self) -> &'static str {
        match self {
            Preset::Hinton2015 => "hinton",
            Preset::Clothes => "hinton-clothes",
            Preset::Tang2019 => "tang",
            Preset::PatientKdSkip => "pkd-skip",
            Preset::PatientKdLast => "pkd-last",
            Preset::LittleLabeledData => "little-labeled",
            Preset::OmittedClass => "omitted-class",
            Preset::TeacherAnnealing => "bam",
            Preset::TinyBert => "tinybert",
            Preset::MiniLm => "minilm",
            Preset::TextAssistant => "text-assistant",
            Preset::FastBert => "fastbert",
            Preset::Theseus => "theseus",
            Preset::Ensemble => "ensemble",
            Preset::SequenceKd => "sequence-kd",
            Preset::CrossLingual => "cross-lingual",
            Preset::Imitation => "imitation",
            Preset::MultiTask => "multitask",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Preset::Hinton2015 => "Soft targets (Hinton et al. 2015)",
            Preset::Clothes => "Natural images, a conv teacher (Hinton et al. 2015)",
            Preset::Tang2019 => "MSE on logits (Tang et al. 2019)",
            Preset::PatientKdSkip => "Patient KD, skip (Sun et al. 2019)",
            Preset::PatientKdLast => "Patient KD, last (Sun et al. 2019)",
            Preset::LittleLabeledData => "Little labeled data",
            Preset::OmittedClass => "The omitted class (Hinton et al. 2015)",
            Preset::TeacherAnnealing => "Teacher annealing (Clark et al. 2019, BAM)",
            Preset::TinyBert => "TinyBERT (Jiao et al. 2020)",
            Preset::MiniLm => "MiniLM (Wang et al. 2020)",
            Preset::TextAssistant => "Teacher assistant for text (Mirzadeh et al. 2020)",
            Preset::FastBert => "Early exits (FastBERT, Liu et al. 2020)",
            Preset::Theseus => "Module replacing (BERT-of-Theseus, Xu et al. 2020)",
            Preset::Ensemble => "Several teachers (MT-DNN, Liu et al. 2019)",
            Preset::SequenceKd => "Sequence-level KD (Kim & Rush 2016)",
            Preset::CrossLingual => "Across languages (Xu & Yang 2017)",
            Preset::Imitation => "Privileged information (Liu, Chen & Liu 2019)",
            Preset::MultiTask => "Several tasks (MT-DNN, Liu et al. 2019)",
        }
    }

    /// Two lines for students: what is set, and what to look for (on the text set, what the
    /// text version sets).
    pub fn explain_for(self, dataset: DatasetKind) -> &'static str {
        match dataset {
            DatasetKind::Brown => self.explain_brown(),
            d if d.is_text() => self.explain_text(),
            _ => self.explain(),
        }
    }

    /// On Brown's genres, where the teacher is the pretrained MiniLM: three layers, its own
    /// word pieces, no augmented copies in the page.
    fn explain_brown(self) -> &'static str {
        match self {
            Preset::Tang2019 => {
                "A BiLSTM student regresses its logits onto the pretrained MiniLM's (MSE, α = 0). No augmented copies here: MiniLM would have to read each one in its own pieces, about ten sentences a second in this page (the command line does it)."
            }
            Preset::PatientKdSkip => {
                "A 2-block transformer student: β = 1, block 1 imitates MiniLM's layer 2 and block 2 its layer 3 (normalised [CLS] states). With a 3-layer teacher, skip and last pick the same layers: the two presets give the same curve."
            }
            Preset::PatientKdLast => {
                "The same student mapped onto MiniLM's last two layers, 2 and 3: the very pairs skip picks from a 3-layer teacher. The PKD paper's 12-layer BERT is where skip and last differ."
            }
            Preset::TinyBert => {
                "A 2-block transformer learns MiniLM's logits, the states of its layers 2 and 3 and its attention, its 12 heads averaged in groups of 3 onto the student's 4 and its pieces pooled onto words. No embedding matching: the vocabularies differ."
            }
            Preset::OmittedClass => {
                "No editorial is in the transfer set: the student hears of editorials only through MiniLM's probabilities on the other genres. The training panel shows how many it still recognises."
            }
            Preset::LittleLabeledData => {
                "Only 3 % of the training sentences keep their genre; the rest teach through MiniLM alone. With a pretrained teacher and 15 genres, this is where its soft targets add most."
            }
            other => other.explain_text(),
        }
    }

    /// On the e-mails, where the teacher is the 4-block transformer trained on them.
    fn explain_text(self) -> &'static str {
        match self {
            Preset::Tang2019 => {
                "A BiLSTM student regresses its logits onto the transformer's (MSE, α = 0), and learns from one augmented copy of every message (masked, replaced, cut to n-grams) that only the teacher labels."
            }
            Preset::PatientKdSkip => {
                "A 2-block transformer student: β = 1, block 1 imitates teacher block 2 and block 2 block 4 (normalised [CLS] states). Compare its curve with Patient KD, last."
            }
            Preset::PatientKdLast => {
                "The same student, its blocks mapped onto the teacher's last two blocks, 3 and 4. The PKD paper found skip slightly better on most GLUE tasks."
            }
            Preset::OmittedClass => {
                "No spam message is in the transfer set: the student hears about spam only through the teacher's probabilities on ham. The training panel shows how much spam it still catches."
            }
            Preset::LittleLabeledData => {
                "Only 3 % of the messages keep their label (140); the rest teach through the teacher alone. The scratch student has only the labels: the gap is largest here."
            }
            other => other.explain(),
        }
    }

    /// Two lines for students: what is set, and what to look for.
    pub fn explain(self) -> &'static str {
        match self {
            Preset::Hinton2015 => {
                "T = 4, α = 0.5, all labels: the student matches the teacher's softened distribution and the labels. Watch it track the teacher's curve from the start."
            }
            Preset::Clothes => {
                "Fashion-MNIST's clothes, taught by a conv net (90.2 %). Only 3 % of the training images keep their label (300); the rest teach through the teacher alone. Look at its filters and maps beside the bars, and draw a shoe."
            }
            Preset::Tang2019 => {
                "No temperature: the student's raw logits regress onto the teacher's (MSE), α = 0. Compare the soft-target bars: the logits carry the same dark knowledge."
            }
            Preset::PatientKdSkip => {
                "β = 1: student layers 1–3 also imitate teacher layers 2, 4, 6 (normalised hidden states, learned projections 32 → 128). Every other layer: the skip strategy."
            }
            Preset::PatientKdLast => {
                "β = 1: student layers imitate the teacher's last three layers 4, 5, 6. The PKD paper found skip and last close; try both here."
            }
            Preset::LittleLabeledData => {
                "Only 3 % of the training examples keep their label; the rest teach through the teacher alone. The scratch student has only the labels: the gap is largest here."
            }
            Preset::OmittedClass => {
                "No 3 appears anywhere in the transfer set. The student learns about 3s only from how the teacher spreads probability on other digits, then recognises them."
            }
            Preset::TeacherAnnealing => {
                "α moves from 0 to 1 over the run: the student first only imitates the teacher, and ends on the gold labels — so it can end up better than its teacher."
            }
            Preset::TinyBert => {
                "Text: a 2-block transformer learns the teacher's logits, the states of blocks 2 and 4, their attention head by head (γ = 1) and the word embeddings. Watch its attention maps take the teacher's shape."
            }
            Preset::MiniLm => {
                "Text: only the last block's self-attention relations (Q·K and V·V, KL) and the logits; width and heads may differ from the teacher's. Compare the relation maps under the attention panel."
            }
            Preset::TextAssistant => {
                "Text: a half-width transformer assistant (32 wide, 4 blocks) is distilled from the teacher first, in the page; then both students learn from the assistant instead, a smaller step."
            }
            Preset::FastBert => {
                "Trains a classifier after every teacher layer from the teacher's own answers, without labels. Then drag the speed S in the early-exits panel: sure examples leave early."
            }
            Preset::Theseus => {
                "Successors of one layer replace pairs of teacher layers at random (p rising from 0.3 to 1), then train alone, from labels only. The panel sets them against KD."
            }
            Preset::Ensemble => {
                "Trains two more teachers with other seeds, then a student from the average of the three. Move the weights while it learns; does it beat every teacher?"
            }
            Preset::SequenceKd => {
                "Loads CMUdict and an encoder–decoder teacher, then trains a small student on the teacher's own pronunciations. Type a word to compare the two."
            }
            Preset::CrossLingual => {
                "Loads parallel English and Spanish verses, trains an English teacher on their genres, then a Spanish student from its soft targets alone, beside students with all and with 1 % of the Spanish labels. Pick a verse to compare the two sides."
            }
            Preset::Imitation => {
                "Reads Brown with its part-of-speech tags, trains a teacher that sees them and one that does not, a student by plain KD, and a student that learns to pass its features for the tagged teacher's. Watch the critic's accuracy fall."
            }
            Preset::MultiTask => {
                "Reads the e-mails and Brown's genres with their teachers' answers, trains one student with a shared encoder and a head per task, then a student of each task alone. Which task gains from sharing?"
            }
        }
    }

    /// The settings of the preset, from the defaults (the dataset and the selected example are
    /// kept; the omitted class needs ten classes, so on a 2-D set it switches to digits; the text
    /// presets switch to the text set).
    pub fn apply(self, current: &Settings) -> Settings {
        if self.keeps_settings() {
            return current.clone();
        }
        let dataset = match self {
            Preset::Clothes => DatasetKind::FashionMnist,
            Preset::OmittedClass if current.dataset.toy().is_some() => DatasetKind::Digits,
            // The assistant's preset stays with the e-mails: two epochs there are 146 steps, one
            // on Brown 717.
            Preset::TextAssistant => DatasetKind::Spam,
            p if p.text_only() && !current.dataset.is_text() => DatasetKind::Spam,
            _ => current.dataset,
        };
        let base = Settings {
            example: current.example,
            ..Settings::default().with_dataset(dataset)
        };
        if dataset.is_text() {
            return self.apply_text(base);
        }
        match self {
            Preset::Hinton2015 => Settings {
                labeled_fraction: 1.0,
                ..base
            },
            Preset::Tang2019 => Settings {
                soft_loss: SoftLoss::LogitMse,
                alpha: 0.0,
                labeled_fraction: 1.0,
                ..base
            },
            Preset::PatientKdSkip | Preset::PatientKdLast => Settings {
                labeled_fraction: 1.0,
                ..patient(self, base)
            },
            Preset::LittleLabeledData | Preset::Clothes => Settings {
                labeled_fraction: 0.03,
                ..base
            },
            Preset::OmittedClass => Settings {
                omit_class: Some(3),
                labeled_fraction: 1.0,
                alpha: 0.1,
                ..base
            },
            Preset::TeacherAnnealing => Settings {
                alpha_schedule: AlphaSchedule::TeacherAnnealing,
                labeled_fraction: 1.0,
                ..base
            },
            // The text presets (which always switch to the text set), and the labs' presets,
            // which returned above.
            _ => base,
        }
    }

    /// The text version: a small transformer (or Tang's BiLSTM) with 10 % of the messages
    /// labeled, so the teacher has much to add in a short run.
    fn apply_text(self, base: Settings) -> Settings {
        let base = Settings {
            labeled_fraction: 0.1,
            ..base
        };
        match self {
            // A BiLSTM learns slowly at 1e-3: 3e-3 shows the gap within a minute.
            Preset::Tang2019 => Settings {
                student_kind: NetKind::Bilstm,
                soft_loss: SoftLoss::LogitMse,
                alpha: 0.0,
                augment_copies: tang_copies(base.dataset),
                learning_rate: 3e-3,
                ..base
            },
            Preset::PatientKdSkip | Preset::PatientKdLast => patient(self, base),
            // MiniLM's pieces are not the students' words: no embedding to match on Brown.
            Preset::TinyBert => Settings {
                beta: 1.0,
                hidden_loss: HiddenLoss::Mse,
                mapping: MappingScheme::Skip,
                attention_loss: AttentionLoss::TinyBert,
                gamma: 1.0,
                match_embeddings: base.dataset != DatasetKind::Brown,
                ..base
            },
            Preset::MiniLm => Settings {
                attention_loss: AttentionLoss::MiniLm,
                gamma: 1.0,
                ..base
            },
            Preset::LittleLabeledData => Settings {
                labeled_fraction: 0.03,
                ..base
            },
            Preset::TeacherAnnealing => Settings {
                alpha_schedule: AlphaSchedule::TeacherAnnealing,
                ..base
            },
            // The omitted class: spam, hidden from the student.
            Preset::OmittedClass => Settings {
                omit_class: Some(2),
                labeled_fraction: 1.0,
                alpha: 0.1,
                ..base
            },
            Preset::Hinton2015 | Preset::Clothes | Preset::TextAssistant => base,
            // The labs' presets returned above.
            p if p.keeps_settings() => base,
            _ => base,
        }
    }
}

/// Tang's augmented copies: one of each sentence, except on Brown, whose 45,862 new sentences
/// the MiniLM teacher would need an hour to read in the page (the CLI's `--augment-copies`).
fn tang_copies(dataset: DatasetKind) -> usize {
    match dataset {
        DatasetKind::Brown => 0,
        _ => 1,
    }
}

/// Patient KD: β = 1 on normalised states, every other teacher layer (skip) or the last ones.
fn patient(preset: Preset, base: Settings) -> Settings {
    Settings {
        beta: 1.0,
        hidden_loss: HiddenLoss::Pkd,
        mapping: if preset == Preset::PatientKdLast {
            MappingScheme::Last
        } else {
            MappingScheme::Skip
        },
        ..base
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::check;
    use crate::engine::schedule::Schedule;

    #[test]
    fn every_preset_is_a_valid_setup_that_says_what_it_sets() {
        let current = Settings {
            example: 42,
            ..Settings::default()
        };
        for preset in Preset::ALL {
            let s = preset.apply(&current);
            check(&s).unwrap();
            assert_eq!(s.example, 42, "{preset:?} keeps the selected example");
            assert!(preset.explain().len() > 40 && !preset.title().is_empty());
            // A preset survives a shared link.
            assert_eq!(Settings::from_hash(&s.to_hash()), (s.clone(), vec![]));
        }
        assert_eq!(
            Preset::Tang2019.apply(&current).soft_loss,
            SoftLoss::LogitMse
        );
        assert_eq!(
            Preset::PatientKdLast.apply(&current).mapping,
            MappingScheme::Last
        );
        assert!(Preset::LittleLabeledData.apply(&current).labeled_fraction < 0.05);
        assert_eq!(Preset::OmittedClass.apply(&current).omit_class, Some(3));
        assert_eq!(
            Preset::TeacherAnnealing
                .apply(&current)
                .distill_settings()
                .alpha,
            Schedule::TeacherAnnealing
        );
        // Presets keep the dataset, except the omitted class, which needs ten classes, and the
        // clothes, which are their own.
        let moons = Settings {
            dataset: DatasetKind::Moons,
            ..current.clone()
        };
        for preset in Preset::ALL {
            let s = preset.apply(&moons);
            check(&s).unwrap();
            let want = if preset == Preset::OmittedClass {
                DatasetKind::Digits
            } else if preset == Preset::Clothes {
                DatasetKind::FashionMnist
            } else if preset.text_only() {
                DatasetKind::Spam
            } else {
                DatasetKind::Moons
            };
            assert_eq!(s.dataset, want, "{preset:?}");
        }
        // On the text set every preset but the clothes stays there, each a valid text setup.
        let text = current.with_dataset(DatasetKind::Spam);
        for preset in Preset::ALL.into_iter().filter(|&p| p != Preset::Clothes) {
            let s = preset.apply(&text);
            check(&s).unwrap();
            assert_eq!(s.dataset, DatasetKind::Spam, "{preset:?}");
            assert!(preset.explain_for(DatasetKind::Spam).len() > 40);
            assert!(preset.explain_for(DatasetKind::Brown).len() > 40);
        }
        // On Brown the seeds' text presets stay with its pretrained teacher; the assistant's
        // lab needs the e-mails' teacher, and MiniLM's pieces have no embedding to match.
        let brown = current.with_dataset(DatasetKind::Brown);
        for preset in [
            Preset::Tang2019,
            Preset::TinyBert,
            Preset::MiniLm,
            Preset::PatientKdSkip,
        ] {
            let s = preset.apply(&brown);
            check(&s).unwrap();
            assert_eq!(s.dataset, DatasetKind::Brown, "{preset:?}");
            assert!(!s.match_embeddings && s.augment_copies == 0, "{preset:?}");
        }
        assert_eq!(
            Preset::TextAssistant.apply(&brown).dataset,
            DatasetKind::Spam
        );
        let tang = Preset::Tang2019.apply(&text);
        assert_eq!(
            (tang.student_kind, tang.soft_loss, tang.augment_copies),
            (NetKind::Bilstm, SoftLoss::LogitMse, 1)
        );
        let tiny = Preset::TinyBert
            .apply(&Settings::default())
            .distill_settings();
        assert_eq!(
            (tiny.attention_loss, tiny.match_embeddings, tiny.beta),
            (AttentionLoss::TinyBert, true, 1.0)
        );
        assert_eq!(
            Preset::MiniLm.apply(&current).attention_loss,
            AttentionLoss::MiniLm
        );
        assert_eq!(Preset::TextAssistant.work(), Some(PresetWork::Assistant));
        // The labs' presets start their work and leave the students as they are.
        for lab in [
            Preset::FastBert,
            Preset::Theseus,
            Preset::Ensemble,
            Preset::SequenceKd,
        ] {
            assert!(lab.work().is_some());
            assert_eq!(lab.apply(&current), current);
        }
        let clothes = Preset::Clothes.apply(&text);
        assert_eq!(
            (
                clothes.dataset,
                clothes.student_kind,
                clothes.labeled_fraction
            ),
            (DatasetKind::FashionMnist, NetKind::Mlp, 0.03)
        );
        let ids: std::collections::HashSet<_> = Preset::ALL.iter().map(|p| p.id()).collect();
        assert_eq!(ids.len(), Preset::ALL.len());
    }
}
