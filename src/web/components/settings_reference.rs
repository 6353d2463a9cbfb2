//! Every setting as the page's one table declares it: its key in a link, what it is, its
//! bounds and default, and whether a change applies at once or restarts the students. For an
//! engineer writing links by hand, and the place the controls' bounds are checked against.

use yew::prelude::*;

use crate::app::settings::table::TABLE;

#[component]
pub fn SettingsReference() -> Html {
    html! {
        <section class="panel settings-reference" aria-labelledby="settings-h">
            <h2 id="settings-h">{ "Every setting" }</h2>
            <p class="explain">{ "What the link after # can hold. A value out of bounds is refused with the reason and keeps its default." }</p>
            <div class="scroll">
                <table id="settings-table">
                    <thead><tr><th>{ "key" }</th><th>{ "setting" }</th><th>{ "bounds" }</th><th>{ "a change" }</th></tr></thead>
                    <tbody>
                        { for TABLE.iter().map(|e| html! {
                            <tr data-key={e.key}>
                                <th scope="row"><code>{ e.key }</code></th>
                                <td>{ e.label }</td>
                                <td>{ for e.spans.iter().map(|s| html! {
                                    <span class="span" data-part={s.part} data-min={s.min.to_string()} data-max={s.max.to_string()}>
                                        { format!("{}{} to {} (default {}) ", if s.part.is_empty() { String::new() } else { format!("{}: ", s.part) }, s.min, s.max, s.default) }
                                    </span>
                                }) }</td>
                                <td>{ e.applies.describe() }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
        </section>
    }
}
