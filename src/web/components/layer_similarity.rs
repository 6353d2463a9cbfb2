//! Layer similarity: linear CKA of every teacher layer with every layer of the distilled student
//! on a fixed probe batch, refreshed about once a second while training, with the layer
//! mapping's pairs outlined. It shows whether "skip" or "last" pairs layers that are alike.

use yew::prelude::*;

use std::rc::Rc;

use super::*;
use crate::engine::mapping::MappingScheme;

#[derive(Properties, PartialEq)]
pub struct LayerSimilarityProps {
    /// Teacher layers (rows) × the distilled student's, once measured.
    pub similarity: Option<Rc<Vec<Vec<f32>>>>,
    pub mapping: MappingScheme,
}

#[component]
pub fn LayerSimilarity(props: &LayerSimilarityProps) -> Html {
    let Some(m) = props.similarity.as_deref() else {
        return html! {
            <section class="panel similarity" aria-labelledby="similarity-h">
                <h2 id="similarity-h">{ "Layer similarity (linear CKA)" }</h2>
                <p class="note">{ "Shown for MLP and transformer students once the page has measured it (about once a second while training)." }</p>
            </section>
        };
    };
    let (rows, columns) = (m.len(), m.first().map_or(0, Vec::len));
    let pairs: Vec<(usize, usize)> = props
        .mapping
        .resolve(columns, rows)
        .map(|mapping| mapping.pairs().to_vec())
        .unwrap_or_default();
    let marked = pairs
        .iter()
        .filter(|(s, t)| (1..=columns).contains(s) && (1..=rows).contains(t))
        .map(|(s, t)| (t - 1) * columns + (s - 1))
        .collect::<Vec<_>>();
    html! {
        <section class="panel similarity" aria-labelledby="similarity-h">
            <h2 id="similarity-h">{ "Layer similarity (linear CKA)" }</h2>
            <p class="explain">{ "How alike each teacher layer and each student layer represent the same 200 test examples: 1 means alike up to a rotation and a scale, 0 means unrelated (Kornblith et al. 2019). Outlined: the pairs the layer mapping supervises." }</p>
            <GridHeatmap id="similarity-grid" caption="Teacher layers (rows) × student layers (columns)" corner="T \\ S"
                rows={(1..=rows).map(|t| format!("T{t}")).collect::<Vec<_>>()}
                columns={(1..=columns).map(|s| format!("S{s}")).collect::<Vec<_>>()}
                values={m.iter().flatten().map(|v| Some(*v)).collect::<Vec<_>>()} range={(0.0, 1.0)}
                marked={marked} />
            <ul id="similarity-reading" class="reading">
                { for (1..=columns).map(|s| html! { <li>{ reading(m, s, &pairs) }</li> }) }
            </ul>
        </section>
    }
}

/// Which teacher layer student layer `s` is most like, and which one the mapping gives it.
fn reading(m: &[Vec<f32>], s: usize, pairs: &[(usize, usize)]) -> String {
    let column = m.iter().map(|row| row.get(s - 1).copied().unwrap_or(0.0));
    let (best, value) =
        column.enumerate().fold(
            (0, f32::NEG_INFINITY),
            |b, (t, v)| if v > b.1 { (t + 1, v) } else { b },
        );
    let mapped = pairs.iter().find(|p| p.0 == s).map(|p| p.1);
    let told = match mapped {
        Some(t) if t == best => "the mapping pairs it with that one".to_string(),
        Some(t) => format!(
            "the mapping pairs it with T{t} ({:.2})",
            m.get(t - 1)
                .and_then(|r| r.get(s - 1))
                .copied()
                .unwrap_or(0.0)
        ),
        None => "the mapping leaves it free".to_string(),
    };
    format!("S{s} is most like T{best} ({value:.2}); {told}.")
}
