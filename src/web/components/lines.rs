//! A small SVG line chart of several series over training steps.

use yew::prelude::*;

#[derive(Clone, PartialEq)]
pub struct Series {
    pub name: &'static str,
    pub class: &'static str,
    pub points: Vec<(f32, f32)>,
}

#[derive(Properties, PartialEq)]
pub struct LinesProps {
    pub title: AttrValue,
    pub series: Vec<Series>,
    /// Fixed y range, else fitted to the data.
    #[prop_or_default]
    pub y_range: Option<(f32, f32)>,
    pub id: AttrValue,
}

/// A small line chart of several series over training steps.
#[component]
pub fn Lines(props: &LinesProps) -> Html {
    let (w, h, left, bottom) = (420.0f32, 170.0f32, 36.0f32, 18.0f32);
    let finite = |v: &f32| v.is_finite();
    let all: Vec<(f32, f32)> = props
        .series
        .iter()
        .flat_map(|s| s.points.iter().copied())
        .filter(|(x, y)| finite(x) && finite(y))
        .collect();
    let x_max = all.iter().map(|p| p.0).fold(1.0f32, f32::max);
    let (y_min, y_max) = props.y_range.unwrap_or_else(|| {
        let hi = all.iter().map(|p| p.1).fold(0.0f32, f32::max);
        (0.0, if hi > 0.0 { hi * 1.05 } else { 1.0 })
    });
    let sx = |x: f32| left + x / x_max * (w - left - 6.0);
    let sy = |y: f32| (h - bottom) - (y - y_min) / (y_max - y_min).max(1e-9) * (h - bottom - 6.0);
    html! {
        <figure class="lines" id={props.id.clone()}>
            <figcaption>{ props.title.clone() }</figcaption>
            <svg viewBox={format!("0 0 {w} {h}")} role="img" aria-label={props.title.clone()}>
                <line class="axis" x1={left.to_string()} y1={(h - bottom).to_string()} x2={w.to_string()} y2={(h - bottom).to_string()} />
                <line class="axis" x1={left.to_string()} y1="0" x2={left.to_string()} y2={(h - bottom).to_string()} />
                <text class="tick" x={(left - 4.0).to_string()} y="10" text-anchor="end">{ format!("{y_max:.2}") }</text>
                <text class="tick" x={(left - 4.0).to_string()} y={(h - bottom).to_string()} text-anchor="end">{ format!("{y_min:.2}") }</text>
                <text class="tick" x={w.to_string()} y={(h - 4.0).to_string()} text-anchor="end">{ format!("step {x_max:.0}") }</text>
                { for props.series.iter().map(|s| {
                    let pts: Vec<String> = s.points.iter()
                        .filter(|(x, y)| finite(x) && finite(y))
                        .map(|(x, y)| format!("{:.1},{:.1}", sx(*x), sy(*y)))
                        .collect();
                    // The values themselves, as "step:value" pairs, for anyone (or any test) who
                    // wants the numbers rather than the drawing.
                    let values: Vec<String> = s.points.iter()
                        .filter(|(x, y)| finite(x) && finite(y))
                        .map(|(x, y)| format!("{x}:{y:.4}"))
                        .collect();
                    html! { <polyline class={classes!("series", s.class)} points={pts.join(" ")} data-n={pts.len().to_string()} data-values={values.join(" ")} /> }
                }) }
            </svg>
            <div class="legend">
                { for props.series.iter().map(|s| html! {
                    <span class={classes!("key", s.class)}>{ s.name }
                        { s.points.last().filter(|p| p.1.is_finite()).map(|p| format!(" {:.3}", p.1)).unwrap_or_default() }
                    </span>
                }) }
            </div>
        </figure>
    }
}
