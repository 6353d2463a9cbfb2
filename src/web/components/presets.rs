//! One-click presets of the papers' experiments.

use yew::prelude::*;

use std::rc::Rc;

use super::*;
use crate::app::Preset;
use crate::app::state::{Action, AppState};
use crate::web::Request;

/// One click per paper experiment, each explained.
#[derive(Properties)]
pub struct PresetsProps {
    pub state: State,
    pub view: Rc<AppState>,
    pub request: Callback<crate::web::Request>,
}

impl PartialEq for PresetsProps {
    fn eq(&self, other: &Self) -> bool {
        self.view == other.view
    }
}

/// The work a preset starts, as requests to the driver (served in order).
fn preset_requests(preset: Preset, d: &UseReducerDispatcher<AppState>) -> Vec<Request> {
    use crate::app::labs::sequence::SequenceAction;
    use crate::app::labs::{LabAction, ensemble::EnsembleAction, theseus::TheseusAction};
    use crate::app::presets::PresetWork;
    match preset.work() {
        None => Vec::new(),
        Some(PresetWork::Assistant) => vec![Request::TrainAssistant],
        Some(PresetWork::Exits) => vec![Request::TrainExits],
        Some(PresetWork::Theseus) => {
            d.dispatch(Action::Lab(LabAction::Theseus(TheseusAction::Curriculum(
                true,
            ))));
            vec![Request::ReplaceModules { curriculum: true }]
        }
        Some(PresetWork::Sequence) => {
            d.dispatch(Action::Lab(LabAction::Sequence(SequenceAction::Targets(
                crate::engine::seq2seq::Targets::Sequence,
            ))));
            vec![
                Request::LoadCmudict,
                Request::TrainSequenceStudent(crate::engine::seq2seq::Targets::Sequence),
            ]
        }
        Some(PresetWork::Ensemble) => {
            d.dispatch(Action::Lab(LabAction::Ensemble(
                EnsembleAction::TeacherSized(true),
            )));
            vec![
                Request::AddEnsembleTeacher,
                Request::AddEnsembleTeacher,
                Request::DistilEnsemble {
                    teacher_sized: true,
                },
            ]
        }
    }
}

#[component]
pub fn Presets(props: &PresetsProps) -> Html {
    let state = &props.state;
    let text = state.settings.dataset.is_text();
    html! {
        <section class="panel presets" aria-labelledby="presets-h">
            <h2 id="presets-h">{ "Experiments" }</h2>
            <p class="explain">{ "Each button sets up one claim of a paper (both students restart). Press Train and watch the curves." }</p>
            <ul class="preset-list">
                { for Preset::ALL.iter().map(|&preset| {
                    let choose = update(state, move |current| Ok(preset.apply(current)));
                    let request = props.request.clone();
                    let d = state.dispatcher();
                    let onclick = Callback::from(move |_: MouseEvent| {
                        choose();
                        for r in preset_requests(preset, &d) {
                            request.emit(r);
                        }
                    });
                    html! {
                        <li>
                            <button id={format!("preset-{}", preset.id())} {onclick}>{ preset.title() }</button>
                            <span class="note">{ preset.explain_for(text) }</span>
                        </li>
                    }
                }) }
            </ul>
        </section>
    }
}
