//! Teachers the page trains: a new teacher (plain, or regularised as Hinton et al.'s) and a
//! teacher assistant in between (Mirzadeh et al. 2020), with progress and Cancel. The files
//! panel shows this view; the work runs in the training worker.

use yew::prelude::*;

use super::{LabProps, ask, busy, frame};
use crate::app::labs::LabRequest;
use crate::app::labs::teachers::{TeacherRequest, Teachers};
use crate::app::state::Action;
use crate::engine::catalog::DatasetKind;

/// A new teacher trained here (regularised or not), or a teacher assistant, with progress.
#[component]
pub fn View(props: &LabProps) -> Html {
    let p = props;
    let kind = p.settings.dataset;
    let vocab = vocab(p);
    let regularised = p.run.regularise_teacher;
    let teacher_plan = crate::app::PageTraining::teacher_for(kind, vocab, regularised);
    let assistant_plan = crate::app::PageTraining::assistant(kind, vocab);
    let busy = busy(props);
    let train_teacher = ask::<Teachers>(
        props,
        move || TeacherRequest::Teacher { regularised },
        LabRequest::teachers,
    );
    let train_assistant =
        ask::<Teachers>(props, || TeacherRequest::Assistant, LabRequest::teachers);
    html! {
        <>
            <div class="teacher-train">
                <button id="train-teacher" disabled={busy} onclick={train_teacher}>
                    { "Train a new teacher here" }
                </button>
                <span class="note">{ format!(" {} on all labeled training examples, {} epochs{}; then both students distil from it.", teacher_plan.config.describe(), teacher_plan.epochs, teacher_plan.regularisation.describe().map(|d| format!(", {d}")).unwrap_or_default()) }</span>
                { regularise_choice(p, kind, vocab) }
            </div>
            <div class="teacher-train">
                <button id="train-assistant" disabled={busy || p.run.assistant.is_some()}
                        onclick={train_assistant}>
                    { "Put a teacher assistant in between" }
                </button>
                <span class="note">{ format!(" Mirzadeh et al. 2020: an assistant of half the teacher's width ({}) distils from the teacher first; the students then learn from the assistant, a smaller step.", assistant_plan.config.describe()) }</span>
                { frame::<Teachers>(props) }
            </div>
        </>
    }
}

/// The choice of a teacher regularised as Hinton et al.'s, and why it matters (none for text:
/// its transformer already trains with dropout).
fn regularise_choice(p: &LabProps, kind: DatasetKind, vocab: Option<usize>) -> Html {
    if crate::app::PageTraining::regularised_teacher(kind, vocab).is_none() {
        return html! {};
    }
    let dispatch = p.dispatch.clone();
    let toggle = Callback::from(move |e: Event| {
        let on = e
            .target_unchecked_into::<web_sys::HtmlInputElement>()
            .checked();
        dispatch.emit(Action::RegulariseTeacher(on));
    });
    html! {
        <label class="teacher-option">
            <input id="teacher-regularised" type="checkbox" checked={p.run.regularise_teacher} onchange={toggle} />
            <span>{ "Regularise it as Hinton et al. did: dropout, and on MNIST images shifted by a pixel. It trains three times as long and memorises its training set less, so its soft targets say more." }</span>
        </label>
    }
}

/// The vocabulary of the text set in use.
fn vocab(p: &LabProps) -> Option<usize> {
    let text = p.run.data.as_ref()?.text.as_ref()?;
    Some(text.split.tokenizer.vocab_size())
}
