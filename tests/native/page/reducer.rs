//! The page's reducer, natively: every change a user makes goes through `AppState::reduce`, so
//! its rules (rejected edits, restarts, device switches, drawing, datasets, divergence) are tested
//! without a browser. The components are tested in tests/web.rs, the page in tests/e2e.

use std::rc::Rc;

use distill_playground::app::settings::Edit;
use distill_playground::app::state::{self, Action, AppState};
use distill_playground::app::{CurvePoint, Settings};
use distill_playground::engine::mapping::MappingScheme;

fn reduce(state: AppState, action: Action) -> AppState {
    (*Rc::new(state).reduce(action)).clone()
}

fn point(step: usize) -> CurvePoint {
    CurvePoint {
        step,
        hard: 1.0,
        soft: 1.0,
        hidden: 0.0,
        attention: 0.0,
        logit_gradients: None,
        train_accuracy: 0.5,
        test_accuracy: 0.5,
        scratch_test_accuracy: 0.4,
        agreement: 0.5,
        omitted: None,
    }
}

#[test]
fn a_rejected_edit_keeps_the_settings_and_says_why() {
    let state = AppState::default();
    let bad = Settings {
        student_hidden: vec![32],
        mapping: MappingScheme::Custom(vec![(1, 2), (2, 4)]),
        ..Settings::default()
    };
    let next = reduce(state.clone(), Action::Edit(bad));
    assert_eq!(next.settings, state.settings);
    let error = next.page.error.clone().unwrap_or_default();
    assert!(
        error.contains("2 pairs for a student with 1 hidden layers"),
        "{error}"
    );
    assert_eq!(next.run.generation, state.run.generation);
}

#[test]
fn edits_restart_only_when_the_students_change() {
    let mut state = reduce(AppState::default(), Action::Play);
    state = reduce(
        state,
        Action::Progress {
            steps: 50,
            point: Some(point(50)),
        },
    );
    // Temperature and α apply to the running students.
    let live = Settings {
        temperature: 9.0,
        alpha: 0.2,
        ..state.settings.clone()
    };
    let next = reduce(state.clone(), Action::Edit(live.clone()));
    assert_eq!(
        (next.run.generation, next.run.steps, next.run.running),
        (0, 50, true)
    );
    assert_eq!(next.settings, live);
    // A new student shape restarts both, stops, clears the curves and says so.
    let wider = Settings {
        student_hidden: vec![64, 64],
        ..live
    };
    let next = reduce(next, Action::Edit(wider));
    assert_eq!(
        (next.run.generation, next.run.steps, next.run.running),
        (1, 0, false)
    );
    assert!(next.run.curves.is_empty());
    assert!(next.page.notices.iter().any(|n| n.contains("restarted")));
}

#[test]
fn switching_or_losing_the_device_keeps_the_students() {
    let state = reduce(
        AppState::default(),
        Action::Progress {
            steps: 75,
            point: Some(point(75)),
        },
    );
    let switched = reduce(state.clone(), Action::PreferCpu(true));
    assert_eq!((switched.run.generation, switched.run.steps), (0, 75));
    assert_eq!(switched.run.curves.len(), 1);
    let lost = reduce(state, Action::DeviceLost("WebGPU stopped working".into()));
    assert!(lost.run.prefer_cpu);
    assert_eq!((lost.run.generation, lost.run.steps), (0, 75));
    assert_eq!(lost.run.cpu_reason.as_deref(), Some(state::GPU_LOST));
    assert!(
        lost.page
            .notices
            .iter()
            .any(|n| n == "WebGPU stopped working")
    );
    // The CPU-only build keeps the CPU with its reason; the students stay, WebGPU stays on offer.
    let kept = reduce(
        switched.clone(),
        Action::KeepCpu("this build of the page has no WebGPU".into()),
    );
    assert!(kept.run.prefer_cpu);
    assert_eq!((kept.run.generation, kept.run.steps), (0, 75));
    assert_eq!(
        kept.run.cpu_reason.as_deref(),
        Some("this build of the page has no WebGPU")
    );
    let again = reduce(kept, Action::PreferCpu(false));
    assert!(!again.run.prefer_cpu && again.run.cpu_reason.is_none());
    let restored = reduce(
        AppState::default(),
        Action::Restored {
            steps: 300,
            curves: vec![point(25), point(300)],
        },
    );
    assert_eq!((restored.run.steps, restored.run.curves.len()), (300, 2));
    assert_eq!(
        restored.page.notices.len(),
        1,
        "picking up trained students is said"
    );
    let untrained = reduce(
        AppState::default(),
        Action::Restored {
            steps: 0,
            curves: vec![],
        },
    );
    assert!(
        untrained.page.notices.is_empty(),
        "untrained students are not news"
    );
}

#[test]
fn drawing_edits_go_through_the_reducer_with_undo() {
    use distill_playground::app::state::DrawAction;
    let mut state = reduce(AppState::default(), Action::Draw(DrawAction::Paint(3)));
    assert!(
        state.views.drawing.is_none(),
        "no drawing until one is started"
    );
    state = reduce(state, Action::Draw(DrawAction::Start));
    let started = state.views.drawing_version;
    state = reduce(state, Action::Draw(DrawAction::BeginStroke));
    state = reduce(state, Action::Draw(DrawAction::Paint(27)));
    let drawing = state.views.drawing.clone().unwrap();
    assert_eq!(drawing.pixels[27], 1.0);
    assert!(drawing.can_undo());
    assert!(
        state.views.drawing_version > started,
        "each edit is a new version to draw"
    );
    state = reduce(state, Action::Draw(DrawAction::Undo));
    assert!(
        state
            .views
            .drawing
            .as_ref()
            .unwrap()
            .pixels
            .iter()
            .all(|v| *v == 0.0)
    );
    state = reduce(state, Action::Draw(DrawAction::Stop));
    assert!(state.views.drawing.is_none());
}

#[test]
fn a_new_dataset_clears_what_belonged_to_the_old_one() {
    use distill_playground::app::state::DrawAction;
    use distill_playground::engine::catalog::DatasetKind;
    let mut state = reduce(AppState::default(), Action::Draw(DrawAction::Start));
    assert_eq!(
        state.views.drawing.as_ref().unwrap().side,
        8,
        "digits draw on 8×8"
    );
    state = reduce(
        state,
        Action::Grid([vec![0.0; 4], vec![0.0; 4], vec![0.0; 4]]),
    );
    state = reduce(
        state,
        Action::Progress {
            steps: 40,
            point: Some(point(25)),
        },
    );
    let moons = Settings {
        dataset: DatasetKind::Moons,
        ..state.settings.clone()
    };
    let version = state.views.drawing_version;
    state = reduce(state, Action::Edit(moons));
    assert_eq!(state.settings.dataset, DatasetKind::Moons);
    assert!(
        state.views.drawing.is_none() && state.views.grid.is_none() && state.run.data.is_none()
    );
    assert_eq!(
        (state.run.steps, state.run.curves.len()),
        (0, 0),
        "new students"
    );
    assert!(
        state.views.drawing_version > version,
        "the driver redraws the view"
    );
    // A 2-D set has nothing to draw; a clicked point is probed instead.
    state = reduce(state, Action::Draw(DrawAction::Start));
    assert!(state.views.drawing.is_none());
    state = reduce(state, Action::Probe(Some([0.5, -0.25])));
    assert_eq!(state.views.probe, Some([0.5, -0.25]));
    // MNIST draws on 28×28; starting to draw ends the probe.
    let mnist = Settings {
        dataset: DatasetKind::Mnist,
        ..state.settings.clone()
    };
    state = reduce(state, Action::Edit(mnist));
    assert!(state.views.probe.is_none());
    state = reduce(state, Action::Draw(DrawAction::Start));
    assert_eq!(state.views.drawing.as_ref().unwrap().side, 28);
    // A set that failed to load (from a link) goes back to the one given, with the reason.
    let back = Settings::default();
    state = reduce(
        state,
        Action::DataFailed {
            previous: back.clone(),
            error: "Could not load MNIST".into(),
        },
    );
    assert_eq!(state.settings, back);
    assert_eq!(state.page.error.as_deref(), Some("Could not load MNIST"));
}

#[test]
fn panel_edits_apply_to_the_latest_settings() {
    // A panel that skipped a render sends an edit relative to whatever the settings are then:
    // a T moved meanwhile is not written back.
    let mut state = reduce(
        AppState::default(),
        Action::Edit(Settings {
            temperature: 8.0,
            ..Settings::default()
        }),
    );
    state = reduce(state, Action::Set(Edit::Field("alpha", "0.9".into())));
    assert_eq!(
        (state.settings.temperature, state.settings.alpha),
        (8.0, 0.9)
    );
    let before = state.settings.clone();
    let crossing = Edit::TogglePair {
        student: 1,
        teacher: 5,
        teacher_depth: 6,
    };
    state = reduce(state, Action::Set(crossing));
    assert_eq!(state.settings, before);
    let error = state.page.error.clone().unwrap_or_default();
    assert!(error.contains("impossible"), "{error}");
}

#[test]
fn a_divergence_pauses_says_why_and_resumes_on_play() {
    let mut state = reduce(AppState::default(), Action::Play);
    state = reduce(
        state,
        Action::Diverged("training diverged at step 12".into()),
    );
    assert!(!state.run.running && state.run.diverged);
    assert_eq!(
        state.page.error.as_deref(),
        Some("training diverged at step 12")
    );
    // Lowering the learning rate keeps the students (no restart) and the divergence on show.
    let lower = Settings {
        learning_rate: state.settings.learning_rate / 10.0,
        ..state.settings.clone()
    };
    let generation = state.run.generation;
    state = reduce(state, Action::Edit(lower));
    assert_eq!(state.run.generation, generation);
    assert!(state.run.diverged);
    state = reduce(state, Action::Play);
    assert!(state.run.running && !state.run.diverged && state.page.error.is_none());
    // A divergence is not a lost device: the device stays as it was.
    assert!(!state.run.prefer_cpu && state.run.cpu_reason.is_none());
}

/// Every setting the table calls live (or view-only) changes a running run without restarting
/// it; every other one restarts both students. Each entry is moved by its own example.
#[test]
fn the_settings_table_decides_what_restarts_a_running_run() {
    use distill_playground::app::settings::table::{Applies, TABLE};
    for e in TABLE {
        let (before, last) = e.example.rsplit_once('&').unwrap_or(("", e.example));
        let (base, _) = Settings::from_hash(before);
        let mut running = reduce(AppState::default(), Action::Edit(base.clone()));
        running = reduce(running, Action::Play);
        running = reduce(
            running,
            Action::Progress {
                steps: 50,
                point: Some(point(50)),
            },
        );
        let (changed, ignored) = Settings::from_hash(&format!("{}&{last}", base.to_hash()));
        assert!(ignored.is_empty(), "{}: {ignored:?}", e.key);
        let next = reduce(running.clone(), Action::Edit(changed));
        let restarted = next.run.generation != running.run.generation;
        assert_eq!(restarted, e.applies == Applies::Restart, "{}", e.key);
        assert_eq!(next.run.running, !restarted, "{}", e.key);
        assert_eq!(next.run.steps, if restarted { 0 } else { 50 }, "{}", e.key);
    }
}
