//! One attention map (or MiniLM relation map) as a token × token heatmap: row i is where token
//! i looks, its cells shaded by weight. The map is one focusable image: arrow keys move a
//! selected cell, hovering selects one too, and the caption names both tokens and the weight,
//! so the map can be read without a mouse or good eyesight.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct AttentionHeatmapProps {
    pub title: AttrValue,
    /// The tokens, as the page shows them (`[CLS]`, words, `[SEP]`).
    pub tokens: Vec<String>,
    /// `tokens × tokens`, row-major; rows sum to one.
    pub weights: Vec<f32>,
    /// A class × class map (the teacher's mean soft targets), not attention: the caption reads
    /// it as such, and the diagonal (grey) is left out of the shading so the rest shows.
    #[prop_or_default]
    pub classes: bool,
}

/// Canvas pixels per side: a 64-token map is 4,096 cells, painted rather than made elements
/// (4,096 SVG rectangles per map re-rendered a dozen times a second would cost the page frames).
const MAP_PX: f64 = 320.0;

/// Room for the token labels, drawn along the left and top edges when the tokens are few enough
/// to read (a long message is read cell by cell through the caption).
fn margin(n: usize) -> f64 {
    if n <= 32 { 64.0 } else { 0.0 }
}

/// A token × token attention map with a keyboard- and pointer-selectable cell.
#[component]
pub fn AttentionHeatmap(props: &AttentionHeatmapProps) -> Html {
    let n = props.tokens.len();
    let selected = use_state(|| (0usize, 0usize));
    let canvas = use_node_ref();
    let (row, col) = (selected.0.min(n.max(1) - 1), selected.1.min(n.max(1) - 1));
    {
        let (canvas, weights, tokens) =
            (canvas.clone(), props.weights.clone(), props.tokens.clone());
        let classes = props.classes;
        use_effect_with((props.weights.clone(), row, col), move |_| {
            if let Some(c) = canvas.cast::<web_sys::HtmlCanvasElement>()
                && let Err(e) = paint(&c, &weights, &tokens, (row, col), classes)
            {
                gloo::console::warn!("the attention map could not be drawn:", e);
            }
        });
    }
    if n == 0 || props.weights.len() != n * n {
        return html! { <figure class="attention-map empty"><figcaption>{ props.title.clone() }</figcaption></figure> };
    }
    let onkeydown = {
        let selected = selected.clone();
        Callback::from(move |e: KeyboardEvent| {
            let moved = step(&e.key(), (row, col), n);
            if moved != (row, col) {
                e.prevent_default();
                selected.set(moved);
            }
        })
    };
    let onmousemove = hover(selected.clone(), n);
    let weight = props.weights[row * n + col];
    let said = match props.classes {
        true => describe_classes(&props.tokens, row, col, weight),
        false => describe(&props.tokens, row, col, weight),
    };
    let digest: f32 = props
        .weights
        .iter()
        .enumerate()
        .map(|(k, w)| w * (k % 97) as f32)
        .sum();
    html! {
        <figure class="attention-map" data-digest={format!("{digest:.5}")}>
            <figcaption>{ props.title.clone() }</figcaption>
            <canvas ref={canvas} width={MAP_PX.to_string()} height={MAP_PX.to_string()} tabindex="0" role="img"
                    {onkeydown} {onmousemove}
                    aria-label={format!("{}: {said}", props.title)} />
            <p class="attention-cell" aria-live="polite">{ said.clone() }</p>
        </figure>
    }
}

/// Selects the cell under the pointer.
fn hover(selected: UseStateHandle<(usize, usize)>, n: usize) -> Callback<MouseEvent> {
    Callback::from(move |e: MouseEvent| {
        let Some(target) = e.target_dyn_into::<web_sys::Element>() else {
            return;
        };
        let rect = target.get_bounding_client_rect();
        let (m, side) = (margin(n), MAP_PX - margin(n));
        // From CSS pixels to the canvas's, then past the labels to a cell.
        let at = |offset: f64, size: f64| {
            let px = offset / size.max(1.0) * MAP_PX - m;
            (px.max(0.0) / side * n as f64) as usize
        };
        let c = at(f64::from(e.client_x()) - rect.left(), rect.width());
        let r = at(f64::from(e.client_y()) - rect.top(), rect.height());
        let cell = (r.min(n - 1), c.min(n - 1));
        if cell != *selected {
            selected.set(cell);
        }
    })
}

/// Cells shaded by weight (darker is more attention, relative to the row's largest), the
/// selected one outlined.
fn paint(
    canvas: &web_sys::HtmlCanvasElement,
    weights: &[f32],
    tokens: &[String],
    (row, col): (usize, usize),
    classes: bool,
) -> Result<(), wasm_bindgen::JsValue> {
    let n = tokens.len();
    use wasm_bindgen::JsCast;
    let ctx = canvas
        .get_context("2d")?
        .ok_or("no 2-D context")?
        .dyn_into::<web_sys::CanvasRenderingContext2d>()?;
    ctx.set_fill_style_str("#ffffff");
    ctx.fill_rect(0.0, 0.0, MAP_PX, MAP_PX);
    if n == 0 || weights.len() != n * n {
        return Ok(());
    }
    let m = margin(n);
    let cell = (MAP_PX - m) / n as f64;
    if m > 0.0 {
        labels(&ctx, tokens, m, cell)?;
    }
    ctx.translate(m, m)?;
    let wrong_top = largest_off_diagonal(weights, n);
    for (r, row) in weights.chunks(n).enumerate() {
        // Shaded against the row's largest weight: over 60 tokens even a clear favourite gets
        // 0.1, which would be near-white on an absolute scale. Classes are shaded against the
        // map's largest wrong class (the true one takes most of the belief), so a flat map at
        // a high T looks flat.
        let shown = |c: usize| !(classes && c == r);
        let top = match classes {
            true => wrong_top,
            false => row.iter().copied().fold(0.0f32, f32::max).max(1e-6),
        };
        for (c, w) in row.iter().enumerate() {
            let fill = match shown(c) {
                true => format!("rgba(37, 99, 235, {:.3})", (w / top).clamp(0.0, 1.0)),
                false => "#d1d5db".to_string(),
            };
            ctx.set_fill_style_str(&fill);
            ctx.fill_rect(c as f64 * cell, r as f64 * cell, cell, cell);
        }
    }
    ctx.set_stroke_style_str("#dc2626");
    ctx.set_line_width(2.0);
    ctx.stroke_rect(
        col as f64 * cell + 1.0,
        row as f64 * cell + 1.0,
        cell - 2.0,
        cell - 2.0,
    );
    ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0)?;
    Ok(())
}

/// The largest weight off the diagonal (a class map's largest wrong class).
fn largest_off_diagonal(weights: &[f32], n: usize) -> f32 {
    weights
        .iter()
        .enumerate()
        .filter(|(k, _)| k / n != k % n)
        .map(|(_, &w)| w)
        .fold(0.0f32, f32::max)
        .max(1e-6)
}

/// The tokens along the left edge (who looks) and the top edge (at whom), cut to fit.
fn labels(
    ctx: &web_sys::CanvasRenderingContext2d,
    tokens: &[String],
    m: f64,
    cell: f64,
) -> Result<(), wasm_bindgen::JsValue> {
    let size = (cell * 0.8).clamp(6.0, 11.0);
    ctx.set_font(&format!("{size:.0}px sans-serif"));
    ctx.set_fill_style_str("#444");
    let short = |t: &String| t.chars().take(9).collect::<String>();
    ctx.set_text_align("right");
    ctx.set_text_baseline("middle");
    for (i, t) in tokens.iter().enumerate() {
        ctx.fill_text(&short(t), m - 3.0, m + (i as f64 + 0.5) * cell)?;
    }
    for (i, t) in tokens.iter().enumerate() {
        ctx.save();
        ctx.translate(m + (i as f64 + 0.5) * cell, m - 3.0)?;
        ctx.rotate(-std::f64::consts::FRAC_PI_2)?;
        ctx.set_text_align("left");
        ctx.fill_text(&short(t), 0.0, 0.0)?;
        ctx.restore();
    }
    Ok(())
}

/// The cell an arrow key moves to (unchanged for other keys and at the edges).
pub fn step(key: &str, (row, col): (usize, usize), n: usize) -> (usize, usize) {
    match key {
        "ArrowUp" => (row.saturating_sub(1), col),
        "ArrowDown" => ((row + 1).min(n.saturating_sub(1)), col),
        "ArrowLeft" => (row, col.saturating_sub(1)),
        "ArrowRight" => (row, (col + 1).min(n.saturating_sub(1))),
        _ => (row, col),
    }
}

/// "“money” looks at “free”: 0.42".
pub fn describe(tokens: &[String], row: usize, col: usize, weight: f32) -> String {
    let name = |i: usize| tokens.get(i).map_or("?", String::as_str);
    format!("“{}” looks at “{}”: {weight:.2}", name(row), name(col))
}

/// "On true “4” the teacher's mean belief in “9” is 0.031".
pub fn describe_classes(names: &[String], row: usize, col: usize, weight: f32) -> String {
    let name = |i: usize| names.get(i).map_or("?", String::as_str);
    format!(
        "On true “{}” the teacher's mean belief in “{}” is {weight:.3}",
        name(row),
        name(col)
    )
}
