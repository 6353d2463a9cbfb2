//! Your own data: pick or drop a CSV (numeric feature columns and one label column); the page
//! reads it here, names every problem by line and column, trains a teacher with progress and
//! switches to it. Nothing is uploaded.

use yew::prelude::*;

use super::*;
use crate::app::labs::Lab;
use crate::engine::catalog::DatasetKind;
use crate::web::Request;
use crate::web::files;

#[component]
pub fn OwnData(props: &labs::LabProps) -> Html {
    let p = props;
    let label = use_node_ref();
    let load = {
        let (request, dispatch, label) = (props.request.clone(), p.dispatch.clone(), label.clone());
        move |file: web_sys::File| {
            let label = label
                .cast::<web_sys::HtmlInputElement>()
                .map(|i| i.value().trim().to_string())
                .filter(|l| !l.is_empty());
            read_csv(&request, &dispatch, file, label);
        }
    };
    let (on_pick, on_drop) = file_handlers(load);
    let busy = p.labs.busy();
    let training = p
        .labs
        .progress(crate::app::labs::teachers::Teachers::ID)
        .filter(|p| p.what.contains("your data"));
    html! {
        <section class="panel own-data" aria-labelledby="own-h">
            <h2 id="own-h">{ "Your own data" }</h2>
            <p class="explain">{ "A CSV with a header row, numeric feature columns and one label column: the one named label, class, target or y, or the one you name below, else the last. The page checks it, standardises the features, keeps 20 % of the rows for testing, trains a teacher here, then distils a student as with the built-in sets. With two features you also get decision maps." }</p>
            <p class="note">{ "Nothing is uploaded anywhere: the file is read in this page, and kept only in this browser (files up to 2 MB) so a reload finds it." }</p>
            <div class="drop" ondrop={on_drop} ondragover={Callback::from(|e: DragEvent| e.prevent_default())}>
                <label>{ "Label column " }
                    <input id="own-label" type="text" ref={label} placeholder="(found by name, else the last)" size="22" />
                </label>
                <label class="file">{ " CSV file " }
                    <input id="own-file" type="file" accept=".csv,text/csv" onchange={on_pick} disabled={busy} />
                </label>
                <span class="note">{ " or drop it here." }</span>
            </div>
            if let Some(p) = training {
                <label class="progress">{ "Training a teacher " }
                    <progress id="own-progress" max={p.total.to_string()} value={p.done.to_string()} />
                </label>
            }
            { in_use(p) }
        </section>
    }
}

/// What your data is, when the page uses it.
fn in_use(p: &labs::LabProps) -> Html {
    let s = &p.settings;
    match &p.run.data {
        Some(d) if d.kind == DatasetKind::Own => html! {
            <p id="own-summary" class="reading">{ format!(
                "In use: {} — {} training and {} test rows, {} features, {} classes.",
                s.own_name, d.split.train.len(), d.split.test.len(), d.split.train.dim, d.split.train.classes) }</p>
        },
        _ => html! {},
    }
}

fn read_csv(
    request: &Callback<Request>,
    dispatch: &Dispatch,
    file: web_sys::File,
    label: Option<String>,
) {
    let (request, dispatch) = (request.clone(), dispatch.clone());
    wasm_bindgen_futures::spawn_local(async move {
        let name = file.name();
        let text = match files::read(file).await {
            Ok(bytes) => String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string()),
            Err(e) => Err(e.to_string()),
        };
        match text {
            Ok(text) => request.emit(Request::UseOwnData {
                name,
                text: std::rc::Rc::new(text),
                label,
            }),
            Err(e) => dispatch.emit(Action::Failed(format!(
                "'{name}' could not be read: {e}. The page is as it was."
            ))),
        }
    });
}
