//! Notices and the last error, with a way to dismiss them.

use yew::prelude::*;

use super::Dispatch;
use crate::app::state::Action;

#[derive(Properties, PartialEq)]
pub struct NoticeProps {
    pub notices: Vec<String>,
    pub error: Option<String>,
    pub dispatch: Dispatch,
}

#[component]
pub fn Notices(props: &NoticeProps) -> Html {
    if props.notices.is_empty() && props.error.is_none() {
        return html! {};
    }
    let dismiss = {
        let d = props.dispatch.clone();
        Callback::from(move |_: MouseEvent| d.emit(Action::DismissNotices))
    };
    html! {
        <section class="notices" aria-live="polite">
            if let Some(e) = &props.error { <p id="error" class="error" role="alert">{ e }</p> }
            { for props.notices.iter().map(|n| html! { <p class="notice">{ n }</p> }) }
            <button onclick={dismiss}>{ "Dismiss" }</button>
        </section>
    }
}
