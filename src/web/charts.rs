//! Small hand-written SVG pictures: bar charts of distributions, a digit, line charts.

use yew::prelude::*;

use crate::engine::loss::host;

#[derive(Properties, PartialEq)]
pub struct BarsProps {
    pub title: AttrValue,
    pub probs: Vec<f32>,
    /// The true class, marked under its bar.
    pub label: Option<usize>,
    /// CSS class giving the colour (teacher, student, scratch, hard).
    pub kind: AttrValue,
}

/// A distribution over classes as bars, with its entropy.
#[component]
pub fn Bars(props: &BarsProps) -> Html {
    let n = props.probs.len().max(1);
    let (w, h, pad) = (300.0, 150.0, 18.0);
    let bw = w / n as f64;
    // `+ 0.0` turns the -0.0 of a one-hot distribution into 0.
    let entropy = host::entropy_bits(&props.probs).max(0.0) + 0.0;
    html! {
        <figure class={classes!("bars", props.kind.to_string())} data-entropy={format!("{entropy:.4}")}>
            <figcaption>
                <span class="bars-title">{ props.title.clone() }</span>
                <span class="entropy">{ format!("entropy {entropy:.2} bits") }</span>
            </figcaption>
            <svg viewBox={format!("0 0 {w} {}", h + pad)} role="img"
                 aria-label={format!("{}: {}", props.title, describe(&props.probs))}>
                { for props.probs.iter().enumerate().map(|(i, p)| {
                    let bar_h = (*p as f64).clamp(0.0, 1.0) * (h - 14.0);
                    let x = i as f64 * bw;
                    let is_label = props.label == Some(i);
                    html! {
                        <g class={classes!("bar", is_label.then_some("true-label"))} data-p={format!("{p:.5}")}>
                            <rect x={format!("{:.1}", x + 3.0)} y={format!("{:.1}", h - bar_h)}
                                  width={format!("{:.1}", bw - 6.0)} height={format!("{:.1}", bar_h.max(0.5))} />
                            if *p >= 0.005 {
                                <text class="pct" x={format!("{:.1}", x + bw / 2.0)} y={format!("{:.1}", h - bar_h - 3.0)}>
                                    { format_prob(*p) }
                                </text>
                            }
                            <text class="cls" x={format!("{:.1}", x + bw / 2.0)} y={format!("{:.1}", h + pad - 3.0)}>
                                { if is_label { format!("[{i}]") } else { i.to_string() } }
                            </text>
                        </g>
                    }
                }) }
            </svg>
        </figure>
    }
}

fn format_prob(p: f32) -> String {
    if p >= 0.095 {
        format!("{:.0}", p * 100.0)
    } else {
        format!("{:.1}", p * 100.0)
    }
}

fn describe(probs: &[f32]) -> String {
    probs
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{i}: {:.1}%", p * 100.0))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Properties, PartialEq)]
pub struct DigitProps {
    pub pixels: Vec<f32>,
    pub side: usize,
}

/// An image drawn as grey squares.
#[component]
pub fn Digit(props: &DigitProps) -> Html {
    let s = props.side.max(1);
    html! {
        <svg class={classes!("digit", (s > 8).then_some("fine"))} viewBox={format!("0 0 {s} {s}")} role="img" aria-label="the selected test digit">
            { for props.pixels.iter().enumerate().map(|(i, v)| {
                let shade = (255.0 * (1.0 - v.clamp(0.0, 1.0))) as u8;
                html! { <rect x={(i % s).to_string()} y={(i / s).to_string()} width="1.02" height="1.02"
                              fill={format!("rgb({shade},{shade},{shade})")} /> }
            }) }
        </svg>
    }
}

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
                    html! { <polyline class={classes!("series", s.class)} points={pts.join(" ")} data-n={pts.len().to_string()} /> }
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
