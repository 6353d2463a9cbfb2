//! The teacher menu, for a set that ships more than one teacher (Brown: the pretrained MiniLM
//! or a transformer trained here). Like the dataset menu, the driver loads the teacher first and
//! switches only then.

use yew::prelude::*;

use super::*;
use crate::app::shipped_teacher::ShippedTeacher;
use crate::engine::catalog::DatasetKind;
use crate::web::Request;

#[derive(Properties, PartialEq)]
pub struct TeacherMenuProps {
    pub kind: DatasetKind,
    pub teacher: ShippedTeacher,
    /// The page's last error: a teacher that failed to load puts the menu back.
    pub error: Option<String>,
    pub request: Callback<Request>,
}

#[component]
pub fn TeacherMenu(props: &TeacherMenuProps) -> Html {
    let offered = ShippedTeacher::offered(props.kind);
    let teacher = props.teacher;
    let on_teacher = {
        let request = props.request.clone();
        Callback::from(move |e: Event| {
            if let Ok(t) = input_value(&e).parse::<ShippedTeacher>() {
                request.emit(Request::SwitchTeacher(t));
            }
        })
    };
    let menu = use_node_ref();
    {
        let menu = menu.clone();
        use_effect_with((teacher, props.error.clone()), move |(teacher, _)| {
            if let Some(m) = menu.cast::<web_sys::HtmlSelectElement>() {
                m.set_value(teacher.name());
            }
        });
    }
    if offered.len() < 2 {
        return html! {};
    }
    html! {
        <div class="control teacher-choice">
            <label for="teacher">{ "Teacher " }</label>
            <select id="teacher" ref={menu} onchange={on_teacher}>
                { for offered.iter().map(|t| html! {
                    <option value={t.name()} selected={*t == teacher}>{ t.title() }</option>
                }) }
            </select>
            <span class="note">{ format!(" {}", teacher.explain(props.kind)) }</span>
        </div>
    }
}
