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
}

/// A token × token attention map with a keyboard- and pointer-selectable cell.
#[component]
pub fn AttentionHeatmap(props: &AttentionHeatmapProps) -> Html {
    let n = props.tokens.len();
    let selected = use_state(|| (0usize, 0usize));
    if n == 0 || props.weights.len() != n * n {
        return html! { <figure class="attention-map empty"><figcaption>{ props.title.clone() }</figcaption></figure> };
    }
    let (row, col) = (selected.0.min(n - 1), selected.1.min(n - 1));
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
    let cell = 12.0;
    let size = cell * n as f64;
    let weight = props.weights[row * n + col];
    html! {
        <figure class="attention-map">
            <figcaption>{ props.title.clone() }</figcaption>
            <svg viewBox={format!("0 0 {size} {size}")} tabindex="0" role="img" {onkeydown}
                 aria-label={format!("{}: {}", props.title, describe(&props.tokens, row, col, weight))}>
                { for (0..n * n).map(|k| {
                    let (r, c) = (k / n, k % n);
                    let onmouseenter = {
                        let selected = selected.clone();
                        Callback::from(move |_: MouseEvent| selected.set((r, c)))
                    };
                    html! {
                        <rect class={classes!(((r, c) == (row, col)).then_some("selected"))}
                              x={format!("{:.0}", c as f64 * cell)} y={format!("{:.0}", r as f64 * cell)}
                              width={cell.to_string()} height={cell.to_string()}
                              fill-opacity={format!("{:.3}", props.weights[k].clamp(0.0, 1.0))}
                              {onmouseenter} />
                    }
                }) }
            </svg>
            <p class="attention-cell" aria-live="polite">{ describe(&props.tokens, row, col, weight) }</p>
        </figure>
    }
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
