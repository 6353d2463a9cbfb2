//! Liu, Chen & Liu 2019 on Brown's genres, a fast variant: 12,000 training sentences, 3 epochs
//! of each network, λ = 0.1. The full runs are in REPRODUCTIONS.md.
//!
//! Measured (seeds 1, 2; test accuracy, %): the teacher with tags 24.9 / 24.5, without 23.9 /
//! 21.8; plain KD 23.8 / 22.4; imitation 23.6 / 22.4. The critic, pretrained 100 steps, tells
//! the teacher's features from the student's on 100.0 / 99.8 % of its last 20 pretraining steps,
//! and on 74.0 / 62.9 % of its last 50 steps once the student fools it. Asserted per seed: the
//! tags lift the teacher by at least half a point (1.0, 2.7), the pretrained critic is right
//! above 90 %, and the student brings it below 85 %.

use burn::tensor::Device;
use distill_playground::alone::rerun_alone;
use distill_playground::engine::imitation::{ImitationRun, ImitationSettings, Stage, Tagged};

const BROWN: &[u8] = include_bytes!("../../../assets/data/brown/brown.tsv.gz");

#[test]
fn privileged_tags_lift_the_teacher_and_the_imitating_student_fools_its_critic() {
    if rerun_alone(
        module_path!(),
        "privileged_tags_lift_the_teacher_and_the_imitating_student_fools_its_critic",
    ) {
        return;
    }
    let settings = ImitationSettings::default();
    let data = Tagged::from_gz(BROWN, settings.sentences).unwrap();
    for seed in [1, 2] {
        let mut run = ImitationRun::new(
            &data,
            ImitationSettings {
                seed,
                ..settings.clone()
            },
            &Device::flex(),
        )
        .unwrap();
        let (mut scores, mut pretraining, mut fooled) = ([0.0; 4], Vec::new(), Vec::new());
        while !run.is_over() {
            let stepped = run.step(&data).unwrap();
            if let Some(s) = stepped.imitation {
                match s.student {
                    None => pretraining.push(s.critic),
                    Some(_) => fooled.push(s.critic),
                }
            }
            if let Some((stage, accuracy)) = stepped.finished {
                scores[Stage::ALL.iter().position(|x| *x == stage).unwrap()] = accuracy;
            }
        }
        let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
        let (before, after) = (
            mean(&pretraining[pretraining.len() - 20..]),
            mean(&fooled[fooled.len() - 50..]),
        );
        eprintln!("seed {seed}: {scores:?}, critic {before} then {after}");
        assert_eq!(pretraining.len(), settings.critic_steps);
        assert!(scores[0] > scores[1] + 0.005, "{scores:?}");
        assert!(before > 0.9 && after < 0.85, "{before} {after}");
    }
}
