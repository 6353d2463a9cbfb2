//! The page's components, one per file. Each takes only the slices of the state it shows (so a
//! panel that does not show T is not rendered again while T is dragged) and the dispatcher of
//! actions; none holds state of its own. Shared here: the helpers that turn an input event into a
//! settings edit.

mod attention_heatmap;
mod attention_view;
mod bars;
mod compression;
mod dark_knowledge_map;
mod dataset_menu;
mod decision_maps;
mod device_badge;
mod digit;
mod draw_grid;
mod files_panel;
mod first_block_view;
mod grid_heatmap;
mod head_view;
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
mod teacher_menu;
mod tour;
mod training;

pub use attention_heatmap::*;
pub use attention_view::*;
pub use bars::*;
pub use compression::*;
pub use dark_knowledge_map::*;
pub use dataset_menu::*;
pub use decision_maps::*;
pub use device_badge::*;
pub use digit::*;
pub use draw_grid::*;
pub use files_panel::*;
pub use first_block_view::*;
pub use grid_heatmap::*;
pub use head_view::*;
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
pub use teacher_menu::*;
pub use tour::*;
pub use training::*;

use std::rc::Rc;

use yew::prelude::*;

use crate::app::Settings;
use crate::app::settings::Edit;
use crate::app::state::{Action, Data, Views};

/// Where a panel sends its actions (the reducer's dispatcher: equal across renders, so it never
/// causes one).
pub type Dispatch = Callback<Action>;

/// Props of a panel that shows and edits settings only.
#[derive(Properties, PartialEq)]
pub struct SettingsProps {
    pub settings: Settings,
    pub dispatch: Dispatch,
}

/// Props of a panel about the example on show: the settings (T, the example picked), the data,
/// and what is on show.
#[derive(Properties, PartialEq)]
pub struct ShownProps {
    pub settings: Settings,
    pub data: Option<Data>,
    pub views: Rc<Views>,
    pub dispatch: Dispatch,
    /// The teacher's logits of the test examples, for the class × class map (once known).
    #[prop_or_default]
    pub teacher_test: Option<Rc<Vec<f32>>>,
}

/// A setting's bounds for its control: the settings table's, never a number of the control's own.
fn span(key: &str, part: &str) -> crate::app::settings::table::Span {
    crate::app::settings::table::span(key, part)
}

fn input_value(e: &Event) -> String {
    e.target_unchecked_into::<web_sys::HtmlInputElement>()
        .value()
}

/// A control's new value as an edit of the setting `key` (the settings table reads it).
fn set_field(d: &Dispatch, key: &'static str) -> Callback<Event> {
    d.reform(move |e: Event| Action::Set(Edit::Field(key, input_value(&e))))
}

/// The same while a slider moves.
fn set_field_live(d: &Dispatch, key: &'static str) -> Callback<InputEvent> {
    d.reform(move |e: InputEvent| {
        let value = e
            .target_unchecked_into::<web_sys::HtmlInputElement>()
            .value();
        Action::Set(Edit::Field(key, value))
    })
}

/// A checkbox as the setting `key` (1 ticked, 0 not).
fn set_checked(d: &Dispatch, key: &'static str) -> Callback<Event> {
    d.reform(move |e: Event| {
        let on = e
            .target_unchecked_into::<web_sys::HtmlInputElement>()
            .checked();
        Action::Set(Edit::Field(key, u8::from(on).to_string()))
    })
}

/// A control whose value reads as `T`, made into an edit (a value that does not read changes
/// nothing).
fn set_parsed<T: std::str::FromStr + 'static>(
    d: &Dispatch,
    edit: fn(T) -> Edit,
) -> Callback<Event> {
    let d = d.clone();
    Callback::from(move |e: Event| {
        if let Ok(v) = input_value(&e).parse::<T>() {
            d.emit(Action::Set(edit(v)))
        }
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
