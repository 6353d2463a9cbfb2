//! Drawing your own digit on a grid, with pointer and keyboard.

use yew::prelude::*;

use super::Dispatch;
use crate::app::state::{Action, DrawAction};

#[derive(Properties, PartialEq)]
pub struct DrawGridProps {
    pub pixels: Vec<f32>,
    pub side: usize,
    pub dispatch: Dispatch,
}

/// The drawing grid: press and drag to paint. For the keyboard it is one tab stop: the arrows
/// move between cells, Enter or Space paints, Shift+arrows paint as they move.
#[component]
pub fn DrawGrid(props: &DrawGridProps) -> Html {
    let s = props.side.max(1);
    let cursor = use_state(|| 0usize);
    let focused = *cursor;
    html! {
        <svg id="draw-grid" class={classes!("digit", "drawing", (s > 8).then_some("fine"))} viewBox={format!("0 0 {s} {s}")} role="group" aria-label="drawing grid">
            { for props.pixels.iter().enumerate().map(|(i, v)| {
                let shade = (255.0 * (1.0 - v.clamp(0.0, 1.0))) as u8;
                let d = props.dispatch.clone();
                let down = Callback::from(move |e: PointerEvent| {
                    e.prevent_default();
                    d.emit(Action::Draw(DrawAction::BeginStroke));
                    d.emit(Action::Draw(DrawAction::Paint(i)));
                });
                let d = props.dispatch.clone();
                let enter = Callback::from(move |e: MouseEvent| {
                    if e.buttons() & 1 == 1 {
                        d.emit(Action::Draw(DrawAction::Paint(i)));
                    }
                });
                let d = props.dispatch.clone();
                let cursor = cursor.clone();
                let key = Callback::from(move |e: KeyboardEvent| {
                    let (r, c) = (i / s, i % s);
                    let next = match e.key().as_str() {
                        "Enter" | " " => {
                            e.prevent_default();
                            d.emit(Action::Draw(DrawAction::BeginStroke));
                            d.emit(Action::Draw(DrawAction::Paint(i)));
                            return;
                        }
                        "ArrowLeft" if c > 0 => i - 1,
                        "ArrowRight" if c + 1 < s => i + 1,
                        "ArrowUp" if r > 0 => i - s,
                        "ArrowDown" if r + 1 < s => i + s,
                        _ => return,
                    };
                    e.prevent_default();
                    cursor.set(next);
                    if e.shift_key() {
                        d.emit(Action::Draw(DrawAction::Paint(next)));
                    }
                    focus_cell(next);
                });
                html! { <rect class="cell" data-cell={i.to_string()} x={(i % s).to_string()} y={(i / s).to_string()} width="0.96" height="0.96"
                              tabindex={if i == focused { "0" } else { "-1" }} role="button" aria-label={format!("row {} column {}", i / s + 1, i % s + 1)}
                              fill={format!("rgb({shade},{shade},{shade})")}
                              onpointerdown={down} onmouseenter={enter} onkeydown={key} /> }
            }) }
        </svg>
    }
}

/// Moves the keyboard focus to a cell of the drawing grid (an SVG element: `focus` is called
/// through JavaScript, as web-sys's SVG bindings are not otherwise needed).
fn focus_cell(cell: usize) {
    use wasm_bindgen::JsCast;
    let Some(el) = web_sys::window().and_then(|w| w.document()).and_then(|d| {
        d.query_selector(&format!("#draw-grid [data-cell=\"{cell}\"]"))
            .ok()
            .flatten()
    }) else {
        return;
    };
    if let Ok(focus) = js_sys::Reflect::get(&el, &"focus".into())
        && let Ok(focus) = focus.dyn_into::<js_sys::Function>()
        && focus.call0(&el).is_err()
    {
        gloo::console::warn!("the drawing grid could not move the keyboard focus");
    }
}
