//! Browser tests of the page's state and components, in headless Chromium
//! (`cargo test --target wasm32-unknown-unknown --test web`; see webdriver.json).
//! The end-to-end tests of the whole page are in tests/e2e (Playwright).
#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use distill_playground::app::state::{self, AppState};
use distill_playground::web::components::Bars;
use distill_playground::web::components::{MappingEditor, Notices, SoftTargets};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

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
    let props = yew::props!(distill_playground::web::components::BarsProps {
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
        views: Rc::new(state::Views {
            logits: Some(Rc::new([
                vec![9.0, 1.0, 3.0, 6.0, 0.0, 1.0, 0.5, 5.0, 2.0, 1.0],
                vec![5.0, 1.0, 2.0, 3.0, 0.0, 1.0, 0.5, 2.0, 1.0, 1.0],
                vec![4.0, 1.0, 1.0, 1.0, 0.0, 1.0, 0.5, 1.0, 1.0, 1.0],
            ])),
            ..Default::default()
        }),
        run: Rc::new(state::Run {
            data: Some(state::Data::features(
                distill_playground::engine::catalog::DatasetKind::Digits,
                distill_playground::engine::data::digits().unwrap(),
            )),
            ..Default::default()
        }),
        ..Default::default()
    });
    let (settings, dispatch) = (state.settings.clone(), state.dispatcher());
    html! {
        <>
            <Notices notices={state.page.notices.clone()} error={state.page.error.clone()} dispatch={dispatch.clone()} />
            <SoftTargets settings={settings.clone()} data={state.run.data.clone()} views={state.views.clone()} dispatch={dispatch.clone()} />
            <MappingEditor settings={settings} teacher_hidden={state.run.teacher_hidden.clone()}
                selected={state.views.selected_teacher_layer} dispatch={dispatch} />
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

/// index.html's loader publishes one object; the app reads its data as one typed value and
/// calls its methods with the object as `this`.
#[wasm_bindgen_test]
fn the_loader_contract_is_one_typed_object() {
    use distill_playground::web::loader::{self, LoaderState};
    let set = |o: &js_sys::Object, k: &str, v: wasm_bindgen::JsValue| {
        js_sys::Reflect::set(o, &k.into(), &v).unwrap();
    };
    let window = web_sys::window().unwrap();
    assert_eq!(
        loader::state(),
        LoaderState::default(),
        "no loader, defaults"
    );
    let object = js_sys::Object::new();
    set(&object, "wanted", "webgpu".into());
    set(&object, "webgpuReady", true.into());
    set(&object, "note", wasm_bindgen::JsValue::UNDEFINED);
    let switch = js_sys::Function::new_with_args("training", "this.resumeTraining = training");
    set(&object, "switchEngine", switch.into());
    js_sys::Reflect::set(&window, &"distillLoader".into(), &object).unwrap();
    let expected = LoaderState {
        wanted: Some("webgpu".into()),
        webgpu_ready: true,
        ..LoaderState::default()
    };
    assert_eq!(loader::state(), expected);
    loader::switch_to_webgpu(true);
    assert!(
        loader::state().resume_training,
        "the method ran with the loader as `this`"
    );
    // A field of the wrong type is reported and read as defaults, not a crash.
    set(&object, "webgpuReady", "yes".into());
    assert_eq!(loader::state(), LoaderState::default());
    js_sys::Reflect::delete_property(&window, &"distillLoader".into()).unwrap();
}

/// The tokenizer gives in wasm exactly what it gives natively (the same literal ids are asserted
/// by `engine::text::spam`'s native test), and a text network runs in the page's build.
#[wasm_bindgen_test]
fn text_tokenizes_and_classifies_in_wasm() {
    use distill_playground::engine::network::{Classifier, Input, TransformerConfig};
    use distill_playground::engine::text::spam;
    let text = spam(None).unwrap();
    assert_eq!(text.tokenizer.vocab_size(), 6005);
    let row = text
        .tokenizer
        .encode("Click here to WIN $1000 now!!!")
        .unwrap();
    assert_eq!(&row[..12], SPAM_FINGERPRINT);
    let device = burn::tensor::Device::flex();
    let net = TransformerConfig::student(6005, 64, 3)
        .init(&device, 1)
        .unwrap();
    let ids: Vec<f32> = row.iter().map(|&id| id as f32).collect();
    let x =
        burn::tensor::Tensor::<2>::from_data(burn::tensor::TensorData::new(ids, [1, 64]), &device);
    assert_eq!(net.logits(Input::Features(x)).dims(), [1, 3]);
}

const SPAM_FINGERPRINT: &[u32] = &[2, 118, 99, 13, 929, 57, 1318, 75, 18, 18, 18, 3];

/// An attention map names the cell it shows: at first [CLS] → [CLS], then whatever the pointer
/// enters; arrow keys move the cell within the map.
#[wasm_bindgen_test]
async fn the_attention_heatmap_names_the_tokens_and_the_weight() {
    use distill_playground::web::components::{
        AttentionHeatmap, AttentionHeatmapProps, describe, step,
    };
    let tokens: Vec<String> = ["[CLS]", "free", "money", "[SEP]"]
        .map(String::from)
        .to_vec();
    let mut weights = vec![0.25; 16];
    weights[4..8].copy_from_slice(&[0.1, 0.6, 0.2, 0.1]);
    let props = AttentionHeatmapProps {
        title: "block 1, head 2".into(),
        tokens: tokens.clone(),
        weights,
        classes: false,
    };
    let root = mount::<AttentionHeatmap>(props).await;
    let caption = |root: &web_sys::Element| {
        element::<web_sys::Element>(root, ".attention-cell")
            .text_content()
            .unwrap_or_default()
    };
    assert_eq!(caption(&root), "“[CLS]” looks at “[CLS]”: 0.25");
    // The pointer over the second row's second cell: 4 × 4 cells of 64 canvas pixels after 64
    // pixels of labels, 320 in all, so the cell's middle is at half the width.
    let canvas = element::<web_sys::HtmlCanvasElement>(&root, "figure.attention-map canvas");
    let rect = canvas.get_bounding_client_rect();
    let init = web_sys::MouseEventInit::new();
    init.set_client_x((rect.left() + rect.width() * 0.5) as i32);
    init.set_client_y((rect.top() + rect.height() * 0.5) as i32);
    init.set_bubbles(true);
    let moved = web_sys::MouseEvent::new_with_mouse_event_init_dict("mousemove", &init).unwrap();
    canvas.dispatch_event(&moved).unwrap();
    settle().await;
    assert_eq!(caption(&root), "“free” looks at “free”: 0.60");
    // Then the arrow keys move the cell.
    let init = web_sys::KeyboardEventInit::new();
    init.set_key("ArrowRight");
    init.set_bubbles(true);
    let key = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    canvas.dispatch_event(&key).unwrap();
    settle().await;
    assert_eq!(caption(&root), "“free” looks at “money”: 0.20");
    // Keys: clamped at the edges, other keys ignored.
    assert_eq!(step("ArrowRight", (1, 3), 4), (1, 3));
    assert_eq!(step("ArrowDown", (1, 3), 4), (2, 3));
    assert_eq!(step("ArrowUp", (0, 0), 4), (0, 0));
    assert_eq!(step("x", (2, 2), 4), (2, 2));
    assert_eq!(
        describe(&tokens, 2, 1, 0.2),
        "“money” looks at “free”: 0.20"
    );
}

/// The class × class map: rows are the teacher's mean soft targets per true class; its caption
/// names two classes and the value, and its reading follows T.
#[wasm_bindgen_test]
async fn the_class_map_names_two_classes_and_follows_t() {
    use distill_playground::app::Settings;
    use distill_playground::app::data::Data;
    use distill_playground::engine::catalog::DatasetKind;
    use distill_playground::web::components::{DarkKnowledgeMap, DarkKnowledgeMapProps};
    let split = distill_playground::engine::data::digits().unwrap();
    // A teacher that is sure of each label, and gives every 4 a second thought of 9.
    let logits: Vec<f32> = split
        .test
        .labels
        .iter()
        .flat_map(|&y| {
            let mut z = vec![0.0f32; 10];
            z[usize::from(y)] = 6.0;
            if y == 4 {
                z[9] = 4.0;
            }
            z
        })
        .collect();
    let data = Data::features(DatasetKind::Digits, split);
    let reading = |t: f32| {
        let logits = std::rc::Rc::new(logits.clone());
        let data = data.clone();
        async move {
            let props = DarkKnowledgeMapProps {
                settings: Settings {
                    temperature: t,
                    ..Settings::default()
                },
                data: Some(data),
                teacher_test: Some(logits),
            };
            let root = mount::<DarkKnowledgeMap>(props).await;
            let text = |sel: &str| {
                element::<web_sys::Element>(&root, sel)
                    .text_content()
                    .unwrap_or_default()
            };
            (text(".attention-cell"), text("#most-alike"))
        }
    };
    let (cell, cold) = reading(1.0).await;
    assert!(
        cell.starts_with("On true “0” the teacher's mean belief in “0” is 0.9"),
        "{cell}"
    );
    assert!(cold.contains("on a true “4” it gives “9” 11.7 %"), "{cold}");
    let (_, warm) = reading(4.0).await;
    assert!(
        warm.contains("on a true “4” it gives “9”") && !warm.contains("11.7 %"),
        "{warm}"
    );
}

/// The head view: a line per head and attended pair above the faintest weight, fewer when a
/// token is pointed at; past 24 tokens it says so instead of drawing a tangle.
#[wasm_bindgen_test]
async fn the_head_view_draws_each_heads_lines_and_declines_long_sentences() {
    use distill_playground::web::components::{HeadView, HeadViewProps, head_lines};
    let tokens: Vec<String> = ["[CLS]", "free", "[SEP]"].map(String::from).to_vec();
    // Head 1 looks at the next token, head 2 at [SEP].
    let next = vec![0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0];
    let sep = vec![0.02, 0.0, 0.98, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0];
    let heads = vec![next, sep];
    assert_eq!(
        head_lines(&heads, 3, None).len(),
        6,
        "the 0.02 line is left out"
    );
    assert_eq!(
        head_lines(&heads, 3, Some(1)),
        vec![(0, 1, 2, 1.0), (1, 1, 2, 1.0)]
    );
    let root = mount::<HeadView>(HeadViewProps {
        id: "hv".into(),
        title: "Teacher, block 1: every head".into(),
        tokens: tokens.clone(),
        heads: heads.clone(),
    })
    .await;
    let figure = element::<web_sys::Element>(&root, "#hv");
    assert_eq!(figure.get_attribute("data-lines").as_deref(), Some("6"));
    assert_eq!(root.query_selector_all("#hv line").unwrap().length(), 6);
    let long: Vec<String> = (0..30).map(|i| format!("w{i}")).collect();
    let root = mount::<HeadView>(HeadViewProps {
        id: "hv".into(),
        title: "long".into(),
        tokens: long,
        heads: vec![vec![0.0; 900]],
    })
    .await;
    let note = element::<web_sys::Element>(&root, "#hv")
        .text_content()
        .unwrap_or_default();
    assert!(note.contains("up to 24 tokens; this one has 30"), "{note}");
}
