//! A distribution over classes as an SVG bar chart, with its entropy.

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
    /// Class names under the bars (text: "spam"); their numbers when empty.
    #[prop_or_default]
    pub names: Vec<AttrValue>,
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
                 aria-label={format!("{}: {}", props.title, describe(&props.probs, &props.names))}>
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
                                <title>{ name_of(&props.names, i, is_label) }</title>
                                { short_name(&props.names, i, is_label, n) }
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

/// A bar's label: the class's name or number, bracketed for the true class.
fn name_of(names: &[AttrValue], i: usize, is_label: bool) -> String {
    let name = names.get(i).map_or(i.to_string(), ToString::to_string);
    if is_label { format!("[{name}]") } else { name }
}

/// Names under many bars (Brown's 15 genres) are cut to their first letters; hovering a bar
/// shows the whole name, and the reading under the bars names the classes in full.
fn short_name(names: &[AttrValue], i: usize, is_label: bool, bars: usize) -> String {
    let full = name_of(names, i, false);
    let name = match bars > 6 {
        // Bold marks the true class: brackets would not fit.
        true => return full.chars().take(3).collect(),
        false => full,
    };
    if is_label { format!("[{name}]") } else { name }
}

fn describe(probs: &[f32], names: &[AttrValue]) -> String {
    probs
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{}: {:.1}%", name_of(names, i, false), p * 100.0))
        .collect::<Vec<_>>()
        .join(", ")
}
