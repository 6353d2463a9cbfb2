//! A small labelled grid of numbers shaded by value, as an HTML table: the α × T sweep and the
//! teacher × student layer similarity. A table rather than a picture, so a screen reader reads
//! every cell with its row and column, and the numbers stay readable on a projector.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct GridHeatmapProps {
    pub id: AttrValue,
    pub caption: AttrValue,
    /// What the rows and the columns are ("α", "T").
    pub corner: AttrValue,
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    /// Row by row; a short list leaves the rest pending, `None` is a cell with no number.
    pub values: Vec<Option<f32>>,
    /// The value range the shading spans.
    pub range: (f32, f32),
    /// Shown as percentages (accuracies) rather than as they are.
    #[prop_or_default]
    pub percent: bool,
    /// The best cell, marked with a star.
    #[prop_or_default]
    pub best: Option<usize>,
    /// Cells outlined (the layer mapping's pairs).
    #[prop_or_default]
    pub marked: Vec<usize>,
    /// What a `None` cell says.
    #[prop_or(AttrValue::from("—"))]
    pub missing: AttrValue,
}

#[component]
pub fn GridHeatmap(props: &GridHeatmapProps) -> Html {
    let columns = props.columns.len();
    let cell = |r: usize, c: usize| {
        let i = r * columns + c;
        let mut class = classes!("cell");
        if props.best == Some(i) {
            class.push("best");
        }
        if props.marked.contains(&i) {
            class.push("marked");
        }
        match props.values.get(i) {
            None => html! { <td class={classes!(class, "pending")}>{ "…" }</td> },
            Some(None) => html! { <td class={class}>{ props.missing.clone() }</td> },
            Some(Some(v)) => {
                let text = match props.percent {
                    true => format!("{:.1}", v * 100.0),
                    false => format!("{v:.2}"),
                };
                let star = if props.best == Some(i) { " ★" } else { "" };
                html! { <td class={class} style={shade(*v, props.range)}>{ text }{ star }</td> }
            }
        }
    };
    html! {
        <table id={props.id.clone()} class="grid-heatmap">
            <caption>{ props.caption.clone() }</caption>
            <thead><tr>
                <th scope="col">{ props.corner.clone() }</th>
                { for props.columns.iter().map(|c| html! { <th scope="col">{ c }</th> }) }
            </tr></thead>
            <tbody>
                { for props.rows.iter().enumerate().map(|(r, name)| html! {
                    <tr>
                        <th scope="row">{ name }</th>
                        { for (0..columns).map(|c| cell(r, c)) }
                    </tr>
                }) }
            </tbody>
        </table>
    }
}

/// Pale for the low end of the range, deep blue for the high end, with text that stays legible.
fn shade(v: f32, (lo, hi): (f32, f32)) -> String {
    let f = ((v - lo) / (hi - lo).max(1e-6)).clamp(0.0, 1.0);
    let lightness = 96.0 - 58.0 * f;
    let ink = if lightness < 60.0 { "#fff" } else { "#111" };
    format!("background: hsl(215, 65%, {lightness:.0}%); color: {ink};")
}
