//! The class × class map of the teacher's mean soft targets at T: which classes the teacher
//! finds alike. It follows the T slider in the same frame (the logits are on the page already),
//! folded under the soft targets so the playground stays one screen.

use std::rc::Rc;

use yew::prelude::*;

use crate::app::Settings;
use crate::app::dark_knowledge::{mean_soft_targets, most_alike};
use crate::app::data::Data;
use crate::web::components::AttentionHeatmap;

#[derive(Properties, PartialEq)]
pub struct DarkKnowledgeMapProps {
    pub settings: Settings,
    pub data: Option<Data>,
    /// The teacher's logits of every test example, once the session has them.
    pub teacher_test: Option<Rc<Vec<f32>>>,
}

/// What a class is called on the map: the text classes by name, the others by number.
fn class_names(settings: &Settings, classes: usize) -> Vec<String> {
    (0..classes)
        .map(|c| {
            let names = settings.dataset.class_names();
            names
                .and_then(|n| n.get(c))
                .map_or(c.to_string(), ToString::to_string)
        })
        .collect()
}

#[component]
pub fn DarkKnowledgeMap(p: &DarkKnowledgeMapProps) -> Html {
    let (Some(data), Some(logits)) = (&p.data, &p.teacher_test) else {
        return html! {};
    };
    let test = &data.split.test;
    let classes = test.classes;
    if classes < 2 || logits.len() != test.len() * classes {
        return html! {};
    }
    let t = p.settings.temperature;
    let matrix = mean_soft_targets(logits, &test.labels, classes, t);
    let names = class_names(&p.settings, classes);
    let alike = most_alike(&matrix, classes).map(|(r, c, q)| {
        format!(
            "At T = {t:.2}, the teacher's strongest second thought: on a true “{}” it gives “{}” {:.1} % on average.",
            names[r],
            names[c],
            q * 100.0
        )
    });
    html! {
        <details class="more class-map" id="class-map">
            <summary id="class-map-h">{ "Which classes the teacher finds alike (class × class)" }</summary>
            <p class="explain">{ format!("Each row is a true class; each cell the teacher's mean soft target for that class over the {} test examples of the row's class, at the T above. The diagonal (grey) is its belief in the right answer; the blue cells are the wrong answers it finds plausible, shaded against the largest of them — what a student learns from the soft targets and never from the labels. Raise T to see more of it.", test.len()) }</p>
            <AttentionHeatmap title={AttrValue::from("True class (rows) × the teacher's mean soft target (columns)")}
                tokens={names} weights={matrix} classes={true} />
            if let Some(a) = alike { <p id="most-alike" class="reading">{ a }</p> }
        </details>
    }
}
