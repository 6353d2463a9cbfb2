//! The page's components, one per file. Each takes the app state (or small props) and dispatches
//! actions; none holds state of its own. Shared here: the helpers that turn an input event into a
//! settings edit, and the "calm" view that spares panels the slider's re-renders.

mod attention_heatmap;
mod attention_view;
mod bars;
mod compression;
mod dataset_menu;
mod decision_maps;
mod device_badge;
mod digit;
mod draw_grid;
mod files_panel;
mod grid_heatmap;
pub mod labs;
mod labs_index;
mod layer_similarity;
mod lines;
mod loss_controls;
mod loss_laid_bare;
mod map_canvas;
mod mapping_editor;
mod message_box;
mod nav;
mod notices;
mod own_data;
mod presets;
mod settings_reference;
mod soft_targets;
mod tour;
mod training;

pub use attention_heatmap::*;
pub use attention_view::*;
pub use bars::*;
pub use compression::*;
pub use dataset_menu::*;
pub use decision_maps::*;
pub use device_badge::*;
pub use digit::*;
pub use draw_grid::*;
pub use files_panel::*;
pub use grid_heatmap::*;
pub use labs_index::*;
pub use layer_similarity::*;
pub use lines::*;
pub use loss_controls::*;
pub use loss_laid_bare::*;
pub use map_canvas::*;
pub use mapping_editor::*;
pub use message_box::*;
pub use nav::*;
pub use notices::*;
pub use own_data::*;
pub use presets::*;
pub use settings_reference::*;
pub use soft_targets::*;
pub use tour::*;
pub use training::*;

use std::rc::Rc;

use yew::prelude::*;

use crate::app::Settings;
use crate::app::state::{Action, AppState};

type State = UseReducerHandle<AppState>;

/// A setting's bounds for its control: the settings table's, never a number of the control's own.
fn span(key: &str, part: &str) -> crate::app::settings::table::Span {
    crate::app::settings::table::span(key, part)
}

fn input_value(e: &Event) -> String {
    e.target_unchecked_into::<web_sys::HtmlInputElement>()
        .value()
}

/// An edit of the settings as they are when the reducer applies it (never as a panel last saw
/// them: a panel that skipped a render must not write old values back).
fn update(
    state: &State,
    f: impl Fn(&Settings) -> Result<Settings, String> + 'static,
) -> impl Fn() + 'static {
    let d = state.dispatcher();
    let f: crate::app::state::SettingsEdit = Rc::new(f);
    move || d.dispatch(Action::Update(f.clone()))
}

fn edit(state: &State, f: impl Fn(&mut Settings, String) + 'static) -> Callback<Event> {
    let d = state.dispatcher();
    let f = Rc::new(f);
    Callback::from(move |e: Event| {
        let (f, value) = (f.clone(), input_value(&e));
        d.dispatch(Action::Update(Rc::new(move |current: &Settings| {
            let mut s = current.clone();
            f(&mut s, value.clone());
            Ok(s)
        })));
    })
}

/// A file input's change and a drop zone's drop, each handing its first file to `load` (the
/// input is cleared, so the same file can be picked again).
fn file_handlers(
    load: impl Fn(web_sys::File) + Clone + 'static,
) -> (Callback<Event>, Callback<DragEvent>) {
    let on_pick = {
        let load = load.clone();
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<web_sys::HtmlInputElement>();
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                load(file);
            }
            input.set_value("");
        })
    };
    let on_drop = Callback::from(move |e: DragEvent| {
        e.prevent_default();
        if let Some(file) = e
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0))
        {
            load(file);
        }
    });
    (on_pick, on_drop)
}

/// An edit from a checkbox: `f` gets whether it is ticked.
fn edit_checked(state: &State, f: impl Fn(&mut Settings, bool) + 'static) -> Callback<Event> {
    let d = state.dispatcher();
    let f = Rc::new(f);
    Callback::from(move |e: Event| {
        let on = e
            .target_unchecked_into::<web_sys::HtmlInputElement>()
            .checked();
        let f = f.clone();
        d.dispatch(Action::Update(Rc::new(move |current: &Settings| {
            let mut s = current.clone();
            f(&mut s, on);
            Ok(s)
        })));
    })
}

/// An edit from a control whose value parses as `T`; a value that does not parse changes nothing.
fn edit_parsed<T: std::str::FromStr + 'static>(
    state: &State,
    f: impl Fn(&mut Settings, T) + 'static,
) -> Callback<Event> {
    edit(state, move |s, v| {
        if let Ok(x) = v.parse::<T>() {
            f(s, x);
        }
    })
}

/// A labelled menu with a line of explanation under it.
fn select(
    id: &'static str,
    label: &'static str,
    value: &str,
    options: &[(&str, &str)],
    onchange: Callback<Event>,
    help: &'static str,
) -> Html {
    html! {
        <div class="control">
            <label for={id}>{ label }</label>
            <select id={id} onchange={onchange}>
                { for options.iter().map(|(v, text)| html! { <option value={v.to_string()} selected={*v == value}>{ *text }</option> }) }
            </select>
            <p class="explain">{ help }</p>
        </div>
    }
}

fn edit_input(state: &State, f: impl Fn(&mut Settings, String) + 'static) -> Callback<InputEvent> {
    let d = state.dispatcher();
    let f = Rc::new(f);
    Callback::from(move |e: InputEvent| {
        let (f, value) = (
            f.clone(),
            e.target_unchecked_into::<web_sys::HtmlInputElement>()
                .value(),
        );
        d.dispatch(Action::Update(Rc::new(move |current: &Settings| {
            let mut s = current.clone();
            f(&mut s, value.clone());
            Ok(s)
        })));
    })
}

/// What a panel that shows neither T nor the networks' live outputs depends on: the T slider and
/// the 15 Hz refresh of the example's logits leave it alone (no re-render), which keeps a drag
/// cheap. Taken at render time: a reducer handle always reads the latest state, so two handles
/// cannot tell an old render from a new one.
pub fn calm(state: &AppState) -> Rc<AppState> {
    Rc::new(AppState {
        settings: Settings {
            temperature: 0.0,
            ..state.settings.clone()
        },
        logits: None,
        logits_input: None,
        grid: None,
        drawing: None,
        drawing_version: 0,
        probe: None,
        message: None,
        attention: None,
        ..state.clone()
    })
}

/// Props of a panel that re-renders only when its `calm` view of the state changes.
#[derive(Properties, Clone)]
pub struct CalmProps {
    pub state: State,
    /// `calm(&state)` at the parent's render.
    pub view: Rc<AppState>,
}

impl PartialEq for CalmProps {
    fn eq(&self, other: &Self) -> bool {
        self.view == other.view
    }
}

#[derive(Properties, PartialEq)]
pub struct StateProps {
    pub state: State,
}
