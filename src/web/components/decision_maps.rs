//! Decision maps of the teacher and both students on a 2-D set.

use std::rc::Rc;

use yew::prelude::*;

use super::*;

/// The 2-D sets: the teacher's, the distilled and the scratch student's decision maps side by
/// side, shaded by how sure each is at temperature T, with the points each one learns from.
#[component]
pub fn DecisionMaps(props: &ShownProps) -> Html {
    let p = props;
    let s = &p.settings;
    let transfer = {
        let data = p.data.clone();
        let config = s.transfer_config();
        use_memo((data, config, s.seed), |(data, config, seed)| {
            data.as_ref()
                .filter(|d| d.kind.toy().is_some() || d.split.test.dim == 2)
                .and_then(|d| {
                    crate::engine::data::TransferSet::build(&d.split.train, config, *seed).ok()
                })
                .map(Rc::new)
        })
    };
    let Some(data) = &p.data else {
        return html! {};
    };
    if data.kind.toy().is_none() && data.split.test.dim != 2 {
        return html! {};
    }
    let test = &data.split.test;
    let selected = match p.views.probe {
        Some(point) => Some(point),
        None if p.views.drawing.is_none() && !test.is_empty() => {
            let e = test.example(s.example.min(test.len() - 1));
            Some([e[0], e[1]])
        }
        None => None,
    };
    let agreement = p.views.grid.as_ref().map(|g| {
        (
            crate::engine::decision_map::agreement(&g[1], &g[0], test.classes),
            crate::engine::decision_map::agreement(&g[2], &g[0], test.classes),
        )
    });
    let maps = [
        ("teacher", "Teacher", MapPoints::All),
        ("student", "Distilled student", MapPoints::Transfer),
        ("scratch", "Scratch student", MapPoints::Labeled),
    ];
    html! {
        <section class="panel maps" aria-labelledby="maps-h">
            <h2 id="maps-h">{ "Decision maps" }</h2>
            <p class="explain">{ "Each map colours the plane by the class a network picks; pale means unsure at the current T (drag the temperature slider: the sure region shrinks towards the points). Filled dots carry labels; hollow dots are unlabeled examples the distilled student hears about only from the teacher. Click a map (or focus it and use the arrow keys) to see the soft targets at any point." }</p>
            <div class="maps-row">
                { for maps.iter().enumerate().map(|(k, (id, title, points))| html! {
                    <MapCanvas id={format!("map-{id}")} title={*title} which={k} grid={p.views.grid.clone()}
                               temperature={s.temperature} classes={test.classes} transfer={(*transfer).clone()}
                               train={data.clone()} points={*points} selected={selected} dispatch={p.dispatch.clone()} />
                }) }
            </div>
            if let Some((distilled, scratch)) = agreement {
                <p id="map-agreement" class="reading">{ format!(
                    "On the plane shown, the distilled student picks the teacher's class on {:.0} % of the map, the scratch student on {:.0} %.",
                    distilled * 100.0, scratch * 100.0) }</p>
            }
        </section>
    }
}
