//! Browser tests of the page's state and components, in headless Chromium
//! (`cargo test --target wasm32-unknown-unknown --test web`; see webdriver.json).
//! The end-to-end tests of the whole page are in tests/e2e (Playwright).
#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use distill_playground::mapping::MappingScheme;
use distill_playground::playground::{CurvePoint, Settings};
use distill_playground::web::charts::Bars;
use distill_playground::web::panels::{MappingEditor, Notices, SoftTargets};
use distill_playground::web::state::{self, Action, AppState};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

fn reduce(state: AppState, action: Action) -> AppState {
    (*Rc::new(state).reduce(action)).clone()
}

fn point(step: usize) -> CurvePoint {
    CurvePoint {
        step,
        hard: 1.0,
        soft: 1.0,
        hidden: 0.0,
        train_accuracy: 0.5,
        test_accuracy: 0.5,
        scratch_test_accuracy: 0.4,
        agreement: 0.5,
        omitted: None,
    }
}

#[wasm_bindgen_test]
fn a_rejected_edit_keeps_the_settings_and_says_why() {
    let state = AppState::default();
    let bad = Settings {
        student_hidden: vec![32],
        mapping: MappingScheme::Custom(vec![(1, 2), (2, 4)]),
        ..Settings::default()
    };
    let next = reduce(state.clone(), Action::Edit(bad));
    assert_eq!(next.settings, state.settings);
    assert!(next.error.as_deref().is_some_and(|e| !e.is_empty()));
    assert_eq!(next.generation, state.generation);
}

#[wasm_bindgen_test]
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
    assert_eq!((next.generation, next.steps, next.running), (0, 50, true));
    assert_eq!(next.settings, live);
    // A new student shape restarts both, stops, clears the curves and says so.
    let wider = Settings {
        student_hidden: vec![64, 64],
        ..live
    };
    let next = reduce(next, Action::Edit(wider));
    assert_eq!((next.generation, next.steps, next.running), (1, 0, false));
    assert!(next.curves.is_empty());
    assert!(next.notices.iter().any(|n| n.contains("restarted")));
}

#[wasm_bindgen_test]
fn switching_or_losing_the_device_keeps_the_students() {
    let state = reduce(
        AppState::default(),
        Action::Progress {
            steps: 75,
            point: Some(point(75)),
        },
    );
    let switched = reduce(state.clone(), Action::PreferCpu(true));
    assert_eq!((switched.generation, switched.steps), (0, 75));
    assert_eq!(switched.curves.len(), 1);
    let lost = reduce(state, Action::DeviceLost("WebGPU stopped working".into()));
    assert!(lost.prefer_cpu);
    assert_eq!((lost.generation, lost.steps), (0, 75));
    assert_eq!(lost.cpu_reason.as_deref(), Some(state::GPU_LOST));
    assert!(lost.notices.iter().any(|n| n == "WebGPU stopped working"));
    // The CPU-only build keeps the CPU with its reason; the students stay, WebGPU stays on offer.
    let kept = reduce(
        switched.clone(),
        Action::KeepCpu("this build of the page has no WebGPU".into()),
    );
    assert!(kept.prefer_cpu);
    assert_eq!((kept.generation, kept.steps), (0, 75));
    assert_eq!(
        kept.cpu_reason.as_deref(),
        Some("this build of the page has no WebGPU")
    );
    let again = reduce(kept, Action::PreferCpu(false));
    assert!(!again.prefer_cpu && again.cpu_reason.is_none());
    let restored = reduce(
        AppState::default(),
        Action::Restored {
            steps: 300,
            curves: vec![point(25), point(300)],
        },
    );
    assert_eq!((restored.steps, restored.curves.len()), (300, 2));
    assert_eq!(
        restored.notices.len(),
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
        untrained.notices.is_empty(),
        "untrained students are not news"
    );
}

/// Renders `html` into a fresh element of the page and waits for Yew to draw it.
async fn mount<C: BaseComponent>(props: C::Properties) -> web_sys::Element {
    let document = gloo_document();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<C>::with_root_and_props(root.clone(), props).render();
    settle().await;
    root
}

fn gloo_document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Lets Yew's scheduler run (it renders on a later task).
async fn settle() {
    for _ in 0..3 {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            web_sys::window()
                .unwrap()
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 10)
                .unwrap();
        });
        wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
    }
}

fn entropies(root: &web_sys::Element, selector: &str) -> Vec<f32> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| {
            let el: web_sys::Element = list.item(i).unwrap().dyn_into().unwrap();
            el.get_attribute("data-entropy").unwrap().parse().unwrap()
        })
        .collect()
}

#[wasm_bindgen_test]
async fn bars_draw_every_class_and_mark_the_label() {
    let props = yew::props!(distill_playground::web::charts::BarsProps {
        title: "teacher",
        probs: vec![0.7, 0.2, 0.1],
        label: Some(1),
        kind: "teacher",
    });
    let root = mount::<Bars>(props).await;
    assert_eq!(root.query_selector_all("g.bar").unwrap().length(), 3);
    let marked = root.query_selector("g.bar.true-label").unwrap().unwrap();
    assert_eq!(marked.get_attribute("data-p").as_deref(), Some("0.20000"));
    let h = entropies(&root, "figure.bars")[0];
    // −(0.7 log2 0.7 + 0.2 log2 0.2 + 0.1 log2 0.1) = 1.1568 bits
    assert!((h - 1.1568).abs() < 1e-3, "{h}");
}

/// The panels over one reducer, as on the page, with fixed logits for the selected digit.
#[component]
fn Harness() -> Html {
    let state = use_reducer(|| AppState {
        logits: Some(Rc::new([
            vec![9.0, 1.0, 3.0, 6.0, 0.0, 1.0, 0.5, 5.0, 2.0, 1.0],
            vec![5.0, 1.0, 2.0, 3.0, 0.0, 1.0, 0.5, 2.0, 1.0, 1.0],
            vec![4.0, 1.0, 1.0, 1.0, 0.0, 1.0, 0.5, 1.0, 1.0, 1.0],
        ])),
        data: Some(state::Data {
            kind: distill_playground::data::DatasetKind::Digits,
            split: Rc::new(distill_playground::data::digits().unwrap()),
        }),
        ..Default::default()
    });
    html! {
        <>
            <Notices notices={state.notices.clone()} error={state.error.clone()} dispatch={state.dispatcher()} />
            <SoftTargets state={state.clone()} />
            <MappingEditor view={distill_playground::web::panels::calm(&state)} state={state} />
        </>
    }
}

fn element<T: JsCast>(root: &web_sys::Element, selector: &str) -> T {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .dyn_into()
        .unwrap()
}

async fn set_slider(root: &web_sys::Element, value: &str) {
    let slider: web_sys::HtmlInputElement = element(root, "#temperature");
    slider.set_value(value);
    let event = web_sys::InputEvent::new("input").unwrap();
    slider.dispatch_event(&event).unwrap();
    settle().await;
}

#[wasm_bindgen_test]
async fn the_temperature_slider_flattens_the_soft_targets() {
    let root = mount::<Harness>(()).await;
    set_slider(&root, "100").await;
    let low = entropies(&root, "figure.bars.teacher")[0];
    let low_label = element::<web_sys::Element>(&root, "#t-value").text_content();
    set_slider(&root, "900").await;
    let high = entropies(&root, "figure.bars.teacher")[0];
    let high_student = entropies(&root, "figure.bars.student")[0];
    assert!(high > low + 1.0, "entropy at low T {low}, high T {high}");
    assert!(high_student > 2.5, "{high_student}");
    assert_ne!(
        low_label,
        element::<web_sys::Element>(&root, "#t-value").text_content()
    );
    // The dark-knowledge reading names the teacher's runners-up (3 and 7 here).
    let reading = element::<web_sys::Element>(&root, "#dark-knowledge")
        .text_content()
        .unwrap_or_default();
    assert!(
        reading.contains("3 (") && reading.contains("7 ("),
        "{reading}"
    );
}

fn click(root: &web_sys::Element, selector: &str) {
    let el: web_sys::Element = element(root, selector);
    let event = web_sys::MouseEvent::new("click").unwrap();
    el.dispatch_event(&event).unwrap();
}

#[wasm_bindgen_test]
async fn the_mapping_editor_connects_layers_and_refuses_crossings() {
    let root = mount::<Harness>(()).await;
    let text = |root: &web_sys::Element| {
        element::<web_sys::Element>(root, "#mapping-text")
            .text_content()
            .unwrap_or_default()
    };
    assert_eq!(text(&root), "T2→S1, T4→S2, T6→S3");
    click(&root, "#map-none");
    settle().await;
    assert_eq!(text(&root), "no hidden-state supervision");
    click(&root, "#teacher-layer-5");
    settle().await;
    click(&root, "#student-layer-2");
    settle().await;
    assert_eq!(text(&root), "T5→S2");
    assert_eq!(root.query_selector_all("line.pair").unwrap().length(), 1);
    // S1 above T5 would cross S2's line: refused, with the reason, mapping unchanged.
    click(&root, "#teacher-layer-6");
    settle().await;
    click(&root, "#student-layer-1");
    settle().await;
    assert_eq!(text(&root), "T5→S2");
    let error = element::<web_sys::Element>(&root, "#error")
        .text_content()
        .unwrap_or_default();
    assert!(error.contains("impossible"), "{error}");
}

#[wasm_bindgen_test]
fn drawing_edits_go_through_the_reducer_with_undo() {
    use distill_playground::web::state::DrawAction;
    let mut state = reduce(AppState::default(), Action::Draw(DrawAction::Paint(3)));
    assert!(state.drawing.is_none(), "no drawing until one is started");
    state = reduce(state, Action::Draw(DrawAction::Start));
    let started = state.drawing_version;
    state = reduce(state, Action::Draw(DrawAction::BeginStroke));
    state = reduce(state, Action::Draw(DrawAction::Paint(27)));
    let drawing = state.drawing.clone().unwrap();
    assert_eq!(drawing.pixels[27], 1.0);
    assert!(drawing.can_undo());
    assert!(
        state.drawing_version > started,
        "each edit is a new version to draw"
    );
    state = reduce(state, Action::Draw(DrawAction::Undo));
    assert!(
        state
            .drawing
            .as_ref()
            .unwrap()
            .pixels
            .iter()
            .all(|v| *v == 0.0)
    );
    state = reduce(state, Action::Draw(DrawAction::Stop));
    assert!(state.drawing.is_none());
}

#[wasm_bindgen_test]
fn a_new_dataset_clears_what_belonged_to_the_old_one() {
    use distill_playground::data::DatasetKind;
    use distill_playground::web::state::DrawAction;
    let mut state = reduce(AppState::default(), Action::Draw(DrawAction::Start));
    assert_eq!(
        state.drawing.as_ref().unwrap().side,
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
    let version = state.drawing_version;
    state = reduce(state, Action::Edit(moons));
    assert_eq!(state.settings.dataset, DatasetKind::Moons);
    assert!(state.drawing.is_none() && state.grid.is_none() && state.data.is_none());
    assert_eq!((state.steps, state.curves.len()), (0, 0), "new students");
    assert!(
        state.drawing_version > version,
        "the driver redraws the view"
    );
    // A 2-D set has nothing to draw; a clicked point is probed instead.
    state = reduce(state, Action::Draw(DrawAction::Start));
    assert!(state.drawing.is_none());
    state = reduce(state, Action::Probe(Some([0.5, -0.25])));
    assert_eq!(state.probe, Some([0.5, -0.25]));
    // MNIST draws on 28×28; starting to draw ends the probe.
    let mnist = Settings {
        dataset: DatasetKind::Mnist,
        ..state.settings.clone()
    };
    state = reduce(state, Action::Edit(mnist));
    assert!(state.probe.is_none());
    state = reduce(state, Action::Draw(DrawAction::Start));
    assert_eq!(state.drawing.as_ref().unwrap().side, 28);
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
    assert_eq!(state.error.as_deref(), Some("Could not load MNIST"));
}

#[wasm_bindgen_test]
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
    state = reduce(
        state,
        Action::Update(Rc::new(|s: &Settings| {
            Ok(Settings {
                alpha: 0.9,
                ..s.clone()
            })
        })),
    );
    assert_eq!(
        (state.settings.temperature, state.settings.alpha),
        (8.0, 0.9)
    );
    let before = state.settings.clone();
    state = reduce(
        state,
        Action::Update(Rc::new(|_: &Settings| Err("no such mapping".to_string()))),
    );
    assert_eq!(state.settings, before);
    assert_eq!(state.error.as_deref(), Some("no such mapping"));
}
