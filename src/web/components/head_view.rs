//! BertViz's head view (Vig 2019): the tokens twice, in two columns, and a line from each token
//! on the left to each token it attends to on the right, one colour per head, as opaque as the
//! weight. Every head of a block at once shows what a single heat map cannot: which heads look
//! at the next word, at `[SEP]`, or at the same word. Pointing at a token keeps its lines only.

use yew::prelude::*;

use crate::app::text_data::HEAD_VIEW_TOKENS;

/// Lines lighter than this are left out: they would be invisible, and 24 × 24 × 12 lines cost.
const FAINTEST: f32 = 0.05;

/// One colour per head (12, as many as MiniLM's).
const HEAD_COLOURS: [&str; 12] = [
    "#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d",
    "#ea580c", "#4f46e5", "#0d9488", "#9333ea",
];

const ROW_PX: f64 = 18.0;
const COLUMN_PX: f64 = 90.0;
const WIDTH_PX: f64 = 320.0;

#[derive(Properties, PartialEq)]
pub struct HeadViewProps {
    pub id: AttrValue,
    pub title: AttrValue,
    pub tokens: Vec<String>,
    /// `[head]` of `tokens × tokens` maps, row-major.
    pub heads: Vec<Vec<f32>>,
}

/// The lines to draw: `(head, from, to, weight)` above [`FAINTEST`], for the pointed token only
/// when one is pointed at.
pub fn head_lines(
    heads: &[Vec<f32>],
    n: usize,
    only: Option<usize>,
) -> Vec<(usize, usize, usize, f32)> {
    let mut out = Vec::new();
    for (h, map) in heads.iter().enumerate() {
        if map.len() != n * n {
            continue;
        }
        for (k, &w) in map.iter().enumerate() {
            let (from, to) = (k / n, k % n);
            if w >= FAINTEST && only.is_none_or(|o| o == from) {
                out.push((h, from, to, w));
            }
        }
    }
    out
}

#[component]
pub fn HeadView(p: &HeadViewProps) -> Html {
    let pointed = use_state(|| None::<usize>);
    let n = p.tokens.len();
    if n == 0 || p.heads.is_empty() {
        return html! {};
    }
    if n > HEAD_VIEW_TOKENS {
        return html! { <p class="note head-view-off" id={p.id.clone()}>{ format!("The head view draws sentences of up to {HEAD_VIEW_TOKENS} tokens; this one has {n}. Type a shorter message to see every head's lines.") }</p> };
    }
    let height = ROW_PX * n as f64 + 8.0;
    let y = |i: usize| ROW_PX * (i as f64 + 0.5) + 4.0;
    let (x0, x1) = (COLUMN_PX, WIDTH_PX - COLUMN_PX);
    let lines = head_lines(&p.heads, n, *pointed);
    let token = |i: usize, right: bool| {
        let pointed = pointed.clone();
        let enter = Callback::from(move |_: MouseEvent| pointed.set(Some(i)));
        let (x, anchor) = if right {
            (x1 + 4.0, "start")
        } else {
            (x0 - 4.0, "end")
        };
        html! {
            <text x={x.to_string()} y={(y(i) + 4.0).to_string()} text-anchor={anchor}
                  class="head-token" onmouseenter={(!right).then_some(enter)}>{ short(&p.tokens[i]) }</text>
        }
    };
    let leave = {
        let pointed = pointed.clone();
        Callback::from(move |_: MouseEvent| pointed.set(None))
    };
    html! {
        <figure class="head-view" id={p.id.clone()} data-lines={lines.len().to_string()}>
            <figcaption>{ p.title.clone() }</figcaption>
            <svg viewBox={format!("0 0 {WIDTH_PX} {height}")} role="img" onmouseleave={leave}
                 aria-label={format!("{}: lines from each token on the left to the tokens it attends to on the right, one colour per head", p.title)}>
                { for lines.iter().map(|&(h, from, to, w)| html! {
                    <line x1={x0.to_string()} y1={y(from).to_string()} x2={x1.to_string()} y2={y(to).to_string()}
                          stroke={HEAD_COLOURS[h % HEAD_COLOURS.len()]} stroke-opacity={format!("{:.2}", w.min(1.0))} stroke-width="2" />
                }) }
                { for (0..n).map(|i| token(i, false)) }
                { for (0..n).map(|i| token(i, true)) }
            </svg>
            <p class="head-legend">
                { for (0..p.heads.len()).map(|h| html! {
                    <span class="head-key"><span class="swatch" style={format!("background:{}", HEAD_COLOURS[h % HEAD_COLOURS.len()])}></span>{ format!("head {}", h + 1) }</span>
                }) }
            </p>
            <p class="note">{ match *pointed {
                Some(i) => format!("Where “{}” looks, in every head.", p.tokens[i]),
                None => "Point at a token on the left to keep only its lines.".to_string(),
            } }</p>
        </figure>
    }
}

fn short(token: &str) -> String {
    let cut: String = token.chars().take(12).collect();
    if cut.len() < token.len() {
        format!("{cut}…")
    } else {
        cut
    }
}
