//! The compression table: sizes, forward times and accuracy retained.

use yew::prelude::*;

use std::rc::Rc;

use crate::app::state::Run;
use crate::engine::network::NetKind;

#[derive(Properties, PartialEq)]
pub struct CompressionProps {
    pub run: Rc<Run>,
    /// The text student's kind, marked in the kinds table.
    pub student_kind: NetKind,
}

/// What distillation buys: size and speed of the teacher and the student, and the accuracy kept.
#[component]
pub fn Compression(props: &CompressionProps) -> Html {
    let p = props;
    let Some(c) = &p.run.compression else {
        return html! {};
    };
    let student_accuracy = p.run.curves.last().map(|p| p.test_accuracy);
    let row = |name: &str, teacher: String, student: String| {
        html! {
            <tr><th scope="row">{ name.to_string() }</th><td>{ teacher }</td><td>{ student }</td></tr>
        }
    };
    let ratio = |t: f64, s: f64| format!("{:.1}× smaller", t / s.max(1e-9));
    html! {
        <section class="panel compression" aria-labelledby="compression-h">
            <h2 id="compression-h">{ "Compression" }</h2>
            <table id="compression-table">
                <thead><tr><th></th><th>{ "teacher" }</th><th>{ "student" }</th></tr></thead>
                <tbody>
                    { row("parameters", c.teacher_params.to_string(), format!("{} ({})", c.student_params, ratio(c.teacher_params as f64, c.student_params as f64))) }
                    { row("bytes (float32)", format!("{:.0} kB", c.teacher_params as f64 * 4.0 / 1e3), format!("{:.1} kB", c.student_params as f64 * 4.0 / 1e3)) }
                    { row(&format!("forward pass, {} test examples (CPU)", c.examples), format!("{:.2} ms", c.teacher_ms), format!("{:.2} ms ({:.1}× faster)", c.student_ms, c.teacher_ms / c.student_ms.max(1e-6))) }
                    { row("test accuracy", format!("{:.1} %", c.teacher_accuracy * 100.0),
                          student_accuracy.map_or("train to see".to_string(), |a| format!("{:.1} % ({:.0} % retained)", a * 100.0, a / c.teacher_accuracy.max(1e-6) * 100.0))) }
                </tbody>
            </table>
            { kinds(p, c) }
        </section>
    }
}

/// Text: every student kind at the page's width, timed on the same messages, with the accuracy
/// each kept the last time it was distilled in this visit.
fn kinds(p: &CompressionProps, c: &crate::app::session::Compression) -> Html {
    if c.kinds.is_empty() {
        return html! {};
    }
    html! {
        <>
            <h3 class="sub">{ "Student kinds, at the shape above" }</h3>
            <table id="kinds-table">
                <thead><tr><th>{ "student" }</th><th>{ "parameters" }</th><th>{ "bytes" }</th><th>{ "ms / message" }</th><th>{ "accuracy kept" }</th></tr></thead>
                <tbody>
                    { for c.kinds.iter().map(|k| {
                        let kept = p.run.kind_accuracy.get(&k.kind).map_or("distil one to see".to_string(), |a| {
                            format!("{:.1} % ({:.0} % of the teacher's)", a * 100.0, a / c.teacher_accuracy.max(1e-6) * 100.0)
                        });
                        html! {
                            <tr class={classes!((k.kind == p.student_kind).then_some("current"))}>
                                <th scope="row" title={k.describe.clone()}>{ k.kind.title() }</th>
                                <td>{ k.params.to_string() }</td>
                                <td>{ format!("{:.0} kB", k.params as f64 * 4.0 / 1e3) }</td>
                                <td>{ format!("{:.3}", k.ms_per_example) }</td>
                                <td>{ kept }</td>
                            </tr>
                        }
                    }) }
                    <tr><th scope="row">{ "teacher" }</th><td>{ c.teacher_params.to_string() }</td>
                        <td>{ format!("{:.0} kB", c.teacher_params as f64 * 4.0 / 1e3) }</td>
                        <td>{ format!("{:.3}", c.teacher_ms / c.examples.max(1) as f64) }</td>
                        <td>{ format!("{:.1} %", c.teacher_accuracy * 100.0) }</td></tr>
                </tbody>
            </table>
            <p class="explain">{ "Most of a small text network's parameters are its word embeddings (one vector per word of the vocabulary); the time goes into the blocks, which read every token." }</p>
        </>
    }
}
