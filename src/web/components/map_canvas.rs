//! One decision map, painted on a canvas.

use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

use crate::engine::decision_map::{CLASS_COLOURS, MapGrid, page_grid, shade};

use super::Dispatch;
use crate::app::state::Action;

/// Which points a map shows: all training points, the distilled student's transfer set, or the
/// labeled rows alone (all the scratch student learns from).
#[derive(Clone, Copy, PartialEq)]
pub enum MapPoints {
    All,
    Transfer,
    Labeled,
}

#[derive(Properties, PartialEq)]
pub struct MapProps {
    pub id: AttrValue,
    pub title: AttrValue,
    /// 0 teacher, 1 distilled, 2 scratch: the index into `grid`.
    pub which: usize,
    pub grid: Option<Rc<[Vec<f32>; 3]>>,
    pub temperature: f32,
    pub classes: usize,
    pub transfer: Option<Rc<crate::engine::data::TransferSet>>,
    pub train: crate::app::state::Data,
    pub points: MapPoints,
    pub selected: Option<[f32; 2]>,
    pub dispatch: Dispatch,
}

const MAP_PX: u32 = 240;

/// One decision map on a canvas; clicking it (or arrows) probes the plane.
#[component]
pub fn MapCanvas(props: &MapProps) -> Html {
    let canvas = use_node_ref();
    {
        let canvas = canvas.clone();
        let deps = (
            props.grid.clone(),
            props.temperature.to_bits(),
            props.selected.map(|p| p.map(f32::to_bits)),
            props.transfer.clone().map(|t| Rc::as_ptr(&t) as usize),
        );
        let logits = props
            .grid
            .as_ref()
            .and_then(|g| g.get(props.which).cloned());
        let (classes, t, selected, points) = (
            props.classes,
            props.temperature,
            props.selected,
            map_points(props),
        );
        let grid = page_grid(props.train.kind);
        use_effect_with(deps, move |_| {
            if let Some(c) = canvas.cast::<web_sys::HtmlCanvasElement>()
                && let Err(e) =
                    paint_map(&c, grid, logits.as_deref(), classes, t, &points, selected)
            {
                gloo::console::warn!("the decision map could not be drawn:", e);
            }
        });
    }
    let (probe_at, keys) = probe_handlers(props);
    html! {
        <figure class={classes!("map", props.id.to_string())}>
            <figcaption>{ props.title.clone() }</figcaption>
            <canvas id={props.id.clone()} ref={canvas} width={MAP_PX.to_string()} height={MAP_PX.to_string()}
                    tabindex="0" role="img" aria-label={format!("{} decision map; click or use the arrow keys to probe a point", props.title)}
                    onclick={probe_at} onkeydown={keys} />
        </figure>
    }
}

/// A click probes the point under it; the arrow keys move the probe by a tenth.
fn probe_handlers(props: &MapProps) -> (Callback<MouseEvent>, Callback<KeyboardEvent>) {
    let grid = page_grid(props.train.kind);
    let probe_at = {
        let d = props.dispatch.clone();
        Callback::from(move |e: MouseEvent| {
            let Some(target) = e.target_dyn_into::<web_sys::Element>() else {
                return;
            };
            let rect = target.get_bounding_client_rect();
            let u = (f64::from(e.client_x()) - rect.left()) / rect.width().max(1.0);
            let v = (f64::from(e.client_y()) - rect.top()) / rect.height().max(1.0);
            let (x, y) = grid.from_unit(u as f32, v as f32);
            d.emit(Action::Probe(Some([x, y])));
        })
    };
    let d = props.dispatch.clone();
    let from = props.selected.unwrap_or([0.0, 0.0]);
    let keys = Callback::from(move |e: KeyboardEvent| {
        let step = 0.1;
        let [x, y] = from;
        let moved = match e.key().as_str() {
            "ArrowLeft" => [x - step, y],
            "ArrowRight" => [x + step, y],
            "ArrowUp" => [x, y + step],
            "ArrowDown" => [x, y - step],
            _ => return,
        };
        e.prevent_default();
        d.emit(Action::Probe(Some(
            moved.map(|v| v.clamp(grid.lo, grid.hi)),
        )));
    });
    (probe_at, keys)
}

/// The points a map draws: `(x, y, class or None for unlabeled)`.
fn map_points(props: &MapProps) -> Vec<(f32, f32, Option<u8>)> {
    match (props.points, &props.transfer) {
        (MapPoints::All, _) | (_, None) => {
            let train = &props.train.split.train;
            (0..train.len())
                .map(|i| {
                    let e = train.example(i);
                    (e[0], e[1], Some(train.labels[i]))
                })
                .collect()
        }
        (which, Some(t)) => t
            .features
            .chunks_exact(t.dim.max(1))
            .zip(&t.labels)
            .filter(|(_, l)| which == MapPoints::Transfer || l.is_some())
            .map(|(e, l)| (e[0], e[1], *l))
            .collect(),
    }
}

type Canvas = web_sys::HtmlCanvasElement;
type Context = web_sys::CanvasRenderingContext2d;
type JsResult<T> = Result<T, JsValue>;

fn paint_map(
    canvas: &Canvas,
    grid: MapGrid,
    logits: Option<&[f32]>,
    classes: usize,
    temperature: f32,
    points: &[(f32, f32, Option<u8>)],
    selected: Option<[f32; 2]>,
) -> JsResult<()> {
    let ctx = context2d(canvas)?;
    let size = f64::from(MAP_PX);
    ctx.set_fill_style_str("#f3f4f6");
    ctx.fill_rect(0.0, 0.0, size, size);
    if let Some(logits) = logits {
        paint_shading(&ctx, logits, classes, temperature)?;
    }
    for &(x, y, label) in points {
        circle(&ctx, grid, x, y, 2.6)?;
        match label {
            Some(c) => {
                ctx.set_fill_style_str(&class_colour(c));
                ctx.fill();
                ctx.set_stroke_style_str("white");
                ctx.set_line_width(0.8);
            }
            None => {
                ctx.set_stroke_style_str("rgba(40,40,40,0.55)");
                ctx.set_line_width(1.0);
            }
        }
        ctx.stroke();
    }
    if let Some([x, y]) = selected {
        circle(&ctx, grid, x, y, 7.0)?;
        ctx.set_stroke_style_str("#111");
        ctx.set_line_width(2.5);
        ctx.stroke();
    }
    Ok(())
}

/// A canvas's 2-D context (the other canvases' panels draw with it too).
pub(super) fn context2d(canvas: &Canvas) -> JsResult<Context> {
    canvas
        .get_context("2d")?
        .ok_or_else(|| JsValue::from_str("no 2d context"))?
        .dyn_into()
        .map_err(|_| JsValue::from_str("not a 2d context"))
}

/// The grid's pixels on a small canvas, scaled up smoothly onto the visible one.
fn paint_shading(ctx: &Context, logits: &[f32], classes: usize, temperature: f32) -> JsResult<()> {
    // Every page grid has the same side; only the square of the plane differs.
    let side = crate::engine::decision_map::PAGE_GRID.side as u32;
    let pixels = shade(logits, classes, temperature);
    let image = web_sys::ImageData::new_with_u8_clamped_array_and_sh(
        wasm_bindgen::Clamped(&pixels),
        side,
        side,
    )?;
    let small: Canvas = gloo::utils::document()
        .create_element("canvas")?
        .dyn_into()?;
    small.set_width(side);
    small.set_height(side);
    context2d(&small)?.put_image_data(&image, 0.0, 0.0)?;
    ctx.set_image_smoothing_enabled(true);
    let size = f64::from(MAP_PX);
    ctx.draw_image_with_html_canvas_element_and_dw_and_dh(&small, 0.0, 0.0, size, size)
}

/// A circle path of radius `r` pixels around the plane's point (x, y).
fn circle(ctx: &Context, grid: MapGrid, x: f32, y: f32, r: f64) -> JsResult<()> {
    let (u, v) = grid.to_unit(x, y);
    let size = f64::from(MAP_PX);
    ctx.begin_path();
    ctx.arc(
        f64::from(u) * size,
        f64::from(v) * size,
        r,
        0.0,
        std::f64::consts::TAU,
    )
}

fn class_colour(c: u8) -> String {
    let [r, g, b] = CLASS_COLOURS
        .get(usize::from(c))
        .copied()
        .unwrap_or([90, 90, 90]);
    format!("rgb({r},{g},{b})")
}
